"""Dispositions: what a person decided on a ``review``, taken by the law stage as input.

A decision is recomputed from the request *and* the dispositions, never edited by hand:
``decide(..., dispositions=...)`` runs every check as before, then each open question a
disposition answers turns into a finding that cites its rule and the disposition
(``cleared on review (<ref>)`` / ``refused on review (<ref>)``). The law knows nothing of
officers, passwords or ledgers: a :class:`Disposition` is plain data, and who may make
one is the review desk's business (a later stage).

What a disposition can address (its ``kind`` and ``key``):

- ``request``: a request-level finding, keyed ``<rule>#<n>`` (the n-th request-level
  finding under that rule, in the authority's fixed order). Subject rows held under the
  same rule (bulk boilerplate) follow the request-level answer: it is one question.
- ``element``: a data element held for review, keyed by the element id.
- ``subject``: one subject's own review, keyed by the subject id (with the rule).
- ``match``: an ambiguous identity match, keyed by the subject id; approving it names
  the ``candidate`` taxpayer, and the post-resolution bars run on that taxpayer.

Only a ``review`` can be answered. A ``fail`` is a bright line the statute draws (a
placeholder address under (i)(2)(B)(i), a signer the registry does not allow): approving
one raises :class:`BrightLineError`, here as at the desk, so no path around the desk can
release what the law refuses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from fti_gateway.core.errors import InputError
from fti_gateway.law.decision import Decision
from fti_gateway.law.findings import Finding, Result, SubjectResult

KINDS = ("request", "element", "subject", "match")
OUTCOMES = ("approve", "deny")
MATCH_RULE = "6103(a)"


@dataclass
class BrightLineError(InputError):
    """A disposition tried to approve what the law refuses outright (a ``fail``)."""


@dataclass(frozen=True)
class Disposition:
    """A person's answer to one open question; ``ref`` is what findings cite."""

    kind: str
    key: str
    rule: str
    outcome: str
    ref: str
    candidate: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"unknown disposition kind {self.kind!r}", hint=", ".join(KINDS))
        if self.outcome not in OUTCOMES:
            raise InputError(f"a disposition approves or denies, not {self.outcome!r}")
        if self.kind == "match" and self.outcome == "approve" and not self.candidate:
            raise InputError(
                f"approving the match of subject {self.key!r} needs the chosen taxpayer",
                hint="name it with --candidate TAXPAYER (one of the candidates shown)",
            )

    @property
    def approved(self) -> bool:
        return self.outcome == "approve"


def request_keys(findings: Iterable[Finding]) -> list[str]:
    """Each request-level finding's key ``<rule>#<n>``, in order (others get "")."""
    seen: dict[str, int] = {}
    keys: list[str] = []
    for f in findings:
        if f.level != "request":
            keys.append("")
            continue
        n = seen.get(f.rule, 0)
        seen[f.rule] = n + 1
        keys.append(f"{f.rule}#{n}")
    return keys


def element_of(finding: Finding) -> str | None:
    """The element an element-level finding is about (the engine writes it first)."""
    if finding.level != "element":
        return None
    head = finding.message.split(":", 1)[0]
    return head.removesuffix(" refused").strip() or None


def _index(dispositions: Sequence[Disposition]) -> dict[tuple[str, str], Disposition]:
    return {(d.kind, d.key): d for d in dispositions}


def _refuse_bright_line(d: Disposition, what: str, message: str) -> None:
    raise BrightLineError(
        f"{what} is refused outright under {d.rule} ({message}); a bright-line failure "
        "cannot be approved on review",
        where=d.ref,
        hint="only findings whose result is 'review' are open to a person",
    )


def cleared(d: Disposition, message: str) -> str:
    verb = "cleared" if d.approved else "refused"
    return f"{verb} on review ({d.ref}): {message}"


@dataclass
class Settled:
    """The law stage's parts after the dispositions were applied."""

    findings: list[Finding]
    allowed: list[str]
    refused: dict[str, str]
    held: dict[str, str]
    frame: pd.DataFrame


def settle(
    findings: list[Finding],
    allowed: list[str],
    refused: dict[str, str],
    held: dict[str, str],
    frame: pd.DataFrame,
    dispositions: Sequence[Disposition],
) -> Settled:
    """Apply request-, element- and subject-level dispositions to the law's own results."""
    index = _index(dispositions)
    allowed, refused, held = list(allowed), dict(refused), dict(held)
    out: list[Finding] = []
    governing: dict[str, Disposition | None] = {}
    for f, key in zip(findings, request_keys(findings), strict=True):
        d = index.get(("request", key)) if key else None
        element = element_of(f)
        if element is not None:
            d = index.get(("element", element))
        if d is None or f.result is Result.PASS:
            out.append(f)
            if key and f.result is Result.REVIEW:
                governing[f.rule] = None
            continue
        if f.result is Result.FAIL:
            if d.approved:
                _refuse_bright_line(d, f"the request ({key or element})", f.message)
            out.append(f)
            continue
        result = Result.PASS if d.approved else Result.FAIL
        out.append(Finding(f.rule, result, cleared(d, f.message), level=f.level))
        if key:
            governing[f.rule] = d
        elif element is not None and element in held:
            del held[element]
            if d.approved:
                allowed.append(element)
            else:
                refused[element] = d.rule
    frame = _governed(frame, governing)
    frame = apply_subject_dispositions(frame, dispositions)
    return Settled(out, allowed, refused, held, frame)


def _governed(frame: pd.DataFrame, governing: dict[str, Disposition | None]) -> pd.DataFrame:
    """Subject rows held under a rule that a request-level review also raises (bulk
    boilerplate) follow the request-level answer."""
    answered = {rule: d for rule, d in governing.items() if d is not None}
    if not answered:
        return frame
    frame = frame.copy()
    result = frame["result"].to_numpy(dtype=object)
    rule = frame["rule"].to_numpy(dtype=object)
    for r, d in answered.items():
        mask = (result == SubjectResult.REVIEW.value) & (rule == r)
        if mask.any():
            frame.loc[mask, "result"] = d.outcome
            frame.loc[mask, "message"] = [cleared(d, str(m)) for m in frame.loc[mask, "message"]]
    return frame


def apply_subject_dispositions(
    frame: pd.DataFrame, dispositions: Sequence[Disposition]
) -> pd.DataFrame:
    """Each subject disposition answers that subject's review under its rule. Run on the
    law's table and again after resolution (a (c) bar or a missing flag holds a subject
    only then); a row already answered is left as it is."""
    subject = [d for d in dispositions if d.kind == "subject"]
    if not subject or frame.empty:
        return frame
    result = frame["result"].to_numpy(dtype=object).copy()
    message = frame["message"].to_numpy(dtype=object).copy()
    rule = frame["rule"].to_numpy(dtype=object)
    pos = pd.Index(frame["subject_id"]).get_indexer([d.key for d in subject])
    for d, i in zip(subject, pos.tolist(), strict=True):
        if i < 0 or rule[i] != d.rule:
            continue
        if result[i] == SubjectResult.DENY.value and d.approved:
            _refuse_bright_line(d, f"subject {d.key!r}", str(message[i]))
        if result[i] == SubjectResult.REVIEW.value:
            result[i], message[i] = d.outcome, cleared(d, str(message[i]))
    return frame.assign(result=result, message=message)


def settle_matches(matches: pd.DataFrame, dispositions: Sequence[Disposition]) -> pd.DataFrame:
    """The resolver's rows with each answered ambiguous match settled: approved → a match
    to the chosen taxpayer (whose facts the bars then check), denied → no match."""
    chosen = {d.key: d for d in dispositions if d.kind == "match"}
    if not chosen or matches.empty:
        return matches
    m = matches.copy()
    m["taxpayer_id"] = m["taxpayer_id"].astype(object)
    ambiguous = (m["status"] == "ambiguous").to_numpy()
    ids = m["subject_id"].astype(str).to_numpy()
    for sid, d in chosen.items():
        mask = ambiguous & (ids == sid)
        if not mask.any():
            continue
        m.loc[mask, "status"] = "match" if d.approved else "no_match"
        m.loc[mask, "taxpayer_id"] = d.candidate if d.approved else None
    return m


def cite_matches(frame: pd.DataFrame, dispositions: Sequence[Disposition]) -> pd.DataFrame:
    """After the bars: each answered match's row cites the disposition that chose (or
    refused) the taxpayer, whatever the bars then said."""
    chosen = [d for d in dispositions if d.kind == "match"]
    if not chosen or frame.empty:
        return frame
    message = frame["message"].to_numpy(dtype=object).copy()
    pos = pd.Index(frame["subject_id"]).get_indexer([d.key for d in chosen])
    for d, i in zip(chosen, pos.tolist(), strict=True):
        if i < 0:
            continue
        if d.approved:
            note = f"taxpayer {d.candidate} chosen on review ({d.ref})"
        else:
            note = f"no candidate confirmed on review ({d.ref}); nothing is disclosed"
        message[i] = f"{note}: {message[i]}"
    return frame.assign(message=message)


def after_resolution(decision: Decision, dispositions: Sequence[Disposition]) -> Decision:
    """After :func:`~fti_gateway.law.check_resolved`: subject dispositions answer the reviews
    resolution raised, and each answered match cites its disposition. The pipeline settles
    the matches first (:func:`settle_matches`), so the bars ran on the chosen taxpayer."""
    if not dispositions:
        return decision
    frame = apply_subject_dispositions(decision.subject_findings, dispositions)
    return replace(decision, subject_findings=cite_matches(frame, dispositions))


def refs(dispositions: Sequence[Disposition]) -> list[str]:
    """The dispositions a decision took into account, in a stable order."""
    return sorted({d.ref for d in dispositions})
