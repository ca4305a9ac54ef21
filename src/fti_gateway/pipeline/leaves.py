"""The ledger leaves one request produces, built from each step's stored output.

Every leaf carries a deterministic identity (request, kind, subject), so a step that is
retried — after a crash, a failure or a second submit of one manifest — rebuilds the same
leaves and :meth:`~fti_gateway.ledger.log.Ledger.append_once` writes each one once. Free
text (the requester's reason) enters a leaf only as a keyed digest; the text itself stays
in the state store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pandas as pd

from fti_gateway.disclose import PackageInfo, PackageSpec
from fti_gateway.intake import ParsedRequest
from fti_gateway.law import Decision
from fti_gateway.ledger import entries

RESOLVER_REASON = "identity resolution for a request under {authority}"
RESOLVED_ELEMENTS = ("identity.name", "identity.address", "identity.tin")


def received(parsed: ParsedRequest, secret: bytes) -> bytes:
    m = parsed.manifest
    reason = m.purpose.reason
    return entries.request_received(
        agency=m.requester.agency,
        request_id=m.id,
        authority=m.authority,
        received=m.received,
        digest=parsed.digest,
        purpose=m.purpose.kind.value,
        reason_digest=entries.digest_text(secret, reason) if reason else None,
        statutes=[entries.given(secret, "citation", s) for s in m.purpose.statutes],
        elements=[entries.given(secret, "element", e) for e in m.elements],
        periods=[entries.given(secret, "period", p) for p in m.taxable_periods],
        subjects=len(parsed.subjects) + len(parsed.rejects),
        requester_position=m.requester.position,
    )


def inspections(
    parsed: ParsedRequest, commitments: Iterable[str], secret: bytes, *, inspector: str
) -> list[bytes]:
    """6103(b)(7): resolving a subject examines the matched taxpayer's record; ``inspector``
    is the principal that ran the step (the read gate's principal, FORMATS §9), recorded as
    its pseudonym."""
    m = parsed.manifest
    reason = entries.digest_text(secret, RESOLVER_REASON.format(authority=m.authority))
    who = entries.pseudonym(secret, inspector)
    return [
        entries.inspection(
            agency=m.requester.agency,
            request_id=m.id,
            inspector=who,
            reason_digest=reason,
            taxpayer=taxpayer,
            elements=list(RESOLVED_ELEMENTS),
            authority=m.authority,
        )
        for taxpayer in commitments
    ]


def disclosures(
    parsed: ParsedRequest, spec: PackageSpec, info: PackageInfo, secret: bytes
) -> list[bytes]:
    m = parsed.manifest
    return [
        entries.disclosure(
            agency=m.requester.agency,
            request_id=m.id,
            authority=m.authority,
            recipient=spec.recipient,
            elements=spec.elements,
            periods=list(periods),
            taxpayer=entries.commit_taxpayer(secret, tin),
            purpose=m.purpose.kind.value,
            package=info.manifest_sha256,
        )
        for tin, periods in zip(info.disclosed["tin"], info.disclosed["periods"], strict=True)
    ]


def decision(
    parsed: ParsedRequest, decision: Decision, secret: bytes, *, cause: str | None = None
) -> bytes:
    """The decision leaf; a revision after review points at the one before it and at the
    disposition leaf (``cause``) that made it."""
    m = parsed.manifest
    n = decision.revision
    previous = entries.leaf_id("decision", m.requester.agency, m.id, n - 1) if n > 1 else None
    return entries.decision(
        agency=m.requester.agency,
        request_id=m.id,
        authority=m.authority,
        outcome=decision.outcome,
        elements_allowed=decision.elements_allowed,
        elements_refused={
            entries.given(secret, "element", e): rule
            for e, rule in decision.elements_refused.items()
        },
        subjects=decision.counts,
        digest=hashlib.sha256(decision.json_bytes()).hexdigest(),
        revision=n,
        previous=previous,
        cause=cause,
    )


def commitments(secret: bytes, facts: pd.DataFrame) -> dict[str, str]:
    """taxpayer_id → the keyed commitment that stands for the taxpayer in the ledger."""
    return {
        str(tp): entries.commit_taxpayer(secret, tin)
        for tp, tin in zip(facts["taxpayer_id"], facts["tin"], strict=True)
    }
