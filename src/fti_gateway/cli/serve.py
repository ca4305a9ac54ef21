"""`fti serve`: run the HTTP service over a workspace (register in cli/main.py).

The CLI and the service sit side by side in the layering, so the app is named by its
import path and built by uvicorn's factory, with the workspace passed as ``FTI_HOME``.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from fti_gateway.cli.common import HomeOpt, console, open_workspace

APP_FACTORY = "fti_gateway.service.app:app_from_env"


def serve(
    home: HomeOpt,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    public_url: Annotated[
        str | None,
        typer.Option(
            help="The service's URL as agencies reach it (behind a proxy); DPoP proofs and "
            "client assertions name it. Default: $FTI_PUBLIC_URL, else each request's own URL.",
        ),
    ] = None,
    max_upload_bytes: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="The largest request body taken (a subjects CSV, a manifest); larger is "
            "refused with 413. Default: $FTI_MAX_UPLOAD_BYTES, else 2 GiB.",
        ),
    ] = None,
    verify_every: Annotated[
        float | None,
        typer.Option(
            min=0,
            help="Seconds between re-verifications of what the ledger gained since the "
            "last one (damage stops appends and turns /v1/health to 503); 0 turns it off. "
            "Default: $FTI_VERIFY_EVERY, else 300.",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes (uvicorn workers) sharing the port. More than one needs "
            "PostgreSQL (FTI_DATABASE_URL): the embedded database runs the pipeline in the "
            "one server process. Replay caches and revocations hold across them.",
        ),
    ] = 1,
) -> None:
    """Serve the API until interrupted; with the embedded database it also runs the
    request pipeline in a worker of its own."""
    import uvicorn

    ws = open_workspace(home)  # fail here, with the usual diagnostic, if there is none
    if workers > 1 and not ws.database_url.startswith("postgresql"):
        raise typer.BadParameter(
            "more than one server process needs PostgreSQL (set FTI_DATABASE_URL): with "
            "the embedded database the one server process also runs the pipeline",
            param_hint="--workers",
        )
    os.environ["FTI_HOME"] = str(ws.home.resolve())
    if public_url:
        os.environ["FTI_PUBLIC_URL"] = public_url
    if max_upload_bytes is not None:
        os.environ["FTI_MAX_UPLOAD_BYTES"] = str(max_upload_bytes)
    if verify_every is not None:
        os.environ["FTI_VERIFY_EVERY"] = str(verify_every)
    console.print(
        f"serving {ws.home} on http://{host}:{port} with {workers} process(es) (API docs at /docs)"
    )
    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers, log_level="info")
