"""The only place the service touches the stages: small functions the endpoints call.

Endpoints stay thin (parse HTTP, call one adapter, return its data). Every function
about a request takes the caller's ``agency`` (the authenticated principal): a request
of another agency does not exist for it — the same NotFoundError, byte for byte, as an
id never used — and a manifest naming another agency as its requester is refused.

A request arrives as intake's stored output (manifest, accepted rows, rejects) and is
handed to the job queue; the pipeline runs it off the HTTP call and reads it back from
the store (``pipeline/stored.py``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from fti_gateway import __version__
from fti_gateway.core.errors import InputError, IntegrityError, NotFoundError
from fti_gateway.core.workspace import Workspace
from fti_gateway.intake.persist import receive, rejects_frame
from fti_gateway.intake.upload import (
    JSON_NAME,
    YAML_NAME,
    PostedManifest,
    read_posted_manifest,
    read_upload_blocks,
)
from fti_gateway.pipeline.jobs import JobQueue
from fti_gateway.service.errors import ForbiddenError
from fti_gateway.service.spool import Spooled
from fti_gateway.store import STATUSES, DuplicateRequest, NewRequest, StageRecord, StateStore
from fti_gateway.store import uploads as up
from fti_gateway.store.uploads import ApiRequest

# The store's statuses as API.md names them — the one place they are mapped. A request
# taken off the queue before it ran ("closed") has no outcome: failed, for the API.
API_STATUS: dict[str, str] = {
    "awaiting-subjects": "awaiting-subjects",
    "queued": "queued",
    "received": "queued",
    "running": "running",
    "checked": "running",
    "resolved": "running",
    "packaged": "running",
    "review": "review",
    "decided": "decided",
    "denied": "denied",
    "disclosed": "released",
    # Packaged and accounted, held until a witness quorum cosigns a checkpoint over it:
    # API.md's statuses are a closed list, so "decided" (not yet released); the package
    # route says why with its problem type "awaiting-witness".
    "awaiting-witness": "decided",
    "failed": "failed",
    "closed": "failed",
}
assert set(API_STATUS) == set(STATUSES), "every store status needs its API name"
API_STATUSES = tuple(dict.fromkeys(API_STATUS.values()))
STAGES = ("intake", "law", "resolve", "disclose", "ledger")
# An upload's answer lists at most this many row errors (all are stored; the count says
# how many were left out): a million bad rows must not make a gigabyte of JSON.
ERRORS_SHOWN = 1000
API_SOURCE = "api:"


class RequestConflict(IntegrityError):
    """The call contradicts what is stored for the request (HTTP 409)."""


@dataclass
class Service:
    """What every adapter needs, made once when the app starts."""

    ws: Workspace
    store: StateStore
    queue: JobQueue
    max_upload_bytes: int


def health(ws: Workspace) -> dict[str, Any]:
    return {"status": "ok", "version": __version__, "workspace": ws.name}


def _missing(api_id: str) -> NotFoundError:
    # The same words for an unknown id and for another agency's: nothing tells them apart.
    return NotFoundError(f"no request with id {api_id!r}", where=f"requests/{api_id}")


def _find(svc: Service, agency: str, api_id: str) -> ApiRequest:
    found = up.find(svc.store, agency, api_id)
    if found is None:
        raise _missing(api_id)
    return found


def links(api_id: str) -> dict[str, str]:
    base = f"/v1/requests/{api_id}"
    return {
        "self": base,
        "subjects": base + "/subjects",
        "decision": base + "/decision",
        "package": base + "/package",
        "proof": base + "/proof",
    }


def _created(req: ApiRequest) -> dict[str, Any]:
    return {"id": req.api_id, "status": API_STATUS[req.record.status], "links": links(req.api_id)}


# -- POST /v1/requests ---------------------------------------------------------------------


def post_manifest(
    svc: Service, agency: str, data: bytes, as_json: bool, workdir: Path
) -> tuple[dict[str, Any], bool]:
    """Receive a manifest; returns (the resource, whether it is new).

    Inline subjects: stored with their rows and queued. A named subject file: stored as
    ``awaiting-subjects``. The same (agency, id) again: the same bytes → the stored
    resource; other bytes → :class:`RequestConflict`.
    """
    posted = read_posted_manifest(data, JSON_NAME if as_json else YAML_NAME, workdir)
    _check_requester(posted.manifest.requester.agency, agency, posted.name)
    existing = up.find_by_key(svc.store, agency, posted.manifest.id)
    if existing is not None:
        return _again(svc, existing, posted), False
    if posted.parsed is not None:
        receipt = receive(posted.parsed, svc.store)
        req = up.get(svc.store, receipt.request_pk)
        if not receipt.new:  # an identical one got in first
            return _again(svc, req, posted), False
        up.keep_manifest(svc.store, req.pk, data)
        svc.queue.enqueue(req.pk)
    else:
        try:
            req = up.record_awaiting(svc.store, _awaiting(posted), data)
        except DuplicateRequest:
            again = up.find_by_key(svc.store, agency, posted.manifest.id)
            assert again is not None
            return _again(svc, again, posted), False
    return _created(up.get(svc.store, req.pk)), True


def _awaiting(posted: PostedManifest) -> NewRequest:
    m = posted.manifest
    return NewRequest(
        agency=m.requester.agency,
        id=m.id,
        authority=m.authority,
        received=m.received,
        format=m.format,
        manifest=m.model_dump(mode="json"),
        digest=posted.digest,
        source=API_SOURCE + posted.name,
        warnings=tuple(posted.warnings),
    )


def _again(svc: Service, existing: ApiRequest, posted: PostedManifest) -> dict[str, Any]:
    """A second POST of a stored (agency, id): the same manifest → the same resource."""
    if existing.manifest_raw is not None:
        same = existing.manifest_raw == posted.data
    else:  # received before the API kept manifests: inline rows' digest is the manifest's
        same = posted.parsed is not None and existing.record.digest == posted.digest
    if not same:
        r = existing.record
        raise RequestConflict(
            f"request {r.id!r} of {r.agency} was already received with different content",
            where=f"requests/{existing.api_id}",
            hint="a received request is never replaced: send the changed request under a "
            "new id, or the original manifest unchanged",
        )
    if existing.record.status == "received":
        # Stored but never handed to the queue (the service stopped in between).
        svc.queue.enqueue(existing.pk)
    return _created(up.get(svc.store, existing.pk))


def _check_requester(named: str, agency: str, manifest_name: str) -> None:
    """An agency files requests as itself only (API.md: requester.agency must be the
    caller's agency) — the manifest's own claim is never believed over the credential."""
    if named != agency:
        raise ForbiddenError(
            f"the manifest's requester.agency is {named!r} but the caller is {agency!r}",
            where=f"{manifest_name}: requester.agency",
            hint="an agency may submit only its own requests",
        )


# -- PUT /v1/requests/{id}/subjects ------------------------------------------------------------


def upload_target(svc: Service, agency: str, api_id: str) -> tuple[ApiRequest, str]:
    """The request an upload is for, and the file name its manifest gives the subjects.
    Refused before a byte is read if the manifest lists its subjects inline."""
    req = _find(svc, agency, api_id)
    name = req.record.manifest.get("subjects")
    if not isinstance(name, str):
        raise RequestConflict(
            "this request's manifest lists its subjects inline: there is nothing to upload",
            where=f"requests/{api_id}/subjects",
            hint="a manifest names a subject file (subjects: subjects.csv) to take an upload",
        )
    return req, name


def attach_upload(svc: Service, req: ApiRequest, upload: Spooled) -> dict[str, Any]:
    """Read the spooled CSV with its manifest (intake's readers), store the rows and the
    rejects, queue the request, and answer from the store. The same bytes again → the
    same answer; other bytes once subjects are stored → :class:`RequestConflict`."""
    if req.subjects_sha256 is not None or req.record.status != up.AWAITING:
        return _same_upload(svc, req, upload.sha256)
    assert req.manifest_raw is not None
    name = req.record.source.removeprefix(API_SOURCE)
    streamed = read_upload_blocks(
        req.manifest_raw, name if name in (JSON_NAME, YAML_NAME) else YAML_NAME, upload.path
    )
    blocks = (
        up.AttachedBlock(b.subjects, rejects_frame(b.rejects), b.extra) for b in streamed.blocks()
    )

    def totals() -> up.AttachedTotals:
        return up.AttachedTotals(
            streamed.accepted, streamed.rejected_rows, streamed.digest, tuple(streamed.warnings)
        )

    if not up.attach_blocks(svc.store, req.pk, upload.sha256, blocks, totals):
        return _same_upload(svc, up.get(svc.store, req.pk), upload.sha256)
    svc.queue.enqueue(req.pk)
    return upload_answer(svc, req.pk)


def _same_upload(svc: Service, req: ApiRequest, sha256: str) -> dict[str, Any]:
    if req.subjects_sha256 != sha256:
        raise RequestConflict(
            "this request's subjects were already received, with different content",
            where=f"requests/{req.api_id}/subjects",
            hint="received subjects are never replaced: send the changed list as a new "
            "request, or the original file unchanged",
        )
    return upload_answer(svc, req.pk)


def upload_answer(svc: Service, request_pk: int) -> dict[str, Any]:
    """API.md's 202 body, read back from the store (so a repeat answers the same)."""
    record = svc.store.request(request_pk)
    errors = up.first_rejects(svc.store, request_pk, ERRORS_SHOWN)
    answer: dict[str, Any] = {
        "accepted": record.subject_count,
        "rejected": record.reject_count,
        "errors": errors,
    }
    if len(errors) == ERRORS_SHOWN:
        answer["errors_omitted"] = up.count_rejects(svc.store, request_pk) - ERRORS_SHOWN
    return answer


# -- GET ------------------------------------------------------------------------------------


def status(svc: Service, agency: str, api_id: str) -> dict[str, Any]:
    """API.md's request resource: status, the stages of the latest run, outcome, counts."""
    view = up.status_view(svc.store, agency, api_id)
    if view is None:
        raise _missing(api_id)
    doc = view.decision or {}
    return {
        "id": view.api_id,
        "agency": view.agency,
        "request_id": view.request_id,
        "status": API_STATUS[view.status],
        "stages": _stages(view.stages),
        "outcome": doc.get("outcome"),
        "counts": {
            "accepted": view.subject_count,
            "rejected": view.reject_count,
            "subjects": doc.get("subjects"),
        },
    }


def _stages(stages: Sequence[StageRecord]) -> list[dict[str, Any]]:
    """Every stage, in order; one the latest run has not reached yet is ``pending``."""
    recorded = {s.name: s for s in stages}
    out = []
    for name in (*STAGES, *(n for n in recorded if n not in STAGES)):
        s = recorded.get(name)
        out.append(
            {
                "name": name,
                "state": s.state if s else "pending",
                "started": _iso(s.started) if s else None,
                "finished": _iso(s.finished) if s else None,
                "done": s.done if s else None,
                "total": s.total if s else None,
            }
        )
    return out


def _iso(when: Any) -> str | None:
    return None if when is None else when.strftime("%Y-%m-%dT%H:%M:%SZ")


def decision(svc: Service, agency: str, api_id: str) -> dict[str, Any]:
    """The FORMATS §5 decision with its per-subject findings inline."""
    req = _find(svc, agency, api_id)
    latest = svc.store.latest_decision(req.pk)
    if latest is None:
        raise NotFoundError(
            f"request {api_id!r} has no decision yet",
            where=f"requests/{api_id}/decision",
            hint="poll the request until its status is decided, denied, review or released",
        )
    pk, doc = latest
    findings = svc.store.load_subject_findings(pk)
    findings = findings.astype(object).where(pd.notna(findings), None)
    return {**doc, "subject_findings": findings.to_dict("records")}


def list_requests(
    svc: Service, agency: str, status: str | None, cursor: str | None, limit: int
) -> dict[str, Any]:
    """The caller's requests, newest first, a page at a time (keyset: the cursor names
    the last request of the previous page, so new requests never shift a page)."""
    statuses = None
    if status is not None:
        if status not in API_STATUSES:
            raise InputError(
                f"unknown status {status!r}",
                where="status",
                hint="one of: " + ", ".join(API_STATUSES),
            )
        statuses = [s for s, api in API_STATUS.items() if api == status]
    after = _read_cursor(cursor) if cursor else None
    got = up.page(svc.store, agency, statuses=statuses, after=after, limit=limit)
    if got is None:
        raise InputError(
            "the cursor is not one this service gave out",
            where="cursor",
            hint="pass next_cursor from the previous page unchanged",
        )
    items, more = got
    return {
        "items": [
            {
                "id": i.api_id,
                "agency": i.record.agency,
                "request_id": i.record.id,
                "status": API_STATUS[i.record.status],
                "created": _iso(i.record.created_at),
            }
            for i in items
        ],
        "next_cursor": _cursor(items[-1].api_id) if more and items else None,
    }


def _cursor(api_id: str) -> str:
    return base64.urlsafe_b64encode(f"after:{api_id}".encode()).decode().rstrip("=")


def _read_cursor(cursor: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith("after:"):
        raise InputError(
            "the cursor is not one this service gave out",
            where="cursor",
            hint="pass next_cursor from the previous page unchanged",
        )
    return text.removeprefix("after:")


@dataclass(frozen=True)
class RequestView:
    """What the download routes need of a request: whose, which, its API status, and the
    store's own (finer: ``awaiting-witness`` is ``decided`` to the API)."""

    agency: str
    request_id: str
    status: str
    stored: str = ""


def get_request_record(home: Path, agency: str, api_id: str) -> RequestView:
    """``agency``'s request ``api_id`` for routes given only the workspace (the package
    and proof downloads); NotFoundError, as for an unknown id, for another agency's."""
    store = StateStore.for_workspace(Workspace.open(home))
    try:
        found = up.find(store, agency, api_id)
    finally:
        store.dispose()
    if found is None:
        raise _missing(api_id)
    record = found.record
    return RequestView(record.agency, record.id, API_STATUS[record.status], record.status)
