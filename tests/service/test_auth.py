"""API.md "Authentication" on both state backends: the token endpoint, the DPoP-protected
calls, and isolation between agencies. Each refusal sends one credential wrong in one way."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from fti_gateway.core.workspace import Workspace
from fti_gateway.service import create_app
from fti_gateway.store import StateStore
from fti_gateway.store.agencies import AgencyRegister, TokenCache, TokenRecord, token_hash
from tests.service.authclient import BASE, TOKEN_URL, Agency, ath, new_key
from tests.service.test_app import submit, upload

PUBLIC = {"/v1/health", "/v1/token", "/v1/keys/package", "/v1/keys/ledger"}
UNKNOWN = "/v1/requests/" + "0" * 24


class Clock:
    """A clock the test moves; the app and the agencies read the same one."""

    def __init__(self) -> None:
        self.t = time.time()

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


def serve(
    workspace: Workspace, database_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """One service process over the workspace's database (its own store and caches)."""
    monkeypatch.setenv("FTI_DATABASE_URL", database_url)
    app = create_app(workspace.home, clock=clock)
    yield TestClient(app)
    app.state.auth.register.store.dispose()


@pytest.fixture
def client(
    workspace: Workspace, database_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    yield from serve(workspace, database_url, clock, monkeypatch)


def register(client: TestClient) -> AgencyRegister:
    reg: AgencyRegister = client.app.state.auth.register  # type: ignore[attr-defined]
    return reg


@pytest.fixture
def doj(client: TestClient, workspace: Workspace, clock: Clock) -> Agency:
    return Agency(client, "DOJ", clock=clock).register(workspace.home)


def refused(r: object, status: int, error: str) -> None:
    import httpx

    assert isinstance(r, httpx.Response)
    assert r.status_code == status, r.text
    assert r.json()["error"] == error, r.json()
    assert r.json()["error_description"]
    assert r.headers["cache-control"] == "no-store"


def problem_401(r: object, error: str | None) -> None:
    import httpx

    assert isinstance(r, httpx.Response)
    assert r.status_code == 401, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert set(body) >= {"type", "title", "status", "detail", "instance"} and body["status"] == 401
    challenge = r.headers["www-authenticate"]
    assert challenge.startswith("DPoP ") and 'algs="Ed25519 EdDSA ES256"' in challenge
    if error is None:
        assert "error=" not in challenge
    else:
        assert f'error="{error}"' in challenge, challenge


# -- the token endpoint -----------------------------------------------------------------


@pytest.mark.parametrize("alg", ["Ed25519", "EdDSA", "ES256"])
def test_a_registered_agency_gets_a_dpop_bound_token_and_is_let_in(
    client: TestClient, workspace: Workspace, clock: Clock, alg: str
) -> None:
    agency = Agency(client, "DOJ", alg=alg, clock=clock).register(workspace.home)
    r = agency.request_token()
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["token_type"] == "DPoP" and 0 < body["expires_in"] <= 300
    assert r.headers["cache-control"] == "no-store"
    agency.token = body["access_token"]
    got = agency.get(UNKNOWN)
    assert got.status_code == 404  # authenticated: the request simply does not exist


def test_aud_may_be_the_service_url_and_client_id_may_be_left_out(doj: Agency) -> None:
    r = doj.request_token(assertion=doj.assertion(aud=BASE))
    assert r.status_code == 200, r.json()
    form = {"client_id": ""}
    r = doj.request_token(assertion=doj.assertion(aud=[BASE + "/", "https://other"]), **form)
    assert r.status_code == 200, r.json()


def _assertion_case(name: str, doj: Agency, clock: Clock) -> tuple[str, dict[str, str]]:
    now = int(clock())
    if name == "bad signature":
        return doj.assertion(key=new_key()), {}
    if name == "wrong aud":
        return doj.assertion(aud="https://elsewhere.example/v1/token"), {}
    if name == "expired":
        return doj.assertion(exp=now - 30), {}
    if name == "exp more than 5 minutes ahead":
        return doj.assertion(exp=now + 600), {}
    if name == "no jti":
        return doj.assertion(jti=None), {}
    if name == "iss is another agency":
        return doj.assertion(iss="ICE"), {}
    if name == "client_id is another agency":
        return doj.assertion(), {"client_id": "ICE"}
    if name in ("none", "HS256", "RS256"):
        return doj.assertion(alg=name), {}
    raise AssertionError(name)


@pytest.mark.parametrize(
    "case",
    [
        "bad signature",
        "wrong aud",
        "expired",
        "exp more than 5 minutes ahead",
        "no jti",
        "iss is another agency",
        "client_id is another agency",
        "none",
        "HS256",
        "RS256",
    ],
)
def test_a_bad_client_assertion_is_invalid_client(doj: Agency, clock: Clock, case: str) -> None:
    assertion, form = _assertion_case(case, doj, clock)
    refused(doj.request_token(assertion=assertion, **form), 400, "invalid_client")


def test_an_unknown_or_revoked_agency_gets_no_token(
    client: TestClient, workspace: Workspace, doj: Agency, clock: Clock
) -> None:
    ice = Agency(client, "ICE", clock=clock)  # never registered
    refused(ice.request_token(), 400, "invalid_client")
    register(client).revoke("DOJ")
    refused(doj.request_token(), 400, "invalid_client")


def test_an_assertion_is_accepted_once(doj: Agency) -> None:
    assertion = doj.assertion()
    assert doj.request_token(assertion=assertion).status_code == 200
    refused(doj.request_token(assertion=assertion), 400, "invalid_client")


def test_a_token_request_proof_is_accepted_once(doj: Agency) -> None:
    proof = doj.proof("POST", TOKEN_URL)
    assert doj.request_token(proof=proof).status_code == 200
    refused(doj.request_token(proof=proof), 400, "invalid_dpop_proof")


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "htm",
        "htu",
        "htu of another host",
        "stale iat",
        "future iat",
        "typ",
        "private jwk",
        "none",
        "HS256",
        "RS256",
    ],
)
def test_a_bad_token_request_proof_is_invalid_dpop_proof(
    doj: Agency, clock: Clock, case: str
) -> None:
    now = int(clock())
    proof = {
        "htm": lambda: doj.proof("GET", TOKEN_URL),
        "htu": lambda: doj.proof("POST", BASE + "/v1/requests"),
        "htu of another host": lambda: doj.proof("POST", "https://evil.example/v1/token"),
        "stale iat": lambda: doj.proof("POST", TOKEN_URL, iat=now - 120),
        "future iat": lambda: doj.proof("POST", TOKEN_URL, iat=now + 120),
        "typ": lambda: doj.proof("POST", TOKEN_URL, header={"typ": "JWT"}),
        "private jwk": lambda: doj.proof(
            "POST", TOKEN_URL, header={"jwk": doj.dpop_key.as_dict(private=True)}
        ),
        "none": lambda: doj.proof("POST", TOKEN_URL, header={"alg": "none"}),
        "HS256": lambda: doj.proof("POST", TOKEN_URL, header={"alg": "HS256"}),
        "RS256": lambda: doj.proof("POST", TOKEN_URL, header={"alg": "RS256"}),
    }
    if case == "missing":
        r = doj.client.post(
            "/v1/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "DOJ",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": doj.assertion(),
            },
        )
    else:
        r = doj.request_token(proof=proof[case]())
    refused(r, 400, "invalid_dpop_proof")


def test_malformed_token_requests_are_named(doj: Agency) -> None:
    refused(doj.request_token(grant_type="password"), 400, "unsupported_grant_type")
    refused(doj.request_token(client_assertion_type="x"), 400, "invalid_client")
    r = doj.client.post("/v1/token", json={"grant_type": "client_credentials"})
    refused(r, 400, "invalid_request")
    r = doj.client.post(
        "/v1/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic eDp5"},
    )
    refused(r, 401, "invalid_client")
    assert r.headers["www-authenticate"].startswith("Basic ")


# -- protected calls ----------------------------------------------------------------------


def test_no_credentials_is_a_challenge_without_error_code(client: TestClient) -> None:
    problem_401(client.get(UNKNOWN), None)


def test_every_v1_route_but_the_public_ones_needs_credentials(client: TestClient) -> None:
    """By the OpenAPI document: each call is refused without credentials and declares the
    DPoP security scheme; the public ones declare none."""
    paths = client.get("/openapi.json").json()["paths"]
    protected = {p: ops for p, ops in paths.items() if p.startswith("/v1") and p not in PUBLIC}
    assert len(protected) >= 3
    for path, ops in protected.items():
        for method, op in ops.items():
            assert op.get("security") == [{"HTTPBase": []}], (method, path)
            problem_401(client.request(method, re.sub(r"\{[^}]+\}", "0" * 24, path)), None)
    for path in PUBLIC:
        assert all("security" not in op for op in paths[path].values()), path


def call(doj: Agency, proof: str, token: str | None = None, scheme: str = "DPoP") -> object:
    token = token or doj.token or doj.get_token()
    return doj.client.get(UNKNOWN, headers={"Authorization": f"{scheme} {token}", "DPoP": proof})


def test_bearer_scheme_is_refused(doj: Agency) -> None:
    token = doj.get_token()
    r = doj.client.get(UNKNOWN, headers={"Authorization": f"Bearer {token}"})
    problem_401(r, "invalid_token")
    r = call(doj, doj.proof("GET", BASE + UNKNOWN, token), scheme="Bearer")
    problem_401(r, "invalid_token")


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("no proof", "invalid_dpop_proof"),
        ("no ath", "invalid_dpop_proof"),
        ("wrong ath", "invalid_dpop_proof"),
        ("htm", "invalid_dpop_proof"),
        ("htu", "invalid_dpop_proof"),
        ("stale iat", "invalid_dpop_proof"),
        ("another DPoP key", "invalid_token"),
        ("unknown token", "invalid_token"),
        ("none", "invalid_dpop_proof"),
        ("HS256", "invalid_dpop_proof"),
        ("RS256", "invalid_dpop_proof"),
    ],
)
def test_a_bad_call_credential_is_401(doj: Agency, clock: Clock, case: str, error: str) -> None:
    token = doj.get_token()
    url = BASE + UNKNOWN
    make: dict[str, Callable[[], str]] = {
        "no proof": lambda: "",
        "no ath": lambda: doj.proof("GET", url),
        "wrong ath": lambda: doj.proof("GET", url, ath=ath("another token")),
        "htm": lambda: doj.proof("POST", url, token),
        "htu": lambda: doj.proof("GET", BASE + "/v1/requests", token),
        "stale iat": lambda: doj.proof("GET", url, token, iat=int(clock()) - 61),
        "another DPoP key": lambda: doj.proof("GET", url, token, key=new_key()),
        "unknown token": lambda: doj.proof("GET", url, "not-a-token"),
        "none": lambda: doj.proof("GET", url, token, header={"alg": "none"}),
        "HS256": lambda: doj.proof("GET", url, token, header={"alg": "HS256"}),
        "RS256": lambda: doj.proof("GET", url, token, header={"alg": "RS256"}),
    }
    sent = "not-a-token" if case == "unknown token" else token
    problem_401(call(doj, make[case](), sent), error)


def test_a_proof_is_accepted_once(doj: Agency) -> None:
    token = doj.get_token()
    proof = doj.proof("GET", BASE + UNKNOWN, token)
    assert call(doj, proof).status_code == 404  # type: ignore[attr-defined]
    problem_401(call(doj, proof), "invalid_dpop_proof")


def test_a_known_dpop_key_does_not_spare_a_proof_its_signature(doj: Agency) -> None:
    """The proof's key is read once and kept (jwts._proof_key); its signature is not:
    a proof naming the caller's already-used DPoP key but signed by another key is
    refused, and a key the cache once refused is refused again."""
    token = doj.get_token()
    assert call(doj, doj.proof("GET", BASE + UNKNOWN, token)).status_code == 404  # type: ignore[attr-defined]
    own = doj.dpop_key.as_dict(private=False)
    forged = doj.proof("GET", BASE + UNKNOWN, token, key=new_key(), header={"jwk": own})
    problem_401(call(doj, forged), "invalid_dpop_proof")
    private = {**own, "d": "AAAA"}
    for _ in range(2):
        bad = doj.proof("GET", BASE + UNKNOWN, token, header={"jwk": private})
        problem_401(call(doj, bad), "invalid_dpop_proof")
    assert call(doj, doj.proof("GET", BASE + UNKNOWN, token)).status_code == 404  # type: ignore[attr-defined]


def test_the_query_is_not_part_of_htu(doj: Agency) -> None:
    token = doj.get_token()
    proof = doj.proof("GET", BASE + UNKNOWN, token)
    r = doj.client.get(UNKNOWN + "?x=1", headers={"Authorization": f"DPoP {token}", "DPoP": proof})
    assert r.status_code == 404


def test_htu_of_a_percent_encoded_path_is_accepted(doj: Agency) -> None:
    """Found by the API fuzzer: the proof names the URL as sent (percent-encoded), the
    server saw the decoded path, so an id with non-ASCII characters was always a 401."""
    token = doj.get_token()
    path = "/v1/requests/caf%C3%A9-%E2%82%AC"
    proof = doj.proof("GET", BASE + path, token)
    r = doj.client.get(path, headers={"Authorization": f"DPoP {token}", "DPoP": proof})
    assert r.status_code == 404


def test_an_expired_token_is_refused(doj: Agency, clock: Clock) -> None:
    doj.get_token()
    clock.t += 301
    problem_401(doj.get(UNKNOWN), "invalid_token")


def test_revoking_an_agency_ends_its_tokens_at_once(client: TestClient, doj: Agency) -> None:
    doj.get_token()
    assert doj.get(UNKNOWN).status_code == 404
    register(client).revoke("DOJ")
    problem_401(doj.get(UNKNOWN), "invalid_token")


@pytest.fixture
def second_app(
    workspace: Workspace, database_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """Another service process over the same database."""
    yield from serve(workspace, database_url, clock, monkeypatch)


def test_a_proof_is_accepted_once_across_service_processes(
    doj: Agency, second_app: TestClient
) -> None:
    token = doj.get_token()
    proof = doj.proof("GET", BASE + UNKNOWN, token)
    assert call(doj, proof).status_code == 404  # type: ignore[attr-defined]
    headers = {"Authorization": f"DPoP {token}", "DPoP": proof}
    problem_401(second_app.get(UNKNOWN, headers=headers), "invalid_dpop_proof")
    # ... while the token itself is good there: a fresh proof passes.
    fresh = {"Authorization": f"DPoP {token}", "DPoP": doj.proof("GET", BASE + UNKNOWN, token)}
    assert second_app.get(UNKNOWN, headers=fresh).status_code == 404


def test_a_revocation_elsewhere_ends_a_token_this_process_has_cached(
    client: TestClient, doj: Agency, workspace: Workspace
) -> None:
    """The token is in this process's cache after its first call; the agency is revoked
    by another process (``fti agency revoke``: its own store): the next call is refused."""
    doj.get_token()
    assert doj.get(UNKNOWN).status_code == 404
    assert register(client).tokens.get(token_hash(doj.token or "")) is not None
    store = StateStore.for_workspace(workspace)
    try:
        AgencyRegister(store).revoke("DOJ")
    finally:
        store.dispose()
    problem_401(doj.get(UNKNOWN), "invalid_token")
    # A refused call used up nothing: the same proof is still refused as revoked, not replayed.
    proof = doj.proof("GET", BASE + UNKNOWN, doj.token)
    problem_401(call(doj, proof), "invalid_token")
    problem_401(call(doj, proof), "invalid_token")


def test_the_token_cache_is_bounded_and_drops_expired_tokens_first() -> None:
    now = datetime.now(UTC)
    cache = TokenCache(size=3)

    def rec(expires: datetime) -> TokenRecord:
        return TokenRecord("DOJ", 1, "jkt", expires, key_revoked=False)

    cache.put("a", rec(now + timedelta(seconds=100)), now)
    cache.put("old", rec(now - timedelta(seconds=1)), now)
    cache.put("b", rec(now + timedelta(seconds=100)), now)
    cache.put("c", rec(now + timedelta(seconds=100)), now)  # full: the expired one goes
    assert cache.get("old") is None
    assert all(cache.get(k) is not None for k in "abc")
    cache.put("d", rec(now + timedelta(seconds=100)), now)  # full, none expired: the oldest
    assert cache.get("a") is None and cache.get("d") is not None


def test_the_public_url_is_what_proofs_and_assertions_name(
    workspace: Workspace, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FTI_DATABASE_URL", database_url)
    monkeypatch.setenv("FTI_PUBLIC_URL", "https://gw.example/fti/")
    app = create_app(workspace.home)
    try:
        doj = Agency(TestClient(app)).register(workspace.home)
        public_token = "https://gw.example/fti/v1/token"
        seen_locally = doj.request_token(
            assertion=doj.assertion(aud=public_token), proof=doj.proof("POST", TOKEN_URL)
        )
        refused(seen_locally, 400, "invalid_dpop_proof")
        r = doj.request_token(
            assertion=doj.assertion(aud="https://gw.example/fti"),
            proof=doj.proof("POST", public_token),
        )
        assert r.status_code == 200, r.json()
        token = r.json()["access_token"]
        url = "https://gw.example/fti" + UNKNOWN
        headers = {"Authorization": f"DPoP {token}", "DPoP": doj.proof("GET", url, token)}
        assert doj.client.get(UNKNOWN, headers=headers).status_code == 404
    finally:
        app.state.auth.register.store.dispose()


# -- isolation ------------------------------------------------------------------------------


def test_another_agencys_request_does_not_exist_for_the_caller(
    client: TestClient, workspace: Workspace, doj: Agency, clock: Clock
) -> None:
    r = submit(doj)
    assert r.status_code == 201, r.json()
    location = str(r.json()["links"]["self"])
    assert doj.get(location).status_code == 200
    ice = Agency(client, "ICE", clock=clock).register(workspace.home)
    sid = location.rsplit("/", 1)[1]
    for path in (location, location + "/decision"):
        theirs = ice.get(path)
        never = ice.get(UNKNOWN + path[len(location) :])
        assert theirs.status_code == never.status_code == 404
        assert theirs.text == never.text.replace("0" * 24, sid)  # indistinguishable


def test_a_manifest_naming_another_agency_is_refused(
    client: TestClient, workspace: Workspace, clock: Clock
) -> None:
    ice = Agency(client, "ICE", clock=clock).register(workspace.home)
    r = submit(ice)  # requester DOJ
    assert r.status_code == 403, r.json()
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 403 and body["instance"] == "/v1/requests"
    assert "requester.agency" in body["detail"] and "'DOJ'" in body["detail"]
    assert ice.get("/v1/requests").json()["items"] == []
    store = client.app.state.service.store  # type: ignore[attr-defined]
    assert store.list_requests() == []


class _NoQueue:
    """The PostgreSQL queue is not built yet; this test is about logs, not jobs."""

    def enqueue(self, request_pk: int) -> None:
        pass

    def cancel(self, request_pk: int) -> bool:
        return False


def test_no_log_line_holds_the_token_or_a_tin(
    doj: Agency, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    tin = "900123456"
    subjects = "subject_id,first_name,last_name,tin,street,city,state,zip\n"
    subjects += f"S1,Ana,Reyes,{tin},1 Old Rd,Laurel,MD,20701\n"
    subjects += "S2,Ben,Okafor,900-12-3457,2 Elm St,Dover,DE,19901\n"
    subjects += "S3,Cleo,Nguyen,900-12-34x8,3 Oak Ct,Salem,MD,20703\n"  # a rejected TIN
    monkeypatch.setattr(doj.client.app.state.service, "queue", _NoQueue())  # type: ignore[attr-defined]
    with caplog.at_level(logging.DEBUG):
        token = doj.get_token()
        r = submit(doj)
        assert r.status_code == 201, r.json()
        put = upload(doj, r.json()["id"], subjects)
        assert put.status_code == 202, put.json()
        doj.get(str(r.json()["links"]["self"]))
        doj.client.get(UNKNOWN, headers={"Authorization": f"Bearer {token}"})
    assert caplog.records, "nothing was logged: the check would prove nothing"
    for rec in caplog.records:
        line = rec.getMessage()
        assert token not in line, rec.name
        # A TIN standing alone: not nine digits inside a hex digest or a longer number.
        tin_like = r"(?<![0-9A-Za-z])9\d\d-?\d\d-?\d{4}(?![0-9A-Za-z])"
        assert not re.search(tin_like, line), (rec.name, line)
