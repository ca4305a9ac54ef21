"""`fti disclose` commands: inspect and verify disclosure packages (printing only)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fti_gateway.cli.common import HomeOpt, console, open_workspace
from fti_gateway.core.errors import InputError

app = typer.Typer(help="Inspect and verify signed disclosure packages.", no_args_is_help=True)

PackageArg = Annotated[Path, typer.Argument(help="The package folder.")]


@app.command()
def verify(
    package: PackageArg,
    home: HomeOpt,
    key: Annotated[
        str | None, typer.Option("--key", help="Signer's public key: a file, or base64 text.")
    ] = None,
    own: Annotated[bool, typer.Option("--own", help="Check against this workspace's key.")] = False,
) -> None:
    """Check signature, hashes, row counts and columns; exit non-zero naming the first bad place."""
    from fti_gateway.core.keys import load_signing_key
    from fti_gateway.disclose import encode_public_key, verify_package  # pyarrow: when run

    if key and own:
        raise InputError("give --key or --own, not both", where="fti disclose verify")
    trusted: str | Path | None = Path(key) if key and Path(key).is_file() else key
    if own:
        trusted = encode_public_key(load_signing_key(open_workspace(home).keys_dir).public_key())
    report = verify_package(package, trusted)
    for check in report.checks:
        console.print(f"[green]ok[/]  {check}")
    if report.key_source == "package" and report.key_id:
        console.print(
            f"[yellow]note[/] key {report.key_id} taken from the package: this proves "
            "integrity, not origin; pass --key to check who signed it"
        )
    report.raise_for_failure()
    console.print(f"[bold green]package verifies[/] ({package})")


@app.command()
def show(package: PackageArg) -> None:
    """Print what a package holds and the duties that travel with it (not its data rows)."""
    from fti_gateway.disclose import read_manifest, verify_package

    m = read_manifest(package)
    report = verify_package(package)
    t = Table(show_header=False, box=None)
    request = m.get("request", {})
    data = m.get("data", {})
    for label, value in (
        ("request", f"{request.get('agency')} {request.get('id')}"),
        ("authority", m.get("authority")),
        ("recipient", m.get("recipient", {}).get("agency")),
        ("elements", ", ".join(m.get("elements", []))),
        ("periods", ", ".join(m.get("periods", []))),
        ("rows", f"{data.get('rows')} rows, {data.get('subjects')} subjects"),
        ("columns", ", ".join(data.get("columns", []))),
        ("use", m.get("use_restriction", {}).get("text")),
        ("created", m.get("created")),
        ("integrity", f"ok (key {report.key_id})" if report.ok else f"FAILS: {report.problem}"),
    ):
        t.add_row(f"[bold]{label}[/]", str(value))
    console.print(t)
    console.print("[bold]safeguards[/]")
    for duty in m.get("safeguards", {}).get("duties", []):
        console.print(f"  {duty.get('citation')}: {duty.get('duty')}")
    console.print(f"[bold]destruction[/] {m.get('destruction')}")


@app.command("key")
def show_key(home: HomeOpt) -> None:
    """Print this workspace's package-signing public key (base64, raw Ed25519) to publish."""
    from fti_gateway.core.keys import load_signing_key
    from fti_gateway.disclose import encode_public_key, key_id

    pub = load_signing_key(open_workspace(home).keys_dir).public_key()
    console.print(encode_public_key(pub), highlight=False)
    console.print(f"key id {key_id(pub)}", style="dim")
