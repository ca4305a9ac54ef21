"""`fti ledger` commands: thin wrappers over fti_gateway.ledger (parse, call, print)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from fti_gateway.cli.common import HomeOpt, console, err_console, open_workspace
from fti_gateway.core.errors import InputError, IntegrityError

app = typer.Typer(
    help="The accounting ledger: checkpoints, proofs, verification, accounting.",
    no_args_is_help=True,
)

DirOpt = Annotated[
    Path | None, typer.Option("--dir", help="A ledger folder (auditors: no workspace needed).")
]
KeyOpt = Annotated[
    str | None, typer.Option("--key", help="Verifier key (name+id+key); default: the workspace's.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Write to this file instead of printing.")
]


def _target(home: Path, dir: Path | None, key: str | None) -> tuple[Path, str]:
    """The ledger folder and verifier key: given explicitly, or the workspace's."""
    # The ledger (cryptography, tiles) is imported by the commands that use it, so that
    # `fti --help` and every other command start without it.
    from fti_gateway.ledger.workspace import verifier_key

    if dir is not None and key is not None:
        return dir, key
    ws = open_workspace(home)
    return (dir or ws.ledger_dir), (key or verifier_key(ws))


def _read_doc(path: Path, what: str) -> dict[str, Any]:
    """A JSON document a user hands us (proof, attestation), or an InputError saying where."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise InputError(f"no such {what} file", where=str(path)) from e
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read the {what}: {e}", where=str(path)) from e
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(
            f"the {what} is not valid JSON: {e.msg}",
            where=f"{path} line {e.lineno} column {e.colno}",
            hint=f"pass the {what} exactly as `fti ledger` wrote it (use --out to write a file)",
        ) from e
    if not isinstance(doc, dict):
        raise InputError(f"the {what} is not a JSON object", where=str(path))
    return doc


def _emit(doc: dict[str, Any] | str, out: Path | None) -> None:
    text = doc if isinstance(doc, str) else json.dumps(doc, indent=2, sort_keys=True) + "\n"
    if out is not None:
        out.write_text(text)
        console.print(f"wrote {out}")
    else:
        typer.echo(text, nl=False)


@app.command()
def key(home: HomeOpt) -> None:
    """Print the verifier key (C2SP note format) that checks this ledger's checkpoints."""
    from fti_gateway.ledger.workspace import verifier_key

    typer.echo(verifier_key(open_workspace(home)))


@app.command()
def checkpoint(home: HomeOpt) -> None:
    """Publish (keep) the current signed checkpoint and print it."""
    from fti_gateway.ledger.workspace import open_ledger

    with open_ledger(open_workspace(home)) as led:
        typer.echo(led.checkpoint().decode(), nl=False)


@app.command()
def status(home: HomeOpt) -> None:
    """The ledger's size and root, and whether (and by whom) its checkpoints are witnessed."""
    from fti_gateway.ledger import proofs
    from fti_gateway.ledger.workspace import verifier_key
    from fti_gateway.witness.client import witnessed
    from fti_gateway.witness.policy import load_policy, policy_path

    ws = open_workspace(home)
    cp, _note, _reader = proofs.open_log(ws.ledger_dir, verifier_key(ws))
    console.print(f"ledger {cp.origin}: size {cp.size}, root {cp.root.hex()}", highlight=False)
    policy = load_policy(ws)
    if policy is None:
        console.print(
            f"witnessing: off (no {policy_path(ws)}): packages are released once their "
            "entries are in the signed log, without witness cosignatures",
            highlight=False,
        )
        return
    done = witnessed(ws, policy)
    where = "none yet" if done is None else f"size {done.size}"
    console.print(
        f"witnessing: quorum {policy.describe()}; latest checkpoint the quorum cosigned: "
        f"{where}" + ("" if done is not None and done.size == cp.size else " (behind)"),
        highlight=False,
    )


@app.command()
def prove(
    home: HomeOpt,
    index: Annotated[int | None, typer.Option("--index", help="Leaf index to prove.")] = None,
    entry: Annotated[
        Path | None, typer.Option("--entry", help="File holding the exact leaf bytes.")
    ] = None,
    tlog_proof: Annotated[
        bool, typer.Option("--tlog-proof", help="C2SP tlog-proof text instead of JSON.")
    ] = False,
    dir: DirOpt = None,
    key: KeyOpt = None,
    out: OutOpt = None,
) -> None:
    """Inclusion proof of one leaf against the latest checkpoint."""
    from fti_gateway.ledger import proofs

    d, vk = _target(home, dir, key)
    if (index is None) == (entry is None):
        raise InputError("give exactly one of --index and --entry")
    if entry is not None:
        index = proofs.find_entry(proofs.open_log(d, vk)[2], entry.read_bytes())
    assert index is not None
    doc = proofs.inclusion(d, vk, index)
    _emit(proofs.to_tlog_proof(doc) if tlog_proof else doc, out)


@app.command()
def consistency(
    home: HomeOpt,
    old: Annotated[int, typer.Argument(help="Size of the older kept checkpoint.")],
    new: Annotated[int, typer.Argument(help="Size of the newer kept checkpoint.")],
    dir: DirOpt = None,
    key: KeyOpt = None,
    out: OutOpt = None,
) -> None:
    """Consistency proof between two kept checkpoints: the log only grew."""
    from fti_gateway.ledger import proofs

    d, vk = _target(home, dir, key)
    _emit(proofs.consistency(d, vk, old, new), out)


@app.command("check-proof")
def check_proof(
    file: Annotated[Path, typer.Argument(help="A proof: JSON, or C2SP tlog-proof text.")],
    key: Annotated[str, typer.Option("--key", help="The log's verifier key.")],
    entry: Annotated[
        Path | None, typer.Option("--entry", help="The leaf (tlog-proof only).")
    ] = None,
) -> None:
    """Check a proof document with nothing but the verifier key (for auditors)."""
    from fti_gateway.ledger import proofs

    text = file.read_text()
    if text.startswith("c2sp.org/tlog-proof@v1"):
        if entry is None:
            raise InputError("a tlog-proof does not carry the entry", hint="pass --entry FILE")
        index, cp = proofs.check_tlog_proof(text, entry.read_bytes(), key)
        console.print(f"[green]ok[/]: leaf {index} is in {cp.origin} at size {cp.size}")
        return
    doc = _read_doc(file, "proof")
    if doc.get("format") == proofs.CONSISTENCY:
        a, b = proofs.check_consistency(doc, key)
        console.print(f"[green]ok[/]: size {b.size} extends size {a.size} of {b.origin}")
    else:
        cp = proofs.check_inclusion(doc, key)
        console.print(f"[green]ok[/]: leaf {doc['index']} is in {cp.origin} at size {cp.size}")


@app.command()
def verify(
    home: HomeOpt,
    dir: DirOpt = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
    since_last: Annotated[
        bool,
        typer.Option(
            "--since-last",
            help="Re-verify only what is new or changed since the last recorded "
            "verification (cheap; for a schedule). Records the result.",
        ),
    ] = False,
) -> None:
    """fsck: re-read every tile and checkpoint, recompute every hash; exit 4 on any fault.

    On the workspace's own ledger the result is recorded: what verified (so --since-last
    and opening the ledger skip it), or the damage (the ledger then takes no appends
    until a full verification passes)."""
    from fti_gateway.ledger import fsck

    d, vk = _target(home, dir, key)
    # recorded on the workspace's own ledger only: an auditor's copy has no local state
    record = dir is None
    report = fsck.verify_since_last(d, vk) if since_last else fsck.verify(d, vk, record=record)
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    elif report.ok:
        what = "verified since the last verification" if since_last else "verified"
        console.print(
            f"[green]ok[/]: {report.origin}, {report.size} entries, {report.tiles} tiles, "
            f"{report.checkpoints} checkpoints {what}; root {report.root}"
        )
    if not report.ok:
        raise IntegrityError(
            "the ledger does not verify",
            where=str(d),
            details=[str(p) for p in report.problems],
            hint="restore the damaged files from a backup, then run `fti ledger verify`",
        )


@app.command("accounting")
def accounting_(
    home: HomeOpt,
    tin: Annotated[
        str | None, typer.Option("--tin", help="A taxpayer's TIN (matched by commitment).")
    ] = None,
    agency: Annotated[
        str | None, typer.Option("--agency", help="Requesting or receiving agency.")
    ] = None,
    authority: Annotated[str | None, typer.Option("--authority", help="e.g. 6103(i)(2)")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """(p)(3)(A) accounting: date, reason, authority, recipient and elements of each event."""
    from fti_gateway.ledger import accounting, entries
    from fti_gateway.ledger.workspace import commitment_secret, verifier_key

    ws = open_workspace(home)
    view = accounting.load(ws.ledger_dir, verifier_key(ws))
    taxpayer = entries.commit_taxpayer(commitment_secret(ws), tin) if tin else None
    rows = accounting.query(
        view.rows,
        taxpayer=taxpayer,
        agency=agency,
        authority=authority,
        start=_day(start, "--from"),
        end=_day(end, "--to"),
    )
    if as_json:
        size = view.checkpoint.size
        typer.echo(
            json.dumps({"checkpoint_size": size, "rows": [r.to_json() for r in rows]}, indent=2)
        )
        return
    table = Table("#", "date", "event", "request", "authority", "recipient", "reason", "elements")
    for r in rows:
        event = r.kind + (f" ({r.outcome})" if r.outcome else "")
        table.add_row(
            str(r.index),
            r.date,
            event,
            f"{r.agency}/{r.request_id}",
            r.authority or "",
            r.recipient or "",
            _short(r.reason),
            ", ".join(r.elements),
        )
    console.print(table)
    console.print(
        f"{len(rows)} event(s), read from the ledger at signed size {view.checkpoint.size}"
    )
    if any(r.reason and entries.DIGEST.match(r.reason) for r in rows):
        console.print(
            "reasons are keyed digests (the ledger holds no free text); the text is in the "
            "state store — --json shows each digest in full",
            style="dim",
        )


@app.command("attest")
def attest_(
    home: HomeOpt,
    recipient: Annotated[
        list[str], typer.Option("--recipient", help="Recipient agency (repeatable).")
    ],
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD).")],
    out: OutOpt = None,
) -> None:
    """A signed statement of how many disclosures went to AGENCY in the period."""
    from fti_gateway.ledger import attest
    from fti_gateway.ledger.workspace import signer

    ws = open_workspace(home)
    doc = attest.attest(
        ws.ledger_dir, signer(ws), recipient, _need_day(start, "--from"), _need_day(end, "--to")
    )
    _emit(doc, out)
    # The sentence goes to stderr so that stdout stays one JSON document (`> file` works).
    err_console.print(doc["text"], highlight=False)


@app.command("check-attestation")
def check_attestation(
    home: HomeOpt,
    file: Annotated[Path, typer.Argument(help="An attestation (JSON).")],
    dir: DirOpt = None,
    key: KeyOpt = None,
) -> None:
    """Re-derive an attestation's numbers from the ledger; exit 4 if they differ."""
    from fti_gateway.ledger import attest

    d, vk = _target(home, dir, key)
    statement = attest.check(_read_doc(file, "attestation"), d, vk)
    console.print(f"[green]ok[/]: {attest.describe(statement)}", highlight=False)


def _short(reason: str | None) -> str:
    """A reason digest shortened for the table (the text itself is in the state store)."""
    from fti_gateway.ledger import entries

    if reason and entries.DIGEST.match(reason):
        return reason[: len("hmac-sha256:") + 12] + "…"
    return reason or ""


def _day(text: str | None, flag: str) -> date | None:
    return None if text is None else _need_day(text, flag)


def _need_day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise InputError(f"{flag} {text!r} is not a date", hint="use YYYY-MM-DD") from e
