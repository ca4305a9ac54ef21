from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from fti_gateway.resolve.backends.duckdb import DuckDBBackend
from fti_gateway.resolve.cascade import _transposed
from fti_gateway.resolve.normalize.names import first_name, last_name, suffix
from fti_gateway.resolve.normalize.tin import normalize_tin
from fti_gateway.resolve.subjects import prepare


@pytest.mark.parametrize(
    ("raw", "full", "tokens", "sfx"),
    [
        ("SMITH", "smith", ("smith",), None),
        ("O'Brien", "obrien", ("obrien",), None),
        ("García-López", "garcia lopez", ("garcia", "lopez"), None),
        ("Garcia y Lopez", "garcia lopez", ("garcia", "lopez"), None),
        ("De La Cruz", "delacruz", ("delacruz",), None),
        ("Delacruz", "delacruz", ("delacruz",), None),
        ("van der Berg", "vanderberg", ("vanderberg",), None),
        ("Walker Jr.", "walker", ("walker",), "jr"),
        ("Walker III", "walker", ("walker",), "iii"),
        ("Núñez", "nunez", ("nunez",), None),
    ],
)
def test_last_names(raw: str, full: str, tokens: tuple[str, ...], sfx: str | None) -> None:
    p = last_name(raw)
    assert (p.full, p.tokens, p.suffix) == (full, tokens, sfx)


def test_first_name_nicknames_and_suffix() -> None:
    bill = first_name("Bill")
    assert bill.first == "bill"
    assert "william" in bill.alts
    assert "bill" in first_name("William").alts
    assert first_name("Dr. Robert Jr").suffix == "jr"
    assert first_name("Dr. Robert Jr").first == "robert"
    mary_ann = first_name("Mary Ann")
    assert (mary_ann.first, mary_ann.rest) == ("mary", "ann")
    assert first_name(None).first is None


def test_suffix_field() -> None:
    assert suffix("Jr.") == "jr"
    assert suffix("SENIOR") == "sr"
    assert suffix("2nd") == "ii"
    assert suffix("V") == "v"
    assert suffix("") is None


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("900-12-3456", "900123456"),
        ("900 12 3456", "900123456"),
        ("12345", None),
        ("123456789", None),
        (None, None),
    ],
)
def test_tin(raw: str | None, want: str | None) -> None:
    assert normalize_tin(raw) == want


@pytest.mark.parametrize(
    ("first", "middle", "mi", "mn"),
    [
        ("John", "Quincy", "q", "quincy"),
        ("John", "Q.", "q", None),  # an initial only: no whole name to compare
        ("John", "mary-ann", "m", "mary"),  # the first word of a compound middle name
        ("John Paul", None, "p", "paul"),  # a given name's second word stands in
        ("John Paul", "Q", "q", None),  # the middle field wins over the given name
        ("John", None, None, None),
        ("José", "Ángel", "a", "angel"),
    ],
)
def test_middle_name_and_initial(
    first: str, middle: str | None, mi: str | None, mn: str | None
) -> None:
    got = prepare(
        pd.DataFrame(
            {
                "subject_id": ["x"],
                "first_name": [first],
                "middle_name": [middle],
                "last_name": ["Roe"],
            }
        )
    )
    assert (got["mi"].iloc[0], got["mn"].iloc[0]) == (mi, mn)


def test_a_transposed_variant_has_its_own_surname_keys() -> None:
    """The variant "Garcia Maria" → "Maria Garcia" blocks on the sound of *garcia* (G620);
    with the subject's own key (sound of maria) it would meet the subject's records again."""
    subj = prepare(
        pd.DataFrame(
            {
                "subject_id": ["x"],
                "first_name": ["Garcia"],
                "middle_name": ["Luz"],
                "last_name": ["Maria"],
            }
        )
    )
    con = duckdb.connect()
    con.register("subj", subj)
    row = con.execute(
        f"SELECT fn, ln, ln_first, ln_tokens, ln_sdx, mi, mn FROM ({_transposed(object.__new__(DuckDBBackend), 'subj')})"
    ).fetchone()
    assert row == ("maria", "garcia", "garcia", ["garcia"], "G620", "l", "luz")
