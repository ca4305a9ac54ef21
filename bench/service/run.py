"""The agency door under load: upload, status calls, queue overhead — in one run.

    .venv/bin/python -m bench.service.run [--rows 1280000] [--postgres URL] [--out DIR]

For each backend (PostgreSQL in a private schema, created and dropped here; then the
embedded SQLite file) it starts a real ``fti serve`` (uvicorn; `--workers` processes on PostgreSQL, default 2) on a free
loopback port, registers an agency with ``fti agency add``, and from separate client
processes (bench/service/client.py):

1. health: the unauthenticated health call, closed loop (5 s) and at the fixed rate;
2. upload: POSTs a manifest and streams a synthetic 1.28M-row CSV (TINs from area
   900–999 only) to ``PUT /v1/requests/{id}/subjects``; the client times first byte →
   202 while this process samples the server's RSS every 10 ms with psutil;
3. status under load: authenticated ``GET /v1/requests/{id}`` with a fresh DPoP proof
   per call, at a fixed open-loop rate, while the uploaded request's pipeline runs
   (``fti worker`` on PostgreSQL; the in-process worker thread with SQLite);
4. (PostgreSQL) queue overhead: bench/service/queue.py.

Every phase is bounded (rows, seconds, jobs) and every process started here is stopped
by its pid. Results: results.json and results.md next to this file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import sqlalchemy as sa
from bench.intake.run import write_request
from joserfc.jwk import OKPKey

HERE = Path(__file__).parent
PY = sys.executable
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
AGENCY = "DOJ"
WARMUP_ROWS = 10_000
MANIFEST = """\
format: fti/request/v1
id: {id}
received: 2025-06-04
authority: "6103(i)(2)"
requester: {{agency: DOJ, position: us-attorney, in_writing: true, signed: true}}
purpose: {{kind: criminal-investigation, statutes: ["18 U.S.C. 1343"], reason: fraud}}
taxable_periods: ["2022", "2023"]
elements: [identity.address]
subjects: subjects.csv
"""
INLINE = "subjects:\n  - {subject_id: S1, last_name: Reyes, tin: 900-12-3456, dob: 1980-01-02}\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fti(env: dict[str, str], *argv: str) -> None:
    subprocess.run(
        [PY, "-m", "fti_gateway", *argv], env=env, check=True, capture_output=True, timeout=300
    )


def stop(proc: subprocess.Popen[Any], timeout: float = 20) -> None:
    """SIGTERM, then SIGKILL — this process's own child, by its pid."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def wait_health(base: str, proc: subprocess.Popen[Any]) -> None:
    for _ in range(300):
        try:
            with urllib.request.urlopen(base + "/v1/health", timeout=1):
                return
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    raise SystemExit(f"fti serve did not answer at {base}")


def tree(pid: int) -> list[psutil.Process]:
    """The server and its children (uvicorn's worker processes with ``--workers``)."""
    proc = psutil.Process(pid)
    return [proc, *proc.children(recursive=True)]


def tree_rss(pid: int) -> int:
    return sum(p.memory_info().rss for p in tree(pid))


def tree_cpu(pid: int) -> float:
    return sum(sum(p.cpu_times()[:2]) for p in tree(pid))


class Sampler(threading.Thread):
    """The server's RSS (all its processes) every 10 ms until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.base = tree_rss(pid)
        self.peak = self.base
        self.samples = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self.samples += 1
            time.sleep(0.01)


def client(*argv: str, timeout: float) -> dict[str, Any]:
    out = subprocess.run(
        [PY, "-m", "bench.service.client", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"client failed: {out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def upload(base: str, key: Path, folder: Path, server_pid: int) -> dict[str, Any]:
    csv = folder / "subjects.csv"
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "bench.service.client",
            "upload",
            "--base",
            base,
            "--key",
            str(key),
            "--manifest",
            str(folder / "manifest.yaml"),
            "--csv",
            str(csv),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        ready = proc.stdout.readline().split()
        if not ready or ready[0] != "READY":
            raise SystemExit(f"upload client did not get ready: {ready}")
        sampler = Sampler(server_pid)
        sampler.start()
        time.sleep(0.2)
        cpu0 = tree_cpu(server_pid)
        proc.stdin.write("go\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        sampler.done.set()
        sampler.join()
        cpu = tree_cpu(server_pid) - cpu0
        proc.wait(60)
    finally:
        stop(proc)
    result = json.loads(line)
    size = csv.stat().st_size
    result.update(
        csv_mb=round(size / 1e6, 1),
        seconds=round(result["seconds"], 2),
        mb_per_s=round(size / 1e6 / result["seconds"], 1),
        server_rss_before_mb=round(sampler.base / 1e6, 1),
        server_rss_peak_mb=round(sampler.peak / 1e6, 1),
        server_rss_growth_mb=round((sampler.peak - sampler.base) / 1e6, 1),
        server_cpu_s=round(cpu, 2),
        rss_samples=sampler.samples,
    )
    return result


def backend_run(
    name: str,
    url: str | None,
    tmp: Path,
    folder: Path,
    key: Path,
    pub: Path,
    args: argparse.Namespace,
) -> dict[str, Any]:
    home = tmp / f"home-{name}"
    # Several server processes need PostgreSQL (with SQLite the one process runs the pipeline).
    workers = args.workers if url else 1
    env = {k: v for k, v in os.environ.items() if k != "FTI_DATABASE_URL"}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(HERE.parent.parent / "src"), env.get("PYTHONPATH", "")]
    )
    if url:
        env["FTI_DATABASE_URL"] = url
    fti(env, "init", "--home", str(home))
    if url:
        fti(env, "db", "upgrade", "--home", str(home))
    fti(env, "agency", "add", AGENCY, "--jwk", str(pub), "--home", str(home))
    (folder / "manifest.yaml").write_text(MANIFEST.format(id=f"BENCH-SERVICE-{name}"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    logs = tmp / f"{name}-serve.log"
    with logs.open("w") as log:
        server = subprocess.Popen(
            [
                PY,
                "-m",
                "fti_gateway",
                "serve",
                "--home",
                str(home),
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    worker = None
    out: dict[str, Any] = {"server_processes": workers}
    try:
        wait_health(base, server)
        if url:
            with (tmp / f"{name}-worker.log").open("w") as log:
                worker = subprocess.Popen(
                    [PY, "-m", "fti_gateway", "worker", "--home", str(home)],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
        if args.health:
            out["health_closed_loop"] = client(
                "load",
                "--base",
                base,
                "--path",
                "/v1/health",
                "--closed-loop",
                "--connections",
                "16",
                "--seconds",
                "5",
                timeout=60,
            )
            out["health_open_loop"] = client(
                "load",
                "--base",
                base,
                "--path",
                "/v1/health",
                "--rate",
                str(args.rate),
                "--seconds",
                "10",
                timeout=90,
            )
        # A first, small upload: a fresh server's first upload also loads code and warms
        # allocators (measured here on its own), which is not what a big upload costs.
        warm = folder.parent / "warmup"
        (warm / "manifest.yaml").write_text(MANIFEST.format(id=f"BENCH-WARMUP-{name}"))
        out["warmup_upload"] = upload(base, key, warm, server.pid)
        out["load_average_before_upload"] = round(os.getloadavg()[0], 2)
        out["upload"] = upload(base, key, folder, server.pid)
        rid = out["upload"]["api_id"]
        out["status_under_load"] = client(
            "load",
            "--base",
            base,
            "--key",
            str(key),
            "--auth",
            "--path",
            f"/v1/requests/{rid}",
            "--rate",
            str(args.rate),
            "--seconds",
            str(args.seconds),
            timeout=args.seconds + 180,
        )
        if args.low_rate:
            out["status_under_load_low_rate"] = client(
                "load", "--base", base, "--key", str(key), "--auth",
                "--path", f"/v1/requests/{rid}", "--rate", str(args.low_rate),
                "--seconds", str(args.seconds / 2), timeout=args.seconds + 180,
            )  # fmt: skip
        out["load_average_after_status"] = round(os.getloadavg()[0], 2)
        out["server_rss_after_mb"] = round(tree_rss(server.pid) / 1e6, 1)
    finally:
        if worker is not None:
            stop(worker)
        stop(server)
    if url:
        out["queue"] = queue_run(url, home, folder, args)
    return out


def queue_run(url: str, home: Path, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Jobs/s of a no-op task and of our step job on a finished request (run here)."""
    os.environ["FTI_DATABASE_URL"] = url
    try:
        from bench.service.queue import measure

        from fti_gateway.core.workspace import Workspace
        from fti_gateway.intake import load_request
        from fti_gateway.intake.persist import receive
        from fti_gateway.pipeline.jobs import run_one
        from fti_gateway.store import StateStore

        engine = sa.create_engine(url)
        with engine.begin() as c:  # the bulk request's unfinished steps are not ours to time
            c.execute(sa.text("DELETE FROM procrastinate_jobs"))
        engine.dispose()
        ws = Workspace.open(home)
        store = StateStore.for_workspace(ws)
        small = folder / "small.yaml"
        small.write_text(
            MANIFEST.format(id="BENCH-SERVICE-SMALL").replace("subjects: subjects.csv\n", INLINE)
        )
        receipt = receive(load_request(small), store)
        run_one(ws, receipt.request_pk)
        status = store.request(receipt.request_pk).status
        store.dispose()
        out = measure(url, home, receipt.request_pk, args.noop_jobs, args.step_jobs)
        out["finished_request_status"] = status
        return out
    finally:
        os.environ.pop("FTI_DATABASE_URL", None)


def with_schema(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def render(results: dict[str, Any]) -> str:
    md = [
        f"# Service benchmark — {results['when']}",
        "",
        f"{results['rows']:,} subject rows, {results['machine']}; load average at start "
        f"{results['load_average_at_start']} (the machine is shared with other jobs).",
        "",
    ]
    md += ["| backend | measure | value | target / anchor |", "|---|---|---|---|"]
    for name in ("postgresql", "sqlite"):
        r = results.get(name)
        if not r:
            continue
        up = r["upload"]
        md.append(
            f"| {name} | upload first byte → 202 | {up['seconds']} s "
            f"({up['mb_per_s']} MB/s, {up['accepted']:,} accepted) | ≤ 5 s; PUT 131 MB/s |"
        )
        w = r.get("warmup_upload")
        if w:
            md.append(
                f"| {name} | a fresh server's first upload ({w['accepted']:,} rows): RSS "
                f"growth | {w['server_rss_growth_mb']} MB ({w['seconds']} s) | |"
            )
        md.append(
            f"| {name} | server RSS growth during upload | {up['server_rss_growth_mb']} MB "
            f"(peak {up['server_rss_peak_mb']} MB) | ≤ 100 MB; ~50 MB |"
        )
        md.append(
            f"| {name} | server processes (fti serve --workers) | {r['server_processes']} | |"
        )
        s = r["status_under_load"]
        md.append(
            f"| {name} | status GET at {s['rate']}/s, p50 / p99 / max | {s['p50_ms']} / "
            f"{s['p99_ms']} / {s['max_ms']} ms ({s['completed']:,} calls, "
            f"{s['statuses']}) | p99 < 50 ms |"
        )
        lo = r.get("status_under_load_low_rate")
        if lo:
            md.append(
                f"| {name} | status GET at {lo['rate']}/s, p50 / p99 / max | {lo['p50_ms']} / "
                f"{lo['p99_ms']} / {lo['max_ms']} ms ({lo['completed']:,} calls, "
                f"{lo['statuses']}) | |"
            )
        if "health_closed_loop" in r:
            h, ho = r["health_closed_loop"], r["health_open_loop"]
            md.append(
                f"| {name} | health, closed loop | {h['per_s']} req/s | 6.1k req/s (2 workers) |"
            )
            md.append(
                f"| {name} | health at {ho['rate']}/s, p50 / p99 | {ho['p50_ms']} / "
                f"{ho['p99_ms']} ms | |"
            )
        q = r.get("queue")
        if q:
            md.append(
                f"| {name} | no-op procrastinate job | {q['noop']['jobs_per_s']} jobs/s "
                f"| 301 jobs/s |"
            )
            md.append(
                f"| {name} | our step job (finished request) | "
                f"{q['step_on_finished_request']['jobs_per_s']} jobs/s "
                f"(+{q['overhead_ms_per_job']} ms/job) | |"
            )
    return "\n".join(md) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_280_000)
    ap.add_argument("--postgres", default=os.environ.get("FTI_TEST_DATABASE_URL", DEFAULT_PG))
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--low-rate", type=float, default=100, help="a second, lower rate (0: none)")
    ap.add_argument("--workers", type=int, default=2, help="fti serve --workers (PostgreSQL)")
    ap.add_argument("--noop-jobs", type=int, default=1000)
    ap.add_argument("--step-jobs", type=int, default=200)
    ap.add_argument("--no-health", dest="health", action="store_false")
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args()
    results: dict[str, Any] = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "rows": args.rows,
        "machine": f"{platform.machine()}, {psutil.cpu_count()} cpus, "
        f"{round(psutil.virtual_memory().total / 1e9)} GB, Python {platform.python_version()}",
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }
    tmp = Path(tempfile.mkdtemp(prefix="bench-service."))
    try:
        folder = tmp / "request"
        folder.mkdir()
        with ProcessPoolExecutor(1) as pool:  # its memory is not the server's
            pool.submit(write_request, folder, args.rows, 0).result()
        warm = tmp / "warmup"
        warm.mkdir()
        with (folder / "subjects.csv").open("rb") as src, (warm / "subjects.csv").open("wb") as dst:
            dst.writelines(line for _, line in zip(range(WARMUP_ROWS + 1), src, strict=False))
        key = OKPKey.generate_key("Ed25519")
        (tmp / "key.json").write_text(
            json.dumps({"agency": AGENCY, "jwk": key.as_dict(private=True)})
        )
        (tmp / "pub.json").write_text(json.dumps(key.as_dict(private=False)))
        backends: list[tuple[str, str | None]] = []
        if not args.no_postgres:
            backends.append(("postgresql", args.postgres))
        if not args.no_sqlite:
            backends.append(("sqlite", None))
        for i, (name, base_url) in enumerate(backends):
            schema = f"bench_service_{os.getpid()}"
            url = with_schema(base_url, schema) if base_url else None
            engine = sa.create_engine(base_url) if base_url else None
            if engine is not None:
                with engine.begin() as c:
                    c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            try:
                run_args = argparse.Namespace(**{**vars(args), "health": args.health and i == 0})
                results[name] = backend_run(
                    name, url, tmp, folder, tmp / "key.json", tmp / "pub.json", run_args
                )
            finally:
                if engine is not None:
                    with engine.begin() as c:
                        c.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                    engine.dispose()
            print(json.dumps({name: results[name]}, indent=1), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["load_average_at_end"] = round(os.getloadavg()[0], 2)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "results.md").write_text(render(results))
    print(render(results))


if __name__ == "__main__":
    main()
