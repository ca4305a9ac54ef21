"""POST /v1/taxpayer/view: the office's client gets a subject's events with proofs; any
other agency finds no such route."""

from __future__ import annotations

import base64

import pandas as pd

from fti_gateway.ledger.proofs import check_tlog_proof
from fti_gateway.ledger.workspace import verifier_key
from tests.service.authclient import Agency
from tests.service.conftest import Served


def test_the_office_sees_a_disclosed_subjects_events_and_an_agency_does_not(
    served: Served,
) -> None:
    office = Agency(served.client, "TREASURY").register(served.ws.home)
    findings = pd.read_csv(served.run_dir / "subject_findings.csv", dtype=str)
    subjects = pd.read_csv(served.ws.home / "req" / "subjects.csv", dtype=str)
    rows = subjects.merge(findings, on="subject_id")
    tin = rows.loc[(rows["result"] == "approve") & rows["tin"].notna(), "tin"].iloc[0]
    answer = office.post("/v1/taxpayer/view", json={"tin": tin})
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    doc = answer.json()
    kinds = [e["kind"] for e in doc["events"]]
    assert "request_received" in kinds and "decision" in kinds and "disclosure" in kinds
    vk = verifier_key(served.ws)
    for ev in doc["events"]:
        entry = base64.b64decode(ev["proof"]["entry"])
        index, _cp = check_tlog_proof(ev["tlog_proof"], entry, vk)
        assert index == ev["index"]
    assert tin.replace("-", "") not in answer.text
    other = served.doj.post("/v1/taxpayer/view", json={"tin": tin})
    assert other.status_code == 404
    assert office.post("/v1/taxpayer/view", json={"tin": "12"}).status_code in (400, 422)
