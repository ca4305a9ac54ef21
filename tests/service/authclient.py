"""An agency's side of API.md "Authentication", written from the RFCs with joserfc.

``Agency`` makes its keys (an agency key registered with the gateway, a separate DPoP
key), signs client assertions (RFC 7523) and DPoP proofs (RFC 9449), gets a token and
calls the API with ``Authorization: DPoP`` + a fresh proof. Every claim can be
overridden or dropped (``None``) so tests can send exactly the credential they refuse.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from joserfc import jws
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey

from fti_gateway.core.workspace import Workspace
from fti_gateway.store import StateStore
from fti_gateway.store.agencies import AgencyRegister

BASE = "http://testserver"
TOKEN_URL = BASE + "/v1/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGS = {"Ed25519": "Ed25519", "EdDSA": "Ed25519", "ES256": "P-256"}


def new_key(alg: str = "Ed25519") -> OKPKey | ECKey:
    crv = ALGS[alg]
    return ECKey.generate_key(crv) if crv == "P-256" else OKPKey.generate_key(crv)  # type: ignore[arg-type]


def sign(header: dict[str, Any], claims: dict[str, Any], key: Any) -> str:
    """A compact JWS with exactly this header and these claims (None drops a claim).

    Algorithms the gateway must refuse are made too: ``none`` (no signature), ``HS256``
    keyed with the public key's JSON (the classic algorithm-confusion forgery) and
    ``RS256`` with a fresh RSA key."""
    payload = json.dumps({k: v for k, v in claims.items() if v is not None}).encode()
    alg = header["alg"]
    if alg == "none":

        def b64(b: bytes) -> str:
            return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

        return f"{b64(json.dumps(header).encode())}.{b64(payload)}."
    if alg == "HS256":
        key = OctKey.import_key(json.dumps(key.as_dict(private=False)).encode())
    elif alg == "RS256":
        key = RSAKey.generate_key(2048)
    return str(jws.serialize_compact(header, payload, key, algorithms=[alg]))


def ath(token: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(token.encode()).digest()).rstrip(b"=").decode()


def register_agency(home: Path, agency: str, key: Any) -> None:
    """What ``fti agency add`` does, for tests that need no CLI."""
    store = StateStore.for_workspace(Workspace.open(home))
    try:
        AgencyRegister(store).add(agency, dict(key.as_dict(private=False)))
    finally:
        store.dispose()


class Agency:
    """One agency calling the service through ``client``."""

    def __init__(
        self,
        client: TestClient,
        agency: str = "DOJ",
        alg: str = "Ed25519",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client, self.agency, self.alg, self.clock = client, agency, alg, clock
        self.key = new_key(alg)
        self.dpop_key = new_key(alg)
        self.token: str | None = None

    def register(self, home: Path) -> Agency:
        register_agency(home, self.agency, self.key)
        return self

    # -- the two JWTs -------------------------------------------------------------------

    def assertion(self, key: Any = None, alg: str | None = None, **claims: Any) -> str:
        now = int(self.clock())
        body = {
            "iss": self.agency,
            "sub": self.agency,
            "aud": TOKEN_URL,
            "exp": now + 120,
            "iat": now,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return sign({"alg": alg or self.alg}, body, key or self.key)

    def proof(
        self,
        method: str,
        url: str,
        token: str | None = None,
        key: Any = None,
        header: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        key = key or self.dpop_key
        head = {"typ": "dpop+jwt", "alg": self.alg, "jwk": key.as_dict(private=False)}
        body = {
            "jti": uuid.uuid4().hex,
            "htm": method,
            "htu": url,
            "iat": int(self.clock()),
            "ath": ath(token) if token else None,
            **claims,
        }
        return sign({**head, **(header or {})}, body, key)

    # -- calls --------------------------------------------------------------------------

    def request_token(
        self, assertion: str | None = None, proof: str | None = None, **form: str
    ) -> httpx.Response:
        data = {
            "grant_type": "client_credentials",
            "client_id": self.agency,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion if assertion is not None else self.assertion(),
            **form,
        }
        dpop = proof if proof is not None else self.proof("POST", TOKEN_URL)
        return self.client.post("/v1/token", data=data, headers={"DPoP": dpop})

    def get_token(self) -> str:
        r = self.request_token()
        assert r.status_code == 200, r.json()
        self.token = str(r.json()["access_token"])
        return self.token

    def headers(self, method: str, path: str) -> dict[str, str]:
        """Authorization + a fresh proof for one call (htu without query)."""
        token = self.token or self.get_token()
        url = BASE + path.split("?", 1)[0]
        return {"Authorization": f"DPoP {token}", "DPoP": self.proof(method, url, token)}

    def call(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        both = {**(headers or {}), **self.headers(method, path)}
        return self.client.request(method, path, headers=both, **kw)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.call("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.call("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.call("PUT", path, **kw)
