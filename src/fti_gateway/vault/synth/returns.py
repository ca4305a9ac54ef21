"""Return items, information returns and IRS data for each taxpayer-year row.

Values are plausible, not actuarial: wages log-normal around the US median, AGI built
from wages, interest and other income, tax from a simplified bracket schedule, most
people with no balance due and no examination. The (i)(6) flags are rare and held per
taxpayer, as an open investigation or an informant relationship would be.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fti_gateway.vault.schema import EXAMINATION_STATUSES, FILING_STATUSES

OPEN_INVESTIGATION_SHARE = 0.002
INFORMANT_SHARE = 0.0005
_EXAM_P = np.array([0.975, 0.007, 0.010, 0.008])
_BRACKETS = np.array([0, 11_000, 44_725, 95_375, 182_100, 231_250, 578_125, np.inf])
_RATES = np.array([0.10, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37])
# Standard deduction by filing-status code (2023 amounts).
_STD_DEDUCTION = np.array([13_850, 27_700, 13_850, 20_800, 27_700], dtype=float)


@dataclass
class PersonEconomics:
    """Per-person traits that persist across years."""

    employed: np.ndarray  # bool
    base_wage: np.ndarray
    employer_a: np.ndarray  # index into the employer table
    employer_b: np.ndarray
    switch_year: np.ndarray
    has_interest: np.ndarray
    interest_base: np.ndarray
    other_income: np.ndarray
    filing_status: np.ndarray  # code into FILING_STATUSES
    dependents: np.ndarray
    open_investigation: np.ndarray
    informant: np.ndarray


def person_economics(
    rng: np.random.Generator,
    age: np.ndarray,
    married: np.ndarray,
    head: np.ndarray,
    n_employers: int,
    employer_p: np.ndarray,
) -> PersonEconomics:
    n = len(age)
    p_emp = np.where(age >= 65, 0.35, np.where(age < 22, 0.6, 0.8))
    employed = rng.random(n) < p_emp
    deps = np.where(
        (head | married) & (age >= 22) & (age <= 58), np.clip(rng.poisson(0.9, n), 0, 6), 0
    )
    mfs = rng.random(n) < 0.1
    status = np.where(married, np.where(mfs, 2, 1), np.where(deps > 0, 3, 0))
    widowed = (~married) & (age > 60) & (rng.random(n) < 0.01)
    status = np.where(widowed, 4, status)
    return PersonEconomics(
        employed=employed,
        base_wage=np.exp(rng.normal(10.75, 0.65, n)),
        employer_a=rng.choice(n_employers, n, p=employer_p),
        employer_b=rng.choice(n_employers, n, p=employer_p),
        switch_year=np.where(rng.random(n) < 0.35, rng.integers(2022, 2025, n), 9999),
        has_interest=rng.random(n) < np.where(age >= 50, 0.5, 0.28),
        interest_base=np.exp(rng.normal(3.7, 1.5, n)),
        other_income=np.where(
            rng.random(n) < np.where(employed, 0.1, 0.45), np.exp(rng.normal(9.4, 1.0, n)), 0.0
        ),
        filing_status=status,
        dependents=deps,
        open_investigation=rng.random(n) < OPEN_INVESTIGATION_SHARE,
        informant=rng.random(n) < INFORMANT_SHARE,
    )


def _tax(taxable: np.ndarray, joint: np.ndarray) -> np.ndarray:
    scale = np.where(joint, 2.0, 1.0)
    tax = np.zeros_like(taxable)
    for lo, hi, rate in zip(_BRACKETS[:-1], _BRACKETS[1:], _RATES, strict=True):
        tax += rate * np.clip(taxable - lo * scale, 0, (hi - lo) * scale)
    return tax


def yearly_items(
    rng: np.random.Generator, e: PersonEconomics, person: np.ndarray, year: np.ndarray
) -> dict[str, np.ndarray]:
    """Element columns for rows (``person[i]`` in tax ``year[i]``); NaN = not reported."""
    r = len(person)
    growth = 1.03 ** (year - 2021) * np.exp(rng.normal(0, 0.08, r))
    employed = e.employed[person] ^ (rng.random(r) < 0.06)
    wages = np.where(employed, np.round(e.base_wage[person] * growth, 2), np.nan)
    employer = np.where(year < e.switch_year[person], e.employer_a[person], e.employer_b[person])
    interest = np.where(
        e.has_interest[person],
        np.round(e.interest_base[person] * np.exp(rng.normal(0, 0.3, r)), 2),
        np.nan,
    )
    other = e.other_income[person] * np.exp(rng.normal(0, 0.25, r))
    loss = rng.random(r) < 0.01
    agi = np.nan_to_num(wages) + np.nan_to_num(interest) + other
    agi = np.round(np.where(loss, -np.exp(rng.normal(8.5, 1.0, r)), agi), 0)
    status = e.filing_status[person]
    deps = e.dependents[person]
    std = _STD_DEDUCTION[status]
    taxable = np.maximum(agi - std, 0)
    tax = np.maximum(_tax(taxable, (status == 1) | (status == 4)) - 2000 * deps, 0)
    has_balance = rng.random(r) < 0.12
    balance = np.where(has_balance, np.round(np.exp(rng.normal(7.3, 1.2, r)), 2), 0.0)
    exam = rng.choice(len(EXAMINATION_STATUSES), r, p=_EXAM_P)
    return {
        "return.filing_status": np.asarray(FILING_STATUSES, dtype=object)[status],
        "return.agi": agi,
        "return.dependents": deps.astype(np.int32),
        "return.total_tax": np.round(tax, 0),
        "info_return.w2.employer": employer,  # index; the caller maps it to a name
        "info_return.w2.wages": wages,
        "info_return.1099int.interest": interest,
        "irs.examination_status": np.asarray(EXAMINATION_STATUSES, dtype=object)[exam],
        "irs.balance_due": balance,
        "irs.open_tax_investigation": e.open_investigation[person],
        "irs.confidential_informant": e.informant[person],
    }
