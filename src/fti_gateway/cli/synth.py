"""`fti synth` commands: a synthetic master file and synthetic requests (never real people)."""

from __future__ import annotations

from pathlib import Path

import typer

from fti_gateway.cli.common import HomeOpt, console, open_workspace
from fti_gateway.vault.synth.kinds import KINDS

app = typer.Typer(help="Generate synthetic taxpayers and requests.", no_args_is_help=True)


@app.command("master")
def master(
    home: HomeOpt,
    people: int = typer.Option(100_000, "--people", help="Number of taxpayers."),
    seed: int = typer.Option(1, "--seed", help="Random seed; same seed, same file."),
    replace: bool = typer.Option(False, "--replace", help="Discard the vault's master parts."),
) -> None:
    """Write a synthetic taxpayer master file (tax years 2021–2024) into the vault."""
    # The generators and the vault load numpy, pyarrow and DuckDB: only when a command runs.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from fti_gateway.vault.store import Vault
    from fti_gateway.vault.synth import master as synth_master

    vault = Vault.for_workspace(open_workspace(home))
    columns = (
        TextColumn("[bold]taxpayers"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    # The vault's write lock: an import or another generator must not add parts meanwhile.
    with vault.locked(), Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("generate", total=people)
        stats = synth_master.generate(
            vault.master_dir,
            people,
            seed,
            progress=lambda done: bar.update(task, completed=done),
            replace=replace,
        )
    console.print(
        f"wrote {stats.people:,} taxpayers ({stats.households:,} households, "
        f"{stats.rows:,} taxpayer-years) in {len(stats.parts)} part(s) "
        f"to {vault.master_dir} in {stats.seconds:.1f} s"
    )


@app.command("request")
def request(
    home: HomeOpt,
    kind: str = typer.Option(
        "ice-2025", "--kind", help=f"Request kind: {', '.join(KINDS)}.", show_default=True
    ),
    size: int = typer.Option(1000, "--size", help="Number of subjects."),
    seed: int = typer.Option(1, "--seed", help="Random seed; same seed, same request."),
    out: Path = typer.Option(..., "--out", help="Folder for manifest, subjects and truth."),
) -> None:
    """Write a synthetic request (manifest + subjects) and its ground truth, kept apart."""
    from fti_gateway.vault.synth.request import sample_request

    ws = open_workspace(home)
    with console.status(f"sampling {size:,} subjects from the vault"):
        files = sample_request(ws.home, kind, size, seed, out)
    console.print(
        f"{files.size:,} subjects: {files.in_vault:,} in the vault, "
        f"{files.placeholders:,} with a placeholder address"
    )
    console.print(f"manifest  {files.manifest}")
    console.print(f"subjects  {files.subjects}")
    console.print(f"truth     {files.truth}  (keep apart from the request)")
