"""Frequency tables the generator draws from, loaded once from ``data/``.

The CSVs are written from public, Census-style knowledge of US name and place
frequencies (2010 Census surname counts per 100,000, SSA given-name popularity, city
populations); weights are relative within each origin column. Real populations have a
long tail of rare surnames, so each origin also gets a deterministic synthetic tail
(syllable combinations, Zipf-weighted) that carries a fixed share of the mass: common
names stay common, and most people still have a name few others share.
"""

from __future__ import annotations

import csv
import functools
import itertools
from dataclasses import dataclass
from importlib import resources

import numpy as np

# A 0-d object array holding None, for np.where branches that mean "no value".
NA = np.array(None, dtype=object)

ORIGINS: tuple[str, ...] = ("general", "hispanic", "black", "asian")
# Share of adult filers by origin (roughly the US adult population).
ORIGIN_P = np.array([0.60, 0.19, 0.13, 0.08])
# Share of each origin's surnames that come from the rare tail rather than the table.
TAIL_SHARE = {"general": 0.6, "hispanic": 0.3, "black": 0.45, "asian": 0.3}


@dataclass(frozen=True)
class Weighted:
    """Values with sampling probabilities."""

    values: np.ndarray  # object array of str
    p: np.ndarray

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.asarray(self.values[rng.choice(len(self.values), size=n, p=self.p)])

    def index(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(len(self.values), size=n, p=self.p)


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("fti_gateway.vault.synth").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _weighted(values: list[str], weights: list[float]) -> Weighted:
    w = np.asarray(weights, dtype=float)
    keep = w > 0
    vals = np.asarray(values, dtype=object)[keep]
    w = w[keep]
    return Weighted(vals, w / w.sum())


def _words(text: str, sep: str = " ") -> list[str]:
    return text.split(sep)


_GENERAL_ONSETS = _words(
    "Ab Ad Al Am An Ar Ash Bal Bar Bel Ben Ber Bla Bra Bro Bur Cal Car Cas Cor Cra Dal Dan "
    "Dav Del Dor Dun Ed El Em Fal Far Fen Fer Fin Fos Gal Gar Gil Gor Gra Gri Hal Ham Har Hay "
    "Hel Hen Hol Hor Hun Kel Ken Kin Kir Lan Lar Law Lin Lon Mal Man Mar Mel Mer Mil Mor Nel "
    "Nor Pal Par Pen Per Ram Ran Red Rid Rob Ros Sal San Sha Shel Sher Stan Stra Sum Tal Tan "
    "Ter Thor Tra Val Wal War Wel Whit Wil Win Wood Mac Kow Lind Schu Hoff Vander Oster Brink"
)
_GENERAL_MIDS = ("", "", "", "", "a", "e", "i", "o", "en", "er", "ing", "el")
_GENERAL_CODAS = _words(
    "son ton ley man er ell ers ford wood field ing ett ard berg stein ski ick ington dale "
    "worth by ham land more kins en ner ler well ridge brook mont ston ow ey sen ström quist "
    "baum hardt czyk enko ova ich off rud"
)
_HISPANIC_ONSETS = _words(
    "Al Ar Bar Bel Ca Car Cas Cer Del Es Fi Ga Gal Gu Ib Lo Ma Mar Me Mo Na Ol Pa Pe Que Ri "
    "Ro Sa Se So Ta Ur Va Ve Vi Za Be Cu Bo Ar Lu"
)
_HISPANIC_CODAS = _words(
    "rrera vedo lana neda brera dova rillo ceda nillas tierrez zman barra rales randa neses niz "
    "ntes rraza lazar ndoval tiz lderon squez nuela liente rgas rreon bajal llejo quero "
    "ballos villa"
)
_ASIAN_ONSETS = _words(
    "Ra Su Ba Ka Na Pa Cha Ma Sri Vi Ja Ha De Ku Pra Ga Ta Bha Ve Go Da Li Si Ag"
)
_ASIAN_CODAS = _words(
    "jan ndran mani nathan rma shan kar vedi dhar raman pati wal sal ri tri van lla nda "
    "nalo ngan yag ngco balo lacas tungan macho mpo"
)


def _tail(
    onsets: list[str], mids: tuple[str, ...], codas: list[str], n: int, salt: int
) -> list[str]:
    raw = {(o + m + c).capitalize() for o, m, c in itertools.product(onsets, mids, codas)}
    # Drop combinations no one would read as a name ("Robiington", "Saaber").
    names = sorted(r for r in raw if not any(v * 2 in r.lower() for v in "aiu"))
    order = np.random.default_rng(salt).permutation(len(names))
    return [names[i] for i in order[:n]]


@dataclass(frozen=True)
class Tables:
    surnames: dict[str, Weighted]  # by origin, head table and tail mixed
    given: dict[tuple[str, str], Weighted]  # by (origin, sex)
    middle: dict[str, Weighted]  # by sex: general-origin given names
    cities: np.ndarray  # object array of (city, state)
    city_state: np.ndarray
    city_zip: np.ndarray  # int zip base
    city_nzip: np.ndarray
    city_p: np.ndarray
    streets: Weighted
    hispanic_surnames: Weighted  # for the second half of compound surnames
    employers: Weighted


@functools.cache
def tables() -> Tables:
    """Load the shipped tables (cached; deterministic, independent of any seed)."""
    sur = _rows("surnames.csv")
    head_names = [r["name"] for r in sur]
    taken = set(head_names)
    tails = {
        "general": _tail(_GENERAL_ONSETS, _GENERAL_MIDS, _GENERAL_CODAS, 30000, 1),
        "hispanic": _tail(_HISPANIC_ONSETS, ("",), _HISPANIC_CODAS, 1200, 2),
        "asian": _tail(_ASIAN_ONSETS, ("",), _ASIAN_CODAS, 600, 3),
    }
    tails["black"] = tails["general"]
    surnames: dict[str, Weighted] = {}
    for origin in ORIGINS:
        hw = np.array([float(r[origin]) for r in sur])
        hw = hw / hw.sum() * (1 - TAIL_SHARE[origin])
        tail = [t for t in tails[origin] if t not in taken]
        tw = 1.0 / (np.arange(len(tail)) + 25.0)
        tw = tw / tw.sum() * TAIL_SHARE[origin]
        surnames[origin] = _weighted(head_names + tail, [*hw, *tw])

    giv = _rows("given_names.csv")
    given = {
        (o, s): _weighted(
            [r["name"] for r in giv if r["sex"] == s], [float(r[o]) for r in giv if r["sex"] == s]
        )
        for o in ORIGINS
        for s in ("M", "F")
    }
    middle = {
        s: _weighted(
            [r["name"] for r in giv if r["sex"] == s and " " not in r["name"]],
            [
                float(r["general"]) + 0.3 * float(r["hispanic"])
                for r in giv
                if r["sex"] == s and " " not in r["name"]
            ],
        )
        for s in ("M", "F")
    }
    cit = _rows("cities.csv")
    cw = np.array([float(r["weight"]) for r in cit])
    st = _rows("streets.csv")
    return Tables(
        surnames=surnames,
        given=given,
        middle=middle,
        cities=np.asarray([r["city"] for r in cit], dtype=object),
        city_state=np.asarray([r["state"] for r in cit], dtype=object),
        city_zip=np.array([int(r["zip"]) for r in cit]),
        city_nzip=np.array([int(r["nzip"]) for r in cit]),
        city_p=cw / cw.sum(),
        streets=_weighted([r["name"] for r in st], [float(r["weight"]) for r in st]),
        hispanic_surnames=_weighted([r["name"] for r in sur], [float(r["hispanic"]) for r in sur]),
        employers=_employers(head_names[:120], [r["city"] for r in cit]),
    )


_EMPLOYER_PREFIXES = _words(
    "Northside|Summit|Pioneer|Liberty|Riverbend|Cascade|Lone Star|Keystone|Golden State|Bayou|"
    "Magnolia|Prairie|Evergreen|Sunbelt|Atlantic|Pacific|Great Lakes|Blue Ridge|Desert|Coastal|"
    "Metro|Tri-County|Valley|Heartland|Capitol|Frontier|Harbor|Granite|Redwood|Mesa|Sierra|"
    "Midwest|Southern|Eastern|Western|United|American|National|Premier|Allied",
    "|",
)
_INDUSTRIES = _words(
    "Landscaping|Construction|Roofing|Logistics|Trucking|Medical Group|Health System|Dental|"
    "Foods|Poultry|Meat Packing|Dairy|Farms|Nursery|Restaurant Group|Cleaning Services|"
    "Staffing|Home Care|Auto Repair|Electric|Plumbing|Insurance|Realty|Manufacturing|Plastics|"
    "Steel|Textiles|Software|Consulting|Security Services|Hospitality|Hotels|Retail|Grocery|"
    "Pharmacy|Credit Union|Bank|Builders|Drywall|Concrete|Warehousing|Packaging",
    "|",
)
_CORP = ("LLC", "Inc", "Co", "Corp", "LP", "Group")


def _employers(surnames: list[str], cities: list[str]) -> Weighted:
    """Fictional employers, Zipf-weighted so a few are very large (as in real W-2 data)."""
    names: list[str] = []
    for i, (p, ind) in enumerate(itertools.product(_EMPLOYER_PREFIXES + surnames, _INDUSTRIES)):
        names.append(f"{p} {ind} {_CORP[i % len(_CORP)]}")
    names += [f"City of {c}" for c in sorted(set(cities))]
    names += [f"{c} Unified School District" for c in sorted(set(cities))]
    names = sorted(set(names))
    order = np.random.default_rng(4).permutation(len(names))
    vals = [names[i] for i in order]
    w = 1.0 / (np.arange(len(vals)) + 20.0)
    return _weighted(vals, list(w))
