"""`fti resolve`: resolve request subjects against the vault, and evaluate results.

``fti resolve --home DIR --subjects FILE --out matches.parquet`` runs resolution (the group's
callback does it when no subcommand is given); ``fti resolve evaluate`` scores a matches file
against a truth file.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from fti_gateway.cli.common import HomeOpt, console, err_console, open_workspace, print_rejects
from fti_gateway.core.errors import InputError

if TYPE_CHECKING:  # intake loads pandas: only when resolving
    from fti_gateway.intake import RowError

#: Rejected rows printed before "… and N more".
SHOW_REJECTS = 20

app = typer.Typer(help="Identity resolution: subjects → taxpayers (or none, or review).")


@app.callback(invoke_without_command=True)
def run(
    ctx: typer.Context,
    home: HomeOpt,
    subjects: Path | None = typer.Option(
        None, "--subjects", help="Subjects CSV/Parquet (FORMATS §2)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Where to write matches (FORMATS §6 Parquet)."
    ),
    backend: str | None = typer.Option(
        None,
        "--backend",
        help="duckdb or spark (default: the workspace's resolve.yaml, else duckdb).",
    ),
    rejects_out: Path | None = typer.Option(
        None, "--rejects", help="Also write every rejected row (line, field, reason) to this CSV."
    ),
    request: str | None = typer.Option(
        None,
        "--request",
        help="The request this resolution serves, recorded with the read "
        "(default: the subjects file's name).",
    ),
    review_cap: int | None = typer.Option(
        None,
        "--review-cap",
        min=0,
        help="At most this many lone candidates short of the threshold go to review; the "
        "rest stay 'no candidate' (reason: review cap reached). Default: the workspace's "
        "resolve.yaml (candidate_review_cap), else 1000.",
    ),
) -> None:
    """Resolve subjects (runs when no subcommand is given).

    Rows are checked as a request's are (FORMATS §2): a row that fails (no last name, a DOB
    that is not a YYYY-MM-DD date, a TIN that is not nine digits…) is rejected with its line
    and reason and the others are resolved. Exit 2 when no row is left to resolve."""
    if ctx.invoked_subcommand is not None:
        return
    if subjects is None or out is None:
        console.print(ctx.get_help())
        raise typer.Exit(2)
    from fti_gateway.intake import load_subjects
    from fti_gateway.resolve import resolve
    from fti_gateway.resolve.candidates import describe, outcome_counts
    from fti_gateway.resolve.io import write_matches
    from fti_gateway.resolve.office import office_resolve_settings
    from fti_gateway.vault.access import RESOLVER, Gate

    ws = open_workspace(home)
    settings = office_resolve_settings(ws.home)  # a bad resolve.yaml fails before any read
    if backend is not None:
        settings = replace(settings, backend=backend)
    if review_cap is not None:
        settings = replace(settings, candidate_review_cap=review_cap)
    checked = load_subjects(subjects)
    _report_rejects(checked.rejects, checked.warnings, rejects_out)
    df = checked.subjects
    if len(df) == 0:
        raise InputError(
            "no subject row is left to resolve",
            where=str(subjects),
            hint="fix the rejected rows listed above" if checked.rejects else None,
        )
    gate = Gate.for_home(ws.home)  # an export by the resolver service, recorded
    with (
        gate.read(
            RESOLVER,
            "export",
            purpose="identity-resolution",
            request=request or subjects.name,
            rows=len(df),
        ) as reader,
        console.status(f"resolving {len(df):,} subjects"),
    ):
        matches = resolve(
            df,
            reader,
            models_dir=ws.models_dir,
            settings=settings,
        )
    write_matches(matches, out)
    console.print(
        f"wrote {len(matches):,} results to {out}: "
        + describe(outcome_counts(matches), settings.candidate_review_cap)
        + (f"; {len(checked.rejects):,} row(s) rejected" if checked.rejects else ""),
        highlight=False,
    )


def _report_rejects(rejects: list[RowError], warnings: list[str], out: Path | None) -> None:
    for w in warnings:
        err_console.print(f"[yellow]warning:[/] {w}", highlight=False)
    where = f"written to {out}" if out else "--rejects FILE writes them all"
    print_rejects(
        rejects[:SHOW_REJECTS], len(rejects), more=f" rejected rows ({where})", out=err_console
    )
    if out is not None:
        import pandas as pd

        from fti_gateway.core.csvsafe import write_frame_csv

        out.parent.mkdir(parents=True, exist_ok=True)
        frame = pd.DataFrame(
            [(r.line, r.subject_id, r.field, r.code, r.reason) for r in rejects],
            columns=["line", "subject_id", "field", "code", "reason"],
        )
        write_frame_csv(frame, out)  # subject ids and reasons quote the requester's text


@app.command()
def evaluate(
    matches: Path = typer.Option(..., "--matches", help="Matches file from `fti resolve`."),
    truth: Path = typer.Option(
        ..., "--truth", help="Truth CSV: subject_id,taxpayer_id (empty if not in vault)."
    ),
) -> None:
    """Print precision, recall, F1 and counts by status."""
    from fti_gateway.resolve import evaluate as _evaluate
    from fti_gateway.resolve.io import read_table

    ev = _evaluate(read_table(matches, "matches"), read_table(truth, "truth"))
    t = Table(title="resolution vs truth")
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_row("precision", f"{ev.precision:.5f}")
    t.add_row("recall", f"{ev.recall:.5f}")
    t.add_row("F1", f"{ev.f1:.5f}")
    t.add_row("subjects / in vault", f"{ev.subjects:,} / {ev.in_vault:,}")
    t.add_row("matched (correct / wrong)", f"{ev.matched:,} ({ev.correct:,} / {ev.wrong:,})")
    for outcome, n in ev.outcomes.items():
        t.add_row(outcome, f"{n:,}")
    t.add_row("to review, right taxpayer offered", f"{ev.review_right:,}")
    console.print(t)
