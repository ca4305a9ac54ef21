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
in-vault share. The calibrated threshold is the smallest t ≥ the theoretical one whose
measured precision reaches the target; it and the measured rates are saved in ``meta.json``.
With n copies the measurement cannot see error rates much below 1/n: the meta file says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fti_gateway.resolve.backends.duckdb import DuckDBBackend
from fti_gateway.resolve.index import VaultIndex, VaultLike
from fti_gateway.resolve.scoring import Scorer, load_model
from fti_gateway.resolve.settings import ResolveSettings
from fti_gateway.resolve.subjects import prepare


def _per_subject(
    pairs: pd.DataFrame,
    truth: dict[str, str],
    namesakes: set[tuple[str, str]],
    guarded: set[str],
    require_corroboration: bool,
) -> pd.DataFrame:
    """Best true / best two false weights per copy. A false candidate that is a same-household
    namesake of the true taxpayer is dropped for ``guarded`` copies (no DOB, no TIN): the
    production guard sends those to review, so they are not wrong matches."""
    from fti_gateway.resolve.cascade import corroborated

    pairs = pairs.copy()
    pairs["ok"] = [
        corroborated({"mw_dob": d, "mw_tin": t})
        for d, t in zip(pairs["mw_dob"], pairs["mw_tin"], strict=True)
    ]
    if require_corroboration:
        # An uncorroborated pick is sent to review by the guard: never a match either way.
        pairs = pairs[pairs["ok"]]
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


def measure(per: pd.DataFrame, n: int, t: float, margin: float, share: float) -> dict[str, float]:
    """Right/wrong rates at threshold ``t`` (``n`` copies; those with no candidate count as
    missed and as harmless strangers)."""
    tw, f1, f2 = per["true_w"].to_numpy(), per["f1"].to_numpy(), per["f2"].to_numpy()
    right = ((tw >= t) & (tw - f1 >= margin)).sum() / n
    wrong_in = ((f1 >= t) & (f1 - np.maximum(tw, f2) >= margin)).sum() / n
    wrong_abs = ((f1 >= t) & (f1 - f2 >= margin)).sum() / n
    denom = share * right + share * wrong_in + (1 - share) * wrong_abs
    precision = (share * right) / denom if denom > 0 else 1.0
    return {
        "threshold": float(t),
        "recall": float(right),
        "wrong_in_vault_rate": float(wrong_in),
        "wrong_absent_rate": float(wrong_abs),
        "precision": float(precision),
    }


def calibrate(
    vault: VaultLike, idx: VaultIndex, settings: ResolveSettings, n_taxpayers: int, n: int
) -> dict[str, Any]:
    from fti_gateway.resolve.training import RAW_COLS, corrupt, sample

    latest, addresses = sample(idx, settings, vault, n, settings.seed + 1)
    copies = corrupt(latest, addresses, settings.seed + 1)
    truth = dict(zip(copies["copy_id"], copies["taxpayer_id"], strict=True))
    subjects = copies[["copy_id", *RAW_COLS]].rename(columns={"copy_id": "subject_id"})
    prior = min(0.5, settings.in_vault_share / max(n_taxpayers, 1))
    model = load_model(idx.model_path, prior)
    prepared = prepare(subjects)
    guarded = set(prepared.loc[prepared["dob_s"].isna() & prepared["tin"].isna(), "subject_id"])
    backend = DuckDBBackend(idx, settings)
    try:
        backend.load("cal", prepared)
        pairs = Scorer(backend, model).score("cal", narrow=False, floor=-20.0)
        ns = backend.query("SELECT taxpayer_id, other_id FROM namesakes")
    finally:
        backend.close()
    namesakes = set(zip(ns["taxpayer_id"], ns["other_id"], strict=True))
    per = _per_subject(pairs, truth, namesakes, guarded, settings.require_corroboration)
    theory = settings.threshold_bits
    grid = [theory + 0.25 * i for i in range(0, 161)]
    chosen = None
    for t in grid:
        m = measure(per, len(copies), t, settings.margin_bits, settings.in_vault_share)
        if m["precision"] >= settings.target_precision:
            chosen = m
            break
    if chosen is None:
        chosen = measure(per, len(copies), grid[-1], settings.margin_bits, settings.in_vault_share)
    at_theory = measure(per, len(copies), theory, settings.margin_bits, settings.in_vault_share)
    return {
        "calibrated_threshold": chosen["threshold"],
        "calibration": {
            "copies": len(copies),
            "resolution": 1.0 / max(len(copies), 1),
            "theoretical_threshold": theory,
            "at_theoretical": at_theory,
            "at_calibrated": chosen,
            "in_vault_share": settings.in_vault_share,
            "margin_bits": settings.margin_bits,
        },
    }
