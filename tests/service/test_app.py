"""The HTTP service: manifests and uploads read as the CLI reads them, errors with the
right status, keys and checkpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from fti_gateway.core.errors import (
    ConfigError,
    FtiError,
    InputError,
    IntegrityError,
    NotFoundError,
)
from fti_gateway.core.workspace import Workspace
from fti_gateway.service import create_app
from fti_gateway.service.errors import status_for
from tests.service.authclient import Agency

MANIFEST = """\
format: fti/request/v1
id: DOJ-USAO-DC-2025-0042
received: 2025-06-04
authority: "6103(i)(2)"
requester: {agency: DOJ, position: us-attorney, in_writing: true, signed: true}
purpose: {kind: criminal-investigation, statutes: ["18 U.S.C. 1343"], reason: fraud}
taxable_periods: ["2022", "2023"]
elements: [identity.address]
subjects: subjects.csv
"""
SUBJECTS = (
    "subject_id,first_name,last_name,street,city,state,zip\n"
    "S1,Ana,Reyes,1 Old Rd,Laurel,MD,20701\n"
    'S2,Ben,Okafor,"2 Elm St, Apt 4",Dover,DE,19901\n'
)
INLINE = MANIFEST.replace(
    "subjects: subjects.csv\n",
    "subjects:\n"
    "  - {subject_id: S1, first_name: Ana, last_name: Reyes, street: 1 Old Rd, city: Laurel,"
    " state: MD, zip: '20701'}\n"
    "  - {subject_id: S2, last_name: Okafor, dob: 1990-02-30}\n",
)
TERMINAL = {"decided", "denied", "review", "released", "failed"}


@pytest.fixture
def client(workspace: Workspace) -> Iterator[Agency]:
    """DOJ, registered and calling with DPoP-bound tokens, the app's worker running."""
    with TestClient(create_app(workspace.home)) as tc:
        yield Agency(tc).register(workspace.home)


def submit(
    client: Agency, manifest: str = MANIFEST, media: str = "application/yaml"
) -> httpx.Response:
    return client.post("/v1/requests", content=manifest.encode(), headers={"Content-Type": media})


def upload(client: Agency, rid: str, csv: str | bytes = SUBJECTS, **kw: Any) -> httpx.Response:
    body = csv.encode() if isinstance(csv, str) else csv
    return client.put(
        f"/v1/requests/{rid}/subjects", content=body, headers={"Content-Type": "text/csv"}, **kw
    )


def finish(client: Agency) -> None:
    """Wait for the app's worker to run everything queued so far."""
    client.client.app.state.queue.join()  # type: ignore[attr-defined]


def is_problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    if r.headers["content-type"] == "application/problem+json":
        assert set(body) >= {"type", "title", "status", "detail", "instance"}
    return body


def test_health(client: Agency, workspace: Workspace) -> None:
    r = client.get("/v1/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert r.json()["workspace"] == workspace.name


def test_json_manifest_is_accepted(client: Agency) -> None:
    import yaml

    as_json = json.dumps(yaml.load(INLINE, Loader=yaml.BaseLoader))
    r = submit(client, as_json, "application/json")
    assert r.status_code == 201, r.json()
    assert r.json()["status"] == "queued"


def test_other_media_types_are_415(client: Agency) -> None:
    r = submit(client, MANIFEST, "multipart/form-data; boundary=x")
    assert is_problem(r, 415)["status"] == 415


@pytest.mark.parametrize(
    ("manifest", "where"),
    [
        ("format: [unclosed\n", "manifest.yaml line"),
        ("- just\n- a list\n", "manifest.yaml"),
        (MANIFEST.replace("received: 2025", "received: 20x5"), "manifest.yaml line 3"),
        (MANIFEST.replace("subjects.csv", "../../etc/passwd"), "manifest.yaml line 9: subjects"),
        (MANIFEST.replace("subjects.csv", "subjects.parquet"), "manifest.yaml line 9: subjects"),
    ],
)
def test_a_bad_manifest_is_422_naming_the_line(
    client: Agency, workspace: Workspace, manifest: str, where: str
) -> None:
    body = is_problem(submit(client, manifest), 422)
    assert where in json.dumps(body), body
    assert client.get("/v1/requests").json()["items"] == []  # nothing stored
    assert not any((workspace.home / "spool").iterdir())  # nothing left on disk


def test_a_csv_that_cannot_be_read_is_422_and_the_request_still_awaits_it(
    client: Agency,
) -> None:
    rid = submit(client).json()["id"]
    body = is_problem(upload(client, rid, "subject_id,first_name\nS1,Ana\n"), 422)
    assert "subjects.csv line 1" in json.dumps(body)
    assert client.get(f"/v1/requests/{rid}").json()["status"] == "awaiting-subjects"
    assert upload(client, rid).status_code == 202  # a good file is still taken


def test_unknown_request_and_route_are_404(client: Agency) -> None:
    assert client.get("/v1/requests/" + "0" * 24).status_code == 404
    assert client.get("/v1/requests/..%2F..%2Fkeys").status_code == 404
    assert client.get("/v1/nothing-here").status_code == 404


def test_the_ledger_checkpoint_is_served_with_its_verifier_key(client: Agency) -> None:
    assert client.client.get("/ledger/checkpoint").status_code == 404  # nothing logged yet
    submit(client, INLINE)
    finish(client)
    got = client.client.get("/ledger/checkpoint")
    assert got.headers["content-type"].startswith("text/plain")
    origin = got.text.splitlines()[0]
    assert client.client.get("/v1/keys/ledger").text.startswith(origin + "+")


def test_unknown_request_and_route_are_404_json(client: Agency) -> None:
    r = client.get("/v1/requests/" + "0" * 24)
    assert r.status_code == 404 and r.json()["type"] == "urn:fti-gateway:problem:not-found"
    r = client.get("/v1/nothing-here")
    assert r.status_code == 404 and r.json()["type"] == "urn:fti-gateway:problem:not-found"
    assert r.headers["content-type"] == "application/problem+json"


def test_package_key_matches_the_workspace_key(client: Agency, workspace: Workspace) -> None:
    import base64

    from fti_gateway.core.keys import load_signing_key
    from fti_gateway.disclose import encode_public_key

    r = client.client.get("/v1/keys/package")  # no credentials needed
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    name, _key_id, b64 = r.text.strip().split("+", 2)
    assert name == workspace.name + "/package"
    raw = base64.b64decode(b64)
    assert raw[0] == 1  # signed-note Ed25519 key type
    assert base64.b64encode(raw[1:]).decode() == encode_public_key(
        load_signing_key(workspace.keys_dir).public_key()
    )


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InputError("x"), 422),
        (NotFoundError("x"), 404),
        (IntegrityError("x"), 409),
        (ConfigError("x"), 500),
        (FtiError("x"), 400),
    ],
)
def test_error_statuses(error: FtiError, status: int) -> None:
    assert status_for(error) == status


def test_integrity_error_from_an_adapter_renders_as_409(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fti_gateway.service import public

    def broken(ws: Workspace) -> str:
        raise IntegrityError(
            "key file damaged", where="keys/signing.ed25519.pem", hint="restore it"
        )

    monkeypatch.setattr(public, "package_verifier_key", broken)
    r = TestClient(create_app(workspace.home)).get("/v1/keys/package")
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json() == {
        "type": "urn:fti-gateway:problem:integrity",
        "title": "Conflict",
        "status": 409,
        "detail": "keys/signing.ed25519.pem: key file damaged",
        "instance": "/v1/keys/package",
        "where": "keys/signing.ed25519.pem",
        "hint": "restore it",
    }


def test_app_refuses_a_missing_workspace(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        create_app(tmp_path / "nope")


def test_ids_that_share_a_folder_name_get_their_own_decisions(client: Agency) -> None:
    """ "CASE 9" and "CASE_9" once mapped to one run folder: the second overwrote the
    first's decision, and each id was served the other's."""
    unknown = INLINE.replace('"6103(i)(2)"', '"6103(z)(9)"')  # denied outright
    ids = {}
    for rid, manifest in (("CASE 9", INLINE), ("CASE_9", unknown)):
        r = submit(client, manifest.replace("DOJ-USAO-DC-2025-0042", f'"{rid}"'))
        assert r.status_code == 201, r.json()
        ids[rid] = str(r.json()["id"])
    finish(client)
    first = client.get(f"/v1/requests/{ids['CASE 9']}/decision").json()
    second = client.get(f"/v1/requests/{ids['CASE_9']}/decision").json()
    assert first["request"]["id"] == "CASE 9" and first["authority"] == "6103(i)(2)"
    assert second["request"]["id"] == "CASE_9" and second["outcome"] == "deny"


def test_a_run_that_fails_is_failed_with_no_decision(
    client: Agency, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fti_gateway.pipeline.submit as pipeline

    def boom(*a: object, **k: object) -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pipeline, "render_summary", boom)
    rid = submit(client, INLINE).json()["id"]
    finish(client)
    got = client.get(f"/v1/requests/{rid}").json()
    assert got["status"] == "failed"
    assert any(s["state"] == "failed" for s in got["stages"]), got["stages"]


def test_the_api_speaks_only_the_statuses_api_md_lists() -> None:
    """API.md closes the list of request statuses; a finer store status (a package held
    for witnesses, say) maps onto one of them, so a client written from API.md never
    meets a status it does not know."""
    from fti_gateway.service.adapters import API_STATUSES

    listed = {
        "awaiting-subjects", "queued", "running", "review", "decided", "denied", "released",
        "failed",
    }  # fmt: skip
    assert set(API_STATUSES) == listed
