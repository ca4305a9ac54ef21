"""The tree against the RFC 6962 reference vectors, and proofs against the definitions."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from fti_gateway.ledger import tree
from fti_gateway.ledger.tree import ProofError

VECTORS = json.loads((Path(__file__).parent / "data" / "rfc6962_vectors.json").read_text())
LEAVES = [bytes.fromhex(x) for x in VECTORS["leaves_hex"]]
HASHES = [tree.leaf_hash(x) for x in LEAVES]
ROOTS = [bytes.fromhex(x) for x in VECTORS["roots"]]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 written as the recursive definition, independent of tree.py."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def test_empty_root_is_the_hash_of_nothing() -> None:
    assert tree.root_of_hashes([]).hex() == VECTORS["empty_root"]


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_reference_vectors(size: int) -> None:
    assert tree.root_of_hashes(HASHES[:size]) == ROOTS[size - 1]


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda c: f"{c['index']}-of-{c['size']}")
def test_inclusion_proofs_match_and_verify(case: dict) -> None:
    i, n = case["index"], case["size"]
    want = [bytes.fromhex(h) for h in case["path"]]
    got = tree.inclusion_path(i, n, tree.list_subtree(HASHES[:n]))
    assert got == want
    tree.verify_inclusion(i, n, HASHES[i], want, ROOTS[n - 1])


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=lambda c: f"{c['old']}-to-{c['new']}")
def test_consistency_proofs_match_and_verify(case: dict) -> None:
    m, n = case["old"], case["new"]
    want = [bytes.fromhex(h) for h in case["path"]]
    assert tree.consistency_path(m, n, tree.list_subtree(HASHES[:n])) == want
    tree.verify_consistency(m, n, ROOTS[m - 1], ROOTS[n - 1], want)


def _inclusion_mutations(i: int, n: int, path: list[bytes], root: bytes, leaf: bytes):  # type: ignore[no-untyped-def]
    """The corruptions transparency-dev/merkle's testonly probes apply."""
    yield "index-1", i - 1, n, leaf, path, root
    yield "index+1", i + 1, n, leaf, path, root
    yield "index^2", i ^ 2, n, leaf, path, root
    yield "size*2", i, n * 2, leaf, path, root
    yield "size/2", i, n // 2, leaf, path, root
    yield "empty root", i, n, leaf, path, bytes.fromhex(VECTORS["empty_root"])
    yield "random root", i, n, leaf, path, SOME_HASH
    yield "trailing root", i, n, leaf, [*path, root], root
    yield "preceding root", i, n, leaf, [root, *path], root
    for k in range(len(path)):
        bad = list(path)
        bad[k] = bytes([bad[k][0] ^ 8]) + bad[k][1:]
        yield f"bit flip {k}", i, n, leaf, bad, root
    if path:
        yield "removed component", i, n, leaf, path[:-1], root
    if len(path) > 1:
        yield "inserted component", i, n, leaf, [path[0], SOME_HASH, *path[1:]], root


@pytest.mark.parametrize(
    "case", VECTORS["inclusion"][1:], ids=lambda c: f"{c['index']}-of-{c['size']}"
)
def test_corrupted_inclusion_proofs_fail(case: dict) -> None:
    i, n = case["index"], case["size"]
    path = [bytes.fromhex(h) for h in case["path"]]
    for desc, *args in _inclusion_mutations(i, n, path, ROOTS[n - 1], HASHES[i]):
        with pytest.raises(ProofError):
            tree.verify_inclusion(*args)  # type: ignore[arg-type]
            pytest.fail(f"mutation {desc!r} verified")


@pytest.mark.parametrize(
    "case", VECTORS["consistency"][1:], ids=lambda c: f"{c['old']}-to-{c['new']}"
)
def test_corrupted_consistency_proofs_fail(case: dict) -> None:
    m, n = case["old"], case["new"]
    r1, r2 = ROOTS[m - 1], ROOTS[n - 1]
    path = [bytes.fromhex(h) for h in case["path"]]
    probes = [
        (m - 1, n, r1, r2, path),
        (m + 1, n, r1, r2, path),
        (m ^ 2, n, r1, r2, path),
        (m, n * 2, r1, r2, path),
        (m, n // 2, r1, r2, path),
        (m, n, r2, r1, path),
        (m, n, SOME_HASH, r2, path),
        (m, n, r1, SOME_HASH, path),
        (m, n, r1, r2, []),
        (m, n, r1, r2, [*path, r1]),
        (m, n, r1, r2, [r2, *path]),
        (m, n, r1, r2, [path[0], *path]),
        (m, n, r1, r2, path[:-1]),
    ]
    for k in range(len(path)):
        bad = list(path)
        bad[k] = bytes([bad[k][0] ^ 16]) + bad[k][1:]
        probes.append((m, n, r1, r2, bad))
    for args in probes:
        with pytest.raises(ProofError):
            tree.verify_consistency(*args)
            pytest.fail(f"probe {args[:2]} verified")


def test_trivial_consistency_cases() -> None:
    tree.verify_consistency(0, 0, tree.EMPTY_ROOT, tree.EMPTY_ROOT, [])
    tree.verify_consistency(0, 5, tree.EMPTY_ROOT, ROOTS[4], [])
    tree.verify_consistency(3, 3, ROOTS[2], ROOTS[2], [])
    with pytest.raises(ProofError):
        tree.verify_consistency(3, 3, ROOTS[2], ROOTS[3], [])
    with pytest.raises(ProofError):
        tree.verify_consistency(1, 1, ROOTS[0], ROOTS[0], [tree.EMPTY_ROOT])
    with pytest.raises(ProofError):
        tree.verify_consistency(2, 1, ROOTS[1], ROOTS[0], [])


def test_hashes_of_the_wrong_length_are_refused() -> None:
    with pytest.raises(ProofError):
        tree.verify_inclusion(0, 1, b"short", [], HASHES[0])


def test_every_proof_up_to_size_40_verifies_against_the_recursive_definition() -> None:
    leaves = [i.to_bytes(2, "big") for i in range(40)]
    hashes = [tree.leaf_hash(x) for x in leaves]
    for n in range(1, 41):
        root = mth(leaves[:n])
        assert tree.root_of_hashes(hashes[:n]) == root
        sub = tree.list_subtree(hashes[:n])
        for i in range(n):
            tree.verify_inclusion(i, n, hashes[i], tree.inclusion_path(i, n, sub), root)
        for m in range(n + 1):
            old = mth(leaves[:m])
            tree.verify_consistency(m, n, old, root, tree.consistency_path(m, n, sub))
