"""Signing the manifest, and reading the signature back.

``manifest.sig`` is canonical JSON with two Ed25519 signatures by the same key:

- ``signature``: over the exact bytes of ``manifest.json`` (which is canonical JSON) —
  what the package's authenticity rests on; anyone can check it with the raw key, e.g.
  ``openssl pkeyutl -verify -rawin``.
- ``statement_signature``: over ``fti/disclosure-package/v1\\nmanifest.json sha256 <hex>\\n``.
  It adds no trust of its own; it lets a verifier say *which* file changed when the main
  signature fails: if the statement verifies but the manifest's hash differs, the
  manifest was altered; if the statement does not verify, the signature file was.

``signer.pub`` holds the raw 32-byte public key in base64 (one line).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from fti_gateway.disclose.files import canonical_json
from fti_gateway.disclose.spec import PACKAGE_FORMAT

SIGNATURE_FORMAT = "fti/disclosure-package-signature/v1"


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def encode_public_key(key: Ed25519PublicKey) -> str:
    return base64.b64encode(raw_public_key(key)).decode()


def key_id(key: Ed25519PublicKey) -> str:
    """A short fingerprint people can compare: first 16 hex digits of SHA-256(raw key)."""
    return hashlib.sha256(raw_public_key(key)).hexdigest()[:16]


def strict_b64(text: str, size: int, what: str) -> bytes:
    """Decode base64 that must re-encode to exactly the same text (no slack bits)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise ValueError(f"{what} is not valid base64 ({e})") from e
    if len(raw) != size or base64.b64encode(raw).decode() != text:
        raise ValueError(f"{what} is not the canonical base64 of {size} bytes")
    return raw


def load_public_key(value: Ed25519PublicKey | bytes | str | Path) -> Ed25519PublicKey:
    """A key as an object, 32 raw bytes, base64 text, or a file of base64 text or PEM."""
    if isinstance(value, Ed25519PublicKey):
        return value
    if isinstance(value, Path):
        data = value.read_bytes()
        if data.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(data)
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError(f"{value} is not an Ed25519 public key")
            return key
        value = data.decode("ascii", errors="replace").strip()
    if isinstance(value, bytes):
        return Ed25519PublicKey.from_public_bytes(value)
    return Ed25519PublicKey.from_public_bytes(strict_b64(value.strip(), 32, "public key"))


def statement(manifest_sha256: str) -> bytes:
    return f"{PACKAGE_FORMAT}\nmanifest.json sha256 {manifest_sha256}\n".encode()


def sign_manifest(manifest_bytes: bytes, key: Ed25519PrivateKey) -> bytes:
    """The bytes of ``manifest.sig`` for these manifest bytes."""
    digest = hashlib.sha256(manifest_bytes).hexdigest()
    pub = key.public_key()
    return canonical_json(
        {
            "format": SIGNATURE_FORMAT,
            "algorithm": "Ed25519",
            "public_key": encode_public_key(pub),
            "manifest_sha256": digest,
            "signature": base64.b64encode(key.sign(manifest_bytes)).decode(),
            "statement_signature": base64.b64encode(key.sign(statement(digest))).decode(),
        }
    )


@dataclass(frozen=True)
class SignatureFile:
    public_key: Ed25519PublicKey
    manifest_sha256: str
    signature: bytes
    statement_signature: bytes


def parse_signature(data: bytes) -> SignatureFile:
    """Parse ``manifest.sig``; raises ValueError saying what is wrong."""
    import json

    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"not JSON ({e})") from e
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    if canonical_json(obj) != data:
        raise ValueError("not canonical JSON (the file was edited)")
    expected = {
        "format",
        "algorithm",
        "public_key",
        "manifest_sha256",
        "signature",
        "statement_signature",
    }
    if set(obj) != expected:
        raise ValueError(f"fields are {sorted(obj)}, expected {sorted(expected)}")
    if obj["format"] != SIGNATURE_FORMAT or obj["algorithm"] != "Ed25519":
        raise ValueError(f"format/algorithm is {obj['format']}/{obj['algorithm']}")
    digest = str(obj["manifest_sha256"])
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError("manifest_sha256 is not 64 lowercase hex digits")
    return SignatureFile(
        public_key=Ed25519PublicKey.from_public_bytes(
            strict_b64(str(obj["public_key"]), 32, "public_key")
        ),
        manifest_sha256=digest,
        signature=strict_b64(str(obj["signature"]), 64, "signature"),
        statement_signature=strict_b64(str(obj["statement_signature"]), 64, "statement_signature"),
    )


def verifies(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True
