"""The official text (law/usc/*.tsv) is the ground truth: every quote a scenario or a rule
carries must appear verbatim (whitespace aside) in the provision it cites."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from fti_gateway.law.text import Quote, cites_in, load_text, provision, quote_holds, statute

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))


def _quotes(sc: dict[str, Any]) -> list[Quote]:
    raw = sc.get("text") or []
    items = raw if isinstance(raw, list) else [raw]
    return [Quote(str(q["cite"]), str(q["quote"])) for q in items]


def test_the_shipped_text_has_every_section() -> None:
    text = statute()
    for cite in ("6103", "6103(i)(2)(B)(i)", "7213(a)(1)", "7213A(a)(1)", "7431(a)(1)"):
        assert cite in text
    assert "unearned income" in (provision("6103(l)(7)(B)") or "")
    assert provision("26 U.S.C. 6103(l)(7)(B)") == provision("6103(l)(7)(B)")
    assert provision("6103(l)(7)(Z)") is None


def test_a_quote_is_checked_verbatim_up_to_whitespace() -> None:
    good = Quote(
        "6103(l)(7)(B)",
        "current return information from returns with\n  respect to unearned income",
    )
    assert quote_holds(good)
    assert not quote_holds(Quote(good.cite, good.text.replace("unearned", "earned ")))
    assert not quote_holds(Quote("6103(l)(7)(A)", good.text))  # right words, wrong provision
    assert not quote_holds(Quote("6103(l)(7)(Q)", good.text))


def test_citations_are_read_in_every_spelling() -> None:
    src = 'rule = "6103(i)(2)(B)(i)"; see 26 U.S.C. 6103(l)(21)(A)(i)-(vi) and 7213A(a)'
    assert cites_in(src) == [
        "6103(i)(2)(B)(i)",
        "6103(l)(21)(A)(i)",
        "6103(l)(21)(A)(vi)",
        "7213A(a)",
    ]


@pytest.mark.parametrize(
    "path",
    [p for p in SCENARIOS if "text" in yaml.safe_load(p.read_text(encoding="utf-8"))],
    ids=lambda p: p.stem,
)
def test_a_scenario_quotes_the_text_it_follows(path: Path) -> None:
    sc = yaml.safe_load(path.read_text(encoding="utf-8"))
    quotes = _quotes(sc)
    assert quotes, "`text` names no quote"
    text = load_text()
    for q in quotes:
        assert q.cite in text, f"{q.cite} is not a provision of the statute"
        assert quote_holds(q, text), f"{q.text!r} is not in {q.cite}: {text[q.cite]!r}"
