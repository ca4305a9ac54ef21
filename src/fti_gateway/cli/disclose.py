"""`fti disclose` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="disclose commands.", no_args_is_help=True)
