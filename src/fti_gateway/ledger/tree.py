"""RFC 9162 Merkle tree hashing, proofs and proof verification.

Everything here is pure: no files, no state. The tree is the one RFC 9162 §2.1 defines
(and RFC 6962 before it), so standard transparency-log tools compute the same roots:

- leaf hash ``SHA-256(0x00 || leaf)``, node hash ``SHA-256(0x01 || left || right)``;
- a tree of ``n`` leaves splits at ``k``, the largest power of two smaller than ``n``.

Proof *generation* is written against a ``SubtreeHash`` callback, ``(start, end) -> MTH of
leaves [start, end)``, so the same algorithms run over a list in memory (tests) or over
tiles on disk (the ledger). Proof *verification* follows the numbered steps of RFC 9162
§2.1.3.2 and §2.1.4.2 literally, because that is what an outside auditor will compare us to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

SubtreeHash = Callable[[int, int], bytes]
"""``subtree(start, end)`` returns MTH(D[start:end]) for ``0 <= start < end``."""


class ProofError(ValueError):
    """A proof did not verify; the message says which step failed and with what values."""


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def is_pow2(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def perfect_root(hashes: Sequence[bytes]) -> bytes:
    """Root of a perfect subtree whose ``2**h`` bottom nodes are ``hashes``."""
    level = list(hashes)
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def perfect_root_bytes(data: bytes) -> bytes:
    """``perfect_root`` over concatenated 32-byte hashes (a full hash tile): each node is
    SHA-256 of ``0x01`` and one 64-byte slice of the row below, with no list of hashes."""
    sha = hashlib.sha256
    while len(data) > HASH_SIZE:
        n = len(data) // 64
        data = b"".join([sha(b"\x01" + data[64 * i : 64 * i + 64]).digest() for i in range(n)])
    return data


def root_of_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH over a list of leaf hashes (or of equal-height subtree roots)."""
    if not hashes:
        return EMPTY_ROOT
    return fold_right(perfect_decomposition(hashes))


def perfect_decomposition(hashes: Sequence[bytes]) -> list[bytes]:
    """Split ``hashes`` left to right into perfect subtrees by the binary digits of its
    length and return their roots (largest first): the right edge of the tree."""
    out: list[bytes] = []
    start, n = 0, len(hashes)
    while start < n:
        size = 1 << ((n - start).bit_length() - 1)
        out.append(perfect_root(hashes[start : start + size]))
        start += size
    return out


def fold_right(subtrees: Sequence[bytes]) -> bytes:
    """Combine perfect subtree roots (largest, leftmost first) into the tree root:
    ``H(P0, H(P1, ... H(Pk-1, Pk)))`` — RFC 9162's split, applied repeatedly."""
    acc = subtrees[-1]
    for s in reversed(subtrees[:-1]):
        acc = node_hash(s, acc)
    return acc


def list_subtree(leaf_hashes: Sequence[bytes]) -> SubtreeHash:
    """A ``SubtreeHash`` over leaf hashes held in memory (tests, small trees)."""

    def subtree(start: int, end: int) -> bytes:
        return root_of_hashes(leaf_hashes[start:end])

    return subtree


def inclusion_path(index: int, size: int, subtree: SubtreeHash) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1, leaf first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            path.append(subtree(start + k, end))
            end = start + k
        else:
            path.append(subtree(start, start + k))
            start += k
    path.reverse()
    return path


def consistency_path(old: int, new: int, subtree: SubtreeHash) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1."""
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    if old == 0 or old == new:
        return []
    out: list[bytes] = []
    start, end, complete = 0, new, True
    m = old
    while True:
        n = end - start
        if m == n:
            if not complete:
                out.append(subtree(start, end))
            break
        k = split(n)
        if m <= k:
            out.append(subtree(start + k, end))
            end = start + k
        else:
            out.append(subtree(start, start + k))
            start += k
            m -= k
            complete = False
    out.reverse()
    return out


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2, step by step. ``leaf`` is the leaf *hash*. Raises ProofError."""
    _check_hashes([leaf, root, *path])
    # 1. leaf_index must be below tree_size.
    if index >= size or index < 0:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    # 2. fn = leaf_index, sn = tree_size - 1.
    fn, sn = index, size - 1
    # 3. r = hash.
    r = leaf
    # 4. for each p in the inclusion path:
    for p in path:
        # a. if sn is 0, fail.
        if sn == 0:
            raise ProofError(f"inclusion path is too long for index {index} in size {size}")
        # b. if LSB(fn) is set or fn == sn: r = H(0x01 || p || r), then shift until LSB(fn)
        #    is set or fn is 0.
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            # otherwise r = H(0x01 || r || p).
            r = node_hash(r, p)
        # c. shift both once.
        fn >>= 1
        sn >>= 1
    # 5. sn must be 0 and r must equal the root.
    if sn != 0:
        raise ProofError(f"inclusion path is too short for index {index} in size {size}")
    if r != root:
        raise ProofError(
            f"calculated root {r.hex()} for leaf {index} in size {size}, "
            f"but the expected root is {root.hex()}"
        )


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, path: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2, step by step, plus the two trivial cases the RFC leaves out
    (equal trees; the empty tree is consistent with every tree). Raises ProofError."""
    _check_hashes([old_root, new_root, *path])
    if old > new or old < 0:
        raise ProofError(f"old size {old} is larger than new size {new}")
    if old == new:
        if path:
            raise ProofError("a consistency proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError(f"size {old} has two roots: {old_root.hex()} and {new_root.hex()}")
        return
    if old == 0:
        if path:
            raise ProofError("a consistency proof from the empty tree must be empty")
        return
    # 1. an empty path fails.
    if not path:
        raise ProofError(f"empty consistency proof from size {old} to {new}")
    c = list(path)
    # 2. if first is an exact power of 2, prepend first_hash.
    if is_pow2(old):
        c.insert(0, old_root)
    # 3. fn = first - 1, sn = second - 1.
    fn, sn = old - 1, new - 1
    # 4. if LSB(fn) is set, shift both until it is not.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. fr = sr = first value of the path.
    fr = sr = c[0]
    # 6. for each subsequent value:
    for v in c[1:]:
        # a. if sn is 0, fail.
        if sn == 0:
            raise ProofError(f"consistency path is too long for {old} -> {new}")
        # b. if LSB(fn) is set or fn == sn:
        if fn & 1 or fn == sn:
            fr = node_hash(v, fr)
            sr = node_hash(v, sr)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            sr = node_hash(sr, v)
        # c. shift both once.
        fn >>= 1
        sn >>= 1
    # 7. fr == first_hash, sr == second_hash, sn == 0.
    if sn != 0:
        raise ProofError(f"consistency path is too short for {old} -> {new}")
    if fr != old_root:
        raise ProofError(
            f"calculated root {fr.hex()} for size {old}, but it claims {old_root.hex()}"
        )
    if sr != new_root:
        raise ProofError(
            f"calculated root {sr.hex()} for size {new}, but it claims {new_root.hex()}"
        )


def _check_hashes(hashes: Sequence[bytes]) -> None:
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise ProofError(f"a hash must be {HASH_SIZE} bytes, got {len(h)}")
