"""Options and output helpers every command shares; no logic lives here."""

from __future__ import annotations

from collections.abc import Iterable
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


def print_rejects(
    shown: Iterable[object], total: int, *, more: str, out: Console = console, indent: str = ""
) -> None:
    """Rejected rows as ``rejected: <row>`` (the caller picks the first few), then how many
    of ``total`` were not shown; ``more`` ends that line (what they are, where to see them)."""
    n = 0
    for row in shown:
        out.print(f"{indent}rejected: {row}", highlight=False, markup=False)
        n += 1
    if total > n:
        out.print(f"{indent}… and {total - n:,} more{more}", highlight=False, markup=False)
