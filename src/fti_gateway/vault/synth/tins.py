"""TINs from never-issued ranges only, unique per person, without a lookup table.

SSA never issues SSN areas 000, 666 or 900–999, so a synthetic TIN there can never be a
real person's SSN. ITINs live in the 9xx area too; to look like one an ITIN needs a
group (digits 4–5) in the IRS's ITIN ranges 50–65, 70–88, 90–92 or 94–99. SSN-like
numbers in the 9xx area use groups 01–49, so the two spaces never overlap.

Each space is enumerated, and person *i* gets element ``(a*i + b) mod size`` — an affine
bijection, so TINs are unique without remembering which were used, scattered (household
members do not get neighbouring numbers) and fixed by the seed.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SERIALS = 9999  # 0001–9999
_SSN_LOW_AREAS = np.array([0, 666])
_SSN_LOW = len(_SSN_LOW_AREAS) * 99 * SERIALS  # groups 01–99
_SSN_HIGH_GROUPS = 49  # groups 01–49 in areas 900–999
SSN_SPACE = _SSN_LOW + 100 * _SSN_HIGH_GROUPS * SERIALS
ITIN_GROUPS = np.array([*range(50, 66), *range(70, 89), 90, 91, 92, *range(94, 100)])
ITIN_SPACE = 100 * len(ITIN_GROUPS) * SERIALS
_ITIN_GROUP_SET = frozenset(int(g) for g in ITIN_GROUPS)


def is_never_issued(tin: str) -> bool:
    """True if the 9-digit TIN's area was never issued as an SSN (000, 666, 900–999)."""
    if len(tin) != 9 or not tin.isdigit():
        return False
    area = int(tin[:3])
    return area in (0, 666) or area >= 900


def is_itin_shaped(tin: str) -> bool:
    """True if the TIN has an ITIN's structure: area 9xx and an ITIN group."""
    return is_never_issued(tin) and tin[0] == "9" and int(tin[3:5]) in _ITIN_GROUP_SET


class TinSpace:
    """Affine permutations of the SSN and ITIN spaces, fixed by a seed."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0x7115]))
        self._ssn = self._affine(rng, SSN_SPACE)
        self._itin = self._affine(rng, ITIN_SPACE)

    @staticmethod
    def _affine(rng: np.random.Generator, size: int) -> tuple[int, int]:
        a = int(rng.integers(size // 3, size - 1))
        while math.gcd(a, size) != 1:
            a += 1
        return a, int(rng.integers(0, size))

    @staticmethod
    def _permute(idx: np.ndarray, ab: tuple[int, int], size: int) -> np.ndarray:
        a, b = ab
        i = np.asarray(idx, dtype=np.int64)
        if i.size and int(i.max()) > (2**62) // size:
            raise ValueError("person index too large for the TIN space")
        # a < size ~ 5e7, so a*i stays far inside int64 for any realistic population.
        return np.asarray((a * i + b) % size, dtype=np.int64)

    def ssn(self, person_index: np.ndarray) -> np.ndarray:
        """SSN-shaped numbers (as int64 ``AAAGGSSSS``) for global person indices."""
        k = self._permute(person_index, self._ssn, SSN_SPACE)
        low = k < _SSN_LOW
        per_area_low = 99 * SERIALS
        kl = np.where(low, k, 0)
        area_low = _SSN_LOW_AREAS[kl // per_area_low]
        group_low = (kl % per_area_low) // SERIALS + 1
        kh = np.where(low, 0, k - _SSN_LOW)
        per_area_high = _SSN_HIGH_GROUPS * SERIALS
        area_high = 900 + kh // per_area_high
        group_high = (kh % per_area_high) // SERIALS + 1
        area = np.where(low, area_low, area_high)
        group = np.where(low, group_low, group_high)
        serial = np.where(low, kl, kh) % SERIALS + 1
        return np.asarray(area * 1_000_000 + group * 10_000 + serial, dtype=np.int64)

    def itin(self, person_index: np.ndarray) -> np.ndarray:
        """ITIN-shaped numbers (as int64) for global person indices."""
        k = self._permute(person_index, self._itin, ITIN_SPACE)
        per_area = len(ITIN_GROUPS) * SERIALS
        area = 900 + k // per_area
        group = ITIN_GROUPS[(k % per_area) // SERIALS]
        serial = k % SERIALS + 1
        return np.asarray(area * 1_000_000 + group * 10_000 + serial, dtype=np.int64)


def as_text(tins: np.ndarray) -> np.ndarray:
    """9-digit zero-padded strings (object array) for int TINs."""
    arr = pc.utf8_lpad(pc.cast(pa.array(tins, pa.int64()), pa.string()), 9, "0")
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)
