"""``create_app(home)``: the HTTP face of the gateway, as thin as the CLI.

Each endpoint parses HTTP, calls one adapter (service/adapters.py) and returns its data;
errors are ``FtiError`` rendered by service/errors.py. Every ``/v1`` route is on the
``protected`` router — authenticated by default (service/auth.py) — except the few public
ones declared on the app itself: health, the token endpoint, the verifier keys.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, File, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from fti_gateway import __version__
from fti_gateway.core.workspace import Workspace, default_home
from fti_gateway.service import adapters, auth, downloads, errors, openapi, public, token
from fti_gateway.service.auth import AuthConfig, Authenticator, Principal
from fti_gateway.store import StateStore
from fti_gateway.store.agencies import AgencyRegister

PUBLIC_URL_ENV = "FTI_PUBLIC_URL"


def create_app(
    home: Path, *, public_url: str | None = None, clock: Callable[[], float] | None = None
) -> FastAPI:
    """An app over the workspace at ``home`` (which must exist: fail at start, not later).

    ``public_url`` is the service's URL as agencies reach it (behind a proxy it differs
    from what the app sees; DPoP ``htu`` and the assertion's ``aud`` name it); default
    ``$FTI_PUBLIC_URL``, else each request's own base URL. ``clock`` is for tests.
    """
    ws = Workspace.open(Path(home))
    home = ws.home
    config = AuthConfig(
        register=AgencyRegister(StateStore.for_workspace(ws)),
        public_url=public_url or os.environ.get(PUBLIC_URL_ENV) or None,
        clock=clock or time.time,
    )
    authenticate = Authenticator(config)
    protected = APIRouter(prefix="/v1", dependencies=[Depends(authenticate)])
    app = FastAPI(
        title="FTI Gateway",
        version=__version__,
        description="Submit § 6103 requests, read decisions, fetch checkpoints and keys to verify packages and the ledger.",
    )
    app.state.auth = config  # tests and later middleware reach the register through it
    errors.install(app)
    auth.install(app)
    token.install(app, config)

    @app.get("/v1/health")
    def health() -> dict[str, Any]:
        return adapters.health(home)

    @protected.post("/requests", status_code=202)
    async def submit(
        principal: Principal = Depends(authenticate),
        manifest: UploadFile = File(description="Request manifest, YAML or JSON (FORMATS §1)"),
        subjects: UploadFile | None = File(None, description="Subjects CSV (FORMATS §2)"),
    ) -> JSONResponse:
        # Parsing, deciding and packaging are blocking work: keep them off the event loop.
        sub = await run_in_threadpool(
            adapters.receive,
            home,
            principal.agency,
            await manifest.read(),
            manifest.filename or "manifest.yaml",
            await subjects.read() if subjects is not None else None,
            subjects.filename if subjects is not None else None,
        )
        return JSONResponse(
            {**sub.to_json(), "location": f"/v1/requests/{sub.id}"},
            status_code=202 if sub.new else 200,
        )

    @protected.get("/requests/{sid}")
    def status(sid: str, principal: Principal = Depends(authenticate)) -> dict[str, Any]:
        return adapters.get_submission(home, principal.agency, sid).to_json()

    @protected.get("/requests/{sid}/decision")
    def decision(sid: str, principal: Principal = Depends(authenticate)) -> dict[str, Any]:
        return adapters.decision(home, principal.agency, sid)

    app.include_router(protected)
    app.include_router(downloads.router(home, authenticate))
    app.include_router(public.router(home))
    openapi.install(app)
    return app


def app_from_env() -> FastAPI:
    """Factory for ASGI servers (``uvicorn --factory fti_gateway.service.app:app_from_env``):
    the workspace comes from ``$FTI_HOME``, as for every command."""
    return create_app(default_home())
