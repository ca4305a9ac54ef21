"""Pipeline objects → leaves: a manifest, a FORMATS §5 decision, disclosed TINs."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fti_gateway.intake.models import Manifest
from fti_gateway.ledger import entries, record

T = datetime(2025, 6, 4, 9, tzinfo=UTC)
SECRET = b"s" * 32
MANIFEST = Manifest.model_validate(
    {
        "format": "fti/request/v1",
        "id": "DOJ-USAO-DC-2025-0042",
        "received": "2025-06-04",
        "authority": "6103(i)(2)",
        "requester": {
            "agency": "DOJ",
            "position": "us-attorney",
            "in_writing": True,
            "signed": True,
        },
        "purpose": {
            "kind": "criminal-investigation",
            "statutes": ["18 U.S.C. 1343"],
            "reason": "wire fraud",
        },
        "taxable_periods": [2022, 2023],
        "elements": ["identity.address"],
        "subjects": "subjects.csv",
    }
)


def test_request_leaf_carries_date_reason_and_authority() -> None:
    leaf = record.request_leaf(MANIFEST, "ab" * 32, subjects=3, time=T, secret=SECRET)
    obj = entries.parse(leaf)
    assert obj["request"] == {"agency": "DOJ", "id": "DOJ-USAO-DC-2025-0042"}
    assert (obj["received"], obj["reason"], obj["purpose"]) == (
        "2025-06-04",
        entries.digest_text(SECRET, "wire fraud"),
        "criminal-investigation",
    )
    assert obj["periods"] == ["2022", "2023"] and obj["subjects"] == 3


def test_decision_leaf_from_the_formats_json() -> None:
    decision = {
        "format": "fti/decision/v1",
        "request": {"agency": "DOJ", "id": "DOJ-USAO-DC-2025-0042"},
        "authority": "6103(i)(2)",
        "outcome": "partial",
        "findings": [],
        "elements": {"allowed": ["identity.address"], "refused": {"return.agi": "6103(i)(2)(A)"}},
        "subjects": {"total": 3, "approved": 1, "denied": 1, "review": 1},
        "subject_findings": "subject_findings.csv",
    }
    obj = entries.parse(record.decision_leaf(decision, time=T))
    assert obj["outcome"] == "partial" and obj["elements"]["refused"] == {
        "return.agi": "6103(i)(2)(A)"
    }
    assert obj["subjects"]["approved"] == 1


def test_disclosure_leaves_commit_each_tin_and_never_hold_it() -> None:
    leaves = record.disclosure_leaves(
        MANIFEST,
        recipient="DOJ",
        elements=["identity.address"],
        periods=["2023"],
        tins=["900-11-2222", "900113333"],
        secret=b"z" * 32,
        time=T,
    )
    assert len(leaves) == 2
    for leaf, tin in zip(leaves, ["900112222", "900113333"], strict=True):
        assert tin.encode() not in leaf and b"900-11-2222" not in leaf
        assert json.loads(leaf)["taxpayer"] == entries.commit_taxpayer(b"z" * 32, tin)
