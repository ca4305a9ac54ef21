"""Ledger.open / append / checkpoint: sizes, roots, reopening, and refusals."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.core.errors import InputError, IntegrityError
from fti_gateway.ledger.fsck import verify
from fti_gateway.ledger.log import Ledger, LedgerBusy
from fti_gateway.ledger.storage import FsStorage
from fti_gateway.ledger.tiles import ENTRIES, TileId, tiles_for_size
from fti_gateway.ledger.tree import EMPTY_ROOT, leaf_hash, root_of_hashes

from .conftest import ORIGIN, assert_sound, open_ledger


def _entries(rng: random.Random, n: int) -> list[bytes]:
    return [rng.randbytes(rng.randint(0, 64)) for _ in range(n)]


def test_a_new_ledger_has_a_signed_empty_checkpoint(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    with open_ledger(ledger_dir, key) as led:
        assert led.size == 0 and led.root == EMPTY_ROOT
        assert led.latest.startswith(f"{ORIGIN}\n0\n".encode())
    assert_sound(ledger_dir, vkey)


@pytest.mark.parametrize("batches", [[1], [255, 1], [256], [257, 255, 1], [1000, 64000], [3] * 90])
def test_roots_after_batches_equal_the_plain_tree(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str, batches: list[int]
) -> None:
    rng = random.Random(len(batches))
    everything: list[bytes] = []
    with open_ledger(ledger_dir, key) as led:
        for n in batches:
            batch = _entries(rng, n)
            assert led.append(batch) == list(range(len(everything), len(everything) + n))
            everything += batch
        assert led.size == len(everything)
        assert led.root == root_of_hashes([leaf_hash(e) for e in everything])
        reader = led.reader()
        for i in {0, len(everything) // 2, len(everything) - 1}:
            assert reader.entry(i) == everything[i]
    # exactly the tiles the size calls for: superseded partial tiles are gone
    names = {t for _, t in FsStorage(ledger_dir).list_tiles()}
    assert names == set(tiles_for_size(len(everything)))
    assert_sound(ledger_dir, vkey)


def test_reopening_continues_the_same_tree(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    rng = random.Random(7)
    a, b = _entries(rng, 300), _entries(rng, 300)
    with open_ledger(ledger_dir, key) as led:
        led.append(a)
        led.checkpoint()
    with open_ledger(ledger_dir, key, durable=True) as led:
        assert led.size == 300
        assert led.append(b)[0] == 300
        led.checkpoint()
        assert led.root == root_of_hashes([leaf_hash(e) for e in a + b])
    assert sorted(p.name for p in (ledger_dir / "checkpoints").iterdir()) == ["300", "600"]
    assert_sound(ledger_dir, vkey)


def test_a_second_writer_is_refused(ledger_dir: Path, key: Ed25519PrivateKey, vkey: str) -> None:
    with open_ledger(ledger_dir, key), pytest.raises(LedgerBusy):
        open_ledger(ledger_dir, key)
    assert_sound(ledger_dir, vkey)


def test_the_wrong_key_or_origin_cannot_open_a_ledger(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    with open_ledger(ledger_dir, key) as led:
        led.append([b"x"])
    with pytest.raises(IntegrityError):
        Ledger.open(ledger_dir, ORIGIN, Ed25519PrivateKey.generate(), durable=False)
    with pytest.raises(IntegrityError):
        Ledger.open(ledger_dir, "other.example/log", key, durable=False)
    assert_sound(ledger_dir, vkey)


def test_bad_entries_are_refused_whole(ledger_dir: Path, key: Ed25519PrivateKey, vkey: str) -> None:
    with open_ledger(ledger_dir, key) as led:
        with pytest.raises(InputError):
            led.append([b"ok", b"x" * 70000])
        with pytest.raises(InputError):
            led.append(["not bytes"])  # type: ignore[list-item]
        assert led.size == 0
        assert led.append([]) == []
    assert_sound(ledger_dir, vkey)


def test_leftovers_of_an_uncommitted_batch_are_removed_on_open(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    with open_ledger(ledger_dir, key) as led:
        led.append([b"a"] * 10)
    store = FsStorage(ledger_dir)
    # a batch that wrote tiles but died before its checkpoint
    store.write_tiles(
        [(TileId(ENTRIES, 0, 256), b"\x00\x01z" * 256), (TileId(0, 0, 12), bytes(384))]
    )
    (ledger_dir / "tile" / "0" / ".junk.tmp").write_bytes(b"half")
    assert not verify(ledger_dir, vkey).ok
    with open_ledger(ledger_dir, key) as led:
        assert led.size == 10
    assert not (ledger_dir / "tile" / "0" / ".junk.tmp").exists()
    assert_sound(ledger_dir, vkey)


def test_a_rolled_back_checkpoint_is_refused(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    with open_ledger(ledger_dir, key) as led:
        led.append([b"a"])
        first = led.checkpoint()
        led.append([b"b"])
        led.checkpoint()
    # checkpoint *and* tiles put back to the older state; the history remembers
    (ledger_dir / "checkpoint").write_bytes(first)
    for rel in ("tile/entries/000.p/2", "tile/0/000.p/2"):
        (ledger_dir / rel).unlink()
    with pytest.raises(IntegrityError, match="rolled back"):
        open_ledger(ledger_dir, key)
    report = verify(ledger_dir, vkey)
    assert not report.ok and "beyond the latest" in str(report.problems)


def test_a_failed_tile_write_leaves_the_log_as_it_was(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_ledger(ledger_dir, key) as led:
        led.append([b"a"] * 300)

        def failing(self: FsStorage, tiles, note, size):  # type: ignore[no-untyped-def]
            self.write_tiles(list(tiles)[:2])  # some tiles reach the disk, then it fills up
            (self.root / "tile" / ".half.tmp").write_bytes(b"x")
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(FsStorage, "commit", failing)
        with pytest.raises(OSError):
            led.append([b"b"] * 500)
        monkeypatch.undo()
        assert led.size == 300
        assert_sound(ledger_dir, vkey)  # no leftovers, even before a reopen
        led.append([b"c"])
        assert led.size == 301
    assert_sound(ledger_dir, vkey)


def test_a_failed_commit_after_the_rename_demands_a_reopen(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_ledger(ledger_dir, key) as led:
        led.append([b"a"])
        real = FsStorage.commit

        def fsync_fails(self: FsStorage, tiles, note, size):  # type: ignore[no-untyped-def]
            real(self, tiles, note, size)
            raise OSError(5, "EIO while flushing the folder")

        monkeypatch.setattr(FsStorage, "commit", fsync_fails)
        with pytest.raises(OSError):
            led.append([b"b"])
        monkeypatch.undo()
        with pytest.raises(IntegrityError, match="reopened"):
            led.append([b"c"])
    with open_ledger(ledger_dir, key) as led:
        assert led.size == 2  # the rename happened, so recovery finds the batch committed
    assert_sound(ledger_dir, vkey)


def test_a_lost_checkpoint_rename_is_rolled_forward_from_its_kept_copy(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    """Power cut between the two renames: the kept copy survived, ``checkpoint`` did not."""
    with open_ledger(ledger_dir, key) as led:
        led.append([b"a"])
        first = led.latest
        led.append([b"b"] * 300)
    (ledger_dir / "checkpoint").write_bytes(first)
    with open_ledger(ledger_dir, key) as led:
        assert led.size == 301
    assert_sound(ledger_dir, vkey)


def test_a_waiting_writer_gets_the_ledger_when_the_first_closes(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    import threading

    first = open_ledger(ledger_dir, key)
    threading.Timer(0.2, first.close).start()
    with Ledger.open(ledger_dir, ORIGIN, key, durable=False, wait=10) as second:
        second.append([b"after"])
    assert_sound(ledger_dir, vkey)


def test_a_busy_ledger_has_its_own_exit_code(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    """Issue 14 item 9: a busy ledger exited 1, a code the README does not document."""
    from fti_gateway.core.errors import BusyError

    with open_ledger(ledger_dir, key):
        probe = [sys.executable, "-c", BUSY, str(ledger_dir)]
        child = subprocess.run(probe, capture_output=True, text=True, timeout=60)
    assert child.returncode == 6, child.stderr
    assert "open for writing elsewhere" in child.stderr and "try again" in child.stderr
    assert issubclass(LedgerBusy, BusyError) and LedgerBusy("x").exit_code == 6
    assert_sound(ledger_dir, vkey)


BUSY = """
import sys
from pathlib import Path
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fti_gateway.core.errors import FtiError
from fti_gateway.ledger.log import Ledger
try:
    Ledger.open(Path(sys.argv[1]), "o", Ed25519PrivateKey.generate(), wait=0.2)
except FtiError as e:
    print(e, file=sys.stderr)
    sys.exit(e.exit_code)
"""
