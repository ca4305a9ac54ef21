"""Citations that exist: every citation of 26 U.S.C. 6103, 7213, 7213A or 7431 written in
the code (src/), the registries (law/registry/*.yaml), the scenarios and the README must
name a provision of the official text (law/usc/*.tsv). A rule citing a subsection the
statute does not have is a rule written from memory.

Forms read: ``6103(i)(2)(B)(i)``, ``26 U.S.C. 6103(i)(2)``, ranges ``6103(l)(21)(A)(i)-(vi)``
(both ends), and bare subsection paths ``(p)(3)(A)``, ``(i)(2)`` (a lower-case subsection
letter then a paragraph number, read as § 6103's, which is the only section the sources cite
that way). Relative forms such as ``(A)(ii)`` or ``paragraph (1)(B)`` are not read.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fti_gateway.law import AUTHORITIES
from fti_gateway.law.authorities.i1 import FINDING_RULES
from fti_gateway.law.authorities.l6 import ALLOWED as L6_ALLOWED
from fti_gateway.law.authorities.l7 import PROGRAMS
from fti_gateway.law.authorities.l21 import ALLOWED as L21_ALLOWED
from fti_gateway.law.decision import RETURN_OR_DESTROY
from fti_gateway.law.text import cites_in, load_text

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    [
        *(p for p in (ROOT / "src").rglob("*") if p.suffix in (".py", ".yaml", ".md")),
        *(ROOT / "tests" / "law" / "scenarios").glob("*.yaml"),
        ROOT / "README.md",
    ]
)
_BARE = re.compile(r"(?<![\w)\]])\([a-z]\)\(\d+\)(?:\([A-Za-z0-9]+\))*")


def citations(source: str) -> list[str]:
    """Every citation in ``source`` as a TSV key (see the module docstring for the forms)."""
    return [*cites_in(source), *("6103" + m.group(0) for m in _BARE.finditer(source))]


def unknown(source: str, text: dict[str, str]) -> list[str]:
    return sorted({c for c in citations(source) if c not in text})


def test_the_reader_finds_every_form() -> None:
    src = 'see (p)(3)(A) and "6103(i)(2)"; 26 U.S.C. 6103(i)(2)(B)(i); 8 U.S.C. 1253(a)(1); (A)(ii)'
    assert citations(src) == ["6103(i)(2)", "6103(i)(2)(B)(i)", "6103(p)(3)(A)"]


def test_an_altered_citation_is_caught() -> None:
    text = load_text()
    good = 'rule = "6103(i)(7)(A)(iii)(I)"  # and (p)(4)(F)(ii)'
    assert unknown(good, text) == []
    assert unknown(good.replace("(iii)(I)", "(iv)(I)"), text) == ["6103(i)(7)(A)(iv)(I)"]
    assert unknown(good.replace("(p)(4)", "(p)(9)"), text) == ["6103(p)(9)(F)(ii)"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_citation_in_the_sources_exists(path: Path) -> None:
    bad = unknown(path.read_text(encoding="utf-8"), load_text())
    assert not bad, f"{path.relative_to(ROOT)} cites provisions the statute does not have: {bad}"


def _declared() -> list[str]:
    """Rules the authorities build at run time (f-strings a text scan cannot see)."""
    out: list[str] = []
    for a in AUTHORITIES.values():
        out += [a.id, a.return_rule]
        out += [
            r
            for r in (
                a.purpose_rule,
                a.writing_rule,
                a.signature_rule,
                a.signer_rule,
                a.bar_rule,
                a.identity_rule,
                a.tri_rule,
                a.periods_rule,
            )
            if r
        ]
        for c in (*a.requires, *a.not_modeled):
            found = cites_in(c.cite)
            out += found or [f"unreadable cite {c.cite!r} of {a.id}"]
    out += [clause for clause, _ in PROGRAMS.values()]
    out += [rule for rule, _ in FINDING_RULES.values()]
    out += list(L6_ALLOWED.values()) + [rule for rule, _ in L21_ALLOWED.values()]
    out += list(RETURN_OR_DESTROY)
    return out


def test_every_rule_an_authority_declares_exists() -> None:
    text = load_text()
    bad = sorted({c for c in _declared() if c not in text})
    assert not bad, f"rules citing provisions the statute does not have: {bad}"
