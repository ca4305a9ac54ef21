"""Parsing one master-file row: each column's type and what a value must look like.

Each parser takes what the file holds (text from CSV, or a native value from Parquet)
and returns the typed value, or raises :class:`Bad` with a reason a disclosure officer
understands. :func:`parse_row` reports every problem of a row, not just the first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from fti_gateway.vault.schema import (
    ELEMENT_TYPES,
    EXAMINATION_STATUSES,
    FILING_STATUSES,
    TIN_KINDS,
)
from fti_gateway.vault.synth.tins import is_itin_shaped

MAX_TEXT = 200  # longer "names" or "streets" are broken input, not data
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_STATE = re.compile(r"^[A-Za-z]{2}$")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


class Bad(ValueError):
    """A value that does not fit its column."""


def _text(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    if not s:
        return None
    if len(s) > MAX_TEXT:
        raise Bad(f"longer than {MAX_TEXT} characters")
    return s


def _required(v: Any) -> str:
    s = _text(v)
    if s is None:
        raise Bad("is empty")
    return s


def _tin(v: Any) -> str:
    if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 10**9:
        return f"{v:09d}"  # a TIN stored as a number lost its leading zeros
    s = _required(v).replace("-", "").replace(" ", "")
    if len(s) != 9 or not s.isdigit():
        raise Bad(f"{v!r} is not a 9-digit TIN")
    return s


def _date(v: Any) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    s = _text(v)
    if s is None:
        return None
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise Bad(f"{s!r} is not a date (YYYY-MM-DD)") from None


def _year(v: Any) -> int:
    if isinstance(v, bool):
        raise Bad(f"{v!r} is not a year")
    try:
        y = int(v) if isinstance(v, int) else int(_required(v))
    except ValueError:
        raise Bad(f"{v!r} is not a whole number") from None
    if not 1900 <= y <= 2100:
        raise Bad(f"{y} is not a plausible tax year")
    return y


def _float(v: Any) -> float | None:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return None if v != v else float(v)  # NaN means "not reported"
    s = _text(v)
    if s is None:
        return None
    try:
        return float(s.replace(",", ""))
    except ValueError:
        raise Bad(f"{s!r} is not a number") from None


def _count(v: Any) -> int | None:
    if isinstance(v, int) and not isinstance(v, bool):
        n = v
    else:
        s = _text(v)
        if s is None:
            return None
        if not s.isdigit():
            raise Bad(f"{s!r} is not a whole number of zero or more")
        n = int(s)
    if n < 0:
        raise Bad(f"{n} is negative")
    return n


def _bool(v: Any) -> bool | None:
    if isinstance(v, bool):
        return v
    s = _text(v)
    if s is None:
        return None
    if s.lower() in _TRUE:
        return True
    if s.lower() in _FALSE:
        return False
    raise Bad(f"{s!r} is not true or false")


def _one_of(options: tuple[str, ...]) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        s = _text(v)
        if s is not None and s not in options:
            raise Bad(f"{s!r} is not one of {', '.join(options)}")
        return s

    return check


def _pattern(rx: re.Pattern[str], what: str, digits: int = 0) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        if digits and isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 10**digits:
            v = f"{v:0{digits}d}"  # a ZIP stored as a number lost its leading zeros
        s = _text(v)
        if s is not None and not rx.match(s):
            raise Bad(f"{s!r} is not {what}")
        return s

    return check


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "taxpayer_id": _required,
    "tin": _tin,
    "tin_kind": _one_of(TIN_KINDS),
    "first_name": _text,
    "middle_name": _text,
    "last_name": _required,
    "suffix": _text,
    "dob": _date,
    "street": _text,
    "unit": _text,
    "city": _text,
    "state": _pattern(_STATE, "a two-letter state code"),
    "zip": _pattern(_ZIP, "a ZIP code (12345 or 12345-6789)", digits=5),
    "tax_year": _year,
    "household_id": _text,
    "return.filing_status": _one_of(FILING_STATUSES),
    "irs.examination_status": _one_of(EXAMINATION_STATUSES),
    "return.dependents": _count,
}
for _name, _type in ELEMENT_TYPES.items():
    if _name not in _PARSERS:
        _PARSERS[_name] = (
            _bool if _type == pa.bool_() else _float if _type == pa.float64() else _text
        )


def parse_row(values: dict[str, Any]) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """Parse one row: ``(row, [])``, or ``(None, [(column, reason), …])`` for every problem."""
    out: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for col, parse in _PARSERS.items():
        if col not in values:
            out[col] = None
            continue
        try:
            out[col] = parse(values[col])
        except Bad as e:
            problems.append((col, str(e)))
    if problems:
        return None, problems
    if out["tin_kind"] is None:
        out["tin_kind"] = "itin" if is_itin_shaped(out["tin"]) else "ssn"
    return out, []
