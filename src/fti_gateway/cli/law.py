"""`fti law` commands: check a request, explain an authority, map authorities."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from fti_gateway.cli.common import HomeOpt
from fti_gateway.core.workspace import Workspace

if TYPE_CHECKING:  # the law and intake load pydantic and pandas: only when a command runs
    from fti_gateway.law import Decision, Registry

app = typer.Typer(
    help="§ 6103 as code: check requests, explain authorities, map options.", no_args_is_help=True
)

JsonOpt = typer.Option(False, "--json", help="Print JSON to stdout.")
AsOfOpt = typer.Option(
    None,
    "--as-of",
    help="Date for registry lookups (default: today, or the request's received date).",
)


def _registry(home: Path) -> Registry:
    """Shipped registries, overlaid by the workspace's `registry/` folder if there is one."""
    from fti_gateway.law import load_registry

    return load_registry(Workspace(Path(home)).registry_dir)


def _print_json(data: object) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _inline(decision: Decision, findings: Path | None) -> dict[str, Any]:
    """The decision (FORMATS §5) with every subject's result inline: this command writes no
    ``subject_findings.csv`` of its own, so naming one would send a script looking for a
    file that is not there. ``--findings`` still writes the CSV, named in
    ``subject_findings_csv``."""
    from fti_gateway.law.decision import SUBJECT_COLUMNS

    doc = decision.to_json()
    rows = decision.subject_findings.astype(object).where(decision.subject_findings.notna(), None)
    doc["subject_findings"] = [
        {c: row[c] for c in SUBJECT_COLUMNS} for row in rows.to_dict(orient="records")
    ]
    if findings is not None:
        doc["subject_findings_csv"] = str(findings)
    return doc


@app.command()
def check(
    home: HomeOpt,
    manifest: Path = typer.Argument(..., help="Request manifest (YAML or JSON)."),
    as_json: bool = JsonOpt,
    findings: Path | None = typer.Option(
        None, "--findings", help="Also write the per-subject findings CSV here."
    ),
) -> None:
    """Run intake + law on a request and print the decision (exit 0 whatever the outcome)."""
    from fti_gateway.intake import load_request
    from fti_gateway.law import decide
    from fti_gateway.law.explain import decision_text

    parsed = load_request(manifest)
    decision = decide(parsed.manifest, parsed.subjects, _registry(home), rejects=parsed.rejects)
    if findings is not None:
        decision.write_findings(findings)
    if as_json:
        _print_json(_inline(decision, findings))
    else:
        typer.echo(decision_text(decision))


@app.command(name="explain")
def explain_cmd(
    home: HomeOpt,
    authority: str = typer.Argument(..., help="Authority id, e.g. '6103(i)(2)'."),
    as_json: bool = JsonOpt,
    as_of: str | None = AsOfOpt,
) -> None:
    """Print what an authority requires, with citations and who may sign."""
    from fti_gateway.law.explain import explain, explain_text

    on = date.fromisoformat(as_of) if as_of else date.today()
    info = explain(authority, _registry(home), on)
    if as_json:
        _print_json(info)
    else:
        typer.echo(explain_text(info))


@app.command(name="map")
def map_cmd(
    home: HomeOpt,
    agency: str = typer.Option(..., "--agency", help="Agency id, e.g. ICE."),
    position: str = typer.Option(..., "--position", help="Position id, e.g. component-head."),
    purpose: str = typer.Option(
        ..., "--purpose", help="Purpose kind, e.g. criminal-investigation."
    ),
    as_json: bool = JsonOpt,
    as_of: str | None = AsOfOpt,
) -> None:
    """List every authority that could apply and what the request would still need."""
    from fti_gateway.law.explain import authority_map, map_text

    on = date.fromisoformat(as_of) if as_of else date.today()
    m = authority_map(_registry(home), agency, position, purpose, on)
    if as_json:
        _print_json(m)
    else:
        typer.echo(map_text(m))
