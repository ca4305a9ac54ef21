"""`fti review list/show/decide/confirm`: the review desk from the command line.

Thin: each command calls pipeline.review and prints. Deciding authenticates the officer
(password prompt, or --password-stdin); what takes effect runs the request's next
revision, so the command ends with the request's new status.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from fti_gateway.cli.common import HomeOpt, console, open_workspace
from fti_gateway.cli.officer import PasswordStdin, read_password
from fti_gateway.core.errors import InputError

if TYPE_CHECKING:  # the pipeline loads every stage: only when a command runs
    from fti_gateway.pipeline.review import DeskResult, Listed

app = typer.Typer(help="Review items: list, show, decide, confirm.", no_args_is_help=True)

ItemArg = Annotated[str, typer.Argument(metavar="ITEM", help="A review item id (it-…).")]
OfficerOpt = Annotated[str, typer.Option("--officer", help="Your officer account name.")]


@app.command(name="list")
def list_(
    home: HomeOpt,
    request: Annotated[
        str | None, typer.Option("--request", help="Only this request's items (its id).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the open review items (and the proposals waiting for a supervisor)."""
    from fti_gateway.pipeline.review import list_items
    from fti_gateway.store import StateStore

    ws = open_workspace(home)
    listed = list_items(ws, StateStore.for_workspace(ws), request_id=request)
    if as_json:
        docs = [{**x.item.to_json(), "state": x.state} for x in listed]
        console.print_json(json.dumps(docs))
        return
    if not listed:
        console.print("no open review items")
        return
    # One table per request; the question itself is in `fti review show ITEM`.
    by_request: dict[tuple[str, str], list[Listed]] = {}
    for x in listed:
        by_request.setdefault((x.item.agency, x.item.request_id), []).append(x)
    for (agency, rid), group in by_request.items():
        table = Table("item", "kind", "key", "rule", "state", title=f"{agency} {rid}")
        table.columns[0].no_wrap = True
        for x in group:
            i = x.item
            state = f"proposed by {x.proposal.officer}" if x.proposal else x.state
            table.add_row(i.id, i.kind, i.key, i.rule, state)
        console.print(table)


@app.command()
def show(
    item: ItemArg,
    home: HomeOpt,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one item: its question, rule, evidence and history."""
    from fti_gateway.pipeline.review import history, locate
    from fti_gateway.store import StateStore

    ws = open_workspace(home)
    store = StateStore.for_workspace(ws)
    record, it = locate(ws, store, item, subjects=True)
    d = history(store, record, it)
    doc: dict[str, Any] = {**it.to_json(), "disposition": None}
    if d is not None:
        doc["disposition"] = {
            "outcome": d.outcome, "candidate": d.candidate, "reason": d.reason,
            "officer": d.officer, "proposed_at": d.proposed_at.isoformat(),
            "needs_confirmation": d.needs_confirmation, "confirmed_by": d.confirmed_by,
            "revision": d.revision,
        }  # fmt: skip
    if as_json:
        console.print_json(json.dumps(doc, default=str))
        return
    console.print(f"[bold]{it.id}[/] {it.kind} item of {it.agency} {it.request_id}")
    console.print(f"rule {it.rule} ({it.result}): {it.message}", highlight=False)
    if not it.open and d is None:
        console.print("a bright-line failure: the law refuses it; it cannot be approved")
    ev = it.evidence
    if ev.get("subject"):
        console.print("subject: " + ", ".join(f"{k}={v}" for k, v in ev["subject"].items() if v))
    if ev.get("candidates"):
        _candidates(ev)
    if d is not None:
        state = "in effect" if d.effective else "waiting for a supervisor"
        confirmed = f", confirmed by {d.confirmed_by}" if d.confirmed_by else ""
        console.print(
            f"disposition: {d.outcome} by {d.officer}{confirmed} ({state}); reason: {d.reason}"
        )


def _candidates(ev: dict[str, Any]) -> None:
    """The candidates side by side: per field, each one's level and weight (bits)."""
    cands = ev["candidates"]
    table = Table("field", *(f"{c['role']} {c['taxpayer_id']} ({c['weight']})" for c in cands))
    fields = [f["field"] for f in cands[0]["fields"]]
    for name in fields:
        cells = []
        for c in cands:
            f = next((f for f in c["fields"] if f["field"] == name), None)
            cells.append("" if f is None else f"{f['level']} ({f['weight']:+.2f})")
        table.add_row(name, *cells)
    console.print(table)
    for reason in ev.get("guard_reasons", []):
        console.print(f"held because: {reason}", highlight=False)


@app.command()
def decide(
    item: ItemArg,
    home: HomeOpt,
    officer: OfficerOpt,
    reason: Annotated[str, typer.Option("--reason", help="Why, in a sentence.")],
    approve: Annotated[bool, typer.Option("--approve", help="Clear the item.")] = False,
    deny: Annotated[bool, typer.Option("--deny", help="Refuse the item.")] = False,
    candidate: Annotated[
        str | None, typer.Option("--candidate", help="For a match: the chosen taxpayer id.")
    ] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Approve or deny an item. Approving a request-level item is a proposal that a
    supervisor confirms (`fti review confirm`)."""
    from fti_gateway.pipeline.review import decide_item

    if approve == deny:
        raise InputError("say --approve or --deny (one of them)")
    ws = open_workspace(home)
    result = decide_item(
        ws, item, outcome="approve" if approve else "deny", reason=reason, officer=officer,
        password=read_password(password_stdin), candidate=candidate,
    )  # fmt: skip
    _report(result)


@app.command()
def confirm(
    item: ItemArg, home: HomeOpt, officer: OfficerOpt, password_stdin: PasswordStdin = False
) -> None:
    """Confirm another officer's proposal on a request-level item (supervisors only)."""
    from fti_gateway.pipeline.review import confirm_item

    ws = open_workspace(home)
    _report(confirm_item(ws, item, officer=officer, password=read_password(password_stdin)))


def _report(r: DeskResult) -> None:
    d = r.disposition
    if not d.effective:
        console.print(
            f"{d.item_id}: {d.outcome} proposed by {d.officer}; a supervisor confirms it with `fti review confirm {d.item_id}`"
        )
        return
    console.print(f"{d.item_id}: {d.outcome} in effect (decision revision {d.revision})")
    if r.run is not None:
        console.print(
            f"decision: {r.run.outcome}; {r.open_items} item(s) still open; run folder {r.run.run_dir}"
        )
        if r.run.disclosed:
            console.print(f"disclosed: {r.run.disclosed} subject(s)")
