"""Ed25519 cosignatures (``cosignature/v1``) on checkpoints, in the signed-note format.

Pinned spec: C2SP tlog-cosignature, the Ed25519 ``cosignature/v1`` type, as published in
C2SP/C2SP at commit 01194db1 (tlog-cosignature.md; same bytes as
``c2sp.org/tlog-cosignature@v1.0.0`` for the Ed25519 type). Exactly:

- key id: ``SHA-256(<name> || "\\n" || 0x04 || 32-byte public key)[:4]`` (0x04, not the
  log's 0x01: a cosigner key never verifies as a plain note signature, or back);
- signature line: ``— <name> base64(key id || timestamp || signature)``, the timestamp a
  big-endian u64 of POSIX seconds (below 2**63);
- signed message: ``cosignature/v1\\ntime <t>\\n`` followed by the whole checkpoint body
  (with its final newline, without any signature line).

Verifier keys are the signed-note ``name+keyid+base64(0x04 || public key)``; private keys
are stored as Go's ``PRIVATE+KEY+name+keyid+base64(0x04 || seed)``, so a key written here
reads in any signed-note tool that knows type 0x04.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from fti_gateway.core.errors import InputError, IntegrityError

ALG_COSIGNATURE_V1 = 0x04
EM_DASH = "\u2014"
HEADER = b"cosignature/v1\n"
PRIVATE_PREFIX = "PRIVATE+KEY+"
MAX_TIME = 2**63 - 1
SPEC = "c2sp.org/tlog-cosignature@v1.0.0 (Ed25519 cosignature/v1; C2SP commit 01194db1)"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as e:
        raise InputError(f"{what} is not base64: {text[:80]!r}") from e
    if _b64(data) != text:
        raise InputError(f"{what} is not canonical base64: {text[:80]!r}")
    return data


def _check_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise InputError(
            f"cosigner name {name!r} must be non-empty, without spaces or '+'",
            hint="a schema-less URL naming the witness, e.g. witness.example/w1",
        )


def cosigner_key_id(name: str, public_key: bytes) -> bytes:
    """The spec's key id: first 4 bytes of SHA-256(name || 0x0A || 0x04 || key)."""
    data = name.encode() + b"\n" + bytes([ALG_COSIGNATURE_V1]) + public_key
    return hashlib.sha256(data).digest()[:4]


def signed_message(body: bytes, timestamp: int) -> bytes:
    """What a cosigner signs over the checkpoint ``body`` at ``timestamp``."""
    if not 0 <= timestamp <= MAX_TIME:
        raise InputError(f"cosignature time {timestamp} is outside 0 .. 2**63 - 1")
    if not body.endswith(b"\n"):
        raise InputError("a checkpoint body ends with a newline")
    return HEADER + f"time {timestamp}\n".encode() + body


class Cosigner:
    """A witness's Ed25519 cosigning key and name."""

    def __init__(self, name: str, key: Ed25519PrivateKey) -> None:
        _check_name(name)
        self.name = name
        self._key = key
        self.public_key = key.public_key().public_bytes_raw()
        self.key_id = cosigner_key_id(name, self.public_key)

    @classmethod
    def generate(cls, name: str) -> Cosigner:
        return cls(name, Ed25519PrivateKey.generate())

    @property
    def verifier_key(self) -> str:
        raw = bytes([ALG_COSIGNATURE_V1]) + self.public_key
        return f"{self.name}+{self.key_id.hex()}+{_b64(raw)}"

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier.parse(self.verifier_key)

    def private_key_text(self) -> str:
        seed = self._key.private_bytes_raw()
        raw = bytes([ALG_COSIGNATURE_V1]) + seed
        return f"{PRIVATE_PREFIX}{self.name}+{self.key_id.hex()}+{_b64(raw)}"

    @classmethod
    def parse_private(cls, text: str) -> Cosigner:
        if not text.startswith(PRIVATE_PREFIX):
            raise InputError(
                "not a cosigner private key (PRIVATE+KEY+name+keyid+base64)",
                hint="make one with `fti witness keygen NAME --out FILE`",
            )
        parts = text.strip()[len(PRIVATE_PREFIX) :].split("+", 2)
        if len(parts) != 3:
            raise InputError("a cosigner private key is PRIVATE+KEY+name+keyid+base64")
        name, kid, b64 = parts
        raw = _unb64(b64, "cosigner private key")
        if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
            raise InputError("not an Ed25519 cosignature/v1 private key (type 0x04)")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
        if signer.key_id.hex() != kid:
            raise InputError("the private key's key id does not match its name and key")
        return signer

    @classmethod
    def load(cls, path: Path) -> Cosigner:
        try:
            return cls.parse_private(Path(path).read_text(encoding="ascii"))
        except FileNotFoundError as e:
            raise InputError(f"no witness key at {path}", where=str(path)) from e
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"cannot read the witness key: {e}", where=str(path)) from e

    def save(self, path: Path) -> None:
        """Write the private key, readable by its owner only, never over another key."""
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as e:
            raise InputError(
                "a file is already there; a witness key is never overwritten", where=str(path)
            ) from e
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(self.private_key_text() + "\n")
            f.flush()
            os.fsync(f.fileno())

    def cosign(self, body: bytes, timestamp: int | None = None) -> str:
        """The signature line (with its newline) cosigning checkpoint ``body``."""
        t = int(time.time()) if timestamp is None else timestamp
        sig = self._key.sign(signed_message(body, t))
        return f"{EM_DASH} {self.name} {_b64(self.key_id + t.to_bytes(8, 'big') + sig)}\n"


@dataclass(frozen=True)
class Cosignature:
    """One verified cosignature: who, when, and the line as it stands in the note."""

    name: str
    key_id: bytes
    timestamp: int
    line: str


@dataclass(frozen=True)
class CosignatureVerifier:
    """A witness's public key, from ``name+keyid+base64(0x04 || key)``."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def parse(cls, vkey: str) -> CosignatureVerifier:
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise InputError(f"witness key {vkey!r} is not name+keyid+key")
        name, kid_hex, b64 = parts
        _check_name(name)
        raw = _unb64(b64, "witness key")
        if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
            raise InputError(
                f"witness key {vkey!r} is not an Ed25519 cosignature/v1 key (type 0x04)",
                hint="a witness prints its key with `fti witness key`",
            )
        if len(kid_hex) != 8 or cosigner_key_id(name, raw[1:]).hex() != kid_hex.lower():
            raise InputError(f"witness key {vkey!r}: key id does not match name and key")
        return cls(name, bytes.fromhex(kid_hex), raw[1:])

    @property
    def vkey(self) -> str:
        return (
            f"{self.name}+{self.key_id.hex()}+{_b64(bytes([ALG_COSIGNATURE_V1]) + self.public_key)}"
        )

    def check_line(self, line: str, body: bytes) -> Cosignature | None:
        """The cosignature on ``line`` if it is this key's and verifies over ``body``; None
        for another key's line; IntegrityError for this key's line that does not verify."""
        parts = line.rstrip("\n").split(" ")
        if len(parts) != 3 or parts[0] != EM_DASH or parts[1] != self.name:
            return None
        try:
            blob = _unb64(parts[2], "cosignature")
        except InputError:
            return None
        if blob[:4] != self.key_id:
            return None
        if len(blob) != 4 + 8 + 64:
            raise IntegrityError(f"cosignature by {self.name} is not 76 bytes")
        t = int.from_bytes(blob[4:12], "big")
        try:
            message = signed_message(body, t)
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(blob[12:], message)
        except (InvalidSignature, InputError) as e:
            raise IntegrityError(f"cosignature by {self.name} does not verify") from e
        return Cosignature(self.name, self.key_id, t, parts[0] + " " + parts[1] + " " + parts[2])

    def find(self, lines: Iterable[str], body: bytes) -> Cosignature | None:
        """This witness's newest valid cosignature among ``lines``."""
        best: Cosignature | None = None
        for line in lines:
            got = self.check_line(line, body)
            if got is not None and (best is None or got.timestamp > best.timestamp):
                best = got
        return best


def split_note(note: bytes) -> tuple[bytes, list[str]]:
    """A signed note's text (ending in a newline) and its signature lines."""
    sep = note.rfind(b"\n\n")
    if sep < 0 or not note.endswith(b"\n"):
        raise InputError("not a signed note: no blank line before the signatures")
    try:
        lines = note[sep + 2 :].decode("utf-8").split("\n")[:-1]
    except UnicodeDecodeError as e:
        raise InputError("the note's signature lines are not UTF-8") from e
    return note[: sep + 1], lines


def with_cosignatures(note: bytes, cosignatures: Iterable[Cosignature]) -> bytes:
    """``note`` with each cosignature line added (once; a key's older line is replaced)."""
    body, lines = split_note(note)
    extra = list(cosignatures)
    keys = {(c.name, c.key_id) for c in extra}
    kept = []
    for line in lines:
        parts = line.split(" ")
        try:
            kid = _unb64(parts[2], "signature")[:4] if len(parts) == 3 else b""
        except InputError:
            kid = b""
        if len(parts) == 3 and (parts[1], kid) in keys:
            continue
        kept.append(line)
    out = kept + [c.line for c in extra]
    return body + b"\n" + "".join(line + "\n" for line in out).encode()
