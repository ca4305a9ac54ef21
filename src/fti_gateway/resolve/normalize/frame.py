"""Normalize a whole table of people (vault records or request subjects) inside DuckDB.

The output layout ("records") is what the deterministic pass and the Splink model compare:

``uid`` + :data:`COMPARED` + ``dob, fn_sdx`` plus the id columns the caller passes through.

Names are normalized in Python once per *distinct* spelling and joined back (a 10M vault has
only tens of thousands of distinct names); addresses by the SQL macros of :mod:`.address`.
"""

from __future__ import annotations

import duckdb
import jellyfish
import pandas as pd

from fti_gateway.resolve.normalize.address import install_macros
from fti_gateway.resolve.normalize.names import first_name, last_name, suffix

#: The normalized columns a record and a subject are compared on (model levels, blocking,
#: deterministic rules), in one place for every query that selects them.
COMPARED = (
    "fn, fn_alts, fn_i, mi, mn, ln, ln_tokens, ln_first, ln_sdx, sfx, dob_s, dob_y, tin, street, "
    "house_no, street_core, unit, zip5, city, state"
)

#: Where the middle name comes from: its own field, else a given name's second word.
_MIDDLE = "coalesce(nullif(fti_fold(s.middle_name), ''), f.fn_rest)"

_SUFFIX_CASE = (
    "CASE fti_fold({c}) WHEN 'jr' THEN 'jr' WHEN 'junior' THEN 'jr' WHEN 'sr' THEN 'sr' "
    "WHEN 'senior' THEN 'sr' WHEN 'ii' THEN 'ii' WHEN '2nd' THEN 'ii' WHEN 'iii' THEN 'iii' "
    "WHEN '3rd' THEN 'iii' WHEN 'iv' THEN 'iv' WHEN '4th' THEN 'iv' WHEN 'v' THEN 'v' END"
)


def _first_map(values: list[object]) -> pd.DataFrame:
    rows = []
    for v in values:
        f = first_name(v)
        sdx = jellyfish.soundex(f.first) if f.first else None
        rows.append((v, f.first, f.rest, f.suffix, list(f.alts), sdx))
    return pd.DataFrame(rows, columns=["raw", "fn", "fn_rest", "fn_sfx", "fn_alts", "fn_sdx"])


def _last_map(values: list[object]) -> pd.DataFrame:
    rows = []
    for v in values:
        p = last_name(v)
        head = p.tokens[0] if p.tokens else None
        sdx = jellyfish.soundex(p.full.replace(" ", "")) if p.full else None
        rows.append((v, p.full, list(p.tokens), head, sdx, p.suffix))
    return pd.DataFrame(rows, columns=["raw", "ln", "ln_tokens", "ln_first", "ln_sdx", "ln_sfx"])


def normalize_records(
    con: duckdb.DuckDBPyConnection,
    source: str,
    out_table: str,
    *,
    uid_sql: str,
    keep: tuple[str, ...] = (),
) -> None:
    """Create ``out_table`` from the relation/table named ``source`` (FORMATS §2 columns).

    ``uid_sql`` is the SQL expression for the record's unique id; ``keep`` are source columns
    carried through unchanged (e.g. ``taxpayer_id``, ``household_id``).
    """
    install_macros(con)
    firsts = [r[0] for r in con.execute(f"SELECT DISTINCT first_name FROM {source}").fetchall()]
    lasts = [r[0] for r in con.execute(f"SELECT DISTINCT last_name FROM {source}").fetchall()]
    fmap = _first_map(firsts)
    lmap = _last_map(lasts)
    con.register("__fti_fmap", fmap)
    con.register("__fti_lmap", lmap)
    kept = "".join(f"s.{k}, " for k in keep)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {out_table} AS
        SELECT * REPLACE (
          nullif(regexp_extract(coalesce(street, ''), '^([0-9]+[a-z]?) ', 1), '') AS house_no,
          fti_street_core(street) AS street_core)
        FROM (
        SELECT {uid_sql} AS uid, {kept}
          f.fn, CAST(f.fn_alts AS VARCHAR[]) AS fn_alts, substr(f.fn, 1, 1) AS fn_i,
          substr({_MIDDLE}, 1, 1) AS mi,
          -- the whole middle name where one is given (not only an initial)
          CASE WHEN length(split_part({_MIDDLE}, ' ', 1)) > 1
               THEN split_part({_MIDDLE}, ' ', 1) END AS mn,
          f.fn_sdx,  -- the sound of the first name: a transposed name's surname key
          l.ln, CAST(l.ln_tokens AS VARCHAR[]) AS ln_tokens, l.ln_first, l.ln_sdx,
          coalesce({_SUFFIX_CASE.format(c="s.suffix")}, l.ln_sfx, f.fn_sfx) AS sfx,
          TRY_CAST(s.dob AS DATE) AS dob,
          strftime(TRY_CAST(s.dob AS DATE), '%Y-%m-%d') AS dob_s,
          strftime(TRY_CAST(s.dob AS DATE), '%Y') AS dob_y,
          CASE WHEN regexp_matches(regexp_replace(coalesce(CAST(s.tin AS VARCHAR), ''), '[^0-9]', '', 'g'),
                                   '^[0-9]{{9}}$')
                AND regexp_replace(CAST(s.tin AS VARCHAR), '[^0-9]', '', 'g')
                    NOT IN ('000000000', '111111111', '123456789', '999999999')
               THEN regexp_replace(CAST(s.tin AS VARCHAR), '[^0-9]', '', 'g') END AS tin,
          fti_street(s.street) AS street,
          NULL::VARCHAR AS house_no,  -- from the street, once it is normalized (below)
          NULL::VARCHAR AS street_core,  -- likewise
          fti_unit(s.unit, s.street) AS unit,
          fti_zip5(s.zip) AS zip5,
          fti_city(s.city) AS city,
          fti_state(s.state) AS state
        FROM {source} s
        LEFT JOIN __fti_fmap f ON f.raw IS NOT DISTINCT FROM s.first_name
        LEFT JOIN __fti_lmap l ON l.raw IS NOT DISTINCT FROM s.last_name)
        """
    )
    con.unregister("__fti_fmap")
    con.unregister("__fti_lmap")


__all__ = ["normalize_records", "suffix"]
