"""Calibration arithmetic: the Poisson upper bound and precision at a threshold."""

from __future__ import annotations

import pandas as pd
import pytest

from fti_gateway.resolve.calibrate import _upper, measure


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
