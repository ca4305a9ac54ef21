"""Is the address a requester *stated* usable? — 6103(i)(2)(B)(i), vectorized.

The request must state each taxpayer's name *and address*. A usable address has a street
line (or a PO box / rural route / military box) and either city + state or a 5-digit ZIP,
after normalization (shared/law/6103.md). The 2025 process accepted any entry with a
ZIP-like number, so "Failed to Provide", "Unknown Address" and "NA NA" went through; here
a placeholder is recognised whatever its case, punctuation or spacing, in any field, with
or without a real-looking ZIP beside it.

Everything works on whole columns, never a Python loop per subject: each column is
factorized (a city or a boilerplate placeholder is checked once, however often it
repeats) and the distinct values go through ``pyarrow.compute`` string kernels (RE2
regexes in C++). A 1.3-million-row request is checked in a few seconds (bench/law/).

The result per row is a *code*; :data:`MESSAGES` says what each code means. Messages never
repeat the address itself, so findings can be shown to oversight without personal data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

OK = "ok"
EMPTY = "empty"
PLACEHOLDER = "placeholder"
BARE_ZIP = "bare-zip"
NO_STREET = "no-street"
NO_NUMBER = "no-number"
NO_LOCALITY = "no-locality"
DETENTION = "detention"

MESSAGES = {
    OK: "usable address: street line and city + state or ZIP",
    EMPTY: "no address given",
    PLACEHOLDER: "the street field holds a placeholder, not an address",
    BARE_ZIP: "only a ZIP code is given; a ZIP alone is not an address",
    NO_STREET: "no street line or PO box is given",
    NO_NUMBER: "the street line has no house or box number",
    NO_LOCALITY: "neither city and state nor a 5-digit ZIP code is given",
    DETENTION: "[open] the address given as the residence is a detention facility; a person must decide whether it is the taxpayer's address",
}

# Words that, alone or with bare numbers, make a field a placeholder rather than an
# address: "Failed to Provide", "Unknown Address", "NA NA", "N/A", "None", "TBD",
# "No address", "Don't care 12345", and the obvious variants of each. ("STATE", "STREET"
# and "CITY" are left out on purpose: "100 State Street" is a real address.)
PLACEHOLDER_WORDS = (
    "N", "A", "NA", "NAN", "NONE", "NULL", "NIL", "UNKNOWN", "UNK", "UNKN", "UNKWN", "UNKOWN",
    "TBD", "TBA", "TBC", "NO", "NOT", "ADDRESS", "ADDR", "ADRESS", "ADDRES", "PROVIDED",
    "PROVIDE", "FAILED", "FAIL", "TO", "GIVEN", "AVAILABLE", "AVAIL", "UNAVAILABLE",
    "APPLICABLE", "DONT", "DO", "CARE", "BLANK", "EMPTY", "REFUSED", "DECLINED", "SAME", "AS",
    "ABOVE", "HOMELESS", "TRANSIENT", "FIXED", "NFA", "MISSING", "INVALID", "ANY", "TEST",
    "DUMMY", "PLACEHOLDER", "UNSPECIFIED", "UNDISCLOSED", "UNDETERMINED", "PENDING", "LAST",
    "KNOWN", "ON", "FILE", "NR", "DK", "ZIP", "CODE", "OF", "THE", "AND", "OR", "IN",
    "CUSTODY", "DETAINED", "ICE", "NOPE", "XX+", "X", "0+",
)  # fmt: skip
# ZIPs that are not residential addresses and are used as filler ("Don't care 12345").
PLACEHOLDER_ZIPS = ("00000", "11111", "12345", "99999")
MILITARY_STATES = ("AA", "AE", "AP")

_PLACEHOLDER_RE = r"^(?:(?:" + "|".join(PLACEHOLDER_WORDS) + r"|\d+)(?: |$))*$"
_UNIT_ONLY_RE = (
    r"^(?:APT|APARTMENT|UNIT|STE|SUITE|RM|ROOM|FL|FLOOR|SPC|SPACE|LOT|NO|NUMBER) ?[A-Z0-9]{0,6}$"
)
_TAIL_ZIP_RE = r"^(?P<rest>.*\pL.*?) (?P<zip>\d{5})(?: \d{4})?$"
_WORD_RE = r"\pL{2,}"


# ------------------------------------------------------------------------ column helpers


def _arrow(values: np.ndarray | pd.Series) -> pa.StringArray:
    arr = np.asarray(values, dtype=object)
    try:
        return pa.array(arr, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None or v != v else str(v) for v in arr], type=pa.string())


def _np(mask: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _normalize_arrow(arr: pa.Array) -> pa.Array:
    """Upper case, apostrophes dropped ("Don't" → "DONT"), any other run of non-letters/
    non-digits → one space ("N/A" → "N A"), trimmed."""
    s = pc.utf8_upper(pc.fill_null(arr, ""))
    s = pc.replace_substring_regex(s, r"['’`]", "")
    s = pc.replace_substring_regex(s, r"[^\pL\pN]+", " ")
    return pc.utf8_trim(s, " ")


def _placeholder_arrow(norm: pa.Array) -> np.ndarray:
    return _np(pc.match_substring_regex(norm, _PLACEHOLDER_RE))


def _matches(norm: pa.Array, pattern: str) -> np.ndarray:
    return _np(pc.match_substring_regex(norm, pattern))


def _group(norm: pa.Array, pattern: str, name: str) -> pa.Array:
    ex = pc.extract_regex(norm, pattern)
    return pc.if_else(pc.is_valid(ex), pc.struct_field(ex, name), pa.scalar(None, pa.string()))


def _factorize(col: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Row codes and the *normalized* distinct values."""
    codes, uniques = pd.factorize(col.to_numpy(dtype=object), use_na_sentinel=False)
    return codes, _normalize_arrow(_arrow(uniques))


def normalize(col: pd.Series) -> pd.Series:
    """Normalized text of a column (for messages, reasons and tests)."""
    codes, uniq = _factorize(col)
    values = np.asarray(uniq.to_numpy(zero_copy_only=False), dtype=object)
    return pd.Series(values[codes], index=col.index, dtype=object)


def is_placeholder(norm: pd.Series) -> pd.Series:
    """True where a normalized field is empty or made only of placeholder words and numbers."""
    codes, uniques = pd.factorize(norm.to_numpy(dtype=object), use_na_sentinel=False)
    flags = _placeholder_arrow(pc.fill_null(_arrow(uniques), ""))
    return pd.Series(flags[codes], index=norm.index)


# ------------------------------------------------------------------------ the check


@dataclass(frozen=True)
class AddressCheck:
    """One code per row (see :data:`MESSAGES`) and the 5-digit ZIP used, if any."""

    code: pd.Series
    zip5: pd.Series

    @property
    def usable(self) -> pd.Series:
        return self.code.isin([OK, DETENTION])


def _column(subjects: pd.DataFrame, name: str) -> pd.Series:
    if name in subjects.columns:
        return subjects[name]
    return pd.Series([None] * len(subjects), index=subjects.index, dtype=object)


def check_addresses(
    subjects: pd.DataFrame,
    states: Iterable[str],
    detention_keywords: Iterable[str] = (),
    facilities: Iterable[tuple[str, str]] = (),
) -> AddressCheck:
    """Classify each row's stated address (columns street, unit, city, state, zip).

    ``states``: postal codes (and full names) accepted as a state; ``facilities``: pairs of
    (street number, ZIP) of known detention facilities; ``detention_keywords``: words that
    mark a facility address (review, [open]).
    """
    idx = subjects.index
    keywords = [k.upper() for k in detention_keywords]
    det_re = (
        r"\b(?:" + "|".join(k.replace(" ", r"\s") for k in keywords) + r")\b" if keywords else None
    )

    # street: everything about the street line, computed once per distinct value
    s_codes, street = _factorize(_column(subjects, "street"))
    tail_zip = _group(street, _TAIL_ZIP_RE, "zip")
    street_only = pc.if_else(pc.is_valid(tail_zip), _group(street, _TAIL_ZIP_RE, "rest"), street)
    s_empty = _np(pc.equal(street, ""))[s_codes]
    s_is_zip = _matches(street, r"^\d{5}(?: ?\d{4})?$")[s_codes]
    s_ph = _placeholder_arrow(street_only)[s_codes]
    s_number = _matches(street_only, r"\d")[s_codes]
    s_word = _matches(street_only, _WORD_RE)[s_codes]
    s_unit = _matches(street_only, _UNIT_ONLY_RE)[s_codes]
    tail_zip_u = np.asarray(tail_zip.to_numpy(zero_copy_only=False), dtype=object)
    house_u = np.asarray(
        _group(street_only, r"^(?P<n>\d+)", "n").to_numpy(zero_copy_only=False), dtype=object
    )

    u_codes, unit = _factorize(_column(subjects, "unit"))
    c_codes, city = _factorize(_column(subjects, "city"))
    st_codes, state = _factorize(_column(subjects, "state"))
    z_codes, zip_raw = _factorize(_column(subjects, "zip"))

    city_ok = (~_placeholder_arrow(city) & _matches(city, _WORD_RE))[c_codes]
    known = pa.array(sorted({s.upper() for s in states} | set(MILITARY_STATES)), type=pa.string())
    state_ok = _np(pc.is_in(state, value_set=known))[st_codes]
    zip_digits = pc.replace_substring(zip_raw, " ", "")
    zip5_u = _group(zip_digits, r"^(?P<z>\d{5})(?:\d{4})?$", "z")
    filler = pa.array(PLACEHOLDER_ZIPS, type=pa.string())
    zip5_u = pc.if_else(pc.is_in(zip5_u, value_set=filler), pa.scalar(None, pa.string()), zip5_u)
    zip5_field = np.asarray(zip5_u.to_numpy(zero_copy_only=False), dtype=object)[z_codes]
    tail_ok = np.isin(tail_zip_u, PLACEHOLDER_ZIPS, invert=True)
    tail_rows = np.where(tail_ok, tail_zip_u, np.array(None, dtype=object))[s_codes]
    zip5 = np.where(pd.isna(zip5_field), tail_rows, zip5_field)
    zip_ok = ~pd.isna(zip5)

    empty = (
        s_empty
        & _np(pc.equal(unit, ""))[u_codes]
        & _np(pc.equal(city, ""))[c_codes]
        & _np(pc.equal(state, ""))[st_codes]
        & _np(pc.equal(zip_raw, ""))[z_codes]
    )
    locality = (city_ok & state_ok) | zip_ok
    conditions = [
        empty,
        s_is_zip | (s_empty & zip_ok & ~city_ok),
        s_empty,
        s_ph,
        s_unit | ~s_word,
        ~s_number,
        ~locality,
    ]
    choices = [EMPTY, BARE_ZIP, NO_STREET, PLACEHOLDER, NO_STREET, NO_NUMBER, NO_LOCALITY]
    code = np.select(conditions, choices, default=OK).astype(object)

    detention = np.zeros(len(idx), dtype=bool)
    if det_re is not None:
        detention |= _matches(street, det_re)[s_codes]
        detention |= _matches(unit, det_re)[u_codes]
        detention |= _matches(city, det_re)[c_codes]
    pairs = {(str(n), str(z)) for n, z in facilities}
    if pairs:
        house = house_u[s_codes]
        candidates = np.flatnonzero(np.isin(house, [n for n, _ in pairs]))
        keys = pd.MultiIndex.from_arrays([house[candidates], zip5[candidates]])
        detention[candidates[keys.isin(list(pairs))]] = True
    code[(code == OK) & detention] = DETENTION
    return AddressCheck(
        code=pd.Series(code, index=idx), zip5=pd.Series(zip5, index=idx, dtype=object)
    )
