"""The (p)(3)(C) report counts requests, disclosures and taxpayers per agency from the ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.ledger import entries
from fti_gateway.ledger.checkpoint import Signer
from fti_gateway.ledger.fsck import verify
from fti_gateway.ledger.log import Ledger
from fti_gateway.report import p3c

ORIGIN = "fti-gateway.example/report-test"
SECRET = b"r" * 32


def _leaves(agency: str, rid: str, when: datetime, purpose: str, tins: list[str]) -> list[bytes]:
    out = [
        entries.request_received(
            agency=agency,
            request_id=rid,
            authority="6103(i)(2)",
            received=when.date(),
            digest="0" * 64,
            purpose=purpose,
            time=when,
        )
    ]
    out += [
        entries.disclosure(
            agency=agency,
            request_id=rid,
            authority="6103(i)(2)",
            recipient=agency,
            elements=["identity.address"],
            periods=["2024"],
            purpose=purpose,
            taxpayer=entries.commit_taxpayer(SECRET, t),
            time=when,
        )
        for t in tins
    ]
    return out


def test_counts_per_agency_for_one_calendar_year(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    d = tmp_path / "ledger"
    with Ledger.open(d, ORIGIN, key, durable=False) as led:
        led.append(
            _leaves(
                "DOJ",
                "A",
                datetime(2025, 2, 1, tzinfo=UTC),
                "criminal-investigation",
                ["900000001", "900000002"],
            )
        )
        led.append(
            _leaves("DOJ", "B", datetime(2025, 9, 1, tzinfo=UTC), "grand-jury", ["900000001"])
        )
        led.append(
            _leaves("ICE", "C", datetime(2025, 3, 1, tzinfo=UTC), "criminal-investigation", [])
        )
        led.append(
            _leaves("DOJ", "D", datetime(2024, 12, 31, tzinfo=UTC), "grand-jury", ["900000003"])
        )
    vk = Signer(ORIGIN, key).verifier_key
    report = p3c.build(d, vk, 2025)
    by = {x.agency: x for x in report.lines}
    assert (by["DOJ"].requests, by["DOJ"].disclosures, by["DOJ"].taxpayers) == (2, 3, 2)
    assert by["DOJ"].purposes == ["criminal-investigation", "grand-jury"]
    assert (by["ICE"].requests, by["ICE"].disclosures, by["ICE"].taxpayers) == (1, 0, 0)
    assert report.totals == {"requests": 3, "disclosures": 3, "taxpayers": 2}
    assert report.checkpoint_size == 8
    md = report.to_markdown()
    assert "| DOJ | 2 | 3 | 2 |" in md and "signed size 8" in md
    assert report.to_json()["format"] == "fti/p3c-report/v1"
    assert verify(d, vk).ok
