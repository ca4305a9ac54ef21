"""`fti report verify`: a report recomputed from the tiles alone, equal or the cells that differ."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.ledger.log import Ledger
from fti_gateway.report import p3c, suppress
from tests.cli.runner import run
from tests.report.ledgers import ORIGIN, build, event_list, leaves


@pytest.fixture
def ledger(tmp_path: Path) -> tuple[Path, str, Ed25519PrivateKey]:
    import random

    key = Ed25519PrivateKey.generate()
    d = tmp_path / "ledger"
    return d, build(d, event_list(random.Random(5), 30), key), key


def test_full_and_public_reports_recount_equal_after_the_log_grew(
    ledger: tuple[Path, str, Ed25519PrivateKey],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    d, vk, key = ledger
    full = p3c.build(d, vk, 2025).to_json()
    pub = suppress.public(full)
    (tmp_path / "full.json").write_text(json.dumps(full))
    (tmp_path / "public.json").write_text(json.dumps(pub))
    extra = {
        "kind": "disclosure",
        "agency": "DOJ",
        "id": "NEW",
        "authority": "6103(i)(2)",
        "recipient": "DOJ",
        "purpose": "grand-jury",
        "date": "2025-12-01",
        "tins": ["900555000"],
    }
    with Ledger.open(d, ORIGIN, key, durable=False) as led:
        led.append(leaves(extra))  # the report is at an earlier checkpoint
    for name in ("full.json", "public.json"):
        code, out, err = run(
            capsys,
            monkeypatch,
            "report",
            "verify",
            str(tmp_path / name),
            "--dir",
            str(d),
            "--key",
            vk,
        )
        assert code == 0, out + err
        assert "equal" in out and f"size {full['ledger']['size']}" in out


def test_a_changed_count_is_shown_and_exits_4(
    ledger: tuple[Path, str, Ed25519PrivateKey],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    d, vk, _key = ledger
    full = p3c.build(d, vk, 2025).to_json()
    doj = next(a for a in full["agencies"] if a["agency"] == "DOJ")
    doj["cells"][0]["instances"] += 1
    (tmp_path / "bad.json").write_text(json.dumps(full))
    code, out, _err = run(
        capsys,
        monkeypatch,
        "report",
        "verify",
        str(tmp_path / "bad.json"),
        "--dir",
        str(d),
        "--key",
        vk,
    )
    assert code == 4
    cell = doj["cells"][0]
    assert f"agencies[DOJ].cells[{cell['authority']} {cell['purpose']}].instances" in out
    assert str(cell["instances"]) in out and str(cell["instances"] - 1) in out


def test_a_public_count_not_in_the_recount_or_a_wrong_root_exits_4(
    ledger: tuple[Path, str, Ed25519PrivateKey],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    d, vk, _key = ledger
    pub = suppress.public(p3c.build(d, vk, 2025).to_json())
    shown = next(a for a in pub["agencies"] if a["instances"] is not None)
    shown["instances"] += 100
    (tmp_path / "p.json").write_text(json.dumps(pub))
    code, out, _ = run(
        capsys,
        monkeypatch,
        "report",
        "verify",
        str(tmp_path / "p.json"),
        "--dir",
        str(d),
        "--key",
        vk,
    )
    assert code == 4 and f"agencies[{shown['agency']}].instances" in out
    pub = suppress.public(p3c.build(d, vk, 2025).to_json())
    pub["ledger"]["root"] = "00" * 32
    (tmp_path / "r.json").write_text(json.dumps(pub))
    code, out, err = run(
        capsys,
        monkeypatch,
        "report",
        "verify",
        str(tmp_path / "r.json"),
        "--dir",
        str(d),
        "--key",
        vk,
    )
    assert code == 4 and "the tiles give root" in out + err
