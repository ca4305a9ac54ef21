"""Calibrate the match-weight threshold on held-out synthetic copies (once per vault).

The theoretical threshold log2(p/(1-p)) is exact only if Splink's independence assumption
held; names, addresses and ZIPs are correlated, so weights run hot. We therefore score a
held-out set of requester-style copies (a different seed from training) against the whole
vault and measure, for each candidate threshold *t*:

- an **in-vault** subject is right when its own taxpayer scores ≥ t and beats every other
  candidate by the margin; wrong when a stranger does;
- an **absent** subject (the same copy with its own taxpayer struck out — the hardest kind
  of stranger, since namesakes and relatives remain) is wrong when a stranger scores ≥ t
  with the margin.

Precision(t) = π·right / (π·right + π·wrong_in + (1-π)·wrong_absent) with π the assumed
in-vault share. The calibrated threshold is the smallest t, from the theoretical one up, whose
*lower confidence bound* on measured precision (wrong rates taken at about their 95% upper
bound, rule of three when none is seen) reaches the target — never below the theoretical
one (see :func:`choose`). The chosen threshold and the measured rates are saved in
``meta.json``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from fti_gateway.resolve.backends.duckdb import DuckDBBackend
from fti_gateway.resolve.index import VaultIndex, VaultLike
from fti_gateway.resolve.levels import bottom, level_codes, namesake_risks
from fti_gateway.resolve.scoring import Scorer, level_weights, load_model
from fti_gateway.resolve.settings import ResolveSettings
from fti_gateway.resolve.subjects import prepare


def _per_subject(
    pairs: pd.DataFrame,
    truth: dict[str, str],
    namesakes: set[tuple[str, str]],
    guarded: set[str],
    require_corroboration: bool,
) -> pd.DataFrame:
    """Best true / best two false weights per copy. ``pairs`` carry ``risky`` (the guard's
    namesake rule), ``fn_differs`` and ``tin_equal``. A false candidate that is a
    same-household namesake of the true taxpayer is dropped for ``guarded`` copies (no DOB,
    no TIN): the production guard sends those to review, so they are not wrong matches."""
    if require_corroboration:
        # A pick at risk of being a household namesake is sent to review by the guard:
        # never a match either way.
        pairs = pairs[~pairs["risky"]]
    # Likewise a pick whose first name flatly differs (and whose TIN is not equal).
    pairs = pairs[~(pairs["fn_differs"] & ~pairs["tin_equal"])]
    best = pairs.groupby(["subject_id", "taxpayer_id"], as_index=False)["match_weight"].max()
    best["true_tp"] = best["subject_id"].map(truth)
    best["is_true"] = best["taxpayer_id"] == best["true_tp"]
    shielded = [
        sid in guarded and (tt, tp) in namesakes
        for sid, tt, tp in zip(
            best["subject_id"], best["true_tp"], best["taxpayer_id"], strict=True
        )
    ]
    best = best[~pd.Series(shielded, index=best.index)]
    rows = []
    for sid, g in best.groupby("subject_id"):
        t = g.loc[g["is_true"], "match_weight"]
        f = np.sort(g.loc[~g["is_true"], "match_weight"].to_numpy())[::-1]
        rows.append(
            {
                "subject_id": sid,
                "true_w": float(t.iloc[0]) if len(t) else -1e9,
                "f1": float(f[0]) if len(f) > 0 else -1e9,
                "f2": float(f[1]) if len(f) > 1 else -1e9,
            }
        )
    return pd.DataFrame(rows, columns=["subject_id", "true_w", "f1", "f2"])


def _upper(k: int, n: int, confidence: float = 0.95) -> float:
    """The exact one-sided Poisson upper bound on a rate seen ``k`` times in ``n`` (k = 0
    gives the rule of three): the λ at which seeing ``k`` or fewer has probability
    1 − ``confidence``, by bisection on the Poisson CDF."""

    def cdf(lam: float) -> float:
        term = total = math.exp(-lam)
        for i in range(1, k + 1):
            term *= lam / i
            total += term
        return total

    lo, hi = 0.0, k + 10.0 * math.sqrt(k + 1) + 10.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) > 1 - confidence else (lo, mid)
    return hi / max(n, 1)


def measure(per: pd.DataFrame, n: int, t: float, margin: float, share: float) -> dict[str, float]:
    """Right/wrong rates at threshold ``t`` (``n`` copies; those with no candidate count as
    missed and as harmless strangers) and a lower bound on precision from the upper bounds
    of both wrong rates."""
    tw, f1, f2 = per["true_w"].to_numpy(), per["f1"].to_numpy(), per["f2"].to_numpy()
    right = int(((tw >= t) & (tw - f1 >= margin)).sum())
    wrong_in = int(((f1 >= t) & (f1 - np.maximum(tw, f2) >= margin)).sum())
    wrong_abs = int(((f1 >= t) & (f1 - f2 >= margin)).sum())
    r = right / n
    denom = share * r + share * wrong_in / n + (1 - share) * wrong_abs / n
    lb_denom = share * r + share * _upper(wrong_in, n) + (1 - share) * _upper(wrong_abs, n)
    return {
        "threshold": float(t),
        "recall": float(r),
        "wrong_in_vault": wrong_in,
        "wrong_absent": wrong_abs,
        "precision": float(share * r / denom) if denom > 0 else 1.0,
        "precision_lower_bound": float(share * r / lb_denom) if lb_denom > 0 else 0.0,
    }


def choose(per: pd.DataFrame, n: int, settings: ResolveSettings) -> dict[str, float]:
    """The smallest threshold, from the theoretical one up, whose lower bound on precision
    over the copies reaches the target (the point estimate if no bound can).

    Only up. The copies can show weights running hot (strangers above the theoretical
    threshold: names, addresses and ZIPs are correlated), never that it is safe to believe
    less than the model's own odds: their strangers are whoever else the vault holds, while
    real requests bring people chosen to look like taxpayers (namesakes one DOB digit
    away, common names sharing a birthday). Taken both ways, the 1M × 100k benchmark's
    copies lowered the threshold to 4.7 bits and its requests then met 27 wrong matches
    (precision 0.9992); from the theoretical 11.0 bits, 2 (0.99994)."""
    theory, target = settings.threshold_bits, settings.target_precision
    grid = [
        measure(per, n, theory + 0.25 * i, settings.margin_bits, settings.in_vault_share)
        for i in range(0, 4 * 30 + 1)
    ]
    bounded = (m for m in grid if m["precision_lower_bound"] >= target)
    # The bound is out of reach: fall back to the point estimate.
    estimated = (m for m in grid if m["precision"] >= target)
    return next(bounded, next(estimated, grid[-1]))


def calibrate(
    vault: VaultLike, idx: VaultIndex, settings: ResolveSettings, n_taxpayers: int, n: int
) -> dict[str, Any]:
    from fti_gateway.resolve.training import RAW_COLS, corrupt, sample

    # n copies even from a small vault: people are reused, each copy corrupted afresh.
    people = min(n, n_taxpayers)
    latest, addresses = sample(idx, settings, vault, people, settings.seed + 1)
    rounds = []
    for r in range(-(-n // max(people, 1))):
        c = corrupt(latest, addresses, settings.seed + 1 + 7919 * r)
        c["copy_id"] = f"r{r}-" + c["copy_id"]
        rounds.append(c)
    copies = pd.concat(rounds, ignore_index=True).iloc[:n]
    truth = dict(zip(copies["copy_id"], copies["taxpayer_id"], strict=True))
    subjects = copies[["copy_id", *RAW_COLS]].rename(columns={"copy_id": "subject_id"})
    prior = min(0.5, settings.in_vault_share / max(n_taxpayers, 1))
    model = load_model(idx.model_path, prior)
    prepared = prepare(subjects)
    guarded = set(prepared.loc[prepared["dob_s"].isna() & prepared["tin"].isna(), "subject_id"])
    backend = DuckDBBackend(idx, settings)
    try:
        backend.load("cal", prepared)
        pairs = Scorer(backend, model).score("cal", floor=-20.0)
        ns = backend.query("SELECT taxpayer_id, other_id FROM namesakes")
    finally:
        backend.close()
    namesakes = set(zip(ns["taxpayer_id"], ns["other_id"], strict=True))
    levels = level_weights(model)
    codes = level_codes(pairs, levels)
    pairs["fn_differs"] = codes["first_name"] == bottom(levels, "first_name")
    pairs["tin_equal"] = codes["tin"] == 0
    risks = namesake_risks(pairs, codes, levels, strict=settings.strict_corroboration)
    pairs["risky"] = pd.notna(risks)
    per = _per_subject(pairs, truth, namesakes, guarded, settings.require_corroboration)
    theory = settings.threshold_bits
    chosen = choose(per, len(copies), settings)
    at_theory = measure(per, len(copies), theory, settings.margin_bits, settings.in_vault_share)
    return {
        "calibrated_threshold": chosen["threshold"],
        "calibration": {
            "copies": len(copies),
            "people": people,
            "resolution": 1.0 / max(len(copies), 1),
            "theoretical_threshold": theory,
            "at_theoretical": at_theory,
            "at_calibrated": chosen,
            "in_vault_share": settings.in_vault_share,
            "margin_bits": settings.margin_bits,
        },
    }
