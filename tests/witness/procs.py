"""Real `fti witness serve` processes on free local ports, started and stopped by tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
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


class ThreadedWitness(WitnessProcess):
    """The same witness app and HTTP server (uvicorn) in a thread of the test process:
    real HTTP on a real port, without paying a process start per restart."""

    def __init__(self, dir: Path, name: str, log_vkey: str) -> None:
        super().__init__(dir, name, log_vkey)
        self.server: object | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        import uvicorn

        from fti_gateway.witness.server import app, load_witness

        witness = load_witness(self.key, self.state, [self.log_vkey])
        config = uvicorn.Config(app(witness), host="127.0.0.1", port=self.port, log_level="error")
        server = uvicorn.Server(config)
        self.server = server
        self.thread = threading.Thread(target=server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("witness did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True  # type: ignore[attr-defined]
            self.thread.join(30)
            self.server = self.thread = None
