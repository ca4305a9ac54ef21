"""Precision and recall at every threshold of a system's own score (issue 20: compare
systems at equal precision, not at each one's own operating point).

Every system hands over, per subject, its best candidate's score and whether that candidate
is the subject's true person (``per_subject``). A threshold ``t`` "matches" every subject whose
score is ≥ ``t``; precision is over those, recall over subjects whose person is in the vault
(the benchmark's present definition, so the figure at a system's own threshold equals its
reported one). Subjects with no candidate carry a missing score and are never matched;
``+inf`` marks a subject matched whatever the threshold (ours: a deterministic rule).

Ties matter: many subjects share a score (recordlinkage ECM has at most 2⁶ distinct
probabilities), and a threshold cannot split them, so the curve has one point per distinct
score, never one per subject.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

LEVELS = (0.999, 0.9995)


@dataclass(frozen=True)
class Point:
    """One threshold: subjects with score ≥ ``threshold`` are matched."""

    threshold: float
    matched: int
    wrong: int
    precision: float
    recall: float


def curve(scores: pd.Series, correct: pd.Series, in_vault: int) -> list[Point]:
    """All (threshold, precision, recall) points, highest threshold first, one per distinct
    finite score (``+inf`` scores are matched at every point, NaN never). ``correct``: the
    subject's candidate is its true person."""
    s = pd.to_numeric(scores, errors="coerce").to_numpy(dtype=float)
    c = correct.to_numpy(dtype=bool)
    keep = ~np.isnan(s)
    s, c = s[keep], c[keep]
    always = np.isposinf(s)
    base_m, base_ok = int(always.sum()), int(c[always].sum())
    s, c = s[~always], c[~always]
    order = np.argsort(-s, kind="stable")
    s, c = s[order], c[order]
    cum_m = np.arange(1, len(s) + 1)
    cum_ok = np.cumsum(c)
    # the last index of each run of equal scores: a threshold takes the whole tie
    last = np.flatnonzero(np.r_[s[1:] != s[:-1], True]) if len(s) else np.array([], int)
    out = []
    if base_m:
        out.append(_point(math.inf, base_m, base_ok, in_vault))
    for i in last:
        out.append(_point(float(s[i]), base_m + int(cum_m[i]), base_ok + int(cum_ok[i]), in_vault))
    return out


def _point(t: float, matched: int, ok: int, in_vault: int) -> Point:
    return Point(
        threshold=t,
        matched=matched,
        wrong=matched - ok,
        precision=ok / matched if matched else 1.0,
        recall=ok / in_vault if in_vault else 0.0,
    )


def recall_at_precision(points: list[Point], level: float) -> Point | None:
    """The point of highest recall among thresholds whose precision is ≥ ``level`` (ties in
    recall: the higher threshold, i.e. fewer wrong). ``None``: no threshold reaches it.
    Precision is not monotone in the threshold, so every point is looked at, not only the
    first crossing."""
    best: Point | None = None
    for p in points:
        if p.matched and p.precision >= level and (best is None or p.recall > best.recall):
            best = p
    return best


def at_threshold(points: list[Point], t: float) -> Point | None:
    """The point for threshold ``t`` (the lowest-threshold point still ≥ ``t``)."""
    above = [p for p in points if p.threshold >= t]
    return above[-1] if above else None


def thin(points: list[Point], n: int = 300) -> list[Point]:
    """At most about ``n`` points for a chart: evenly spaced in recall, plus both ends and
    every point where precision is at a 0.999/0.9995 level's edge. The full curve stays
    recomputable from the per-subject scores; the chart only needs its shape."""
    if len(points) <= n:
        return points
    keep = {0, len(points) - 1}
    step = 1.0 / n
    nxt = 0.0
    for i, p in enumerate(points):
        if p.recall >= nxt:
            keep.add(i)
            nxt = p.recall + step
    for level in LEVELS:
        b = recall_at_precision(points, level)
        if b is not None:
            keep.add(points.index(b))
    return [points[i] for i in sorted(keep)]


def summary(
    scores: pd.Series, correct: pd.Series, in_vault: int, *, operating: float | None = None
) -> dict[str, object]:
    """What the results JSON keeps: recall at each precision level (with its threshold and
    matched/wrong counts), the operating point when known, and a thinned curve."""
    pts = curve(scores, correct, in_vault)
    out: dict[str, object] = {}
    for level in LEVELS:
        b = recall_at_precision(pts, level)
        out[f"at_{level}"] = None if b is None else _json(b)
    if operating is not None:
        p = at_threshold(pts, operating)
        out["operating"] = None if p is None else _json(p)
    out["curve"] = [
        [_num(p.threshold), round(p.precision, 6), round(p.recall, 6)] for p in thin(pts)
    ]
    return out


def _num(x: float) -> float | str:
    return "inf" if math.isinf(x) else round(x, 6)


def _json(p: Point) -> dict[str, object]:
    d = asdict(p)
    d["threshold"] = _num(p.threshold)
    return d


# --- the scores each system hands over ----------------------------------------------------


def ours_scores(res: pd.DataFrame) -> pd.DataFrame:
    """Ours, from what ``resolve`` returns (no change to the resolver): per subject the best
    candidate (``taxpayer_id``, or for a subject not matched the explanation's ``best``), and
    the score swept — its ``match_weight`` — among the subjects its rules would let match:

    - a match by a deterministic rule: ``+inf`` (the rule decides whatever the weight);
    - a probabilistic match: its weight;
    - a subject turned back only because its weight is below the threshold (its reasons are
      "below the threshold", possibly with "one plausible candidate"): its weight, unless its
      runner-up (``runner_up_weight``) is within the margin — then the margin check sends it
      to review at any threshold it would clear, so it is never matched;
    - every other subject (review for a household namesake, a runner-up, a first-name or
      TIN conflict; no candidate): never matched (NaN).

    Above the calibrated threshold the sweep is exact (a probabilistic match stays one while
    its weight clears the threshold). Below it, the guard's margin check is re-applied from
    the returned runner-up weight (``best − runner-up < margin`` and ``runner-up ≥ t − margin``
    → review), but its namesake, first-name and household checks are not (the candidate's
    level codes are not returned): that part of the curve is ours with a lower threshold and
    only the margin rule."""
    rows = []
    passes = res["pass"] if "pass" in res else pd.Series([None] * len(res), index=res.index)
    for sid, tp, status, w, ru, expl, pass_ in zip(
        res["subject_id"],
        res["taxpayer_id"],
        res["status"],
        res["match_weight"],
        res["runner_up_weight"],
        res["explanation"],
        passes,
        strict=True,
    ):
        e = json.loads(expl) if isinstance(expl, str) else {}
        best = e.get("best") or {}
        cand = tp if isinstance(tp, str) else best.get("taxpayer_id")
        score = math.nan
        if status == "match":
            score = math.inf if pass_ == "deterministic" else float(w)
        elif _given(w) and _only_threshold(e.get("reasons", [])):
            score = float(w)
            if _given(ru) and float(w) - float(ru) < float(e["margin"]):
                # matched needs w ≥ t, but then the runner-up (> w − margin ≥ t − margin)
                # is within the margin and above t − margin: review at every t
                score = math.nan
        rows.append((sid, cand, score))
    return pd.DataFrame(rows, columns=["subject_id", "candidate", "score"])


def _given(x: object) -> bool:
    return x is not None and not pd.isna(x)  # type: ignore[call-overload]


def _only_threshold(reasons: list[str]) -> bool:
    from fti_gateway.resolve.guard import ONE_CANDIDATE

    return any("below the threshold" in x for x in reasons) and all(
        "below the threshold" in x or x == ONE_CANDIDATE for x in reasons
    )


def mark_correct(per_subject: pd.DataFrame, truth: pd.DataFrame) -> pd.Series:
    """Whether each subject's candidate is its true person (truth: subject_id, taxpayer_id;
    an empty taxpayer_id = not in the vault, so any candidate is wrong)."""
    t = dict(
        zip(
            truth["subject_id"].astype(str),
            truth["taxpayer_id"].where(truth["taxpayer_id"].notna(), None),
            strict=True,
        )
    )
    sid = per_subject["subject_id"].astype(str)
    cand = per_subject["candidate"]
    return pd.Series(
        [
            c is not None and not pd.isna(c) and t.get(s) is not None and str(c) == str(t.get(s))
            for s, c in zip(sid, cand, strict=True)
        ],
        index=per_subject.index,
    )
