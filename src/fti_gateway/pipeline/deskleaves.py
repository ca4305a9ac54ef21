"""The review desk's ledger leaves: one per disposition, proposal and confirmation.

Built from the stored disposition, with a deterministic identity (request, item,
action), so a desk command retried after a crash writes nothing twice. Nothing in them
names a person or quotes a reason: the officer is a keyed pseudonym, the reason a keyed
digest (the text stays in the state store).
"""

from __future__ import annotations

from fti_gateway.ledger import entries
from fti_gateway.store import RequestRecord
from fti_gateway.store.reviews import DispositionRecord


def action_of(d: DispositionRecord, *, confirming: bool = False) -> str:
    if confirming:
        return "confirm"
    return "propose" if d.needs_confirmation else "decide"


def cause_of(record: RequestRecord, effective: list[DispositionRecord]) -> str | None:
    """The id of the disposition leaf that made the latest revision (None: revision 1)."""
    if not effective:
        return None
    last = effective[-1]
    action = "confirm" if last.needs_confirmation else "decide"
    return entries.leaf_id("disposition", record.agency, record.id, last.item_id, action)


def disposition_leaf(
    record: RequestRecord,
    d: DispositionRecord,
    secret: bytes,
    *,
    confirming: bool = False,
    taxpayer_tin: str | None = None,
) -> bytes:
    """The leaf for ``d``: its proposal (or one-step decision), or its confirmation."""
    return entries.disposition(
        agency=record.agency,
        request_id=record.id,
        item=d.item_id,
        item_kind=d.kind,
        rule=d.rule,
        action=action_of(d, confirming=confirming),
        outcome=d.outcome,
        reason_digest=entries.digest_text(secret, d.reason),
        officer=entries.pseudonym(secret, d.officer),
        confirmed_by=entries.pseudonym(secret, d.confirmed_by)
        if confirming and d.confirmed_by
        else None,
        revision=d.revision if (confirming or not d.needs_confirmation) else None,
        taxpayer=entries.commit_taxpayer(secret, taxpayer_tin) if taxpayer_tin else None,
    )
