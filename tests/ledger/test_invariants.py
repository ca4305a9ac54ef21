"""The ledger's invariants under operator slips and damage, with real `fti` processes:
a ledger that had entries never starts over at size 0, never shrinks, and takes no append
over a damaged tile; `fti ledger verify --since-last` re-checks only what is new."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.core.errors import IntegrityError
from fti_gateway.ledger.fsck import verify, verify_since_last
from fti_gateway.ledger.state import STATE_FILE, LocalState
from fti_gateway.ledger.storage import FsStorage

from ..cli.test_ledger_documents import fti
from .conftest import assert_sound, open_ledger

APPEND = """
import sys
from pathlib import Path
from fti_gateway.core.errors import FtiError
from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger.workspace import open_ledger
try:
    with open_ledger(Workspace.open(Path(sys.argv[1]))) as led:
        led.append([b"entry %d" % (led.size + i) for i in range(int(sys.argv[2]))])
        print(led.size)
except FtiError as e:
    print(e, file=sys.stderr)
    sys.exit(e.exit_code)
"""


def _append(home: Path, n: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", APPEND, str(home), str(n)], capture_output=True, text=True
    )


def _tiles(ledger: Path) -> list[str]:
    return sorted(p for p, _ in FsStorage(ledger).list_tiles())


def _flip(path: Path, pos: int) -> None:
    data = bytearray(path.read_bytes())
    data[pos] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    assert fti("init", "--home", str(h)).returncode == 0
    assert _append(h, 600).stdout.strip() == "600"
    return h


@pytest.mark.parametrize("keep_state", [True, False])
def test_fti_init_refuses_a_ledger_whose_checkpoint_is_gone(home: Path, keep_state: bool) -> None:
    """Issue 14 item 1: with checkpoint and checkpoints/ removed, `fti init` and any
    append deleted every tile and restarted at size 0 (exit 0)."""
    ledger = home / "ledger"
    before = _tiles(ledger)
    (ledger / "checkpoint").unlink()
    shutil.rmtree(ledger / "checkpoints")
    if not keep_state:
        (ledger / STATE_FILE).unlink()
    for run in (fti("init", "--home", str(home)), _append(home, 1)):
        assert run.returncode == 4, run.stdout + run.stderr
        assert "there is no checkpoint, but the ledger has had entries" in run.stderr
        assert "tile/" in run.stderr and "backup" in run.stderr
    assert _tiles(ledger) == before  # nothing deleted
    assert fti("ledger", "verify", "--home", str(home)).returncode == 4


def test_the_local_state_remembers_entries_whose_tiles_are_gone_too(home: Path) -> None:
    ledger = home / "ledger"
    for name in ("checkpoint", "checkpoints", "tile"):
        shutil.rmtree(ledger / name) if name != "checkpoint" else (ledger / name).unlink()
    run = fti("init", "--home", str(home))
    assert run.returncode == 4 and "local state says it had 600 entries" in run.stderr


def test_a_ledger_put_back_to_a_smaller_size_is_refused(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    """Checkpoint, tiles *and* history put back to size 300 (a stale backup of the log
    alone): the local state knows the log reached 600."""
    with open_ledger(ledger_dir, key) as led:
        led.append([b"a"] * 300)
    old = ledger_dir.parent / "old"
    shutil.copytree(ledger_dir, old)
    with open_ledger(ledger_dir, key) as led:
        led.append([b"b"] * 300)
    for name in ("checkpoint", "checkpoints", "tile"):
        shutil.rmtree(ledger_dir / name) if name != "checkpoint" else (ledger_dir / name).unlink()
        src = old / name
        shutil.copytree(src, ledger_dir / name) if src.is_dir() else shutil.copy(src, ledger_dir)
    with pytest.raises(IntegrityError, match="has been at size 600: it was rolled back"):
        open_ledger(ledger_dir, key)
    assert not verify_since_last(ledger_dir, vkey).ok


@pytest.mark.parametrize(
    ("victim", "pos", "named"),
    [
        ("tile/0/000", 32 * 7 + 3, "tile/0/000"),  # an old full level-0 hash tile
        ("tile/entries/000", 40, "tile/0/000 (bytes"),  # an old full entry bundle
        ("tile/entries/001", 5, "tile/0/001 (bytes 0..31)"),
        ("tile/entries/002.p/98", 5, "tile/0/002.p/98 (bytes 0..31)"),  # the partial one
    ],
)
def test_no_append_over_a_damaged_full_tile(home: Path, victim: str, pos: int, named: str) -> None:
    """Issue 14 item 3: a flipped byte in an old full tile was not noticed on open, and
    new checkpoints were signed over it."""
    ledger = home / "ledger"
    assert fti("ledger", "verify", "--home", str(home)).returncode == 0  # recorded
    assert _append(home, 10).returncode == 0
    _flip(ledger / victim, pos)
    note = (ledger / "checkpoint").read_bytes()
    run = _append(home, 1)
    assert run.returncode == 4, run.stdout + run.stderr
    assert named in run.stderr and "calculated" in run.stderr and "holds" in run.stderr
    assert (ledger / "checkpoint").read_bytes() == note  # nothing signed over the damage
    since = fti("ledger", "verify", "--since-last", "--home", str(home))
    assert since.returncode == 4 and named in since.stderr
    again = _append(home, 1)  # the ledger stays refused
    assert again.returncode == 4 and "found damage" in again.stderr


def test_damage_only_a_full_verify_sees_blocks_appends_until_it_verifies(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    """Bit rot that leaves a file's metadata alone (simulated: the recorded fingerprint
    is updated with it) passes the cheap checks; a full verification finds it, and the
    ledger then takes no appends until a full verification passes again."""
    with open_ledger(ledger_dir, key) as led:
        led.append([b"x%d" % i for i in range(600)])
    assert verify(ledger_dir, vkey, record=True).ok
    bundle = ledger_dir / "tile/entries/001"
    original = bundle.read_bytes()
    _flip(bundle, 9)
    _pretend_unchanged(ledger_dir, "tile/entries/001")
    assert verify_since_last(ledger_dir, vkey).ok  # cheap checks trust the fingerprint
    assert not verify(ledger_dir, vkey, record=True).ok
    with pytest.raises(IntegrityError, match="last verification found damage"):
        open_ledger(ledger_dir, key)
    bundle.write_bytes(original)  # restored from a backup
    with pytest.raises(IntegrityError, match="last verification found damage"):
        open_ledger(ledger_dir, key)
    assert verify(ledger_dir, vkey, record=True).ok
    with open_ledger(ledger_dir, key) as led:
        led.append([b"after"])
    assert_sound(ledger_dir, vkey)


def _pretend_unchanged(ledger: Path, rel: str) -> None:
    state = LocalState.open(ledger)
    files = state.files()
    st = os.stat(ledger / rel)
    files[rel] = (f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}", files[rel][1])
    state.record_files(files)
    state.close()


def _settle(ledger: Path) -> None:
    """Wait (bounded) until the file-system clock has moved past every file's ctime, so
    the next verification may record them all (files changed in the verification's own
    clock tick are re-checked next time instead)."""
    newest = max(p.stat().st_ctime_ns for p in ledger.rglob("*") if p.is_file())
    probe = ledger.parent / "clock-probe"
    for _ in range(1000):
        probe.write_bytes(b"")
        if probe.stat().st_mtime_ns > newest:
            return
        os.sched_yield()
    raise AssertionError("the file-system clock did not advance")


def test_opening_hashes_only_what_is_new_or_changed(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_ledger(ledger_dir, key) as led:
        led.append([b"y%d" % i for i in range(3 * 256 + 10)])
    _settle(ledger_dir)
    assert verify(ledger_dir, vkey, record=True).ok
    read: list[str] = []
    real = FsStorage.read_tile

    def counting(self: FsStorage, tile):  # type: ignore[no-untyped-def]
        read.append(tile.path)
        return real(self, tile)

    monkeypatch.setattr(FsStorage, "read_tile", counting)
    with open_ledger(ledger_dir, key):
        pass
    assert not [p for p in read if ".p/" not in p]  # no full tile re-read
    (ledger_dir / STATE_FILE).unlink()  # no local state: everything is checked once
    read.clear()
    with open_ledger(ledger_dir, key):
        pass
    assert {"tile/entries/000", "tile/0/002"} <= set(read)
    monkeypatch.undo()
    assert_sound(ledger_dir, vkey)


def test_verify_since_last_checks_only_what_is_new(home: Path) -> None:
    ledger = home / "ledger"
    _settle(ledger)
    first = fti("ledger", "verify", "--json", "--home", str(home))
    assert first.returncode == 0 and json.loads(first.stdout)["tiles_checked"] >= 6
    assert _append(home, 300).returncode == 0  # bundles 2..3 and their level-0 tiles
    since = fti("ledger", "verify", "--since-last", "--json", "--home", str(home))
    assert since.returncode == 0, since.stderr
    doc = json.loads(since.stdout)
    assert doc["ok"] and doc["mode"] == "since-last" and doc["size"] == 900
    assert doc["entries_checked"] < 900 and doc["checkpoints_checked"] <= 3
    assert fti("ledger", "verify", "--home", str(home)).returncode == 0
