"""Score subject × vault pairs with the trained Splink model (any backend)."""

from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
from splink import Linker
from splink.internals.blocking_rule_creator_utils import to_blocking_rule_creator

from fti_gateway.resolve.backends.base import Backend
from fti_gateway.resolve.model import register_frequencies
from fti_gateway.resolve.normalize.frame import COMPARED

SUBJECT_COLS = f"uid, {COMPARED}"


_RULES = "blocking_rules_to_generate_predictions"
#: A column of one side in a Splink level's SQL: ``fn_l`` (the subject), ``fn_r`` (the record).
_SIDE = re.compile(r"\b([a-z0-9_]+?)_(l|r)\b")


def load_model(path: Path, prior: float) -> dict[str, Any]:
    model = dict(json.loads(Path(path).read_text()))
    model["probability_two_random_records_match"] = prior
    return model


_EQUI = re.compile(r'^l\."(\w+)" = r\."(\w+)"$')


def _equi_columns(rule_sql: str) -> list[str] | None:
    """The columns of a rule made only of ``l."c" = r."c"`` conjuncts, else None."""
    cols = []
    for part in rule_sql.split(" AND "):
        m = _EQUI.match(part.strip().removeprefix("(").removesuffix(")"))
        if m is None or m.group(1) != m.group(2):
            return None
        cols.append(m.group(1))
    return cols


def _prefilter_sql(rules: list[Any], subjects: str, b: Backend, select: str = "r.uid") -> str:
    """DuckDB SQL for the vault records sharing a blocking key with ``subjects`` (``select``:
    their columns to keep, read in the same scan).

    Equality rules become one scan of the vault with a hash-key semi-join per rule (twice
    as fast as a join per rule; a hash collision only adds a record Splink then rejects);
    any other rule is one join with the chunk as the small side."""
    conds, joins = [], []
    for br in rules:
        sql = br.get_blocking_rule("duckdb").blocking_rule_sql
        cols = _equi_columns(sql)
        if cols is None:
            joins.append(f"SELECT r.uid FROM {subjects} l JOIN {b.records_table} r ON {sql}")
            continue
        present = " AND ".join(f"{c} IS NOT NULL" for c in cols)
        conds.append(
            f"({' AND '.join(f'r.{c} IS NOT NULL' for c in cols)} AND "
            f"hash({', '.join(f'r.{c}' for c in cols)}) IN "
            f"(SELECT hash({', '.join(cols)}) FROM {subjects} WHERE {present}))"
        )
    if joins:
        conds.append(f"r.uid IN ({' UNION '.join(joins)})")
    return f"SELECT {select} FROM {b.records_table} r WHERE {' OR '.join(conds)}"


def level_weights(model: dict[str, Any]) -> dict[str, list[tuple[float, str]]]:
    """comparison name → [(level weight in bits, label)]: the null level first, then every
    other level top to bottom (see :func:`.levels.level_codes`). A level the model holds no
    m or u for keeps its place, with weight NaN: dropping it would shift every level below
    onto the wrong label."""
    out: dict[str, list[tuple[float, str]]] = {}
    for comp in model["comparisons"]:
        levels: list[tuple[float, str]] = [(0.0, "missing on one side")]
        for lv in comp["comparison_levels"]:
            if lv.get("is_null_level"):
                continue
            label = str(lv.get("label_for_charts") or lv.get("sql_condition"))
            m, u = lv.get("m_probability"), lv.get("u_probability")
            levels.append((math.log2(m / u) if m and u else math.nan, label))
        out[comp["output_column_name"]] = levels
    return out


class Scorer:
    """A Splink linker over the vault records, reused for every chunk of a request."""

    def __init__(self, backend: Backend, model: dict[str, Any]) -> None:
        self.backend = backend
        self.model = model
        self.comparisons = [c["output_column_name"] for c in model["comparisons"]]
        self.tf_comparisons = [
            c["output_column_name"]
            for c in model["comparisons"]
            if any(lv.get("tf_adjustment_column") for lv in c["comparison_levels"])
        ]
        backend.execute(
            f"SELECT {SUBJECT_COLS}, taxpayer_id FROM {backend.records_table}",
            "cand_records",
            persist=False,
        )
        api = backend.splink_api
        self._records = api.register("cand_records", table_name="cand_records_sdf")
        self.linker = Linker(self._records, model, log_level=logging.WARNING)
        # Value frequencies come from the vault (Splink's term-frequency adjustment):
        # agreeing on "Smith" is worth less than agreeing on "Przybylski" (index.TF_COLUMNS).
        register_frequencies(self.linker, api)
        # Each comparison's null-level condition over the subject (s) and record (r) sides.
        self._null_sql = {
            c["output_column_name"]: "("
            + _SIDE.sub(lambda m: f"{'s' if m[2] == 'l' else 'r'}.{m[1]}", lv["sql_condition"])
            + ")"
            for c in model["comparisons"]
            for lv in c["comparison_levels"]
            if lv.get("is_null_level")
        }
        self._n = 0

    def candidates(self, subjects_table: str) -> str:
        """The vault records any subject of ``subjects_table`` could be paired with, as a
        table name (drop it with :meth:`release`).

        Pre-blocking (DuckDB): one scan keeps the records that share some blocking key with
        the subjects; Splink then blocks the same rules over those instead of the whole
        vault and finds exactly the same pairs (every pair a rule makes has its record in
        the set), and the deterministic pass joins them instead of the vault. Spark joins
        the whole vault as it is: that is what a cluster is for, and its planner does not
        take the semi-joins well."""
        self._n += 1
        b = self.backend
        if b.splink_api.sql_dialect.sql_dialect_str != "duckdb":
            return "cand_records"
        keep_cols = ", ".join(f"r.{c.strip()}" for c in f"{SUBJECT_COLS}, taxpayer_id".split(","))
        rec = f"cand_rec_{self._n}"
        b.execute(_prefilter_sql(self._rules(), subjects_table, b, keep_cols), rec)
        return rec

    def release(self, records: str) -> None:
        if records != "cand_records":
            self.backend.drop(records)

    def _rules(self) -> list[Any]:
        return [to_blocking_rule_creator(r) for r in self.model[_RULES]]

    def score(
        self, subjects_table: str, *, floor: float, keep: int = 5, records: str | None = None
    ) -> pd.DataFrame:
        """Pairs of ``subjects_table`` × ``records`` (from :meth:`candidates`; made and
        released here when not given) with their weight and per-comparison weights
        (``mw_*``, ``mw_tf_adj_*``), and whether each comparison fell in its null level
        (``null_*``, see :func:`.levels.level_codes`)."""
        own = records is None
        rec = self.candidates(subjects_table) if records is None else records
        self._n += 1
        n, api, b = self._n, self.backend.splink_api, self.backend
        b.execute(f"SELECT {SUBJECT_COLS}, subject_id FROM {subjects_table}", f"cand_subj_{n}")
        left = api.register(f"cand_subj_{n}", table_name=f"cand_subj_sdf_{n}")
        right = (
            self._records
            if rec == "cand_records"
            else api.register(rec, table_name=f"{rec}_sdf_{n}")
        )
        rules = self._rules()
        pred = self.linker.inference.predict_between(
            left,
            right,
            blocking_rules_to_generate_predictions=rules,
            threshold_match_weight=floor,
            warning_mode="never",
        )
        cols = ", ".join(
            ["p.uid_l", "p.uid_r", "p.match_weight", "p.match_probability"]
            + [f"p.mw_{c}" for c in self.comparisons]
            + [f"{sql} AS null_{c}" for c, sql in self._null_sql.items()]
            + [f"p.mw_tf_adj_{c}" for c in self.tf_comparisons]
            # what the guard reads besides the levels: a generational suffix on one side
            # only, and birth years a generation apart (see levels.namesake_risks)
            + ["s.sfx AS sfx_s", "r.sfx AS sfx_r", "s.dob_y AS dob_y_s", "r.dob_y AS dob_y_r"]
            + ["s.dob_s AS dob_s_s", "r.dob_s AS dob_s_r"]
        )
        # Only the best pair per (subject, taxpayer) and the best `keep` taxpayers per subject
        # leave the engine: the guard needs no more, and Python never holds all pairs.
        df = self.backend.query(
            f"""
            SELECT * FROM (
              SELECT x.*, row_number() OVER (
                PARTITION BY x.subject_id ORDER BY x.match_weight DESC, x.taxpayer_id) AS rank_
              FROM (
                SELECT y.* FROM (
                  SELECT {cols}, s.subject_id, r.taxpayer_id, row_number() OVER (
                    PARTITION BY s.subject_id, r.taxpayer_id
                    ORDER BY p.match_weight DESC, p.uid_l, p.uid_r) AS dup_
                  FROM {pred.physical_name} p
                  JOIN cand_subj_{n} s ON p.uid_l = s.uid
                  JOIN {rec} r ON p.uid_r = r.uid) y
                WHERE y.dup_ = 1) x) z
            WHERE z.rank_ <= {int(keep)}
            """
        )
        pred.drop_table_from_database_and_remove_from_cache()
        if own:
            self.release(rec)
        b.drop(f"cand_subj_{n}")
        return df
