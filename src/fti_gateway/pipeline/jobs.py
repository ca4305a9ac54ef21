"""Jobs: running received requests away from the call that received them.

The state store is the truth about what is to be done (a request whose status is
``queued`` or ``running`` and has no finished run); a queue only says who does it next.
So a queue can be lost — a killed worker, a restarted ``fti serve`` — and nothing is:
:meth:`LocalQueue.start` takes up every unfinished request again, and a run resumes from
what its stages kept (see :mod:`fti_gateway.pipeline.submit`).

Two queues behind one small interface:

- :class:`LocalQueue` — one worker thread inside ``fti serve``, for the embedded default
  (SQLite): the single-machine path stays one command;
- the PostgreSQL queue (:mod:`fti_gateway.pipeline.pgjobs`, procrastinate) for any
  number of ``fti worker`` processes on any machines that see the workspace.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Protocol

from fti_gateway.core.workspace import Workspace
from fti_gateway.intake.persist import Receipt
from fti_gateway.store import StateStore

log = logging.getLogger(__name__)

# "awaiting-witness": a finished run whose release waits for cosignatures; running it
# again asks the witnesses again.
UNFINISHED = ("queued", "running", "awaiting-witness")


class JobQueue(Protocol):
    """What the service needs: hand a received request to a worker, or take it back."""

    def enqueue(self, request_pk: int) -> None: ...

    def cancel(self, request_pk: int) -> bool: ...


def receipt_of(store: StateStore, request_pk: int) -> Receipt:
    record = store.request(request_pk)
    return Receipt(
        request_pk=record.pk,
        new=False,
        status=record.status,
        message=f"{record.agency} {record.id}",
        accepted=record.subject_count,
        rejected_rows=record.reject_count,
    )


def run_one(ws: Workspace, request_pk: int, store: StateStore | None = None) -> None:
    """Run (or resume) one request; the failure is recorded by the run itself."""
    from fti_gateway.pipeline.submit import run_request

    store = store or StateStore.for_workspace(ws)
    run_request(ws, receipt_of(store, request_pk), store=store)


class LocalQueue:
    """One worker thread in this process, fed in order; restart-safe through the store."""

    def __init__(self, ws: Workspace, store: StateStore | None = None) -> None:
        self.ws = ws
        self._store = store
        self._pending: queue.Queue[int | None] = queue.Queue()
        self._cancelled: set[int] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def store(self) -> StateStore:
        """The caller's store (the service's own), else one opened on first use."""
        if self._store is None:
            self._store = StateStore.for_workspace(self.ws)
        return self._store

    def start(self) -> None:
        """Start the worker and take up every request the store says is unfinished."""
        if self._thread is not None:
            return
        for record in self.store.list_requests():
            if record.status in UNFINISHED:
                self._pending.put(record.pk)
        self._thread = threading.Thread(target=self._work, name="fti-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        if self._thread is None:
            return
        self._pending.put(None)
        self._thread.join(timeout)
        self._thread = None

    def enqueue(self, request_pk: int) -> None:
        self.store.set_status(request_pk, "queued")
        with self._lock:
            self._cancelled.discard(request_pk)
        self._pending.put(request_pk)

    def cancel(self, request_pk: int) -> bool:
        """Take a request that has not started back off the queue (a running one finishes:
        a run stopped half-way would only be resumed later)."""
        store = self.store
        if store.request(request_pk).status != "queued":
            return False
        with self._lock:
            self._cancelled.add(request_pk)
        store.set_status(request_pk, "closed", note="cancelled before it ran")
        return True

    def join(self) -> None:
        """Wait until every request handed over so far has been run (tests, `fti demo`)."""
        self._pending.join()

    def _work(self) -> None:
        while True:
            pk = self._pending.get()
            try:
                if pk is None:
                    return
                with self._lock:
                    if pk in self._cancelled:
                        continue
                run_one(self.ws, pk, self.store)
            except Exception:
                # Recorded on the request by the run; the worker goes on with the next.
                log.exception("request %s failed", pk)
            finally:
                self._pending.task_done()


def queue_for(ws: Workspace, store: StateStore | None = None) -> JobQueue:
    """The workspace's queue: procrastinate on PostgreSQL (``FTI_DATABASE_URL``), else one
    worker thread in this process (start it with :meth:`LocalQueue.start`). ``store``: the
    caller's open store, so the queue does not open one per call."""
    if ws.database_url.startswith("postgresql"):
        from fti_gateway.pipeline.pgjobs import PgQueue

        return PgQueue(ws, store)
    return LocalQueue(ws, store)
