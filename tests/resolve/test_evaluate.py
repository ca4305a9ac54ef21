from __future__ import annotations

import pandas as pd
import pytest

from fti_gateway.core.errors import InputError
from fti_gateway.resolve import evaluate


def test_precision_recall_f1_arithmetic() -> None:
    truth = pd.DataFrame(
        {
            "subject_id": ["1", "2", "3", "4", "5", "6"],
            "taxpayer_id": ["A", "B", "C", "D", None, ""],
        }
    )
    matches = pd.DataFrame(
        {
            "subject_id": ["1", "2", "3", "4", "5", "6"],
            "taxpayer_id": ["A", "X", "C", None, "E", None],
            "status": ["match", "match", "ambiguous", "no_match", "match", "no_match"],
        }
    )
    ev = evaluate(matches, truth)
    # matched: 1 (right), 2 (wrong), 5 (wrong: not in vault); ambiguous 3 is not a match.
    assert (ev.matched, ev.correct, ev.wrong, ev.in_vault) == (3, 1, 2, 4)
    assert ev.precision == pytest.approx(1 / 3)
    assert ev.recall == pytest.approx(1 / 4)
    assert ev.f1 == pytest.approx(2 * (1 / 3) * (1 / 4) / (1 / 3 + 1 / 4))
    assert ev.by_status == {"ambiguous": 1, "match": 3, "no_match": 2}


def test_missing_columns_name_the_file() -> None:
    with pytest.raises(InputError) as e:
        evaluate(
            pd.DataFrame({"subject_id": ["1"]}),
            pd.DataFrame({"subject_id": ["1"], "taxpayer_id": ["A"]}),
        )
    assert e.value.where == "matches"


def test_outcomes_are_counted_apart_and_review_right_is_the_offered_pick() -> None:
    truth = pd.DataFrame({"subject_id": ["1", "2", "3", "4", "5"], "taxpayer_id": list("ABCDE")})
    matches = pd.DataFrame(
        {
            "subject_id": ["1", "2", "3", "4", "5"],
            "taxpayer_id": ["A", "B", "X", None, None],
            "status": ["match", "ambiguous", "ambiguous", "no_match", "no_match"],
            "candidate_review": [None, "review", None, "over_cap", None],
        }
    )
    ev = evaluate(matches, truth)
    assert ev.outcomes == {
        "matched": 1,
        "to review": 2,
        "one candidate": 1,
        "no candidate": 2,
        "review cap reached": 1,
    }
    assert ev.review_right == 1  # subject 2 offers B (right); subject 3 offers X (wrong)
    # a peer's file without the column: no sub-counts, the three outcomes still apart
    peer = evaluate(matches.drop(columns="candidate_review"), truth).outcomes
    assert (peer["to review"], peer["one candidate"], peer["review cap reached"]) == (2, 0, 0)
