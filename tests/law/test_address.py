"""Address usability under 6103(i)(2)(B)(i): every placeholder in 6103.md, its variants,
and the forms a usable address takes."""

from __future__ import annotations

import pandas as pd
import pytest

from fti_gateway.law.address import (
    BARE_ZIP,
    DETENTION,
    EMPTY,
    NO_LOCALITY,
    NO_NUMBER,
    NO_STREET,
    OK,
    PLACEHOLDER,
    check_addresses,
    normalize,
)

STATES = ["IL", "ME", "DC", "TX", "FL", "CA", "MA", "MASSACHUSETTS"]
KEYWORDS = ["DETENTION", "PROCESSING CENTER", "JAIL"]
FACILITIES = [("18201", "33194")]
FIELDS = ("street", "unit", "city", "state", "zip")


def codes(rows: list[dict[str, str | None]]) -> list[str]:
    df = pd.DataFrame([{f: r.get(f) for f in FIELDS} for r in rows])
    return list(check_addresses(df, STATES, KEYWORDS, FACILITIES).code)


def one(**fields: str | None) -> str:
    return codes([fields])[0]


# The placeholders 6103.md names, each in the street field beside a real-looking ZIP (the
# 2025 check passed anything with a ZIP-like number), then in other spellings.
PLACEHOLDERS_6103 = [
    "Failed to Provide",
    "Unknown Address",
    "NA NA",
    "N/A",
    "None",
    "Unknown",
    "TBD",
    "No address",
    "Don't care 12345",
]
VARIANTS = [
    "FAILED TO PROVIDE",
    "failed to provide",
    "Failed-to-Provide",
    "failed_to_provide",
    " Failed  to   Provide. ",
    "UNKNOWN ADDRESS",
    "unknown address",
    "Unknown-Address",
    "ADDRESS UNKNOWN",
    "Address: unknown",
    "na na",
    "N.A. N.A.",
    "NA  NA",
    "n/a",
    "N / A",
    "N.A.",
    "NA",
    "NONE",
    "none.",
    "(none)",
    "UNKNOWN",
    "unk",
    "Unknown/Unknown",
    "tbd",
    "T.B.D.",
    "TBA",
    "NO ADDRESS",
    "no-address",
    "No address provided",
    "Not provided",
    "not available",
    "NULL",
    "nil",
    "DON'T CARE 12345",
    "Don’t care 12345",
    "dont care",
    "don't care 00000",
    "XXX",
    "x",
    "-",
    "?",
    "...",
    "Homeless",
    "No fixed address",
    "Same as above",
    "Last known address unknown",
    "0",
]


@pytest.mark.parametrize("text", PLACEHOLDERS_6103 + VARIANTS)
def test_placeholder_street_is_refused_even_with_a_real_zip(text: str) -> None:
    assert one(street=text, city="Washington", state="DC", zip="20001") in (
        PLACEHOLDER,
        NO_STREET,
        NO_NUMBER,
    )


@pytest.mark.parametrize("text", PLACEHOLDERS_6103)
def test_placeholder_alone_is_refused(text: str) -> None:
    assert one(street=text) != OK


def test_empty_and_missing_fields_are_empty() -> None:
    assert codes([{}, {"street": "", "city": "  ", "zip": ""}, {"street": None}]) == [
        EMPTY,
        EMPTY,
        EMPTY,
    ]


@pytest.mark.parametrize("zip_code", ["20001", "20001-1234", "200011234", " 20001 "])
def test_a_bare_zip_is_not_an_address(zip_code: str) -> None:
    assert one(zip=zip_code) == BARE_ZIP
    assert one(street=zip_code.strip()) == BARE_ZIP


def test_city_state_without_street_is_no_street() -> None:
    assert one(city="Springfield", state="IL", zip="62704") == NO_STREET


@pytest.mark.parametrize(
    "fields",
    [
        {"street": "1420 Oak Street", "city": "Springfield", "state": "IL", "zip": "62704"},
        {"street": "1420 oak st.", "city": "springfield", "state": "il"},
        {"street": "1420 Oak St", "zip": "62704"},
        {"street": "1420 Oak St", "zip": "62704-1234"},
        {"street": "1420 Oak St, Springfield, IL 62704"},
        {"street": "P.O. Box 512", "zip": "04101"},
        {"street": "PO BOX 512", "city": "Portland", "state": "ME"},
        {"street": "RR 2 Box 15", "city": "Lubec", "state": "ME"},
        {"street": "100 State Street", "city": "Boston", "state": "Massachusetts"},
        {"street": "12 Calle Ñandú", "city": "El Paso", "state": "TX"},
    ],
)
def test_usable_addresses(fields: dict[str, str]) -> None:
    assert one(**fields) == OK


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"street": "Main Street", "city": "Springfield", "state": "IL"}, NO_NUMBER),
        ({"street": "1420 Oak St"}, NO_LOCALITY),
        ({"street": "1420 Oak St", "city": "Springfield"}, NO_LOCALITY),
        ({"street": "1420 Oak St", "city": "Springfield", "state": "ZZ"}, NO_LOCALITY),
        ({"street": "1420 Oak St", "zip": "2000"}, NO_LOCALITY),
        ({"street": "1420 Oak St", "zip": "00000"}, NO_LOCALITY),
        ({"street": "1420 Oak St", "city": "Unknown", "state": "IL"}, NO_LOCALITY),
        ({"street": "Apt 4B", "zip": "04101"}, NO_STREET),
        ({"street": "1420", "city": "Springfield", "state": "IL"}, PLACEHOLDER),
    ],
)
def test_incomplete_addresses(fields: dict[str, str], code: str) -> None:
    assert one(**fields) == code


def test_detention_facilities_are_flagged_for_review() -> None:
    got = codes(
        [
            {"street": "18201 SW 12th St", "city": "Miami", "state": "FL", "zip": "33194"},
            {"street": "1 Processing Center Way", "city": "Jena", "state": "LA", "zip": "71342"},
            {"street": "500 County Jail Rd", "zip": "77002"},
            {"street": "18201 SW 12th St", "zip": "33195"},
        ]
    )
    assert got == [DETENTION, DETENTION, DETENTION, OK]


def test_unusable_address_is_never_upgraded_to_detention_review() -> None:
    assert one(street="Detention center", zip="33194") == NO_NUMBER


def test_normalize_folds_case_punctuation_and_spacing() -> None:
    s = normalize(pd.Series(["  Don't  care, 12345 ", "N/A", None, "P.O. Box 5"]))
    assert list(s) == ["DONT CARE 12345", "N A", "", "P O BOX 5"]


def test_vectorized_over_many_rows_keeps_row_order() -> None:
    rows = [
        {"street": "Failed to Provide", "zip": "20001"},
        {"street": "9 Elm St", "zip": "20001"},
    ] * 5000
    got = codes(rows)
    assert got[0::2] == [PLACEHOLDER] * 5000
    assert got[1::2] == [OK] * 5000


# Property: however a placeholder's case, punctuation and spacing are mangled, and whatever
# real-looking ZIP stands beside it, it never becomes a usable address.
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_SEPARATORS = st.sampled_from([" ", "  ", "-", "_", ".", "/", ", ", " . ", "\t"])


@st.composite
def mangled_placeholder(draw: st.DrawFn) -> str:
    phrase = draw(st.sampled_from(PLACEHOLDERS_6103))
    words = phrase.split()
    out = draw(st.sampled_from(["", " ", "(", '"']))
    for i, word in enumerate(words):
        flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
        out += "".join(c.upper() if f else c.lower() for c, f in zip(word, flips, strict=True))
        if i < len(words) - 1:
            out += draw(_SEPARATORS)
    return out + draw(st.sampled_from(["", " ", ".", ")", "  ", "!"]))


@settings(max_examples=25, deadline=None)
@given(
    texts=st.lists(mangled_placeholder(), min_size=20, max_size=40),
    zip_code=st.from_regex(r"[1-9]\d{4}", fullmatch=True),
)
def test_mangled_placeholders_never_pass(texts: list[str], zip_code: str) -> None:
    got = codes(
        [{"street": t, "city": "Springfield", "state": "IL", "zip": zip_code} for t in texts]
    )
    assert OK not in got, [t for t, c in zip(texts, got, strict=True) if c == OK]
