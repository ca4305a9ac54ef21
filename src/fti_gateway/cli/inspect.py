"""`fti inspect import FILE`: bring another system's audit trail (FORMATS §9) in.

Thin: monitor.events does the work; this prints what was kept and the first bad lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fti_gateway.cli.common import HomeOpt, console, open_workspace, print_rejects

app = typer.Typer(
    help="Inspection events: import other systems' audit trails.", no_args_is_help=True
)


@app.command(name="import")
def import_(
    file: Annotated[Path, typer.Argument(help="fti/inspection/v1 JSON Lines.")],
    home: HomeOpt,
) -> None:
    """Import inspection events; bad lines are listed by number and kept aside."""
    from fti_gateway.monitor.events import import_file  # pyarrow, DuckDB: when it runs

    ws = open_workspace(home)
    r = import_file(ws, file)
    if r.already:
        console.print(
            f"{file} was imported before ({r.imported:,} events, {r.rejected:,} bad lines): "
            "nothing to do",
            highlight=False,
        )
        return
    console.print(f"imported {r.imported:,} events from {file}", highlight=False)
    if r.present:
        console.print(f"{r.present:,} events were already imported (same source and id)")
    if r.rejected:
        print_rejects(
            (f"line {n}: {why}" for n, why in r.rejects),
            r.rejected,
            more=f" (all in {r.folder / 'rejects.jsonl'})",
        )
