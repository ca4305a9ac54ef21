"""The PostgreSQL job queue: one job per step, and a worker killed mid-step loses nothing.

Real processes on a real PostgreSQL (CI sets FTI_REQUIRE_POSTGRES=1, so these never skip
there): `fti worker` is started, killed with SIGKILL while it resolves, and another worker
takes the step up after the dead one's heartbeat goes stale.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from fti_gateway.core.workspace import Workspace
from fti_gateway.intake import load_request
from fti_gateway.intake.persist import receive
from fti_gateway.ledger import verify
from fti_gateway.ledger.reader import TileReader
from fti_gateway.ledger.storage import FsStorage
from fti_gateway.ledger.workspace import verifier_key
from fti_gateway.pipeline import pgjobs
from fti_gateway.store import StateStore
from fti_gateway.vault.store import Vault
from fti_gateway.vault.synth import master, request
from tests.conftest import postgres_url_or_skip, private_schema

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """A workspace whose state (and job queue) is a private schema on the test server."""
    with private_schema(postgres_url_or_skip(), tmp_path) as url:
        monkeypatch.setenv("FTI_DATABASE_URL", url)
        ws = Workspace.init(tmp_path / "home")
        master.generate(ws.vault_dir / "master", 2000, seed=21)
        StateStore.for_workspace(ws).dispose()
        assert pgjobs.ensure_schema(ws.database_url)
        yield ws


def _receive(ws: Workspace, seed: int) -> int:
    files = request.generate(
        Vault.for_workspace(ws), "criminal-i2", 12, seed, ws.home / f"req-{seed}"
    )
    return receive(load_request(files.manifest), StateStore.for_workspace(ws)).request_pk


def _leaf_ids(ws: Workspace) -> Counter[str]:
    size = verify(ws.ledger_dir, verifier_key(ws)).size
    reader = TileReader(FsStorage(ws.ledger_dir), size)
    leaves = [json.loads(e) for n in range((size + 255) // 256) for e in reader.bundle(n)]
    return Counter(leaf["id"] for leaf in leaves)


def test_each_step_is_a_job_and_the_request_finishes(pg_home: Workspace) -> None:
    pk = _receive(pg_home, 1)
    queue = pgjobs.PgQueue(pg_home)
    queue.enqueue(pk)
    queue.enqueue(pk)  # a second enqueue of a waiting step is a no-op
    queue.run_worker(wait=False)
    store = StateStore.for_workspace(pg_home)
    assert store.request(pk).status in ("decided", "disclosed")
    assert [r.status for r in store.list_runs(pk)] == ["done"]  # one run, across 4 jobs
    assert [(s.name, s.state) for s in store.stages(pk)][:3] == [
        ("intake", "done"),
        ("law", "done"),
        ("resolve", "done"),
    ]
    with pgjobs.connected(pg_home.database_url) as a, a.open():
        done = [j.task_kwargs["step"] for j in a.job_manager.list_jobs(status="succeeded")]
    assert sorted(done) == sorted(pgjobs.STEPS)
    assert max(_leaf_ids(pg_home).values()) == 1


def _worker(ws: Workspace, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "fti_gateway", "worker", "--home", str(ws.home), *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(what: str, check: object, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_mid_resolve_is_replaced_and_nothing_is_written_twice(
    pg_home: Workspace,
) -> None:
    pk = _receive(pg_home, 2)
    store = StateStore.for_workspace(pg_home)
    pgjobs.PgQueue(pg_home).enqueue(pk)
    fast = ("--heartbeat", "0.5", "--stalled-after", "3")
    first = _worker(pg_home, *fast)
    try:
        _wait_for(
            "the first worker to start resolving",
            lambda: any(s.name == "resolve" and s.state == "running" for s in store.stages(pk)),
        )
        time.sleep(1.0)  # well inside the model's training
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
    assert store.request(pk).status == "running"  # nobody says otherwise: it died
    second = _worker(pg_home, *fast)
    try:
        _wait_for(
            "the second worker to finish the request",
            lambda: store.request(pk).status in ("decided", "disclosed", "failed"),
        )
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(60)
        except subprocess.TimeoutExpired:
            second.kill()
    assert store.request(pk).status in ("decided", "disclosed"), second.stderr
    assert verify(pg_home.ledger_dir, verifier_key(pg_home)).ok
    ids = _leaf_ids(pg_home)
    assert ids and max(ids.values()) == 1  # no leaf written twice
    runs = store.list_runs(pk)
    assert runs[-1].status == "done"
