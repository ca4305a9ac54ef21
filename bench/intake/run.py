"""Time intake and the state store on a large synthetic request (default 1.3 million rows).

    .venv/bin/python -m bench.intake.run --rows 1300000 [--postgres URL] [--out bench/intake]

Writes a manifest and subject CSV (synthetic names; TINs only from area 900–999), then
times: load_request on the clean file (fast path), load_request with a few broken lines
(careful path), receive() into SQLite, and receive() into PostgreSQL when a URL is given.
Results go to results.json and results.md next to this file.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from fti_gateway.intake import load_request
from fti_gateway.intake.persist import receive
from fti_gateway.store import StateStore

FIRST = ["James", "Maria", "José", "Wei", "Aisha", "John", "Mary", "Luis", "Ana", "Nguyen"]
LAST = ["Smith", "García López", "Johnson", "Nguyen", "Williams", "O'Brien", "Peña", "Kim"]


def write_request(folder: Path, rows: int, broken: int, seed: int = 7) -> Path:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "subject_id": [f"S{i:08d}" for i in range(rows)],
            "first_name": rng.choice(FIRST, rows),
            "middle_name": "",
            "last_name": rng.choice(LAST, rows),
            "suffix": "",
            "dob": pd.to_datetime(rng.integers(-15000, 15000, rows), unit="D").strftime("%Y-%m-%d"),
            "tin": [
                f"{a}-{b:02d}-{c:04d}"
                for a, b, c in zip(
                    rng.integers(900, 1000, rows),
                    rng.integers(1, 100, rows),
                    rng.integers(1, 10000, rows),
                    strict=True,
                )
            ],
            "street": [f"{n} Main St" for n in rng.integers(1, 9999, rows)],
            "unit": "",
            "city": "Springfield",
            "state": "IL",
            "zip": [f"{z:05d}" for z in rng.integers(501, 99950, rows)],
            "reason": "named in case file",
            "case_number": "CASE-1",
        }
    )
    text = df.to_csv(index=False)
    if broken:
        lines = text.split("\n")
        step = max(1, rows // broken)
        for k in range(broken):
            i = 1 + k * step
            lines[i] = lines[i].replace(",", ',"', 1)  # an unterminated quote
        text = "\n".join(lines)
    (folder / "subjects.csv").write_text(text, encoding="utf-8")
    (folder / "manifest.yaml").write_text(
        f"format: fti/request/v1\nid: BENCH-{broken}\nreceived: 2025-06-04\n"
        'authority: "6103(i)(2)"\nrequester: {agency: DOJ, position: us-attorney}\n'
        "purpose: {kind: criminal-investigation}\nsubjects: subjects.csv\n"
    )
    return folder / "manifest.yaml"


def _peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3)


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn(*args)
    return out, round(time.perf_counter() - t, 2)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_300_000)
    ap.add_argument("--postgres", default=os.environ.get("FTI_TEST_DATABASE_URL"))
    ap.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = ap.parse_args()
    results: dict[str, object] = {
        "rows": args.rows,
        "machine": f"{platform.machine()}, {psutil.cpu_count()} cpus, Python {platform.python_version()}",
    }
    with tempfile.TemporaryDirectory() as tmp:
        clean_dir = Path(tmp) / "clean"
        clean_dir.mkdir()
        # Generate in a child process so that its memory does not count as intake's.
        with ProcessPoolExecutor(1) as pool:
            clean = pool.submit(write_request, clean_dir, args.rows, 0).result()
        broken_dir = Path(tmp) / "broken"
        broken_dir.mkdir()
        with ProcessPoolExecutor(1) as pool:
            broken = pool.submit(write_request, broken_dir, args.rows, 20).result()
        results["csv_mb"] = round((clean.parent / "subjects.csv").stat().st_size / 1e6, 1)
        results["load_average_at_start"] = round(os.getloadavg()[0], 1)
        parsed, results["load_request_clean_s"] = timed(load_request, clean)
        assert parsed.accepted == args.rows, parsed.accepted
        results["peak_rss_mb_after_load"] = _peak_mb()
        store = StateStore(f"sqlite:///{tmp}/state.db")
        store.create_all()
        _, results["receive_sqlite_s"] = timed(receive, parsed, store)
        if args.postgres:
            import sqlalchemy as sa

            store_pg = StateStore(args.postgres)
            store_pg.create_all()
            key = sa.text("DELETE FROM requests WHERE external_id = 'BENCH-0'")
            with store_pg.engine.begin() as c:  # a rerun must insert again, not be idempotent
                c.execute(key)
            _, results["receive_postgresql_s"] = timed(receive, parsed, store_pg)
            with store_pg.engine.begin() as c:
                c.execute(key)
            store_pg.dispose()
        results["peak_rss_mb_after_receive"] = _peak_mb()
        del parsed
        gc.collect()
        p2, results["load_request_20_broken_lines_s"] = timed(load_request, broken)
        results["broken_rows_rejected"] = p2.rejected_rows
        results["broken_rows_accepted"] = p2.accepted
        results["peak_rss_mb"] = _peak_mb()
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    md = ["| measure | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in results.items())]
    (args.out / "results.md").write_text("\n".join(md) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
