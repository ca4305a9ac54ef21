"""Ledger.append_once: every leaf is written once, however often a step is retried —
after a crash between the append and the id index, with the index gone, and with two
processes appending the same leaves at once."""

from __future__ import annotations

import multiprocessing
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.ledger import entries
from fti_gateway.ledger.state import STATE_FILE

from .conftest import ORIGIN, assert_sound, open_ledger

SECRET = b"q" * 32


def _leaves(request_id: str, tins: list[str], when: datetime | None = None) -> list[bytes]:
    """One request's receipt and inspections, as a retried step rebuilds them (the time
    differs between tries; the ids do not)."""
    out = [
        entries.request_received(
            agency="DOJ",
            request_id=request_id,
            authority="6103(i)(2)",
            received="2025-06-01",
            digest="ab" * 32,
            time=when,
        )
    ]
    out += [
        entries.inspection(
            agency="DOJ",
            request_id=request_id,
            inspector=entries.pseudonym(SECRET, "fti-gateway/resolve"),
            reason_digest=entries.digest_text(SECRET, "identity resolution"),
            taxpayer=entries.commit_taxpayer(SECRET, tin),
            time=when,
        )
        for tin in tins
    ]
    return out


TINS = ["900-00-0001", "900-00-0002", "900-00-0003"]


def test_a_retry_writes_nothing_twice(ledger_dir: Path, key: Ed25519PrivateKey, vkey: str) -> None:
    first = _leaves("R-1", TINS, datetime(2025, 6, 1, 9, tzinfo=UTC))
    retry = _leaves("R-1", TINS, datetime(2025, 6, 1, 10, tzinfo=UTC))
    with open_ledger(ledger_dir, key) as led:
        led.append([b"legacy, no id"])
        assert led.append_once(first[:2]) == [1, 2]
        # the retry: two leaves already in, one new, one given twice in the batch
        assert led.append_once([*retry, retry[3]]) == [1, 2, 3, 4, 4]
        assert led.size == 5
        assert led.append_once([b"legacy, no id"]) == [5]  # no id: a plain append
    with open_ledger(ledger_dir, key) as led:  # the index persists
        assert led.append_once(retry) == [1, 2, 3, 4] and led.size == 6
    (ledger_dir / STATE_FILE).unlink()  # and is rebuilt from the log when lost
    with open_ledger(ledger_dir, key) as led:
        assert led.append_once(list(reversed(retry))) == [4, 3, 2, 1] and led.size == 6
    assert_sound(ledger_dir, vkey)


def test_leaves_appended_plainly_are_found(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    """The index is caught up from the log before it is used: `append` does not index."""
    with open_ledger(ledger_dir, key) as led:
        assert led.append_once(_leaves("R-2", [])) == [0]
        led.append(_leaves("R-3", TINS))
        assert led.append_once(_leaves("R-3", TINS[::-1])) == [1, 4, 3, 2]
        assert led.size == 5
    assert_sound(ledger_dir, vkey)


CRASH = """
import os, signal, sys
from pathlib import Path
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fti_gateway.ledger.log import Ledger
from fti_gateway.ledger.state import LocalState
from tests.ledger.test_append_once import ORIGIN, TINS, _leaves

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

led = Ledger.open(Path(sys.argv[1]), ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
LocalState.add_ids = die  # killed after the append committed, before the index update
led.append_once(_leaves("R-9", TINS))
"""


def test_a_crash_between_the_append_and_the_index(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    with open_ledger(ledger_dir, key) as led:
        led.append_once(_leaves("R-8", []))  # an index exists, and is then left behind
    root = Path(__file__).parents[2]
    child = subprocess.run(
        [sys.executable, "-c", CRASH, str(ledger_dir)], cwd=root, timeout=60, capture_output=True
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    with open_ledger(ledger_dir, key) as led:
        assert led.size == 1 + 1 + len(TINS)
        assert led.append_once(_leaves("R-9", TINS)) == [1, 2, 3, 4]
        assert led.size == 5
    assert_sound(ledger_dir, vkey)


def _append_once_in_a_process(dir: str, barrier: multiprocessing.synchronize.Barrier) -> None:
    from fti_gateway.ledger.log import Ledger

    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    barrier.wait(timeout=30)
    with Ledger.open(Path(dir), ORIGIN, key, durable=False, wait=30) as led:
        led.append_once(_leaves("R-7", TINS))


def test_two_processes_appending_the_same_leaves_write_them_once(
    ledger_dir: Path, key: Ed25519PrivateKey, vkey: str
) -> None:
    with open_ledger(ledger_dir, key):
        pass
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [
        ctx.Process(target=_append_once_in_a_process, args=(str(ledger_dir), barrier))
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    with open_ledger(ledger_dir, key) as led:
        assert led.size == 1 + len(TINS)
    assert_sound(ledger_dir, vkey)
