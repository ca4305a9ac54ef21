"""Where recall is lost: every true pair a run did not match, with what the model made of it.

For one benchmark data set (made by ``run.py``, its vault trained by an ``ours-cold`` run) this
resolves the subjects again in-process (DuckDB) and reads, for each subject whose person is in
the vault:

- the outcome (match right / wrong, review with its reasons, no candidate);
- whether the blocking rules reach the true pair at all (pairs completeness of the
  candidate generation);
- the true pair scored by the trained model regardless of blocking: its weight against the
  threshold, and the level it reached on each comparison.

It prints counts (outcomes, guard reasons, level patterns of the missed pairs, how far short
of the threshold they fall) and writes every missed pair to ``--out`` (CSV) to read by eye::

    PYTHONPATH=$PWD/src python bench/resolve/misses.py --dataset febrl4 --out /tmp/febrl4-misses.csv
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _find(work: Path, name: str) -> tuple[Path, Path, Path, Path]:
    d = work / name
    if name.startswith("synth-"):
        return d / "home" / "vault", d / "req" / "subjects.csv", d / "req" / "truth.csv", d
    return d / "vault", d / "subjects.csv", d / "truth.csv", d


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--work", type=Path, default=Path("/tmp/fti-bench-resolve"))
    ap.add_argument("--models", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--show", type=int, default=15)
    a = ap.parse_args()

    from fti_gateway.resolve import ResolveSettings, resolve
    from fti_gateway.resolve.backends.duckdb import DuckDBBackend
    from fti_gateway.resolve.index import VaultIndex
    from fti_gateway.resolve.io import read_table
    from fti_gateway.resolve.levels import level_codes
    from fti_gateway.resolve.scoring import Scorer, _prefilter_sql, level_weights, load_model
    from fti_gateway.resolve.subjects import prepare
    from fti_gateway.resolve.training import load_meta
    from fti_gateway.vault.access import VaultReader
    from fti_gateway.vault.store import Vault

    vault_dir, subjects_path, truth_path, d = _find(a.work, a.dataset)
    models = a.models or d / "models-bench"
    subj = read_table(subjects_path, "subjects")
    truth = pd.read_csv(truth_path, dtype=str, keep_default_na=False).replace({"": None})
    truth = truth[truth["taxpayer_id"].notna()]
    s = ResolveSettings()
    res = resolve(subj, VaultReader(Vault(vault_dir)), models_dir=models, settings=s)
    folder = next(p for p in (models / "resolve").iterdir() if (p / "meta.json").is_file())
    idx = VaultIndex(folder, folder.name)
    meta = load_meta(idx)
    n = int(meta["taxpayers"])  # type: ignore[call-overload]
    threshold = float(meta["calibrated_threshold"])  # type: ignore[arg-type]
    model = load_model(idx.model_path, min(0.5, s.in_vault_share / n))
    labels = level_weights(model)

    res = res.merge(truth.rename(columns={"taxpayer_id": "true_tp"}), on="subject_id")
    res["outcome"] = "no candidate"
    res.loc[res["status"] == "ambiguous", "outcome"] = "review"
    res.loc[(res["status"] == "match") & (res["taxpayer_id"] == res["true_tp"]), "outcome"] = (
        "right"
    )
    res.loc[(res["status"] == "match") & (res["taxpayer_id"] != res["true_tp"]), "outcome"] = (
        "wrong"
    )
    print(f"{a.dataset}: {len(res)} subjects in the vault; threshold {threshold:.2f} bits")
    print(res["outcome"].value_counts().to_string())
    reasons: Counter[str] = Counter()
    for e, o in zip(res["explanation"], res["outcome"], strict=True):
        if o in ("review", "no candidate"):
            for r in json.loads(e).get("reasons", []):
                reasons[r[:110]] += 1
    print("\nreasons among the missed:")
    for r, k in reasons.most_common(20):
        print(f"{k:7d}  {r}")

    # The true pairs, scored whatever the blocking, and whether blocking reaches them.
    missed = res[res["outcome"] != "right"]
    prepared = prepare(subj[subj["subject_id"].isin(missed["subject_id"])])
    prepared = prepared.merge(missed[["subject_id", "true_tp"]], on="subject_id")
    b = DuckDBBackend(idx, s)
    try:
        b.load("ms", prepared)
        sc = Scorer(b, model)
        b.execute(_prefilter_sql(sc._rules(), "ms", b, "r.uid, r.taxpayer_id"), "blocked_recs")
        # a record is reached when some rule pairs it with its own subject (not only any subject)
        rules_sql = [r.get_blocking_rule("duckdb").blocking_rule_sql for r in sc._rules()]
        reach = b.query(
            "SELECT DISTINCT l.subject_id FROM ms l JOIN records r ON r.taxpayer_id = l.true_tp "
            f"WHERE {' OR '.join(f'({x})' for x in rules_sql)}"
        )
        b.execute(
            "SELECT r.* FROM records r WHERE taxpayer_id IN (SELECT true_tp FROM ms)",
            "truth_recs",
        )
        # the subject's own taxpayer id heads its subject_id (kept unique by its uid): the one
        # rule pairs them
        b.execute("SELECT * REPLACE (true_tp || '|' || uid AS subject_id) FROM ms", "ms_t")
        sc.model = dict(model)
        sc.model["blocking_rules_to_generate_predictions"] = [
            {
                "blocking_rule": 'split_part(l."subject_id", \'|\', 1) = r."taxpayer_id"',
                "sql_dialect": "duckdb",
            }
        ]
        logging.getLogger("splink").setLevel(logging.ERROR)
        pairs = sc.score("ms_t", floor=-200.0, keep=1_000_000, records="truth_recs")
        own = dict(zip(prepared["uid"], prepared["subject_id"], strict=True))
        pairs["subject_id"] = pairs["uid_l"].map(own)
    finally:
        b.close()
    reached = set(reach["subject_id"])
    codes = level_codes(pairs, labels)
    pat = pd.DataFrame({c: [labels[c][k + 1][1] for k in codes[c]] for c in labels if c in codes})
    pat["subject_id"] = pairs["subject_id"].to_numpy()
    pat["true_weight"] = pairs["match_weight"].round(2).to_numpy()
    out = missed.merge(pat, on="subject_id", how="left")
    out["blocked"] = out["subject_id"].isin(reached)
    print(f"\nmissed {len(out)}; blocking reaches the true pair for {int(out['blocked'].sum())}")
    short = out["true_weight"] - threshold
    bins = pd.cut(short, [-1e9, -30, -20, -10, -5, -2, 0, 1e9])
    print("\ntrue pair's weight minus threshold, by outcome:")
    print(pd.crosstab(bins, out["outcome"]).to_string())
    for c in labels:
        if c in out:
            print(f"\n{c} level among the missed:")
            print(out[c].value_counts().head(8).to_string())
    combo = out[[c for c in labels if c in out]].astype(str).agg(" | ".join, axis=1)
    print("\ncommonest level patterns of the missed:")
    print(combo.value_counts().head(a.show).to_string())
    if a.out:
        raw = subj.set_index("subject_id")
        out = out.join(raw, on="subject_id", rsuffix="_subj")
        out.drop(columns=["explanation"]).to_csv(a.out, index=False)
        print(f"\nwritten {a.out}")


if __name__ == "__main__":
    main()
