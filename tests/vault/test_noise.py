"""The noise functions change what they claim to change, and nothing they must not."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from fti_gateway.vault.synth import noise
from fti_gateway.vault.synth.tins import is_never_issued

names = st.text(
    alphabet=st.characters(min_codepoint=97, max_codepoint=122), min_size=3, max_size=12
)
seeds = st.integers(0, 2**32 - 1)


@given(names, seeds)
def test_a_typo_is_one_small_edit_that_keeps_the_first_letter(name: str, seed: int) -> None:
    out = noise.typo(name, np.random.default_rng(seed))
    assert out[0] == name[0]
    assert abs(len(out) - len(name)) <= 1


@given(st.integers(0, 99_999_999), seeds)
def test_a_wrong_tin_differs_and_stays_never_issued(n: int, seed: int) -> None:
    tin = f"9{n:08d}"
    if tin[3:5] == "00" or tin[5:] == "0000":
        return
    out = noise.wrong_tin(tin, np.random.default_rng(seed))
    assert out != tin and len(out) == 9 and out.isdigit()
    assert out[:3] == tin[:3]
    assert is_never_issued(out)


@settings(max_examples=200)
@given(st.dates(dt.date(1925, 1, 1), dt.date(2006, 12, 31)), seeds)
def test_a_dob_digit_error_is_a_valid_other_date(d: dt.date, seed: int) -> None:
    out = noise.dob_digit(d.isoformat(), np.random.default_rng(seed))
    assert out != d.isoformat()
    dt.date.fromisoformat(out)
    assert sum(a != b for a, b in zip(out, d.isoformat(), strict=True)) <= 2


def test_a_leap_day_still_gets_a_digit_error() -> None:
    """29 February has few valid one-digit neighbours: eight random draws can all miss, and
    the error must still be made (Hypothesis found 2000-02-29 coming back unchanged)."""
    for seed in range(500):
        out = noise.dob_digit("2000-02-29", np.random.default_rng(seed))
        assert out != "2000-02-29"
        dt.date.fromisoformat(out)


def test_nicknames_come_from_the_nicknames_package() -> None:
    assert "Bill" in noise.nicknames_of("William")
    df = pd.DataFrame({"first_name": ["William", "Xqzt", None]})
    done = noise.apply_nickname(df, np.array([True, True, True]), np.random.default_rng(1))
    assert list(done) == [True, False, False]
    assert df.loc[0, "first_name"] in noise.nicknames_of("William")
    assert df.loc[1, "first_name"] == "Xqzt"


def test_day_month_swap_only_when_the_day_could_be_a_month() -> None:
    df = pd.DataFrame({"dob": ["1980-03-07", "1980-03-25", None]})
    done = noise.apply_dob(df, np.array([True, True, True]), "swap", np.random.default_rng(0))
    assert list(df["dob"]) == ["1980-07-03", "1980-03-25", None]
    assert list(done) == [True, False, False]


def test_compound_surname_partial_use() -> None:
    df = pd.DataFrame({"last_name": ["Garcia Lopez"] * 50 + ["Smith"]})
    noise.apply_compound_partial(df, np.ones(51, dtype=bool), np.random.default_rng(3))
    assert set(df["last_name"][:50]) <= {"Garcia", "Lopez", "Garcia-Lopez"}
    assert {"Garcia", "Lopez"} <= set(df["last_name"][:50])
    assert df["last_name"].iloc[50] == "Smith"


def test_street_words_are_spelled_out() -> None:
    assert noise.expand_street_words("12 N Main St") == "12 North Main Street"
    assert noise.expand_street_words("PO Box 44") == "PO Box 44"
    assert noise.expand_street_words("5 E St") == "5 E Street"
