"""``receive``: store a parsed request before anything acts on it — once.

(agency, id) names a request for good. Receiving the same bytes again changes nothing
and says so; receiving *different* bytes under a known (agency, id) is refused, because
silently replacing a request that may already have been decided on would rewrite
history. The request, its accepted rows and its rejects are written in one transaction:
either all of it is stored or none of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from fti_gateway.core.errors import InputError
from fti_gateway.intake.parsed import ParsedRequest, RowError
from fti_gateway.store import DuplicateRequest, NewRequest, RequestRecord, StateStore


@dataclass(frozen=True)
class Receipt:
    request_pk: int
    new: bool
    status: str
    message: str
    accepted: int = 0
    rejected_rows: int = 0


def receive(parsed: ParsedRequest, store: StateStore) -> Receipt:
    """Persist ``parsed`` (idempotent on (agency, id)); see the module docstring."""
    agency, rid = parsed.key
    existing = store.get_request(agency, rid)
    if existing is None:
        try:
            record = store.record_request(
                _new_request(parsed),
                parsed.subjects,
                _rejects_frame(parsed),
                extra=parsed.extra,
                reject_count=parsed.rejected_rows,
            )
        except DuplicateRequest:
            # Another submission of the same (agency, id) won the race: judge against it.
            existing = store.get_request(agency, rid)
            assert existing is not None
        else:
            return Receipt(
                request_pk=record.pk,
                new=True,
                status=record.status,
                message=(
                    f"received {agency} {rid}: {record.subject_count:,} subject"
                    f"{'s' if record.subject_count != 1 else ''} accepted, "
                    f"{record.reject_count:,} row{'s' if record.reject_count != 1 else ''} rejected"
                ),
                accepted=record.subject_count,
                rejected_rows=record.reject_count,
            )
    return _again(parsed, existing)


def _again(parsed: ParsedRequest, existing: RequestRecord) -> Receipt:
    agency, rid = parsed.key
    when = existing.created_at.strftime("%Y-%m-%d %H:%M UTC")
    if existing.digest != parsed.digest:
        raise InputError(
            f"request {agency} {rid} was already received on {when} with different content",
            where=str(parsed.source),
            details=[
                f"stored:    {existing.digest}",
                f"submitted: {parsed.digest}",
            ],
            hint=f"a received request is never replaced; send the changed request under a "
            f"new id (e.g. {rid}-2), or resubmit the original files unchanged",
        )
    return Receipt(
        request_pk=existing.pk,
        new=False,
        status=existing.status,
        message=f"{agency} {rid} was already received on {when} — nothing changed "
        f"(status: {existing.status})",
        accepted=existing.subject_count,
        rejected_rows=existing.reject_count,
    )


def _new_request(parsed: ParsedRequest) -> NewRequest:
    m = parsed.manifest
    agency, rid = parsed.key
    return NewRequest(
        agency=agency,
        id=rid,
        authority=m.authority,
        received=m.received,
        format=m.format,
        manifest=_manifest_json(parsed),
        digest=parsed.digest,
        source=str(parsed.source),
        warnings=tuple(parsed.warnings),
    )


def _manifest_json(parsed: ParsedRequest) -> dict[str, Any]:
    """The manifest as data; inline rows live in the subject table, not twice."""
    data = parsed.manifest.model_dump(mode="json")
    if isinstance(parsed.manifest.subjects, list):
        data["subjects"] = {"inline": len(parsed.manifest.subjects)}
    return data


def _rejects_frame(parsed: ParsedRequest) -> pd.DataFrame:
    return rejects_frame(parsed.rejects)


def rejects_frame(rejects: list[RowError]) -> pd.DataFrame:
    """Rejects as the store keeps them."""
    return pd.DataFrame(
        [(r.line, r.subject_id, r.field, r.reason, r.where, r.code) for r in rejects],
        columns=["line", "subject_id", "field", "reason", "location", "code"],
    )
