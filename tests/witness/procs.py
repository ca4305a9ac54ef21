"""Real `fti witness serve` processes on free local ports, started and stopped by tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from fti_gateway.witness.cosignature import Cosigner


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WitnessProcess:
    """One witness: its key and state folder persist across stop() and start()."""

    def __init__(self, dir: Path, name: str, log_vkey: str) -> None:
        dir.mkdir(parents=True, exist_ok=True)
        self.key = dir / "key"
        self.cosigner = Cosigner.generate(name)
        self.cosigner.save(self.key)
        self.state = dir / "state"
        self.log_vkey = log_vkey
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        src = str(Path(__file__).resolve().parents[2] / "src")
        env = dict(os.environ, PYTHONPATH=src)
        cmd = [sys.executable, "-m", "fti_gateway", "witness", "serve", "--key", str(self.key)]
        cmd += ["--state", str(self.state), "--log", self.log_vkey, "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"witness exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("witness did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(30)
            self.proc = None
