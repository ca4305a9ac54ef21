import numpy as np
import pytest

from fti_gateway.vault.synth.tins import TinSpace, as_text, is_itin_shaped, is_never_issued


@pytest.mark.parametrize(
    ("tin", "expected"),
    [
        ("000123456", True),
        ("666123456", True),
        ("900123456", True),
        ("999999999", True),
        ("899123456", False),
        ("123456789", False),
        ("665123456", False),
        ("12345678", False),
        ("90012345x", False),
    ],
)
def test_never_issued_areas(tin: str, expected: bool) -> None:
    assert is_never_issued(tin) is expected


def test_tins_are_unique_and_never_issued() -> None:
    space = TinSpace(7)
    idx = np.arange(200_000)
    ssn = as_text(space.ssn(idx))
    itin = as_text(space.itin(idx))
    assert len(set(ssn)) == len(ssn)
    assert len(set(itin)) == len(itin)
    assert not set(ssn) & set(itin)
    assert all(is_never_issued(t) for t in ssn)
    assert all(is_never_issued(t) and is_itin_shaped(t) for t in itin)
    # SSN-like numbers never look like ITINs, and the low areas 000/666 are used too.
    assert not any(is_itin_shaped(t) for t in ssn)
    assert all(len(t) == 9 and t[3:5] != "00" and t[5:] != "0000" for t in ssn)


def test_tin_space_depends_on_seed() -> None:
    idx = np.arange(1000)
    assert list(TinSpace(1).ssn(idx)) == list(TinSpace(1).ssn(idx))
    assert list(TinSpace(1).ssn(idx)) != list(TinSpace(2).ssn(idx))


@pytest.mark.parametrize("size", [1, 2, 7, 1000, 4097])
def test_permute_is_a_bijection_of_the_range(size: int) -> None:
    from fti_gateway.vault.synth.tins import permute

    out = permute(np.arange(size), size, np.array([3, 1, 4, 1, 5, 9]))
    assert sorted(out.tolist()) == list(range(size))
    with pytest.raises(ValueError):
        permute(np.array([size]), size, np.array([1]))
