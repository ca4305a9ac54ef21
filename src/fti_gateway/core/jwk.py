"""Public JSON Web Keys (RFC 7517) as API.md allows them: Ed25519 ``OKP`` or ``EC`` P-256.

One check for every key the gateway trusts — an agency's registered key (``fti agency
add``) and the key in each DPoP proof header — so both refuse the same things: a private
key (its ``d`` would then sit in our database or in a header), another curve, RSA, a
symmetric key. What is kept is only the public members RFC 7638 hashes, so the stored
key and its thumbprint can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OKPKey

from fti_gateway.core.errors import InputError

# JWS algorithms accepted anywhere (API.md): RFC 9864's "Ed25519", the older "EdDSA"
# (restricted to Ed25519 keys), and ES256. Never "none", HMAC or RSA.
ALGORITHMS: tuple[str, ...] = ("Ed25519", "EdDSA", "ES256")
_ALG_KEY = {"Ed25519": ("OKP", "Ed25519"), "EdDSA": ("OKP", "Ed25519"), "ES256": ("EC", "P-256")}
_MEMBERS = {("OKP", "Ed25519"): ("crv", "kty", "x"), ("EC", "P-256"): ("crv", "kty", "x", "y")}
_PRIVATE = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


def public_jwk(data: Any, where: str) -> dict[str, str]:
    """The public members of an allowed key, or :class:`InputError` saying what is wrong."""
    if not isinstance(data, Mapping):
        raise InputError("a JWK must be a JSON object", where=where)
    if "keys" in data:
        raise InputError("this is a JWK Set; give the one public key itself", where=where)
    kty, crv = str(data.get("kty")), str(data.get("crv"))
    if kty == "RSA" or kty == "oct":
        raise InputError(
            f"{kty} keys are not accepted",
            where=where,
            hint="use an Ed25519 (kty OKP) or P-256 (kty EC) key",
        )
    if (kty, crv) not in _MEMBERS:
        raise InputError(
            f"key type {kty!r} with curve {crv!r} is not accepted",
            where=where,
            hint="use an Ed25519 (kty OKP, crv Ed25519) or P-256 (kty EC, crv P-256) key",
        )
    if any(k in data for k in _PRIVATE):
        raise InputError(
            "this is a private key; only the public key may be given",
            where=where,
            hint="remove the 'd' member (the private part) and keep it with the agency",
        )
    members = _MEMBERS[(kty, crv)]
    missing = [k for k in members if not isinstance(data.get(k), str)]
    if missing:
        raise InputError(f"the key lacks {', '.join(missing)}", where=where)
    public = {k: str(data[k]) for k in members}
    try:
        (OKPKey if kty == "OKP" else ECKey).import_key(dict(public))
    except (JoseError, ValueError, TypeError) as e:
        raise InputError(f"the key does not load: {e}", where=where) from None
    return public


def thumbprint(public: Mapping[str, str]) -> str:
    """RFC 7638 SHA-256 thumbprint, base64url (the ``jkt`` of RFC 9449)."""
    key = (OKPKey if public["kty"] == "OKP" else ECKey).import_key(dict(public))
    return key.thumbprint()


def alg_fits(alg: str, public: Mapping[str, str]) -> bool:
    """True when ``alg`` is allowed and signs with a key like ``public``."""
    return _ALG_KEY.get(alg) == (public.get("kty"), public.get("crv"))


def load_key(public: Mapping[str, str]) -> OKPKey | ECKey:
    """A joserfc key object for verification."""
    return (OKPKey if public["kty"] == "OKP" else ECKey).import_key(dict(public))
