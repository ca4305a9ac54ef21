"""`fti report` commands: statutory reports computed from the ledger."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from fti_gateway.cli.common import HomeOpt, console, open_workspace
from fti_gateway.cli.ledger import DirOpt, KeyOpt, _read_doc, _target
from fti_gateway.core.errors import IntegrityError

app = typer.Typer(help="Statutory reports computed from the ledger.", no_args_is_help=True)

RegistryOpt = Annotated[
    Path | None,
    typer.Option(
        "--registry", help="A registry folder to classify recipients (default: as shipped)."
    ),
]


@app.command(name="p3c")
def p3c_report(
    home: HomeOpt,
    year: Annotated[int, typer.Option(help="Calendar year reported.")] = datetime.now(UTC).year,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    public: Annotated[
        bool, typer.Option("--public", help="The public version (suppression rule applied).")
    ] = False,
    previous: Annotated[
        Path | None,
        typer.Option(help="The previous public release of this year (differencing check)."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Also write the report to this file.")] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write an HTML page with charts here.")
    ] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Also write the table as CSV.")] = None,
) -> None:
    """The (p)(3)(C) report to the Joint Committee on Taxation: per recipient (p)(3)(C)(i)
    lists, requests, instances, taxpayers and general purposes by authority — only what
    (p)(3)(A) requires to be accounted — each a recount of the ledger. ``--public`` applies
    the published suppression rule (``--previous``: and the differencing check)."""
    # The ledger reader, the registry (pandas) and the charts (Altair): only when it runs.
    from rich.markdown import Markdown

    from fti_gateway.law.registries import load_registry
    from fti_gateway.ledger.workspace import verifier_key
    from fti_gateway.report import html as pages
    from fti_gateway.report import p3c, suppress

    ws = open_workspace(home)
    registry = load_registry(ws.registry_dir)
    doc = p3c.build(ws.ledger_dir, verifier_key(ws), year, registry).to_json()
    if public or previous is not None:
        doc = suppress.public(doc, _read_doc(previous, "report") if previous else None)
    text = json.dumps(doc, indent=2) + "\n" if as_json else p3c.to_markdown(doc)
    if out is not None:
        out.write_text(text)
    if html is not None:
        html.write_text(pages.to_html(doc), encoding="utf-8")
    if csv is not None:
        csv.write_text(pages.to_csv(doc), encoding="utf-8")
    if as_json:
        console.print_json(text)
    else:
        console.print(Markdown(text))


@app.command(name="verify")
def verify_report(
    home: HomeOpt,
    report: Annotated[Path, typer.Argument(help="A (p)(3)(C) report (JSON, full or public).")],
    dir: DirOpt = None,
    key: KeyOpt = None,
    previous: Annotated[
        Path | None,
        typer.Option(help="The public release before REPORT: re-derive its suppression too."),
    ] = None,
    registry: RegistryOpt = None,
) -> None:
    """Recompute a report from the tiles at the checkpoint it names; exit 4 if any count
    differs (the differing cells are listed)."""
    from rich.table import Table

    from fti_gateway.law.registries import load_registry
    from fti_gateway.report import verify as recount

    doc = _read_doc(report, "report")
    d, vk = _target(home, dir, key)
    full = recount.recount(doc, d, vk, load_registry(registry) if registry else None)
    prev: dict[str, Any] | None = _read_doc(previous, "report") if previous else None
    diffs = recount.compare(doc, full, prev)
    led = doc["ledger"]
    where = f"{led['origin']} at size {led['size']} (root {led['root'][:16]}…)"
    if not diffs:
        console.print(
            f"[green]equal[/]: the {doc.get('version', 'full')} report for {doc['year']} "
            f"recounts from the tiles of {where}",
            highlight=False,
        )
        return
    table = Table("where", "report", "recount", title="differing cells")
    for x in diffs:
        table.add_row(x.where, json.dumps(x.report), json.dumps(x.recount))
    console.print(table)
    raise IntegrityError(f"{len(diffs)} value(s) of the report differ from the recount of {where}")
