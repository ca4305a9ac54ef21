"""Request subjects → normalized records (same layout and same code as the vault index)."""

from __future__ import annotations

import duckdb
import pandas as pd

from fti_gateway.core.errors import InputError
from fti_gateway.core.formats import IDENTITY_COLUMNS
from fti_gateway.law.address import PLACEHOLDER_ZIPS, is_placeholder, normalize
from fti_gateway.resolve.normalize.address import ONE_LINE, split_one_line
from fti_gateway.resolve.normalize.frame import normalize_records


def _blank(v: object) -> bool:
    return (
        v is None or (isinstance(v, float) and pd.isna(v)) or (isinstance(v, str) and not v.strip())
    )


def _text(col: pd.Series, width: int | None = None) -> pd.Series:
    """A column as stripped text (its first ``width`` characters), None where blank; a column
    at a time, as a chunk is 200k rows."""
    filled = col.notna()
    out = pd.Series([None] * len(col), index=col.index, dtype=object)
    text = col[filled].astype(str).str.strip()
    if width is not None:
        text = text.str.slice(0, width)
    out[filled] = text.where(text != "", None)
    return out


def drop_placeholders(df: pd.DataFrame) -> pd.DataFrame:
    """Blank the address fields that hold a placeholder ("Unknown", "N/A", "Don't care
    12345", ZIP 12345…): the law stage's own test (see law.address), so that a placeholder is
    scored as *missing* — no evidence — never as an address that differs or a ZIP that
    agrees by accident."""
    out = df.copy()
    for col in ("street", "city"):
        v = out[col]
        out[col] = v.where(~(v.notna() & is_placeholder(normalize(v))), None)
    z = _text(out["zip"], 5)
    out["zip"] = out["zip"].where(~z.isin(PLACEHOLDER_ZIPS), None)
    return out


def split_one_line_addresses(df: pd.DataFrame) -> pd.DataFrame:
    """Where a requester typed a whole address into ``street`` and left the other address
    fields empty, parse it with usaddress and fill only the empty fields."""
    out = df.copy()
    mask = _text(out["street"]).str.contains(ONE_LINE, regex=True, na=False)
    for i, row in out[mask].iterrows():
        parts = split_one_line(str(row.get("street")))
        if "street" in parts:
            out.at[i, "street"] = parts["street"]
        for col in ("unit", "city", "state", "zip"):
            if col in parts and _blank(row.get(col)):
                out.at[i, col] = parts[col]
    return out


def check(subjects: pd.DataFrame) -> None:
    """The request-wide checks: a subject_id column, each id once."""
    if "subject_id" not in subjects.columns:
        raise InputError(
            "subjects have no subject_id column", where="subjects", hint="see FORMATS §2"
        )
    dup = subjects["subject_id"].duplicated()
    if dup.any():
        raise InputError(
            f"subject_id {subjects.loc[dup, 'subject_id'].iloc[0]!r} appears more than once",
            where="subjects.subject_id",
            hint="subject ids must be unique within a request",
        )


def prepare(subjects: pd.DataFrame) -> pd.DataFrame:
    """Validate the columns and normalize; ``uid`` is ``s<row>`` (unique within the call),
    ``subject_id`` kept."""
    check(subjects)
    df = subjects.copy()
    for c in IDENTITY_COLUMNS:
        if c not in df.columns:
            df[c] = None
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    df = split_one_line_addresses(drop_placeholders(df))
    df["dob"] = _text(df["dob"], 10)
    df = df.reset_index(drop=True)
    df["__row"] = range(len(df))
    con = duckdb.connect()
    try:
        con.register(
            "subj_raw", df[["__row", "subject_id", *IDENTITY_COLUMNS]].astype({"dob": object})
        )
        normalize_records(
            con, "subj_raw", "subj", uid_sql="'s' || CAST(s.__row AS VARCHAR)", keep=("subject_id",)
        )
        return con.execute("SELECT * EXCLUDE (dob) FROM subj").df()
    finally:
        con.close()
