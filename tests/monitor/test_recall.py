"""The monitor on a generated audit trail: planted misuse of every kind is found
(recall ≥ 0.95), and documented in-case lookups raise at most one false alert per
10,000 (issue 19's bar)."""

from __future__ import annotations

from collections import Counter

from fti_gateway.monitor import synth

from .conftest import Loaded


def test_planted_misuse_is_found_and_in_case_work_is_not(loaded: Loaded) -> None:
    found = loaded.found
    planted = loaded.trail.planted
    assert {p.kind for p in planted} == set(synth.PLANT_RULES)
    missed: Counter[str] = Counter()
    for p in planted:
        if not any(a.rule == p.rule and set(a.events) & set(p.events) for a in found):
            missed[p.kind] += 1
    recall = 1 - sum(missed.values()) / len(planted)
    assert recall >= 0.95, missed
    # every kind is caught at least most of the time, not only on average
    per_kind = Counter(p.kind for p in planted)
    assert all(missed[k] <= per_kind[k] // 2 for k in per_kind), missed
    planted_ids = {e for p in planted for e in p.events}
    false = [a for a in found if not set(a.events) & planted_ids]
    assert len(false) * 10_000 <= loaded.trail.documented, false[:3]


def test_no_raw_tin_in_any_alert(loaded: Loaded) -> None:
    found = loaded.found
    tins = {e["tin"] for e in loaded.trail.employees}
    text = " ".join(str(a.to_json()) for a in found)
    assert found
    assert not any(t in text for t in tins)
    assert all(a.taxpayer is None or a.taxpayer.startswith("hmac-sha256:") for a in found)
