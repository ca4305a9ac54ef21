"""Queue overhead: a no-op procrastinate task against our step job, same database, same run.

Our step job (``fti.run_step``) is timed on a request that has already finished, so
``run_steps`` returns at once: what is left is what every step pays whatever it does —
opening the workspace and its state store, the request's run lock, reading the stored
decision — on top of procrastinate's own fetch/finish round trips. Both kinds of job run
on one worker in this process (concurrency 1), started after every job is deferred; the
time is the worker's wall time until the queue is empty (its start-up included).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import procrastinate

from fti_gateway.pipeline import pgjobs

NOOP_QUEUE = "bench-noop"


@pgjobs.app.task(name="bench.noop", queue=NOOP_QUEUE)
def noop() -> None:
    """Nothing: procrastinate's own cost per job."""


def _drain(app: procrastinate.App, queue: str) -> float:
    async def run() -> float:
        async with app.open_async():
            t = time.perf_counter()
            await app.run_worker_async(
                queues=[queue], wait=False, concurrency=1, install_signal_handlers=False
            )
            return time.perf_counter() - t

    return asyncio.run(run())


def measure(
    url: str, home: Path, request_pk: int, noop_jobs: int, step_jobs: int
) -> dict[str, Any]:
    """Jobs per second for ``noop_jobs`` no-op jobs, then ``step_jobs`` of our step job on
    the finished request ``request_pk`` (deferred with its request lock, as ours are)."""
    out: dict[str, Any] = {}
    with pgjobs.connected(url) as a:
        with a.open():
            a.configure_task("bench.noop").batch_defer(*[{}] * noop_jobs)
        seconds = _drain(a, NOOP_QUEUE)
        out["noop"] = {
            "jobs": noop_jobs,
            "seconds": round(seconds, 2),
            "jobs_per_s": round(noop_jobs / seconds, 1),
        }
        args = {
            "home": str(home.resolve()),
            "request_pk": request_pk,
            "step": "ledger",
            "run_pk": None,
        }
        with a.open():
            a.configure_task(pgjobs.TASK, lock=pgjobs.request_lock(request_pk)).batch_defer(
                *[args] * step_jobs
            )
        seconds = _drain(a, pgjobs.QUEUE)
        out["step_on_finished_request"] = {
            "jobs": step_jobs,
            "seconds": round(seconds, 2),
            "jobs_per_s": round(step_jobs / seconds, 1),
        }
    out["overhead_ms_per_job"] = round(
        1000 * (1 / out["step_on_finished_request"]["jobs_per_s"] - 1 / out["noop"]["jobs_per_s"]),
        1,
    )
    return out
