"""``POST /v1/token``: an agency's client assertion (RFC 7523) and DPoP proof (RFC 9449)
become a short-lived access token bound to the proof's key.

Errors are RFC 6749 §5.2 JSON (``error``, ``error_description``), not problem documents,
because OAuth clients parse them. Status: 400 for every error, including
``invalid_client`` — private_key_jwt is not an HTTP authentication scheme, so there is no
challenge a 401 could carry — except when the client tried an ``Authorization`` header,
where §5.2 requires 401 with a challenge of the scheme it used.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from joserfc import jws
from starlette.concurrency import run_in_threadpool

from fti_gateway.service import jwts
from fti_gateway.service.auth import TOKEN_PATH, AuthConfig

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FORM = "application/x-www-form-urlencoded"
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}
OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "required": ["grant_type", "client_assertion_type", "client_assertion"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                        "client_id": {"type": "string"},
                        "client_assertion_type": {
                            "type": "string",
                            "enum": [jwts.ASSERTION_TYPE],
                        },
                        "client_assertion": {"type": "string"},
                    },
                }
            }
        },
    },
    "parameters": [
        {"name": "DPoP", "in": "header", "required": True, "schema": {"type": "string"}}
    ],
    "responses": {
        "200": {
            "description": "A DPoP-bound access token",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["access_token", "token_type", "expires_in"],
                        "properties": {
                            "access_token": {"type": "string"},
                            "token_type": {"type": "string", "enum": ["DPoP"]},
                            "expires_in": {"type": "integer", "maximum": 300},
                        },
                    }
                }
            },
        },
        "400": {
            "description": "RFC 6749 §5.2 error",
            "content": {"application/json": {"schema": _ERROR}},
        },
        "401": {
            "description": "RFC 6749 §5.2 error (client tried an Authorization header)",
            "content": {"application/json": {"schema": _ERROR}},
        },
    },
}


def oauth_error(error: str, description: str, status: int = 400, **headers: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={**NO_STORE, **headers},
    )


def install(app: FastAPI, config: AuthConfig) -> None:
    @app.post(TOKEN_PATH, openapi_extra=OPENAPI, tags=["auth"], response_model=None)
    async def token(request: Request) -> JSONResponse:
        """Exchange a client assertion and a DPoP proof for an access token."""
        if request.headers.get("authorization"):
            scheme = request.headers["authorization"].split(" ", 1)[0] or "Basic"
            return oauth_error(
                "invalid_client",
                "clients authenticate with private_key_jwt (client_assertion), "
                "not an Authorization header",
                401,
                **{"WWW-Authenticate": f'{scheme} realm="fti-gateway"'},
            )
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
            return oauth_error("invalid_request", f"the body must be {FORM}")
        form = await request.form()
        repeated = sorted({k for k in form if len(form.getlist(k)) > 1})
        if repeated:
            return oauth_error("invalid_request", f"repeated parameter(s): {', '.join(repeated)}")
        params = {k: str(v) for k, v in form.items()}
        try:
            return await run_in_threadpool(
                issue,
                config,
                params,
                request.headers.getlist("dpop"),
                config.url_of(request),
                config.base_url(request),
            )
        except jwts.Refused as e:
            return oauth_error(e.error, e.description)


def issue(
    config: AuthConfig, params: dict[str, str], proofs: list[str], url: str, base: str
) -> JSONResponse:
    """Check the request, record both ``jti``s, and answer with a new token."""
    if params.get("grant_type") is None:
        raise jwts.Refused("invalid_request", "grant_type is required")
    if params["grant_type"] != "client_credentials":
        raise jwts.Refused("unsupported_grant_type", "grant_type must be client_credentials")
    if params.get("client_assertion_type") != jwts.ASSERTION_TYPE:
        raise jwts.Refused("invalid_client", f"client_assertion_type must be {jwts.ASSERTION_TYPE}")
    assertion = params.get("client_assertion")
    if not assertion:
        raise jwts.Refused("invalid_client", "client_assertion is required")
    if len(proofs) > 1:
        raise jwts.Refused("invalid_dpop_proof", "send exactly one DPoP header")
    now = config.clock()
    proof = jwts.check_proof(proofs[0] if proofs else None, "POST", url, now)
    client_id = params.get("client_id") or _claimed_issuer(assertion)
    key = config.register.active(client_id)
    if key is None:
        raise jwts.Refused(
            "invalid_client", f"client {client_id!r} is not registered or was revoked"
        )
    audiences = {url, base, base + "/"}
    checked = jwts.check_assertion(assertion, client_id, key.jwk, audiences, now)
    at = datetime.fromtimestamp(now, UTC)
    for kind, seen, error in (
        ("assertion", checked, "invalid_client"),
        ("proof", proof, "invalid_dpop_proof"),
    ):
        until = datetime.fromtimestamp(seen.replayable_until, UTC)
        if not config.register.first_use(kind, seen.issuer, seen.jti, until, at):  # type: ignore[arg-type]
            raise jwts.Refused(error, f"this {kind}'s jti was already used")
    token = secrets.token_urlsafe(32)
    expires = datetime.fromtimestamp(now + config.token_ttl_s, UTC)
    config.register.issue_token(key, token, proof.jkt, expires)
    body = {"access_token": token, "token_type": "DPoP", "expires_in": config.token_ttl_s}
    return JSONResponse(body, headers=NO_STORE)


def _claimed_issuer(assertion: str) -> str:
    """The assertion's ``iss`` before verification, only to find which key verifies it."""
    try:
        claims = json.loads(jws.extract_compact(assertion.encode("ascii")).payload)
        iss = claims.get("iss") if isinstance(claims, dict) else None
    except Exception:
        iss = None
    if not isinstance(iss, str) or not iss:
        raise jwts.Refused("invalid_client", "client_id is required")
    return iss
