"""Ledger leaves: canonical JSON, and no taxpayer in the clear."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime

import pytest

from fti_gateway.core.errors import InputError
from fti_gateway.ledger import entries

SECRET = b"s" * 32
T = datetime(2025, 6, 4, 15, 30, tzinfo=UTC)


def test_commitment_is_hmac_sha256_of_the_digits() -> None:
    want = hmac.new(SECRET, b"900123456", hashlib.sha256).hexdigest()
    assert entries.commit_taxpayer(SECRET, "900-12-3456") == f"hmac-sha256:{want}"
    assert entries.commit_taxpayer(SECRET, "900123456") == entries.commit_taxpayer(
        SECRET, " 900 12 3456"
    )
    assert entries.commit_taxpayer(b"t" * 32, "900123456") != entries.commit_taxpayer(
        SECRET, "900123456"
    )


@pytest.mark.parametrize("tin", ["12345678", "90012345a", "", "9001234567"])
def test_malformed_tins_are_refused(tin: str) -> None:
    with pytest.raises(InputError):
        entries.commit_taxpayer(SECRET, tin)


def test_a_disclosure_leaf_is_canonical_and_holds_only_the_commitment() -> None:
    c = entries.commit_taxpayer(SECRET, "900-12-3456")
    leaf = entries.disclosure(
        agency="DOJ",
        request_id="R-1",
        authority="6103(i)(2)",
        recipient="DOJ",
        elements=["identity.address"],
        periods=["2023"],
        taxpayer=c,
        time=T,
    )
    obj = json.loads(leaf)
    assert leaf == json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
    assert obj["kind"] == "disclosure" and obj["format"] == "fti/ledger-entry/v1"
    assert obj["taxpayer"] == c and obj["time"] == "2025-06-04T15:30:00.000000Z"
    assert b"900" not in leaf.replace(c.encode(), b"")
    assert entries.parse(leaf) == obj
    assert entries.leaf_date(obj) == date(2025, 6, 4)


@pytest.mark.parametrize("taxpayer", ["900123456", "900-12-3456", "John Doe", "hmac-sha256:abc"])
def test_a_raw_tin_or_name_can_never_become_a_leaf(taxpayer: str) -> None:
    with pytest.raises(InputError):
        entries.disclosure(
            agency="DOJ",
            request_id="R-1",
            authority="6103(i)(2)",
            recipient="DOJ",
            elements=[],
            periods=[],
            taxpayer=taxpayer,
        )
    with pytest.raises(InputError):
        entries.inspection(
            agency="DOJ",
            request_id="R-1",
            inspector="u1",
            reason_digest=entries.digest_text(SECRET, "r"),
            taxpayer=taxpayer,
        )


def test_the_four_kinds_parse_back() -> None:
    c = entries.commit_taxpayer(SECRET, "900123456")
    leaves = [
        entries.request_received(
            agency="DOJ",
            request_id="R-1",
            authority="6103(i)(2)",
            received=date(2025, 6, 4),
            digest="ab" * 32,
            reason_digest=entries.digest_text(SECRET, "wire fraud"),
            elements=["identity.address"],
            periods=["2023"],
            subjects=3,
            time=T,
        ),
        entries.decision(
            agency="DOJ",
            request_id="R-1",
            authority="6103(i)(2)",
            outcome="partial",
            elements_allowed=["identity.address"],
            elements_refused={"return.agi": "6103(i)(2)(A)"},
            subjects={"total": 3, "approved": 1},
            time=T,
        ),
        entries.disclosure(
            agency="DOJ",
            request_id="R-1",
            authority="6103(i)(2)",
            recipient="DOJ",
            elements=["identity.address"],
            periods=["2023"],
            taxpayer=c,
            time=T,
        ),
        entries.inspection(
            agency="DOJ",
            request_id="R-1",
            inspector="officer-7",
            reason_digest=entries.digest_text(SECRET, "review of an ambiguous match"),
            taxpayer=c,
            time=T,
        ),
    ]
    assert [entries.parse(x)["kind"] for x in leaves] == list(entries.KINDS)


def test_non_canonical_or_foreign_json_is_not_a_leaf() -> None:
    with pytest.raises(InputError):
        entries.parse(b'{"kind": "decision", "format": "fti/ledger-entry/v1"}')
    with pytest.raises(InputError):
        entries.parse(b'{"format":"other","kind":"decision"}')
    with pytest.raises(InputError):
        entries.parse(b"\xff")


def test_naive_times_and_unknown_outcomes_are_refused() -> None:
    with pytest.raises(InputError):
        entries.decision(agency="A", request_id="R", authority="x", outcome="maybe")
    with pytest.raises(InputError):
        entries.decision(
            agency="A", request_id="R", authority="x", outcome="deny", time=datetime(2025, 1, 1)
        )
