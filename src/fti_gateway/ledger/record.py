"""From the pipeline's objects to ledger leaves, so the pipeline writes one line per event.

The request comes as intake's :class:`Manifest`; the decision as its FORMATS §5 JSON (the
contract, rather than the law stage's internal class); disclosures as the TINs of the
approved, matched subjects — turned into commitments here, so a raw TIN never travels
further than this function.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from fti_gateway.intake.models import Manifest
from fti_gateway.ledger import entries


def request_leaf(
    manifest: Manifest,
    digest: str,
    subjects: int,
    time: datetime | None = None,
    *,
    secret: bytes,
) -> bytes:
    """The ``request_received`` leaf for a parsed request (``digest`` from intake); the
    stated reason enters it only as a digest under the commitment ``secret``."""
    reason = manifest.purpose.reason
    return entries.request_received(
        agency=manifest.requester.agency,
        request_id=manifest.id,
        authority=manifest.authority,
        received=manifest.received,
        digest=digest,
        purpose=str(manifest.purpose.kind.value),
        reason_digest=None if reason is None else entries.digest_text(secret, reason),
        statutes=manifest.purpose.statutes,
        elements=manifest.elements,
        periods=manifest.taxable_periods,
        subjects=subjects,
        requester_position=manifest.requester.position,
        time=time,
    )


def decision_leaf(
    decision: Mapping[str, Any], digest: str | None = None, time: datetime | None = None
) -> bytes:
    """The ``decision`` leaf from a decision in FORMATS §5 form (``Decision.to_json()``)."""
    subjects = decision.get("subjects") or {}
    return entries.decision(
        agency=str(decision["request"]["agency"]),
        request_id=str(decision["request"]["id"]),
        authority=str(decision["authority"]),
        outcome=str(decision["outcome"]),
        elements_allowed=list(decision.get("elements", {}).get("allowed", [])),
        elements_refused=dict(decision.get("elements", {}).get("refused", {})),
        subjects={k: int(v) for k, v in subjects.items()},
        digest=digest,
        time=time,
    )


def disclosure_leaves(
    manifest: Manifest,
    *,
    recipient: str,
    elements: Sequence[str],
    periods: Sequence[str],
    tins: Iterable[str],
    secret: bytes,
    package: str | None = None,
    time: datetime | None = None,
) -> list[bytes]:
    """One ``disclosure`` leaf per disclosed taxpayer (TIN → keyed commitment here)."""
    return [
        entries.disclosure(
            agency=manifest.requester.agency,
            request_id=manifest.id,
            authority=manifest.authority,
            recipient=recipient,
            elements=elements,
            periods=periods,
            taxpayer=entries.commit_taxpayer(secret, tin),
            purpose=str(manifest.purpose.kind.value),
            package=package,
            time=time,
        )
        for tin in tins
    ]
