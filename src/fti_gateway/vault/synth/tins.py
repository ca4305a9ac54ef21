"""TINs from never-issued ranges only, unique per person, without a lookup table.

SSA never issues SSN areas 000, 666 or 900–999, so a synthetic TIN there can never be a
real person's SSN. ITINs live in the 9xx area too; to look like one an ITIN needs a
group (digits 4–5) in the IRS's ITIN ranges 50–65, 70–88, 90–92 or 94–99. SSN-like
numbers in the 9xx area use groups 01–49, so the two spaces never overlap.

Each space is enumerated, and person *i* gets element ``permute(i)`` of a keyed
bijection (:func:`permute`), so TINs are unique without remembering which were used,
scattered (household members do not get neighbouring numbers) and fixed by the seed.
"""

from __future__ import annotations

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


def permute(idx: np.ndarray, size: int, keys: np.ndarray) -> np.ndarray:
    """A keyed bijection of ``[0, size)``: a Feistel network over the next power of two,
    with cycle walking back into range. Unlike an affine map it leaves no visible
    stride between neighbours, and it needs no table of used values."""
    i = np.asarray(idx, dtype=np.uint64)
    if i.size and int(i.max()) >= size:
        raise ValueError("index outside the permuted space")
    bits = max(2, int(size - 1).bit_length())
    half = (bits + 1) // 2
    mask = np.uint64((1 << half) - 1)
    shift = np.uint64(half)

    def rounds(x: np.ndarray) -> np.ndarray:
        left, right = x >> shift, x & mask
        for k in keys:
            f = (right * np.uint64(0x9E3779B1) + np.uint64(k)) & np.uint64(0xFFFFFFFF)
            f ^= f >> np.uint64(11)
            f = (f * np.uint64(0x85EBCA6B)) & mask
            left, right = right, left ^ f
        return np.asarray((left << shift) | right, dtype=np.uint64)

    out = rounds(i)
    todo = out >= np.uint64(size)
    while todo.any():
        out[todo] = rounds(out[todo])
        todo = out >= np.uint64(size)
    return out.astype(np.int64)


class TinSpace:
    """Keyed permutations of the SSN and ITIN spaces, fixed by a seed."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0x7115]))
        self._ssn_keys = rng.integers(0, 2**31, size=6)
        self._itin_keys = rng.integers(0, 2**31, size=6)

    def ssn(self, person_index: np.ndarray) -> np.ndarray:
        """SSN-shaped numbers (as int64 ``AAAGGSSSS``) for global person indices."""
        k = permute(person_index, SSN_SPACE, self._ssn_keys)
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
        k = permute(person_index, ITIN_SPACE, self._itin_keys)
        per_area = len(ITIN_GROUPS) * SERIALS
        area = 900 + k // per_area
        group = ITIN_GROUPS[(k % per_area) // SERIALS]
        serial = k % SERIALS + 1
        return np.asarray(area * 1_000_000 + group * 10_000 + serial, dtype=np.int64)


def as_text(tins: np.ndarray) -> np.ndarray:
    """9-digit zero-padded strings (object array) for int TINs."""
    arr = pc.utf8_lpad(pc.cast(pa.array(tins, pa.int64()), pa.string()), 9, "0")
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)
