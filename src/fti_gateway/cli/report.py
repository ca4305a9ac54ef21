"""`fti report` commands: statutory reports computed from the ledger."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from fti_gateway.cli.common import HomeOpt, console, open_workspace

app = typer.Typer(help="Statutory reports computed from the ledger.", no_args_is_help=True)


@app.command(name="p3c")
def p3c_report(
    home: HomeOpt,
    year: Annotated[int, typer.Option(help="Calendar year reported.")] = datetime.now(UTC).year,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    out: Annotated[Path | None, typer.Option(help="Also write the report to this file.")] = None,
) -> None:
    """The (p)(3)(C) report to the Joint Committee on Taxation: per agency, requests,
    disclosures, taxpayers affected and general purposes, each a recount of the ledger."""
    from fti_gateway.ledger.workspace import verifier_key
    from fti_gateway.report import p3c

    ws = open_workspace(home)
    report = p3c.build(ws.ledger_dir, verifier_key(ws), year)
    text = json.dumps(report.to_json(), indent=2) + "\n" if as_json else report.to_markdown()
    if out is not None:
        out.write_text(text)
    if as_json:
        console.print_json(text)
    else:
        from rich.markdown import Markdown  # markdown-it: only when printed

        console.print(Markdown(text))
