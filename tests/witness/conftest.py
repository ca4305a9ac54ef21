"""Small logs (with forks signed by the same key) and a witness over a temporary state."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.ledger.log import Ledger
from fti_gateway.ledger.tree import consistency_path
from fti_gateway.witness.cosignature import Cosigner
from fti_gateway.witness.server import Witness, read_logs
from fti_gateway.witness.state import WitnessState

ORIGIN = "test.example/log"


class Log:
    """A ledger in a folder, grown on demand; ``fork`` makes another with the same key."""

    def __init__(self, dir: Path, key: Ed25519PrivateKey, tag: str = "a") -> None:
        self.dir, self.key, self.tag = dir, key, tag
        self.ledger = Ledger.open(dir, ORIGIN, key, durable=False)

    def grow(self, to: int) -> bytes:
        n = self.ledger.size
        self.ledger.append([f"{self.tag}-{i}".encode() for i in range(n, to)])
        return self.ledger.latest

    def submission(self, old: int, proof_from: int | None = None) -> bytes:
        """An add-checkpoint body: old size, the proof from ``proof_from`` (default old)."""
        start = old if proof_from is None else proof_from
        path = consistency_path(start, self.ledger.size, self.ledger.reader().subtree)
        lines = "".join(base64.b64encode(h).decode() + "\n" for h in path)
        return f"old {old}\n{lines}\n".encode() + self.ledger.latest


@pytest.fixture
def log_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def log(tmp_path: Path, log_key: Ed25519PrivateKey) -> Iterator[Log]:
    lg = Log(tmp_path / "log", log_key)
    yield lg
    lg.ledger.close()


@pytest.fixture
def fork(tmp_path: Path, log_key: Ed25519PrivateKey) -> Iterator[Log]:
    """The same origin and key, other entries: what a log showing a split view signs."""
    lg = Log(tmp_path / "fork", log_key, tag="b")
    yield lg
    lg.ledger.close()


@pytest.fixture
def cosigner() -> Cosigner:
    return Cosigner.generate("witness.test/w1")


def make_witness(state: Path, cosigner: Cosigner, log: Log) -> Witness:
    return Witness(cosigner, WitnessState(state), read_logs([log.ledger.verifier_key]))


@pytest.fixture
def witness(tmp_path: Path, cosigner: Cosigner, log: Log) -> Witness:
    return make_witness(tmp_path / "wstate", cosigner, log)
