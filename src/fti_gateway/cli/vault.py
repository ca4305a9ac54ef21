"""`fti vault` commands: import a master file, show what the vault holds, check it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from fti_gateway.cli.common import HomeOpt, console, err_console, open_workspace
from fti_gateway.cli.officer import PasswordStdin, sign_in

if TYPE_CHECKING:
    from fti_gateway.vault.access import VaultInfo

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the record and its event as JSON.")]

app = typer.Typer(help="The taxpayer master file: import, inspect, check.", no_args_is_help=True)

SHOW_ERRORS = 50


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="fti/master/v1 file (CSV or Parquet).")],
    home: HomeOpt,
) -> None:
    """Import a master file: bad rows are reported by line, good rows are imported."""
    # The vault is DuckDB and pyarrow: imported only when a command runs.
    from fti_gateway.vault.importer import import_master
    from fti_gateway.vault.store import Vault

    ws = open_workspace(home)
    report = import_master(Vault.for_workspace(ws), file)
    for err in report.rejected[:SHOW_ERRORS]:
        err_console.print(
            f"{file}, {report.line_label} {err.line}: "
            + (f"{err.field}: {err.reason}" if err.field else err.reason),
            highlight=False,
            markup=False,
        )
    if len(report.rejected) > SHOW_ERRORS:
        err_console.print(f"… and {len(report.rejected) - SHOW_ERRORS:,} more rejected rows")
    console.print(
        f"imported {report.accepted:,} row(s), rejected {len(report.rejected):,}"
        + (f" → {report.part.name}" if report.part else " (nothing written)")
    )
    if report.rejected:
        raise typer.Exit(1)


@app.command("info")
def info(home: HomeOpt) -> None:
    """Counts by tax year, TIN kind and the (i)(6) flags; exit 4 if a taxpayer-year is
    held twice (see `fti vault check`)."""
    from fti_gateway.vault.access import VAULT_SERVICE, Gate

    ws = open_workspace(home)
    with Gate.for_home(ws.home).read(VAULT_SERVICE, "read_metadata", purpose="vault-info") as r:
        i = r.info()
        _print_info(i)
        r.ensure_no_duplicates()


def _print_info(i: VaultInfo) -> None:
    console.print(
        f"{i.taxpayers:,} taxpayers, {i.households:,} households, {i.rows:,} taxpayer-years "
        f"in {i.parts} part(s), {i.bytes / 1e6:,.1f} MB"
    )
    table = Table("tax year", "taxpayers")
    for year, n in i.by_year:
        table.add_row(str(year), f"{n:,}")
    console.print(table)
    kinds = ", ".join(f"{k}: {n:,}" for k, n in i.tin_kinds.items())
    console.print(f"TIN kinds: {kinds or 'none'}")
    console.print(
        f"(i)(6) flags: open tax investigation {i.open_tax_investigation:,}, "
        f"confidential informant {i.confidential_informant:,}"
    )


@app.command("check")
def check(home: HomeOpt) -> None:
    """Check that no taxpayer-year is held twice (exit 4 naming the parts if one is)."""
    from fti_gateway.vault.access import VAULT_SERVICE, Gate

    ws = open_workspace(home)
    gate = Gate.for_home(ws.home)
    with gate.read(VAULT_SERVICE, "read_metadata", purpose="integrity-check") as reader:
        reader.ensure_no_duplicates()
        parts = len(reader.parts())
    console.print(f"vault ok: {parts} part(s), no taxpayer-year held twice")


@app.command("lookup")
def lookup(
    home: HomeOpt,
    tin: Annotated[str, typer.Option("--tin", help="The taxpayer's TIN.")],
    employee: Annotated[
        str,
        typer.Option(
            "--as",
            help="Your employee id (employee register, else principals.yaml); you sign in "
            "with your account's password (`fti officer add`).",
        ),
    ],
    purpose: Annotated[str, typer.Option("--purpose", help="Why you look (e.g. case-work).")],
    case: Annotated[
        str | None, typer.Option("--case", help="The case assigned to you this look is for.")
    ] = None,
    as_json: JsonOpt = False,
    password_stdin: PasswordStdin = False,
) -> None:
    """A person's look at one taxpayer's record: decided by the read policy, recorded in
    the inspection trail and the ledger whether allowed or not; exit 7 with the policy's
    reason when refused."""
    from fti_gateway.pipeline.lookup import by_year
    from fti_gateway.pipeline.lookup import lookup as look
    from fti_gateway.vault.principals import principal_for

    ws = open_workspace(home)
    employee = sign_in(ws.home, employee, password_stdin)
    result = look(ws, principal_for(ws.home, employee), tin, purpose=purpose, case=case)
    if as_json:
        rows = json.loads(result.rows.to_json(orient="records", date_format="iso"))
        typer.echo(json.dumps({"event": result.event.to_json(), "rows": rows}, indent=2))
        return
    if result.rows.empty:
        console.print("no taxpayer with this TIN in the vault (the look is recorded)")
    else:
        years, fields = by_year(result.rows)
        table = Table("column", *years)
        for col, cells in fields:
            table.add_row(col, *cells)
        console.print(table)
    console.print(
        f"recorded as {result.event.id} ({', '.join(result.event.extra['policies'])})",
        style="dim",
    )
