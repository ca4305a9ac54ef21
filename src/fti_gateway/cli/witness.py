"""`fti witness`: run a witness, and ask the policy's witnesses to cosign (thin wrappers
over fti_gateway.witness and pipeline/witnessing.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fti_gateway.cli.common import HomeOpt, console, open_workspace
from fti_gateway.core.errors import BusyError, IntegrityError

app = typer.Typer(
    help="Witness cosigning (C2SP tlog-witness): serve a witness, cosign the ledger.",
    no_args_is_help=True,
)

KeyFile = Annotated[Path, typer.Option("--key", help="The witness's private key file.")]
StateDir = Annotated[Path, typer.Option("--state", help="The witness's state folder.")]


@app.command()
def keygen(
    name: Annotated[str, typer.Argument(help="The witness name, e.g. witness.example/w1.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the private key.")],
) -> None:
    """Make a cosigning key (Ed25519, cosignature/v1); print its verifier key."""
    from fti_gateway.witness.cosignature import Cosigner

    signer = Cosigner.generate(name)
    signer.save(out)
    typer.echo(signer.verifier_key)


@app.command()
def key(key: KeyFile) -> None:
    """Print the verifier key of a witness key (for the log's witness-policy)."""
    from fti_gateway.witness.cosignature import Cosigner

    typer.echo(Cosigner.load(key).verifier_key)


@app.command()
def serve(
    key: KeyFile,
    state: StateDir,
    log: Annotated[
        list[str] | None,
        typer.Option("--log", help="A log's verifier key (repeat); also read from STATE/logs."),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8090,
) -> None:
    """Serve POST /add-checkpoint until interrupted."""
    import uvicorn

    from fti_gateway.witness.server import app as witness_app
    from fti_gateway.witness.server import load_witness

    witness = load_witness(key, state, log or ())
    console.print(
        f"witness {witness.cosigner.name} on http://{host}:{port} for "
        f"{', '.join(sorted(witness.logs))}; key {witness.cosigner.verifier_key}",
        highlight=False,
    )
    uvicorn.run(witness_app(witness), host=host, port=port, log_level="warning")


@app.command()
def alarms(
    home: HomeOpt,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="A witness's state folder (default: this gateway's)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Split-view alarms: a witness's (--state), or those this gateway's client raised.
    Exits 4 when there is any."""
    rows: list[dict[str, object]]
    if state is not None:
        from fti_gateway.witness.state import WitnessState

        rows = [
            {"id": a.id, "at": a.at, "log": a.origin, "kind": a.kind, "detail": a.detail}
            for a in WitnessState(state).alarms()
        ]
    else:
        from fti_gateway.witness.client import ClientState, witness_dir

        rows = [
            {"id": i, "at": at, "witness": w, "kind": k, "detail": d}
            for i, at, w, k, d in ClientState(witness_dir(open_workspace(home))).alarms()
        ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    elif not rows:
        console.print("no alarms")
    else:
        table = Table("id", "at (UTC)", "who", "kind", "detail")
        for r in rows:
            at = datetime.fromtimestamp(int(str(r["at"])), UTC).strftime("%Y-%m-%d %H:%M:%S")
            who = str(r.get("log", r.get("witness")))
            table.add_row(str(r["id"]), at, who, str(r["kind"]), str(r["detail"]))
        console.print(table)
    if rows:
        raise typer.Exit(IntegrityError.exit_code)


@app.command()
def cosign(home: HomeOpt) -> None:
    """Ask the policy's witnesses to cosign the latest checkpoint, then release every
    request waiting for witnesses that the quorum's checkpoint now covers."""
    from fti_gateway.pipeline.witnessing import cosign_and_release
    from fti_gateway.store import StateStore

    ws = open_workspace(home)
    result, released = cosign_and_release(ws, StateStore.for_workspace(ws))
    if result is None:
        console.print(
            "no witness-policy in this workspace: packages are released without witness "
            "cosignatures"
        )
        return
    for o in result.outcomes:
        console.print(f"{o.witness}: {o.result}" + (f" ({o.detail})" if o.detail else ""))
    state = "met" if result.satisfied else "NOT met"
    console.print(
        f"checkpoint {result.checkpoint.size}: cosigned by {len(result.cosigned)} "
        f"({', '.join(result.cosigned) or 'none'}); quorum {state}",
        highlight=False,
    )
    for name in released:
        console.print(f"released {name}")
    if result.alarms:
        raise typer.Exit(IntegrityError.exit_code)
    if not result.satisfied:
        raise typer.Exit(BusyError.exit_code)  # try again later
