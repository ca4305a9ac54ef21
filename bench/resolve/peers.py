"""The peers, run on exactly the same inputs as ours.

(a) **Splink 5 standard model**, tutorial style: Jaro-Winkler levels on first name and surname
    (``NameComparison``), ``DateOfBirthComparison``, Jaro-Winkler on the street line, exact
    ZIP (the tutorial's ``PostcodeComparison`` parses UK postcodes, so ZIPs get ``ExactMatch``
    with a term-frequency adjustment), exact city; blocking on name and DOB; λ from a
    deterministic rule, u by random sampling, m by EM — all at run time. Inputs get the
    tutorial's cleaning (lower case, trimmed). A subject's best candidate (highest match
    weight) with p ≥ 0.99 is its match (as in the issue's reference figure); that candidate's
    match weight is the score the equal-precision sweep runs over.
(b) **recordlinkage ECM**: blocking on surname and on DOB, binary Jaro-Winkler/exact
    features, ``ECMClassifier``; a subject's best pair by ECM's posterior is its match when ECM
    classes it a link; the posterior is the score the sweep runs over. Skipped (and recorded as
    not finished) when the candidate pairs exceed a cap it cannot hold in memory here.
"""

from __future__ import annotations

import logging

import duckdb
import pandas as pd

COLS = ["first_name", "last_name", "dob", "street", "city", "zip"]


def _clean(df: pd.DataFrame, id_col: str) -> pd.DataFrame:
    out = pd.DataFrame({"unique_id": df[id_col].astype(str)})
    for c in COLS:
        v = df[c] if c in df.columns else pd.Series([None] * len(df), index=df.index)
        v = v.astype("string").str.lower().str.strip()
        out[c] = v.where(v.notna() & (v != ""), None).astype(object)
    out["dob"] = out["dob"].map(lambda d: None if d is None else str(d)[:10])
    out["zip"] = out["zip"].map(lambda z: None if z is None else str(z)[:5])
    return out


def load_vault_latest(vault_glob: str) -> pd.DataFrame:
    con = duckdb.connect()
    df = con.execute(
        f"""SELECT * FROM read_parquet('{vault_glob}', union_by_name = true)
            QUALIFY row_number() OVER (PARTITION BY taxpayer_id ORDER BY tax_year DESC) = 1"""
    ).df()
    con.close()
    return df


def _clean_sql(source: str, id_col: str, prefix: str, tin: bool = False) -> str:
    """The tutorial's cleaning (lower case, trimmed, empty → NULL) in DuckDB SQL; with
    ``tin``, the TIN as its nine digits (dashes and spaces dropped)."""

    def c(col: str) -> str:
        return f"nullif(lower(trim(CAST({col} AS VARCHAR))), '')"

    digits = f", nullif(regexp_replace({c('tin')}, '[^0-9]', '', 'g'), '') AS tin" if tin else ""
    return f"""
        SELECT '{prefix}' || CAST({id_col} AS VARCHAR) AS unique_id,
               {c("first_name")} AS first_name, {c("last_name")} AS last_name,
               substr({c("dob")}, 1, 10) AS dob, {c("street")} AS street,
               {c("city")} AS city, substr({c("zip")}, 1, 5) AS zip{digits}
        FROM {source}"""


def splink_standard(vault_glob: str, subjects_csv: str, tin: bool = False) -> pd.DataFrame:
    """Inputs are read and cleaned inside DuckDB (no pandas copy of the vault), so the
    model's own memory is what is measured. ``tin`` (system ``splink-standard-tin``, the
    peer issue 20 times ``fti resolve`` against): the same model plus a TIN comparison
    (exact, one edit, else) and a blocking rule on the TIN."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    con = duckdb.connect()
    con.execute(
        f"""CREATE TABLE subj AS {
            _clean_sql(f"read_csv('{subjects_csv}', all_varchar = true)", "subject_id", "s|", tin)
        };
            CREATE TABLE vault AS {
            _clean_sql(
                f"(SELECT * FROM read_parquet('{vault_glob}', union_by_name = true) "
                "QUALIFY row_number() OVER (PARTITION BY taxpayer_id ORDER BY tax_year DESC) = 1)",
                "taxpayer_id",
                "v|",
                tin,
            )
        };"""
    )
    comparisons = [
        cl.NameComparison("first_name"),
        cl.NameComparison("last_name"),
        cl.DateOfBirthComparison("dob", input_is_string=True),
        cl.JaroWinklerAtThresholds("street", [0.9, 0.7]),
        cl.ExactMatch("zip").configure(term_frequency_adjustments=True),
        cl.ExactMatch("city"),
    ]
    blocking = [
        block_on("first_name", "last_name"),
        block_on("last_name", "dob"),
        block_on("first_name", "dob"),
    ]
    if tin:
        comparisons.append(cl.LevenshteinAtThresholds("tin", [1]))
        blocking.append(block_on("tin"))
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
    )
    api = DuckDBAPI(connection=con)
    linker = Linker(
        [api.register("subj"), api.register("vault")], settings, log_level=logging.WARNING
    )
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "last_name")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    # down to p = 0.001 (weight ≈ −10): the sweep needs the low end of the curve too
    pred = linker.inference.predict(threshold_match_probability=0.001)
    # Each subject's best candidate, whatever its probability (down to predict's 0.001), and its
    # match weight: the sweep (sweep.py) runs over the weight, which unlike the probability
    # does not saturate at 1.0 in floating point.
    best = con.execute(
        f"""SELECT uid_l, uid_r, match_weight, match_probability FROM (
              SELECT CASE WHEN starts_with(unique_id_l, 's|') THEN unique_id_l ELSE unique_id_r END AS uid_l,
                     CASE WHEN starts_with(unique_id_l, 's|') THEN unique_id_r ELSE unique_id_l END AS uid_r,
                     match_weight, match_probability FROM {pred.physical_name})
            QUALIFY row_number() OVER (PARTITION BY uid_l ORDER BY match_weight DESC, uid_r) = 1"""
    ).df()
    ids = con.execute("SELECT substr(unique_id, 3) AS subject_id FROM subj").df()
    best["subject_id"] = best["uid_l"].str[2:]
    best["candidate"] = best["uid_r"].str[2:]
    ids = ids.merge(
        best[["subject_id", "candidate", "match_weight", "match_probability"]],
        on="subject_id",
        how="left",
    )
    is_match = ids["match_probability"].fillna(0.0) >= 0.99
    ids["taxpayer_id"] = ids["candidate"].where(is_match, None)
    ids["status"] = is_match.map({True: "match", False: "no_match"})
    ids["score"] = ids["match_weight"]
    return ids


def recordlinkage_ecm(
    vault: pd.DataFrame, subjects: pd.DataFrame, max_pairs: int | None = None
) -> pd.DataFrame:
    """``max_pairs``: the cap on candidate pairs (default ``FTI_BENCH_ECM_MAX_PAIRS`` or
    20M): recordlinkage builds them all in memory, on a machine shared with other jobs."""
    import os

    import recordlinkage

    if max_pairs is None:
        max_pairs = int(os.environ.get("FTI_BENCH_ECM_MAX_PAIRS", "20000000"))

    left = _clean(subjects, "subject_id").set_index("unique_id")
    right = _clean(vault, "taxpayer_id").set_index("unique_id")
    # Count pairs before building them: the full index must fit in memory here.
    est = 0
    for col in ("last_name", "dob"):
        a = left[col].value_counts()
        b = right[col].value_counts()
        est += int((a * b.reindex(a.index).fillna(0)).sum())
    if est > max_pairs:
        raise MemoryError(
            f"recordlinkage would build about {est:,} candidate pairs (cap {max_pairs:,})"
        )
    idx = recordlinkage.Index()
    idx.block("last_name")
    idx.block("dob")
    pairs = idx.index(left, right)
    c = recordlinkage.Compare()
    c.string("first_name", "first_name", method="jarowinkler", threshold=0.85, label="fn")
    c.string("last_name", "last_name", method="jarowinkler", threshold=0.85, label="ln")
    c.exact("dob", "dob", label="dob")
    c.string("street", "street", method="jarowinkler", threshold=0.85, label="street")
    c.exact("zip", "zip", label="zip")
    c.exact("city", "city", label="city")
    feats = c.compute(pairs, left, right).fillna(0).astype(int)
    ecm = recordlinkage.ECMClassifier(binarize=None)
    links = ecm.fit_predict(feats)
    # ECM's posterior for every pair (not only the predicted links): the sweep (sweep.py)
    # runs over it. A link is a pair ECM classes as a match (posterior ≥ 0.5).
    linked = pd.Series(True, index=links).reindex(feats.index, fill_value=False)
    best = pd.DataFrame(
        {
            "subject_id": feats.index.get_level_values(0).astype(str),
            "candidate": feats.index.get_level_values(1).astype(str),
            "p": ecm.prob(feats),
            "link": linked.to_numpy(),
        }
    )
    best = best.sort_values(
        ["subject_id", "p", "candidate"], ascending=[True, False, True], kind="stable"
    ).drop_duplicates("subject_id")
    out = pd.DataFrame({"subject_id": subjects["subject_id"].astype(str)})
    out = out.merge(best, on="subject_id", how="left")
    is_match = out["link"].fillna(False).astype(bool)
    out["taxpayer_id"] = out["candidate"].where(is_match, None)
    out["status"] = is_match.map({True: "match", False: "no_match"})
    out["score"] = out["p"]
    out["match_probability"] = out["p"]
    return out.drop(columns=["p", "link"])
