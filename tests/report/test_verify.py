"""`fti report verify`: a report recomputed from the tiles alone, equal or the cells that differ."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.ledger.log import Ledger
from fti_gateway.report import p3c, suppress
from tests.cli.runner import run
from tests.report.ledgers import ORIGIN, build, disclosed, event_list, leaves

Verify = Callable[[dict[str, Any]], tuple[int, str]]


@pytest.fixture
def ledger(tmp_path: Path) -> tuple[Path, str, Ed25519PrivateKey]:
    key = Ed25519PrivateKey.generate()
    d = tmp_path / "ledger"
    return d, build(d, event_list(random.Random(5), 30), key), key


@pytest.fixture
def verify_cli(
    ledger: tuple[Path, str, Ed25519PrivateKey],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Verify:
    """``fti report verify`` of a report document against the ledger: (exit code, output)."""

    def go(doc: dict[str, Any]) -> tuple[int, str]:
        path = tmp_path / "report.json"
        path.write_text(json.dumps(doc))
        d, vk, _key = ledger
        code, out, err = run(
            capsys, monkeypatch, "report", "verify", str(path), "--dir", str(d), "--key", vk
        )
        return code, out + err

    return go


def test_full_and_public_reports_recount_equal_after_the_log_grew(
    ledger: tuple[Path, str, Ed25519PrivateKey], verify_cli: Verify
) -> None:
    d, vk, key = ledger
    full = p3c.build(d, vk, 2025).to_json()
    pub = suppress.public(full)
    with Ledger.open(d, ORIGIN, key, durable=False) as led:  # the reports are now behind
        led.append(leaves(disclosed("DOJ", "NEW", "grand-jury", "2025-12-01", ["900555000"])))
    for doc in (full, pub):
        code, out = verify_cli(doc)
        assert code == 0, out
        assert "equal" in out and f"size {full['ledger']['size']}" in out


def test_a_changed_count_is_shown_and_exits_4(
    ledger: tuple[Path, str, Ed25519PrivateKey], verify_cli: Verify
) -> None:
    d, vk, _key = ledger
    full = p3c.build(d, vk, 2025).to_json()
    doj = next(a for a in full["agencies"] if a["agency"] == "DOJ")
    cell = doj["cells"][0]
    cell["instances"] += 1
    code, out = verify_cli(full)
    assert code == 4
    assert f"agencies[DOJ].cells[{cell['authority']} {cell['purpose']}].instances" in out
    assert str(cell["instances"]) in out and str(cell["instances"] - 1) in out


def test_a_public_count_not_in_the_recount_or_a_wrong_root_exits_4(
    ledger: tuple[Path, str, Ed25519PrivateKey], verify_cli: Verify
) -> None:
    d, vk, _key = ledger
    pub = suppress.public(p3c.build(d, vk, 2025).to_json())
    shown = next(a for a in pub["agencies"] if a["instances"] is not None)
    shown["instances"] += 100
    code, out = verify_cli(pub)
    assert code == 4 and f"agencies[{shown['agency']}].instances" in out
    pub = suppress.public(p3c.build(d, vk, 2025).to_json())
    pub["ledger"]["root"] = "00" * 32
    code, out = verify_cli(pub)
    assert code == 4 and "the tiles give root" in out
