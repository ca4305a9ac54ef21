"""(p)(3)(A) accounting and attestations, round trip through a real ledger."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.core.errors import IntegrityError
from fti_gateway.ledger import accounting, attest, entries
from fti_gateway.ledger.checkpoint import Signer
from fti_gateway.ledger.entries import canonical

from .conftest import ORIGIN, assert_sound, open_ledger

SECRET = b"k" * 32
TIN_A, TIN_B = "900-00-0001", "900-00-0002"


def _request(
    led, agency: str, rid: str, authority: str, day: date, recipient: str, tins: list[str]
) -> None:  # type: ignore[no-untyped-def]
    t = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    batch = [
        entries.request_received(
            agency=agency,
            request_id=rid,
            authority=authority,
            received=day,
            digest="00" * 32,
            reason_digest=entries.digest_text(SECRET, f"reason for {rid}"),
            elements=["identity.address"],
            periods=["2024"],
            subjects=len(tins),
            time=t,
        ),
        entries.decision(
            agency=agency,
            request_id=rid,
            authority=authority,
            outcome="approve" if tins else "deny",
            elements_allowed=["identity.address"],
            time=t,
        ),
    ]
    batch += [
        entries.disclosure(
            agency=agency,
            request_id=rid,
            authority=authority,
            recipient=recipient,
            elements=["identity.address"],
            periods=["2024"],
            taxpayer=entries.commit_taxpayer(SECRET, tin),
            time=t,
        )
        for tin in tins
    ]
    led.append(batch)
    led.checkpoint()


@pytest.fixture
def log(ledger_dir: Path, key: Ed25519PrivateKey, vkey: str) -> Path:
    with open_ledger(ledger_dir, key) as led:
        _request(led, "DOJ", "DOJ-1", "6103(i)(2)", date(2025, 3, 1), "DOJ", [TIN_A, TIN_B])
        _request(led, "ICE", "ICE-1", "6103(i)(2)", date(2025, 4, 1), "ICE", [TIN_A])
        _request(
            led, "STATE-CA-CSE", "CSE-1", "6103(l)(6)", date(2025, 5, 1), "STATE-CA-CSE", [TIN_B]
        )
        _request(led, "DHS", "DHS-1", "6103(i)(2)", date(2025, 6, 1), "DHS", [])  # denied
    assert_sound(ledger_dir, vkey)
    return ledger_dir


def test_accounting_by_taxpayer_agency_authority_and_period(log: Path, vkey: str) -> None:
    rows = accounting.load(log, vkey).rows
    a = accounting.query(rows, taxpayer=entries.commit_taxpayer(SECRET, TIN_A))
    assert [(r.kind, r.recipient, r.reason) for r in a] == [
        ("disclosure", "DOJ", entries.digest_text(SECRET, "reason for DOJ-1")),
        ("disclosure", "ICE", entries.digest_text(SECRET, "reason for ICE-1")),
    ]
    assert {r.request_id for r in accounting.query(rows, agency="ICE")} == {"ICE-1"}
    assert {r.request_id for r in accounting.query(rows, authority="6103(l)(6)")} == {"CSE-1"}
    spring = accounting.query(
        rows, start=date(2025, 3, 15), end=date(2025, 5, 1), kinds=["disclosure"]
    )
    assert [r.request_id for r in spring] == ["ICE-1", "CSE-1"]
    assert all(r.index >= 0 for r in rows) and [r.index for r in rows] == list(range(len(rows)))


def test_accounting_refuses_a_log_that_does_not_match_its_checkpoint(log: Path, vkey: str) -> None:
    (bundle,) = (log / "tile/entries/000.p").iterdir()
    data = bytearray(bundle.read_bytes())
    data[-3] ^= 0x01
    bundle.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="calculated root"):
        accounting.load(log, vkey)


def test_attestation_round_trip_and_zero_claims(
    log: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    signer = Signer(ORIGIN, key)
    doc = attest.attest(log, signer, ["ICE", "DHS"], date(2025, 1, 1), date(2025, 12, 31))
    st = doc["statement"]
    assert (st["disclosures"], st["taxpayers"], st["authorities"]) == (1, 1, {"6103(i)(2)": 1})
    assert attest.check(doc, log, vkey)["disclosures"] == 1
    none = attest.attest(log, signer, ["DHS"], date(2025, 1, 1), date(2025, 12, 31))
    assert none["statement"]["disclosures"] == 0 and none["text"].startswith(
        "No disclosures to DHS"
    )
    attest.check(none, log, vkey)


def test_attestation_stays_checkable_after_the_log_grows(
    log: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    doc = attest.attest(log, Signer(ORIGIN, key), ["DOJ"], date(2025, 1, 1), date(2025, 12, 31))
    with open_ledger(log, key) as led:
        _request(led, "DOJ", "DOJ-2", "6103(i)(2)", date(2025, 7, 1), "DOJ", [TIN_B])
    assert attest.check(doc, log, vkey)["disclosures"] == 2
    assert (
        attest.attest(log, Signer(ORIGIN, key), ["DOJ"], date(2025, 1, 1), date(2025, 12, 31))[
            "statement"
        ]["disclosures"]
        == 3
    )
    assert_sound(log, vkey)


def test_a_false_attestation_fails_even_when_validly_signed(
    log: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    signer = Signer(ORIGIN, key)
    doc = attest.attest(log, signer, ["ICE"], date(2025, 1, 1), date(2025, 12, 31))
    lie = {**doc["statement"], "disclosures": 0, "taxpayers": 0, "requests": 0, "authorities": {}}
    forged = {
        "statement": lie,
        "signature": {
            "key": vkey,
            "ed25519": base64.b64encode(signer.sign_raw(canonical(lie))).decode(),
        },
    }
    with pytest.raises(IntegrityError, match="claims disclosures = 0, but the ledger at size"):
        attest.check(forged, log, vkey)
    edited = {**doc, "statement": {**doc["statement"], "disclosures": 0}}
    with pytest.raises(IntegrityError, match="signature"):
        attest.check(edited, log, vkey)
