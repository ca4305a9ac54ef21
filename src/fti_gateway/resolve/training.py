"""Train the model once per vault and save it next to the index.

- **u** (how often fields agree by chance) comes from the vault itself, by Splink's
  ``estimate_u_using_random_sampling`` over one row per taxpayer: a vault's own name, DOB
  and address frequencies decide how much an agreement is worth.
- **m** (how often fields agree for the same person) cannot come from the vault alone — a
  master file holds each person once. We estimate it with Splink's
  ``estimate_m_from_label_column`` on *synthetic requester copies* of a sample of vault
  people, made by the documented error model below (requester typos, nicknames, dropped
  middle names and suffixes, missing or mistyped DOB and TIN, moved, surnames truncated to
  the first of a compound, transposed names). The rates are our stated assumptions about
  requester data, not tuned to any generator; they only shape m, and a wrong guess costs
  recall before it costs precision because the threshold is then checked on the same copies.
- **λ** (prior) is set at resolve time to ``in_vault_share / N`` so weights carry the vault
  size: the same threshold means the same odds at any size.
"""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from nicknames import NickNamer
from splink import DuckDBAPI, Linker

from fti_gateway.core.formats import IDENTITY_COLUMNS
from fti_gateway.resolve.index import VaultIndex, VaultLike, write_atomic
from fti_gateway.resolve.model import FIRST_INITIAL, register_frequencies, settings_creator
from fti_gateway.resolve.normalize.frame import COMPARED, normalize_records
from fti_gateway.resolve.settings import ResolveSettings

log = logging.getLogger(__name__)

RAW_COLS = list(IDENTITY_COLUMNS)

#: The requester error model (share of copies affected).
ERROR_MODEL = {
    "nickname": 0.10,
    "first_typo": 0.05,
    "first_initial": 0.03,
    "first_missing": 0.03,
    "middle_missing": 0.5,
    "middle_initial": 0.2,  # of the middle names left: given as an initial only
    "last_typo": 0.05,
    "last_first_token": 0.5,  # of compound surnames
    "transposed": 0.02,
    "suffix_missing": 0.5,
    "dob_missing": 0.2,
    "dob_typo": 0.05,
    "dob_swap": 0.02,
    "dob_other": 0.02,  # a different date altogether (another person's, a data-entry error)
    "tin_missing": 0.5,
    "tin_typo": 0.03,
    "moved": 0.15,  # use another address the taxpayer filed from, or a stranger's
    "street_missing": 0.05,
    "street_typo": 0.05,
    "unit_missing": 0.3,
    "zip_typo": 0.03,
}


def _typo(rng: random.Random, s: str) -> str:
    if len(s) < 2:
        return s
    i = rng.randrange(len(s) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    if kind == 1:
        return s[:i] + s[i + 1 :]
    c = rng.choice("abcdefghijklmnopqrstuvwxyz") if s[i].isalpha() else str(rng.randrange(10))
    return s[:i] + c + s[i + 1 :]


def corrupt(people: pd.DataFrame, addresses: pd.DataFrame, seed: int) -> pd.DataFrame:
    """One requester-style copy per person (``people``: latest raw row per taxpayer;
    ``addresses``: every raw address row, for movers)."""
    rng = random.Random(seed)
    nn = NickNamer()
    addr_by_tp = {k: g for k, g in addresses.groupby("taxpayer_id")}
    pool = addresses.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    e = ERROR_MODEL
    out = []
    for k, row in enumerate(people.to_dict("records")):
        r = dict(row)

        def p(name: str) -> bool:
            return rng.random() < e[name]

        fn = str(r.get("first_name") or "")
        if fn and p("nickname"):
            nicks = sorted(nn.nicknames_of(fn.lower()))
            if nicks:
                r["first_name"] = rng.choice(nicks).title()
        elif fn and p("first_typo"):
            r["first_name"] = _typo(rng, fn)
        elif fn and p("first_initial"):
            r["first_name"] = fn[0]
        elif p("first_missing"):
            r["first_name"] = None
        if p("middle_missing"):
            r["middle_name"] = None
        elif isinstance(r.get("middle_name"), str) and r["middle_name"] and p("middle_initial"):
            r["middle_name"] = r["middle_name"][:1]
        ln = str(r.get("last_name") or "")
        parts = ln.replace("-", " ").split()
        if len(parts) > 1 and p("last_first_token"):
            r["last_name"] = parts[0]
        elif ln and p("last_typo"):
            r["last_name"] = _typo(rng, ln)
        if r.get("first_name") and p("transposed"):
            r["first_name"], r["last_name"] = r["last_name"], r["first_name"]
        if p("suffix_missing"):
            r["suffix"] = None
        dob = r.get("dob")
        if dob is not None and not pd.isna(dob):
            ds = pd.Timestamp(dob).strftime("%Y-%m-%d")
            if p("dob_missing"):
                r["dob"] = None
                ds = ""
            elif p("dob_typo"):
                i = rng.choice([2, 3, 6, 9])
                ds = ds[:i] + str(rng.randrange(10)) + ds[i + 1 :]
            elif p("dob_swap") and int(ds[8:10]) <= 12:
                ds = ds[:5] + ds[8:10] + "-" + ds[5:7]
            elif p("dob_other"):
                ds = f"{int(ds[:4]) + rng.choice([-1, 1])}{ds[4:]}"
            if ds:
                r["dob"] = ds
        tin = r.get("tin")
        if p("tin_missing"):
            r["tin"] = None
        elif tin and p("tin_typo"):
            r["tin"] = _typo(rng, str(tin)).ljust(9, "0")[:9]
        if p("moved"):
            mine = addr_by_tp.get(r["taxpayer_id"])
            other = None
            if mine is not None and len(mine) > 1:
                other = mine.iloc[rng.randrange(len(mine))].to_dict()
            if other is None or other.get("street") == r.get("street"):
                other = pool.iloc[rng.randrange(len(pool))].to_dict()
            for c in ("street", "unit", "city", "state", "zip"):
                r[c] = other.get(c)
        if p("street_missing"):
            r["street"] = None
        elif r.get("street") and p("street_typo"):
            r["street"] = _typo(rng, str(r["street"]))
        if p("unit_missing"):
            r["unit"] = None
        if r.get("zip") and p("zip_typo"):
            r["zip"] = _typo(rng, str(r["zip"]))
        r["copy_id"] = f"c{k}"
        out.append(r)
    return pd.DataFrame(out)


def sample(
    idx: VaultIndex, settings: ResolveSettings, vault: VaultLike, n: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` taxpayers chosen by a seeded hash: their latest raw row and all their addresses."""
    idx_con = idx.connect(settings, read_only=True)
    try:
        ids = idx_con.execute(
            "SELECT taxpayer_id FROM records WHERE is_latest ORDER BY hash(taxpayer_id || ?) LIMIT ?",
            [str(seed), n],
        ).df()
    finally:
        idx_con.close()
    con = duckdb.connect()
    con.register("ids", ids)
    rows = con.execute(
        f"""SELECT m.* FROM {idx.master_sql(vault)} m JOIN ids USING (taxpayer_id)"""
    ).df()
    con.close()
    rows = rows.sort_values(["taxpayer_id", "tax_year"])
    latest = rows.groupby("taxpayer_id", as_index=False).tail(1)
    addresses = rows.drop_duplicates(["taxpayer_id", "street", "unit", "zip"])[
        ["taxpayer_id", "street", "unit", "city", "state", "zip"]
    ]
    return latest.reset_index(drop=True), addresses.reset_index(drop=True)


def train(vault: VaultLike, idx: VaultIndex, settings: ResolveSettings) -> dict[str, object]:
    """Estimate u and m, save ``model.json`` and ``meta.json`` in the index folder; the
    caller holds :meth:`VaultIndex.building`."""
    con = idx.connect(settings, read_only=True)
    n_taxpayers = int(con.execute("SELECT count(*) FROM records WHERE is_latest").fetchone()[0])  # type: ignore[index]
    con.close()
    n = min(settings.training_sample, n_taxpayers)
    latest, addresses = sample(idx, settings, vault, n, settings.seed)
    con = idx.connect(settings)
    try:
        copies = corrupt(latest, addresses, settings.seed)
        con.register("copies_raw", copies[["copy_id", "taxpayer_id", *RAW_COLS]])
        normalize_records(con, "copies_raw", "copies", uid_sql="s.copy_id", keep=("taxpayer_id",))
        con.unregister("copies_raw")
        cols = f"uid, taxpayer_id, {COMPARED}"
        # In a fixed row order: Splink's seeded sample picks rows by position, so the
        # order decides the sample (insertion order is kept for this table only).
        con.execute("SET preserve_insertion_order = true")
        con.execute(
            f"""CREATE OR REPLACE TABLE training AS
                SELECT * FROM (SELECT {cols} FROM records WHERE is_latest
                               UNION ALL SELECT {cols} FROM copies)
                ORDER BY uid"""
        )
        con.execute("SET preserve_insertion_order = false")
        db_api = DuckDBAPI(connection=con)
        sdf = db_api.register("training")
        linker = Linker(sdf, settings_creator(1e-4), log_level=logging.WARNING)
        register_frequencies(linker, db_api)
        max_pairs = float(min(5e6, max(1e5, n_taxpayers * 20)))
        # One thread: DuckDB's seeded sample is repeatable only when one thread scans, and a
        # vault must get the same model every time it is trained (an auditor re-derives it).
        con.execute("SET threads = 1")
        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=settings.seed)
        con.execute(f"SET threads = {int(settings.threads)}")
        linker.training.estimate_m_from_label_column("taxpayer_id")
        model = smooth(
            linker.misc.save_model_to_json(), m_floor=0.5 / max(n, 1), u_floor=1.0 / max_pairs
        )
        model = initial_u(model, initial_collision(con))
        write_atomic(idx.model_path, json.dumps(model, indent=2) + "\n")
        con.execute("DROP TABLE training")
    finally:
        con.close()
    from fti_gateway.resolve.calibrate import calibrate

    cal = calibrate(vault, idx, settings, n_taxpayers, settings.calibration_sample)
    meta: dict[str, object] = {
        "fingerprint": idx.fingerprint,
        "taxpayers": n_taxpayers,
        "training_sample": n,
        "error_model": ERROR_MODEL,
        "seed": settings.seed,
        **cal,
    }
    write_atomic(idx.meta_path, json.dumps(meta, indent=2) + "\n")  # last: "trained"
    return model


def initial_collision(con: duckdb.DuckDBPyConnection) -> float:
    """The chance that two different taxpayers share a first initial (Σ p², over the vault's
    current records)."""
    row = con.execute(
        """SELECT sum(p * p) FROM (
             SELECT count(*) / sum(count(*)) OVER () AS p FROM records
             WHERE is_latest AND fn_i IS NOT NULL GROUP BY fn_i)"""
    ).fetchone()
    return float(row[0]) if row and row[0] is not None else 1.0


def initial_u(model: dict[str, Any], collision: float) -> dict[str, Any]:
    """Set u of the "first initial agrees" level from the vault's initials.

    Random vault pairs almost never reach that level (it needs one side to be a bare
    initial, and a vault holds full names), so u came out at the floor and a bare initial
    scored like a rare full name: 16.9 bits at 10M, which let "J Perez" + a DOB match a
    stranger. The level's applicability (the subject gave an initial) does not depend on
    whether the pair matches, so u / m is the chance two different people share an initial:
    u = m · Σ p². The mass comes from the "differs" level, keeping Σ u = 1."""
    for comp in model["comparisons"]:
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        hit = [lv for lv in levels if lv.get("label_for_charts") == FIRST_INITIAL]
        if not hit:
            continue
        lv, other = hit[0], levels[-1]
        new = float(lv["m_probability"]) * collision
        delta = new - float(lv["u_probability"])
        lv["u_probability"] = new
        other["u_probability"] = max(float(other["u_probability"]) - delta, 1e-12)
    return model


def smooth(model: dict[str, Any], *, m_floor: float, u_floor: float) -> dict[str, Any]:
    """Give every level a non-zero m and u (additive floor, renormalized).

    A level that never occurred in the training copies (m = 0) or in the random sample
    (u = 0) would otherwise carry an infinite weight; the floor is half an observation of the
    sample it came from, so an unseen level is "rarer than we could measure", not impossible.
    """
    for comp in model["comparisons"]:
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        for key, floor in (("m_probability", m_floor), ("u_probability", u_floor)):
            vals = [max(float(lv.get(key) or 0.0), floor) for lv in levels]
            total = sum(vals)
            for lv, v in zip(levels, vals, strict=True):
                lv[key] = v / total
    return model


def load_meta(idx: VaultIndex) -> dict[str, object]:
    return dict(json.loads(Path(idx.meta_path).read_text()))
