"""One request's leaves, each with a C2SP tlog-proof against one checkpoint.

What ``GET /v1/requests/{id}/proof`` answers: every leaf whose ``request`` is (agency, id)
— its receipt, decisions, disclosures, inspections — proven against the latest checkpoint,
the same checkpoint for all, so a client verifies one signature and walks each path.

Leaves are found by reading the log (entry bundles, in order). Leaves are canonical JSON,
so the request's ``"request":{"agency":…,"id":…}`` member appears in them byte for byte;
that substring is the cheap filter, and the parsed leaf the confirmation. The scan is
linear in the log's size; a request → indices index is the fix if logs grow past a few
million leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fti_gateway.ledger import entries as leaves
from fti_gateway.ledger.proofs import inclusion_at, open_log, to_tlog_proof
from fti_gateway.ledger.reader import TileReader
from fti_gateway.ledger.tiles import TILE_WIDTH


@dataclass(frozen=True)
class ProvenLeaf:
    """A leaf of the request: its index, kind, exact bytes and its tlog-proof text."""

    index: int
    kind: str
    entry: bytes
    proof: str


def find_request_leaves(reader: TileReader, agency: str, request_id: str) -> list[int]:
    """Indices of the leaves of request (``agency``, ``request_id``), in log order."""
    needle = b'"request":' + leaves.canonical({"agency": agency, "id": request_id})
    found = []
    for n in range(-(-reader.size // TILE_WIDTH)):
        for i, data in enumerate(reader.bundle(n)):
            index = n * TILE_WIDTH + i
            if index >= reader.size:
                break
            if needle in data:
                req = leaves.parse(data, where=f"leaf {index}").get("request", {})
                if req == {"agency": agency, "id": request_id}:
                    found.append(index)
    return found


def prove_request(
    dir: Path, verifier_key: str, agency: str, request_id: str
) -> tuple[str, list[ProvenLeaf]]:
    """The latest checkpoint (verified) and every leaf of the request proven against it."""
    cp, note, reader = open_log(dir, verifier_key)
    out = []
    for index in find_request_leaves(reader, agency, request_id):
        doc = inclusion_at(cp, note, reader, index)
        kind = str(leaves.parse(reader.entry(index)).get("kind"))
        out.append(ProvenLeaf(index, kind, reader.entry(index), to_tlog_proof(doc)))
    return note.decode(), out
