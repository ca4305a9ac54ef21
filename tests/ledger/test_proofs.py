"""Proof documents, checked with only the verifier key; interop with tlog-scales."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.core.errors import IntegrityError, NotFoundError
from fti_gateway.ledger import proofs
from fti_gateway.ledger.tree import leaf_hash

from .conftest import assert_sound, open_ledger

N = 256 * 2 + 40


@pytest.fixture
def log(ledger_dir: Path, key: Ed25519PrivateKey, vkey: str) -> tuple[Path, list[bytes]]:
    leaves = [f"entry-{i}".encode() for i in range(N)]
    with open_ledger(ledger_dir, key) as led:
        for start in range(0, N, 100):
            led.append(leaves[start : start + 100])
            led.checkpoint()
    assert_sound(ledger_dir, vkey)
    return ledger_dir, leaves


@pytest.mark.parametrize("index", [0, 1, 255, 256, 400, N - 1])
def test_inclusion_documents_verify_standalone(
    log: tuple[Path, list[bytes]], vkey: str, index: int
) -> None:
    d, leaves = log
    doc = json.loads(json.dumps(proofs.inclusion(d, vkey, index)))  # as an auditor receives it
    cp = proofs.check_inclusion(doc, vkey)
    assert cp.size == N and doc["leaf_hash"] == leaf_hash(leaves[index]).hex()


def test_a_tampered_inclusion_document_fails(log: tuple[Path, list[bytes]], vkey: str) -> None:
    d, _ = log
    doc = proofs.inclusion(d, vkey, 300)
    for field, value in [
        ("index", 301),
        ("entry", "ZW50cnktMzAx"),  # base64("entry-301")
        ("path", [doc["path"][0][::-1], *doc["path"][1:]]),
        ("path", doc["path"][:-1]),
        ("tree_size", N - 1),
    ]:
        with pytest.raises(IntegrityError):
            proofs.check_inclusion({**doc, field: value}, vkey)
    forged = doc["checkpoint"].replace(f"\n{N}\n", f"\n{N + 1}\n")
    with pytest.raises(IntegrityError):
        proofs.check_inclusion({**doc, "checkpoint": forged, "tree_size": N + 1}, vkey)


@pytest.mark.parametrize(("old", "new"), [(0, 100), (100, 200), (100, N), (300, 500), (N, N)])
def test_consistency_between_kept_checkpoints(
    log: tuple[Path, list[bytes]], vkey: str, old: int, new: int
) -> None:
    d, _ = log
    doc = proofs.consistency(d, vkey, old, new)
    a, b = proofs.check_consistency(doc, vkey)
    assert (a.size, b.size) == (old, new)
    if doc["path"]:
        bad = {**doc, "path": [doc["path"][0][:-2] + "00", *doc["path"][1:]]}
        with pytest.raises(IntegrityError):
            proofs.check_consistency(bad, vkey)


def test_consistency_needs_kept_checkpoints(log: tuple[Path, list[bytes]], vkey: str) -> None:
    d, _ = log
    with pytest.raises(NotFoundError):
        proofs.consistency(d, vkey, 150, 200)


def test_find_entry_locates_exact_bytes(log: tuple[Path, list[bytes]], vkey: str) -> None:
    d, _ = log
    _, _, reader = proofs.open_log(d, vkey)
    assert proofs.find_entry(reader, b"entry-333") == 333
    with pytest.raises(NotFoundError):
        proofs.find_entry(reader, b"entry-333 ")


def test_tlog_scales_reads_and_verifies_our_tiles(log: tuple[Path, list[bytes]], vkey: str) -> None:
    """Interop: an independent tlog-tiles reader gets our entries, recomputes our root from
    our tiles, verifies our checkpoint signature and its own inclusion proofs."""
    from tlog_scales.backend import LocalBackend
    from tlog_scales.reader import TilesReader
    from tlog_scales.signing import Vkey
    from tlog_scales.tiles import leaf_hash as ts_leaf_hash

    d, leaves = log
    reader = TilesReader(LocalBackend(d))
    cp = reader.get_checkpoint()
    cp.verify(Vkey.from_string(vkey))
    assert cp.size == N
    assert reader.calculate_root_hash() == cp.root_hash
    for i in (0, 255, 256, 511, N - 1):
        assert reader.get_entry(i) == leaves[i]
        reader.get_inclusion_proof(i, cp.size).check(ts_leaf_hash(leaves[i]), cp.root_hash)
    ours = proofs.inclusion(d, vkey, 257)
    assert [h.hex() for h in reader.get_inclusion_proof(257, N).node_hashes] == ours["path"]


def test_tlog_proof_text_has_the_c2sp_shape(log: tuple[Path, list[bytes]], vkey: str) -> None:
    d, _ = log
    doc = proofs.inclusion(d, vkey, 7)
    text = proofs.to_tlog_proof(doc)
    head, _, note = text.partition("\n\n")
    lines = head.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1" and lines[1] == "index 7"
    assert len(lines) == 2 + len(doc["path"])
    assert note == doc["checkpoint"]
    index, cp = proofs.check_tlog_proof(text, b"entry-7", vkey)
    assert (index, cp.size) == (7, N)
    with pytest.raises(IntegrityError):
        proofs.check_tlog_proof(text, b"entry-8", vkey)
    with pytest.raises(IntegrityError):
        proofs.check_tlog_proof(text.replace("index 7", "index 6"), b"entry-7", vkey)


def test_tile_proofs_across_level_two_verify_against_the_plain_tree(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    """A log past 256*256 leaves has full level-1 tiles and a level-2 tile: proofs built
    from tiles must verify against roots computed from the leaves alone."""
    import random

    from fti_gateway.ledger.reader import TileReader, expand
    from fti_gateway.ledger.storage import FsStorage
    from fti_gateway.ledger.tree import (
        consistency_path,
        inclusion_path,
        perfect_root,
        perfect_root_bytes,
        root_of_hashes,
        verify_consistency,
        verify_inclusion,
    )

    n = 256 * 256 + 300
    data = [i.to_bytes(4, "big") for i in range(n)]
    with open_ledger(ledger_dir, key) as led:
        led.append(data[:40000])
        led.append(data[40000:])
    hashes = [leaf_hash(d) for d in data]
    reader = TileReader(FsStorage(ledger_dir), n)
    rng = random.Random(5)
    root = root_of_hashes(hashes)
    assert reader.root() == root
    for i in [0, 255, 256, 65535, 65536, n - 1, *rng.sample(range(n), 20)]:
        verify_inclusion(i, n, hashes[i], inclusion_path(i, n, reader.subtree), root)
    for m in [1, 256, 65536, 65537, *rng.sample(range(1, n), 6)]:
        old = root_of_hashes(hashes[:m])
        assert reader.root(m) == old
        verify_consistency(m, n, old, root, consistency_path(m, n, reader.subtree))
    tile = b"".join(hashes[:256])
    assert perfect_root_bytes(tile) == perfect_root(hashes[:256]) == expand(tile)[8]
    assert_sound(ledger_dir, vkey)


def test_a_reader_at_an_older_size_survives_the_writer_growing_the_tiles(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    """A proof server reading at size 10 while the writer appends and removes .p/10."""
    from fti_gateway.ledger.reader import TileReader
    from fti_gateway.ledger.storage import FsStorage

    with open_ledger(ledger_dir, key) as led:
        led.append([b"x%d" % i for i in range(10)])
        reader = TileReader(FsStorage(ledger_dir), 10)
        root10 = led.root
        led.append([b"y"] * 5)  # .p/10 -> .p/15
        assert reader.root() == root10 and reader.entry(9) == b"x9"
        reader = TileReader(FsStorage(ledger_dir), 10)
        led.append([b"z"] * 300)  # -> full tile 000 + .p/59
        assert reader.root() == root10 and reader.entry(9) == b"x9"
    assert_sound(ledger_dir, vkey)
