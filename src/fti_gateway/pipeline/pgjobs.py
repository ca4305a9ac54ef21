"""The PostgreSQL job queue (procrastinate): any number of ``fti worker`` processes.

One job per request *step* (law, resolve, disclose, ledger), never per subject row. A
step's job runs the request up to that step (earlier steps replay from what they kept,
see :func:`fti_gateway.pipeline.submit.run_steps`) and defers the next step's job. Jobs of
one request share a procrastinate ``lock``, so they never run at once, on any machine;
the run lock on the run folder guards the same within one machine.

A worker that dies (``kill -9``, a lost machine) stops sending heartbeats; every worker
sweeps for jobs left ``doing`` by a worker without a heartbeat and queues them again, so
another worker takes the step up — and since every step is idempotent (leaves written
once, packages never rebuilt), nothing is done twice. Transient failures (a busy
resource, a dropped database connection) are retried with exponential back-off; a
refusal (bad input, damaged data) fails the request at once, with its reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import procrastinate
import sqlalchemy as sa
from procrastinate.exceptions import AlreadyEnqueued

from fti_gateway.core.errors import BusyError, ConfigError
from fti_gateway.core.workspace import Workspace
from fti_gateway.pipeline.jobs import receipt_of
from fti_gateway.pipeline.submit import STEPS, Paused, run_steps
from fti_gateway.store import StateStore

log = logging.getLogger(__name__)

QUEUE = "fti"
TRANSIENT = (BusyError, sa.exc.OperationalError, sa.exc.InterfaceError, ConnectionError)
RETRY = procrastinate.RetryStrategy(
    max_attempts=6, exponential_wait=2, retry_exceptions=set(TRANSIENT)
)
"""Waits 4, 8, 16, 32, 64 s between attempts: a busy ledger or a restarted database."""

HEARTBEAT = 10.0
STALLED_AFTER = 30.0
"""A worker silent this long is taken for dead and its running step is queued again."""

# The tasks live on one app; its connector is the workspace's database, set when the app
# is opened (make_app), since the URL is known only then.
app = procrastinate.App(connector=procrastinate.PsycopgConnector())
TASK = "fti.run_step"


def request_lock(request_pk: int) -> str:
    return f"fti-request-{request_pk}"


@app.task(name=TASK, queue=QUEUE, retry=RETRY)
def run_step(home: str, request_pk: int, step: str, run_pk: int | None = None) -> None:
    """Run ``step`` of request ``request_pk`` (continuing run ``run_pk``), then queue the
    next step."""
    ws = Workspace.open(Path(home))
    store = worker_store(ws)
    result = run_steps(ws, receipt_of(store, request_pk), upto=step, run_pk=run_pk, store=store)
    if isinstance(result, Paused):
        _defer(home, request_pk, STEPS[STEPS.index(step) + 1], result.run_pk)


_STORES: dict[str, StateStore] = {}
_STORES_LOCK = threading.Lock()


def worker_store(ws: Workspace) -> StateStore:
    """This worker process's one store for ``ws``'s database: opened (engine, pool, schema
    check) by the first job and reused by every later one — rebuilding it per job cost
    ~36 ms a step. A schema change needs new workers anyway (``fti db upgrade`` first)."""
    with _STORES_LOCK:
        store = _STORES.get(ws.database_url)
        if store is None:
            store = _STORES[ws.database_url] = StateStore.for_workspace(ws)
        return store


def _defer(home: str, request_pk: int, step: str, run_pk: int | None) -> None:
    # One waiting job per (request, step): a second enqueue of the same step is a no-op.
    with contextlib.suppress(AlreadyEnqueued):
        app.configure_task(
            TASK,
            lock=request_lock(request_pk),
            queueing_lock=f"{request_lock(request_pk)}-{step}",
        ).defer(home=home, request_pk=request_pk, step=step, run_pk=run_pk)


def conninfo(url: str) -> str:
    """procrastinate speaks psycopg's conninfo: drop SQLAlchemy's ``+psycopg`` driver."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError(
            "the job queue needs PostgreSQL",
            where="FTI_DATABASE_URL",
            hint="with the embedded SQLite default, `fti serve` runs its own worker",
        )
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.contextmanager
def connected(url: str) -> Iterator[procrastinate.App]:
    """The app, connected to the database at ``url`` for the block (not yet opened)."""
    with app.replace_connector(procrastinate.PsycopgConnector(conninfo=conninfo(url))) as a:
        yield a


def ensure_schema(url: str) -> bool:
    """Create procrastinate's tables if the database has none; returns whether it did.
    Called by ``fti db upgrade`` (a server database is changed only by that command)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as c:
            present = sa.inspect(c).has_table("procrastinate_jobs")
    finally:
        engine.dispose()
    if present:
        return False
    with connected(url) as a, a.open():
        a.schema_manager.apply_schema()
    return True


class PgQueue:
    """The :class:`~fti_gateway.pipeline.jobs.JobQueue` on PostgreSQL."""

    def __init__(self, ws: Workspace, store: StateStore | None = None) -> None:
        self.ws = ws
        self.url = ws.database_url
        self._store = store

    @property
    def store(self) -> StateStore:
        """The caller's store (the service's own), else one opened on first use."""
        if self._store is None:
            self._store = StateStore.for_workspace(self.ws)
        return self._store

    @contextlib.contextmanager
    def _app(self) -> Iterator[procrastinate.App]:
        with connected(self.url) as a, a.open():
            yield a

    def enqueue(self, request_pk: int) -> None:
        self.store.set_status(request_pk, "queued")
        with self._app():
            _defer(str(self.ws.home.resolve()), request_pk, STEPS[0], None)

    def cancel(self, request_pk: int) -> bool:
        """Cancel the request's waiting step (a running step finishes; the run stops after
        it, with the request closed)."""
        cancelled = False
        with self._app() as a:
            for job in a.job_manager.list_jobs(lock=request_lock(request_pk), status="todo"):
                if job.id is not None:
                    cancelled |= a.job_manager.cancel_job_by_id(job.id)
        if cancelled:
            self.store.set_status(request_pk, "closed", note="cancelled before its next step ran")
        return cancelled

    def run_worker(
        self,
        *,
        concurrency: int = 1,
        heartbeat: float = HEARTBEAT,
        stalled_after: float = STALLED_AFTER,
        wait: bool = True,
    ) -> None:
        """Work the queue until stopped (SIGINT/SIGTERM), sweeping for stalled steps."""
        asyncio.run(self._work(concurrency, heartbeat, stalled_after, wait))

    async def _work(
        self, concurrency: int, heartbeat: float, stalled_after: float, wait: bool
    ) -> None:
        with connected(self.url) as a:
            async with a.open_async():
                await self._run(a, concurrency, heartbeat, stalled_after, wait)

    async def _run(
        self,
        a: procrastinate.App,
        concurrency: int,
        heartbeat: float,
        stalled_after: float,
        wait: bool,
    ) -> None:
        sweeper = asyncio.create_task(_sweep(a, stalled_after))
        try:
            await a.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                wait=wait,
                update_heartbeat_interval=heartbeat,
                stalled_worker_timeout=stalled_after,
                install_signal_handlers=True,
            )
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper


async def _sweep(a: procrastinate.App, stalled_after: float) -> None:
    """Queue again the steps whose worker stopped sending heartbeats."""
    while True:
        try:
            stalled = await a.job_manager.get_stalled_jobs(
                queue=QUEUE, seconds_since_heartbeat=stalled_after
            )
            for job in stalled:
                log.warning("step job %s was left by a dead worker; queueing it again", job.id)
                await a.job_manager.retry_job(job)
        except Exception:  # the sweep must outlive a dropped connection
            log.exception("stalled-job sweep failed; trying again")
        await asyncio.sleep(max(1.0, stalled_after / 3))
