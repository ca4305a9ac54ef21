"""Statute citations written the way requesters write them, reduced to one spelling.

Requests cite the same section as "18 USC §1343", "18 U.S.C. § 1343", "Title 18, United
States Code, Section 1343" or "18 u.s.c. sec. 1343(a)". The statute registry is keyed by
the canonical form ``18 U.S.C. 1343`` so that a spelling variant can never turn a known
statute into an "unknown statute" review, nor (worse) an unknown one into a match.
"""

from __future__ import annotations

import re

_CITE = re.compile(
    r"""^\s*(?:TITLE\s+)?(?P<title>\d+)\s*
        (?:U\s*\.?\s*S\s*\.?\s*C\s*\.?\s*A?\s*\.?)\s*
        (?:§+|SECS?\.?|SECTIONS?\b)?\s*
        (?P<section>\d+[A-Z]{0,3}(?:-\d+[A-Z]{0,3})?)
        (?P<subs>(?:\s*\([A-Z0-9]+\))*)
        \s*(?:ET\s+SEQ\.?)?\s*$""",
    re.VERBOSE,
)
_PAREN = re.compile(r"\(([A-Z0-9]+)\)")


def normalize_cite(text: str) -> str | None:
    """Canonical ``<title> U.S.C. <section><(sub)…>`` (upper case), or ``None`` if unreadable.

    Case is folded (``1028a`` and ``1028A`` are one section), ``§``/``Sec.``/``Section``
    dropped, "United States Code" read as U.S.C., commas and extra spaces ignored.
    """
    t = text.upper().replace("UNITED STATES CODE", "U.S.C.").replace(",", " ")
    t = re.sub(r"\s+", " ", t).strip()
    m = _CITE.match(t)
    if not m:
        return None
    subs = "".join(f"({p})" for p in _PAREN.findall(m.group("subs") or ""))
    return f"{int(m.group('title'))} U.S.C. {m.group('section')}{subs}"


def parents(canonical: str) -> list[str]:
    """The cite and each enclosing provision, most specific first.

    ``8 U.S.C. 1253(A)(1)`` → ``[… 1253(A)(1), … 1253(A), … 1253]``.
    """
    out = [canonical]
    cur = canonical
    while cur.endswith(")"):
        cur = cur[: cur.rindex("(")]
        out.append(cur)
    return out


def title_of(canonical: str) -> str:
    return canonical.split(" ", 1)[0]
