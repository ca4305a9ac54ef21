"""Synthetic US addresses, built column-wise with numpy.

Shape follows USPS practice: house number, optional directional, street name, suffix
type (standard abbreviations), an optional unit, or a PO box instead of a street line;
city, state and a ZIP drawn from that city's own ZIP range so the three agree. A share of
apartment addresses reuse another household's building with a different unit, so
"same street line, different person" happens as it does in real cities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fti_gateway.vault.synth.tables import NA, Tables

DIRECTIONALS = np.array(["N", "S", "E", "W", "NE", "NW", "SE", "SW"], dtype=object)
_DIR_P = np.array([0.18, 0.18, 0.18, 0.18, 0.07, 0.07, 0.07, 0.07])
SUFFIXES = np.array(
    ["St", "Ave", "Rd", "Dr", "Ln", "Ct", "Blvd", "Way", "Pl", "Cir", "Ter", "Pkwy", "Trl", "Hwy"],
    dtype=object,
)
_SUFFIX_P = np.array([25, 18, 12, 14, 8, 6, 4, 5, 3, 2, 1, 1, 0.7, 0.3], dtype=float)
_SUFFIX_P /= _SUFFIX_P.sum()
UNIT_TYPES = np.array(["Apt", "Unit", "#", "Ste", "Lot", "Trlr"], dtype=object)
_UNIT_P = np.array([0.62, 0.15, 0.1, 0.02, 0.07, 0.04])

PO_BOX_SHARE = 0.03
UNIT_SHARE = 0.2
SHARED_BUILDING_SHARE = 0.35


@dataclass
class Addresses:
    """Parallel object arrays; ``unit`` holds None where there is no unit."""

    street: np.ndarray
    unit: np.ndarray
    city: np.ndarray
    state: np.ndarray
    zip: np.ndarray
    city_idx: np.ndarray

    def __len__(self) -> int:
        return len(self.street)


def _text(a: np.ndarray) -> np.ndarray:
    return np.asarray(a.astype(str), dtype=object)


def generate_addresses(
    rng: np.random.Generator, t: Tables, n: int, city_idx: np.ndarray | None = None
) -> Addresses:
    """``n`` addresses; where ``city_idx`` >= 0 the address stays in that city (a local move)."""
    cities = rng.choice(len(t.cities), size=n, p=t.city_p)
    if city_idx is not None:
        cities = np.where(city_idx >= 0, city_idx, cities)
    zips = t.city_zip[cities] + rng.integers(0, 1 << 30, size=n) % t.city_nzip[cities]
    # numpy's zfill fails on an empty array (a reduction with no identity): guard it.
    zip_text = (
        np.asarray(np.char.zfill(zips.astype(str), 5), dtype=object)
        if n
        else np.empty(0, dtype=object)
    )

    number = np.clip(np.exp(rng.normal(6.4, 1.25, size=n)), 1, 29999).astype(np.int64)
    has_dir = rng.random(n) < 0.12
    dirs = np.where(has_dir, DIRECTIONALS[rng.choice(len(DIRECTIONALS), n, p=_DIR_P)] + " ", "")
    names = t.streets.sample(rng, n)
    suffix = SUFFIXES[rng.choice(len(SUFFIXES), n, p=_SUFFIX_P)]
    street = _text(number) + " " + dirs + names + " " + suffix

    has_unit = rng.random(n) < UNIT_SHARE
    utype = UNIT_TYPES[rng.choice(len(UNIT_TYPES), n, p=_UNIT_P)]
    unum = rng.integers(1, 40, size=n)
    floor_style = rng.random(n) < 0.3
    unum = np.where(floor_style, rng.integers(1, 12, size=n) * 100 + unum % 20, unum)
    letter = rng.random(n) < 0.15
    uval = _text(unum) + np.where(letter, np.array(list("ABCD"), dtype=object)[unum % 4], "")
    unit = np.where(has_unit, utype + " " + uval, NA)

    po = rng.random(n) < PO_BOX_SHARE
    street = np.where(po, "PO Box " + _text(rng.integers(1, 9999, size=n)), street)
    unit = np.where(po, NA, unit)

    # Apartment buildings: some unit addresses share another's street line, city and ZIP.
    with_unit = np.flatnonzero(has_unit & ~po)
    if len(with_unit) > 1:
        share = with_unit[rng.random(len(with_unit)) < SHARED_BUILDING_SHARE]
        src = with_unit[rng.integers(0, len(with_unit), size=len(share))]
        street[share] = street[src]
        cities[share] = cities[src]
        zip_text[share] = zip_text[src]

    return Addresses(
        street=np.asarray(street, dtype=object),
        unit=np.asarray(unit, dtype=object),
        city=t.cities[cities],
        state=t.city_state[cities],
        zip=zip_text,
        city_idx=cities,
    )
