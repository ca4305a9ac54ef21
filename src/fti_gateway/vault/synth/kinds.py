"""The request kinds ``fti synth request`` can write: who asks, under what, and how noisy.

``ice-2025`` is modelled on the 2025 DHS bulk request under 6103(i)(2) (see
shared/law/6103.md): a minority of subjects are taxpayers at all, identifiers are thin
and noisy, many addresses are placeholders, and one boilerplate reason covers most rows.
``criminal-i2`` is an ordinary, lawful (i)(2) request from a U.S. Attorney;
``child-support-l6`` a state child-support agency's (l)(6) request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: `fti synth request --help` lists the kinds without numpy
    import numpy as np

REQUEST_FORMAT = "fti/request/v1"

# Categories of subject: in the vault, or one of the kinds of "not in the vault".
CATEGORIES = ("vault", "household", "namesake", "junior", "tin_other_name", "fresh")


@dataclass(frozen=True)
class Noise:
    """Per-row probabilities of each kind of noise."""

    first_typo: float
    last_typo: float
    nickname: float
    swap_names: float
    compound_partial: float  # of rows with a compound surname
    accents: float
    drop_middle: float
    drop_suffix: float
    old_address: float  # of vault subjects who moved: the address before the move
    new_address: float  # an address the vault has never seen
    address_format: float
    upper: float
    dob_missing: float
    dob_digit: float
    dob_swap: float
    tin_present: float
    tin_wrong: float
    tin_dashes: float


@dataclass(frozen=True)
class Kind:
    name: str
    shares: dict[str, float]  # category -> share of subjects ("fresh" takes the rest)
    placeholder: float
    noise: Noise
    itin_bias: float  # share of vault subjects drawn from ITIN holders
    subject_reason_share: float  # rows with a subject-specific (not boilerplate) reason
    manifest: Callable[[int, str], dict[str, Any]]
    reason: Callable[[np.random.Generator, dict[str, Any]], str]
    boilerplate: str | None = None
    case_prefix: str = "CASE"
    # Origin mix (general, hispanic, black, asian) of the people who are not taxpayers;
    # None = the vault's own mix.
    fresh_origin_p: tuple[float, float, float, float] | None = None


ICE_BOILERPLATE = (
    "The individual is subject to a final order of removal and has not departed the United "
    "States; the last known address is needed to locate the individual in the investigation "
    "of a violation of 8 U.S.C. 1253(a)(1)."
)
_COURTS = (
    "Houston",
    "Chicago",
    "Miami",
    "Los Angeles",
    "San Antonio",
    "Atlanta",
    "Newark",
    "Dallas",
    "Phoenix",
    "New York",
    "Charlotte",
    "Denver",
    "Seattle",
    "Memphis",
)


def _date(rng: np.random.Generator, start: int, end: int) -> str:
    d = dt.date(start, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * (end - start))))
    return d.isoformat()


def _ice_reason(rng: np.random.Generator, row: dict[str, Any]) -> str:
    court = _COURTS[int(rng.integers(0, len(_COURTS)))]
    where = f"{row.get('city')}, {row.get('state')}" if row.get("city") else "an unknown location"
    return (
        f"Final order of removal entered {_date(rng, 2012, 2024)} by the {court} Immigration "
        f"Court (A-file ending {int(rng.integers(0, 10000)):04d}); the subject did not depart "
        f"within the period allowed and was last encountered in {where}."
    )


def _criminal_reason(rng: np.random.Generator, row: dict[str, Any]) -> str:
    amount = int(rng.integers(8, 900)) * 1000
    n = int(rng.integers(3, 40))
    templates = (
        f"Subject received {n} wire transfers totalling ${amount:,} from victims of the "
        "investment scheme under investigation; the W-2 employer will show whether the "
        "subject's claimed employment, used to solicit victims, was real.",
        f"Subject is identified in bank records as the holder of an account that received "
        f"${amount:,} in fraudulent proceeds; the address is needed to serve a grand jury "
        "subpoena and the employer to trace payroll deposits.",
        f"Subject's business email account sent {n} fraudulent invoices (loss ${amount:,}); "
        "employer records will establish whether the subject used an employer's systems.",
    )
    return templates[int(rng.integers(0, len(templates)))]


def _child_support_reason(rng: np.random.Generator, row: dict[str, Any]) -> str:
    arrears = int(rng.integers(2, 60)) * 500
    return (
        f"Non-custodial parent owes ${arrears:,} in arrears under support order "
        f"{int(rng.integers(100000, 999999))}; address, filing status and income are needed to "
        "establish and enforce the order."
    )


def _ice_manifest(seed: int, subjects: str) -> dict[str, Any]:
    return {
        "format": REQUEST_FORMAT,
        "id": f"DHS-ICE-2025-{seed:06d}",
        "received": dt.date(2025, 6, 4),
        "authority": "6103(i)(2)",
        "requester": {
            "agency": "DHS",
            "position": "agency-head",
            "official": "Jordan Avery",
            "title": "Secretary of Homeland Security",
            "in_writing": True,
            "signed": True,
        },
        "purpose": {
            "kind": "criminal-investigation",
            "statutes": ["8 U.S.C. 1253(a)(1)"],
            "reason": ICE_BOILERPLATE,
        },
        "taxable_periods": ["2022", "2023", "2024"],
        "elements": ["identity.address"],
        "court_order": None,
        "consent": None,
        "emergency": None,
        "subjects": subjects,
    }


def _criminal_manifest(seed: int, subjects: str) -> dict[str, Any]:
    return {
        "format": REQUEST_FORMAT,
        "id": f"DOJ-USAO-DC-2025-{seed:04d}",
        "received": dt.date(2025, 3, 12),
        "authority": "6103(i)(2)",
        "requester": {
            "agency": "DOJ",
            "position": "us-attorney",
            "official": "Morgan Ellis",
            "title": "United States Attorney, District of Columbia",
            "in_writing": True,
            "signed": True,
        },
        "purpose": {
            "kind": "criminal-investigation",
            "statutes": ["18 U.S.C. 1343"],
            "reason": "Investigation of a wire-fraud scheme targeting retirees (18 U.S.C. 1343).",
        },
        "taxable_periods": ["2022", "2023"],
        "elements": ["identity.address", "info_return.w2.employer"],
        "court_order": None,
        "consent": None,
        "emergency": None,
        "subjects": subjects,
    }


def _child_support_manifest(seed: int, subjects: str) -> dict[str, Any]:
    states = ("CA", "TX", "FL", "NY", "IL", "GA", "OH", "NC", "AZ", "WA")
    st = states[seed % len(states)]
    return {
        "format": REQUEST_FORMAT,
        "id": f"STATE-{st}-CSE-2025-{seed:05d}",
        "received": dt.date(2025, 9, 15),
        "authority": "6103(l)(6)",
        "requester": {
            "agency": f"STATE-{st}-CSE",
            "position": "cse-agency-head",
            "official": "Casey Lin",
            "title": f"Director, {st} Child Support Services",
            "in_writing": True,
            "signed": True,
        },
        "purpose": {
            "kind": "child-support",
            "statutes": ["42 U.S.C. 653", "42 U.S.C. 654"],
            "reason": "Locating non-custodial parents and establishing and collecting child support.",
        },
        "taxable_periods": ["2023", "2024"],
        "elements": [
            "identity.address",
            "identity.tin",
            "return.filing_status",
            "return.agi",
            "return.dependents",
        ],
        "court_order": None,
        "consent": None,
        "emergency": None,
        "subjects": subjects,
    }


KINDS: dict[str, Kind] = {
    "ice-2025": Kind(
        name="ice-2025",
        shares={
            "vault": 0.35,
            "household": 0.10,
            "namesake": 0.08,
            "junior": 0.04,
            "tin_other_name": 0.03,
        },
        placeholder=0.15,
        noise=Noise(
            first_typo=0.08,
            last_typo=0.06,
            nickname=0.10,
            swap_names=0.04,
            compound_partial=0.5,
            accents=0.15,
            drop_middle=0.6,
            drop_suffix=0.5,
            old_address=0.25,
            new_address=0.10,
            address_format=0.3,
            upper=0.35,
            dob_missing=0.2,
            dob_digit=0.05,
            dob_swap=0.04,
            tin_present=0.35,
            tin_wrong=0.06,
            tin_dashes=0.4,
        ),
        itin_bias=0.4,
        subject_reason_share=0.15,
        manifest=_ice_manifest,
        reason=_ice_reason,
        boilerplate=ICE_BOILERPLATE,
        case_prefix="ERO",
        # The 2025 lists were mostly Hispanic names, which also collide most often.
        fresh_origin_p=(0.15, 0.65, 0.10, 0.10),
    ),
    "criminal-i2": Kind(
        name="criminal-i2",
        shares={
            "vault": 0.80,
            "household": 0.04,
            "namesake": 0.04,
            "junior": 0.02,
            "tin_other_name": 0.01,
        },
        placeholder=0.0,
        noise=Noise(
            first_typo=0.02,
            last_typo=0.02,
            nickname=0.05,
            swap_names=0.005,
            compound_partial=0.3,
            accents=0.02,
            drop_middle=0.3,
            drop_suffix=0.2,
            old_address=0.05,
            new_address=0.02,
            address_format=0.3,
            upper=0.2,
            dob_missing=0.05,
            dob_digit=0.01,
            dob_swap=0.01,
            tin_present=0.9,
            tin_wrong=0.01,
            tin_dashes=0.5,
        ),
        itin_bias=0.0,
        subject_reason_share=1.0,
        manifest=_criminal_manifest,
        reason=_criminal_reason,
        case_prefix="2025R",
    ),
    "child-support-l6": Kind(
        name="child-support-l6",
        shares={
            "vault": 0.70,
            "household": 0.05,
            "namesake": 0.05,
            "junior": 0.02,
            "tin_other_name": 0.02,
        },
        placeholder=0.03,
        noise=Noise(
            first_typo=0.04,
            last_typo=0.03,
            nickname=0.08,
            swap_names=0.01,
            compound_partial=0.4,
            accents=0.05,
            drop_middle=0.4,
            drop_suffix=0.3,
            old_address=0.2,
            new_address=0.05,
            address_format=0.3,
            upper=0.3,
            dob_missing=0.05,
            dob_digit=0.02,
            dob_swap=0.02,
            tin_present=0.85,
            tin_wrong=0.03,
            tin_dashes=0.3,
        ),
        itin_bias=0.0,
        subject_reason_share=1.0,
        manifest=_child_support_manifest,
        reason=_child_support_reason,
        case_prefix="CSE",
    ),
}

# Placeholders seen in the 2025 file (shared/law/6103.md, "What a usable address is").
PLACEHOLDER_STREETS = (
    "Failed to Provide",
    "Unknown Address",
    "NA NA",
    "N/A",
    "None",
    "Unknown",
    "TBD",
    "No address",
    "Don't care 12345",
)
# ICE detention facilities (public addresses), given as if they were a residence.
DETENTION_FACILITIES = (
    ("18201 SW 12th St", "Miami", "FL", "33194"),
    ("10400 Rancho Rd", "Adelanto", "CA", "92301"),
    ("7488 Calzada de la Fuente", "San Diego", "CA", "92154"),
    ("566 Veterans Dr", "Pearsall", "TX", "78061"),
    ("146 CCA Rd", "Lumpkin", "GA", "31815"),
    ("830 Pinehill Rd", "Jena", "LA", "71342"),
    ("1623 E J St", "Tacoma", "WA", "98421"),
    ("625 Evans St", "Elizabeth", "NJ", "07201"),
    ("27991 Buena Vista Blvd", "Los Fresnos", "TX", "78566"),
    ("3130 N Oakland St", "Aurora", "CO", "80010"),
)
