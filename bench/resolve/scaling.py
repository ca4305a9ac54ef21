"""Scaling curve: one request (ice-2025, 100k subjects) against 1M, 3M and 10M-person vaults,
on DuckDB and on Spark, on this machine — the measured base of the 250M × 7M plan
(``SCALING.md``).

Each step is its own child process (wall time and the peak RSS of its whole process tree,
sampled by ``run.measure``):

- ``build``: the vault's normalized index (``resolve.index.build``), once per vault;
- ``train``: the model (u from the vault, m from synthetic copies) and its calibration;
- ``duckdb``: the request on the trained vault (the per-request cost, as ``ours``);
- ``spark``: the same request on Spark ``local[N]`` with the web UI on, so the child can read
  each stage's input, shuffle write and shuffle read bytes from Spark's own REST API
  (``/api/v1/applications/<id>/stages``) before it stops — the shuffle volume the plan scales.

The Spark result is held to DuckDB's subject for subject (status and taxpayer), as the
cluster test does. Command (README.md)::

    python bench/resolve/scaling.py run --people 1000000,3000000,10000000 \\
        --spark-people 1000000,3000000 --subjects 100000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import datasets as ds  # noqa: E402
import run as runner  # noqa: E402

RESULTS = HERE / "results"


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def child(step: str, vault_dir: Path, subjects: Path, models: Path, out: Path, cores: int) -> None:
    """One step, in this process; writes its own figures to ``out`` (JSON, or the matches
    Parquet beside it for the resolve steps)."""
    from dataclasses import replace

    from fti_gateway.resolve import ResolveSettings, resolve
    from fti_gateway.resolve import index as _index
    from fti_gateway.resolve.io import read_table
    from fti_gateway.resolve.training import train as _train
    from fti_gateway.vault.access import VaultReader
    from fti_gateway.vault.store import Vault

    vault = VaultReader(Vault(vault_dir))
    s = ResolveSettings()
    figures: dict[str, Any] = {}
    if step == "build":
        idx = _index.locate(vault, models)
        with idx.building():
            vault.ensure_no_duplicates()
            _index.build(vault, idx, s)
        figures["index_bytes"] = _du(idx.dir)
    elif step == "train":
        idx = _index.locate(vault, models)
        with idx.building():
            _train(vault, idx, s)
    else:
        subj = read_table(subjects, "subjects")
        if step == "spark":
            from fti_gateway.resolve.backends.spark import spark_session

            parts = 4 * cores
            spark = spark_session(
                f"local[{cores}]",
                {
                    "spark.ui.enabled": "true",
                    "spark.ui.port": "4077",
                    "spark.sql.shuffle.partitions": str(parts),
                    "spark.default.parallelism": str(parts),
                    "spark.driver.memory": "6g",
                },
            )
            s = replace(s, backend="spark", spark_master=f"local[{cores}]", spark_partitions=parts)
        t = time.monotonic()
        res = resolve(subj, vault, models_dir=models, settings=s)
        figures["resolve_s"] = round(time.monotonic() - t, 1)
        res[["subject_id", "taxpayer_id", "status"]].to_parquet(out.with_suffix(".parquet"))
        figures["statuses"] = res["status"].value_counts().to_dict()
        if step == "spark":
            figures.update(_spark_stages(spark))
            spark.stop()
    out.write_text(json.dumps(figures))


def _spark_stages(spark: Any) -> dict[str, Any]:
    """Totals over the application's completed stages, from Spark's monitoring REST API."""
    app = spark.sparkContext.applicationId
    url = f"{spark.sparkContext.uiWebUrl}/api/v1/applications/{app}/stages?status=complete"
    with urllib.request.urlopen(url, timeout=30) as r:  # loopback: our own Spark UI
        stages = json.load(r)
    keys = ("inputBytes", "shuffleWriteBytes", "shuffleReadBytes", "outputBytes")
    total = {k: sum(int(st.get(k, 0)) for st in stages) for k in keys}
    return {
        "spark_stages": len(stages),
        "spark_tasks": sum(int(st.get("numCompleteTasks", 0)) for st in stages),
        **{f"spark_{k}": v for k, v in total.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    one = sub.add_parser("one", help="(internal) one step in this process")
    one.add_argument("--step", required=True, choices=("build", "train", "duckdb", "spark"))
    for name in ("vault", "subjects", "models", "out"):
        one.add_argument(f"--{name}", type=Path, required=True)
    one.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    r = sub.add_parser("run", help="the curve: every size, every step, one run")
    r.add_argument("--people", default="1000000,3000000,10000000")
    r.add_argument("--spark-people", default="1000000,3000000")
    r.add_argument("--subjects", type=int, default=100_000)
    r.add_argument("--work", type=Path, default=Path("/tmp/fti-bench-resolve"))
    r.add_argument("--timeout", type=float, default=3 * 3600)
    r.add_argument("--results", type=Path, default=RESULTS / "scaling.json")
    a = ap.parse_args()
    if a.cmd == "one":
        child(a.step, a.vault, a.subjects, a.models, a.out, a.cores)
        return
    import pandas as pd

    fti = str(Path(sys.executable).with_name("fti"))
    spark_sizes = {int(x) for x in a.spark_people.split(",") if x}
    # rows of sizes not run now are kept: the curve can be filled in one size at a time
    rows: list[dict[str, Any]] = []
    if a.results.exists():
        ran = {int(x) for x in a.people.split(",")}
        rows = [r for r in json.loads(a.results.read_text())["rows"] if r["people"] not in ran]
    for people in (int(x) for x in a.people.split(",")):
        d = ds.synth(a.work.resolve(), people, a.subjects, fti)
        models = a.work / d.name / "models-scaling"
        if models.exists():
            import shutil

            shutil.rmtree(models)
        steps = ["build", "train", "duckdb"] + (["spark"] if people in spark_sizes else [])
        for step in steps:
            out = a.work / d.name / f"scaling-{step}.json"
            out.unlink(missing_ok=True)
            cmd = [sys.executable, str(Path(__file__).resolve()), "one", "--step", step]
            cmd += ["--vault", str(d.vault_dir.resolve()), "--subjects", str(d.subjects.resolve())]
            cmd += ["--models", str(models.resolve()), "--out", str(out.resolve())]
            load = os.getloadavg()[0]
            rc, wall, peak, log = runner.measure(cmd, a.timeout)
            row: dict[str, Any] = {
                "people": people,
                "subjects": a.subjects,
                "step": step,
                "wall_s": round(wall, 1),
                "peak_rss_mb": round(peak / 2**20),
                "load_before": round(load, 2),
                "exit": rc,
            }
            if rc == 0 and out.exists():
                row.update(json.loads(out.read_text()))
            else:
                row["error"] = (log.strip().splitlines() or ["killed"])[-1]
            if step == "spark" and rc == 0:
                duck = pd.read_parquet(out.with_name("scaling-duckdb.parquet"))
                spk = pd.read_parquet(out.with_suffix(".parquet"))
                both = duck.merge(spk, on="subject_id", suffixes=("_d", "_s"))
                same = (both["status_d"] == both["status_s"]) & (
                    both["taxpayer_id_d"].fillna("") == both["taxpayer_id_s"].fillna("")
                )
                row["differs_from_duckdb"] = int((~same).sum()) + abs(len(duck) - len(both))
            rows.append(row)
            print(json.dumps(row), flush=True)
            a.results.parent.mkdir(parents=True, exist_ok=True)
            a.results.write_text(
                json.dumps(
                    {
                        "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
                        "command": " ".join(sys.argv),
                        "rows": rows,
                    },
                    indent=2,
                )
                + "\n"
            )


if __name__ == "__main__":
    main()
