"""kill -9 at any moment: the ledger reopens with every acknowledged entry and no partial
batch. Real subprocesses, really killed (SIGKILL), many times over the same log."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .conftest import assert_sound, open_ledger

CHILD = Path(__file__).with_name("crash_child.py")


def _run_child(d: Path, seed: int, *arm: str, kill_after: float | None = None) -> int:
    """Run the child until it dies; return the largest size it acknowledged (or -1)."""
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(d), str(seed), *arm],
        stdout=subprocess.PIPE,
        text=True,
    )
    acked = -1
    # an armed child kills itself; the timer is the backstop if it never reaches the step
    timer = threading.Timer(kill_after or 30.0, lambda: proc.send_signal(signal.SIGKILL))
    timer.start()
    assert proc.stdout is not None
    for line in proc.stdout:
        word, size = line.split()
        if word == "ack":
            acked = int(size)
    proc.wait(timeout=60)
    timer.cancel()
    assert proc.returncode == -signal.SIGKILL, f"child ended with {proc.returncode}, not SIGKILL"
    return acked


def _check_recovered(d: Path, key: Ed25519PrivateKey, vkey: str, acked: int) -> int:
    with open_ledger(d, key, durable=True) as led:
        size = led.size
        reader = led.reader()
        assert size >= acked, f"lost acknowledged entries: size {size} < acked {acked}"
        if size:
            last = json.loads(reader.entry(size - 1))
            assert last["i"] == size - 1
            assert last["batch_start"] + last["batch_len"] == size, "a partial batch survived"
            for i in random.Random(size).sample(range(size), min(size, 50)):
                assert json.loads(reader.entry(i))["i"] == i
    assert_sound(d, vkey)
    return size


@pytest.mark.slow
def test_kill_at_random_moments(ledger_dir: Path, key: Ed25519PrivateKey, vkey: str) -> None:
    rng = random.Random(2026)
    sizes = []
    for round_ in range(20):
        acked = _run_child(ledger_dir, round_, kill_after=rng.uniform(0.05, 0.6))
        sizes.append(_check_recovered(ledger_dir, key, vkey, acked))
    assert sizes == sorted(sizes) and sizes[-1] > 0


@pytest.mark.slow
@pytest.mark.parametrize("primitive", ["replace", "fdatasync", "unlink", "write"])
def test_kill_at_every_step_of_an_append(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str, primitive: str
) -> None:
    """SIGKILL just before the n-th rename / fsync / unlink / temp-file write, for a
    spread of n, so every step of the append (and of recovery itself) is hit."""
    for n in [1, 2, 3, 4, 5, 7, 9, 12, 17, 23, 31, 40]:
        acked = _run_child(ledger_dir, n, primitive, str(n))
        _check_recovered(ledger_dir, key, vkey, acked)
