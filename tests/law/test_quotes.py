"""Quoted limits: each clause an authority requires carries the operative words of the
statute it models, and those words must appear verbatim (whitespace aside) in the cited
provision of the official text. A rule paraphrased from memory cannot hide behind a
citation: change a word of the quote, or of the text, and this fails."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fti_gateway.law import AUTHORITIES
from fti_gateway.law.authorities.base import Clause
from fti_gateway.law.text import load_text, quote_holds

CLAUSES = [
    (a.id, kind, c)
    for a in AUTHORITIES.values()
    for kind, group in (("requires", a.requires), ("not_modeled", a.not_modeled))
    for c in group
]


def _id(item: tuple[str, str, Clause]) -> str:
    return f"{item[0]}:{item[1]}:{item[2].cite}:{item[2].text[:30]}"


@pytest.mark.parametrize("item", CLAUSES, ids=[_id(i) for i in CLAUSES])
def test_each_clause_quotes_the_text_it_models(item: tuple[str, str, Clause]) -> None:
    authority, kind, clause = item
    q = clause.quoted
    if q is None:
        # A regulation is not statute text; a not-modelled note need not quote.
        assert kind == "not_modeled" or clause.cite.startswith("26 CFR"), (
            f"{authority}: required clause [{clause.cite}] {clause.text!r} carries no quote"
        )
        return
    text = load_text()
    assert q.cite in text, f"{authority}: quote cites {q.cite}, not a provision of the statute"
    assert quote_holds(q, text), f"{authority}: {q.text!r} is not in {q.cite}: {text[q.cite]!r}"


def test_an_altered_quote_fails() -> None:
    clause = next(c for c in AUTHORITIES["6103(l)(7)"].requires if "unearned" in c.quote)
    assert clause.quoted is not None and quote_holds(clause.quoted)
    altered = replace(clause, quote=clause.quote.replace("unearned", "earned"))
    assert altered.quoted is not None and not quote_holds(altered.quoted)
    moved = replace(clause, quote_cite="6103(l)(7)(A)")
    assert moved.quoted is not None and not quote_holds(moved.quoted)


def test_every_authority_quotes_its_limits() -> None:
    for a in AUTHORITIES.values():
        assert sum(1 for c in a.requires if c.quote) >= 3, a.id
