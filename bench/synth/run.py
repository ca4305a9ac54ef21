"""Benchmark: time and peak memory of `fti synth master` and `fti synth request`.

Each step runs as its own process under GNU time (``/usr/bin/time -v``), so the peak
RSS is that process's own high-water mark, not the runner's. Workspaces go under
``bench/work/`` (ignored by git); results go next to this file.

    .venv/bin/python -m bench.synth.run --sizes 100000 1000000 10000000

Vaults up to ``--import-max`` people are also exported to CSV (untimed) and re-imported
with ``fti vault import`` into an empty workspace (timed).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import time
from pathlib import Path

from bench.timing import timed

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WORK = ROOT / "bench" / "work" / "synth"
FTI = [sys.executable, "-m", "fti_gateway.cli.main"]


def _dir_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6, 1)


def _export_csv(master_dir: Path, out: Path) -> int:
    import duckdb

    con = duckdb.connect()
    glob = str(master_dir / "part-*.parquet")
    con.execute(f"COPY (SELECT * FROM read_parquet('{glob}')) TO '{out}' (HEADER)")
    row = con.execute(f"SELECT count(*) FROM read_parquet('{glob}')").fetchone()
    return int(row[0]) if row else 0


def run(
    sizes: list[int], request_share: float, seed: int, import_max: int
) -> list[dict[str, object]]:
    results: list[dict[str, object]] = []
    for people in sizes:
        home = WORK / f"home-{people}"
        shutil.rmtree(home, ignore_errors=True)
        gen = timed(
            [
                *FTI,
                "synth",
                "master",
                "--people",
                str(people),
                "--seed",
                str(seed),
                "--home",
                str(home),
            ]
        )
        master_dir = home / "vault" / "master"
        row = {
            "step": "synth master",
            "people": people,
            **gen,
            "parquet_mb": _dir_mb(master_dir),
            "parts": len(list(master_dir.glob("part-*.parquet"))),
        }
        results.append(row)
        print(json.dumps(row), flush=True)
        size = max(1, int(people * request_share))
        out = home / "request-ice"
        req = timed(
            [*FTI, "synth", "request", "--kind", "ice-2025", "--size", str(size),
             "--seed", str(seed), "--home", str(home), "--out", str(out)]
        )  # fmt: skip
        row = {"step": "synth request ice-2025", "people": people, "subjects": size, **req}
        results.append(row)
        print(json.dumps(row), flush=True)
        if people <= import_max:
            csv_file = home / "master.csv"
            rows = _export_csv(master_dir, csv_file)
            other = WORK / f"import-{people}"
            shutil.rmtree(other, ignore_errors=True)
            imp = timed([*FTI, "vault", "import", str(csv_file), "--home", str(other)])
            row = {"step": "vault import (CSV)", "people": people, "rows": rows, **imp,
                   "csv_mb": round(csv_file.stat().st_size / 1e6, 1)}  # fmt: skip
            results.append(row)
            print(json.dumps(row), flush=True)
            shutil.rmtree(other, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
    return results


def _markdown(results: list[dict[str, object]], meta: dict[str, object]) -> str:
    lines = [
        "# Synthetic data generator: time and peak memory",
        "",
        f"Machine: {meta['machine']}; Python {meta['python']}; run {meta['date']}.",
        f"Command: `{meta['command']}`",
        "",
        "| step | vault people | subjects / rows | wall (s) | peak RSS (MB) | output (MB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        n = r.get("subjects") or r.get("rows")
        size = r.get("parquet_mb") or r.get("csv_mb") or ""
        lines.append(
            f"| {r['step']} | {r['people']:,} | {format(n, ',') if n else ''} "
            f"| {r['wall_s']} | {r['peak_rss_mb']} | {size} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    ap.add_argument("--request-share", type=float, default=0.1, help="subjects per vault person")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--import-max", type=int, default=1_000_000, help="largest vault also timed as a CSV import"
    )
    args = ap.parse_args()
    results = run(args.sizes, args.request_share, args.seed, args.import_max)
    meta = {
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, 2 cores, 24 GiB",
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": "python -m bench.synth.run --sizes " + " ".join(map(str, args.sizes)),
    }
    (HERE / "results.json").write_text(
        json.dumps({"meta": meta, "results": results}, indent=2) + "\n"
    )
    (HERE / "results.md").write_text(_markdown(results, meta))
    print((HERE / "results.md").read_text())


if __name__ == "__main__":
    main()
