"""`fti worker`: run request steps from the PostgreSQL job queue until stopped."""

from __future__ import annotations

from typing import Annotated

import typer

from fti_gateway.cli.common import HomeOpt, console, open_workspace
from fti_gateway.core.errors import ConfigError


def worker(
    home: HomeOpt,
    concurrency: Annotated[
        int, typer.Option(min=1, help="Steps run at once by this worker (threads).")
    ] = 1,
    heartbeat: Annotated[
        float, typer.Option(min=0.1, help="Seconds between this worker's heartbeats.")
    ] = 10.0,
    stalled_after: Annotated[
        float,
        typer.Option(
            min=0.5,
            help="Seconds without a heartbeat after which another worker's step is taken up.",
        ),
    ] = 30.0,
    once: Annotated[
        bool, typer.Option("--once", help="Stop when the queue is empty (scripts, tests).")
    ] = False,
) -> None:
    """Run queued request steps (PostgreSQL: FTI_DATABASE_URL); any number may run, on any
    machine that sees the workspace. With the embedded SQLite default, `fti serve` runs
    its own worker and this command is not needed."""
    from fti_gateway.pipeline.jobs import LocalQueue, queue_for

    ws = open_workspace(home)
    queue = queue_for(ws)
    if isinstance(queue, LocalQueue):
        raise ConfigError(
            "`fti worker` works the PostgreSQL queue; this workspace uses its SQLite file",
            where="FTI_DATABASE_URL",
            hint="set FTI_DATABASE_URL=postgresql+psycopg://… (then `fti db upgrade`), "
            "or run `fti serve`, which has its own worker",
        )
    console.print(f"worker on {ws.home}: waiting for request steps (Ctrl-C to stop)")
    queue.run_worker(  # type: ignore[attr-defined]
        concurrency=concurrency, heartbeat=heartbeat, stalled_after=stalled_after, wait=not once
    )
