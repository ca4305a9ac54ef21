"""`fti officer add/list/disable`: the review desk's accounts (review.officers).

Thin: read the password (a hidden prompt, or one line on stdin with --password-stdin so
scripts never put it on a command line), hash it with argon2, store it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from fti_gateway.cli.common import HomeOpt, console, open_workspace
from fti_gateway.core.errors import InputError
from fti_gateway.core.roles import ROLES

if TYPE_CHECKING:  # the store loads SQLAlchemy: only when a command runs
    from fti_gateway.store.reviews import ReviewStore

app = typer.Typer(help="Review-desk officers: add, list, disable.", no_args_is_help=True)

PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
]


def read_password(from_stdin: bool, *, confirm: bool = False) -> str:
    """The officer's password: stdin's first line, or a hidden prompt."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise InputError("--password-stdin: nothing on stdin")
        return line.rstrip("\r\n")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=confirm))


def sign_in(home: Path, name: str, password_stdin: bool) -> str:
    """``name`` if its owner proves it: the password of the active account of that name
    (``fti officer add``). A person's look at return information (``vault lookup --as``,
    ``monitor show --as``) and an alert's disposition name a person; a name typed on a
    command line proves nothing, so each asks for the account's password (exit 7 when it
    is wrong, without saying whether the account exists). What the person may then do is
    the read policy's or the register's to decide, not the account's role."""
    from fti_gateway.review.officers import authenticate

    return authenticate(_reviews(home), name, read_password(password_stdin)).name


def _reviews(home: Path) -> ReviewStore:
    from fti_gateway.store import StateStore
    from fti_gateway.store.reviews import ReviewStore

    return ReviewStore(StateStore.for_workspace(open_workspace(home)))


@app.command()
def add(
    name: Annotated[str, typer.Argument(help="Account name, e.g. j.doe.")],
    home: HomeOpt,
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")] = "officer",
    password_stdin: PasswordStdin = False,
) -> None:
    """Add an officer (officer, supervisor or auditor)."""
    from fti_gateway.review import add_officer

    reviews = _reviews(home)
    officer = add_officer(reviews, name, role, read_password(password_stdin, confirm=True))
    console.print(f"officer [bold]{officer.name}[/] added as {officer.role}")


@app.command(name="list")
def list_(home: HomeOpt) -> None:
    """List the officers, their roles and whether they are active."""
    table = Table("name", "role", "added (UTC)", "state")
    for o in _reviews(home).officers():
        state = "active" if o.active else f"disabled {o.disabled_at:%Y-%m-%d}"
        table.add_row(o.name, o.role, f"{o.created_at:%Y-%m-%d %H:%M}", state)
    console.print(table)


@app.command()
def disable(name: Annotated[str, typer.Argument(help="Account name.")], home: HomeOpt) -> None:
    """Disable an officer: they can no longer sign in; what they decided stays."""
    officer = _reviews(home).disable_officer(name)
    console.print(f"officer [bold]{officer.name}[/] disabled")
