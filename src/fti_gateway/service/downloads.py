"""``GET /v1/requests/{id}/package`` and ``GET /v1/requests/{id}/proof``.

The package is the newest released revision's signed ``package/`` as one deterministic ZIP
(revision 1 is the run folder's, revision n ≥ 2 ``revisions/<n>/``'s after review: each
holds only the subjects it newly released; ``?revision=n`` fetches an earlier one, and the
``FTI-Package-Revision`` header says which was sent), built by service/packagezip.py and
served with single-range support (RFC 9110 §14): ``Range:
bytes=a-b``, ``a-`` or ``-n`` answers 206 with ``Content-Range``; a range starting past
the end answers 416 (a problem document with ``Content-Range: bytes */size``); a range
the server does not understand, several ranges, or an ``If-Range`` that is not the
current strong ETag answers 200 with the whole file (RFC 9110 §14.2 lets a server ignore
``Range``). It is 404 until some subjects are released — with problem type
``awaiting-witness`` while its entries wait for a checkpoint the witness quorum cosigned
(pipeline/witnessing.py).

The proof is every ledger leaf of the request with a C2SP tlog-proof against the latest
checkpoint (ledger/byrequest.py). Each entry also carries the leaf's exact bytes
(``entry``, base64): a tlog-proof proves a leaf hash, and the client needs the leaf to
compute it — API.md is silent on where to get it, so this extends it.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from fti_gateway.core.errors import NotFoundError
from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger.byrequest import prove_request
from fti_gateway.ledger.storage import FsStorage
from fti_gateway.ledger.workspace import verifier_key
from fti_gateway.pipeline.rundir import released_package, run_dir_for
from fti_gateway.service import adapters
from fti_gateway.service.auth import Principal
from fti_gateway.service.errors import RangeNotSatisfiableError
from fti_gateway.service.packagezip import package_zip
from fti_gateway.service.problems import problem_responses

CHUNK = 1 << 16
RELEASED = "released"
AWAITING_WITNESS = "awaiting-witness"
# After a partial release the request is still in review (other items are open), yet
# the subjects already cleared went out in a revision's package: that one is served.
SERVED = frozenset({RELEASED, "review"})
REVISION_HEADER = "FTI-Package-Revision"
_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class AwaitingWitnessError(NotFoundError):
    """The package exists but is not released: no witness quorum has cosigned a
    checkpoint over its entries yet (404, problem type ``awaiting-witness``)."""


@dataclass(frozen=True)
class RequestRecord:
    """What the downloads need to know of a request: whose, which, and how far along."""

    id: str
    agency: str
    request_id: str
    status: str
    stored: str = ""  # the store's own status (adapters.RequestView)


def resolve_request(home: Path, principal: Principal, resource_id: str) -> RequestRecord:
    """The caller's request ``resource_id`` (NotFoundError, as for an unknown id, for
    another agency's)."""
    rec = adapters.get_request_record(home, principal.agency, resource_id)
    return RequestRecord(resource_id, rec.agency, rec.request_id, str(rec.status), rec.stored)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive byte range one ``Range`` header asks for, or None to send everything.
    Raises RangeNotSatisfiableError when it starts past the end (or asks for nothing)."""
    if header is None:
        return None
    m = _RANGE.match(header)
    if m is None:
        return None  # another unit, several ranges, or not a range at all
    first, last = m.groups()
    if first:
        start = int(first)
        if last and int(last) < start:
            return None  # invalid: ignored, like any range we cannot use
        if start >= size:
            raise RangeNotSatisfiableError(
                f"the range starts at byte {start}, but the file has {size} bytes",
                where="Range",
                size=size,
            )
        return start, min(int(last), size - 1) if last else size - 1
    if not last:
        return None
    suffix = int(last)
    if suffix == 0 or size == 0:
        raise RangeNotSatisfiableError("the range asks for no bytes", where="Range", size=size)
    return max(0, size - suffix), size - 1


def _chunks(path: Path, start: int, end: int) -> Iterator[bytes]:
    with path.open("rb") as f:
        f.seek(start)
        left = end - start + 1
        while left > 0:
            data = f.read(min(CHUNK, left))
            if not data:
                return
            left -= len(data)
            yield data


def ranged_file(request: Request, path: Path, etag: str, filename: str) -> Response:
    """``path`` as ``application/zip``, whole or the one range asked for."""
    size = path.stat().st_size
    tag = f'"{etag}"'
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": tag,
        "Cache-Control": "private, no-store",  # return information: no shared caches
        "Content-Disposition": f'attachment; filename="{filename}"',
    }
    if_range = request.headers.get("if-range")
    wanted = parse_range(request.headers.get("range"), size)
    if wanted is None or (if_range is not None and if_range.strip() != tag):
        headers["Content-Length"] = str(size)
        return StreamingResponse(
            _chunks(path, 0, size - 1), media_type="application/zip", headers=headers
        )
    start, end = wanted
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)
    return StreamingResponse(
        _chunks(path, start, end), status_code=206, media_type="application/zip", headers=headers
    )


class ProvenEntry(BaseModel):
    index: int = Field(ge=0, description="the leaf's index in the ledger")
    kind: str = Field(description="request_received, decision, disclosure or inspection")
    entry: str = Field(description="the leaf's exact bytes, base64 (hash them to verify)")
    proof: str = Field(description="C2SP tlog-proof (c2sp.org/tlog-proof@v1) text")


class RequestProof(BaseModel):
    checkpoint: str = Field(description="the signed checkpoint every proof is against")
    entries: list[ProvenEntry]


def router(home: Path, authenticate: Callable[..., Principal]) -> APIRouter:
    """The download routes (authenticated) over the workspace at ``home``."""
    ws = Workspace.open(home)
    r = APIRouter(prefix="/v1", dependencies=[Depends(authenticate)], tags=["requests"])
    zip_doc: dict[int | str, dict[str, Any]] = {
        200: {
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            "description": "the signed disclosure package",
        },
        206: {
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            "description": "the requested byte range (Content-Range)",
        },
        **problem_responses(404, 416),
    }

    @r.get(
        "/requests/{id}/package",
        response_class=Response,
        responses=zip_doc,
        summary="The signed disclosure package as a ZIP (Range supported); 404 until released",
    )
    def package(
        id: str,
        request: Request,
        revision: int | None = Query(
            None, ge=1, description="an earlier decision revision's package (default: the newest)"
        ),
        principal: Principal = Depends(authenticate),
    ) -> Response:
        rec = resolve_request(home, principal, id)
        if rec.stored == AWAITING_WITNESS:
            raise AwaitingWitnessError(
                "this request's package is held until its ledger entries are under a "
                "checkpoint cosigned by the witness quorum",
                where=f"requests/{id}/package",
                hint="the office retries with `fti witness cosign`; try again later",
            )
        found = released_package(run_dir_for(ws, rec.agency, rec.request_id), revision)
        if rec.status not in SERVED or found is None:
            raise NotFoundError(
                "this request has no released package"
                + (f" in revision {revision}" if revision else ""),
                where=f"requests/{id}/package",
                hint="a package exists once subjects are released (status 'released', or "
                "'review' after a partial release)",
            )
        n, folder = found
        path, etag = package_zip(folder)
        name = f"package-{rec.id}.zip" if n == 1 else f"package-{rec.id}-r{n}.zip"
        resp = ranged_file(request, path, etag, name)
        resp.headers[REVISION_HEADER] = str(n)
        return resp

    @r.get(
        "/requests/{id}/proof",
        response_model=RequestProof,
        responses=problem_responses(404),
        summary="Each of the request's ledger entries with a C2SP tlog-proof against one checkpoint",
    )
    def proof(id: str, principal: Principal = Depends(authenticate)) -> RequestProof:
        rec = resolve_request(home, principal, id)
        if FsStorage(ws.ledger_dir, durable=False).read_checkpoint() is None:
            raise NotFoundError(
                "nothing of this request is in the ledger yet", where=f"requests/{id}/proof"
            )
        note, proven = prove_request(ws.ledger_dir, verifier_key(ws), rec.agency, rec.request_id)
        entries = [
            ProvenEntry(
                index=p.index,
                kind=p.kind,
                entry=base64.b64encode(p.entry).decode(),
                proof=p.proof,
            )
            for p in proven
        ]
        return RequestProof(checkpoint=note, entries=entries)

    return r
