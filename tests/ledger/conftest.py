"""Ledger fixtures: a signing key, an origin, and the fsck every writing test ends with."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.ledger.checkpoint import Signer
from fti_gateway.ledger.fsck import verify
from fti_gateway.ledger.log import Ledger

ORIGIN = "fti-gateway.example/test-office"


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture
def vkey(key: Ed25519PrivateKey) -> str:
    return Signer(ORIGIN, key).verifier_key


@pytest.fixture
def ledger_dir(tmp_path: Path) -> Path:
    return tmp_path / "ledger"


def open_ledger(dir: Path, key: Ed25519PrivateKey, durable: bool = False) -> Ledger:
    return Ledger.open(dir, ORIGIN, key, durable=durable)


def assert_sound(dir: Path, vkey: str) -> None:
    """Tessera's rule: a test that writes a log ends by proving the log is sound."""
    report = verify(dir, vkey)
    assert report.ok, "\n".join(str(p) for p in report.problems)
