"""The HTTP service: submit, idempotency, errors as JSON with the right status."""

from __future__ import annotations

import json
from pathlib import Path

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


@pytest.fixture
def client(workspace: Workspace) -> Agency:
    """DOJ, registered and calling with DPoP-bound tokens (tests/service/authclient.py)."""
    return Agency(TestClient(create_app(workspace.home))).register(workspace.home)


def post(
    client: Agency,
    manifest: str = MANIFEST,
    subjects: str | None = SUBJECTS,
    name: str = "request.yaml",
) -> tuple[int, dict[str, object]]:
    files = {"manifest": (name, manifest.encode(), "application/yaml")}
    if subjects is not None:
        files["subjects"] = ("subjects.csv", subjects.encode(), "text/csv")
    r = client.post("/v1/requests", files=files)
    return r.status_code, r.json()


def test_health(client: Agency, workspace: Workspace) -> None:
    r = client.get("/v1/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert r.json()["workspace"] == workspace.name


def test_submit_returns_202_and_files_the_request(client: Agency, workspace: Workspace) -> None:
    status, body = post(client)
    assert status == 202
    assert body["new"] is True and body["subjects"] == 2
    assert body["agency"] == "DOJ" and body["request_id"] == "DOJ-USAO-DC-2025-0042"
    folder = workspace.home / "inbox" / str(body["id"])
    assert (folder / "request.yaml").read_text() == MANIFEST
    assert (folder / "subjects.csv").read_text() == SUBJECTS
    got = client.get(str(body["location"]))
    # The workspace has no vault: no subject resolves to a taxpayer, so nothing may go out.
    assert got.status_code == 200 and got.json()["status"] == "decided:deny"
    assert got.json()["outcome"] == "deny" and got.json()["disclosed"] == 0
    decision = client.get(str(body["location"]) + "/decision").json()
    assert decision["format"] == "fti/decision/v1" and decision["outcome"] == "deny"
    assert decision["subjects"]["total"] == 2 and decision["subjects"]["denied"] == 2


def test_a_broken_subject_row_is_rejected_and_the_rest_kept(client: Agency) -> None:
    status, body = post(client, subjects=SUBJECTS + "S3,Cleo\n")
    assert status == 202, body
    assert body["subjects"] == 2 and body["rejected_rows"] == 1


def test_the_ledger_checkpoint_is_served_with_its_verifier_key(client: Agency) -> None:
    assert client.client.get("/ledger/checkpoint").status_code == 404  # nothing logged yet
    post(client)
    got = client.client.get("/ledger/checkpoint")
    assert got.headers["content-type"].startswith("text/plain")
    origin = got.text.splitlines()[0]
    assert client.client.get("/v1/keys/ledger").text.startswith(origin + "+")


def test_resubmission_is_idempotent_and_a_changed_one_is_refused(client: Agency) -> None:
    first = post(client)[1]
    status, again = post(client)
    assert status == 200
    assert again["id"] == first["id"] and again["new"] is False
    status, changed = post(client, subjects=SUBJECTS + "S3,Cleo,Nguyen,3 Oak Ct,Salem,MD,20703\n")
    assert status == 422
    assert changed["type"] == "urn:fti-gateway:problem:input"
    assert "different content" in str(changed["detail"])


def test_json_manifest_is_accepted(client: Agency) -> None:
    import yaml

    as_json = json.dumps(yaml.safe_load(MANIFEST), default=str)
    status, body = post(client, manifest=as_json, name="request.json")
    assert status == 202, body


@pytest.mark.parametrize(
    ("manifest", "subjects", "where"),
    [
        ("format: [unclosed\n", SUBJECTS, "request.yaml line"),
        ("- just\n- a list\n", SUBJECTS, "request.yaml"),
        (MANIFEST.replace("authority", "authorithy"), SUBJECTS, "request.yaml"),
        (MANIFEST, "subject_id,first_name\nS1,Ana\n", "subjects.csv line 1"),
        (MANIFEST, None, "subjects"),
        (MANIFEST.replace("subjects.csv", "../../etc/passwd"), SUBJECTS, "request.yaml: subjects"),
    ],
)
def test_bad_input_is_422_naming_the_place(
    client: Agency, workspace: Workspace, manifest: str, subjects: str | None, where: str
) -> None:
    status, body = post(client, manifest=manifest, subjects=subjects)
    assert status == 422
    assert body["type"] == "urn:fti-gateway:problem:input"
    assert str(body["where"]).startswith(where), body
    inbox = workspace.home / "inbox"
    assert not inbox.exists() or list(inbox.iterdir()) == []  # nothing filed


def test_a_missing_field_is_named_in_the_details(client: Agency) -> None:
    status, body = post(client, manifest=MANIFEST.replace("authority", "authorithy"))
    assert status == 422
    named = [str(body["where"]), *(str(d["message"]) for d in body.get("errors", []))]  # type: ignore[union-attr]
    assert any("authority" in n for n in named), body


def test_missing_multipart_field_is_422_json(client: Agency) -> None:
    r = client.post("/v1/requests", files={"subjects": ("s.csv", b"subject_id,last_name\n")})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert "manifest" in str(r.json()["where"])
    assert any(e["field"].endswith("manifest") for e in r.json()["errors"])


def test_unknown_request_and_route_are_404_json(client: Agency) -> None:
    r = client.get("/v1/requests/" + "0" * 24)
    assert r.status_code == 404 and r.json()["type"] == "urn:fti-gateway:problem:not-found"
    r = client.get("/v1/requests/..%2F..%2Fkeys")
    assert r.status_code == 404
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


def test_parquet_subjects_named_by_the_manifest(client: Agency, workspace: Workspace) -> None:
    import io

    import pandas as pd

    buf = io.BytesIO()
    pd.read_csv(io.StringIO(SUBJECTS), dtype=str).to_parquet(buf, index=False)
    manifest = MANIFEST.replace("subjects.csv", "subjects.parquet")
    files = {
        "manifest": ("request.yaml", manifest.encode(), "application/yaml"),
        "subjects": ("upload.bin", buf.getvalue(), "application/octet-stream"),
    }
    r = client.post("/v1/requests", files=files)
    assert r.status_code == 202, r.json()
    assert r.json()["subjects"] == 2
    stored = workspace.home / "inbox" / r.json()["id"] / "subjects.parquet"
    assert stored.read_bytes() == buf.getvalue()
    files["subjects"] = ("upload.bin", b"PAR1 not really", "application/octet-stream")
    manifest2 = manifest.replace("DOJ-USAO-DC-2025-0042", "DOJ-2")
    files["manifest"] = ("request.yaml", manifest2.encode(), "application/yaml")
    bad = client.post("/v1/requests", files=files)
    assert bad.status_code == 422
    assert bad.json()["where"] == "subjects.parquet"


def test_ids_that_share_a_folder_name_get_their_own_decisions(client: Agency) -> None:
    """ "CASE 9" and "CASE_9" once mapped to one run folder: the second overwrote the
    first's decision, and each id was served the other's."""
    unknown = MANIFEST.replace('"6103(i)(2)"', '"6103(z)(9)"')  # denied outright
    sids = {}
    for rid, manifest in (("CASE 9", MANIFEST), ("CASE_9", unknown)):
        code, body = post(client, manifest.replace("DOJ-USAO-DC-2025-0042", f'"{rid}"'))
        assert code == 202, body
        sids[rid] = str(body["id"])
    first = client.get(f"/v1/requests/{sids['CASE 9']}/decision").json()
    second = client.get(f"/v1/requests/{sids['CASE_9']}/decision").json()
    assert first["request"]["id"] == "CASE 9" and first["authority"] == "6103(i)(2)"
    assert second["request"]["id"] == "CASE_9" and second["outcome"] == "deny"


def test_a_request_whose_run_failed_is_marked_failed_and_resumed_when_sent_again(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fti_gateway.pipeline.submit as pipeline
    from fti_gateway.service.adapters import submission_id

    client = Agency(TestClient(create_app(workspace.home), raise_server_exceptions=False))
    client.register(workspace.home)
    real = pipeline.render_summary

    def broken(*_a: object, **_k: object) -> str:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(pipeline, "render_summary", broken)
    code, _ = post(client)
    assert code == 500
    sid = submission_id("DOJ", "DOJ-USAO-DC-2025-0042")
    assert client.get(f"/v1/requests/{sid}").json()["status"] == "failed"  # not stuck
    monkeypatch.setattr(pipeline, "render_summary", real)
    code, body = post(client)
    assert code == 200 and str(body["status"]).startswith("decided"), body
