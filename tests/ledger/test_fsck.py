"""fsck catches one changed byte anywhere, and names the place and both values."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.ledger.fsck import verify
from fti_gateway.ledger.state import STATE_FILES

from .conftest import assert_sound, open_ledger

SIZE = 256 * 3 + 77  # full and partial tiles on levels entries, 0 and 1


@pytest.fixture
def log(ledger_dir: Path, key: Ed25519PrivateKey, vkey: str) -> Path:
    rng = random.Random(3)
    with open_ledger(ledger_dir, key) as led:
        for n in (100, 500, SIZE - 600):
            led.append([rng.randbytes(rng.randint(1, 40)) for _ in range(n)])
            led.checkpoint()
    assert_sound(ledger_dir, vkey)
    return ledger_dir


def _files(root: Path) -> list[Path]:
    """The log's files (the local state beside it is a cache, not part of the log)."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name not in STATE_FILES)


def _flip(path: Path, pos: int) -> None:
    data = bytearray(path.read_bytes())
    data[pos % len(data)] ^= 0x20
    path.write_bytes(bytes(data))


def test_every_file_of_the_ledger_is_checked(log: Path, vkey: str) -> None:
    report = verify(log, vkey)
    assert report.ok and report.size == SIZE and report.entries == SIZE
    assert report.checkpoints == 4  # latest + 3 kept
    assert report.tiles == sum(1 for p in _files(log / "tile"))


def test_one_flipped_byte_in_any_file_fails(log: Path, vkey: str) -> None:
    """Every file, several byte positions each (first, last, and random ones)."""
    rng = random.Random(11)
    for path in _files(log):
        size = path.stat().st_size
        for pos in {0, size - 1, rng.randrange(size), rng.randrange(size)}:
            original = path.read_bytes()
            _flip(path, pos)
            report = verify(log, vkey)
            assert not report.ok, f"flip at {path.relative_to(log)}:{pos} went unnoticed"
            path.write_bytes(original)
    assert_sound(log, vkey)


def test_an_entry_byte_names_the_entry_and_both_hashes(log: Path, vkey: str) -> None:
    _flip(log / "tile/entries/001", 2)
    first = verify(log, vkey).first
    assert first is not None
    assert first.where.startswith("tile/0/001 (bytes 0..31)")
    assert "calculated leaf hash of entry 256 (tile/entries/001)" in first.message
    assert "but the tile holds" in first.message


def test_a_hash_tile_byte_names_the_node(log: Path, vkey: str) -> None:
    _flip(log / "tile/0/000", 32 * 5 + 3)
    first = verify(log, vkey).first
    assert first is not None and first.where.startswith("tile/0/000 (bytes 160..191)")


def test_a_level_one_byte_is_caught_against_the_recomputed_tile_root(log: Path, vkey: str) -> None:
    _flip(log / "tile/1/000.p/3", 40)
    first = verify(log, vkey).first
    assert first is not None and "level-1 node 1" in first.message


def test_a_forged_checkpoint_names_calculated_and_claimed_roots(
    log: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    """Even a validly signed checkpoint must match the tiles."""
    from fti_gateway.ledger.checkpoint import Checkpoint, Signer, sign_checkpoint

    from .conftest import ORIGIN

    forged = sign_checkpoint(Signer(ORIGIN, key), Checkpoint(ORIGIN, SIZE, bytes(32)))
    (log / "checkpoint").write_bytes(forged)
    report = verify(log, vkey)
    assert report.first is not None
    assert report.first.message.startswith("calculated root ")
    assert f"for size {SIZE}, but checkpoint claims {'00' * 32}" in report.first.message


def test_a_truncated_file_fails(log: Path, vkey: str) -> None:
    for rel in ("tile/entries/002", "tile/0/003.p/77", "checkpoint", "checkpoints/100"):
        path = log / rel
        original = path.read_bytes()
        path.write_bytes(original[:-1])
        assert not verify(log, vkey).ok, rel
        path.write_bytes(original)
    assert_sound(log, vkey)


def test_missing_and_extra_files_fail(log: Path, vkey: str) -> None:
    victim = log / "tile/0/002"
    data = victim.read_bytes()
    victim.unlink()
    report = verify(log, vkey)
    assert not report.ok and any("missing" in p.message for p in report.problems)
    victim.write_bytes(data)
    for extra in ("tile/0/004", "tile/entries/003.p/5", "tile/0/notes.txt", "stray.bin"):
        path = log / extra
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x00" * 64)
        assert not verify(log, vkey).ok, extra
        path.unlink()
    assert_sound(log, vkey)


def test_a_checkpoint_renamed_in_history_fails(log: Path, vkey: str) -> None:
    (log / "checkpoints/100").rename(log / "checkpoints/101")
    report = verify(log, vkey)
    assert report.first is not None and "file name says size 101" in report.first.message


def test_the_wrong_verifier_key_fails(log: Path) -> None:
    from fti_gateway.ledger.checkpoint import Signer

    from .conftest import ORIGIN

    other = Signer(ORIGIN, Ed25519PrivateKey.generate()).verifier_key
    report = verify(log, other)
    assert not report.ok and "no signature by" in report.problems[0].message


@pytest.mark.parametrize("rel", ["checkpoint", "checkpoints/600"])
@pytest.mark.parametrize("region", ["origin", "size", "root", "signature"])
def test_each_part_of_a_checkpoint_is_covered(log: Path, vkey: str, rel: str, region: str) -> None:
    path = log / rel
    note = path.read_bytes()
    lines = note.split(b"\n")
    offset = {"origin": 0, "size": len(lines[0]) + 1, "root": len(lines[0]) + len(lines[1]) + 2}
    pos = offset.get(region, len(note) - 10)  # inside the base64 signature
    original = note
    _flip(path, pos)
    report = verify(log, vkey)
    assert not report.ok and report.first is not None and report.first.where.startswith(rel)
    path.write_bytes(original)
    assert_sound(log, vkey)
