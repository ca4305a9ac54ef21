"""Proof documents an auditor can check with nothing but the verifier key.

An inclusion proof (``fti/inclusion-proof/v1``, JSON) carries the entry itself, its index,
the RFC 9162 audit path and the signed checkpoint it is proven against; a consistency
proof (``fti/consistency-proof/v1``) carries two signed checkpoints and the path between
them. :func:`check_inclusion` and :func:`check_consistency` verify such documents without
touching the ledger folder. Inclusion proofs also render as C2SP ``tlog-proof`` text, the
offline proof format other transparency-log tools read.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

from fti_gateway.core.errors import InputError, IntegrityError, NotFoundError
from fti_gateway.ledger.checkpoint import Checkpoint, Verifier
from fti_gateway.ledger.reader import TileReader
from fti_gateway.ledger.storage import FsStorage
from fti_gateway.ledger.tree import (
    EMPTY_ROOT,
    ProofError,
    consistency_path,
    inclusion_path,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

INCLUSION = "fti/inclusion-proof/v1"
CONSISTENCY = "fti/consistency-proof/v1"


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: object, what: str) -> bytes:
    try:
        return base64.b64decode(str(s), validate=True)
    except (binascii.Error, ValueError) as e:
        raise InputError(f"{what} is not base64") from e


def open_log(dir: Path, verifier_key: str) -> tuple[Checkpoint, bytes, TileReader]:
    """The latest checkpoint (verified), its note, and a reader at its size."""
    store = FsStorage(Path(dir), durable=False)
    note = store.read_checkpoint()
    if note is None:
        raise NotFoundError("the ledger has no checkpoint", where=str(dir))
    cp = Verifier.parse(verifier_key).open_checkpoint(note, where=str(Path(dir) / "checkpoint"))
    return cp, note, TileReader(store, cp.size)


def kept_checkpoint(dir: Path, verifier_key: str, size: int) -> bytes:
    """The kept (or latest) checkpoint note for ``size``."""
    store = FsStorage(Path(dir), durable=False)
    latest = store.read_checkpoint()
    v = Verifier.parse(verifier_key)
    if latest is not None and v.open_checkpoint(latest).size == size:
        return latest
    for name, note in store.kept_checkpoints():
        if name == str(size):
            v.open_checkpoint(note, where=f"checkpoints/{name}")
            return note
    raise NotFoundError(
        f"no checkpoint was kept at size {size}",
        where=str(Path(dir) / "checkpoints"),
        hint="list them with `ls checkpoints/`; `fti ledger checkpoint` keeps the current one",
    )


def find_entry(reader: TileReader, entry: bytes) -> int:
    """Index of the first leaf whose bytes equal ``entry`` (a linear scan of leaf hashes)."""
    target = leaf_hash(entry)
    for i in range(reader.size):
        if reader.leaf_hash(i) == target:
            return i
    raise NotFoundError("that entry is not in the ledger", hint="compare the file's exact bytes")


def inclusion(dir: Path, verifier_key: str, index: int) -> dict[str, Any]:
    """An inclusion proof of leaf ``index`` against the latest checkpoint."""
    cp, note, reader = open_log(dir, verifier_key)
    return inclusion_at(cp, note, reader, index)


def inclusion_at(cp: Checkpoint, note: bytes, reader: TileReader, index: int) -> dict[str, Any]:
    """An inclusion proof of leaf ``index`` against ``cp`` (already verified; its signed
    ``note``), read through ``reader`` — for callers proving many leaves at one size."""
    if not 0 <= index < cp.size:
        raise InputError(f"index {index} is outside the log (size {cp.size})")
    entry = reader.entry(index)
    path = inclusion_path(index, cp.size, reader.subtree)
    return {
        "format": INCLUSION,
        "origin": cp.origin,
        "index": index,
        "tree_size": cp.size,
        "entry": _b64(entry),
        "leaf_hash": leaf_hash(entry).hex(),
        "path": [h.hex() for h in path],
        "checkpoint": note.decode(),
    }


def check_inclusion(doc: dict[str, Any], verifier_key: str) -> Checkpoint:
    """Verify an inclusion-proof document: the checkpoint's signature, then the RFC 9162
    audit path from the entry's leaf hash to the checkpoint's root."""
    if doc.get("format") != INCLUSION:
        raise InputError(f"not an {INCLUSION} document")
    cp = Verifier.parse(verifier_key).open_checkpoint(str(doc["checkpoint"]).encode())
    if int(doc["tree_size"]) != cp.size:
        raise IntegrityError(
            f"proof is for size {doc['tree_size']}, but its checkpoint is at size {cp.size}"
        )
    entry = _unb64(doc["entry"], "entry")
    path = [bytes.fromhex(h) for h in doc["path"]]
    try:
        verify_inclusion(int(doc["index"]), cp.size, leaf_hash(entry), path, cp.root)
    except ProofError as e:
        raise IntegrityError(str(e), where=f"leaf {doc['index']}") from e
    return cp


def to_tlog_proof(doc: dict[str, Any]) -> str:
    """The same proof as C2SP ``tlog-proof`` text (c2sp.org/tlog-proof@v1)."""
    lines = ["c2sp.org/tlog-proof@v1", f"index {doc['index']}"]
    lines += [_b64(bytes.fromhex(h)) for h in doc["path"]]
    return "\n".join(lines) + "\n\n" + str(doc["checkpoint"])


def check_tlog_proof(text: str, entry: bytes, verifier_key: str) -> tuple[int, Checkpoint]:
    """Verify a C2SP ``tlog-proof`` (text) for ``entry``; returns (index, checkpoint)."""
    head, sep, note = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or not lines or lines[0] != "c2sp.org/tlog-proof@v1":
        raise InputError("not a c2sp.org/tlog-proof@v1 document")
    rest = lines[1:]
    if rest and rest[0].startswith("extra "):
        rest = rest[1:]
    if not rest or not rest[0].startswith("index ") or not rest[0][6:].isdigit():
        raise InputError("tlog-proof has no index line")
    index = int(rest[0][6:])
    path = [_unb64(h, f"proof hash {i}") for i, h in enumerate(rest[1:])]
    cp = Verifier.parse(verifier_key).open_checkpoint(note.encode(), where="tlog-proof")
    try:
        verify_inclusion(index, cp.size, leaf_hash(entry), path, cp.root)
    except ProofError as e:
        raise IntegrityError(str(e), where=f"leaf {index}") from e
    return index, cp


def consistency(dir: Path, verifier_key: str, old: int, new: int) -> dict[str, Any]:
    """A consistency proof between the kept checkpoints at sizes ``old`` and ``new``."""
    cp, _note, reader = open_log(dir, verifier_key)
    if not 0 <= old <= new <= cp.size:
        raise InputError(f"need 0 <= OLD <= NEW <= {cp.size}; got {old} and {new}")
    old_note = kept_checkpoint(dir, verifier_key, old) if old else None
    new_note = kept_checkpoint(dir, verifier_key, new)
    path = consistency_path(old, new, reader.subtree)
    return {
        "format": CONSISTENCY,
        "origin": cp.origin,
        "old_size": old,
        "new_size": new,
        "old_checkpoint": old_note.decode() if old_note else None,
        "new_checkpoint": new_note.decode(),
        "path": [h.hex() for h in path],
    }


def check_consistency(doc: dict[str, Any], verifier_key: str) -> tuple[Checkpoint, Checkpoint]:
    """Verify a consistency-proof document: both signatures, then RFC 9162 §2.1.4.2."""
    if doc.get("format") != CONSISTENCY:
        raise InputError(f"not a {CONSISTENCY} document")
    v = Verifier.parse(verifier_key)
    new = v.open_checkpoint(str(doc["new_checkpoint"]).encode())
    if doc.get("old_checkpoint"):
        old = v.open_checkpoint(str(doc["old_checkpoint"]).encode())
    else:
        old = Checkpoint(new.origin, 0, EMPTY_ROOT)
    if old.origin != new.origin:
        raise IntegrityError(f"checkpoints are from two logs: {old.origin} and {new.origin}")
    path = [bytes.fromhex(h) for h in doc["path"]]
    try:
        verify_consistency(old.size, new.size, old.root, new.root, path)
    except ProofError as e:
        raise IntegrityError(str(e), where=f"sizes {old.size} -> {new.size}") from e
    return old, new
