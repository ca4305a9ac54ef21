"""Reading a scored pair: which level of a comparison it fell in, and what that means."""

from __future__ import annotations

from typing import Any

import pandas as pd

Levels = dict[str, list[tuple[float, str]]]


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with str keys (what the guard and explanations read)."""
    return [{str(k): v for k, v in r.items()} for r in df.to_dict("records")]


def is_top(rec: dict[str, Any], levels: Levels, name: str) -> bool:
    """Whether a pair fell in the comparison's top (exact) level."""
    mw = rec.get(f"mw_{name}")
    opts = levels.get(name, [])
    if mw is None or pd.isna(mw) or len(opts) < 2:
        return False
    return abs(float(mw) - opts[1][0]) < 1e-6


def is_bottom(rec: dict[str, Any], levels: Levels, name: str) -> bool:
    """Whether a pair fell in the comparison's last ("differs") level."""
    mw = rec.get(f"mw_{name}")
    opts = levels.get(name, [])
    if mw is None or pd.isna(mw) or not opts:
        return False
    return abs(float(mw) - opts[-1][0]) < 1e-6


def corroborated(rec: dict[str, Any]) -> bool:
    """DOB or TIN agrees at least nearly (its weight is positive)."""
    return any(
        rec.get(c) is not None and not pd.isna(rec.get(c)) and float(rec[c]) > 0
        for c in ("mw_dob", "mw_tin")
    )
