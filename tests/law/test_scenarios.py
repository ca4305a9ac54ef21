"""Every scenario file under scenarios/ is one case: a request, and the decision the law
requires (OpenFisca style). The expectations were written from the statute, not from the
engine's output; a failure means one of the two is wrong, never that the file is.

Non-pass findings are compared *exactly* (rule + result): an unexpected fail or review is
as wrong as a missing one.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from fti_gateway.intake import load_request
from fti_gateway.law import check_resolved, decide, load_registry
from fti_gateway.law.registries import Registry
from fti_gateway.law.text import provision

SCENARIOS = Path(__file__).parent / "scenarios"
FILES = sorted(SCENARIOS.glob("*.yaml"))


@pytest.fixture(scope="module")
def shipped() -> Registry:
    return load_registry()


def _registry(sc: dict[str, Any], tmp_path: Path, shipped: Registry) -> Registry:
    overrides = sc.get("registry")
    if not overrides:
        return shipped
    folder = tmp_path / "registry"
    folder.mkdir()
    for name, doc in overrides.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(doc))
    return load_registry(folder)


def _subjects(sc: dict[str, Any]) -> list[dict[str, Any]]:
    rows = list(sc["manifest"].get("subjects") or [])
    bulk = sc.get("bulk")
    if bulk:
        for n in range(bulk["count"]):
            row = copy.deepcopy(bulk["template"])
            rows.append({k: (v.format(n=n) if isinstance(v, str) else v) for k, v in row.items()})
    return rows


def test_there_are_enough_scenarios_each_named_once() -> None:
    assert len(FILES) >= 80
    names = [yaml.safe_load(p.read_text(encoding="utf-8"))["name"] for p in FILES]
    assert len(set(names)) == len(names)
    for authority in ("c", "d", "i1", "i2", "i3a", "i3b", "i5", "i7a", "l6", "l7", "l21", "m2"):
        stems = [p.stem for p in FILES if p.stem.startswith(f"{authority}-")]
        assert any(("approved" in s or "opens" in s) for s in stems), (
            f"no pass case for {authority}"
        )
        assert any(("refused" in s or "review" in s) for s in stems), (
            f"no failing case for {authority}"
        )


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_scenario(path: Path, tmp_path: Path, shipped: Registry) -> None:
    sc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert sc.get("name"), "every scenario states its case as a sentence"
    registry = _registry(sc, tmp_path, shipped)
    rows = _subjects(sc)
    raw = {**sc["manifest"], "subjects": rows}
    # Scenarios go through the real intake path, as a submitted request does.
    (tmp_path / path.name).write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    parsed = load_request(tmp_path / path.name)
    manifest, subjects, rejects = parsed.manifest, parsed.subjects, list(parsed.rejects)
    as_of = sc.get("as_of")
    decision = decide(
        manifest,
        subjects,
        registry,
        rejects=rejects,
        as_of=date.fromisoformat(str(as_of)) if as_of else None,
    )
    if "resolved" in sc:
        decision = check_resolved(decision, pd.DataFrame(sc["resolved"]))
    expect = sc["expect"]
    explain = "\n".join(f"  {f.result.value} {f.rule}: {f.message}" for f in decision.findings)

    assert decision.outcome.value == expect["outcome"], explain
    rules = {f.rule for f in decision.findings} | set(decision.elements_refused.values())
    rules |= set(decision.elements_review.values()) | set(decision.subject_findings["rule"])
    # A regulation (26 CFR 301.6103(c)-1) is not statute text; everything else must be.
    unknown = sorted(r for r in rules if provision(r) is None and not r.startswith("26 CFR"))
    assert not unknown, f"the decision cites provisions the statute does not have: {unknown}"
    got = {(f.rule, f.result.value) for f in decision.findings if f.result.value != "pass"}
    want = {(f["rule"], f["result"]) for f in expect.get("findings", []) if f["result"] != "pass"}
    assert got == want, explain
    passes = {(f.rule, f.result.value) for f in decision.findings if f.result.value == "pass"}
    for f in expect.get("findings", []):
        if f["result"] == "pass":
            assert (f["rule"], "pass") in passes, explain

    if "elements" in expect:
        e = expect["elements"]
        assert sorted(decision.elements_allowed) == sorted(e.get("allowed", []))
        assert decision.elements_refused == e.get("refused", {})
        assert decision.elements_review == e.get("review", {})

    sf = decision.subject_findings.set_index("subject_id")
    for sid, want_row in (expect.get("subjects") or {}).items():
        assert sid in sf.index, f"no finding for subject {sid}"
        row = sf.loc[sid]
        assert row["result"] == want_row["result"], (
            f"{sid}: {row['result']} [{row['rule']}] {row['message']}"
        )
        if "rule" in want_row:
            assert row["rule"] == want_row["rule"], f"{sid}: {row['rule']} {row['message']}"
    if "counts" in expect:
        assert {k: decision.counts[k] for k in expect["counts"]} == expect["counts"]
