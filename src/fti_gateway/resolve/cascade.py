"""The cascade: a cheap deterministic pass, then Splink for the rest, then the guard.

1. **Deterministic pass** (one SQL join per rule, on the backend):
   - ``tin+name``: the subject's TIN equals a taxpayer's and the names are compatible
     (surname equal / one edit / shares a compound part; first name equal / nickname /
     one edit / initial; suffixes do not contradict) and DOBs do not contradict;
   - ``name+dob+address``: normalized first name, surname, DOB, street and ZIP all equal,
     and the subject's TIN (if any) equal too.
   A subject with exactly one such taxpayer is decided here (still scored with the others,
   so its explanation and runner-up are real). A TIN held by an incompatible name is recorded as a
   conflict for the guard.
2. **Probabilistic pass**: the remaining subjects (plus a first/last-transposed variant of
   each) are scored by the trained Splink model against every blocked candidate.
3. **Guard**: :mod:`.guard`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import orjson
import pandas as pd

from fti_gateway.resolve.backends.base import Backend
from fti_gateway.resolve.guard import Candidate, decide
from fti_gateway.resolve.levels import Levels, bottom, floats, level_codes, namesake_risks
from fti_gateway.resolve.normalize.frame import COMPARED
from fti_gateway.resolve.scoring import Scorer, level_weights

OUTPUT_COLUMNS = [
    "subject_id",
    "taxpayer_id",
    "status",
    "match_weight",
    "match_probability",
    "runner_up_weight",
    "explanation",
    "runner_up_taxpayer_id",
    "pass",
    # "review": a lone plausible candidate sent to review; "over_cap": one the request's
    # review cap turned back to no match (see candidates.py); null otherwise
    "candidate_review",
]


def _near(b: Backend, x: str, y: str) -> str:
    """SQL: two name parts are the same or a typo apart — one edit, one transposition
    ("Rsoa"/"Rosa"), or two edits when both are long enough that two edits do not make
    another common name."""
    return (
        f"({x} = {y} OR levenshtein({x}, {y}) <= 1"
        f" OR (levenshtein({x}, {y}) = 2 AND length({x}) = length({y})"
        f" AND {b.letters(x)} = {b.letters(y)})"
        f" OR (levenshtein({x}, {y}) <= 2 AND length({x}) >= 5 AND length({y}) >= 5))"
    )


def _first_ok(b: Backend, fn: str, alts: str | None, r: str) -> str:
    """SQL: a subject's first name ``fn`` could be record ``r``'s — a typo, a nickname
    either way or a nickname mistyped once ("Dtotie" for Dottie, of Dorothy; both of three
    letters or more), an initial, or a shortening of two letters or more ("Deb", "Chris")."""
    mine = f" OR {b.contains(alts, f'{r}.fn')}" if alts else ""
    near_nick = "length(x) >= 3 AND " + _near(b, "x", fn)
    typo_nick = f"(length({fn}) >= 3 AND {b.any_of(f'{r}.fn_alts', 'x', near_nick)})"
    return f"""({_near(b, fn, f"{r}.fn")} OR {b.contains(f"{r}.fn_alts", fn)}{mine} OR {typo_nick}
           OR ((length({fn}) = 1 OR length({r}.fn) = 1) AND substr({fn}, 1, 1) = {r}.fn_i)
           OR (length({fn}) >= 2 AND substr({r}.fn, 1, length({fn})) = {fn})
           OR (length({r}.fn) >= 2 AND substr({fn}, 1, length({r}.fn)) = {r}.fn))"""


def _last_ok(b: Backend, ln: str, head: str, tokens: str, r: str) -> str:
    """SQL: a subject's surname could be record ``r``'s — a typo of the whole, or one part of
    a compound surname as it is or mistyped ("Agurire" of "Casnillas Aguirre")."""
    return f"""({_near(b, ln, f"{r}.ln")} OR {_near(b, head, f"{r}.ln_first")}
           OR {b.has_any(tokens, f"{r}.ln_tokens")}
           OR (length({head}) >= 4 AND {b.any_of(f"{r}.ln_tokens", "x", _near(b, "x", head))}))"""


def _straight(b: Backend, s: str = "s", r: str = "r") -> str:
    """SQL: the names could be the same person's as written (first to first, last to last)."""
    return f"""({_last_ok(b, f"{s}.ln", f"{s}.ln_first", f"{s}.ln_tokens", r)}
      AND ({s}.fn IS NULL OR {r}.fn IS NULL OR {_first_ok(b, f"{s}.fn", f"{s}.fn_alts", r)}))"""


def _compatible(b: Backend, s: str = "s", r: str = "r") -> str:
    """SQL: the names on a subject and a record could be the same person's — typos, nicknames,
    initials, compound-surname parts and first/last transposed (with any of those) all pass;
    another person's name does not."""
    straight = _straight(b, s, r)
    # Transposed: the subject's first name is the record's surname (or its first part), the
    # subject's surname (its first part) the record's first name.
    swapped = f"""({s}.fn IS NOT NULL AND {r}.fn IS NOT NULL
      AND {_last_ok(b, f"{s}.fn", f"{s}.fn", b.array(f"{s}.fn"), r)}
      AND {_first_ok(b, f"{s}.ln_first", None, r)})"""
    return f"""(({straight} OR {swapped})
      AND NOT coalesce({s}.sfx <> {r}.sfx, false))"""


def deterministic_pass(
    b: Backend, subj: str, records: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Returns (decided: subject uid → taxpayer_id, rule), (tin conflicts: uid, taxpayer_id:
    the TIN's holder has another name), (dob holds: uid, taxpayer_id: the TIN's holder has a
    compatible name but another date of birth — a typo, or a Jr giving his father's TIN),
    and leaves ``subj_rest``: the subjects whose transposed-name variant must be scored too
    (undecided, in conflict, or decided on names that agree only transposed — scored as
    written those fall below the floor, and the pick would have no pair).
    ``records``: the vault records to join (default: all; a superset of those sharing a TIN
    or a surname and DOB with a subject gives the same answer)."""
    rec = records or b.records_table
    comp = _compatible(b)
    dob_ok = (
        "(s.dob_s IS NULL OR r.dob_s IS NULL OR (levenshtein(s.dob_s, r.dob_s) <= 1"
        " AND substr(s.dob_s, 1, 3) = substr(r.dob_s, 1, 3)))"
    )
    # The subject's TIN against its holders, each name check evaluated once.
    b.execute(
        f"""
        SELECT s.uid, r.taxpayer_id, {comp} AS comp,  -- NULL (no surname): neither way
               coalesce({_straight(b)}, false) AS straight, {dob_ok} AS dob_ok
        FROM {subj} s JOIN {rec} r ON s.tin = r.tin
        """,
        "det_tin",
    )
    b.execute(
        f"""
        SELECT uid, taxpayer_id, 'tin+name' AS rule, NOT straight AS swapped
          FROM det_tin WHERE comp AND dob_ok
        UNION ALL
        SELECT s.uid, r.taxpayer_id, 'name+dob+address' AS rule, false AS swapped FROM {subj} s
          JOIN {rec} r
            ON s.fn = r.fn AND s.ln = r.ln AND s.dob_s = r.dob_s AND s.street = r.street
           AND s.zip5 = r.zip5
          WHERE s.tin IS NULL OR s.tin = r.tin
        """,
        "det_pairs",
    )
    b.execute(
        """
        SELECT uid, min(taxpayer_id) AS taxpayer_id, min(rule) AS rule, bool_or(swapped) AS swapped
        FROM det_pairs GROUP BY uid HAVING count(DISTINCT taxpayer_id) = 1
        """,
        "det_decided",
    )
    b.execute("SELECT DISTINCT uid, taxpayer_id FROM det_tin WHERE NOT comp", "det_conflicts")
    # one holder per subject (a TIN held twice in a vault: the same one on every run)
    holds = b.query(
        "SELECT uid, min(taxpayer_id) AS taxpayer_id FROM det_tin WHERE comp AND NOT dob_ok"
        " GROUP BY uid"
    )
    b.execute(
        f"""SELECT s.* FROM {subj} s
            WHERE s.uid NOT IN (SELECT uid FROM det_decided WHERE NOT swapped)
               OR s.uid IN (SELECT uid FROM det_conflicts)""",
        "subj_rest",
    )
    decided = b.query("SELECT uid, taxpayer_id, rule FROM det_decided")
    conflicts = b.query("SELECT uid, taxpayer_id FROM det_conflicts")
    return decided, conflicts, holds


def _transposed(b: Backend, subj: str) -> str:
    """Subjects with first and last name swapped (only where both exist). The surname's
    sound key is the first name's: with the subject's own surname key the variant would
    block on the same records as the subject (a third of a chunk's pairs, scored twice)."""
    return f"""
      SELECT concat(uid, '~t') AS uid, subject_id, ln_first AS fn, {b.array()} AS fn_alts,
             substr(ln_first, 1, 1) AS fn_i, mi, mn, fn AS ln, {b.array("fn")} AS ln_tokens,
             fn AS ln_first, fn_sdx AS ln_sdx, sfx, dob_s, dob_y, tin, street, house_no,
             street_core, unit, zip5, city, state
      FROM {subj} WHERE fn IS NOT NULL AND ln IS NOT NULL AND length(fn) > 1"""


def run(
    b: Backend,
    chunks: Iterable[pd.DataFrame],
    model: dict[str, Any],
    *,
    threshold: float,
    margin: float,
    floor: float,
    require_corroboration: bool = True,
    strict_corroboration: bool = False,
    candidate_floor: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Resolve chunks of normalized subjects (from :func:`.subjects.prepare`). Results are
    kept column-wise; only the chunk in hand exists in its wide, normalized form."""
    scorer = Scorer(b, model)
    labels = level_weights(model)
    prior_bits = math.log2(
        model["probability_two_random_records_match"]
        / (1 - model["probability_two_random_records_match"])
    )
    namesakes = dict(
        b.query("SELECT taxpayer_id, min(other_id) AS other FROM namesakes GROUP BY 1").itertuples(
            index=False, name=None
        )
    )
    base = {"threshold": round(threshold, 3), "margin": margin, "prior_bits": round(prior_bits, 3)}
    # Candidate-less explanations depend only on the reasons: each is written once.
    bare: dict[tuple[str, ...], str] = {}
    results: dict[str, list[Any]] = {c: [] for c in OUTPUT_COLUMNS}
    for chunk in chunks:
        b.load("subj", chunk)
        # One pass over the vault per chunk: the records sharing a blocking key with any
        # subject (either name order); both passes below join only those.
        b.execute(f"SELECT {_cols()} FROM subj UNION ALL {_transposed(b, 'subj')}", "subj_keys")
        records = scorer.candidates("subj_keys")
        decided, conflicts, holds = deterministic_pass(b, "subj", records)
        dob_holds = dict(holds.itertuples(index=False, name=None))
        det_rule = dict(zip(decided["uid"], decided["rule"], strict=True))
        det_tp = dict(zip(decided["uid"], decided["taxpayer_id"], strict=True))
        conflict_map: dict[str, set[str]] = {}
        for uid, tp in conflicts.itertuples(index=False, name=None):
            conflict_map.setdefault(uid, set()).add(tp)
        det_uids = set(det_rule) - set(conflict_map)
        # One scoring pass for all: a decided subject's runner-up is then as real as anyone's
        # (its pick is among the pairs: TIN is a blocking key); the transposed-name variant
        # is only needed where no rule decided.
        b.execute(
            f"SELECT {_cols()} FROM subj UNION ALL {_transposed(b, 'subj_rest')}", "subj_prob"
        )
        pairs = _best_pairs(scorer.score("subj_prob", floor=floor, records=records))
        scorer.release(records)
        table = _PairTable(pairs, scorer.comparisons, labels)
        risks = namesake_risks(pairs, table.codes, labels, strict=strict_corroboration)
        tin_equal = (table.codes["tin"] == 0).tolist()
        fn_differs = (table.codes["first_name"] == bottom(labels, "first_name")).tolist()
        dob_equal = table.codes["dob"] == 0
        tin_typo = ((table.codes["tin"] == 1) & dob_equal).tolist()
        dob_eq = dob_equal.tolist()
        by_uid: dict[str, list[Candidate]] = {}
        for i, (uid, tp, w, pr) in enumerate(
            zip(
                pairs["uid"].tolist(),
                pairs["taxpayer_id"].astype(str).tolist(),
                table.weight.tolist(),
                table.prob.tolist(),
                strict=True,
            )
        ):
            by_uid.setdefault(uid, []).append(
                Candidate(
                    tp,
                    w,
                    pr,
                    row=i,
                    tin_equal=tin_equal[i],
                    namesake_risk=risks[i],
                    first_name_differs=fn_differs[i],
                    tin_typo=tin_typo[i],
                    dob_equal=dob_eq[i],
                )
            )
        has_dob = chunk["dob_s"].notna().tolist()
        for uid, sid, dob in zip(
            chunk["uid"].tolist(), chunk["subject_id"].tolist(), has_dob, strict=True
        ):
            cands = by_uid.get(uid, [])
            rule = det_rule.get(uid) if uid in det_uids else None
            v = decide(
                cands,
                threshold=threshold,
                margin=margin,
                deterministic=rule,
                deterministic_tp=det_tp.get(uid) if rule else None,
                subject_has_dob=dob,
                namesakes=namesakes,
                tin_conflict_ids=conflict_map.get(uid, set()),
                tin_dob_holder=dob_holds.get(uid),
                require_corroboration=require_corroboration,
                candidate_floor=candidate_floor,
            )
            best, second = v.best, v.runner_up
            pass_ = "deterministic" if rule else "probabilistic"
            if best is None:
                key = (pass_, *v.reasons)
                if key not in bare:
                    bare[key] = _dumps({**base, "pass": pass_, "reasons": v.reasons})
                expl = bare[key]
            else:
                e: dict[str, Any] = {**base, "pass": pass_, "reasons": v.reasons}
                e["best"] = {
                    "taxpayer_id": best.taxpayer_id,
                    "weight": _r(best.weight),
                    "transposed_names": table.transposed(best.row),
                    "fields": table.fields(best.row),
                }
                if second is not None:
                    e["runner_up"] = {
                        "taxpayer_id": second.taxpayer_id,
                        "weight": _r(second.weight),
                    }
                    if v.status == "ambiguous" and second.row >= 0:
                        # a reviewer compares the two side by side; for a match the weight suffices
                        e["runner_up"]["fields"] = table.fields(second.row)
                expl = _dumps(e)
            results["subject_id"].append(sid)
            results["taxpayer_id"].append(
                best.taxpayer_id if best is not None and v.status != "no_match" else None
            )
            results["status"].append(v.status)
            results["match_weight"].append(_r(best.weight) if best is not None else None)
            results["match_probability"].append(best.probability if best is not None else None)
            results["runner_up_weight"].append(_r(second.weight) if second is not None else None)
            results["explanation"].append(expl)
            results["runner_up_taxpayer_id"].append(
                second.taxpayer_id if (second is not None and v.status == "ambiguous") else None
            )
            results["pass"].append(pass_)
            results["candidate_review"].append("review" if v.one_candidate else None)
        if progress is not None:
            progress(len(chunk))
    return pd.DataFrame(results, columns=OUTPUT_COLUMNS)


def _best_pairs(pairs: pd.DataFrame, keep: int = 5) -> pd.DataFrame:
    """Best pair per (subject, taxpayer) — a transposed-name variant competes with the
    original — then the top ``keep`` taxpayers per subject; ties broken by taxpayer id so that
    results do not depend on scan order."""
    pairs["uid"] = pairs["uid_l"].str.replace("~t", "", regex=False)
    pairs["transposed"] = pairs["uid_l"].str.endswith("~t")
    pairs = pairs.sort_values(
        ["uid", "match_weight", "taxpayer_id"], ascending=[True, False, True], kind="stable"
    ).drop_duplicates(["uid", "taxpayer_id"])
    return pairs[pairs.groupby("uid").cumcount() < keep].reset_index(drop=True)


class _PairTable:
    """The scored pairs as arrays, and each pair's waterfall read from them on demand."""

    def __init__(self, pairs: pd.DataFrame, comparisons: list[str], labels: Levels) -> None:
        self.codes = level_codes(pairs, labels)
        self.weight = pairs["match_weight"].to_numpy(dtype=float)
        self.prob = pairs["match_probability"].to_numpy(dtype=float)
        self._transposed = pairs["transposed"].to_numpy(dtype=bool).tolist()
        # Each comparison's waterfall entries as Python lists, made a column at a time: a
        # chunk explains ~100k picks, and per-item numpy indexing and rounding cost seconds.
        self._waterfall: list[tuple[str, list[str], list[float], list[float]]] = []
        for c in comparisons:
            tf = _col(pairs, f"mw_tf_adj_{c}")
            names = np.array([lbl for _, lbl in labels.get(c, [(0.0, "")])], dtype=object)
            code = self.codes[c] + 1 if c in self.codes else np.zeros(len(pairs), dtype=int)
            self._waterfall.append(
                (
                    c,
                    names[np.minimum(code, len(names) - 1)].tolist(),
                    np.round(_col(pairs, f"mw_{c}") + tf, 3).tolist(),
                    np.round(tf, 3).tolist(),
                )
            )

    def transposed(self, i: int) -> bool:
        return self._transposed[i] if i >= 0 else False

    def fields(self, i: int) -> list[dict[str, Any]]:
        """Per-field contributions (bits) to pair ``i``'s match weight, in waterfall order."""
        if i < 0:
            return []
        out = []
        for c, levels, bits, tf in self._waterfall:
            item: dict[str, Any] = {"field": c, "level": levels[i], "bits": bits[i]}
            if tf[i]:
                item["frequency_adjustment_bits"] = tf[i]
            out.append(item)
        return out


def _col(df: pd.DataFrame, name: str) -> np.ndarray:
    return np.nan_to_num(floats(df, name))


def _dumps(e: dict[str, Any]) -> str:
    """Compact JSON with sorted keys (orjson: a million explanations a request)."""
    return orjson.dumps(e, option=orjson.OPT_SORT_KEYS).decode()


def _r(x: float) -> float | None:
    return None if x is None or math.isnan(x) else round(float(x), 3)


def _cols() -> str:
    return f"uid, subject_id, {COMPARED}"
