"""The public version: primary, complementary and differencing suppression."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.core.errors import InputError
from fti_gateway.ledger.log import Ledger
from fti_gateway.report import p3c, suppress, verify
from tests.report.ledgers import ORIGIN, build, disclosed, event_list, leaves

RULE = suppress.rule()


def _check_rule(pub: dict[str, Any], full: dict[str, Any]) -> None:
    shown = suppress.counts(pub)
    values = suppress.counts(full)
    assert shown.keys() == values.keys()
    for key, v in shown.items():
        if v is not None:
            assert v == values[key]
            assert not RULE.low <= v <= RULE.high, key  # primary
        else:
            assert values[key] != 0, key  # zero is shown
    for rel in suppress.relations(full):
        hidden = [k for k in rel if k is not None and shown[k] is None]
        assert len(hidden) == 0 or len(hidden) >= 2, rel  # complementary


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_public_version_keeps_the_rule(seed: int, tmp_path: Path) -> None:
    events = event_list(random.Random(seed), 40)
    vk = build(tmp_path / "l", events)
    full = p3c.build(tmp_path / "l", vk, 2025).to_json()
    pub = suppress.public(full)
    _check_rule(pub, full)
    assert pub["version"] == "public" and pub["suppression"]["rule"] == "p3c-suppression#1"
    assert pub["ledger"] == full["ledger"]
    assert any(v is None for v in suppress.counts(pub).values())  # the data has small counts
    assert any(v is not None and v > 0 for v in suppress.counts(pub).values())
    md = p3c.to_markdown(pub)
    assert "public version" in md and "p3c-suppression#1" in md and "| * |" in md


def test_a_lone_small_cell_takes_a_partner_in_its_row_and_in_the_totals(tmp_path: Path) -> None:
    tins = [str(900000000 + i) for i in range(60)]
    events = [
        disclosed("DOJ", "A", "grand-jury", "2025-02-01", tins[:30]),
        disclosed("DOJ", "B", "terrorism", "2025-02-01", tins[30:33]),
        disclosed("ICE", "C", "grand-jury", "2025-02-01", tins[33:60]),
    ]
    vk = build(tmp_path / "l", events)
    full = p3c.build(tmp_path / "l", vk, 2025).to_json()
    pub = suppress.public(full)
    _check_rule(pub, full)
    doj = next(a for a in pub["agencies"] if a["agency"] == "DOJ")
    by = {c["purpose"]: c for c in doj["cells"]}
    assert by["terrorism"]["instances"] is None  # 3: primary
    assert by["grand-jury"]["instances"] is None  # 30: else DOJ's 33 gives the 3 back
    assert doj["instances"] == 33 and pub["totals"]["instances"] == 60


def test_differencing_between_two_releases(tmp_path: Path) -> None:
    """A count shown at 12 in the first release and at 15 in the next would tell that 3
    disclosures happened between: the next release suppresses it (and a partner)."""
    tins = [str(900000000 + i) for i in range(100)]
    first = [
        disclosed("DOJ", "A", "grand-jury", "2025-02-01", tins[:12]),
        disclosed("DOJ", "B", "terrorism", "2025-02-01", tins[12:40]),
        disclosed("ICE", "C", "grand-jury", "2025-02-01", tins[40:70]),
    ]
    later = [
        disclosed("DOJ", "D", "grand-jury", "2025-03-01", tins[70:73]),
    ]
    key = Ed25519PrivateKey.generate()
    d = tmp_path / "l"
    vk = build(d, first, key)
    release1 = suppress.public(p3c.build(d, vk, 2025).to_json())
    with Ledger.open(d, ORIGIN, key, durable=False) as led:
        led.append(leaves(later[0]))
    full2 = p3c.build(d, vk, 2025).to_json()
    naive = suppress.public(full2)
    release2 = suppress.public(full2, previous=release1)
    _check_rule(release2, full2)
    key12 = ("cell", "DOJ", "6103(i)(2)", "grand-jury", "instances")
    assert suppress.counts(release1)[key12] == 12
    assert suppress.counts(naive)[key12] == 15  # without the check, 15 - 12 = 3 leaks
    assert suppress.counts(release2)[key12] is None
    # The differencing test: no count shown in both releases grew by 1..10.
    c1, c2 = suppress.counts(release1), suppress.counts(release2)
    for k, v in c2.items():
        if v is not None and c1.get(k) is not None:
            assert not RULE.diff_low <= v - int(c1[k] or 0) <= RULE.diff_high, k
    assert release2["suppression"]["previous"] == release1["ledger"]
    # `fti report verify --previous` re-derives the pattern: the naive release fails it.
    assert verify.compare(release2, full2, release1) == []
    assert any(
        x.where.endswith("grand-jury].instances") for x in verify.compare(naive, full2, release1)
    )


def test_a_previous_release_of_another_log_year_or_later_is_refused(tmp_path: Path) -> None:
    events = event_list(random.Random(9), 10)
    vk = build(tmp_path / "l", events)
    full = p3c.build(tmp_path / "l", vk, 2025).to_json()
    pub = suppress.public(full)
    for change in (
        {"year": 2024},
        {"ledger": {**pub["ledger"], "origin": "other.example/log"}},
        {"ledger": {**pub["ledger"], "size": pub["ledger"]["size"] + 1}},
        {"version": "full"},
    ):
        with pytest.raises(InputError):
            suppress.public(full, previous={**pub, **change})
