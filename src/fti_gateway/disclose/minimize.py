"""Minimization: exactly the allowed elements, for approved matched subjects, in the periods.

Nothing here trusts the caller. The select list is built from the element catalogue, so a
column that no allowed element names cannot reach the result; internal elements
(``irs.confidential_informant``, ``irs.open_tax_investigation``) are refused even when
asked for; subjects are re-filtered on their match status and law result when those
columns are present; and a subject without a taxpayer_id stops the build.

Identity elements (name, address, TIN) are taken from the taxpayer's row for the
**latest requested period the vault holds for them** — "the address of the latest period
requested" — never from a period outside the request, so a mover's newer address is not
released under a request for older years. Per-year elements (return, information-return
and IRS data) give one row per subject and tax year; when only identity elements are
allowed there is one row per subject and no tax_year column (which years a taxpayer filed
is itself return information, and was not asked for).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from fti_gateway.core.elements import CATALOGUE, ElementClass
from fti_gateway.core.errors import InputError, IntegrityError

KEY_SUBJECT = "subject_id"
KEY_YEAR = "tax_year"
_YEAR = re.compile(r"^\d{4}$")
_SUBJECTS_VIEW = "_fti_disclose_subjects"
_HIDDEN_TP = "_fti_source_taxpayer_id"
_HIDDEN_YEAR = "_fti_source_identity_year"
_HIDDEN_TIN = "_fti_source_tin"
_FULL_VIEW = "_fti_disclose_full"


def check_elements(elements: list[str]) -> list[str]:
    """Validate the allowed elements and return them in catalogue order, deduplicated."""
    if not elements:
        raise InputError(
            "no data elements allowed: nothing to disclose",
            where="spec.elements",
            hint="build a package only for a decision that allows at least one element",
        )
    for i, e in enumerate(elements):
        if e not in CATALOGUE:
            raise InputError(
                f"element {e!r} is not in the element catalogue",
                where=f"spec.elements[{i}]",
                hint="use ids from core/elements.py CATALOGUE (FORMATS §4)",
            )
        if CATALOGUE[e].internal:
            raise InputError(
                f"element {e!r} is internal to the gateway and is never released",
                where=f"spec.elements[{i}]",
                hint="internal flags feed the 6103(i)(6) check; they never leave the vault",
            )
    wanted = set(elements)
    return [e for e in CATALOGUE if e in wanted]


def is_identity(element_id: str) -> bool:
    return CATALOGUE[element_id].element_class is ElementClass.IDENTITY


def package_columns(elements: list[str]) -> list[str]:
    """The exact data columns a package with these elements carries, in order."""
    ordered = check_elements(elements)
    keys = [KEY_SUBJECT]
    if any(not is_identity(e) for e in ordered):
        keys.append(KEY_YEAR)
    return keys + [c for e in ordered for c in CATALOGUE[e].columns]


def check_periods(periods: list[str]) -> list[int]:
    """Tax years as ints, sorted; refuses an empty or malformed list (never guesses)."""
    if not periods:
        raise InputError(
            "no taxable periods: the package cannot choose years on its own",
            where="spec.periods",
            hint="pass the decision's taxable periods, e.g. ['2022', '2023']",
        )
    years: set[int] = set()
    for i, p in enumerate(periods):
        text = str(p).strip()
        if not _YEAR.match(text):
            raise InputError(
                f"taxable period {p!r} is not a tax year",
                where=f"spec.periods[{i}]",
                hint="periods are four-digit tax years such as '2023'",
            )
        years.add(int(text))
    return sorted(years)


@dataclass(frozen=True)
class Selection:
    """Subjects that may receive data, and the reasons for every one left out."""

    subjects: pd.DataFrame  # subject_id, taxpayer_id (str)
    excluded: dict[str, str]


def _text(column: pd.Series) -> pd.Series:
    """Values as stripped str, with None/NaN/NA and blank strings as None."""
    out = column.astype(object).where(column.notna(), None)
    out = out.map(lambda v: None if v is None else (str(v).strip() or None))
    return out


def _gate(subjects: pd.DataFrame, column: str, passing: str, label: str) -> pd.Series:
    """Reason per row for failing ``column == passing`` (None where it passes)."""
    if column not in subjects.columns:
        return pd.Series([None] * len(subjects), index=subjects.index, dtype=object)
    values = _text(subjects[column])
    return pd.Series(
        [None if v == passing else f"{label} is {v!r}, not {passing!r}" for v in values],
        index=subjects.index,
        dtype=object,
    )


def select_subjects(subjects: pd.DataFrame) -> Selection:
    """Keep approved, matched subjects; refuse rows the pipeline should never have sent.

    Optional columns are honoured when present: ``status`` (resolve: only ``match``
    passes) and ``result`` (law: only ``approve`` passes); the pipeline should pass both so
    the builder re-checks them. After that every remaining row must have a subject_id,
    a taxpayer_id, and a unique subject_id.
    """
    for col in (KEY_SUBJECT, "taxpayer_id"):
        if col not in subjects.columns:
            raise InputError(
                f"subjects have no {col!r} column",
                where="subjects",
                hint="pass a DataFrame with subject_id and taxpayer_id",
            )
    sid = _text(subjects[KEY_SUBJECT])
    tid = _text(subjects["taxpayer_id"])
    reason = _gate(subjects, "status", "match", "match status")
    reason = reason.where(reason.notna(), _gate(subjects, "result", "approve", "law result"))
    out_mask = reason.notna()
    excluded = {
        str(s): str(r)
        for s, r in zip(sid[out_mask], reason[out_mask], strict=True)
        if s is not None
    }
    kept_sid, kept_tid = sid[~out_mask], tid[~out_mask]
    if kept_sid.isna().any():
        pos = int(kept_sid.isna().to_numpy().nonzero()[0][0])
        raise InputError(
            "a subject has no subject_id",
            where=f"subjects row {kept_sid.index[pos]}",
            hint="every subject carries the requester's reference",
        )
    missing = kept_sid[kept_tid.isna()]
    if len(missing):
        raise InputError(
            f"subject {missing.iloc[0]!r} has no taxpayer_id",
            where=f"subjects[subject_id={missing.iloc[0]}]",
            hint="only subjects resolved to a taxpayer may be disclosed; drop unmatched ones",
            details=[f"{len(missing)} such subject(s)"],
        )
    dups = sorted(set(kept_sid[kept_sid.duplicated()]))
    if dups:
        raise InputError(
            f"subject_id {dups[0]!r} appears more than once",
            where="subjects.subject_id",
            details=[f"duplicates: {', '.join(dups[:10])}"],
        )
    if kept_sid.empty:
        raise InputError(
            "no approved, matched subjects: nothing to disclose",
            where="subjects",
            hint="do not build a package for a decision that approves no matched subject",
        )
    out = pd.DataFrame(
        {
            KEY_SUBJECT: kept_sid.to_numpy(dtype=object),
            "taxpayer_id": kept_tid.to_numpy(dtype=object),
        }
    )
    return Selection(out, excluded)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _vault_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {str(r[0]) for r in con.execute("DESCRIBE master").fetchall()}


@dataclass(frozen=True)
class Extract:
    """The minimized rows, and for the gateway only, whose data went out:
    ``disclosed`` has one row per subject in the table (subject_id, taxpayer_id, tin,
    periods = the tax years released, as sorted str) — what the (p)(3)(A) accounting
    records (the ledger names the taxpayer by a keyed commitment to the TIN)."""

    table: pa.Table
    disclosed: pd.DataFrame


def _disclosed(con: duckdb.DuckDBPyConnection, full: pa.Table, year_column: str) -> pd.DataFrame:
    con.register(_FULL_VIEW, full)
    try:
        relation = con.sql(
            f"SELECT {_q(KEY_SUBJECT)} AS subject_id, {_HIDDEN_TP} AS taxpayer_id, "
            f"{_HIDDEN_TIN} AS tin, list(DISTINCT CAST({_q(year_column)} AS VARCHAR) "
            f"ORDER BY CAST({_q(year_column)} AS VARCHAR)) AS periods "
            f"FROM {_FULL_VIEW} GROUP BY ALL ORDER BY subject_id"
        )
        assert relation is not None
        agg = relation.to_arrow_table()
    finally:
        con.unregister(_FULL_VIEW)
    return pd.DataFrame({name: agg.column(name).to_pylist() for name in agg.column_names})


def extract(
    con: duckdb.DuckDBPyConnection,
    subjects: pd.DataFrame,
    elements: list[str],
    years: list[int],
) -> Extract:
    """Read the minimized rows from the vault's ``master`` view.

    The select list holds only the subject key, the tax year (for per-year elements) and
    the allowed elements' columns (plus three provenance columns that are dropped before
    the table is returned); the table is checked against :func:`package_columns`.
    """
    ordered = check_elements(elements)
    columns = package_columns(ordered)
    present = _vault_columns(con)
    for c in ["taxpayer_id", "tin", KEY_YEAR, *columns[1:]]:
        if c not in present:
            raise IntegrityError(
                f"the vault has no column {c!r}",
                where="vault master",
                hint="the vault cannot supply this element; refuse it in the decision",
            )
    ident = [c for e in ordered if is_identity(e) for c in CATALOGUE[e].columns]
    per_year = [c for e in ordered if not is_identity(e) for c in CATALOGUE[e].columns]
    years_sql = ", ".join(str(int(y)) for y in years)
    con.register(_SUBJECTS_VIEW, subjects)
    try:
        unknown = con.execute(
            f"SELECT s.subject_id, s.taxpayer_id FROM {_SUBJECTS_VIEW} s "
            # NOT EXISTS, not NOT IN: a NULL taxpayer_id in master must not mask the check.
            "WHERE NOT EXISTS (SELECT 1 FROM master m WHERE m.taxpayer_id = s.taxpayer_id) "
            "ORDER BY s.subject_id LIMIT 1"
        ).fetchall()
        if unknown:
            sid, tp = unknown[0]
            raise IntegrityError(
                f"subject {sid!r} is matched to a taxpayer the vault does not hold",
                where=f"subjects[subject_id={sid}]",
                details=[f"taxpayer_id {tp}"],
            )
        rows = (
            f"SELECT m.* FROM master m WHERE m.{_q(KEY_YEAR)} IN ({years_sql}) "
            f"AND m.taxpayer_id IN (SELECT taxpayer_id FROM {_SUBJECTS_VIEW})"
        )
        dup = con.execute(
            f"SELECT taxpayer_id, tax_year FROM ({rows}) GROUP BY ALL HAVING count(*) > 1 LIMIT 1"
        ).fetchall()
        if dup:
            raise IntegrityError(
                "the vault holds more than one row for a taxpayer and tax year",
                where="vault master",
                details=[f"taxpayer_id {dup[0][0]}, tax_year {dup[0][1]}"],
                hint="fix the master file; the package would have to guess which row is true",
            )
        latest = (
            f"SELECT * FROM ({rows}) QUALIFY row_number() OVER "
            f"(PARTITION BY taxpayer_id ORDER BY {_q(KEY_YEAR)} DESC) = 1"
        )
        select = [f"s.{_q(KEY_SUBJECT)} AS {_q(KEY_SUBJECT)}"]
        if per_year:
            select.append(f"y.{_q(KEY_YEAR)} AS {_q(KEY_YEAR)}")
        select += [f"l.{_q(c)} AS {_q(c)}" for c in ident]
        select += [f"y.{_q(c)} AS {_q(c)}" for c in per_year]
        # Provenance for the gateway's accounting; dropped before anything is written.
        select += [
            f"s.taxpayer_id AS {_HIDDEN_TP}",
            f"l.{_q(KEY_YEAR)} AS {_HIDDEN_YEAR}",
            f"l.tin AS {_HIDDEN_TIN}",
        ]
        sql = (
            f"SELECT {', '.join(select)} FROM {_SUBJECTS_VIEW} s "
            f"JOIN ({latest}) l ON l.taxpayer_id = s.taxpayer_id "
        )
        if per_year:
            sql += f"JOIN ({rows}) y ON y.taxpayer_id = s.taxpayer_id "
            sql += f"ORDER BY s.{_q(KEY_SUBJECT)}, y.{_q(KEY_YEAR)}"
        else:
            sql += f"ORDER BY s.{_q(KEY_SUBJECT)}"
        relation = con.sql(sql)
        if relation is None:  # only for statements that return nothing
            raise IntegrityError("the vault query returned no relation", where="disclose.extract")
        full = relation.to_arrow_table()
    finally:
        con.unregister(_SUBJECTS_VIEW)
    table = full.drop_columns([_HIDDEN_TP, _HIDDEN_YEAR, _HIDDEN_TIN])
    if table.column_names != columns:
        raise IntegrityError(
            "minimized data does not have exactly the allowed columns",
            where="disclose.extract",
            details=[f"expected {columns}", f"computed {table.column_names}"],
        )
    disclosed = _disclosed(con, full, KEY_YEAR if per_year else _HIDDEN_YEAR)
    return Extract(table, disclosed)
