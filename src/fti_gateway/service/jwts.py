"""The two JWTs an agency sends, checked as their RFCs say (no database here).

- :func:`check_assertion` — the RFC 7523 client assertion at ``POST /v1/token``.
- :func:`check_proof` — an RFC 9449 DPoP proof, at the token endpoint and on each call.

Each returns what the caller must still record (the ``jti`` and until when it matters)
or raises :class:`Refused` carrying the OAuth error code and a description the client
can act on. Descriptions never quote the token or the JWT itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import warnings
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

from joserfc import jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import ECKey, OKPKey

from fti_gateway.core.errors import InputError
from fti_gateway.core.jwk import ALGORITHMS, alg_fits, load_key, public_jwk, thumbprint

# "EdDSA" is allowed by API.md (older clients); joserfc warns on every use of it.
warnings.filterwarnings("ignore", category=SecurityWarning, message="EdDSA is deprecated")

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ASSERTION_AHEAD_S = 300  # API.md: exp at most 5 minutes ahead
PROOF_WINDOW_S = 60  # API.md: a proof's iat within 60 s of now
CLOCK_SKEW_S = 5  # tolerated for an assertion's exp/nbf/iat (clocks are never exact)
_REGISTRY = jws.JWSRegistry(algorithms=list(ALGORITHMS), strict_check_header=False)


@dataclass
class Refused(Exception):
    """A credential that does not pass: ``error`` is the OAuth/DPoP error code."""

    error: str
    description: str


@dataclass(frozen=True)
class Checked:
    """A verified JWT's ``jti``, who it is scoped to, and until when it could be replayed."""

    jti: str
    issuer: str
    replayable_until: float


def _verified(
    compact: str, error: str, key_for: Callable[[Mapping[str, Any]], OKPKey | ECKey]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a compact JWS signed with an allowed algorithm, or Refused."""
    try:
        obj = jws.extract_compact(compact.encode("ascii"))
    except (JoseError, ValueError, UnicodeError) as e:
        raise Refused(error, f"not a compact JWS ({type(e).__name__})") from None
    header = dict(obj.headers())
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise Refused(error, f"alg {alg!r} is not accepted; use one of {', '.join(ALGORITHMS)}")
    if "crit" in header or "b64" in header:
        raise Refused(error, "critical header extensions are not supported")
    key = key_for(header)
    if not alg_fits(str(alg), {"kty": key.key_type, "crv": key.curve_name}):
        raise Refused(
            error,
            f"alg {alg} does not fit the key (Ed25519 or EdDSA: OKP Ed25519; ES256: EC P-256)",
        )
    try:
        ok = jws.validate_compact(obj, key, registry=_REGISTRY)
    except (JoseError, ValueError) as e:
        raise Refused(error, f"the signature does not verify ({type(e).__name__})") from None
    if not ok:
        raise Refused(error, "the signature does not verify")
    try:
        claims = json.loads(obj.payload)
    except ValueError:
        raise Refused(error, "the payload is not JSON") from None
    if not isinstance(claims, dict):
        raise Refused(error, "the payload is not a JSON object")
    return header, claims


def _number(claims: Mapping[str, Any], name: str, error: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused(error, f"claim {name!r} is missing or not a number")
    return float(value)


def _string(claims: Mapping[str, Any], name: str, error: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value or len(value) > 512:
        raise Refused(error, f"claim {name!r} is missing or not a string")
    return value


def check_assertion(
    assertion: str, client_id: str, jwk: Mapping[str, str], audiences: Collection[str], now: float
) -> Checked:
    """RFC 7523 §3: iss = sub = client_id, aud names us, exp in (now, now + 5 min], jti."""
    err = "invalid_client"
    _, claims = _verified(assertion, err, lambda _h: load_key(jwk))
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise Refused(err, "iss and sub must both be the client_id")
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    wanted = {normal_url(a) for a in audiences}
    if not any(isinstance(a, str) and normal_url(a) in wanted for a in auds):
        raise Refused(
            err,
            f"aud must be the token endpoint URL or the service URL ({', '.join(sorted(audiences))})",
        )
    exp = _number(claims, "exp", err)
    if exp <= now - CLOCK_SKEW_S:
        raise Refused(err, "the assertion has expired")
    if exp > now + MAX_ASSERTION_AHEAD_S + CLOCK_SKEW_S:
        raise Refused(err, f"exp is more than {MAX_ASSERTION_AHEAD_S} s ahead")
    for name in ("nbf", "iat"):
        if name in claims and _number(claims, name, err) > now + CLOCK_SKEW_S:
            raise Refused(err, f"{name} is in the future")
    jti = _string(claims, "jti", err)
    return Checked(jti=jti, issuer=client_id, replayable_until=exp + CLOCK_SKEW_S)


@dataclass(frozen=True)
class Proof(Checked):
    jkt: str


def check_proof(
    proof: str | None, method: str, url: str, now: float, access_token: str | None = None
) -> Proof:
    """RFC 9449 §4.3: typ, alg, a public jwk, signature, htm, htu (query and fragment
    ignored), iat within the window, jti, and ``ath`` when an access token comes with it."""
    err = "invalid_dpop_proof"
    if not proof:
        raise Refused(err, "a DPoP proof header is required")
    holder: dict[str, str] = {}

    def key_for(header: Mapping[str, Any]) -> OKPKey | ECKey:
        if header.get("typ") != "dpop+jwt":
            raise Refused(err, "typ must be dpop+jwt")
        try:
            key, holder["jkt"] = _proof_key(_canonical(header.get("jwk")))
        except InputError as e:
            raise Refused(err, e.message) from None
        return key

    _, claims = _verified(proof, err, key_for)
    if _string(claims, "htm", err) != method:
        raise Refused(err, f"htm must be {method}")
    if normal_url(_string(claims, "htu", err)) != normal_url(url):
        raise Refused(err, f"htu must be {normal_url(url)}")
    iat = _number(claims, "iat", err)
    if abs(now - iat) > PROOF_WINDOW_S:
        raise Refused(err, f"iat is more than {PROOF_WINDOW_S} s from the server's time")
    jti = _string(claims, "jti", err)
    if access_token is not None:
        ath = claims.get("ath")
        if not isinstance(ath, str):
            raise Refused(err, "ath (the access token's hash) is missing")
        if not hmac.compare_digest(ath, access_token_hash(access_token)):
            raise Refused(err, "ath does not match the access token")
    jkt = holder["jkt"]
    return Proof(jti=jti, issuer=jkt, replayable_until=iat + PROOF_WINDOW_S + 1, jkt=jkt)


PROOF_KEYS_CACHED = 1024  # DPoP public keys kept read per process (a client keeps one)


def _canonical(jwk: Any) -> str:
    """The proof header's ``jwk`` as one string: the key cache's index."""
    return json.dumps(jwk, sort_keys=True, separators=(",", ":"))


@lru_cache(maxsize=PROOF_KEYS_CACHED)
def _proof_key(canonical: str) -> tuple[OKPKey | ECKey, str]:
    """A proof header's public key, loaded, and its thumbprint (the ``jkt``).

    A client signs every proof with the same DPoP key, and reading it (checking its
    members, importing it, hashing its thumbprint) cost more than verifying the
    signature; the result depends only on the key's own members, so it is kept. Only
    the reading is kept: every proof's signature is still verified with the key. A key
    that is refused raises, and refusals are never kept."""
    public = public_jwk(json.loads(canonical), "DPoP proof header jwk")
    return load_key(public), thumbprint(public)


def access_token_hash(token: str) -> str:
    """RFC 9449 ``ath``: base64url (no padding) of SHA-256 of the token's ASCII bytes."""
    digest = hashlib.sha256(token.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def normal_url(url: str) -> str:
    """RFC 3986 §6.2.2-6.2.3 normalization enough to compare ``htu`` and ``aud``: scheme
    and host lowercased, default port dropped, empty path as "/", percent-encoding
    decoded (a client signs the encoded URL, the server sees the decoded path), no query,
    no fragment."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return f"{scheme}://{host}{unquote(parts.path) or '/'}"
