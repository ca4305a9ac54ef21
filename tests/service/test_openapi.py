"""/openapi.json is complete (every call, problem responses, the DPoP scheme), and a
property-based fuzzer (schemathesis) driven by it finds no 5xx and no response that
breaks the document — in process, against the ASGI app, as an authenticated agency."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger.workspace import open_ledger
from fti_gateway.service import create_app
from tests.service.authclient import BASE, Agency

CALLS = {
    ("post", "/v1/token"),
    ("get", "/v1/health"),
    ("post", "/v1/requests"),
    ("get", "/v1/requests"),
    ("get", "/v1/requests/{request_id}"),
    ("put", "/v1/requests/{request_id}/subjects"),
    ("get", "/v1/requests/{request_id}/decision"),
    ("get", "/v1/requests/{id}/package"),
    ("get", "/v1/requests/{id}/proof"),
    ("get", "/ledger/checkpoint"),
    ("get", "/ledger/tile/{path}"),
    ("get", "/v1/keys/ledger"),
    ("get", "/v1/keys/package"),
    ("post", "/v1/taxpayer/view"),
}
PUBLIC = {"/v1/health", "/v1/token", "/ledger/checkpoint", "/ledger/tile/{path}"}
PUBLIC |= {"/v1/keys/ledger", "/v1/keys/package"}
EXAMPLES = 25  # per operation: bounded, the whole fuzz stays well under a minute


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Agency]:
    ws = Workspace.init(tmp_path_factory.mktemp("fuzz") / "home")
    with open_ledger(ws) as led:
        led.append([f"leaf-{i}".encode() for i in range(300)])  # tiles to fetch
    app = create_app(ws.home, public_url=BASE)  # htu does not depend on the Host used
    doj = Agency(TestClient(app), "DOJ").register(ws.home)
    doj.get_token()
    return app, doj


def test_the_document_describes_every_call_and_the_scheme(env: tuple[Any, Agency]) -> None:
    _app, doj = env
    doc = doj.client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    ops = {(m, p) for p, item in doc["paths"].items() for m in item}
    assert ops >= CALLS, CALLS - ops
    schemes = doc["components"]["securitySchemes"]
    (scheme,) = schemes.values()
    assert scheme["type"] == "http" and scheme["scheme"] == "DPoP"
    assert "RFC 9449" in scheme["description"] and "ath" in scheme["description"]
    problem = doc["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance"}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert (path in PUBLIC) == ("security" not in op), (method, path)
            responses = op["responses"]
            assert "default" in responses, (method, path)
            if "422" in responses:
                assert "application/problem+json" in responses["422"]["content"]
            if "security" in op:
                assert "application/problem+json" in responses["401"]["content"]


def test_the_fuzzer_finds_no_5xx_and_no_schema_violation(env: tuple[Any, Agency]) -> None:
    """Every operation, a bounded number of generated calls each (derandomized, so a
    failure in CI reproduces here). schemathesis' pytest plugin does not load under
    pytest 9, so its strategies are driven with Hypothesis directly."""
    app, doj = env
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    checks = [not_a_server_error, response_schema_conformance, content_type_conformance]
    seen = []
    for result in schema.get_all_operations():
        operation = result.ok()
        seen.append((operation.method.lower(), operation.path))

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            headers = None
            if case.path not in PUBLIC:  # a fresh DPoP proof for every call
                headers = doj.headers(case.method.upper(), case.formatted_path)
            case.call_and_validate(headers=headers, checks=checks)

        call()
    assert set(seen) >= CALLS
