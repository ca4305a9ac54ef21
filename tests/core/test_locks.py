"""core.locks.hold across real processes: one holder at a time, a clear BusyError after the
wait, and no stale lock when the holder is killed (flock dies with its process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fti_gateway.core.errors import BusyError
from fti_gateway.core.locks import hold

HOLDER = """
import sys, time
from pathlib import Path
from fti_gateway.core.locks import hold
with hold(Path(sys.argv[1]), what="the vault", wait=5):
    print("held", flush=True)
    time.sleep(120)
"""


def test_a_second_holder_waits_then_fails_busy_and_a_killed_holder_leaves_no_lock(
    tmp_path: Path,
) -> None:
    lock = tmp_path / "sub" / ".lock"
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        with pytest.raises(BusyError) as e, hold(lock, what="the vault", wait=0.3):
            pass
        assert e.value.exit_code == 6
        assert e.value.where == str(lock)
        assert "the vault is busy" in e.value.message
        assert "wait for the other command" in (e.value.hint or "")
    finally:
        child.kill()  # SIGKILL: no cleanup code runs in the holder
        child.wait(timeout=30)
    with hold(lock, what="the vault", wait=10):
        assert lock.exists()
