"""A taxpayer's view: every ledger event about one taxpayer, each with its proof.

Office-run (``fti taxpayer view TIN``, ``POST /v1/taxpayer/view``): the office holds the
commitment secret and the state store, so only the office can turn a TIN into the leaves
that name it. Proving to the office that a person *is* the TIN's holder is out of scope;
the view is what the office hands them (or a court, or an advocate) once it has.

What is about them:

- every leaf naming their commitment — disclosures (with the exact elements and periods),
  inspections, dispositions of a review item that chose them;
- for every request whose subject rows gave their TIN (the state store says which), the
  request's receipt and every decision on it — a bulk request names thousands, and its
  decision leaf (denials too) is the decision about each of them.

Each event carries an ``fti/inclusion-proof/v1`` document (the form the stand-alone
checker in ``ledger/README.md`` reads) and the same proof as C2SP tlog-proof text, all
against one signed checkpoint. Leaves marked ``"notice": "deferred"`` are not shown; they
are counted, under the provision ``notice.yaml`` cites, with a SHA-256 over their indices
and leaf hashes, so the office can later show exactly those leaves were in the log now.
Officials appear as keyed pseudonyms (``entries.pseudonym``), never account names — in
the event and in the leaf bytes its proof carries: an inspection leaf of layout ``"v": 2``
holds only the pseudonym. A first-layout inspection leaf (written before, kept because the
log is never rewritten) holds the account id; its event shows the pseudonym, but its
proof's bytes are what was logged.

Leaves are found through the local state's subject and id index up to the size it
reaches (checked against the tiles' root there), and by reading only the tail after it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fti_gateway.core.errors import InputError
from fti_gateway.ledger import entries
from fti_gateway.ledger.checkpoint import Checkpoint
from fti_gateway.ledger.proofs import inclusion_at, open_log, to_tlog_proof
from fti_gateway.ledger.reader import TileReader
from fti_gateway.ledger.state import LocalState

FORMAT = "fti/taxpayer-view/v1"
MAX_REVISIONS = 64
"""Decision revisions looked up per request through the id index (ids are predictable)."""
SHOWN = ("authority", "recipient", "elements", "periods", "outcome", "purpose", "received")


@dataclass
class TaxpayerView:
    taxpayer: str
    checkpoint: Checkpoint
    note: str
    events: list[dict[str, Any]] = field(default_factory=list)
    deferred: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        cp = self.checkpoint
        return {
            "format": FORMAT,
            "taxpayer": self.taxpayer,
            "ledger": {"origin": cp.origin, "size": cp.size, "root": cp.root.hex()},
            "checkpoint": self.note,
            "events": self.events,
            "deferred": self.deferred,
        }


def digits(tin: str) -> str:
    """The TIN's nine digits (dashes and spaces dropped), or an InputError."""
    out = re.sub(r"[\s-]", "", tin)
    if not re.fullmatch(r"[0-9]{9}", out):
        raise InputError("a TIN has 9 digits", hint="e.g. 900-12-3456")
    return out


@cache
def _deferral() -> dict[str, Any]:
    raw = yaml.safe_load((resources.files("fti_gateway.report") / "notice.yaml").read_text())
    return {str(d["marker"]): d for d in raw["defer"]}


def view(
    dir: Path,
    verifier_key: str,
    secret: bytes,
    tin: str,
    requests: Iterable[tuple[str, str]] = (),
) -> TaxpayerView:
    """The view of the taxpayer ``tin``; ``requests`` are the (agency, id) whose subject
    rows named them (``StateStore.requests_naming``)."""
    commitment = entries.commit_taxpayer(secret, tin)
    named = set(requests)
    cp, note, reader = open_log(dir, verifier_key)
    out = TaxpayerView(commitment, cp, note.decode())
    deferred: dict[str, list[int]] = {}
    for index in _candidates(dir, reader, cp, commitment, named):
        obj = entries.parse(reader.entry(index), where=f"leaf {index}")
        req = (str(obj["request"]["agency"]), str(obj["request"]["id"]))
        about = obj.get("taxpayer") == commitment or (
            req in named and obj["kind"] in ("request_received", "decision")
        )
        if not about:
            continue  # the index is a cache: the leaf itself decides
        marker = obj.get("notice")
        if isinstance(marker, str) and marker in _deferral():
            deferred.setdefault(marker, []).append(index)
            continue
        out.events.append(_event(obj, index, cp, note, reader, secret))
    for marker, indices in deferred.items():
        rule = _deferral()[marker]
        seal = hashlib.sha256(
            "".join(f"{i}:{reader.leaf_hash(i).hex()}\n" for i in indices).encode()
        )
        out.deferred.append(
            {
                "count": len(indices),
                "cite": rule["cite"],
                "quote": " ".join(str(rule["quote"]).split()),
                "sealed": seal.hexdigest(),
                "text": f"{len(indices)} entries deferred under {rule['cite']}",
            }
        )
    return out


def _candidates(
    dir: Path, reader: TileReader, cp: Checkpoint, commitment: str, named: set[tuple[str, str]]
) -> list[int]:
    """Indices that may be about the taxpayer: from the index up to its mark, then the
    tail read leaf by leaf."""
    found: set[int] = set()
    state = LocalState.open_readonly(dir)
    mark = 0
    if state is not None:
        try:
            size, root = state.indexed()
            if 0 < size <= cp.size and reader.root(size) == root:
                mark = size
                found.update(state.leaves_of(commitment, mark))
                ids = [entries.leaf_id("request_received", a, r) for a, r in named]
                ids += [
                    entries.leaf_id("decision", a, r, n)
                    for a, r in named
                    for n in range(1, MAX_REVISIONS + 1)
                ]
                found.update(i for i in state.lookup(ids).values() if i < mark)
        finally:
            state.close()
    needle = commitment.encode()
    requests = [b'"request":' + entries.canonical({"agency": a, "id": r}) for a, r in named]
    for index in range(mark, cp.size):
        data = reader.entry(index)
        if needle in data or any(r in data for r in requests):
            found.add(index)
    return sorted(found)


def _event(
    obj: dict[str, Any],
    index: int,
    cp: Checkpoint,
    note: bytes,
    reader: TileReader,
    secret: bytes,
) -> dict[str, Any]:
    """One event as a person reads it, with its proofs."""
    proof = inclusion_at(cp, note, reader, index)
    ev: dict[str, Any] = {
        "index": index,
        "kind": obj["kind"],
        "time": obj["time"],
        "request": obj["request"],
    }
    ev.update({k: obj[k] for k in SHOWN if obj.get(k) is not None})
    if obj["kind"] == "decision":
        ev["subjects"] = obj.get("subjects", {})
        ev["refused"] = obj.get("elements", {}).get("refused", {})
        ev["revision"] = obj.get("revision", 1)
    if obj["kind"] == "inspection":
        ev["inspector"] = entries.inspector_pseudonym(secret, obj)
    if obj["kind"] == "disposition":
        ev.update({k: obj.get(k) for k in ("rule", "action", "item_kind", "officer")})
        if obj.get("confirmed_by"):
            ev["confirmed_by"] = obj["confirmed_by"]
    ev["proof"] = proof
    ev["tlog_proof"] = to_tlog_proof(proof)
    return ev
