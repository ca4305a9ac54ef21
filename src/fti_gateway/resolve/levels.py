"""Reading scored pairs: which level of each comparison a pair fell in, and what that means.

A pair's level is read from its per-comparison weight (``mw_<name>``, Splink's waterfall
value; each level has its own weight) and its null flag (``null_<name>``), so Splink need not
carry its ``gamma`` columns and the matching columns through every pair. Levels are counted
from the top (0 = exact; -1 = missing on a side), so a rule says "first name equal or a
nickname" as ``code in (0, 1)``.

Everything here is column-at-a-time: a 1M-subject request has millions of candidate pairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

Levels = dict[str, list[tuple[float, str]]]
Codes = dict[str, np.ndarray]

#: Birth years this far apart are a parent and child, not a typo: the Sr/Jr pattern.
GENERATION_YEARS = 14

#: How close name and address must be to stand without DOB or TIN (levels from the top, see
#: :mod:`.model`): first name equal — not one edit, which is how a household's Mario and
#: Maria, Juan and Juana, Sara and Sarah differ, nor a nickname, which a household's
#: Catherine and Cassandra share ("Cassie"); surname equal, one or two edits or a shared
#: compound part; the same address, or the same house number and ZIP with a near street.
NAME_ADDRESS_ONLY = {"first_name": (0,), "last_name": (0, 1, 2, 3), "address": (0, 2)}

GENERATION = "the birth years are a generation apart: a parent or child of the same name"
DOB_DISAGREES = (
    "the dates of birth disagree and no TIN agrees: a household namesake (Jr/Sr) or "
    "relative cannot be ruled out"
)
STRICT = (
    "neither DOB nor TIN corroborates the name and address: an unfiled household "
    "namesake (Jr/Sr) cannot be ruled out"
)
LOOSE = (
    "neither DOB nor TIN corroborates a name and address that agree only loosely: "
    "a relative or namesake cannot be ruled out"
)
ONE_SIDED_SUFFIX = (
    "a generational suffix (Jr/Sr/II/III) on one side only, and no DOB or TIN: the "
    "other generation cannot be ruled out"
)


def floats(df: pd.DataFrame, col: str) -> np.ndarray:
    """A column as floats (NaN where missing or not a number; all NaN if there is none)."""
    if col not in df.columns:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def level_codes(df: pd.DataFrame, levels: Levels) -> Codes:
    """comparison → each pair's level from the top (-1 where missing on a side).
    ``levels[name]`` is :func:`.scoring.level_weights`' list: the null level first.

    Null is read from ``null_<name>`` (the null level's own condition, evaluated beside the
    score), not from the weight: in a vault without TINs every TIN level weighs 0 bits, as
    the null level does, and a missing TIN read as "TIN equal" would wave a pair past the
    guard's TIN checks. Other levels are read from ``mw_<name>`` (each level has its own
    weight; Splink drops its ``gamma`` columns unless it also keeps every matching column);
    where two levels weigh the same, the lower one is taken — the reading that discloses
    less."""
    out: Codes = {}
    n = len(df)
    for name, opts in levels.items():
        w = np.array([x for x, _ in opts[1:]], dtype=float)
        if len(w) == 0:
            out[name] = np.full(n, -1)
            continue
        is_null = np.nan_to_num(floats(df, f"null_{name}"), nan=0.0) > 0
        mw = floats(df, f"mw_{name}")
        dist = np.abs(mw[:, None] - w[None, ::-1])  # bottom level first: ties go down
        dist[np.isnan(dist)] = np.inf
        i = dist.argmin(axis=1)
        hit = (dist[np.arange(n), i] < 1e-6) & ~is_null
        out[name] = np.where(hit, len(w) - 1 - i, -1)
    return out


def bottom(levels: Levels, name: str) -> int:
    """The code of a comparison's last ("differs") level."""
    return len(levels[name]) - 2


def _one_digit_apart(a: object, b: object) -> bool:
    if not isinstance(a, str) or not isinstance(b, str) or len(a) != len(b):
        return False
    return sum(x != y for x, y in zip(a, b, strict=True)) == 1


def namesake_risks(
    df: pd.DataFrame, codes: Codes, levels: Levels, *, strict: bool = False
) -> np.ndarray:
    """Per pair: why the pick could be a household namesake (a Jr who files no return looks
    like his father on name and address), or None when the evidence rules that out.

    Ruled out by a TIN that agrees at least nearly, or by a DOB that does. A DOB that
    disagrees outright (not a typo, swap or neighbouring year) is not explained away by name
    and address: a Jr's date, mistyped once, still looks like that. Without DOB or TIN, name
    and address may stand alone when both agree closely (:data:`NAME_ADDRESS_ONLY`) and no
    generational suffix appears on one side only. Birth years a generation apart are ruled
    out only by an agreeing TIN with the dates one digit apart (a typo in the decade).
    ``strict``: only DOB or TIN rules it out. Columns read: ``mw_*``, ``null_*``, ``dob_y_s/_r``,
    ``dob_s_s/_r``, ``sfx_s/_r``.
    """
    n = len(df)
    tin_agrees = np.nan_to_num(floats(df, "mw_tin")) > 0
    dob_agrees = np.nan_to_num(floats(df, "mw_dob")) > 0
    gap = np.abs(floats(df, "dob_y_s") - floats(df, "dob_y_r"))
    generation = np.nan_to_num(gap, nan=0.0) >= GENERATION_YEARS
    typo = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(generation & tin_agrees):
        typo[i] = _one_digit_apart(df["dob_s_s"].iloc[i], df["dob_s_r"].iloc[i])
    dob_differs = codes["dob"] == bottom(levels, "dob")
    close = np.ones(n, dtype=bool)
    for c, ok in NAME_ADDRESS_ONLY.items():
        close &= np.isin(codes[c], ok)
    sfx = [
        df[c].fillna("").astype(str).to_numpy() if c in df.columns else np.full(n, "")
        for c in ("sfx_s", "sfx_r")
    ]
    one_sided = sfx[0] != sfx[1]
    # Rules in order; the first that applies decides.
    rules: list[tuple[np.ndarray, str | None]] = [
        (generation & ~(tin_agrees & typo), GENERATION),
        (tin_agrees, None),
        (dob_differs, DOB_DISAGREES),
        (dob_agrees, None),
        (np.full(n, strict), STRICT),
        (~close, LOOSE),
        (one_sided, ONE_SIDED_SUFFIX),
    ]
    out = np.full(n, None, dtype=object)
    decided = np.zeros(n, dtype=bool)
    for mask, reason in rules:
        take = mask & ~decided
        out[take] = reason
        decided |= take
    return out
