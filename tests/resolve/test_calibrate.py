"""Calibration arithmetic: the Poisson upper bound and precision at a threshold."""

from __future__ import annotations

import pandas as pd
import pytest

from fti_gateway.resolve.calibrate import _upper, choose, measure
from fti_gateway.resolve.settings import ResolveSettings


@pytest.mark.parametrize(
    ("k", "bound"),
    # exact one-sided 95% Poisson upper limits (Garwood): 3.00, 4.74, 6.30, 7.75, 9.15
    [(0, 2.9957), (1, 4.7439), (2, 6.2958), (3, 7.7537), (4, 9.1535)],
)
def test_upper_bound_is_the_exact_poisson_limit(k: int, bound: float) -> None:
    assert _upper(k, 1) == pytest.approx(bound, abs=1e-3)
    assert _upper(k, 1000) == pytest.approx(_upper(k, 1) / 1000)


def test_measure_counts_right_and_wrong_at_a_threshold() -> None:
    per = pd.DataFrame(
        {
            "subject_id": ["a", "b", "c", "d"],
            # a: right; b: true below t; c: a stranger beats the true one; d: nothing
            "true_w": [30.0, 5.0, 20.0, -1e9],
            "f1": [-1e9, -1e9, 25.0, -1e9],
            "f2": [-1e9, -1e9, -1e9, -1e9],
        }
    )
    m = measure(per, 4, t=11.0, margin=10.0, share=0.5)
    assert m["recall"] == 0.25
    assert m["wrong_in_vault"] == 0  # c's stranger is within the margin of its true one
    assert m["wrong_absent"] == 1  # with its true taxpayer struck, c's stranger stands alone
    assert m["precision"] == pytest.approx(0.25 / (0.25 + 0.25))


def _copies(true_w: float, strangers: list[float], n: int) -> pd.DataFrame:
    """n copies whose own taxpayer scores ``true_w``; copy i also meets a lone stranger at
    ``strangers[i]`` (the rest meet none)."""
    f1 = strangers + [-1e9] * (n - len(strangers))
    return pd.DataFrame(
        {
            "subject_id": [f"c{i}" for i in range(n)],
            "true_w": [true_w] * n,
            "f1": f1,
            "f2": [-1e9] * n,
        }
    )


def test_copies_never_talk_the_threshold_below_the_theoretical_one() -> None:
    """Clean copies (no stranger anywhere near) would certify a threshold far below
    theory; the choice stays at theory."""
    s = ResolveSettings()
    m = choose(_copies(30.0, [], 50_000), 50_000, s)
    assert m["threshold"] == pytest.approx(s.threshold_bits)


def test_strangers_above_theory_raise_the_threshold() -> None:
    s = ResolveSettings()
    theory = s.threshold_bits
    # 40 strangers just above theory: too many for the bound, so t climbs past them
    m = choose(_copies(30.0, [theory + 1.0] * 40, 50_000), 50_000, s)
    assert m["threshold"] > theory + 1.0
    assert m["wrong_absent"] == 0
