"""Signed-note checkpoints: exact bytes, key ids, and refusal of anything altered."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.core.errors import InputError, IntegrityError
from fti_gateway.ledger.checkpoint import Checkpoint, Signer, Verifier, sign_checkpoint

from .conftest import ORIGIN


def test_body_is_the_three_c2sp_lines() -> None:
    cp = Checkpoint("example.com/log", 20852163, bytes(32))
    assert cp.body() == b"example.com/log\n20852163\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
    assert Checkpoint.parse(cp.body()) == cp


def test_verifier_key_and_key_id_follow_the_note_spec(key: Ed25519PrivateKey) -> None:
    signer = Signer(ORIGIN, key)
    pub = key.public_key().public_bytes_raw()
    kid = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + pub).digest()[:4]
    b64 = base64.b64encode(b"\x01" + pub).decode()
    assert signer.verifier_key == f"{ORIGIN}+{kid.hex()}+{b64}"
    assert Verifier.parse(signer.verifier_key).public_key == pub


def test_signed_checkpoint_opens_and_signature_line_is_well_formed(key: Ed25519PrivateKey) -> None:
    signer = Signer(ORIGIN, key)
    cp = Checkpoint(ORIGIN, 7, bytes(range(32)))
    note = sign_checkpoint(signer, cp)
    text, _, sig = note.partition(b"\n\n")
    assert text + b"\n" == cp.body()
    line = sig.decode()
    assert line.startswith(f"\u2014 {ORIGIN} ") and line.endswith("\n")
    blob = base64.b64decode(line.split(" ")[2])
    assert blob[:4] == signer.key_id and len(blob) == 68
    assert signer.verifier().open_checkpoint(note) == cp


@pytest.mark.parametrize("pos", range(0, 200, 7))
def test_any_changed_byte_of_a_signed_checkpoint_is_refused(
    key: Ed25519PrivateKey, pos: int
) -> None:
    signer = Signer(ORIGIN, key)
    note = bytearray(sign_checkpoint(signer, Checkpoint(ORIGIN, 123456, bytes(range(32)))))
    pos %= len(note)
    note[pos] ^= 0x01
    with pytest.raises(IntegrityError):
        signer.verifier().open_checkpoint(bytes(note))


def test_another_key_does_not_open_the_note(key: Ed25519PrivateKey) -> None:
    note = sign_checkpoint(Signer(ORIGIN, key), Checkpoint(ORIGIN, 1, bytes(32)))
    other = Signer(ORIGIN, Ed25519PrivateKey.generate())
    with pytest.raises(IntegrityError):
        other.verifier().open_checkpoint(note)


@pytest.mark.parametrize(
    "vkey",
    ["nonsense", "a+b+c", f"{ORIGIN}+00000000+" + base64.b64encode(b"\x01" + bytes(32)).decode()],
)
def test_bad_verifier_keys_are_input_errors(vkey: str) -> None:
    with pytest.raises(InputError):
        Verifier.parse(vkey)


@pytest.mark.parametrize(
    "body",
    [
        b"o\n01\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        b"o\n1\nAAAA\n",
        b"o\n1\n",
        b"\n1\nAA==\n",
    ],
)
def test_malformed_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(IntegrityError):
        Checkpoint.parse(body)


def test_tlog_scales_verifies_our_checkpoint(key: Ed25519PrivateKey) -> None:
    """Interop: an independent C2SP implementation accepts our key and signature."""
    from tlog_scales.signing import Vkey
    from tlog_scales.tlog import Checkpoint as TsCheckpoint

    signer = Signer(ORIGIN, key)
    note = sign_checkpoint(signer, Checkpoint(ORIGIN, 42, bytes(range(32))))
    ts = TsCheckpoint.from_text(note.decode())
    vk = Vkey.from_string(signer.verifier_key)
    ts.verify(vk)
    assert ts.size == 42 and ts.root_hash == bytes(range(32))
    assert vk.serialize() == signer.verifier_key


@pytest.mark.parametrize(
    "size",
    ["\u00b2", "\u0661", "\uff11", "01", "00", "+1", " 1", "-0", "9223372036854775808", "9" * 5000],
    ids=[
        "superscript",
        "arabic-indic",
        "full-width",
        "leading-zero",
        "zeros",
        "plus",
        "space",
        "minus",
        "2**63",
        "5000-digits",
    ],
)
def test_a_size_line_is_only_ascii_decimal_below_2_63(size: str) -> None:
    """C2SP tlog-checkpoint: the ASCII decimal representation, no leading zeroes."""
    body = f"o\n{size}\n{base64.b64encode(bytes(32)).decode()}\n".encode()
    with pytest.raises(IntegrityError, match="not a tree size"):
        Checkpoint.parse(body)


def test_the_largest_size_parses_and_a_larger_one_cannot_be_signed() -> None:
    top = Checkpoint("o", 2**63 - 1, bytes(32))
    assert Checkpoint.parse(top.body()) == top
    with pytest.raises(InputError):
        Checkpoint("o", 2**63, bytes(32))


def _respell_last_sextet(b64: str) -> list[str]:
    """The other spellings of ``b64`` that decode to the same bytes (the unused low bits of
    the character before the padding set to something else)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    body = b64.rstrip("=")
    pad = b64[len(body) :]
    unused = {1: 2, 2: 4}[len(pad)]
    base = alphabet.index(body[-1])
    return [
        body[:-1] + alphabet[base | low] + pad for low in range(1, 1 << unused) if not base & low
    ]


def test_a_signature_in_non_canonical_base64_is_refused(key: Ed25519PrivateKey) -> None:
    signer = Signer(ORIGIN, key)
    note = sign_checkpoint(signer, Checkpoint(ORIGIN, 3, bytes(32)))
    text, _, line = note.partition(b"\n\n")
    dash, name, sig = line.decode().rstrip("\n").split(" ")
    others = _respell_last_sextet(sig)
    assert len(others) == 3  # 68 bytes: one '=' of padding, two unused bits
    for other in others:
        assert base64.b64decode(other) == base64.b64decode(sig)
        forged = text + b"\n\n" + f"{dash} {name} {other}\n".encode()
        with pytest.raises(IntegrityError, match="canonical base64"):
            signer.verifier().open_note(forged)
