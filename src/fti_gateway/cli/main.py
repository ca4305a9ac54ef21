"""Entry point: assembles the command groups and turns errors into exit codes.

After pip's ``base_command``: the one place that catches :class:`FtiError`, prints it
as a diagnostic and exits with its code; ``--debug`` (or ``FTI_DEBUG=1``) shows the
traceback instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from fti_gateway import __version__
from fti_gateway.cli import (
    agency,
    db,
    demo,
    disclose,
    inspect,
    law,
    ledger,
    monitor,
    officer,
    registers,
    report,
    request,
    resolve,
    review,
    serve,
    synth,
    taxpayer,
    vault,
    witness,
    worker,
)
from fti_gateway.cli.common import HomeOpt, console, err_console
from fti_gateway.core.errors import FtiError
from fti_gateway.core.workspace import Workspace

app = typer.Typer(
    name="fti",
    help="FTI Gateway: decide, resolve, minimize and account for § 6103 disclosures.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(synth.app, name="synth")
app.add_typer(vault.app, name="vault")
app.add_typer(request.app, name="request")
app.add_typer(law.app, name="law")
app.add_typer(resolve.app, name="resolve")
app.add_typer(disclose.app, name="disclose")
app.add_typer(ledger.app, name="ledger")
app.add_typer(report.app, name="report")
app.add_typer(agency.app, name="agency")
app.add_typer(officer.app, name="officer")
app.add_typer(review.app, name="review")
app.add_typer(db.app, name="db")
app.add_typer(inspect.app, name="inspect")
app.add_typer(registers.employees, name="employees")
app.add_typer(registers.cases, name="cases")
app.add_typer(registers.high_profile, name="high-profile")
app.add_typer(monitor.app, name="monitor")
app.add_typer(witness.app, name="witness")
app.add_typer(taxpayer.app, name="taxpayer")
app.command(name="demo")(demo.demo)
app.command(name="serve")(serve.serve)
app.command(name="worker")(worker.worker)


@app.command()
def init(home: HomeOpt, name: str | None = typer.Option(None, help="Log origin name.")) -> None:
    """Create a workspace (folders, signing key, commitment secret). Safe to re-run."""
    from fti_gateway.ledger.workspace import open_ledger  # cryptography: only when run

    ws = Workspace.init(Path(home), name=name)
    with open_ledger(ws) as ledger:  # an empty log still has a signed checkpoint (size 0)
        ledger.checkpoint()
    console.print(f"workspace ready at [bold]{ws.home}[/] (log origin {ws.name})")


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


def main() -> None:
    debug = "--debug" in sys.argv or os.environ.get("FTI_DEBUG") == "1"
    if "--debug" in sys.argv:
        sys.argv.remove("--debug")
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except FtiError as e:
        if debug:
            raise
        err_console.print(f"[red]error:[/] {e}", highlight=False, markup=True)
        sys.exit(e.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as e:  # click usage errors arrive here in non-standalone mode
        import click

        # Typer (0.2x) raises its own copy of click's exceptions, under typer.TyperException:
        # without it, `fti ledger --home ws` (an option on a group) was an "internal error".
        show = getattr(e, "show", None)
        if isinstance(e, click.exceptions.ClickException | typer.TyperException) and show:
            show()
            sys.exit(int(getattr(e, "exit_code", 2)))
        if isinstance(e, click.exceptions.Exit):
            sys.exit(e.exit_code)
        if debug:
            raise
        # Not an error we anticipated: say so plainly, and how to get the details.
        err_console.print(
            f"[red]internal error:[/] {type(e).__name__}: {e}\n"
            "This is a bug in FTI Gateway, not in your input. Run the same command with "
            "--debug for the traceback, and report it.",
            highlight=False,
        )
        sys.exit(70)


if __name__ == "__main__":
    main()
