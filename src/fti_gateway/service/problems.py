"""RFC 9457 problem details: ``application/problem+json`` with all five members API.md
requires (``type``, ``title``, ``status``, ``detail``, ``instance``).

Problem types are URNs under ``urn:fti-gateway:problem:`` — stable names a client can
switch on, not links to documentation that could move.
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi import Request
from fastapi.responses import JSONResponse

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:fti-gateway:problem:"


def problem(
    request: Request,
    status: int,
    kind: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem document for ``request``; ``instance`` is the path that was called."""
    body = {
        "type": TYPE_PREFIX + kind,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)
