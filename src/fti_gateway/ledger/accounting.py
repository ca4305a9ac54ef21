"""(p)(3)(A) accounting, read from the ledger and bound to a signed checkpoint.

Section 6103(p)(3)(A) requires a permanent, standardized accounting of every request
(date, reason) and every disclosure. Here it is a query over the ledger's leaves, never a
separate table that could drift: :func:`load` reads every leaf up to the latest
checkpoint, recomputes the tree root from them and refuses to answer unless it equals the
signed root. Each row carries its leaf index, so any row can be backed by an inclusion
proof (``fti ledger prove --index N``).

The (p)(3)(A) "reason" of a request or inspection is in the ledger only as a keyed digest
(``hmac-sha256:…``, see ``entries.digest_text``): the reason's text is in the state store,
and the digest shows that the text there is the one the office recorded. Rows from
leaves written before digests carry the text itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fti_gateway.core.errors import IntegrityError
from fti_gateway.ledger import entries as leaves
from fti_gateway.ledger.checkpoint import Checkpoint
from fti_gateway.ledger.proofs import open_log
from fti_gateway.ledger.reader import TileReader
from fti_gateway.ledger.tiles import TILE_WIDTH
from fti_gateway.ledger.tree import leaf_hash, root_of_hashes


@dataclass(frozen=True)
class Row:
    """One accounting line: a request, decision, disclosure or inspection. ``reason`` is
    the request's (or the inspection's) reason digest — the text is in the state store —
    or, for a request that stated none, its purpose kind."""

    index: int
    kind: str
    date: str
    time: str
    agency: str
    request_id: str
    authority: str | None
    recipient: str | None
    reason: str | None
    purpose: str | None
    elements: list[str]
    periods: list[str]
    outcome: str | None = None
    taxpayer: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LogView:
    """Every leaf of the log at a verified checkpoint, parsed."""

    checkpoint: Checkpoint
    note: bytes
    rows: list[Row] = field(default_factory=list)
    entries: list[bytes] = field(default_factory=list)
    """The leaves' bytes, by index (for what a row does not carry, e.g. refused elements)."""


def load(dir: Path, verifier_key: str) -> LogView:
    """Every leaf up to the latest checkpoint, checked against its signed root."""
    cp, note, reader = open_log(dir, verifier_key)
    return load_from(reader, cp, note, where=str(dir))


def load_from(reader: TileReader, cp: Checkpoint, note: bytes, where: str) -> LogView:
    """Leaves ``[0, cp.size)`` read through ``reader`` (at ``cp.size`` or later) and
    checked to hash to ``cp``'s root; ``cp`` must already be verified."""
    data: list[bytes] = []
    for index in range(-(-cp.size // TILE_WIDTH)):
        data.extend(reader.bundle(index))
    data = data[: cp.size]
    root = root_of_hashes([leaf_hash(d) for d in data])
    if root != cp.root:
        raise IntegrityError(
            f"calculated root {root.hex()} for size {cp.size}, "
            f"but checkpoint claims {cp.root.hex()}",
            where=where,
            hint="run `fti ledger verify` to find the damaged tile",
        )
    return LogView(cp, note, list(_rows(data, where)), data)


def _rows(data: Sequence[bytes], where: str) -> Iterable[Row]:
    reasons: dict[tuple[str, str], str | None] = {}
    for i, raw in enumerate(data):
        obj = leaves.parse(raw, where=f"{where} leaf {i}")
        req = obj["request"]
        key = (str(req["agency"]), str(req["id"]))
        kind = obj["kind"]
        if kind == "request_received":
            reasons[key] = obj.get("reason") or obj.get("purpose")
        outcome = obj.get("outcome")
        elements = obj.get("elements", [])
        if isinstance(elements, dict):  # a decision: allowed and refused
            elements = list(elements.get("allowed", []))
        yield Row(
            index=i,
            kind=kind,
            date=str(obj["time"])[:10],
            time=str(obj["time"]),
            agency=key[0],
            request_id=key[1],
            authority=obj.get("authority"),
            recipient=obj.get("recipient"),
            reason=obj.get("reason")
            if kind in ("inspection", "disposition", "alert_disposition")
            else reasons.get(key),
            purpose=obj.get("purpose"),
            elements=list(elements),
            periods=list(obj.get("periods", [])),
            outcome=outcome,
            taxpayer=obj.get("taxpayer"),
        )


def query(
    rows: Iterable[Row],
    *,
    taxpayer: str | None = None,
    agency: str | None = None,
    authority: str | None = None,
    start: date | None = None,
    end: date | None = None,
    kinds: Sequence[str] | None = None,
) -> list[Row]:
    """Filter rows. ``taxpayer`` is a commitment (see ``entries.commit_taxpayer``);
    ``agency`` matches the requesting or the receiving agency; dates are inclusive."""
    out = []
    for r in rows:
        if taxpayer is not None and r.taxpayer != taxpayer:
            continue
        if agency is not None and agency not in (r.agency, r.recipient):
            continue
        if authority is not None and r.authority != authority:
            continue
        d = date.fromisoformat(r.date)
        if (start is not None and d < start) or (end is not None and d > end):
            continue
        if kinds is not None and r.kind not in kinds:
            continue
        out.append(r)
    return out
