"""bench/inspect/monitor: the UNAX monitor's throughput on a year of audit trail.

    python -m bench.inspect.monitor --sizes 1000000 3000000 10000000

For each size: generate a synthetic trail (``monitor.synth``, planted misuse of every
kind, 1 employee per 2,000 events) straight to Parquet parts — the layout
``fti inspect import`` stores — then run every rule of the catalogue over it in a
fresh process under ``/usr/bin/time -v`` (wall time, peak RSS of the monitor alone),
and check recall on the planted cases and false alerts per 10,000 documented lookups.
Results: results_monitor.json / results_monitor.md beside this file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

HERE = Path(__file__).parent
DATA = HERE / ".data"


SEED = 19
LAYOUT = 1


def cache_key(n: int, seed: int = SEED) -> str:
    """What a generated trail depends on: its size, its seed, the layout :func:`generate`
    writes (``LAYOUT``: bump it when that changes) and the generator's code, ``synth.py`` —
    so an edit there makes a fresh trail, never a stale one."""
    from fti_gateway.monitor import synth

    h = hashlib.sha256(f"{n}\x00{seed}\x00{LAYOUT}\x00".encode())
    h.update(Path(synth.__file__).read_bytes())
    return h.hexdigest()[:16]


def generate(n: int, folder: Path, seed: int = SEED) -> bool:
    """Write the trail of ``n`` events, its registers and its planted labels, unless
    ``folder`` already holds the one for this size, seed and generator (then: False).
    Why cache: ten million events take minutes to make and nothing to read back."""
    from fti_gateway.core.workspace import Workspace
    from fti_gateway.monitor import registers, synth

    stamp = folder / "KEY"
    key = cache_key(n, seed)
    if stamp.is_file() and stamp.read_text() == key:
        return False
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "events").mkdir(parents=True)
    parts: list[Path] = []

    def sink(table: object) -> None:
        path = folder / "events" / f"part-{len(parts):05d}.parquet"
        pq.write_table(table, path, compression="zstd")  # type: ignore[arg-type]
        parts.append(path)

    trail = synth.generate(events=n, employees=max(200, n // 2000), plants=10, seed=seed, sink=sink)
    ws = Workspace.init(folder / "home")
    for kind, path in synth.write_registers(trail, folder / "registers").items():
        registers.load(ws, kind, path)
    pq.write_table(trail.household, folder / "household.parquet")
    labels = [{"kind": p.kind, "rule": p.rule, "events": list(p.events)} for p in trail.planted]
    (folder / "planted.json").write_text(
        json.dumps({"documented": trail.documented, "planted": labels})
    )
    stamp.write_text(key)  # last: a run stopped half-way leaves no stamp
    return True


def detect(folder: Path) -> None:
    """Run the monitor over ``folder``'s trail; print its figures as JSON (the measured
    process: nothing else happens in it)."""
    from fti_gateway.core.workspace import Workspace
    from fti_gateway.monitor import alerts, catalogue, engine, registers

    ws = Workspace.open(folder / "home")
    src = engine.Sources(
        parquet=sorted((folder / "events").glob("part-*.parquet")),
        jsonl=[],
        employees=registers.latest(ws, "employees"),
        cases=registers.latest(ws, "cases"),
        high_profile=registers.latest(ws, "high-profile"),
        household=pq.read_table(folder / "household.parquet"),
    )
    started = time.perf_counter()
    timings: dict[str, float] = {}
    found = alerts.detect(
        src, catalogue.load(), b"b" * 32, temp_dir=folder / "tmp", timings=timings
    )
    seconds = time.perf_counter() - started
    labels = json.loads((folder / "planted.json").read_text())
    planted = labels["planted"]
    planted_ids = {e for p in planted for e in p["events"]}
    caught = sum(
        any(a.rule == p["rule"] and set(a.events) & set(p["events"]) for a in found)
        for p in planted
    )
    false = sum(1 for a in found if not set(a.events) & planted_ids)
    print(
        json.dumps(
            {
                "detect_s": round(seconds, 2),
                "alerts": len(found),
                "planted": len(planted),
                "recall": round(caught / len(planted), 3),
                "false_alerts": false,
                "documented": labels["documented"],
                "false_per_10k": round(false * 10_000 / max(1, labels["documented"]), 3),
                "phases_s": {k: round(v, 2) for k, v in timings.items()},
            }
        )
    )


def _measured(cmd: list[str]) -> tuple[dict[str, float], dict[str, object]]:
    """Wall time and peak RSS of ``cmd`` (GNU time), and the JSON it printed."""
    started = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    peak = round(int(m.group(1)) / 1024, 1) if m else float("nan")
    return {"wall_s": round(wall, 2), "peak_rss_mb": peak}, json.loads(proc.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--detect", type=Path, help=argparse.SUPPRESS)  # the measured child
    ap.add_argument(
        "--drop",
        action="store_true",
        help="delete each generated trail after its run "
        "(by default it is kept in .data/ and reused by the next run of the same size)",
    )
    args = ap.parse_args()
    if args.detect:
        detect(args.detect)
        return
    rows = []
    for n in args.sizes:
        folder = DATA / str(n)
        t0 = time.perf_counter()
        fresh = generate(n, folder)
        gen_s = time.perf_counter() - t0
        cmd = [sys.executable, "-m", "bench.inspect.monitor", "--detect", str(folder)]
        outer, inner = _measured(cmd)
        row = {"events": n, "generate_s": round(gen_s, 1) if fresh else None, **outer, **inner}
        print(json.dumps(row), flush=True)
        rows.append(row)
        if args.drop:
            shutil.rmtree(folder, ignore_errors=True)
        _write(rows, args.sizes)


def _write(rows: list[dict[str, object]], sizes: list[int]) -> None:
    """The results so far (rewritten after each size: a long run keeps what it measured)."""
    meta = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared with other work)",
        "python": platform.python_version(),
        "command": "python -m bench.inspect.monitor --sizes " + " ".join(map(str, sizes)),
    }
    (HERE / "results_monitor.json").write_text(json.dumps({**meta, "runs": rows}, indent=1) + "\n")
    lines = [
        "| events | monitor wall s | of which detect s | peak RSS MB | alerts | recall "
        "| false / 10k documented | generate s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['events']:,} | {r['wall_s']} | {r['detect_s']} | {r['peak_rss_mb']} | "
            f"{r['alerts']} | {r['recall']} | {r['false_per_10k']} | {r['generate_s'] or 'cached'} |"
        )
    (HERE / "results_monitor.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
