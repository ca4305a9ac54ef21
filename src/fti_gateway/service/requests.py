"""API.md "Requests": submit a manifest, upload its subjects, read status and decision.

HTTP only: bodies are streamed to the spool (service/spool.py) under the upload limit,
and every piece of work is one adapter call in a worker thread, off the event loop.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from fti_gateway.service import adapters, spool
from fti_gateway.service.adapters import Service
from fti_gateway.service.auth import Authenticator, Principal
from fti_gateway.service.problems import problem

JSON_TYPES = ("application/json",)
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/octet-stream")

_MANIFEST_BODY = {
    "required": True,
    "content": {
        t: {"schema": {"type": "object" if t in JSON_TYPES else "string"}}
        for t in (*JSON_TYPES, *YAML_TYPES[:1])
    },
    "description": "A request manifest (FORMATS §1).",
}
_CSV_BODY = {
    "required": True,
    "content": {"text/csv": {"schema": {"type": "string"}}},
    "description": "The subjects CSV (FORMATS §2), streamed.",
}


def _media(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _unsupported(request: Request, wanted: tuple[str, ...]) -> JSONResponse:
    got = _media(request) or "none"
    return problem(
        request,
        415,
        "unsupported-media-type",
        f"content type {got}; send one of {', '.join(wanted)}",
    )


def _too_large(request: Request, limit: int) -> JSONResponse:
    return problem(
        request,
        413,
        "payload-too-large",
        f"the body is over this service's limit of {limit:,} bytes; nothing was kept",
    )


def _declared_over(request: Request, limit: int) -> bool:
    """A Content-Length over the limit is refused before a byte is read."""
    length = request.headers.get("content-length", "")
    return length.isdigit() and int(length) > limit


def router(svc: Service, authenticate: Authenticator) -> APIRouter:
    """The request routes, each authenticated (``authenticate`` yields the agency)."""
    r = APIRouter(prefix="/v1", dependencies=[Depends(authenticate)])
    limit = svc.max_upload_bytes

    @r.post(
        "/requests",
        status_code=201,
        openapi_extra={"requestBody": _MANIFEST_BODY},
        responses={200: {"description": "The same manifest again: the stored request."}},
    )
    async def submit(request: Request, principal: Principal = Depends(authenticate)) -> Response:
        media = _media(request)
        if media not in JSON_TYPES + YAML_TYPES:
            return _unsupported(request, JSON_TYPES + YAML_TYPES)
        if _declared_over(request, limit):
            return _too_large(request, limit)
        folder = spool.new_folder(svc.ws.home)
        try:
            try:
                body = await spool.spool(request.stream(), folder / "body", limit)
            except spool.TooLarge:
                return _too_large(request, limit)
            data = body.path.read_bytes()  # a manifest; its size is bounded by the limit
            resource, new = await run_in_threadpool(
                adapters.post_manifest, svc, principal.agency, data, media in JSON_TYPES, folder
            )
        finally:
            spool.discard(folder)
        return JSONResponse(
            resource,
            status_code=201 if new else 200,
            headers={"Location": resource["links"]["self"]},
        )

    @r.put(
        "/requests/{request_id}/subjects",
        status_code=202,
        openapi_extra={"requestBody": _CSV_BODY},
    )
    async def upload(
        request_id: str, request: Request, principal: Principal = Depends(authenticate)
    ) -> Response:
        target, name = await run_in_threadpool(
            adapters.upload_target, svc, principal.agency, request_id
        )
        media = _media(request)
        if media and media not in CSV_TYPES:
            return _unsupported(request, CSV_TYPES[:1])
        if _declared_over(request, limit):
            return _too_large(request, limit)
        folder = spool.new_folder(svc.ws.home)
        try:
            try:
                body = await spool.spool(request.stream(), folder / name, limit)
            except spool.TooLarge:
                return _too_large(request, limit)
            answer = await run_in_threadpool(adapters.attach_upload, svc, target, body)
        finally:
            spool.discard(folder)
        return JSONResponse(answer, status_code=202)

    @r.get("/requests/{request_id}", response_model=dict[str, Any])
    def status(request_id: str, principal: Principal = Depends(authenticate)) -> Response:
        # The most frequent call: its plain-JSON dict is sent as it is, without FastAPI's
        # validation of a return value against the response model (~10 % of its CPU).
        return JSONResponse(adapters.status(svc, principal.agency, request_id))

    @r.get("/requests/{request_id}/decision")
    def decision(request_id: str, principal: Principal = Depends(authenticate)) -> dict[str, Any]:
        return adapters.decision(svc, principal.agency, request_id)

    @r.get("/requests")
    def listing(
        principal: Principal = Depends(authenticate),
        status: str | None = Query(None, description="only requests with this status"),
        cursor: str | None = Query(None, description="next_cursor of the previous page"),
        limit: int = Query(50, ge=1, le=200, description="requests per page"),
    ) -> dict[str, Any]:
        return adapters.list_requests(svc, principal.agency, status, cursor, limit)

    return r
