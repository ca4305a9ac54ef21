"""Workspace secrets: the Ed25519 signing key and the taxpayer-commitment secret.

The signing key signs ledger checkpoints, attestations and disclosure packages. The
commitment secret keys the HMAC that names a taxpayer in the ledger without revealing a
TIN or name (FORMATS §7). Both are created once and never overwritten.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SIGNING_KEY = "signing.ed25519.pem"
COMMITMENT_SECRET = "commitment.secret"


def write_once(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Create ``path`` holding ``data``, whole, unless it exists; never overwrite it.

    Written to a temporary file and hard-linked into place: the link fails if the file
    exists, so of two ``fti init`` at once one key wins, and nobody ever reads half a key.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def ensure_keys(keys_dir: Path) -> None:
    keys_dir.mkdir(parents=True, exist_ok=True)
    key_path = keys_dir / SIGNING_KEY
    if not key_path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        write_once(key_path, pem)
    secret_path = keys_dir / COMMITMENT_SECRET
    if not secret_path.exists():
        write_once(secret_path, secrets.token_bytes(32))


def load_signing_key(keys_dir: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key((keys_dir / SIGNING_KEY).read_bytes(), None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"{keys_dir / SIGNING_KEY} is not an Ed25519 key")
    return key


def load_commitment_secret(keys_dir: Path) -> bytes:
    return (keys_dir / COMMITMENT_SECRET).read_bytes()
