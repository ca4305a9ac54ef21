"""Reading a scored pair: which level of each comparison it fell in, and what that means.

A pair's level is read from its per-comparison weight (``mw_<name>``, Splink's waterfall
value; each level has its own weight), so Splink need not carry its ``gamma`` columns and the
matching columns through every pair. Levels are counted from the top (0 = exact), so a rule
says "first name equal or a nickname" as ``from_top in (0, 1)``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

Levels = dict[str, list[tuple[float, str]]]

#: Birth years this far apart are a parent and child, not a typo: the Sr/Jr pattern.
GENERATION_YEARS = 14

#: How close name and address must be to stand without DOB or TIN (levels from the top, see
#: :mod:`.model`): first name equal, a nickname or one edit; surname equal, one or two edits
#: or a shared compound part; the same address, or the same house number and ZIP with a near
#: street. Of the name's typo levels (:data:`NAME_TYPOS`) at most one may be used.
NAME_ADDRESS_ONLY = {"first_name": (0, 1, 2), "last_name": (0, 1, 2, 3), "address": (0, 2)}
NAME_TYPOS = {"first_name": (2,), "last_name": (1, 3)}


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with str keys (what the guard and explanations read)."""
    return [{str(k): v for k, v in r.items()} for r in df.to_dict("records")]


def _num(v: object) -> float | None:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def from_top(rec: dict[str, Any], levels: Levels, name: str) -> int | None:
    """The pair's level counted from the top (0 = exact); None when missing on a side.
    ``levels[name]`` is :func:`.scoring.level_weights`' list: the null level first."""
    mw = _num(rec.get(f"mw_{name}"))
    opts = levels.get(name, [])[1:]
    if mw is None or not opts:
        return None
    dist = [abs(mw - w) for w, _ in opts]
    i = min(range(len(opts)), key=dist.__getitem__)
    if dist[i] < 1e-6:
        return i
    return None  # weight 0 exactly and no level has it: the null level


def is_top(rec: dict[str, Any], levels: Levels, name: str) -> bool:
    """Whether a pair fell in the comparison's top (exact) level."""
    return from_top(rec, levels, name) == 0


def is_bottom(rec: dict[str, Any], levels: Levels, name: str) -> bool:
    """Whether a pair fell in the comparison's last ("differs") level."""
    i = from_top(rec, levels, name)
    return i is not None and i == len(levels.get(name, [])) - 2


def agrees(rec: dict[str, Any], name: str) -> bool:
    """The comparison speaks *for* the match (its weight is positive)."""
    mw = _num(rec.get(f"mw_{name}"))
    return mw is not None and mw > 0


def generation_apart(rec: dict[str, Any]) -> bool:
    """Both birth years known and a generation apart (see :data:`GENERATION_YEARS`)."""
    a, b = _num(rec.get("dob_y_s")), _num(rec.get("dob_y_r"))
    return a is not None and b is not None and abs(a - b) >= GENERATION_YEARS


def one_digit_apart(rec: dict[str, Any]) -> bool:
    """The two dates differ in exactly one digit (1975 typed 1995)."""
    a, b = rec.get("dob_s_s"), rec.get("dob_s_r")
    if not isinstance(a, str) or not isinstance(b, str) or len(a) != len(b):
        return False
    return sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _suffix(v: object) -> str | None:
    return None if v is None or (isinstance(v, float) and pd.isna(v)) or v == "" else str(v)


def namesake_risk(rec: dict[str, Any], levels: Levels, *, strict: bool = False) -> str | None:
    """Why this pick could be a household namesake (a Jr who files no return looks like his
    father on name and address), or None when the evidence rules that out.

    Ruled out by a TIN that agrees at least nearly, or by a DOB that does. A DOB that
    disagrees outright (not a typo, swap or neighbouring year) is not explained away by name
    and address: a Jr's date, mistyped once, still looks like that. Without DOB or TIN, name
    and address may stand alone when both agree closely (:data:`NAME_ADDRESS_ONLY`) and no
    generational suffix appears on one side only. Birth years a generation apart are ruled
    out only by an agreeing TIN with the dates one digit apart (a typo in the decade). ``strict``: only DOB or TIN rules it out.
    """
    if generation_apart(rec) and not (agrees(rec, "tin") and one_digit_apart(rec)):
        return "the birth years are a generation apart: a parent or child of the same name"
    if agrees(rec, "tin"):
        return None
    if is_bottom(rec, levels, "dob"):
        return (
            "the dates of birth disagree and no TIN agrees: a household namesake (Jr/Sr) or "
            "relative cannot be ruled out"
        )
    if agrees(rec, "dob"):
        return None
    if strict:
        return (
            "neither DOB nor TIN corroborates the name and address: an unfiled household "
            "namesake (Jr/Sr) cannot be ruled out"
        )
    at = {c: from_top(rec, levels, c) for c in NAME_ADDRESS_ONLY}
    typos = sum(at[c] in lv for c, lv in NAME_TYPOS.items())
    close = typos <= 1 and all(at[c] in ok for c, ok in NAME_ADDRESS_ONLY.items())
    if not close:
        return (
            "neither DOB nor TIN corroborates a name and address that agree only loosely: "
            "a relative or namesake cannot be ruled out"
        )
    if _suffix(rec.get("sfx_s")) != _suffix(rec.get("sfx_r")):
        return (
            "a generational suffix (Jr/Sr/II/III) on one side only, and no DOB or TIN: the "
            "other generation cannot be ruled out"
        )
    return None
