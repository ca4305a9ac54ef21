"""`fti taxpayer view`: what the ledger holds about one taxpayer, each event with its proof.

Office-run: it needs the workspace's commitment secret and state store. Establishing that
the person asking holds the TIN is the office's business before it runs this (out of scope).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fti_gateway.cli.common import HomeOpt, console, open_workspace

app = typer.Typer(help="A taxpayer's view of the ledger (office-run).", no_args_is_help=True)


@app.command(name="view")
def view(
    home: HomeOpt,
    tin: Annotated[str, typer.Argument(help="The taxpayer's TIN, e.g. 900-12-3456.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the view as JSON.")] = False,
    proofs: Annotated[
        Path | None,
        typer.Option(help="Write each event's proof here: <index>.json and <index>.tlog-proof."),
    ] = None,
) -> None:
    """Every event about the taxpayer — requests naming them, decisions (denials too),
    inspections, dispositions, disclosures with elements and periods — each with an
    inclusion proof against one signed checkpoint; deferred entries counted, not shown."""
    from fti_gateway.ledger.workspace import commitment_secret, verifier_key
    from fti_gateway.report import taxpayer
    from fti_gateway.store import StateStore

    ws = open_workspace(home)
    store = StateStore.for_workspace(ws)
    try:
        named = store.requests_naming(taxpayer.digits(tin))
    finally:
        store.dispose()
    v = taxpayer.view(ws.ledger_dir, verifier_key(ws), commitment_secret(ws), tin, named)
    doc = v.to_json()
    if proofs is not None:
        proofs.mkdir(parents=True, exist_ok=True)
        for ev in doc["events"]:
            (proofs / f"{ev['index']}.json").write_text(json.dumps(ev["proof"], indent=2) + "\n")
            (proofs / f"{ev['index']}.tlog-proof").write_text(ev["tlog_proof"])
    if as_json:
        console.print_json(json.dumps(doc))
        return
    led = doc["ledger"]
    table = Table("leaf", "time", "event", "request", "authority", "to", "elements", "periods")
    for ev in doc["events"]:
        what = ev["kind"] + (f" ({ev['outcome']})" if ev.get("outcome") else "")
        table.add_row(
            str(ev["index"]),
            ev["time"][:19],
            what,
            f"{ev['request']['agency']} {ev['request']['id']}",
            ev.get("authority", ""),
            ev.get("recipient", ""),
            ", ".join(ev.get("elements", [])) if isinstance(ev.get("elements"), list) else "",
            ", ".join(ev.get("periods", [])),
        )
    console.print(table)
    for d in doc["deferred"]:
        console.print(f"{d['text']} (sealed {d['sealed'][:16]}…)", highlight=False)
    console.print(
        f"{len(doc['events'])} events, each proven against {led['origin']} at size "
        f"{led['size']} (root {led['root'][:16]}…); --json or --proofs for the proofs",
        highlight=False,
    )
