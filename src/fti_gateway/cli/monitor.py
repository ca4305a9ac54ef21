"""`fti monitor run|show|decide|summary`: the UNAX monitor from the command line.

Thin: monitor.alerts runs the catalogue, records alerts and dispositions; this prints.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.table import Table

from fti_gateway.cli.common import HomeOpt, console, open_workspace
from fti_gateway.cli.officer import PasswordStdin, sign_in
from fti_gateway.core.errors import InputError

app = typer.Typer(
    help="The UNAX monitor: alerts on looks at return information.", no_args_is_help=True
)
AlertArg = Annotated[str, typer.Argument(metavar="ALERT", help="An alert id (al-…).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command()
def run(
    home: HomeOpt,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only alerts whose last event is on or after this day."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run every rule of the catalogue over all inspections; record new alerts."""
    from fti_gateway.monitor import alerts  # DuckDB, pyarrow: when it runs

    ws = open_workspace(home)
    start = None
    if since:
        try:
            start = datetime.combine(date.fromisoformat(since), datetime.min.time(), UTC)
        except ValueError:
            raise InputError(
                f"{since!r} is not a date", where="--since", hint="YYYY-MM-DD"
            ) from None
    found, new = alerts.run(ws, since=start)
    if as_json:
        console.print_json(json.dumps([a.to_json() for a in found]))
        return
    table = Table(
        "alert",
        "rule",
        "principal",
        "time",
        "score",
        "events",
        title=f"{len(found)} alerts ({len(new)} new)",
    )
    for a in found:
        table.add_row(a.id, a.rule, a.principal, a.time, str(a.score), str(len(a.events)))
    console.print(table)


@app.command()
def show(
    alert: AlertArg,
    home: HomeOpt,
    as_: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Open as this reviewer (signs in with the account's password): shows the "
            "taxpayer (recorded).",
        ),
    ] = None,
    as_json: JsonOpt = False,
    password_stdin: PasswordStdin = False,
) -> None:
    """One alert: rule, evidence, explanation; the taxpayer only to a reviewer."""
    from fti_gateway.monitor import alerts  # DuckDB, pyarrow: when it runs

    ws = open_workspace(home)
    if as_:
        as_ = sign_in(ws.home, as_, password_stdin)
    doc, tins = alerts.open_alert(ws, alert, as_)
    decided = alerts.dispositions(ws).get(alert)
    out = {k: v for k, v in doc.items() if k != "ledger_index"}
    if as_:
        out["taxpayers"] = tins
    out["disposition"] = decided
    if as_json:
        console.print_json(json.dumps(out))
        return
    console.print(
        f"[bold]{doc['id']}[/] {doc['rule']} v{doc['rule_version']} ({doc['citation']}), score {doc['score']}"
    )
    console.print(doc["explanation"], highlight=False)
    console.print(
        f"events: {', '.join(doc['events'][:10])}{' …' if len(doc['events']) > 10 else ''}",
        highlight=False,
    )
    console.print(f"taxpayer: {doc['taxpayer'] or '(several; see the events)'}", highlight=False)
    if as_:
        console.print(
            f"taxpayer TIN(s), opened by {as_}: {', '.join(tins) or 'none'}", highlight=False
        )
    if decided:
        console.print(
            f"decided {decided['outcome']} by {decided['officer']} on {decided['time']}: {decided['reason']}",
            highlight=False,
        )


@app.command()
def decide(
    alert: AlertArg,
    home: HomeOpt,
    substantiated: Annotated[
        bool | None,
        typer.Option("--substantiated/--not-substantiated", help="The reviewer's finding."),
    ] = None,
    reason: Annotated[
        str,
        typer.Option("--reason", help="Why (kept in the workspace; the ledger holds its digest)."),
    ] = "",
    officer: Annotated[
        str,
        typer.Option(
            "--officer", help="The reviewer's employee id (signs in with the account's password)."
        ),
    ] = "",
    password_stdin: PasswordStdin = False,
) -> None:
    """Record a reviewer's disposition of an alert (in the ledger, once)."""
    from fti_gateway.monitor import alerts  # DuckDB, pyarrow: when it runs

    if substantiated is None:
        raise InputError("say --substantiated or --not-substantiated")
    if not officer:
        raise InputError("name the reviewer", where="--officer")
    ws = open_workspace(home)
    officer = sign_in(ws.home, officer, password_stdin)
    rec = alerts.decide(ws, alert, substantiated=substantiated, reason=reason, officer=officer)
    console.print(
        f"{alert}: {rec['outcome']} (ledger entry {rec['ledger_index']})", highlight=False
    )


@app.command()
def summary(
    home: HomeOpt,
    year: Annotated[
        int, typer.Option("--year", help="Calendar year of the alerts.")
    ] = datetime.now(UTC).year,
    as_json: JsonOpt = False,
) -> None:
    """Annual figures: alerts, substantiated, median detection lag."""
    from fti_gateway.monitor import alerts  # DuckDB, pyarrow: when it runs

    ws = open_workspace(home)
    s = alerts.summary(ws, year)
    if as_json:
        console.print_json(json.dumps(asdict(s)))
        return
    lag = "n/a" if s.median_detection_lag_hours is None else f"{s.median_detection_lag_hours:,} h"
    console.print(
        f"{s.year}: {s.alerts:,} alerts, {s.substantiated:,} substantiated, "
        f"{s.not_substantiated:,} not substantiated, {s.open:,} open; median detection lag {lag}",
        highlight=False,
    )
    for rule, n in s.by_rule.items():
        console.print(f"  {rule}: {n:,}", highlight=False)
