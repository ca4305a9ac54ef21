"""Every word the (p)(3)(C) rules follow is in the statute, and the lists say what it says."""

from __future__ import annotations

import re
from importlib import resources

import yaml

from fti_gateway.law.text import normalize, provision
from fti_gateway.report.rules import rules, under


def _quotes(node: object) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(node, dict):
        if "cite" in node and "quote" in node:
            out.append((str(node["cite"]), str(node["quote"])))
            if "quote_rest" in node:
                out.append((str(node["cite"]), str(node["quote_rest"])))
        for v in node.values():
            out += _quotes(v)
    elif isinstance(node, list):
        for v in node:
            out += _quotes(v)
    return out


def test_every_quote_is_in_the_cited_provision() -> None:
    notice = yaml.safe_load((resources.files("fti_gateway.report") / "notice.yaml").read_text())
    quotes = _quotes(rules().raw) + _quotes(notice)
    assert len(quotes) >= 8
    for cite, quote in quotes:
        text = provision(cite)
        assert text is not None, cite
        assert normalize(quote) in normalize(text), (cite, quote)


def test_the_excused_list_is_the_statutes_list() -> None:
    """Rebuild (p)(3)(A)'s list from its words — "(h)(1), (3)(A), or (4)" is (h)(1),
    (h)(3)(A), (h)(4) — and compare with the data."""
    text = provision("6103(p)(3)(A)") or ""
    tail = text.split("under the authority of subsection ", 1)[1].split(". ", 1)[0]
    found: list[str] = []
    letter = ""
    for part in re.findall(r"\((?:[a-z]|[0-9]+|[A-Z]|[ivx]+)\)(?:\([A-Za-z0-9]+\))*", tail):
        head = re.match(r"\(([a-z])\)", part)
        if head and not part[1:2].isdigit():
            letter = head.group(1)
            found.append(f"6103{part}")
        else:
            found.append(f"6103({letter}){part}")
    assert found == list(rules().excused)


def test_referrals_and_kinds() -> None:
    r = rules()
    assert r.excused_by("6103(m)(2)") == "6103(m)"
    assert r.excused_by("6103(l)(7)") == "6103(l)(7)"
    assert r.excused_by("6103(l)(6)") is None
    assert r.excused_by("6103(i)(2)") is None
    assert not r.is_request("6103(i)(3)(A)") and not r.is_request("6103(i)(3)(B)")
    assert r.is_request("6103(i)(2)")
    assert under("6103(l)(13)(D)(iv)", "6103(l)(13)(D)(iv)")
    assert not under("6103(l)(10)", "6103(l)(1)")
