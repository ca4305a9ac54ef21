"""Address normalization as DuckDB SQL macros, shared by the vault and the subjects.

Why SQL: a 10M-person vault has millions of distinct street lines; a per-row Python parser
(usaddress takes ~60 µs a line) would take the better part of an hour, while the macros below
run inside DuckDB's vectorized engine. Both sides go through the *same* macros, so a subject's
"123 North Main Street Apt 4" and the vault's "123 N MAIN ST, #4" meet on the same key.

The abbreviation tables are USPS Publication 28 (C1 street suffixes, directionals, C2 unit
designators) as shipped by ``usaddress-scourgify``. For one-line addresses a requester typed
entirely into the street field ("12 Oak Ave, Springfield, IL 62701") the subject side first
splits them with ``usaddress`` (see :func:`split_one_line`), only for those rows.
"""

from __future__ import annotations

from functools import lru_cache

import duckdb
import usaddress
from scourgify import address_constants as usps

UNIT_WORDS = (
    "apt|apartment|unit|ste|suite|rm|room|fl|floor|lot|spc|space|trlr|trailer|bldg|building"
    "|dept|no|num|number|ph|penthouse"
)
# Text requesters put where an address should be; it carries no evidence (see 6103.md).
PLACEHOLDER_RE = (
    r"^(unknown( address)?|failed to provide|not provided|none|n ?a( n ?a)?|tbd|no address"
    r"|dont care.*|homeless|no fixed address|xxx+|)$"
)
_CITY_WORDS = {"saint": "st", "sainte": "ste", "fort": "ft", "mount": "mt", "mountain": "mtn"}


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _map_literal(pairs: dict[str, str]) -> str:
    body = ", ".join(f"{_sql_str(k)}: {_sql_str(v)}" for k, v in sorted(pairs.items()))
    return "MAP {" + body + "}"


@lru_cache(maxsize=1)
def street_token_map() -> dict[str, str]:
    """Long and variant forms → USPS standard abbreviation (lower case)."""
    out = {k.lower(): v.lower() for k, v in usps.STREET_TYPE_ABBREVIATIONS.items()}
    out.update({k.lower(): v.lower() for k, v in usps.DIRECTIONAL_REPLACEMENTS.items()})
    return {k: v for k, v in out.items() if k and k != v}


@lru_cache(maxsize=1)
def run_on_types() -> str:
    """A regex alternation of the street-type words as typed in full (the longest spelling of
    each USPS type, four letters or more: "street", "crescent", "road") that a requester may
    run into the street name ("lambriggstreet"). Short variants ("cent" for center) would
    cut the ends off ordinary words ("cerscent")."""
    longest: dict[str, int] = {}
    for k, v in usps.STREET_TYPE_ABBREVIATIONS.items():
        longest[v] = max(longest.get(v, 0), len(k))
    words = {
        k.lower()
        for k, v in usps.STREET_TYPE_ABBREVIATIONS.items()
        if len(k) == longest[v] and len(k) >= 4 and k.isalpha()
    }
    return "|".join(sorted(words, key=lambda w: (-len(w), w)))


@lru_cache(maxsize=1)
def state_map() -> dict[str, str]:
    return {k.lower(): v.lower() for k, v in usps.STATE_ABBREVIATIONS.items()}


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``fti_*`` macros on a connection (idempotent)."""
    street_map = _map_literal(street_token_map())
    states = _map_literal(state_map())
    cities = _map_literal(_CITY_WORDS)
    # "Apt 4", "Apt. 4", "# 4", "#4", or a designator run into a number ("Apt4B"); not a
    # street word that merely begins with one ("Phoenix", "Fleetwood").
    unit_tail = rf"[\s,]+(?:(?:{UNIT_WORDS})[.\s#][.\s#]*|#\s*)([a-z0-9-]+)\s*$"
    unit_joined = rf"[\s,]+(?:{UNIT_WORDS})([0-9][a-z0-9-]*)\s*$"
    con.execute(
        f"""
        CREATE OR REPLACE MACRO fti_fold(s) AS
          trim(regexp_replace(regexp_replace(lower(strip_accents(coalesce(CAST(s AS VARCHAR), ''))),
               '[''`’]', '', 'g'), '[^a-z0-9]+', ' ', 'g'));
        CREATE OR REPLACE MACRO fti_street_unit(s) AS list_transform(
          [lower(strip_accents(coalesce(CAST(s AS VARCHAR), '')))],
          lambda v: coalesce(nullif(regexp_extract(v, '{unit_tail}', 1), ''),
                             nullif(regexp_extract(v, '{unit_joined}', 1), '')))[1];
        CREATE OR REPLACE MACRO fti_street_body(s) AS regexp_replace(regexp_replace(
          lower(strip_accents(coalesce(CAST(s AS VARCHAR), ''))), '{unit_tail}', ''),
          '{unit_joined}', '');
        CREATE OR REPLACE MACRO fti_abbrev(t) AS coalesce(({street_map})[t], t);
        CREATE OR REPLACE MACRO fti_street(s) AS list_transform(
          [regexp_replace(fti_fold(fti_street_body(s)), '^(p ?o ?b|p ?o|post office|pob)( box)? ',
                          'po box ')],
          lambda v: CASE WHEN regexp_matches(v, '{PLACEHOLDER_RE}') THEN NULL
                    ELSE nullif(array_to_string(list_transform(string_split(v, ' '),
                         lambda t: fti_abbrev(t)), ' '), '') END)[1];
        CREATE OR REPLACE MACRO fti_street_core(st) AS CASE
          WHEN regexp_matches(string_split(st, ' ')[-1], '.({run_on_types()})$')
            THEN regexp_replace(replace(st, ' ', ''), '({run_on_types()})$', '')
          WHEN len(string_split(st, ' ')) >= 3
            THEN replace(regexp_replace(st, ' [^ ]+$', ''), ' ', '')
          ELSE replace(st, ' ', '') END;
        CREATE OR REPLACE MACRO fti_unit(unit, street) AS nullif(replace(regexp_replace(
          regexp_replace(fti_fold(coalesce(nullif(trim(CAST(unit AS VARCHAR)), ''),
                                           fti_street_unit(street))),
          '^(({UNIT_WORDS}) )+', ''), '^({UNIT_WORDS})([0-9])', '\\2'), ' ', ''), '');
        CREATE OR REPLACE MACRO fti_zip5(z) AS list_transform(
          [regexp_extract(coalesce(CAST(z AS VARCHAR), ''), '^\\s*([0-9]{{3,5}})', 1)],
          lambda v: CASE WHEN length(v) BETWEEN 3 AND 5 THEN lpad(v, 5, '0') END)[1];
        CREATE OR REPLACE MACRO fti_city(c) AS nullif(array_to_string(list_transform(
          string_split(fti_fold(c), ' '), lambda t: coalesce(({cities})[t], t)), ' '), '');
        CREATE OR REPLACE MACRO fti_state(s) AS list_transform([fti_fold(s)],
          lambda v: nullif(coalesce(({states})[v], CASE WHEN length(v) = 2 THEN v END), ''))[1];
        """
    )


#: A street field that holds city/state/ZIP too: a comma, or a ZIP at the end.
ONE_LINE = r",|\b\d{5}(?:-\d{4})?\s*$"


@lru_cache(maxsize=100_000)
def split_one_line(street: str) -> dict[str, str]:
    """Split a one-line address into street / unit / city / state / zip with usaddress.

    Returns only the parts found; an unparseable line returns ``{"street": street}``.
    """
    try:
        tagged, _kind = usaddress.tag(street)
    except usaddress.RepeatedLabelError:
        return {"street": street}
    parts: dict[str, list[str]] = {"street": [], "unit": [], "city": [], "state": [], "zip": []}
    for label, value in tagged.items():
        if label in {"PlaceName"}:
            parts["city"].append(value)
        elif label == "StateName":
            parts["state"].append(value)
        elif label == "ZipCode":
            parts["zip"].append(value)
        elif label.startswith("Occupancy") or label.startswith("Subaddress"):
            parts["unit"].append(value)
        elif label not in {"Recipient", "CountryName", "ZipPlus4"}:
            parts["street"].append(value)
    return {k: " ".join(v).strip(" ,") for k, v in parts.items() if v}
