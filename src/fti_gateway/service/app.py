"""``create_app(home)``: the HTTP face of the gateway, as thin as the CLI.

Each endpoint parses HTTP, calls one adapter (service/adapters.py) and returns its data;
errors are ``FtiError`` rendered by service/errors.py. Every ``/v1`` route is on an
authenticated router (service/auth.py) — the request routes in service/requests.py —
except the few public ones declared on the app itself: health, the token endpoint, the
verifier keys. The review desk's browser pages are a sub-app mounted at ``/desk``.

The pipeline runs off the HTTP call, on the workspace's job queue: with the embedded
SQLite default one worker thread in this process, started with the app (it takes up
every unfinished request again) and stopped with it.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
import pyarrow as pa
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse

from fti_gateway import __version__
from fti_gateway.core.workspace import Workspace, default_home
from fti_gateway.desk.app import desk_app
from fti_gateway.pipeline.jobs import LocalQueue, queue_for
from fti_gateway.service import (
    adapters,
    auth,
    downloads,
    errors,
    openapi,
    public,
    requests,
    spool,
    taxpayer,
    token,
)
from fti_gateway.service.adapters import Service
from fti_gateway.service.auth import AuthConfig, Authenticator
from fti_gateway.service.ledgerwatch import LedgerWatch, interval_from_env
from fti_gateway.store import StateStore
from fti_gateway.store.agencies import AgencyRegister

PUBLIC_URL_ENV = "FTI_PUBLIC_URL"
THREADS = 16
"""Worker threads for the blocking work of calls (database, files), and as many pooled
database connections. Fewer than anyio's default 40: on a 2-core machine 40 threads
only contend for the GIL and the pool, and a pool smaller than the threads opened and
closed an overflow connection on every busy call."""


def create_app(
    home: Path,
    *,
    public_url: str | None = None,
    clock: Callable[[], float] | None = None,
    max_upload_bytes: int | None = None,
    verify_every: float | None = None,
) -> FastAPI:
    """An app over the workspace at ``home`` (which must exist: fail at start, not later).

    ``public_url`` is the service's URL as agencies reach it (behind a proxy it differs
    from what the app sees; DPoP ``htu`` and the assertion's ``aud`` name it); default
    ``$FTI_PUBLIC_URL``, else each request's own base URL. ``max_upload_bytes`` bounds a
    request body (default ``$FTI_MAX_UPLOAD_BYTES``, else 2 GiB). ``verify_every``: seconds
    between since-last verifications of the ledger (``$FTI_VERIFY_EVERY``, else 300; 0
    turns the watch off). ``clock`` is for tests.
    The job queue is ``app.state.queue`` (tests wait on it with ``join()``).
    """
    ws = Workspace.open(Path(home))
    # A long-lived server: pyarrow's default pool (mimalloc) keeps what it frees, so each
    # upload's parse buffers would stay in the process; the system allocator gives them back.
    pa.set_memory_pool(pa.system_memory_pool())
    store = StateStore.for_workspace(ws, pool_size=THREADS)
    config = AuthConfig(
        register=AgencyRegister(store),
        public_url=public_url or os.environ.get(PUBLIC_URL_ENV) or None,
        clock=clock or time.time,
    )
    svc = Service(ws, store, queue_for(ws, store), spool.max_upload_bytes(max_upload_bytes))
    watch = LedgerWatch(ws, interval_from_env(verify_every))
    authenticate = Authenticator(config)
    protected = APIRouter(prefix="/v1", dependencies=[Depends(authenticate)])

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        watch.start()
        if isinstance(svc.queue, LocalQueue):
            svc.queue.start()  # also takes up what a stopped service left unfinished
        try:
            yield
        finally:
            if isinstance(svc.queue, LocalQueue):
                svc.queue.stop()
            watch.stop()

    app = FastAPI(
        title="FTI Gateway",
        version=__version__,
        description="Submit § 6103 requests, read decisions, fetch checkpoints and keys to verify packages and the ledger.",
        lifespan=lifespan,
    )
    app.state.auth = config  # tests and later middleware reach the register through it
    app.state.service = svc
    app.state.queue = svc.queue
    app.state.ledger_watch = watch
    errors.install(app)
    auth.install(app)
    token.install(app, config)

    @app.get("/v1/health")
    def health() -> JSONResponse:
        body = adapters.health(ws)
        if watch.damage is not None:
            body = {**body, "status": "ledger-damaged", "ledger": watch.damage}
        return JSONResponse(body, status_code=503 if watch.damage else 200)

    app.include_router(requests.router(svc, authenticate))
    app.include_router(protected)
    app.include_router(downloads.router(home, authenticate))
    app.include_router(taxpayer.router(ws, store, authenticate))
    app.include_router(public.router(home))
    openapi.install(app)
    # The review desk: its own pages, sessions and error pages (HTML, not problem JSON).
    app.mount("/desk", desk_app(ws, clock=clock))
    return app


def app_from_env() -> FastAPI:
    """Factory for ASGI servers (``uvicorn --factory fti_gateway.service.app:app_from_env``):
    the workspace comes from ``$FTI_HOME``, as for every command."""
    return create_app(default_home())
