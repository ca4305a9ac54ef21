"""``make bench``: every benchmark under bench/, one after the other, each with the command
its README gives (and committed results it rewrites).

    python -m bench.run_all                 # all of them (long: tens of minutes)
    python -m bench.run_all service intake  # only these
    python -m bench.run_all --list

Each runs in its own process, so one's memory never counts in another's figures; the
first failure stops the run (its output is shown). PostgreSQL benchmarks use
``$FTI_TEST_DATABASE_URL`` when set (``bench/service`` defaults to 127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

PY = sys.executable

# name → argv after the interpreter (the command in that benchmark's README).
BENCHMARKS: dict[str, list[str]] = {
    "synth": ["-m", "bench.synth.run", "--sizes", "100000", "1000000", "10000000"],
    "demo": ["-m", "bench.demo.run", "--people", "100000", "--subjects", "10000"],
    "intake": ["-m", "bench.intake.run", "--rows", "1300000"],
    "law": ["-m", "bench.law.run", "--subjects", "1300000", "--repeat", "3"],
    "resolve": [
        "bench/resolve/run.py",
        "run",
        "--datasets",
        "febrl4,fake_1000,historical_50k,synth-1000000x100000,"
        "synth-1000000x20000-criminal-i2,synth-10000000x1000000",
        "--systems",
        "ours-cold,ours,splink-standard,recordlinkage-ecm",
        "--timeout",
        "700",
    ],
    "resolve-report": ["bench/resolve/report.py"],
    "ledger": ["-m", "bench.ledger.run"],
    "service": ["-m", "bench.service.run"],
    "inspect-monitor": ["-m", "bench.inspect.monitor", "--sizes", "1000000", "3000000", "10000000"],
    "inspect-gate": ["-m", "bench.inspect.gate"],
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help=f"some of: {', '.join(BENCHMARKS)}")
    ap.add_argument("--list", action="store_true", help="print the commands and stop")
    args = ap.parse_args()
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    chosen = args.names or list(BENCHMARKS)
    for name in chosen:
        cmd = [PY, *BENCHMARKS[name]]
        print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
        if args.list:
            continue
        started = time.perf_counter()
        done = subprocess.run(cmd, env=os.environ.copy(), check=False)
        print(f"== {name}: exit {done.returncode} after {time.perf_counter() - started:.0f} s")
        if done.returncode != 0:
            raise SystemExit(done.returncode)


if __name__ == "__main__":
    main()
