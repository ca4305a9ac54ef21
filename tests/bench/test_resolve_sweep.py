"""The equal-precision sweep of the resolve benchmark (bench/resolve/sweep.py), on score
lists small enough to check by hand."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "resolve"))

import sweep

# six subjects, five of them in the vault: one always matched (a rule), a tie at 4.0 holding
# one right and one wrong candidate, one with no candidate at all
SCORES = pd.Series([5.0, 4.0, 4.0, 3.0, math.nan, math.inf])
CORRECT = pd.Series([True, True, False, True, False, True])


def test_curve_one_point_per_distinct_score_ties_taken_whole() -> None:
    pts = sweep.curve(SCORES, CORRECT, in_vault=5)
    got = [(p.threshold, p.matched, p.wrong, p.precision, p.recall) for p in pts]
    assert got == [
        (math.inf, 1, 0, 1.0, 0.2),
        (5.0, 2, 0, 1.0, 0.4),
        (4.0, 4, 1, 0.75, 0.6),
        (3.0, 5, 1, 0.8, 0.8),
    ]


def test_recall_at_precision_looks_past_the_first_crossing() -> None:
    pts = sweep.curve(SCORES, CORRECT, in_vault=5)
    # precision dips to 0.75 at 4.0 and recovers to 0.8 at 3.0: the best point ≥ 0.76 is 3.0
    p = sweep.recall_at_precision(pts, 0.76)
    assert p is not None and (p.threshold, p.recall, p.wrong) == (3.0, 0.8, 1)
    p = sweep.recall_at_precision(pts, 0.999)
    assert p is not None and (p.threshold, p.matched, p.recall) == (5.0, 2, 0.4)


def test_no_threshold_reaches_the_level() -> None:
    pts = sweep.curve(pd.Series([2.0, 1.0]), pd.Series([False, True]), in_vault=1)
    assert sweep.recall_at_precision(pts, 0.999) is None
    assert sweep.recall_at_precision(pts, 0.5) == pts[1]


def test_at_threshold_is_the_operating_point() -> None:
    pts = sweep.curve(SCORES, CORRECT, in_vault=5)
    p = sweep.at_threshold(pts, 3.5)  # matches the subjects scoring 5, 4, 4 and the rule's
    assert p is not None and (p.matched, p.wrong) == (4, 1)


def test_summary_records_levels_operating_point_and_curve() -> None:
    s = sweep.summary(SCORES, CORRECT, 5, operating=4.5)
    assert s["at_0.999"] == {
        "threshold": 5.0,
        "matched": 2,
        "wrong": 0,
        "precision": 1.0,
        "recall": 0.4,
    }
    assert s["operating"]["matched"] == 2  # type: ignore[index]
    assert s["curve"][0] == ["inf", 1.0, 0.2]  # type: ignore[index]
    json.dumps(s)  # the results file takes it as is


def test_thin_keeps_both_ends_and_the_level_points() -> None:
    n = 5000
    scores = pd.Series([float(n - i) for i in range(n)])
    correct = pd.Series([i != 10 for i in range(n)])  # one wrong candidate high up
    pts = sweep.curve(scores, correct, in_vault=n)
    thin = sweep.thin(pts, n=50)
    assert len(thin) < 120
    assert thin[0] == pts[0] and thin[-1] == pts[-1]
    assert sweep.recall_at_precision(pts, 0.9995) in thin


def _row(sid, tp, status, w, ru, reasons, pass_="probabilistic", best=None):  # type: ignore[no-untyped-def]
    e = {"threshold": 11.0, "margin": 10.0, "pass": pass_, "reasons": reasons}
    if best is not None:
        e["best"] = {"taxpayer_id": best, "weight": w}
    return {
        "subject_id": sid,
        "taxpayer_id": tp,
        "status": status,
        "match_weight": w,
        "runner_up_weight": ru,
        "explanation": json.dumps(e),
        "pass": pass_,
    }


def test_ours_scores_follow_the_rules() -> None:
    below = "best weight 8.0 is below the threshold 11.0"
    res = pd.DataFrame(
        [
            _row("a", "T1", "match", 4.0, None, ["deterministic rule: tin"], "deterministic", "T1"),
            _row("b", "T2", "match", 15.0, 1.0, [], best="T2"),
            _row("c", None, "no_match", 8.0, None, [below], best="T3"),
            _row("d", "T4", "ambiguous", 8.0, -3.0, [below, sweep_one()], best="T4"),
            # runner-up within the margin: review at any threshold the best would clear
            _row("e", None, "no_match", 8.0, 2.0, [below], best="T5"),
            _row("f", "T6", "ambiguous", 14.0, 1.0, ["a same-household namesake"], best="T6"),
            _row("g", None, "no_match", None, None, ["no candidate in the vault"]),
        ]
    )
    got = sweep.ours_scores(res)
    assert got["candidate"].tolist() == ["T1", "T2", "T3", "T4", "T5", "T6", None]
    s = got["score"].tolist()
    assert s[:4] == [math.inf, 15.0, 8.0, 8.0]
    assert all(math.isnan(x) for x in s[4:])
    # at the calibrated threshold the sweep gives back exactly today's matches (a and b)
    pts = sweep.curve(got["score"], pd.Series([True] * 7), in_vault=7)
    op = sweep.at_threshold(pts, 11.0)
    assert op is not None and op.matched == 2


def sweep_one() -> str:
    from fti_gateway.resolve.guard import ONE_CANDIDATE

    return ONE_CANDIDATE


def test_mark_correct() -> None:
    per = pd.DataFrame({"subject_id": ["1", "2", "3", "4"], "candidate": ["A", "B", None, "C"]})
    truth = pd.DataFrame({"subject_id": ["1", "2", "3", "4"], "taxpayer_id": ["A", "X", "C", None]})
    assert sweep.mark_correct(per, truth).tolist() == [True, False, False, False]
