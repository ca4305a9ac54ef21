"""The OpenAPI 3.1 document, completed where FastAPI's generator stops.

- Every operation documents its errors as RFC 9457 problem documents: the ``default``
  response, and FastAPI's own 422 (which it describes as plain JSON) replaced by one.
- The security scheme: OpenAPI has no DPoP type, but its ``http`` type takes any scheme
  in the IANA HTTP Authentication Scheme registry, and RFC 9449 §7.1 registers ``DPoP``
  there; so the scheme is ``{"type": "http", "scheme": "DPoP"}`` with a description of
  the proof header (service/auth.py declares it; here the description is completed).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from fti_gateway.service.problems import MEDIA_TYPE, PROBLEM_SCHEMA

SECURITY_DETAIL = (
    "RFC 9449 DPoP-bound access tokens, FAPI 2.0-shaped. Get a token at POST /v1/token "
    "with an RFC 7523 private_key_jwt client assertion and a DPoP proof; then send "
    "`Authorization: DPoP <token>` and a fresh `DPoP` proof header (a JWS with typ "
    "dpop+jwt, the public jwk in its header, and claims htm, htu without query, iat within "
    "60 s, a never-reused jti, and ath = base64url SHA-256 of the token) on every call. "
    "Ed25519 (alg Ed25519 or EdDSA) and ES256 only."
)

PROBLEM_RESPONSE = {
    "description": "An RFC 9457 problem document",
    "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def complete(doc: dict[str, Any]) -> dict[str, Any]:
    """Add the Problem schema, problem responses and the security description to ``doc``."""
    components = doc.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for scheme in components.get("securitySchemes", {}).values():
        if scheme.get("type") == "http" and str(scheme.get("scheme")).lower() == "dpop":
            scheme["description"] = SECURITY_DETAIL
    for ops in doc.get("paths", {}).values():
        for op in ops.values():
            responses = op.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = {**PROBLEM_RESPONSE, "description": "Unprocessable Content"}
            if op.get("security") and "401" not in responses:
                responses["401"] = {
                    **PROBLEM_RESPONSE,
                    "description": "Unauthorized (with a WWW-Authenticate: DPoP challenge)",
                }
            responses.setdefault("default", PROBLEM_RESPONSE)
    return doc


def install(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (built once, on first use)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    openapi_version=app.openapi_version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
