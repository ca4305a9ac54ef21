"""Every error is an RFC 9457 problem document with all five members; no stack trace and
no quoted input in any log line; BusyError is 503 with Retry-After."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fti_gateway.core.errors import BusyError, FtiError, InputError, NotFoundError
from fti_gateway.core.workspace import Workspace
from fti_gateway.service import create_app, public
from fti_gateway.service.errors import TooLargeError
from tests.service.authclient import Agency

TIN = "900-12-3456"
NAME = "Zebulon Quux"
MEMBERS = {"type", "title", "status", "detail", "instance"}


def is_problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert set(body) >= MEMBERS, body
    assert body["status"] == status and body["type"].startswith("urn:fti-gateway:problem:")
    assert "Traceback" not in r.text and ".py" not in r.text
    return body


@pytest.fixture
def client(workspace: Workspace) -> TestClient:
    return TestClient(create_app(workspace.home), raise_server_exceptions=False)


def failing(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    """Make the public package-key route raise ``error``."""

    def boom(_ws: Workspace) -> str:
        raise error

    monkeypatch.setattr(public, "package_verifier_key", boom)


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (InputError("bad", where="f.yaml line 3", details=["row 2: x"]), 422, "input"),
        (NotFoundError("none"), 404, "not-found"),
        (TooLargeError("over the limit"), 413, "too-large"),
        (FtiError("plain"), 400, "error"),
    ],
)
def test_an_fti_error_is_a_problem(
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    error: FtiError,
    status: int,
    kind: str,
) -> None:
    failing(monkeypatch, error)
    body = is_problem(client.get("/v1/keys/package"), status)
    assert body["type"] == "urn:fti-gateway:problem:" + kind
    assert body["instance"] == "/v1/keys/package"
    assert error.message in body["detail"]
    if error.details:
        assert body["errors"] == [{"message": d} for d in error.details]


def test_busy_is_503_with_retry_after(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    failing(monkeypatch, BusyError("the ledger is busy", where="ledger"))
    r = client.get("/v1/keys/package")
    is_problem(r, 503)
    assert int(r.headers["retry-after"]) > 0


def test_a_bug_is_500_without_its_text_or_traceback_anywhere(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    failing(monkeypatch, RuntimeError(f"cannot parse {TIN} for {NAME}"))
    with caplog.at_level(logging.DEBUG):
        body = is_problem(client.get("/v1/keys/package"), 500)
    assert TIN not in str(body) and NAME not in str(body)
    assert "RuntimeError" in body["detail"]
    logged = "\n".join(rec.getMessage() + str(rec.exc_text or "") for rec in caplog.records)
    assert "RuntimeError" in logged  # the office still learns what broke, and where
    assert TIN not in logged and NAME not in logged


def test_quoted_input_reaches_the_caller_but_not_the_log(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    failing(monkeypatch, InputError(f"subject {NAME!r} has a bad TIN {TIN!r}", where="row 2"))
    with caplog.at_level(logging.DEBUG):
        body = is_problem(client.get("/v1/keys/package"), 422)
    assert TIN in body["detail"]  # the caller sees what it sent
    assert caplog.records
    for rec in caplog.records:
        assert TIN not in rec.getMessage() and NAME not in rec.getMessage()


def test_unknown_route_and_wrong_method(client: TestClient) -> None:
    body = is_problem(client.get(f"/v1/{TIN}"), 404)
    assert body["instance"] == f"/v1/{TIN}"
    r = client.post("/v1/health")
    is_problem(r, 405)
    assert "GET" in r.headers["allow"]


def test_a_validation_error_names_each_field(workspace: Workspace) -> None:
    doj = Agency(TestClient(create_app(workspace.home))).register(workspace.home)
    body = is_problem(doj.get("/v1/requests?limit=many"), 422)
    assert body["errors"] and all({"field", "message"} <= set(e) for e in body["errors"])


def test_a_url_the_header_cannot_carry_still_gets_a_401(workspace: Workspace) -> None:
    """Found by the API fuzzer: a refused proof's description quoted the called URL into
    WWW-Authenticate, and a non-Latin-1 character in it crashed the answer (500)."""
    doj = Agency(TestClient(create_app(workspace.home))).register(workspace.home)
    path = "/v1/requests/\u0100"
    headers = doj.headers("GET", "/v1/requests/other")  # a proof for another URL
    r = doj.client.get(path, headers=headers)
    is_problem(r, 401)
    r.headers["www-authenticate"].encode("ascii")
