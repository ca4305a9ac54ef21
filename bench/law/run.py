"""Benchmark: law findings for a 1.3-million-subject (i)(2) request (ICE June 2025 scale).

Builds a synthetic subjects table shaped like the 2025 file — about 1.28 million names,
most with a real-looking address, a large share with placeholders ("Failed to Provide",
"Unknown Address", "NA NA", bare ZIPs, …), a few detention facilities, per-subject reasons
that are mostly one boilerplate sentence — then times ``decide`` (request checks, element
allowance, vectorized per-subject findings) and ``check_resolved`` (match status + (i)(6)).

    .venv/bin/python -m bench.law.run [--subjects 1300000] [--repeat 3] [--out bench/law/results.json]

Only synthetic data; TINs from the never-issued 900–999 area.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from fti_gateway.intake.models import Manifest
from fti_gateway.law import check_resolved, decide, load_registry

STREETS = [
    "Oak St",
    "Pine Ave",
    "Maple Dr",
    "Cedar Ln",
    "Elm St",
    "Calle Sol",
    "Bellaire Blvd",
    "Main St",
]
CITIES = [
    ("Houston", "TX", "77002"),
    ("Miami", "FL", "33101"),
    ("Los Angeles", "CA", "90012"),
    ("Chicago", "IL", "60601"),
    ("Phoenix", "AZ", "85004"),
    ("Newark", "NJ", "07102"),
]
PLACEHOLDERS = [
    "Failed to Provide",
    "Unknown Address",
    "NA NA",
    "N/A",
    "None",
    "Unknown",
    "TBD",
    "No address",
    "Don't care 12345",
    "",
    "failed-to-provide",
    "UNKNOWN  ADDRESS",
]


def subjects(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.char.add("ICE-", np.arange(n).astype(str))
    city_ix = rng.integers(0, len(CITIES), n)
    city = np.array([c[0] for c in CITIES], dtype=object)[city_ix]
    state = np.array([c[1] for c in CITIES], dtype=object)[city_ix]
    zips = np.array([c[2] for c in CITIES], dtype=object)[city_ix]
    number = rng.integers(1, 20000, n).astype(str)
    street = np.char.add(
        np.char.add(number, " "), np.array(STREETS)[rng.integers(0, len(STREETS), n)]
    ).astype(object)
    kind = rng.random(n)
    ph = kind < 0.30  # ~30% placeholders (the 2025 file's unusable share was large)
    street[ph] = np.array(PLACEHOLDERS, dtype=object)[
        rng.integers(0, len(PLACEHOLDERS), int(ph.sum()))
    ]
    bare = (kind >= 0.30) & (kind < 0.35)  # bare ZIPs
    street[bare] = ""
    city = city.copy()
    city[bare] = ""
    state = state.copy()
    state[bare] = ""
    det = (kind >= 0.35) & (kind < 0.351)
    street[det] = "18201 SW 12th St"
    zips = zips.copy()
    zips[det] = "33194"
    reason = np.where(rng.random(n) < 0.9, "subject of a final order of removal", None).astype(
        object
    )
    own = reason == None  # noqa: E711 - elementwise
    reason[own] = np.char.add("removal order A", np.arange(int(own.sum())).astype(str)).astype(
        object
    )
    tin = np.char.add("9", rng.integers(10**7, 10**8, n).astype(str)).astype(object)
    return pd.DataFrame(
        {
            "subject_id": ids.astype(object),
            "first_name": "Maria",
            "middle_name": None,
            "last_name": "Gonzalez",
            "suffix": None,
            "dob": "1980-01-01",
            "tin": tin,
            "street": street,
            "unit": None,
            "city": city,
            "state": state,
            "zip": zips,
            "reason": reason,
            "case_number": None,
            "line": np.arange(2, n + 2),
        }
    )


def manifest() -> Manifest:
    return Manifest.model_validate(
        {
            "format": "fti/request/v1",
            "id": "ICE-2025-06-BULK",
            "received": "2025-06-04",
            "authority": "6103(i)(2)",
            "requester": {
                "agency": "DHS",
                "position": "agency-head",
                "in_writing": True,
                "signed": True,
            },
            "purpose": {
                "kind": "criminal-investigation",
                "statutes": ["8 U.S.C. 1253(a)(1)"],
                "reason": None,
            },
            "taxable_periods": ["2022", "2023"],
            "elements": ["identity.address"],
            "subjects": "subjects.csv",
        }
    )


_ZIP_LIKE = re.compile(r"\d{5}")


def baseline_2025(df: pd.DataFrame) -> int:
    """The 2025 process's only address check, as reported: a ZIP-like number anywhere.
    Counted for comparison; it is what let "Failed to Provide" and "NA NA" through."""
    text = (
        df["street"].fillna("")
        + " "
        + df["city"].fillna("")
        + " "
        + df["state"].fillna("")
        + " "
        + df["zip"].fillna("")
    )
    return int(text.str.contains(_ZIP_LIKE).sum())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=1_300_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("bench/law/results.json"))
    args = ap.parse_args()

    t0 = time.perf_counter()
    df = subjects(args.subjects)
    gen = time.perf_counter() - t0
    registry = load_registry()
    m = manifest()
    resolved = pd.DataFrame(
        {
            "subject_id": df["subject_id"],
            "taxpayer_id": "TP000000001",
            "status": np.where(np.arange(len(df)) % 25 == 0, "ambiguous", "match"),
            "irs.open_tax_investigation": np.arange(len(df)) % 997 == 0,
            "irs.confidential_informant": np.arange(len(df)) % 4999 == 0,
        }
    )
    decide_s, resolved_s = [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        d = decide(m, df, registry, as_of=date(2025, 6, 4))
        decide_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        d2 = check_resolved(d, resolved)
        resolved_s.append(time.perf_counter() - t)
    usable = int((d.subject_findings["rule"] != "6103(i)(2)(B)(i)").sum())
    result = {
        "benchmark": "law findings, (i)(2) bulk request",
        "command": f".venv/bin/python -m bench.law.run --subjects {args.subjects} --repeat {args.repeat}",
        "subjects": args.subjects,
        "generate_s": round(gen, 2),
        "decide_s": [round(x, 2) for x in decide_s],
        "decide_median_s": round(statistics.median(decide_s), 2),
        "check_resolved_s": [round(x, 2) for x in resolved_s],
        "check_resolved_median_s": round(statistics.median(resolved_s), 2),
        "total_findings_median_s": round(
            statistics.median(decide_s) + statistics.median(resolved_s), 2
        ),
        "subjects_not_refused_for_address": usable,
        "address_accepted_by_2025_zip_check": baseline_2025(df),
        "outcome": d.outcome.value,
        "counts": d.counts,
        "by_rule": d.by_rule(),
        "after_resolution_counts": d2.counts,
        "after_resolution_by_rule": d2.by_rule(),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "machine": {
            "cpus": psutil.cpu_count(),
            "python": platform.python_version(),
            "pandas": pd.__version__,
            "platform": platform.platform(),
        },
        "date": date.today().isoformat(),
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
