"""Reading levels off a scored pair, and the namesake rule built on them."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from fti_gateway.resolve.levels import bottom, level_codes, namesake_risks

# As scoring.level_weights gives them: null level first, then top → bottom.
LEVELS = {
    "first_name": [(0.0, "missing"), (8.0, "equal"), (6.0, "nick"), (5.0, "1 edit"),
                   (2.0, "initial"), (1.0, "2 edits"), (-4.0, "differs")],
    "last_name": [(0.0, "missing"), (9.0, "equal"), (7.0, "1 edit"), (6.5, "compound"),
                  (3.0, "2 edits"), (-5.0, "differs")],
    "dob": [(0.0, "missing"), (14.0, "equal"), (5.0, "1 digit"), (4.0, "swap"),
            (3.0, "year"), (-6.0, "differs")],
    "tin": [(0.0, "missing"), (20.0, "equal"), (9.0, "typo"), (-9.0, "differs")],
    "address": [(0.0, "missing"), (13.0, "same"), (4.0, "unit"), (11.0, "near street"),
                (7.0, "zip"), (0.5, "city"), (-1.0, "state"), (-3.0, "differs")],
}  # fmt: skip


def pair(**kw: Any) -> dict[str, Any]:
    """A pair: first/last name and address equal, DOB and TIN missing, no suffixes."""
    rec: dict[str, Any] = {
        "mw_first_name": 8.0,
        "mw_last_name": 9.0,
        "mw_dob": 0.0,
        "mw_tin": 0.0,
        "mw_address": 13.0,
        "sfx_s": None,
        "sfx_r": None,
        "dob_y_s": None,
        "dob_y_r": None,
    }
    rec.update(kw)
    return rec


def scored(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Pairs as the scorer gives them: each ``mw_<name>`` with its ``null_<name>`` flag (no
    level in LEVELS weighs 0.0, so 0.0 stands for the null level)."""
    df = pd.DataFrame(rows)
    for name in LEVELS:
        df[f"null_{name}"] = df[f"mw_{name}"] == 0.0
    return df


def risk(rec: dict[str, Any], strict: bool = False) -> str | None:
    df = scored([rec])
    out = namesake_risks(df, level_codes(df, LEVELS), LEVELS, strict=strict)
    return None if out[0] is None else str(out[0])


def test_levels_are_read_from_weights_and_null_flags() -> None:
    df = scored([pair(), pair(mw_first_name=5.0, mw_tin=20.0), pair(mw_first_name=-4.0)])
    codes = level_codes(df, LEVELS)
    assert list(codes["first_name"]) == [0, 2, 5]
    assert list(codes["dob"]) == [-1, -1, -1]  # missing
    assert list(codes["tin"]) == [-1, 0, -1]
    assert bottom(LEVELS, "first_name") == 5
    assert list(codes["address"]) == [0, 0, 0]


def test_a_level_weighing_zero_is_not_the_null_level() -> None:
    """A vault without TINs trains every TIN level to 0 bits, the null level's weight: a
    missing TIN must still read as missing, not as "TIN equal" (which lifts the guard's
    first-name and namesake checks), and a present one as the lowest level of that weight."""
    levels = {**LEVELS, "tin": [(0.0, "missing"), (0.0, "equal"), (0.0, "typo"), (0.0, "differs")]}
    df = pd.DataFrame({"mw_tin": [0.0, 0.0], "null_tin": [True, False]})
    assert list(level_codes(df, levels)["tin"]) == [-1, 2]


def test_ties_read_as_the_lower_level() -> None:
    levels = {"dob": [(0.0, "missing"), (14.0, "equal"), (3.0, "1 digit"), (3.0, "year")]}
    df = pd.DataFrame({"mw_dob": [14.0, 3.0], "null_dob": [False, False]})
    assert list(level_codes(df, levels)["dob"]) == [0, 2]


@pytest.mark.parametrize(
    ("case", "kw", "risky"),
    [
        ("name and same address, nothing else", {}, False),
        ("name and near street", {"mw_address": 11.0}, False),
        ("first name a nickname: Cassie for Catherine or Cassandra", {"mw_first_name": 6.0}, True),
        ("first name one edit: Mario and Maria", {"mw_first_name": 5.0}, True),
        ("surname two edits", {"mw_last_name": 3.0}, False),
        ("only the ZIP agrees", {"mw_address": 7.0}, True),
        ("other unit", {"mw_address": 4.0}, True),
        ("initial only", {"mw_first_name": 2.0}, True),
        ("Jr on the subject only", {"sfx_s": "jr"}, True),
        ("Sr in the vault only", {"sfx_r": "sr"}, True),
        ("Jr on both", {"sfx_s": "jr", "sfx_r": "jr"}, False),
        ("DOB agrees", {"mw_dob": 14.0, "mw_address": -3.0}, False),
        ("DOB one digit off", {"mw_dob": 5.0, "mw_address": -3.0}, False),
        ("DOB differs outright", {"mw_dob": -6.0}, True),
        ("DOB differs but TIN agrees", {"mw_dob": -6.0, "mw_tin": 20.0}, False),
        (
            "a generation apart",
            {"mw_dob": -6.0, "dob_y_s": "1985", "dob_y_r": "1958"},
            True,
        ),
        (
            "a generation apart, TIN agrees, dates far apart",
            {
                "mw_dob": -6.0,
                "mw_tin": 20.0,
                "dob_y_s": "1985",
                "dob_y_r": "1958",
                "dob_s_s": "1985-02-03",
                "dob_s_r": "1958-07-01",
            },
            True,
        ),
        (
            "a generation apart, TIN agrees, one digit typo in the decade",
            {
                "mw_dob": -6.0,
                "mw_tin": 20.0,
                "dob_y_s": "1995",
                "dob_y_r": "1975",
                "dob_s_s": "1995-02-03",
                "dob_s_r": "1975-02-03",
            },
            False,
        ),
    ],
)
def test_namesake_risk(case: str, kw: dict[str, Any], risky: bool) -> None:
    assert (risk(pair(**kw)) is not None) is risky, case


def test_strict_needs_dob_or_tin() -> None:
    assert risk(pair(), strict=True) is not None
    assert risk(pair(mw_dob=14.0), strict=True) is None
    assert risk(pair(mw_tin=9.0), strict=True) is None


def test_rules_apply_row_by_row() -> None:
    rows = [pair(), pair(sfx_s="jr"), pair(mw_dob=-6.0), pair(mw_tin=20.0, mw_dob=-6.0)]
    df = scored(rows)
    out = namesake_risks(df, level_codes(df, LEVELS), LEVELS)
    assert [x is None for x in out] == [True, False, False, True]
    assert "suffix" in str(out[1]) and "dates of birth" in str(out[2])
