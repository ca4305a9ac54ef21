"""The guard's rules, one at a time, on hand-made candidates."""

from __future__ import annotations

from fti_gateway.resolve.guard import Candidate, decide

T, M = 11.0, 10.0
_ARGS: dict = dict(
    threshold=T,
    margin=M,
    deterministic=None,
    subject_has_dob=True,
    namesakes={},
    tin_conflict_ids=set(),
)


def _c(tp: str, w: float, **kw: object) -> Candidate:
    return Candidate(tp, w, 0.99, {}, **kw)  # type: ignore[arg-type]


def _decide(cands: list[Candidate], **kw: object) -> tuple[str, str | None, str | None]:
    v = decide(cands, **{**_ARGS, **kw})
    return (
        v.status,
        (v.best.taxpayer_id if v.best else None),
        (v.runner_up.taxpayer_id if v.runner_up else None),
    )


def test_clear_winner_matches() -> None:
    assert _decide([_c("A", 30), _c("B", 5)]) == ("match", "A", "B")


def test_runner_up_within_margin_is_ambiguous_with_both() -> None:
    assert _decide([_c("A", 30), _c("B", 25)]) == ("ambiguous", "A", "B")


def test_below_threshold_is_no_match() -> None:
    assert _decide([_c("A", 9)])[0] == "no_match"
    assert _decide([])[0] == "no_match"


def test_namesake_without_dob_is_ambiguous_even_below_threshold() -> None:
    status, best, other = _decide([_c("SR", 9)], subject_has_dob=False, namesakes={"SR": "JR"})
    assert (status, best, other) == ("ambiguous", "SR", "JR")
    # the TIN tells them apart
    assert (
        _decide([_c("SR", 30, tin_equal=True)], subject_has_dob=False, namesakes={"SR": "JR"})[0]
        == "match"
    )


def test_namesake_risk_is_ambiguous_with_its_reason_unless_policy_off() -> None:
    risky = _c("A", 30, namesake_risk="the dates of birth disagree")
    v = decide([risky], **_ARGS)
    assert (v.status, v.reasons[-1]) == ("ambiguous", "the dates of birth disagree")
    assert _decide([risky], require_corroboration=False)[0] == "match"


def test_first_names_disagreeing_is_ambiguous() -> None:
    assert _decide([_c("A", 30, first_name_differs=True)])[0] == "ambiguous"


def test_tin_of_another_name_strikes_that_taxpayer() -> None:
    status, best, _ = _decide([_c("A", 40), _c("B", 30)], tin_conflict_ids={"A"})
    assert best == "B" and status == "ambiguous"
    assert _decide([_c("A", 40)], tin_conflict_ids={"A"})[0] == "no_match"


def test_a_typo_explains_a_tin_that_landed_on_a_stranger() -> None:
    """B's own TIN is one typo from the subject's and the DOB is equal: the conflict with
    A (who holds the typed TIN) is a mistyped TIN, and B is the match; A never is."""
    cands = [_c("A", 40), _c("B", 30, tin_typo=True)]
    assert _decide(cands, tin_conflict_ids={"A"})[:2] == ("match", "B")
    assert _decide([_c("A", 40, tin_typo=True)], tin_conflict_ids={"A"})[0] == "no_match"


def test_deterministic_pick_is_kept_but_a_stronger_other_makes_it_ambiguous() -> None:
    assert _decide([_c("A", 5), _c("B", -3)], deterministic="tin+name", deterministic_tp="A")[
        :2
    ] == ("match", "A")
    assert _decide([_c("B", 40), _c("A", 35)], deterministic="tin+name", deterministic_tp="A")[
        :2
    ] == ("ambiguous", "A")


def test_a_deterministic_pick_without_a_scored_pair_goes_to_review() -> None:
    """No pair means no weight and no explanation: the rule alone never discloses."""
    assert _decide([], deterministic="tin+name", deterministic_tp="A")[:2] == ("ambiguous", "A")
    assert _decide([_c("B", 40)], deterministic="tin+name", deterministic_tp="A") == (
        "ambiguous",
        "A",
        "B",
    )


def test_a_tin_holder_with_another_dob_is_never_passed_over_silently() -> None:
    # its pair fell below the floor: review, not "no candidate"
    assert _decide([], tin_dob_holder="A")[:2] == ("ambiguous", "A")
    # someone else has the stronger evidence: the TIN says A, the rest says B
    assert _decide([_c("B", 40), _c("A", 2)], tin_dob_holder="A") == ("ambiguous", "B", "A")
    # A is the pick but short of the threshold: review, not no_match
    assert _decide([_c("A", 4)], tin_dob_holder="A")[:2] == ("ambiguous", "A")
    # A is the pick and strong: the other rules decide (here nothing objects)
    assert _decide([_c("A", 30, tin_equal=True)], tin_dob_holder="A")[:2] == ("match", "A")


def test_a_tin_holder_struck_for_its_name_but_sharing_the_dob_goes_to_review() -> None:
    """ "Li Rogers" with Elizabeth Rogers' TIN and DOB: not a match (another first name), not
    dropped either."""
    assert _decide([_c("A", 40, dob_equal=True)], tin_conflict_ids={"A"}) == (
        "ambiguous",
        "A",
        None,
    )
    # without the DOB nothing says it is her: struck, and nobody else
    assert _decide([_c("A", 40)], tin_conflict_ids={"A"})[0] == "no_match"
    # someone else matches on the rest: the usual conflict rule holds them for review
    assert _decide([_c("A", 40, dob_equal=True), _c("B", 30)], tin_conflict_ids={"A"})[:2] == (
        "ambiguous",
        "B",
    )
