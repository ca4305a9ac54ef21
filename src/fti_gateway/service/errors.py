"""Errors as JSON: the same fields the CLI prints (``FtiError.to_json``), with an HTTP status.

One mapping from error type to status, so every endpoint answers bad input the same way:
unreadable input is 422, a missing thing 404, a failed integrity check 409.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from fti_gateway.core.errors import (
    ConfigError,
    FtiError,
    InputError,
    IntegrityError,
    NotFoundError,
)
from fti_gateway.service.problems import problem


@dataclass
class ForbiddenError(FtiError):
    """The caller is known but may not do this (a manifest naming another agency)."""


STATUS: dict[type[FtiError], int] = {
    ForbiddenError: 403,
    InputError: 422,
    NotFoundError: 404,
    IntegrityError: 409,
    ConfigError: 500,
}


def status_for(error: FtiError) -> int:
    """The HTTP status of an error, by its nearest mapped class (400 for a bare FtiError)."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_response(error: FtiError) -> JSONResponse:
    return JSONResponse(error.to_json(), status_code=status_for(error))


def install(app: FastAPI) -> None:
    """Register handlers so that no endpoint answers with a bare traceback or HTML."""

    async def on_fti(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, FtiError)
        return error_response(exc)

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
        ]
        first = exc.errors()[0] if exc.errors() else {}
        return error_response(
            InputError(
                str(first.get("msg", "the request does not follow the API")),
                where=".".join(str(p) for p in first.get("loc", ())) or None,
                details=problems,
                hint="see /docs for the request format",
            )
        )

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        cls = NotFoundError if exc.status_code == 404 else FtiError
        body = cls(str(exc.detail)).to_json()
        return JSONResponse(body, status_code=exc.status_code)

    async def on_bug(_: Request, exc: Exception) -> JSONResponse:
        # Never a traceback, nor the exception's text (it may quote input): the kind only.
        body = FtiError(
            f"internal error ({type(exc).__name__}); nothing was released",
            hint="the request's run is recorded as failed; sending it again resumes it",
        ).to_json()
        return JSONResponse({**body, "error": "InternalError"}, status_code=500)

    async def on_forbidden(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ForbiddenError)
        detail = f"{exc.where}: {exc.message}" if exc.where else exc.message
        return problem(request, 403, "forbidden", detail)

    app.add_exception_handler(FtiError, on_fti)
    app.add_exception_handler(ForbiddenError, on_forbidden)
    app.add_exception_handler(Exception, on_bug)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
