"""`fti serve` as a real process: it answers /v1/health, then we stop it by its pid."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from fti_gateway.core.workspace import Workspace
from tests.cli.runner import run

RUN = (
    "import typer; from fti_gateway.cli.serve import serve; "
    "app = typer.Typer(); app.command()(serve); app()"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_health(workspace: Workspace, tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN, "--home", str(workspace.home), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "FTI_HOME": str(tmp_path / "elsewhere")},
    )
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=1) as r:
                    body = json.loads(r.read())
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.1)
        assert body is not None, proc.stdout.read().decode() if proc.stdout else ""
        assert body["workspace"] == workspace.name
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def test_several_server_processes_need_postgresql(
    workspace: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the embedded database the one server process also runs the pipeline: a second
    process would be a second worker nobody coordinates, so it is a usage error."""
    monkeypatch.delenv("FTI_DATABASE_URL", raising=False)
    code, out, err = run(
        capsys, monkeypatch, "serve", "--home", str(workspace.home), "--workers", "2"
    )
    assert code == 2, out + err
    assert "--workers" in err and "PostgreSQL" in err
