"""Ledger leaves (FORMATS §7, ``fti/ledger-entry/v1``): one canonical JSON object per event.

Four kinds, each carrying what the (p)(3)(A) accounting needs — date, reason, authority,
recipient and elements — and nothing that identifies a taxpayer in the clear:

- ``request_received``: a written request reached the disclosure office;
- ``decision``: the outcome the law stage reached for it;
- ``disclosure``: one per disclosed subject; the taxpayer appears only as a keyed
  commitment ``hmac-sha256:<hex>`` = HMAC-SHA256(workspace secret, TIN). Whoever holds
  the secret (the disclosure office) can answer "who saw my data?" for a TIN; anyone
  else sees an opaque value that cannot be brute-forced over the 10⁹ possible TINs;
- ``inspection``: someone examined return information ((b)(7)).

Canonical JSON — sorted keys, no spaces, UTF-8 — makes the bytes, and so the leaf hash,
a function of the content alone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from fti_gateway.core.errors import InputError

FORMAT = "fti/ledger-entry/v1"
KINDS = ("request_received", "decision", "disclosure", "inspection")
COMMITMENT = re.compile(r"^hmac-sha256:[0-9a-f]{64}$")
_TIN_DIGITS = re.compile(r"^[0-9]{9}$")


def canonical(obj: Mapping[str, Any]) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def commit_taxpayer(secret: bytes, tin: str) -> str:
    """The keyed commitment that stands for a taxpayer in the ledger."""
    digits = re.sub(r"[\s-]", "", str(tin))
    if not _TIN_DIGITS.match(digits):
        raise InputError(
            f"a TIN has 9 digits; got {len(digits)} characters", hint="e.g. 900-12-3456"
        )
    if len(secret) < 16:
        raise InputError("the commitment secret is shorter than 16 bytes")
    return "hmac-sha256:" + hmac.new(secret, digits.encode(), hashlib.sha256).hexdigest()


def _time(t: datetime | None) -> str:
    t = t or datetime.now(UTC)
    if t.tzinfo is None:
        raise InputError("ledger times must be timezone-aware")
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _date(d: date | str | None) -> str | None:
    if d is None:
        return None
    if isinstance(d, datetime):
        return d.date().isoformat()
    if isinstance(d, date):
        return d.isoformat()
    return date.fromisoformat(d).isoformat()


def _commitment(value: str) -> str:
    if not COMMITMENT.match(value):
        raise InputError(
            "a ledger leaf names a taxpayer only by commitment, never by TIN or name",
            hint="pass commit_taxpayer(secret, tin)",
        )
    return value


def _base(kind: str, agency: str, request_id: str, time: datetime | None) -> dict[str, Any]:
    if not agency or not request_id:
        raise InputError("a ledger leaf needs the request's agency and id")
    return {
        "format": FORMAT,
        "kind": kind,
        "time": _time(time),
        "request": {"agency": agency, "id": request_id},
    }


def request_received(
    *,
    agency: str,
    request_id: str,
    authority: str,
    received: date | str | None,
    digest: str,
    purpose: str | None = None,
    reason: str | None = None,
    statutes: Sequence[str] = (),
    elements: Sequence[str] = (),
    periods: Sequence[str] = (),
    subjects: int = 0,
    requester_position: str | None = None,
    time: datetime | None = None,
) -> bytes:
    """A written request reached the office. ``digest`` is intake's sha256 of its bytes;
    ``reason`` is the request-level reason the requester stated ((p)(3)(A) "reason")."""
    leaf = _base("request_received", agency, request_id, time)
    leaf.update(
        authority=authority,
        received=_date(received),
        digest=digest,
        purpose=purpose,
        reason=reason,
        statutes=list(statutes),
        elements=list(elements),
        periods=list(periods),
        subjects=int(subjects),
        requester_position=requester_position,
    )
    return canonical(leaf)


def decision(
    *,
    agency: str,
    request_id: str,
    authority: str,
    outcome: str,
    elements_allowed: Sequence[str] = (),
    elements_refused: Mapping[str, str] | None = None,
    subjects: Mapping[str, int] | None = None,
    digest: str | None = None,
    time: datetime | None = None,
) -> bytes:
    """The law stage's decision. ``subjects`` = counts (total/approved/denied/review);
    ``digest`` = sha256 of the decision JSON (FORMATS §5) as stored in the run folder."""
    if outcome not in ("approve", "partial", "deny", "review"):
        raise InputError(f"unknown decision outcome {outcome!r}")
    leaf = _base("decision", agency, request_id, time)
    leaf.update(
        authority=authority,
        outcome=outcome,
        elements={"allowed": list(elements_allowed), "refused": dict(elements_refused or {})},
        subjects=dict(subjects or {}),
        digest=digest,
    )
    return canonical(leaf)


def disclosure(
    *,
    agency: str,
    request_id: str,
    authority: str,
    recipient: str,
    elements: Sequence[str],
    periods: Sequence[str],
    taxpayer: str,
    purpose: str | None = None,
    package: str | None = None,
    time: datetime | None = None,
) -> bytes:
    """One subject's data went to ``recipient``. ``taxpayer`` is a commitment from
    :func:`commit_taxpayer`; ``package`` the signed package's manifest digest."""
    leaf = _base("disclosure", agency, request_id, time)
    leaf.update(
        authority=authority,
        recipient=recipient,
        elements=list(elements),
        periods=list(periods),
        taxpayer=_commitment(taxpayer),
        purpose=purpose,
        package=package,
    )
    return canonical(leaf)


def inspection(
    *,
    agency: str,
    request_id: str,
    inspector: str,
    reason: str,
    taxpayer: str,
    elements: Sequence[str] = (),
    authority: str | None = None,
    time: datetime | None = None,
) -> bytes:
    """``inspector`` (an office user id, never a taxpayer) examined a taxpayer's data."""
    leaf = _base("inspection", agency, request_id, time)
    leaf.update(
        inspector=inspector,
        reason=reason,
        taxpayer=_commitment(taxpayer),
        elements=list(elements),
        authority=authority,
    )
    return canonical(leaf)


def parse(data: bytes, where: str | None = None) -> dict[str, Any]:
    """A leaf's JSON, checked to be one of ours and canonical."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"ledger leaf is not JSON: {e}", where=where) from e
    if not isinstance(obj, dict) or obj.get("format") != FORMAT or obj.get("kind") not in KINDS:
        raise InputError(f"not an {FORMAT} leaf", where=where)
    if canonical(obj) != data:
        raise InputError("ledger leaf is not in canonical JSON form", where=where)
    return obj


def leaf_date(obj: Mapping[str, Any]) -> date:
    """The UTC calendar date of a leaf's event time."""
    return date.fromisoformat(str(obj["time"])[:10])
