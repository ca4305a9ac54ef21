"""Who is calling: every protected call becomes a :class:`Principal` (an agency) or a 401.

API.md "Authentication": ``Authorization: DPoP <token>`` plus a fresh DPoP proof (RFC 9449
§7) on every ``/v1`` call except ``/v1/health``, ``/v1/token`` and ``/v1/keys/*``. The
checks, in order: one Authorization header with the DPoP scheme (a Bearer presentation of
a DPoP-bound token is refused, §7.2), one proof that passes :func:`jwts.check_proof`
with ``ath``, a token we issued that has not expired and whose agency key is not
revoked, the proof signed by the key the token is bound to, and the proof's ``jti`` not
seen before (recorded last, so only an accepted proof uses it up).

Refusals are 401 with a ``WWW-Authenticate: DPoP`` challenge — with an error code where
credentials were sent, without one where none were (RFC 6750 §3.1) — and an RFC 9457
problem document. Neither names the token.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.security.http import HTTPBase

from fti_gateway.core.jwk import ALGORITHMS
from fti_gateway.service import jwts
from fti_gateway.service.problems import problem
from fti_gateway.store.agencies import AgencyRegister

TOKEN_PATH = "/v1/token"
TOKEN_TTL_S = 300  # API.md: expires_in ≤ 300

# Documents the scheme in OpenAPI; the checks are ours (auto_error off).
dpop_scheme = HTTPBase(
    scheme="DPoP",
    auto_error=False,
    description="RFC 9449: `Authorization: DPoP <access token>` and a `DPoP` proof header "
    "(htm, htu, iat, jti, ath). Get the token at POST /v1/token.",
)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: the agency (OAuth client_id) and its DPoP key."""

    agency: str
    jkt: str


@dataclass
class AuthConfig:
    """What authentication needs: the register, the public URL, the clock (tests move it)."""

    register: AgencyRegister
    public_url: str | None = None
    clock: Callable[[], float] = field(default=time.time)
    token_ttl_s: int = TOKEN_TTL_S

    def base_url(self, request: Request) -> str:
        """The service's public base URL: configured (behind a proxy) or as seen."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return str(request.base_url).rstrip("/")

    def url_of(self, request: Request) -> str:
        """The public URL of this call without query or fragment: what ``htu`` must say."""
        if not self.public_url:
            return str(request.url.replace(query="", fragment=""))
        path, root = request.scope["path"], request.scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        return self.base_url(request) + path


@dataclass
class Unauthorized(Exception):
    """A 401 for a protected call; ``error`` is None when no credentials were sent."""

    error: str | None
    description: str


def challenge(error: str | None, description: str) -> str:
    """The ``WWW-Authenticate`` value (RFC 9449 §7.1, RFC 6750 §3)."""
    params = []
    if error is not None:
        # A header is Latin-1 at most and a quoted-string has no '"' or '\\'; the
        # description can quote the caller's URL, so anything else becomes '?'.
        safe = "".join(
            c if " " <= c <= "~" else "?" for c in description.replace("\\", "/")
        ).replace('"', "'")
        params += [f'error="{error}"', f'error_description="{safe}"']
    params.append(f'algs="{" ".join(ALGORITHMS)}"')
    return "DPoP " + ", ".join(params)


class Authenticator:
    """The FastAPI dependency; one instance per app so FastAPI runs it once per call."""

    def __init__(self, config: AuthConfig) -> None:
        self.config = config

    def __call__(self, request: Request, _scheme: object = Depends(dpop_scheme)) -> Principal:
        # Sync on purpose: FastAPI runs it in the thread pool (it reads the database).
        token = self._token(request)
        proofs = request.headers.getlist("dpop")
        if len(proofs) > 1:
            raise Unauthorized("invalid_dpop_proof", "send exactly one DPoP header")
        now = self.config.clock()
        url = self.config.url_of(request)
        try:
            proof = jwts.check_proof(proofs[0] if proofs else None, request.method, url, now, token)
        except jwts.Refused as e:
            raise Unauthorized(e.error, e.description) from None
        at = datetime.fromtimestamp(now, UTC)
        register = self.config.register
        record = register.cached_token(token, at)
        if record is None or record.expires_at.timestamp() <= now:
            raise Unauthorized("invalid_token", "the access token is unknown or has expired")
        if record.key_revoked:
            raise Unauthorized("invalid_token", "the agency's key was revoked")
        if not hmac.compare_digest(record.jkt, proof.jkt):
            raise Unauthorized("invalid_token", "Invalid DPoP key binding")
        until = datetime.fromtimestamp(proof.replayable_until, UTC)
        # One statement: the jti is recorded only while the agency's key is active.
        use = register.use_proof(record.key_pk, proof.issuer, proof.jti, until, at)
        if use == "revoked":
            raise Unauthorized("invalid_token", "the agency's key was revoked")
        if use == "replayed":
            raise Unauthorized("invalid_dpop_proof", "this proof's jti was already used")
        return Principal(agency=record.agency, jkt=proof.jkt)

    @staticmethod
    def _token(request: Request) -> str:
        given = request.headers.getlist("authorization")
        if not given:
            raise Unauthorized(
                None, "this call needs 'Authorization: DPoP <token>' and a DPoP proof"
            )
        if len(given) > 1:
            raise Unauthorized("invalid_token", "send exactly one Authorization header")
        scheme, _, token = given[0].strip().partition(" ")
        if scheme.lower() != "dpop":
            raise Unauthorized(
                "invalid_token",
                f"the {scheme or 'empty'} scheme is not accepted: tokens are DPoP-bound "
                "and must be sent as 'Authorization: DPoP <token>' with a DPoP proof",
            )
        token = token.strip()
        if not token or not token.isascii() or " " in token:
            raise Unauthorized("invalid_token", "the DPoP credential is empty or malformed")
        return token


def install(app: FastAPI) -> None:
    """Render :class:`Unauthorized` as 401 + challenge + problem document."""

    async def on_unauthorized(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Unauthorized)
        kind = exc.error.replace("_", "-") if exc.error else "unauthenticated"
        headers = {"WWW-Authenticate": challenge(exc.error, exc.description)}
        return problem(request, 401, kind, exc.description, headers=headers)

    app.add_exception_handler(Unauthorized, on_unauthorized)
