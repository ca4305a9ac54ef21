"""The cosignature check in ledger/README.md §6 really verifies our witnesses' lines."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

import fti_gateway.ledger
from fti_gateway.witness.cosignature import Cosigner, split_note, with_cosignatures

from .conftest import Log

README = Path(fti_gateway.ledger.__file__).with_name("README.md")


def _check() -> Callable[[bytes, str], int]:
    text = README.read_text().split("<!-- cosignature-snippet -->", 1)[1]
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    scope = {"base64": base64, "hashlib": hashlib, "Ed25519PublicKey": Ed25519PublicKey}
    exec(code, scope)
    return scope["check_cosignature"]  # type: ignore[return-value]


def test_the_readme_checks_a_cosignature(log: Log, cosigner: Cosigner) -> None:
    check = _check()
    log.grow(40)
    body, _ = split_note(log.ledger.latest)
    line = cosigner.cosign(body, timestamp=1_700_000_000)
    got = cosigner.verifier().check_line(line.rstrip("\n"), body)
    assert got is not None
    note = with_cosignatures(log.ledger.latest, [got])
    assert check(note, cosigner.verifier_key) == 1_700_000_000
    other = Cosigner.generate("witness.test/other")
    with pytest.raises(SystemExit):
        check(note, other.verifier_key)
    forged = note.replace(b"\n40\n", b"\n41\n")
    with pytest.raises(InvalidSignature):
        check(forged, cosigner.verifier_key)
