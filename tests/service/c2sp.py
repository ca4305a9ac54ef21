"""A verifier written from the C2SP specs alone (signed-note, tlog-checkpoint, tlog-proof)
and RFC 6962 — none of the gateway's code — to check what the service serves."""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def open_note(note: str, vkey: str) -> list[str]:
    """signed-note: the text lines, after checking the signature of the key ``vkey``."""
    name, key_id, b64 = vkey.split("+", 2)
    raw = base64.b64decode(b64)
    assert raw[0] == 0x01, "not an Ed25519 verifier key"
    assert hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() == key_id
    text, sep, sigs = note.partition("\n\n")
    assert sep and note.endswith("\n"), "a note is text, a blank line, signature lines"
    for line in sigs.splitlines():
        dash, signer, sig64 = line.split(" ")
        blob = base64.b64decode(sig64)
        if dash == "\u2014" and signer == name and blob[:4].hex() == key_id:
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(blob[4:], (text + "\n").encode())
            return text.split("\n")
    raise AssertionError("no signature by this key")


def open_checkpoint(note: str, vkey: str) -> tuple[str, int, bytes]:
    """tlog-checkpoint: origin, tree size, root hash (extension lines ignored)."""
    lines = open_note(note, vkey)
    return lines[0], int(lines[1]), base64.b64decode(lines[2])


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def root_from_path(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2."""
    assert index < size
    fn, sn, r = index, size - 1, leaf
    for p in path:
        assert sn > 0, "path too long"
        if fn & 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0, "path too short"
    return r


def verify_tlog_proof(text: str, entry: bytes, vkey: str) -> tuple[int, int]:
    """c2sp.org/tlog-proof@v1 for ``entry``: returns (index, checkpoint size) or raises."""
    lines = text.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1"
    i = 1
    if lines[i].startswith("extra "):
        i += 1
    assert lines[i].startswith("index ")
    digits = lines[i][len("index ") :]
    assert digits.isdigit() and (digits == "0" or not digits.startswith("0"))
    index = int(digits)
    path = []
    i += 1
    while lines[i] != "":
        h = base64.b64decode(lines[i], validate=True)
        assert len(h) == 32
        path.append(h)
        i += 1
    checkpoint = "\n".join(lines[i + 1 :])
    _origin, size, root = open_checkpoint(checkpoint, vkey)
    assert root_from_path(index, size, leaf_hash(entry), path) == root, "path does not verify"
    return index, size
