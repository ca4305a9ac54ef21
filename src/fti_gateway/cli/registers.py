"""`fti employees|cases|high-profile load FILE`: the dated lists the monitor reads.

Thin: monitor.registers checks and stores; each list is its own command group.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from fti_gateway.cli.common import HomeOpt, console, open_workspace
from fti_gateway.core.errors import InputError

FileArg = Annotated[Path, typer.Argument(help="YAML (format, as_of, list) or JSON Lines.")]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="The list's date, YYYY-MM-DD (JSON Lines needs it).")
]


# The formats of FORMATS §10–§11 (monitor.registers.KINDS, which loads pyarrow: kept light here).
FORMATS = {
    "employees": "fti/employees/v1",
    "cases": "fti/cases/v1",
    "high-profile": "fti/high-profile/v1",
}


def _group(kind: str, what: str) -> typer.Typer:
    app = typer.Typer(help=f"The {what} ({FORMATS[kind]}).", no_args_is_help=True)

    @app.command()
    def load(file: FileArg, home: HomeOpt, as_of: AsOfOpt = None) -> None:
        """Check the list and store it as a dated snapshot (all entries, or none)."""
        from fti_gateway.monitor import registers

        ws = open_workspace(home)
        try:
            day = date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise InputError(
                f"{as_of!r} is not a date", where="--as-of", hint="YYYY-MM-DD"
            ) from None
        r = registers.load(ws, kind, file, day)
        console.print(f"{kind}: {r.count:,} entries as of {r.as_of}", highlight=False)

    return app


employees = _group("employees", "employee register")
cases = _group("cases", "cases")
high_profile = _group("high-profile", "high-profile list")
