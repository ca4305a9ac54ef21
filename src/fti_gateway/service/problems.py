"""RFC 9457 problem details: ``application/problem+json`` with all five members API.md
requires (``type``, ``title``, ``status``, ``detail``, ``instance``).

Problem types are URNs under ``urn:fti-gateway:problem:`` — stable names a client can
switch on, not links to documentation that could move. Row-level problems go in the
``errors`` extension member (a list of objects, each with at least ``message``); other
extension members (``where``, ``hint``) carry what the CLI prints for the same error.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:fti-gateway:problem:"


def title_for(status: int) -> str:
    """The status's reason phrase (RFC 9110), or a generic one for an unregistered code."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(
    request: Request,
    status: int,
    kind: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """A problem document for ``request``; ``instance`` is the path that was called.
    Extension members whose value is None are left out (an absent member, not a null)."""
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + kind,
        "title": title_for(status),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update({k: v for k, v in extensions.items() if v is not None})
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


# The schema OpenAPI publishes for every error answer (service/openapi.py attaches it).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string", "description": "urn:fti-gateway:problem:<kind>"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "where": {"type": "string", "description": "the file, line or field at fault"},
        "hint": {"type": "string", "description": "what to do about it"},
        "errors": {
            "type": "array",
            "description": "row- or field-level problems",
            "items": {
                "type": "object",
                "required": ["message"],
                "properties": {
                    "line": {"type": "integer"},
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error statuses, each a problem document."""
    return {
        status: {
            "description": title_for(status),
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
