"""Options and output helpers every command shares; no logic lives here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fti_gateway.core.workspace import Workspace, default_home

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # errors keep their paths on one line

HomeOpt = Annotated[
    Path,
    typer.Option(
        "--home",
        help="Workspace folder (vault, state, ledger, keys). Default: $FTI_HOME or ./fti-home.",
        default_factory=default_home,
        show_default=False,
    ),
]


def open_workspace(home: Path) -> Workspace:
    return Workspace.open(home)
