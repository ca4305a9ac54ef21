from __future__ import annotations

import pytest

from fti_gateway.resolve.normalize.names import first_name, last_name, suffix
from fti_gateway.resolve.normalize.tin import normalize_tin


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
