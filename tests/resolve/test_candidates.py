"""A lone plausible candidate short of the threshold goes to review, within the request's
cap; never to a match. Guard rule, cap and counts on hand-made rows; end to end on the
small vault."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from fti_gateway.resolve import ResolveSettings, resolve
from fti_gateway.resolve.candidates import CAP_REACHED, cap_candidates, describe, outcome_counts
from fti_gateway.resolve.guard import ONE_CANDIDATE, Candidate, decide
from tests.resolve.fixtures import FakeVault
from tests.resolve.test_guard import _ARGS as GUARD_ARGS
from tests.resolve.test_guard import M, T

ARGS: dict = {**GUARD_ARGS, "candidate_floor": 0.0}


def _c(tp: str, w: float) -> Candidate:
    return Candidate(tp, w, 0.5)


@pytest.mark.parametrize("weight", [0.0, 0.5, 5.0, T - M - 0.1, T - 0.01])
def test_a_lone_plausible_candidate_goes_to_review_with_its_reason(weight: float) -> None:
    v = decide([_c("A", weight), _c("B", -3.0)], **ARGS)
    assert (v.status, v.best and v.best.taxpayer_id, v.one_candidate) == ("ambiguous", "A", True)
    assert v.reasons[-1] == ONE_CANDIDATE
    assert any("below the threshold" in r for r in v.reasons)


@pytest.mark.parametrize(
    ("cands", "why"),
    [
        ([_c("A", -0.1)], "below the floor: not plausible"),
        ([_c("A", 6.0), _c("B", 0.0)], "two plausible candidates: not one"),
        ([], "nobody"),
    ],
)
def test_otherwise_no_candidate(cands: list[Candidate], why: str) -> None:
    v = decide(cands, **ARGS)
    assert (v.status, v.one_candidate) == ("no_match", False), why


def test_off_without_a_floor_and_never_a_match() -> None:
    assert decide([_c("A", 5.0)], **{**ARGS, "candidate_floor": None}).status == "no_match"
    # a strong pick is unaffected: the rule only ever turns "no match" into "review"
    strong = decide([_c("A", 30.0)], **ARGS)
    assert (strong.status, strong.one_candidate) == ("match", False)


def _rows(weights: dict[str, float | None]) -> pd.DataFrame:
    """Match rows: a weight → a lone-candidate review of taxpayer T-<id>; None → no match."""
    rows = []
    for sid, w in weights.items():
        sent = w is not None
        rows.append(
            {
                "subject_id": sid,
                "taxpayer_id": f"T-{sid}" if sent else None,
                "status": "ambiguous" if sent else "no_match",
                "match_weight": w,
                "runner_up_taxpayer_id": None,
                "explanation": json.dumps({"reasons": [ONE_CANDIDATE] if sent else []}),
                "candidate_review": "review" if sent else None,
            }
        )
    return pd.DataFrame(rows)


def test_the_cap_keeps_the_heaviest_and_says_why_for_the_rest() -> None:
    m = _rows({"a": 3.0, "b": 9.0, "c": None, "d": 5.0, "e": 5.0})
    out = cap_candidates(m, 2).set_index("subject_id")
    # b (9.0) and d (5.0; ties broken by subject id) stay; e and a go back
    assert list(out.index[out["candidate_review"] == "review"]) == ["b", "d"]
    assert list(out.index[out["candidate_review"] == "over_cap"]) == ["a", "e"]
    for sid in ("a", "e"):
        assert out.loc[sid, "status"] == "no_match" and out.loc[sid, "taxpayer_id"] is None
        assert json.loads(out.loc[sid, "explanation"])["reasons"][-1] == CAP_REACHED
    assert outcome_counts(out.reset_index()) == {
        "matched": 0,
        "to review": 2,
        "one candidate": 2,
        "no candidate": 3,
        CAP_REACHED: 2,
    }
    # the same subjects in another order (another chunking): the same ones kept
    again = cap_candidates(m.iloc[::-1].reset_index(drop=True), 2)
    assert set(again.loc[again["candidate_review"] == "review", "subject_id"]) == {"b", "d"}
    assert cap_candidates(m, 3).equals(m) is False and cap_candidates(m, 4).equals(m)


def test_describe_counts_apart() -> None:
    counts = {"matched": 5, "to review": 3, "one candidate": 1, "no candidate": 2, CAP_REACHED: 1}
    assert describe(counts, 1) == (
        "matched 5, to review 3 (1 a lone candidate), no candidate 2 (1 over the review cap of 1)"
    )
    counts = {"matched": 1, "to review": 0, "one candidate": 0, "no candidate": 0, CAP_REACHED: 0}
    assert describe(counts) == "matched 1, to review 0, no candidate 0"


@pytest.mark.slow
def test_end_to_end_candidates_are_reviews_within_the_cap(
    small_vault: tuple[FakeVault, Path], master_rows: pd.DataFrame
) -> None:
    """Subjects that give only a name and a ZIP reach a candidate but not corroboration:
    review with that candidate, or — over the cap, or with the rule off — no candidate;
    never a match."""
    vault, models = small_vault
    people = master_rows.drop_duplicates("taxpayer_id").head(40)
    subjects = pd.DataFrame(
        {
            "subject_id": [f"s{i}" for i in range(len(people))],
            "first_name": people["first_name"].tolist(),
            "last_name": people["last_name"].tolist(),
            "zip": people["zip"].tolist(),
        }
    )
    base = ResolveSettings()
    off = resolve(
        subjects, vault, models_dir=models, settings=replace(base, candidate_floor_bits=None)
    )
    on = resolve(subjects, vault, models_dir=models, settings=base)
    sent = on[on["candidate_review"] == "review"]
    assert len(sent) > 0, "the data must exercise the rule"
    assert (sent["status"] == "ambiguous").all() and sent["taxpayer_id"].notna().all()
    assert all(ONE_CANDIDATE in json.loads(e)["reasons"] for e in sent["explanation"])
    # the rule only moves "no match" to "review": matches are the same subjects
    assert set(on.loc[on["status"] == "match", "subject_id"]) == set(
        off.loc[off["status"] == "match", "subject_id"]
    )
    assert set(sent["subject_id"]) <= set(off.loc[off["status"] == "no_match", "subject_id"])
    truth = dict(zip(subjects["subject_id"], people["taxpayer_id"].astype(str), strict=True))
    right = sum(truth[s] == t for s, t in zip(sent["subject_id"], sent["taxpayer_id"], strict=True))
    assert right >= len(sent) * 0.9, "the candidate offered is, nearly always, the person"
    capped = resolve(
        subjects, vault, models_dir=models, settings=replace(base, candidate_review_cap=1)
    )
    counts = outcome_counts(capped)
    assert counts["one candidate"] == 1
    assert counts[CAP_REACHED] == len(sent) - 1
    kept = capped.loc[capped["candidate_review"] == "review", "match_weight"].iloc[0]
    assert kept == sent["match_weight"].max()
