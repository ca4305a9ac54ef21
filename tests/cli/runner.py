"""Run the real `fti` entry point in-process, as a user's shell would, and capture it."""

from __future__ import annotations

import sys

import pytest

from fti_gateway.cli.main import main


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    """``fti ARGS``: its exit code, stdout and stderr (a wide terminal, so lines stay whole)."""
    monkeypatch.setattr(sys, "argv", ["fti", *args])
    monkeypatch.setenv("COLUMNS", "200")
    try:
        main()
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
