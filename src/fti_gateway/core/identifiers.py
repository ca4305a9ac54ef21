"""The shapes of the short identifiers a request carries into the permanent log.

A ledger leaf holds no free text (issue 14): the agency, request id, authority, statutes,
element ids and periods a manifest gives are copied into leaves, so each must be a short,
bounded identifier, never a name or a pasted paragraph. Intake refuses a manifest whose
identifiers break these shapes, with its line, *before* the request is stored; the ledger
checks them again as it writes. One table, read by both, so the two cannot drift.
"""

from __future__ import annotations

import re

_IDENT = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"

IDENTIFIERS: dict[str, tuple[re.Pattern[str], str]] = {
    "agency": (re.compile(_IDENT), "an agency id, e.g. DOJ or STATE-CA-TAX"),
    "request_id": (
        re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._:/#()-]{0,79}"),
        "a request id of letters, digits, spaces and ._:/#()- (at most 80), "
        "e.g. DOJ-USAO-DC-2025-0042",
    ),
    "citation": (
        re.compile(r"[A-Za-z0-9§][A-Za-z0-9§ .()-]{0,59}"),
        "a citation of letters, digits, spaces and .()§- (at most 60), "
        "e.g. 6103(i)(2) or 18 U.S.C. 1343",
    ),
    "element": (
        re.compile(r"[A-Za-z0-9_]{1,32}(?:\.[A-Za-z0-9_-]{1,32}){0,4}"),
        "a data element id, e.g. identity.address",
    ),
    "period": (re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,15}"), "a tax period, e.g. 2023"),
    "purpose": (re.compile(r"[a-z][a-z0-9-]{0,39}"), "a purpose kind, e.g. civil-enforcement"),
    "position": (re.compile(_IDENT), "a position id, e.g. us-attorney"),
}


def problem(kind: str, value: object) -> str | None:
    """Why ``value`` is not a ``kind`` identifier (quoting at most 20 characters of it),
    or None when it is one."""
    pattern, what = IDENTIFIERS[kind]
    if isinstance(value, str) and pattern.fullmatch(value):
        return None
    shown = repr(value)[:20] + ("…" if len(repr(value)) > 20 else "")
    return f"{shown} is not {what}"
