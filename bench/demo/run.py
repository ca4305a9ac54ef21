"""Benchmark: `fti demo` end to end (what `make demo` runs after set-up).

    .venv/bin/python -m bench.demo.run [--people 100000] [--subjects 10000]

Runs the demo twice in fresh workspaces under ``bench/work/demo`` — the first pays for
model training, the second shows the same again (there is no cache between
workspaces) — and records wall time and peak RSS of each in results.json/results.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
from pathlib import Path

from bench.timing import timed

HERE = Path(__file__).resolve().parent
WORK = HERE.parent / "work" / "demo"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--subjects", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    rows = []
    for i in range(args.runs):
        home = WORK / f"home-{i}"
        shutil.rmtree(home, ignore_errors=True)
        cmd = [sys.executable, "-m", "fti_gateway", "demo", "--home", str(home)]
        cmd += ["--people", str(args.people), "--subjects", str(args.subjects)]
        rows.append({"run": i + 1, **timed(cmd)})
        shutil.rmtree(home, ignore_errors=True)
    result = {
        "command": f"python -m bench.demo.run --people {args.people} --subjects {args.subjects}",
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "people": args.people,
        "subjects": args.subjects,
        "runs": rows,
    }
    (HERE / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        f"# `fti demo`: {args.people:,} people, {args.subjects:,}-subject ICE-2025 request",
        "",
        f"Command: `{result['command']}`",
        "",
        "| run | wall (s) | peak RSS (MB) |",
        "|---|---|---|",
        *(f"| {r['run']} | {r['wall_s']} | {r['peak_rss_mb']} |" for r in rows),
        "",
    ]
    (HERE / "results.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
