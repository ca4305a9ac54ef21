"""`fti demo`: the whole pipeline on a generated workspace (what `make demo` runs)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from fti_gateway.cli.common import HomeOpt, console

if TYPE_CHECKING:
    from rich.progress import TaskID


def demo(
    home: HomeOpt,
    people: int = typer.Option(100_000, help="People in the synthetic vault."),
    subjects: int = typer.Option(10_000, help="Subjects in the ICE-2025-style request."),
    seed: int = typer.Option(2025, help="Seed for every generator."),
) -> None:
    """Create a workspace, a synthetic vault and two requests, submit them, say what was decided."""
    # The whole pipeline (pandas, DuckDB, Splink, SQLAlchemy): imported only when it runs.
    from rich.markdown import Markdown
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from fti_gateway.ledger.workspace import verifier_key
    from fti_gateway.pipeline.demo import DemoSettings, run_demo

    settings = DemoSettings(people=people, subjects=subjects, seed=seed)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def on_people(done: int, total: int) -> None:
            # Only shown when the vault is being made: an existing vault is reused.
            if "vault" not in tasks:
                tasks["vault"] = bar.add_task("vault: synthesizing people", total=total)
            bar.update(tasks["vault"], completed=done)

        result = run_demo(
            home,
            settings,
            on_people=on_people,
            progress=lambda msg: bar.console.print(f"  {msg}"),
            verifier_key=verifier_key,
        )
    for kind, run in result.runs:
        console.rule(f"[bold]{kind}[/] → {run.outcome}")
        console.print(Markdown(run.summary))
        console.print(f"run folder: {run.run_dir}")
    if result.evaluation:
        ev = result.evaluation
        console.print(
            f"resolution of the {ev['subjects']:,} subjects the law let through, against the "
            f"hidden truth: precision {ev['precision']:.4f}, recall {ev['recall']:.4f}, "
            f"F1 {ev['f1']:.4f} ({ev['wrong']} wrong-person "
            f"match{'' if ev['wrong'] == 1 else 'es'})"
        )
    console.rule("ledger")
    console.print(f"verifier key: {result.verifier_key}")
    if result.runs and result.runs[-1][1].checkpoint:
        console.print("latest checkpoint:\n" + (result.runs[-1][1].checkpoint or ""))
    _point_at_the_desk(home)


def _point_at_the_desk(home: Path) -> None:
    """What is held waits for a person: say so, and where they answer it."""
    from fti_gateway.core.workspace import Workspace
    from fti_gateway.pipeline.review import list_items
    from fti_gateway.store import StateStore

    ws = Workspace.open(home)
    held: dict[str, int] = {}
    for x in list_items(ws, StateStore.for_workspace(ws)):
        key = f"{x.item.agency} {x.item.request_id}"
        held[key] = held.get(key, 0) + 1
    if not held:
        return
    console.rule("held for review")
    for key, n in held.items():
        console.print(f"{key}: held, {n} open review item(s)")
    console.print(
        f"`fti review list --home {home}` lists them; officers answer them with "
        "`fti review decide`/`confirm` (accounts: `fti officer add`), or in a browser at "
        "/desk/ of `fti serve` (see the README's review desk section)",
        highlight=False,
    )
