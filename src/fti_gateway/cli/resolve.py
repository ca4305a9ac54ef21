"""`fti resolve` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="resolve commands.", no_args_is_help=True)
