"""``create_app(home)``: the HTTP face of the gateway, as thin as the CLI.

Each endpoint parses HTTP, calls one adapter (service/adapters.py) and returns its data;
errors are ``FtiError`` rendered by service/errors.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, File, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from fti_gateway import __version__
from fti_gateway.core.workspace import Workspace, default_home
from fti_gateway.service import adapters, errors


def create_app(home: Path) -> FastAPI:
    """An app over the workspace at ``home`` (which must exist: fail at start, not later)."""
    home = Workspace.open(Path(home)).home
    app = FastAPI(
        title="FTI Gateway",
        version=__version__,
        description="Submit § 6103 requests, read decisions, fetch checkpoints and keys to verify packages and the ledger.",
    )
    errors.install(app)

    @app.get("/v1/health")
    def health() -> dict[str, Any]:
        return adapters.health(home)

    @app.post("/v1/requests", status_code=202)
    async def submit(
        manifest: UploadFile = File(description="Request manifest, YAML or JSON (FORMATS §1)"),
        subjects: UploadFile | None = File(None, description="Subjects CSV (FORMATS §2)"),
    ) -> JSONResponse:
        # Parsing, deciding and packaging are blocking work: keep them off the event loop.
        sub = await run_in_threadpool(
            adapters.receive,
            home,
            await manifest.read(),
            manifest.filename or "manifest.yaml",
            await subjects.read() if subjects is not None else None,
            subjects.filename if subjects is not None else None,
        )
        return JSONResponse(
            {**sub.to_json(), "location": f"/v1/requests/{sub.id}"},
            status_code=202 if sub.new else 200,
        )

    @app.get("/v1/requests/{sid}")
    def status(sid: str) -> dict[str, Any]:
        return adapters.get_submission(home, sid).to_json()

    @app.get("/v1/requests/{sid}/decision")
    def decision(sid: str) -> dict[str, Any]:
        return adapters.decision(home, sid)

    @app.get("/v1/ledger/checkpoint")
    def checkpoint() -> dict[str, str]:
        return adapters.ledger_checkpoint(home)

    @app.get("/v1/keys/package")
    def package_key() -> dict[str, str]:
        return adapters.package_signing_key(home)

    return app


def app_from_env() -> FastAPI:
    """Factory for ASGI servers (``uvicorn --factory fti_gateway.service.app:app_from_env``):
    the workspace comes from ``$FTI_HOME``, as for every command."""
    return create_app(default_home())
