"""The per-request cap on single-candidate reviews.

A subject whose one plausible candidate falls short of the threshold goes to review
(:mod:`.guard`), but review is people's time: an office sets how many such items one
request may raise (``ResolveSettings.candidate_review_cap``). The cap is applied once per
request, after every chunk, so the items kept do not depend on chunking: the heaviest
candidates (the likeliest to be the person) stay, ties broken by subject id; the rest go
back to ``no_match`` with the reason "review cap reached" and ``candidate_review`` =
"over_cap", so every figure can count them apart from subjects with no candidate at all.
"""

from __future__ import annotations

import json

import pandas as pd

#: The reason added to a single-candidate review turned back by the cap.
CAP_REACHED = "review cap reached"


def cap_candidates(matches: pd.DataFrame, cap: int) -> pd.DataFrame:
    """``matches`` with single-candidate reviews beyond the ``cap`` heaviest turned to
    ``no_match`` (their explanation keeps the candidate, for the record, with the reason)."""
    sent = matches.index[matches["candidate_review"] == "review"]
    if len(sent) <= cap:
        return matches
    order = matches.loc[sent, ["match_weight", "subject_id"]].assign(
        w=lambda d: -d["match_weight"].astype(float), s=lambda d: d["subject_id"].astype(str)
    )
    over = order.sort_values(["w", "s"], kind="stable").index[cap:]
    out = matches.copy()
    out.loc[over, "status"] = "no_match"
    out.loc[over, "taxpayer_id"] = None
    out.loc[over, "runner_up_taxpayer_id"] = None
    out.loc[over, "candidate_review"] = "over_cap"
    out.loc[over, "explanation"] = [_with_reason(e) for e in out.loc[over, "explanation"]]
    return out


def _with_reason(explanation: str) -> str:
    e = json.loads(explanation)
    e["reasons"] = [*e.get("reasons", []), CAP_REACHED]
    return json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def outcome_counts(matches: pd.DataFrame) -> dict[str, int]:
    """Subjects by what happened to them, in the words every figure uses: ``matched``;
    ``to review`` (of which ``one candidate``: a lone candidate short of the threshold);
    ``no candidate`` (of which ``review cap reached``). A matches file without the
    ``candidate_review`` column (a peer's) has none of the two sub-counts."""
    status = matches["status"].astype(str)
    note = (
        matches["candidate_review"]
        if "candidate_review" in matches.columns
        else pd.Series(None, index=matches.index, dtype=object)
    )
    return {
        "matched": int((status == "match").sum()),
        "to review": int((status == "ambiguous").sum()),
        "one candidate": int(((status == "ambiguous") & (note == "review")).sum()),
        "no candidate": int((status == "no_match").sum()),
        CAP_REACHED: int(((status == "no_match") & (note == "over_cap")).sum()),
    }


def describe(counts: dict[str, int], cap: int | None = None) -> str:
    """One line for people: ``matched 5, to review 3 (1 a lone candidate), no candidate 2 (1
    over the review cap of 1)``."""
    review = f"to review {counts['to review']:,}"
    if counts["one candidate"]:
        review += f" ({counts['one candidate']:,} a lone candidate)"
    none = f"no candidate {counts['no candidate']:,}"
    if counts[CAP_REACHED]:
        of = f" of {cap:,}" if cap is not None else ""
        none += f" ({counts[CAP_REACHED]:,} over the review cap{of})"
    return f"matched {counts['matched']:,}, {review}, {none}"
