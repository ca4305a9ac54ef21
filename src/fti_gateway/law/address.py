"""Is the address a requester *stated* usable? — 6103(i)(2)(B)(i), vectorized.

The request must state each taxpayer's name *and address*. A usable address has a street
line (or a PO box / rural route / military box) and either city + state or a 5-digit ZIP,
after normalization (shared/law/6103.md). The 2025 process accepted any entry with a
ZIP-like number, so "Failed to Provide", "Unknown Address" and "NA NA" went through; here
a placeholder is recognised whatever its case, punctuation or spacing, in any field, with
or without a real-looking ZIP beside it.

Everything works on whole columns (pandas string methods with compiled regexes), never a
Python loop per subject: a 1.3-million-row request is checked in a few seconds.

The result per row is a *code*; :data:`MESSAGES` says what each code means. Messages never
repeat the address itself, so findings can be shown to oversight without personal data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

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

# ("STATE", "STREET" and "CITY" are left out on purpose: "100 State Street" is real.)
# Words that, alone or with bare numbers, make a field a placeholder rather than an
# address: "Failed to Provide", "Unknown Address", "NA NA", "N/A", "None", "TBD",
# "No address", "Don't care 12345", and the obvious variants of each.
PLACEHOLDER_WORDS = (
    "N",
    "A",
    "NA",
    "NAN",
    "NONE",
    "NULL",
    "NIL",
    "UNKNOWN",
    "UNK",
    "UNKN",
    "UNKWN",
    "UNKOWN",
    "TBD",
    "TBA",
    "TBC",
    "NO",
    "NOT",
    "ADDRESS",
    "ADDR",
    "ADRESS",
    "ADDRES",
    "PROVIDED",
    "PROVIDE",
    "FAILED",
    "FAIL",
    "TO",
    "GIVEN",
    "AVAILABLE",
    "AVAIL",
    "UNAVAILABLE",
    "APPLICABLE",
    "DONT",
    "DO",
    "CARE",
    "BLANK",
    "EMPTY",
    "REFUSED",
    "DECLINED",
    "SAME",
    "AS",
    "ABOVE",
    "HOMELESS",
    "TRANSIENT",
    "FIXED",
    "NFA",
    "MISSING",
    "INVALID",
    "ANY",
    "TEST",
    "DUMMY",
    "PLACEHOLDER",
    "UNSPECIFIED",
    "UNDISCLOSED",
    "UNDETERMINED",
    "PENDING",
    "LAST",
    "KNOWN",
    "ON",
    "FILE",
    "NR",
    "DK",
    "ZIP",
    "CODE",
    "OF",
    "THE",
    "AND",
    "OR",
    "IN",
    "CUSTODY",
    "DETAINED",
    "ICE",
    "NOPE",
    "XX+",
    "X",
    "0+",
)
# ZIPs that are not residential addresses and are used as filler ("Don't care 12345").
PLACEHOLDER_ZIPS = ("00000", "11111", "12345", "99999")
MILITARY_STATES = ("AA", "AE", "AP")

_WORDS = "|".join(PLACEHOLDER_WORDS)
_PLACEHOLDER_RE = rf"(?:(?:{_WORDS}|\d+)(?: |$))*"
_UNIT_ONLY_RE = (
    r"(?:APT|APARTMENT|UNIT|STE|SUITE|RM|ROOM|FL|FLOOR|SPC|SPACE|LOT|NO|NUMBER) ?[A-Z0-9]{0,6}"
)
_TAIL_ZIP_RE = r"^(?P<rest>.*[A-Z].*?) (?P<zip>\d{5})(?: \d{4})?$"
# Punctuation becomes a space; apostrophes vanish ("Don't" → "DONT", "N/A" → "N A").
_TABLE = str.maketrans(
    {**{c: " " for c in '!"#$%&()*+,-./:;<=>?@[\\]^_{|}~\t\r\n'}, "'": None, "’": None, "`": None}
)


def normalize(col: pd.Series) -> pd.Series:
    """Upper case, punctuation → space, apostrophes dropped, runs of spaces collapsed."""
    s = col.astype(object).where(col.notna(), "").astype(str)
    s = s.str.upper().str.translate(_TABLE)
    return s.str.replace(r" {2,}", " ", regex=True).str.strip()


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Factorize a column: checking each distinct value once keeps repeated cities cheap."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, np.asarray(uniques, dtype=object)


def _map_unique(values: pd.Series, fn: object) -> pd.Series:
    codes, uniques = _codes(values)
    out = fn(pd.Series(uniques, dtype=object))  # type: ignore[operator]
    return pd.Series(np.asarray(out)[codes], index=values.index)


def is_placeholder(norm: pd.Series) -> pd.Series:
    """True where a normalized field is empty or made only of placeholder words and numbers."""
    return norm.str.fullmatch(_PLACEHOLDER_RE).fillna(True).astype(bool)


@dataclass(frozen=True)
class AddressCheck:
    """One code per row (see :data:`MESSAGES`) and the normalized ZIP used, if any."""

    code: pd.Series
    zip5: pd.Series

    @property
    def usable(self) -> pd.Series:
        return self.code.isin([OK, DETENTION])


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

    def col(name: str) -> pd.Series:
        if name in subjects.columns:
            return subjects[name]
        return pd.Series([None] * len(subjects), index=idx, dtype=object)

    street = _map_unique(col("street"), normalize)
    unit = _map_unique(col("unit"), normalize)
    city = _map_unique(col("city"), normalize)
    state = _map_unique(col("state"), normalize)
    zip_raw = _map_unique(col("zip"), normalize)

    # A ZIP at the end of the street line ("123 Main St, Springfield IL 62701") counts as
    # the ZIP when the ZIP field is empty; the street is judged without it.
    tail = street.str.extract(_TAIL_ZIP_RE)
    has_tail = tail["zip"].notna()
    street_only = street.where(~has_tail, tail["rest"].fillna(""))

    zip_digits = zip_raw.str.replace(" ", "", regex=False)
    zip5 = zip_digits.str.extract(r"^(\d{5})(?:\d{4})?$")[0]
    zip5 = zip5.where(~zip5.isin(PLACEHOLDER_ZIPS))
    tail_zip = tail["zip"].where(~tail["zip"].isin(PLACEHOLDER_ZIPS))
    zip5 = zip5.where(zip5.notna(), tail_zip)
    zip_ok = zip5.notna()

    street_ph = _map_unique(street_only, is_placeholder)
    street_is_zip = street.str.fullmatch(r"\d{5}(?: ?\d{4})?").fillna(False)
    has_number = street_only.str.contains(r"\d", regex=True)
    has_word = street_only.str.contains(r"[^\W\d_]{2,}", regex=True)
    unit_only = street_only.str.fullmatch(_UNIT_ONLY_RE).fillna(False)
    street_line = ~street_ph & has_number & has_word & ~unit_only

    city_ok = ~_map_unique(city, is_placeholder) & city.str.contains(r"[^\W\d_]{2,}", regex=True)
    known_states = {s.upper() for s in states} | set(MILITARY_STATES)
    state_ok = state.isin(known_states)
    locality = (city_ok & state_ok) | zip_ok

    all_empty = (street == "") & (unit == "") & (city == "") & (state == "") & (zip_raw == "")
    conditions = [
        all_empty,
        street_is_zip | ((street == "") & zip_ok & ~city_ok),
        street == "",
        street_ph,
        unit_only | ~has_word,
        ~has_number,
        ~locality,
    ]
    choices = [EMPTY, BARE_ZIP, NO_STREET, PLACEHOLDER, NO_STREET, NO_NUMBER, NO_LOCALITY]
    code = pd.Series(np.select(conditions, choices, default=OK).astype(object), index=idx)

    keywords = [k.upper() for k in detention_keywords]
    detention = pd.Series(False, index=idx)
    if keywords:
        pattern = r"\b(?:" + "|".join(k.replace(" ", r"\s") for k in keywords) + r")\b"
        for part in (street, unit, city):
            detention |= part.str.contains(pattern, regex=True)
    pairs = {f"{n} {z}" for n, z in facilities}
    if pairs:
        number = street_only.str.extract(r"^(\d+)")[0].fillna("")
        detention |= (number + " " + zip5.fillna("")).isin(pairs)
    code = code.mask((code == OK) & street_line & detention, DETENTION)
    return AddressCheck(code=code, zip5=zip5)
