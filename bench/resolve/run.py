"""Resolve benchmark: ours vs Splink's standard model vs recordlinkage ECM, same inputs, one run.

Each system runs in its own child process; the parent records wall time and the peak RSS
of the child's whole process tree (psutil, sampled every 0.1 s), then scores its matches with
``fti_gateway.resolve.evaluate`` (precision over subjects resolved as match; recall over
subjects whose person is in the vault). See README.md for the exact command.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import datasets as ds  # noqa: E402
import peers  # noqa: E402
import sweep  # noqa: E402

SHARED = Path(os.environ.get("FTI_SHARED_DATA", "/work/shared/data"))


def run_one(system: str, vault_dir: Path, subjects: Path, out: Path, models: Path) -> None:
    from fti_gateway.resolve import ResolveSettings, resolve
    from fti_gateway.resolve.io import read_table
    from fti_gateway.vault.access import VaultReader
    from fti_gateway.vault.store import Vault

    subj = read_table(subjects, "subjects")
    vault = VaultReader(Vault(vault_dir))  # the gate's reader, without a policy decision
    if system in ("ours", "ours-cold", "ours-spark"):
        s = ResolveSettings(backend="spark" if system == "ours-spark" else "duckdb")
        res = resolve(subj, vault, models_dir=models, settings=s)
    elif system == "ours-train":
        from fti_gateway.resolve import train

        train(vault, models)
        res = pd.DataFrame(
            {"subject_id": subj["subject_id"], "taxpayer_id": None, "status": "no_match"}
        )
    elif system in ("splink-standard", "splink-standard-tin"):
        tin = system.endswith("-tin")
        res = peers.splink_standard(vault.master_glob, str(subjects), tin=tin)
    elif system == "recordlinkage-ecm":
        res = peers.recordlinkage_ecm(peers.load_vault_latest(vault.master_glob), subj)
    else:
        raise SystemExit(f"unknown system {system}")
    if system in ("ours", "ours-cold", "ours-spark"):
        # per subject: the best candidate and the score the sweep runs over (sweep.py), read
        # from what resolve returns; the calibrated threshold is in every explanation
        per = sweep.ours_scores(res)
        res["candidate"], res["score"] = per["candidate"].to_numpy(), per["score"].to_numpy()
        res["operating"] = _calibrated(res)
    # candidate_review (ours only) tells a lone candidate sent to review, and one the
    # review cap turned back, from the rest (see resolve/candidates.py)
    cols = ("subject_id", "taxpayer_id", "status", "candidate_review", "candidate", "score")
    keep = [c for c in (*cols, "match_probability", "operating") if c in res]
    res[keep].to_parquet(out, index=False)


def _calibrated(res: pd.DataFrame) -> float:
    """Ours' operating threshold (bits): the calibrated one, as each explanation states it."""
    for e in res["explanation"]:
        if isinstance(e, str):
            return float(json.loads(e)["threshold"])
    return float("nan")


# What each system's sweep runs over, and its own operating point on that scale.
SWEPT = {
    "ours": "match weight (bits) of the best candidate, among subjects its rules let match "
    "(deterministic matches at any threshold; see sweep.ours_scores); operating point: the "
    "calibrated threshold",
    "splink-standard": "Splink match_weight (bits) of the best candidate (pairs predicted with "
    "p ≥ 0.001); operating point p ≥ 0.99, i.e. weight ≥ log2(99)",
    "recordlinkage-ecm": "ECM posterior probability (ECMClassifier.prob) of the best pair; "
    "operating point: ECM's own class (link)",
}
SWEPT["splink-standard-tin"] = SWEPT["splink-standard"] + " (with a TIN comparison)"
OPERATING = {
    "splink-standard": math.log2(99),
    "splink-standard-tin": math.log2(99),
    "recordlinkage-ecm": 0.5,
}


def equal_precision(system: str, out: Path, truth: pd.DataFrame, in_vault: int) -> dict:
    """Recall at precision ≥ 0.999 / 0.9995 over the system's own scores (sweep.py)."""
    m = pd.read_parquet(out)
    if "score" not in m:
        return {}
    m["candidate"] = m["candidate"].astype(object).where(m["candidate"].notna(), None)
    correct = sweep.mark_correct(m, truth)
    op = float(m["operating"].iloc[0]) if "operating" in m and len(m) else OPERATING.get(system)
    key = "ours" if system.startswith("ours") else system
    return {
        "swept": SWEPT.get(key, ""),
        **sweep.summary(m["score"], correct, in_vault, operating=op),
    }


def measure(cmd: list[str], timeout: float) -> tuple[int, float, int, str]:
    """Run one system in a child process in a scratch directory of its own: a peer killed at
    the timeout leaves its engine's spill files (DuckDB's ``.tmp/``) there, not in the repo."""
    import shutil
    import tempfile

    start = time.monotonic()
    scratch = tempfile.mkdtemp(prefix="fti-bench-child-")
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=scratch
    )
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            rss = ps.memory_info().rss + sum(
                c.memory_info().rss for c in ps.children(recursive=True)
            )
            peak = max(peak, rss)
        except psutil.Error:
            pass
        if time.monotonic() - start > timeout:
            proc.kill()
            break
        time.sleep(0.1)
    out = proc.stdout.read() if proc.stdout else ""
    rc = proc.wait()
    shutil.rmtree(scratch, ignore_errors=True)
    return rc, time.monotonic() - start, peak, out[-2000:]


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    one = sub.add_parser("one")
    one.add_argument("--system", required=True)
    one.add_argument("--vault", type=Path, required=True)
    one.add_argument("--subjects", type=Path, required=True)
    one.add_argument("--out", type=Path, required=True)
    one.add_argument("--models", type=Path, required=True)
    run = sub.add_parser("run")
    run.add_argument("--datasets", default="febrl4,fake_1000,historical_50k,synth-1000000x100000")
    run.add_argument("--systems", default="ours-cold,ours,splink-standard,recordlinkage-ecm")
    run.add_argument("--work", type=Path, default=Path("/tmp/fti-bench-resolve"))
    run.add_argument("--results", type=Path, default=HERE / "results")
    run.add_argument("--timeout", type=float, default=4 * 3600)
    a = ap.parse_args()
    if a.cmd == "one":
        run_one(a.system, a.vault, a.subjects, a.out, a.models)
        return
    from fti_gateway.resolve import evaluate

    a.work = a.work.resolve()  # the children run in scratch directories of their own
    a.work.mkdir(parents=True, exist_ok=True)
    a.results.mkdir(parents=True, exist_ok=True)
    fti = str(Path(sys.executable).with_name("fti"))
    for name in a.datasets.split(","):
        if name == "febrl4":
            d = ds.febrl4(a.work)
        elif name == "fake_1000":
            d = ds.fake_1000(a.work, SHARED)
        elif name == "historical_50k":
            d = ds.historical_50k(a.work, SHARED)
        elif name.startswith("synth-"):
            dims, _, kind = name.removeprefix("synth-").partition("-")
            people, size = (int(x) for x in dims.split("x"))
            d = ds.synth(a.work, people, size, fti, kind=kind or "ice-2025")
        else:
            raise SystemExit(f"unknown dataset {name}")
        truth = pd.read_csv(d.truth, dtype=str, keep_default_na=False).replace({"": None})
        rows = []
        models = a.work / d.name / "models-bench"
        for system in a.systems.split(","):
            if system == "ours-cold" and models.exists():
                import shutil

                shutil.rmtree(models)
            out = a.work / d.name / f"matches-{system}.parquet"
            cmd = [
                sys.executable,
                str(Path(__file__).resolve()),
                "one",
                "--system",
                system,
                "--vault",
                str(d.vault_dir.resolve()),
                "--subjects",
                str(d.subjects.resolve()),
                "--out",
                str(out.resolve()),
                "--models",
                str(models.resolve()),
            ]
            rc, wall, peak, log = measure(cmd, a.timeout)
            row: dict[str, object] = {
                "dataset": d.name,
                "system": system,
                "wall_s": round(wall, 1),
                "peak_rss_mb": round(peak / 2**20),
                "exit": rc,
            }
            if rc == 0 and out.exists():
                ev = evaluate(pd.read_parquet(out), truth)
                row.update({k: v for k, v in ev.as_dict().items()})
                row["sweep"] = equal_precision(system, out, truth, ev.in_vault)
            else:
                row["error"] = log.strip().splitlines()[-1] if log.strip() else "killed"
            rows.append(row)
            brief = {k: v for k, v in row.items() if k != "sweep"}
            sw: dict = row.get("sweep") or {}  # type: ignore[assignment]
            brief.update({k: v for k, v in sw.items() if k.startswith(("at_", "operating"))})
            print(json.dumps(brief), flush=True)
        (a.results / f"{d.name}.json").write_text(json.dumps(rows, indent=2) + "\n")
    # one command makes everything: tables, equal-precision columns and PR charts
    import report

    report.main(a.results)


if __name__ == "__main__":
    main()
