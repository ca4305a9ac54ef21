"""The decision (FORMATS §5): outcome, request-level findings, element allowance, subjects.

The outcome is *computed*, never set: it follows from the findings by the rules below, so
it can be recomputed after resolution (:func:`fti_gateway.law.check_resolved`) without
anyone deciding it twice.

1. any request-level ``fail``                               → ``deny``
2. nothing left that may be disclosed (no element, or no
   subject, allowed or pending review)                      → ``deny`` (6103(a))
3. any ``review`` (request, element or subject)             → ``review``
4. some subjects or elements refused                        → ``partial``
5. otherwise                                                → ``approve``

``subject_findings`` records each subject's own checks (``approve`` = passed them); what may
actually go out is :attr:`Decision.approved_subjects`, which is empty unless the outcome
is ``approve`` or ``partial``.

A ``deny`` discloses nothing, so a denied decision allows no element: every element the
authority would have allowed (or held for review) is moved to ``elements_refused`` under the
rule that denied the request (FORMATS §5: "deny — nothing may be disclosed"). Elements the
authority refused on their own keep their own, narrower rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from fti_gateway.core.csvsafe import write_frame_csv
from fti_gateway.law.findings import Finding, Outcome, Result, SubjectResult, failed

DECISION_FORMAT = "fti/decision/v1"
SUBJECT_COLUMNS = ["subject_id", "result", "rule", "message"]

# The (p)(4) duties a recipient takes on; the disclosure package repeats them. The last,
# (F), differs by recipient: (F)(i) or (F)(ii) (see ``RETURN_OR_DESTROY``).
SAFEGUARD_DUTIES = (
    "6103(p)(4)(A): keep a permanent, standardized record of requests and of the returns and return information received",
    "6103(p)(4)(B): store the data in an area secured against unauthorized access",
    "6103(p)(4)(C): restrict access to persons whose duties require it",
    "6103(p)(4)(D): provide the other safeguards the IRS prescribes in regulations",
    "6103(p)(4)(E): report to the IRS on the procedures used to keep the data confidential",
)
RETURN_OR_DESTROY = {
    "6103(p)(4)(F)(i)": "6103(p)(4)(F)(i): once its use is complete, return the data (with any copies) to the IRS, "
    "or make it undisclosable and furnish the IRS a written report describing how",
    "6103(p)(4)(F)(ii)": "6103(p)(4)(F)(ii): once its use is complete, return the data (with any copies) to the IRS, "
    "or otherwise make it undisclosable, or, to the extent not so returned or made undisclosable, "
    "keep meeting (p)(4)(A)-(E) for it",
}


@dataclass(frozen=True)
class AuthorityInfo:
    """What the disclosure package and the ledger need to know about the authority."""

    id: str
    citation: str
    title: str
    recipient: str | None
    use_restriction: str
    accounting: bool  # (p)(3)(A) accounting applies
    safeguards: bool  # (p)(4) safeguards apply
    safeguard_duties: tuple[str, ...] = ()
    destruction: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "citation": self.citation,
            "title": self.title,
            "recipient": self.recipient,
            "use_restriction": self.use_restriction,
            "accounting_p3A": self.accounting,
            "safeguards_p4": self.safeguards,
            "safeguard_duties": list(self.safeguard_duties),
            "destruction": self.destruction,
        }


def empty_subject_findings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in SUBJECT_COLUMNS})


@dataclass
class Decision:
    """One request's decision; ``findings`` are request-level, ``subject_findings`` per subject."""

    request_agency: str
    request_id: str
    authority: AuthorityInfo
    checked: list[Finding]
    elements_allowed: list[str]
    elements_refused: dict[str, str]
    subject_findings: pd.DataFrame
    as_of: date
    periods: list[str] = field(default_factory=list)
    elements_review: dict[str, str] = field(default_factory=dict)
    bar_rule: str | None = None  # rule of the post-resolution bar ((i)(6), (d)(1), (c)), if any
    # Elements the authority allowed or held that a deny refused, with the denying rule. Kept
    # as a field so that ``dataclasses.replace`` (check_resolved) carries it over.
    elements_voided: dict[str, str] = field(default_factory=dict)
    # The dispositions (law.dispositions refs) this decision took into account, and its
    # revision: 1 is the first decision, each disposition that takes effect adds one.
    dispositions: list[str] = field(default_factory=list)
    revision: int = 1

    def __post_init__(self) -> None:
        if self.outcome is not Outcome.DENY or not (self.elements_allowed or self.elements_review):
            return
        rule = next(
            f.rule for f in self.findings if f.result is Result.FAIL and f.level == "request"
        )
        voided = {e: rule for e in [*self.elements_allowed, *self.elements_review]}
        self.elements_voided = {**self.elements_voided, **voided}
        self.elements_refused = {**self.elements_refused, **voided}
        self.elements_allowed = []
        self.elements_review = {}

    # ------------------------------------------------------------------ derived
    @cached_property
    def counts(self) -> dict[str, int]:
        vc = self.subject_findings["result"].value_counts()
        return {
            "total": len(self.subject_findings),
            "approved": int(vc.get(SubjectResult.APPROVE.value, 0)),
            "denied": int(vc.get(SubjectResult.DENY.value, 0)),
            "review": int(vc.get(SubjectResult.REVIEW.value, 0)),
        }

    @property
    def _nothing_left(self) -> Finding | None:
        c = self.counts
        if not self.elements_allowed and not self.elements_review and not self.elements_voided:
            return failed(
                "6103(a)", "no data element asked for may be disclosed under this authority"
            )
        if c["approved"] == 0 and c["review"] == 0:
            why = "no subject" if c["total"] == 0 else f"none of the {c['total']} subjects"
            return failed(
                "6103(a)",
                f"{why} may be disclosed; returns and return information stay confidential",
            )
        return None

    @property
    def findings(self) -> list[Finding]:
        extra = self._nothing_left
        return [*self.checked, extra] if extra is not None else list(self.checked)

    @property
    def outcome(self) -> Outcome:
        if any(f.result is Result.FAIL and f.level == "request" for f in self.findings):
            return Outcome.DENY
        c = self.counts
        if (
            any(f.result is Result.REVIEW for f in self.findings)
            or self.elements_review
            or c["review"]
        ):
            return Outcome.REVIEW
        if self.elements_refused or c["denied"]:
            return Outcome.PARTIAL
        return Outcome.APPROVE

    @property
    def held_whole(self) -> bool:
        """Whether an open question holds the whole request (a request-level or element
        review), as opposed to only some subjects: while only subjects are held, those
        already approved may be released (partial release after review)."""
        if self.outcome is not Outcome.REVIEW:
            return False
        return bool(self.elements_review) or any(
            f.result is Result.REVIEW and f.level in ("request", "element") for f in self.findings
        )

    @property
    def approved_subjects(self) -> pd.Series:
        """Subject ids that may go on to disclosure (empty unless the outcome allows it)."""
        if self.outcome not in (Outcome.APPROVE, Outcome.PARTIAL):
            return pd.Series([], dtype=object, name="subject_id")
        sf = self.subject_findings
        return sf.loc[sf["result"] == SubjectResult.APPROVE.value, "subject_id"].reset_index(
            drop=True
        )

    def by_rule(self) -> dict[str, int]:
        """Subjects not approved, counted by the rule that stopped them (for summaries)."""
        sf = self.subject_findings
        stopped = sf.loc[sf["result"] != SubjectResult.APPROVE.value, "rule"]
        return {str(k): int(v) for k, v in stopped.value_counts().sort_index().items()}

    # ------------------------------------------------------------------ output
    def to_json(self, subject_findings_name: str = "subject_findings.csv") -> dict[str, Any]:
        """The decision exactly as FORMATS §5, plus optional extensions (never renames)."""
        return {
            "format": DECISION_FORMAT,
            "request": {"agency": self.request_agency, "id": self.request_id},
            "authority": self.authority.id,
            "outcome": str(self.outcome),
            "findings": [f.to_json() for f in self.findings],
            "elements": {
                "allowed": list(self.elements_allowed),
                "refused": dict(self.elements_refused),
                "review": dict(self.elements_review),
            },
            "subjects": {**self.counts, "by_rule": self.by_rule()},
            "subject_findings": subject_findings_name,
            "as_of": self.as_of.isoformat(),
            "periods": list(self.periods),
            "authority_info": self.authority.to_json(),
            # extensions, present only on a decision recomputed after review
            **({"revision": self.revision} if self.revision > 1 else {}),
            **({"dispositions": list(self.dispositions)} if self.dispositions else {}),
        }

    def json_bytes(self) -> bytes:
        """The exact bytes of ``decision.json``: what the ledger's decision leaf digests."""
        doc = self.to_json("subject_findings.csv")
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()

    def write_findings(self, path: Path) -> None:
        """Write ``subject_findings.csv``: subject ids are the requester's own text, so the
        file is written spreadsheet-safe (``core.csvsafe``)."""
        write_frame_csv(self.subject_findings, path)

    def write(self, out_dir: Path) -> Path:
        """Write ``decision.json`` and ``subject_findings.csv`` into ``out_dir``; returns the JSON path."""
        out_dir.mkdir(parents=True, exist_ok=True)
        self.write_findings(out_dir / "subject_findings.csv")
        path = out_dir / "decision.json"
        path.write_bytes(self.json_bytes())
        return path
