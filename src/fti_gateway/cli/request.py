"""`fti request` commands: check a request before sending it, and look at received ones.

Thin by design: each command calls intake, the state store or the pipeline and prints.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from fti_gateway.cli.common import HomeOpt, console, err_console, open_workspace, print_rejects
from fti_gateway.core.errors import FtiError, NotFoundError

if TYPE_CHECKING:  # intake and the store load pandas and SQLAlchemy: only when a command runs
    from fti_gateway.intake import ParsedRequest
    from fti_gateway.store import RequestRecord, StateStore

app = typer.Typer(help="Check, list and show requests.", no_args_is_help=True)

SHOW_REJECTS = 50
ManifestArg = Annotated[Path, typer.Argument(help="The request manifest (.yaml or .json).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


@app.command()
def validate(manifest: ManifestArg, as_json: JsonOpt = False) -> None:
    """Read a request as intake would, without storing it; list every rejected row.

    Exit 0: every row accepted. Exit 1: some rows rejected (the rest would go through).
    Exit 2: the request cannot be read at all.
    """
    from fti_gateway.intake import load_request

    try:
        parsed = load_request(manifest)
    except FtiError as e:
        if not as_json:
            raise
        console.print_json(json.dumps(e.to_json()))
        sys.exit(e.exit_code)
    if as_json:
        console.print_json(json.dumps(parsed.summary()))
    else:
        _print_parsed(parsed)
    # sys.exit, not typer.Exit: main() runs click with standalone_mode=False, which
    # returns a typer.Exit code instead of exiting with it.
    sys.exit(1 if parsed.rejects else 0)


@app.command(name="list")
def list_(home: HomeOpt) -> None:
    """List the requests received in this workspace, oldest first."""
    from fti_gateway.store import StateStore

    records = StateStore.for_workspace(open_workspace(home)).list_requests()
    if not records:
        console.print("no requests received yet (submit one with `fti request submit`)")
        return
    table = Table(
        "agency", "id", "authority", "dated", "stored (UTC)", "status", "subjects", "rejected"
    )
    for column in table.columns:
        column.overflow = "fold"
    for r in records:
        table.add_row(
            r.agency, r.id, r.authority, r.received.isoformat(),
            f"{r.created_at:%Y-%m-%d %H:%M}", r.status, f"{r.subject_count:,}", f"{r.reject_count:,}",
        )  # fmt: skip
    console.print(table)


@app.command()
def show(
    agency: Annotated[str, typer.Argument(help="Requesting agency id, e.g. DOJ.")],
    request_id: Annotated[str, typer.Argument(metavar="ID", help="The request's own id.")],
    home: HomeOpt,
) -> None:
    """Show one received request: its manifest, rejected rows, status history and decision."""
    from fti_gateway.store import StateStore

    store = StateStore.for_workspace(open_workspace(home))
    record = store.get_request(agency, request_id)
    if record is None:
        raise NotFoundError(
            f"no request {agency} {request_id} has been received",
            hint="`fti request list` shows the received requests",
        )
    _print_record(store, record)


def _print_parsed(parsed: ParsedRequest) -> None:
    from fti_gateway.intake.parsed import REJECT_KINDS

    agency, rid = parsed.key
    console.print(f"[bold]{agency} {rid}[/] under {parsed.manifest.authority}", highlight=False)
    for warning in parsed.warnings:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    print_rejects(
        parsed.rejects[:SHOW_REJECTS], len(parsed.rejects), more=" (see --json)", indent="  "
    )
    for code, count in parsed.rejects_by_kind().items():
        console.print(f"  {count:>9,} × {REJECT_KINDS.get(code, code)}", highlight=False)
    console.print(
        f"{parsed.accepted:,} subject rows accepted, {parsed.rejected_rows:,} rejected "
        f"({parsed.subjects_source}); digest {parsed.digest}",
        highlight=False,
    )


def _print_record(store: StateStore, r: RequestRecord) -> None:
    console.print(f"[bold]{r.agency} {r.id}[/] — status [bold]{r.status}[/]", highlight=False)
    console.print(
        f"authority {r.authority}; dated {r.received}; stored {r.created_at:%Y-%m-%d %H:%M} UTC\n"
        f"{r.subject_count:,} subjects accepted, {r.reject_count:,} rows rejected\n"
        f"source {r.source}\ndigest {r.digest}",
        highlight=False,
    )
    for warning in r.warnings:
        console.print(f"  warning: {warning}", highlight=False, markup=False)
    _print_stored_rejects(store, r.pk, more=" rejected rows")
    for at, status, note in store.events(r.pk):
        console.print(f"  {at:%Y-%m-%d %H:%M:%S} {status}{f' — {note}' if note else ''}")
    decision = store.latest_decision(r.pk)
    if decision is not None:
        console.print(f"decision: [bold]{decision[1].get('outcome')}[/]")
    for run in store.list_runs(r.pk):
        console.print(f"  run {run.pk}: {run.status} — {run.run_dir or ''}", highlight=False)


def _print_stored_rejects(store: StateStore, request_pk: int, *, more: str) -> None:
    """A received request's rejected rows, worded as `fti request validate` words them."""
    rejects = store.load_rejects(request_pk)
    shown = []
    for _, subject_id, _, reason, where, _ in rejects.head(SHOW_REJECTS).itertuples(index=False):
        who = f" (subject {subject_id})" if subject_id else ""
        shown.append(f"{where}{who}: {reason}")
    print_rejects(shown, len(rejects), more=more, indent="  ")


@app.command()
def submit(manifest: ManifestArg, home: HomeOpt, as_json: JsonOpt = False) -> None:
    """Run a request through every stage and write its run folder (decision, summary, package).

    Resubmitting the same (agency, id) with the same content is safe: nothing is redone.
    """
    from rich.markdown import Markdown

    from fti_gateway.pipeline.submit import submit as run
    from fti_gateway.store import StateStore

    ws = open_workspace(home)
    with console.status("working…") as status:
        result = run(ws, manifest, progress=lambda msg: status.update(msg))
    if as_json:
        console.print_json(json.dumps({"run_dir": str(result.run_dir), **result.decision}))
        return
    console.print(result.receipt_message)
    request = result.decision.get("request")
    if result.rejected_rows and isinstance(request, dict):
        store = StateStore.for_workspace(ws)
        record = store.get_request(str(request["agency"]), str(request["id"]))
        if record is not None:
            more = f" rejected rows (`fti request show {record.agency} {record.id}`)"
            _print_stored_rejects(store, record.pk, more=more)
    console.print(Markdown(result.summary))
    console.print(f"run folder: {result.run_dir}")
