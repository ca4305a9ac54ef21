"""The ambiguity guard: turn scored candidates into match / no_match / ambiguous.

Precision first. A subject is a ``match`` only when *all* hold:
1. its best taxpayer's weight reaches the calibrated threshold (or a deterministic rule chose
   it);
2. the best beats the runner-up taxpayer by ``margin_bits``;
3. it is not a same-household namesake pick that nothing but the name supports (no DOB and
   no exact TIN): Sr and Jr are indistinguishable then → ``ambiguous``;
4. nothing suggests an unfiled household namesake (a Jr who files no return looks exactly
   like his father on name and address): the DOB or TIN agrees, or — with neither given —
   name and address agree closely and no Jr/Sr suffix is on one side only; and the birth
   years are not a generation apart (:func:`.levels.namesake_risks`). Otherwise the pick is
   ``ambiguous`` (``require_corroboration``; on by default);
5. the first names do not flatly disagree (equal, nickname, one or two edits, an initial
   or missing all pass; transposed names are scored as such): a sibling or twin in the same
   household shares surname, address and sometimes DOB, and only the first name tells them
   apart — unless the TIN agrees exactly, such a pick is ``ambiguous``;
6. the subject's TIN does not belong to a taxpayer whose name is incompatible with the
   subject ("a TIN belonging to a different name is not a match"): that taxpayer is struck,
   and if someone else would match, the conflict goes to review (``ambiguous``) — unless
   that someone's own TIN is one typo from the subject's and the DOB agrees: in a dense
   TIN space a mistyped TIN often lands on a stranger's, and the typo explains it. With
   nobody else strong enough, a struck holder who shares the subject's exact DOB goes to
   review rather than vanishing (a nickname or a changed name the rules do not know);
7. the subject's TIN does not belong to a taxpayer whose name agrees but whose date of birth
   does not (a typo, or a son giving his father's TIN), unless that taxpayer is the pick:
   the TIN says one person and the rest of the evidence another (or nobody) → ``ambiguous``.
``ambiguous`` results carry both candidates.

Short of all that, a subject whose best taxpayer is still *plausible* (weight at least
``candidate_floor``: posterior odds of at least even, the prior included) and the only
plausible one is not ``no_match`` but ``ambiguous`` with :data:`ONE_CANDIDATE` among its
reasons (``one_candidate`` set): a person sees the candidate and its explanation on the
review desk. Never a match — the evidence did not reach the threshold. How many such items
one request may raise is capped afterwards (:mod:`.candidates`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Candidate:
    taxpayer_id: str
    weight: float
    probability: float
    #: the pair's row in the scored-pairs table (its explanation is read from there)
    row: int = -1
    tin_equal: bool = False
    #: why this pick could be a household namesake (None: nothing suggests one)
    namesake_risk: str | None = None
    first_name_differs: bool = False
    #: the subject's TIN is one typo or swap from this taxpayer's, and the DOB agrees
    tin_typo: bool = False
    dob_equal: bool = False


def _unscored(taxpayer_id: str) -> Candidate:
    """A taxpayer named by a rule or a table, with no scored pair (no weight, no waterfall)."""
    return Candidate(taxpayer_id, float("nan"), float("nan"))


#: The reason a lone plausible candidate goes to review instead of "no candidate".
ONE_CANDIDATE = "one plausible candidate, short of corroboration: a person decides"


@dataclass
class Verdict:
    status: str
    best: Candidate | None
    runner_up: Candidate | None
    reasons: list[str] = field(default_factory=list)
    #: an ``ambiguous`` verdict for a lone plausible candidate (subject to the review cap)
    one_candidate: bool = False


def _short(
    best: Candidate, second: Candidate | None, reasons: list[str], floor: float | None
) -> Verdict:
    """A best pick below the threshold: review when it is the only plausible candidate
    (``floor`` set, best at or above it, no runner-up at or above it), else no match."""
    if floor is not None and best.weight >= floor and (second is None or second.weight < floor):
        return Verdict("ambiguous", best, second, [*reasons, ONE_CANDIDATE], one_candidate=True)
    return Verdict("no_match", best, second, reasons)


def decide(
    candidates: list[Candidate],
    *,
    threshold: float,
    margin: float,
    deterministic: str | None,
    deterministic_tp: str | None = None,
    subject_has_dob: bool,
    namesakes: dict[str, str],
    tin_conflict_ids: set[str],
    require_corroboration: bool = True,
    tin_dob_holder: str | None = None,
    candidate_floor: float | None = None,
) -> Verdict:
    """``candidates``: best pair per taxpayer; ``namesakes``: taxpayers with a same-household
    namesake; ``tin_conflict_ids``: taxpayers holding the subject's TIN under another name;
    ``tin_dob_holder``: the taxpayer holding it under a compatible name but another DOB;
    ``candidate_floor``: the weight from which a lone candidate short of the threshold goes
    to review (None: it is no match, as before)."""
    reasons: list[str] = []
    pool = [c for c in candidates if c.taxpayer_id not in tin_conflict_ids]
    if tin_conflict_ids:
        reasons.append("the subject's TIN belongs to a taxpayer with a different name")
    pool.sort(key=lambda c: (-c.weight, c.taxpayer_id))
    if deterministic_tp is not None:
        # A deterministic rule chose this taxpayer: it is the pick; the others compete only
        # through the margin (a higher-scoring other makes it ambiguous).
        pool.sort(key=lambda c: c.taxpayer_id != deterministic_tp)
    best = pool[0] if pool else None
    second = pool[1] if len(pool) > 1 else None
    if tin_dob_holder is not None:
        held = next((c for c in pool if c.taxpayer_id == tin_dob_holder), None)
        if held is None or held is not best or held.weight < threshold:
            # Scored, such a pair falls short of the threshold or below the floor (it then
            # vanishes: "no candidate"), or loses to someone with the right DOB: the TIN
            # says one person and the rest of the evidence another, or nobody.
            reasons.append(
                f"the subject's TIN belongs to {tin_dob_holder} under a name that agrees, "
                "but the dates of birth disagree"
            )
            if held is None:
                return Verdict("ambiguous", _unscored(tin_dob_holder), best, reasons)
            return Verdict("ambiguous", best, held if held is not best else second, reasons)
    if deterministic_tp is not None and (best is None or best.taxpayer_id != deterministic_tp):
        # The rule's pick has no scored pair, so no weight and no explanation: a person decides.
        reasons.append(
            f"deterministic rule {deterministic} chose a taxpayer its scoring did not reach"
        )
        return Verdict("ambiguous", _unscored(deterministic_tp), best, reasons)
    # Struck for its name, the TIN's holder may still share the subject's exact DOB: a name
    # the rules do not know ("Li" for Elizabeth, a changed surname) — a person decides.
    struck = [c for c in candidates if c.taxpayer_id in tin_conflict_ids and c.dob_equal]
    if struck and (best is None or (deterministic is None and best.weight < threshold)):
        held = max(struck, key=lambda c: (c.weight, c.taxpayer_id))
        reasons.append(f"{held.taxpayer_id} holds the TIN under another name, with the same DOB")
        return Verdict("ambiguous", held, best, reasons)
    if best is None:
        return Verdict("no_match", None, None, [*reasons, "no candidate in the vault"])
    strong = deterministic is not None or best.weight >= threshold
    # The review band [threshold - margin, threshold) catches same-household namesakes:
    # evidence good enough to say "one of these two", never enough to say which.
    if not strong and best.weight < threshold - margin:
        reasons.append(f"best weight {best.weight:.1f} is below the threshold {threshold:.1f}")
        return _short(best, second, reasons, candidate_floor)
    if best.taxpayer_id in namesakes and not subject_has_dob and not best.tin_equal:
        twin = namesakes[best.taxpayer_id]
        other = next((c for c in pool if c.taxpayer_id == twin), None)
        other = other or _unscored(twin)
        reasons.append(
            "a same-household namesake (e.g. Sr/Jr) exists and no DOB or TIN tells them apart"
        )
        return Verdict("ambiguous", best, other, reasons)
    if not strong:
        reasons.append(f"best weight {best.weight:.1f} is below the threshold {threshold:.1f}")
        return _short(best, second, reasons, candidate_floor)
    if deterministic:
        reasons.append(f"deterministic rule: {deterministic}")
    if (
        second is not None
        and best.weight - second.weight < margin
        and second.weight >= threshold - margin
    ):
        reasons.append(
            f"runner-up {second.taxpayer_id} is within {best.weight - second.weight:.1f} bits "
            f"(margin {margin:.0f})"
        )
        return Verdict("ambiguous", best, second, reasons)
    if require_corroboration and best.namesake_risk is not None:
        reasons.append(best.namesake_risk)
        return Verdict("ambiguous", best, second, reasons)
    if best.first_name_differs and not best.tin_equal:
        reasons.append(
            "the first names disagree: a sibling or twin in the household cannot be ruled out"
        )
        return Verdict("ambiguous", best, second, reasons)
    if tin_conflict_ids:
        if best.tin_typo:
            reasons.append(
                "this taxpayer's TIN is one typo from the subject's and the DOB agrees: "
                "a mistyped TIN"
            )
            return Verdict("match", best, second, reasons)
        return Verdict(
            "ambiguous", best, second, [*reasons, "name points to one taxpayer, TIN to another"]
        )
    return Verdict("match", best, second, reasons)
