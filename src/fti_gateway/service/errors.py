"""Every error the service answers is an RFC 9457 problem document (service/problems.py).

One mapping from error type to status, so every endpoint answers bad input the same way:
unreadable input is 422, a missing thing 404, a failed integrity check 409, a busy
resource 503 with ``Retry-After``. The problem's ``detail`` is the error's one sentence
(with its place), ``where`` and ``hint`` are extension members, and the error's
``details`` become ``errors`` (row- and field-level problems).

Log lines name the status, the problem kind and the *route template*, never the detail
or the concrete path: both can quote what the caller sent (a TIN, a name). An unexpected
exception is logged by type and code location only, and answered without either.
"""

from __future__ import annotations

import logging
import re
import traceback
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from fti_gateway.core.errors import (
    BusyError,
    ConfigError,
    FtiError,
    InputError,
    IntegrityError,
    NotFoundError,
)
from fti_gateway.service.problems import problem

log = logging.getLogger("fti_gateway.service")

RETRY_AFTER_S = 5  # a busy ledger is held for milliseconds; a few seconds is generous


@dataclass
class ForbiddenError(FtiError):
    """The caller is known but may not do this (a manifest naming another agency)."""


@dataclass
class TooLargeError(FtiError):
    """The body is over the configured limit (``--max-upload-bytes``): 413."""


@dataclass
class RangeNotSatisfiableError(FtiError):
    """A ``Range`` that starts past the end of the representation: 416, with
    ``Content-Range: bytes */<size>`` (RFC 9110 §15.5.17)."""

    size: int = 0


STATUS: dict[type[FtiError], int] = {
    ForbiddenError: 403,
    TooLargeError: 413,
    RangeNotSatisfiableError: 416,
    InputError: 422,
    NotFoundError: 404,
    IntegrityError: 409,
    BusyError: 503,
    ConfigError: 500,
}

HTTP_KINDS = {
    400: "bad-request",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "too-large",
    415: "unsupported-media-type",
    416: "range-not-satisfiable",
}


def status_for(error: FtiError) -> int:
    """The HTTP status of an error, by its nearest mapped class (400 for a bare FtiError)."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def kind_for(error: FtiError) -> str:
    """The problem type's last part: the class name without ``Error``, in kebab case
    (``NotFoundError`` → ``not-found``; a bare ``FtiError`` → ``error``)."""
    name = type(error).__name__.removesuffix("Error") or "Error"
    if name == "Fti":
        return "error"
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _route(request: Request) -> str:
    """The matched route's template (``/v1/requests/{id}``), or ``-`` when none matched:
    safe to log, unlike the concrete path."""
    route = request.scope.get("route")
    return str(getattr(route, "path", "-"))


def _log(request: Request, status: int, kind: str) -> None:
    level = logging.ERROR if status >= 500 else logging.INFO
    log.log(level, "%s %s -> %d %s", request.method, _route(request), status, kind)


def fti_problem(
    request: Request, error: FtiError, errors: list[dict[str, Any]] | None = None
) -> JSONResponse:
    """The problem document of ``error``; ``errors`` (row- or field-level) defaults to the
    error's ``details``, one ``{"message"}`` each."""
    status, kind = status_for(error), kind_for(error)
    _log(request, status, kind)
    detail = f"{error.where}: {error.message}" if error.where else error.message
    headers = {}
    if isinstance(error, BusyError):
        headers["Retry-After"] = str(RETRY_AFTER_S)
    if isinstance(error, RangeNotSatisfiableError):
        headers["Content-Range"] = f"bytes */{error.size}"
    if errors is None:
        errors = [{"message": d} for d in error.details]
    return problem(
        request,
        status,
        kind,
        detail,
        headers=headers or None,
        where=error.where,
        hint=error.hint,
        errors=errors or None,
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors():
        field = ".".join(str(p) for p in e.get("loc", ()))
        out.append({"field": field, "message": str(e.get("msg", "invalid"))})
    return out


def install(app: FastAPI) -> None:
    """Register handlers so that no endpoint answers with a bare traceback, HTML or text."""

    async def on_fti(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, FtiError)
        return fti_problem(request, exc)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        rows = _field_errors(exc)
        first = rows[0] if rows else {"field": "", "message": "the request does not follow the API"}
        error = InputError(
            first["message"],
            where=first["field"] or None,
            hint="see /openapi.json for the request format",
        )
        return fti_problem(request, error, rows)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        kind = HTTP_KINDS.get(exc.status_code, "http-error")
        _log(request, exc.status_code, kind)
        detail = exc.detail if isinstance(exc.detail, str) else "the request was refused"
        if exc.status_code == 404 and detail == "Not Found":
            detail = "there is nothing at this address"
        headers = dict(exc.headers) if exc.headers else None
        return problem(request, exc.status_code, kind, detail, headers=headers)

    async def on_bug(request: Request, exc: Exception) -> JSONResponse:
        # Never a traceback, nor the exception's text (it may quote input): the kind only,
        # and in the log the code locations, which hold no data.
        where = "; ".join(
            f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}"
            for f in traceback.extract_tb(exc.__traceback__)[-4:]
        )
        log.error(
            "%s %s -> 500 %s at %s", request.method, _route(request), type(exc).__name__, where
        )
        return problem(
            request,
            500,
            "internal",
            f"internal error ({type(exc).__name__}); nothing was released",
            hint="the request's run is recorded as failed; sending it again resumes it",
        )

    app.add_exception_handler(FtiError, on_fti)
    app.add_exception_handler(Exception, on_bug)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
