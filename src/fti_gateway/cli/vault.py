"""`fti vault` commands: import a master file, show what the vault holds, check it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fti_gateway.cli.common import HomeOpt, console, err_console, open_workspace

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
    from fti_gateway.vault.check import ensure_no_duplicates
    from fti_gateway.vault.info import vault_info
    from fti_gateway.vault.store import Vault

    vault = Vault.for_workspace(open_workspace(home))
    i = vault_info(vault)
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
    ensure_no_duplicates(vault)


@app.command("check")
def check(home: HomeOpt) -> None:
    """Check that no taxpayer-year is held twice (exit 4 naming the parts if one is)."""
    from fti_gateway.vault.check import ensure_no_duplicates
    from fti_gateway.vault.store import Vault

    vault = Vault.for_workspace(open_workspace(home))
    ensure_no_duplicates(vault)
    console.print(f"vault ok: {len(vault.parts())} part(s), no taxpayer-year held twice")
