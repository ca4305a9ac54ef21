"""C2SP tlog-checkpoint bodies inside C2SP signed notes, signed with Ed25519.

A checkpoint body is three lines, ``<origin>\\n<size>\\n<base64 root>\\n``. A signed note
is the body, an empty line, and one line per signature: ``— <key name> <base64(key id ||
signature)>``. The key id is the first four bytes of
``SHA-256(<key name> || 0x0A || 0x01 || <public key>)`` (0x01 = Ed25519), and the
verifier key an auditor is given reads ``<name>+<hex key id>+<base64(0x01 || public
key)>``. With these exact bytes, any signed-note / tlog tool (Go's ``golang.org/x/mod/
sumdb/note``, tlog-scales, Tessera's clients) verifies our checkpoints.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from fti_gateway.core.errors import InputError, IntegrityError
from fti_gateway.ledger.tree import HASH_SIZE

ALG_ED25519 = 0x01
EM_DASH = "\u2014"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str, where: str | None) -> bytes:
    """Standard base64 (RFC 4648 §4) in its canonical form only.

    The decoder ignores the unused low bits of the last character before ``=``, so up to
    three other spellings decode to the same bytes (RFC 4648 §3.5). A signature or key is
    accepted only as the one string the encoder writes; otherwise a note with a changed
    byte would still verify, and "these bytes were signed" would not hold for the note."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as e:
        raise IntegrityError(f"{what} is not valid base64: {text!r}", where=where) from e
    if _b64(data) != text:
        raise IntegrityError(
            f"{what} is not in canonical base64 (the unused bits of its last character "
            f"must be zero): {text!r}",
            where=where,
        )
    return data


MAX_SIZE = 2**63
"""Tree sizes are int64 in the Go tlog tools that read our checkpoints; anything larger
(or longer than 19 digits, checked before ``int`` sees it) is not a size of this log."""


def _is_tree_size(text: str) -> bool:
    """C2SP tlog-checkpoint: "the ASCII decimal representation ... with no leading zeroes
    (unless the tree is empty, in which case the tree size is ``0``)". ``str.isdigit``
    alone accepts ``²`` or ``١`` (which ``int`` reads as 1): the check is on ASCII."""
    if not 0 < len(text) <= 19 or not all("0" <= c <= "9" for c in text):
        return False
    if text != "0" and text.startswith("0"):
        return False
    return int(text) < MAX_SIZE


def _check_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise InputError(
            f"key name {name!r} must be non-empty, without spaces or '+'",
            hint="the key name is the log origin, e.g. fti-gateway.example/office",
        )


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class Checkpoint:
    """The signed statement "the log ``origin`` has ``size`` leaves with root ``root``"."""

    origin: str
    size: int
    root: bytes

    def __post_init__(self) -> None:
        # A checkpoint we could sign but not parse back would be a log nobody can verify.
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise InputError(f"checkpoint size {self.size!r} is not a whole number")
        if not 0 <= self.size < MAX_SIZE:
            raise InputError(f"checkpoint size {self.size} is outside 0 .. 2**63 - 1")

    def body(self) -> bytes:
        return f"{self.origin}\n{self.size}\n{_b64(self.root)}\n".encode()

    @classmethod
    def parse(cls, body: bytes, where: str | None = None) -> Checkpoint:
        """Strict parse of a checkpoint body (extension lines are not used by this log)."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            raise IntegrityError("checkpoint body is not UTF-8", where=where) from e
        lines = text.split("\n")
        if len(lines) != 4 or lines[3] != "":
            raise IntegrityError(
                f"checkpoint body has {len(lines) - 1} lines; expected origin, size, root",
                where=where,
            )
        origin, size_text, root_text = lines[:3]
        if not origin:
            raise IntegrityError("checkpoint has an empty origin line", where=where)
        if not _is_tree_size(size_text):
            raise IntegrityError(
                f"checkpoint size {size_text[:40]!r} is not a tree size: ASCII digits 0-9, "
                "no leading zeros, below 2**63",
                where=where,
            )
        root = _unb64(root_text, "checkpoint root", where)
        if len(root) != HASH_SIZE or _b64(root) != root_text:
            raise IntegrityError(
                f"checkpoint root {root_text!r} is not a 32-byte hash", where=where
            )
        return cls(origin, int(size_text), root)


class Signer:
    """An Ed25519 note signer. ``name`` is the key name, by convention the log origin."""

    def __init__(self, name: str, key: Ed25519PrivateKey) -> None:
        _check_name(name)
        self.name = name
        self._key = key
        self.public_key = key.public_key().public_bytes_raw()
        self.key_id = key_id(name, self.public_key)

    @property
    def verifier_key(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{_b64(bytes([ALG_ED25519]) + self.public_key)}"

    def verifier(self) -> Verifier:
        return Verifier.parse(self.verifier_key)

    def sign_raw(self, message: bytes) -> bytes:
        """A bare Ed25519 signature (for attestations, which are not notes)."""
        return self._key.sign(message)

    def sign_note(self, text: bytes) -> bytes:
        """``text`` (ending in a newline) followed by a blank line and our signature line."""
        if not text.endswith(b"\n"):
            raise ValueError("note text must end with a newline")
        sig = self._key.sign(text)
        line = f"{EM_DASH} {self.name} {_b64(self.key_id + sig)}\n".encode()
        return text + b"\n" + line


@dataclass(frozen=True)
class Verifier:
    """A note verifier parsed from ``name+keyid+base64(alg || public key)``."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise InputError(
                f"verifier key {vkey!r} is not name+keyid+key",
                hint="print it with `fti ledger key`",
            )
        name, kid_hex, key_b64 = parts
        _check_name(name)
        try:
            kid = bytes.fromhex(kid_hex)
            raw = _unb64(key_b64, "verifier key", None)
        except (ValueError, IntegrityError) as e:
            raise InputError(
                f"verifier key {vkey!r} has a bad key id or key",
                hint="the key is canonical base64 of 0x01 and the public key; print it with "
                "`fti ledger key`",
            ) from e
        if kid.hex() != kid_hex.lower() or len(kid_hex) != 8:
            raise InputError(f"verifier key {vkey!r} has a bad key id (8 hex digits)")
        if len(kid) != 4 or len(raw) != 33 or raw[0] != ALG_ED25519:
            raise InputError(f"verifier key {vkey!r} is not an Ed25519 note key")
        if key_id(name, raw[1:]) != kid:
            raise InputError(f"verifier key {vkey!r}: key id does not match name and key")
        return cls(name, kid, raw[1:])

    def verify_raw(self, message: bytes, signature: bytes, where: str | None = None) -> None:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature as e:
            raise IntegrityError(f"signature by {self.name} does not verify", where=where) from e

    def open_note(self, note: bytes, where: str | None = None) -> bytes:
        """Check a signed note and return its text. Every signature line must be well
        formed; at least one must be ours and valid (others, e.g. witnesses, are ignored)."""
        sep = note.rfind(b"\n\n")
        if sep < 0 or not note.endswith(b"\n"):
            raise IntegrityError("note has no blank line before its signatures", where=where)
        text, sigs = note[: sep + 1], note[sep + 2 :]
        try:
            sig_lines = sigs.decode("utf-8").split("\n")[:-1]
        except UnicodeDecodeError as e:
            raise IntegrityError("note signatures are not UTF-8", where=where) from e
        if not sig_lines:
            raise IntegrityError("note has no signature lines", where=where)
        found = False
        for n, line in enumerate(sig_lines, start=1):
            parts = line.split(" ")
            if len(parts) != 3 or parts[0] != EM_DASH:
                raise IntegrityError(f"signature line {n} is malformed: {line!r}", where=where)
            blob = _unb64(parts[2], f"signature line {n}", where)
            if len(blob) < 5:
                raise IntegrityError(f"signature line {n} is too short", where=where)
            if parts[1] != self.name or blob[:4] != self.key_id:
                continue
            if len(blob) != 4 + 64:
                raise IntegrityError(f"signature line {n} is not an Ed25519 signature", where=where)
            self.verify_raw(text, blob[4:], where=where)
            found = True
        if not found:
            raise IntegrityError(
                f"note carries no signature by {self.name}+{self.key_id.hex()}", where=where
            )
        return text

    def open_checkpoint(self, note: bytes, where: str | None = None) -> Checkpoint:
        cp = Checkpoint.parse(self.open_note(note, where=where), where=where)
        return cp


def sign_checkpoint(signer: Signer, cp: Checkpoint) -> bytes:
    if cp.origin != signer.name:
        raise InputError(f"checkpoint origin {cp.origin!r} differs from key name {signer.name!r}")
    return signer.sign_note(cp.body())
