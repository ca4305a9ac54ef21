"""Attestations: signed, checkable statements such as "N disclosures to DHS in 2025".

An attestation (``fti/attestation/v1``) states, for one or more recipient agencies and a
period, how many disclosures the ledger records, under which authorities, and for how
many distinct taxpayers — *as of a signed checkpoint*, whose note it embeds. Anyone with
the ledger files and the verifier key can re-derive the numbers: :func:`check` verifies
both signatures, re-reads the leaves up to the checkpoint's size, checks they hash to its
root, recounts, and fails on any difference. "No return information was disclosed to DHS"
becomes a claim with N = 0 that a court can test, not take on trust.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fti_gateway.core.errors import InputError, IntegrityError
from fti_gateway.ledger.accounting import LogView, Row, load, load_from, query
from fti_gateway.ledger.checkpoint import Signer, Verifier
from fti_gateway.ledger.entries import canonical
from fti_gateway.ledger.proofs import open_log

FORMAT = "fti/attestation/v1"


def _count(
    rows: Sequence[Row], recipients: Sequence[str], start: date, end: date
) -> dict[str, Any]:
    selected = [
        r
        for r in query(rows, start=start, end=end, kinds=["disclosure"])
        if r.recipient in recipients
    ]
    by_authority = Counter(r.authority or "unknown" for r in selected)
    return {
        "disclosures": len(selected),
        "taxpayers": len({r.taxpayer for r in selected}),
        "requests": len({(r.agency, r.request_id) for r in selected}),
        "authorities": dict(sorted(by_authority.items())),
    }


def _recipients(recipients: Sequence[str]) -> list[str]:
    out = sorted({r.strip() for r in recipients if r.strip()})
    if not out:
        raise InputError("an attestation names at least one recipient agency")
    return out


def attest(
    dir: Path,
    signer: Signer,
    recipients: Sequence[str],
    start: date,
    end: date,
    *,
    issued: datetime | None = None,
) -> dict[str, Any]:
    """Count disclosures to ``recipients`` dated ``start``..``end`` (inclusive) at the
    latest checkpoint, and sign the statement."""
    if end < start:
        raise InputError(f"the period ends ({end}) before it starts ({start})")
    view: LogView = load(dir, signer.verifier_key)
    statement = {
        "format": FORMAT,
        "origin": view.checkpoint.origin,
        "recipients": _recipients(recipients),
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "issued": (issued or datetime.now(UTC)).astimezone(UTC).isoformat(),
        "checkpoint": view.note.decode(),
        **_count(view.rows, _recipients(recipients), start, end),
    }
    sig = signer.sign_raw(canonical(statement))
    return {
        "statement": statement,
        "signature": {"key": signer.verifier_key, "ed25519": base64.b64encode(sig).decode()},
        "text": describe(statement),
    }


def describe(statement: dict[str, Any]) -> str:
    """The statement in one sentence a reader can check against the numbers."""
    n = statement["disclosures"]
    whom = ", ".join(statement["recipients"])
    period = f"{statement['period']['from']} to {statement['period']['to']}"
    size = statement["checkpoint"].split("\n")[1]
    if n == 0:
        return f"No disclosures to {whom} from {period} are recorded in the ledger at size {size}."
    auth = "; ".join(f"{a}: {c}" for a, c in statement["authorities"].items())
    return (
        f"{n} disclosure(s) of {statement['taxpayers']} taxpayer(s) to {whom} from {period}, "
        f"under {auth}, recorded in the ledger at size {size}."
    )


def check(doc: dict[str, Any], dir: Path, verifier_key: str) -> dict[str, Any]:
    """Re-derive an attestation from the ledger; raise IntegrityError on any difference.
    Returns the verified statement."""
    try:
        statement = doc["statement"]
        sig = base64.b64decode(doc["signature"]["ed25519"], validate=True)
    except (KeyError, TypeError, binascii.Error) as e:
        raise InputError("not an attestation document", hint=f"expected {FORMAT}") from e
    if statement.get("format") != FORMAT:
        raise InputError(f"not an {FORMAT} statement")
    verifier = Verifier.parse(verifier_key)
    verifier.verify_raw(canonical(statement), sig, where="attestation")
    note = str(statement["checkpoint"]).encode()
    cp = verifier.open_checkpoint(note, where="attestation checkpoint")
    latest, _note, reader = open_log(dir, verifier_key)
    if cp.size > latest.size:
        raise IntegrityError(
            f"attestation is bound to size {cp.size}, but the ledger only has {latest.size}",
            where=str(dir),
        )
    view = load_from(reader, cp, note, where=str(dir))
    period = statement["period"]
    recount = _count(
        view.rows,
        _recipients(statement["recipients"]),
        date.fromisoformat(period["from"]),
        date.fromisoformat(period["to"]),
    )
    for key, value in recount.items():
        if statement.get(key) != value:
            raise IntegrityError(
                f"attestation claims {key} = {statement.get(key)}, but the ledger at size "
                f"{cp.size} gives {value}",
                where="attestation",
            )
    return dict(statement)
