"""Small ledgers for report tests, built from scenario events with the real leaf builders."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.ledger import entries
from fti_gateway.ledger.checkpoint import Signer
from fti_gateway.ledger.log import Ledger

ORIGIN = "fti-gateway.example/report-test"
SECRET = b"r" * 32


def _when(d: Any) -> datetime:
    day = d if isinstance(d, date) else date.fromisoformat(str(d))
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def leaves(event: dict[str, Any]) -> list[bytes]:
    """The leaves of one scenario event (a request, or one disclosure per TIN)."""
    when = _when(event["date"])
    if event["kind"] == "decision":
        return [
            entries.decision(
                agency=event["agency"],
                request_id=event["id"],
                authority=event["authority"],
                outcome=event["outcome"],
                elements_refused=event.get("refused", {}),
                time=when,
            )
        ]
    if event["kind"] == "disposition":
        return [
            entries.disposition(
                agency=event["agency"],
                request_id=event["id"],
                item=event["item"],
                item_kind="subject",
                rule=event["rule"],
                action="decide",
                outcome=event["outcome"],
                reason_digest=entries.digest_text(SECRET, "stated reason"),
                officer=entries.pseudonym(SECRET, "officer-1"),
                time=when,
            )
        ]
    if event["kind"] == "request":
        return [
            entries.request_received(
                agency=event["agency"],
                request_id=event["id"],
                authority=event["authority"],
                received=when.date(),
                digest="0" * 64,
                purpose=event.get("purpose"),
                time=when,
            )
        ]
    return [
        entries.disclosure(
            agency=event["agency"],
            request_id=event["id"],
            authority=event["authority"],
            recipient=event["recipient"],
            elements=event.get("elements", ["identity.address"]),
            periods=event.get("periods", ["2024"]),
            purpose=event.get("purpose"),
            taxpayer=entries.commit_taxpayer(SECRET, tin),
            time=when,
        )
        for tin in event["tins"]
    ]


def inspection_v1(account: str, tin: str, request_id: str, day: str) -> bytes:
    """An inspection leaf of the first layout — no ``v``, the account id in clear — as a log
    written before layout 2 holds it (the builders write only layout 2 now)."""
    taxpayer = entries.commit_taxpayer(SECRET, tin)
    leaf = {
        "format": entries.FORMAT,
        "kind": "inspection",
        "id": entries.leaf_id("inspection", "IRS", request_id, taxpayer, account),
        "time": _when(day).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "request": {"agency": "IRS", "id": request_id},
        "inspector": account,
        "reason": entries.digest_text(SECRET, "case review"),
        "taxpayer": taxpayer,
        "elements": ["identity.address"],
        "authority": None,
    }
    return entries.canonical(leaf)


def inspection(account: str, tin: str, request_id: str, day: str) -> bytes:
    """The same look, as the builder writes it now (layout 2, the inspector's pseudonym)."""
    return entries.inspection(
        agency="IRS",
        request_id=request_id,
        inspector=entries.pseudonym(SECRET, account),
        reason_digest=entries.digest_text(SECRET, "case review"),
        taxpayer=entries.commit_taxpayer(SECRET, tin),
        elements=["identity.address"],
        time=_when(day),
    )


def build(dir: Path, events: list[dict[str, Any]], key: Ed25519PrivateKey | None = None) -> str:
    """A ledger in ``dir`` holding ``events`` (appended one event per checkpoint); returns
    the verifier key."""
    key = key or Ed25519PrivateKey.generate()
    with Ledger.open(dir, ORIGIN, key, durable=False) as led:
        for event in events:
            led.append(leaves(event))
    return Signer(ORIGIN, key).verifier_key


def event_list(rng: random.Random, n: int, year: int = 2025) -> list[dict[str, Any]]:
    """Requests and disclosures from a few agencies under (i)(2) and (i)(7)(A)."""
    out: list[dict[str, Any]] = []
    tin = 900000000
    for i in range(n):
        agency = rng.choice(["DOJ", "ICE", "FBI", "HHS"])
        authority = rng.choice(["6103(i)(2)", "6103(i)(7)(A)"])
        purpose = rng.choice(["criminal-investigation", "grand-jury", "terrorism"])
        day = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        out.append(
            {
                "kind": "request",
                "agency": agency,
                "id": f"R{i}",
                "authority": authority,
                "purpose": purpose,
                "date": day,
            }
        )
        k = rng.choice([0, 1, 2, 5, 12, 30])
        tins = [str(tin + j) for j in range(k)]
        tin += k
        if tins:
            out.append(
                {
                    "kind": "disclosure",
                    "agency": agency,
                    "id": f"R{i}",
                    "authority": authority,
                    "recipient": agency,
                    "purpose": purpose,
                    "date": day,
                    "tins": tins,
                }
            )
    return out


def disclosed(
    agency: str, rid: str, purpose: str, day: str, tins: list[str], authority: str = "6103(i)(2)"
) -> dict[str, Any]:
    """A disclosure event: ``agency``'s request ``rid`` answered to ``agency`` itself."""
    return {
        "kind": "disclosure",
        "agency": agency,
        "id": rid,
        "authority": authority,
        "recipient": agency,
        "purpose": purpose,
        "date": day,
        "tins": tins,
    }
