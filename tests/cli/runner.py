"""Run the real `fti` entry point in-process, as a user's shell would, and capture it."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from fti_gateway.cli.main import main

#: The password of every account :func:`accounts` makes, and the ``stdin`` that gives it to
#: a command run with ``--password-stdin``.
PASSWORD = "correct horse battery staple"
SIGN_IN = PASSWORD + "\n"


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    stdin: str | None = None,
) -> tuple[int, str, str]:
    """``fti ARGS``: its exit code, stdout and stderr (a wide terminal, so lines stay whole);
    ``stdin`` is what the command reads (a password for ``--password-stdin``)."""
    monkeypatch.setattr(sys, "argv", ["fti", *args])
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.setenv("COLUMNS", "200")
    try:
        main()
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def accounts(home: Path, *names: str, role: str = "officer") -> None:
    """Sign-in accounts (``fti officer add``) named for employees, all with :data:`PASSWORD`."""
    from fti_gateway.core.workspace import Workspace
    from fti_gateway.review.officers import add_officer
    from fti_gateway.store import StateStore
    from fti_gateway.store.reviews import ReviewStore

    reviews = ReviewStore(StateStore.for_workspace(Workspace.open(home)))
    for name in names:
        add_officer(reviews, name, role, PASSWORD)
