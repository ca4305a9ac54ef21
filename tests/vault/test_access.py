"""The read gate: Cedar decides, every read (allowed or denied) is recorded with the
policies that decided, and only an allowed read returns data."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from fti_gateway.core.errors import ConfigError
from fti_gateway.vault.access import (
    DEFAULT_DENY,
    RESOLVER,
    AccessDenied,
    Gate,
    PolicySet,
    Principal,
)
from fti_gateway.vault.inspections import gate_log, read_events
from fti_gateway.vault.store import Vault

SCENARIOS = yaml.safe_load((Path(__file__).parent / "scenarios" / "access.yaml").read_text())
NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
OFFICER = Principal(
    "E10001", "disclosure_officer", unit="disclosure", cases=frozenset({"C-1"}),
    cleared_from=date(2024, 1, 1),
)  # fmt: skip
CONTRACTOR = Principal(
    "K30001", "contractor", unit="modernization", cases=frozenset({"C-1"}),
    cleared_from=date(2025, 1, 1), cleared_until=date(2026, 12, 31),
)  # fmt: skip


def _principal(spec: dict[str, Any]) -> Principal:
    return Principal(
        id=spec["id"],
        role=spec["role"],
        kind=spec.get("kind", "person"),
        unit=spec.get("unit"),
        cases=frozenset(spec.get("cases", [])),
        cleared_from=spec.get("cleared_from"),
        cleared_until=spec.get("cleared_until"),
    )


@pytest.mark.parametrize("case", SCENARIOS["cases"], ids=lambda c: c["name"])
def test_scenario(case: dict[str, Any]) -> None:
    now = datetime.fromisoformat(case.get("now", SCENARIOS["defaults"]["now"]))
    verdict = PolicySet.load().decide(
        _principal(SCENARIOS["principals"][case["principal"]]),
        case["action"],
        purpose=case["purpose"],
        case=case.get("case"),
        request=case.get("request"),
        now=now,
    )
    assert verdict.allowed is (case["expect"] == "allowed")
    assert sorted(verdict.policies) == sorted(case["policies"])


@pytest.fixture
def gate(synth_vault: Vault, tmp_path: Path) -> Gate:
    return Gate(synth_vault, tmp_path, clock=lambda: NOW)


def _a_tin(vault: Vault) -> str:
    con = vault.connect()
    try:
        return str(con.execute("SELECT tin FROM master ORDER BY taxpayer_id LIMIT 1").fetchone()[0])  # type: ignore[index]
    finally:
        con.close()


def _trail(home: Path) -> list[dict[str, Any]]:
    return [obj for _, obj in read_events(gate_log(home))]


def test_an_allowed_lookup_returns_the_taxpayer_and_records_it(
    gate: Gate, synth_vault: Vault
) -> None:
    tin = _a_tin(synth_vault)
    rows = gate.lookup(OFFICER, tin, purpose="case-work", case="C-1")
    assert len(rows) >= 1 and set(rows["tin"]) == {tin}
    [ev] = _trail(gate.home)
    assert ev["outcome"] == "allowed" and ev["taxpayer"] == tin and ev["rows"] == len(rows)
    assert ev["principal"] == "E10001" and ev["case"] == "C-1" and ev["action"] == "lookup"
    assert ev["policies"] == ["officer-lookup-in-assigned-case"]
    assert gate.events[0].id == ev["id"]


def test_a_denied_lookup_is_recorded_with_the_policy_and_returns_nothing(
    gate: Gate, synth_vault: Vault
) -> None:
    tin = _a_tin(synth_vault)
    with pytest.raises(AccessDenied) as err:
        gate.lookup(CONTRACTOR, tin, purpose="system-testing", case="C-7")
    assert err.value.exit_code == 7
    assert "contractor-outside-case" in str(err.value)
    [ev] = _trail(gate.home)
    assert ev["outcome"] == "denied" and ev["rows"] == 0 and ev["taxpayer"] == tin
    assert "contractor-outside-case" in ev["policies"]
    assert err.value.event is not None and err.value.event.id == ev["id"]


def test_an_unknown_role_is_denied_by_default_and_the_record_says_so(
    gate: Gate, synth_vault: Vault
) -> None:
    janitor = Principal(
        "E90001", "janitor", cases=frozenset({"C-1"}), cleared_from=date(2020, 1, 1)
    )
    with pytest.raises(AccessDenied, match="default deny"):
        gate.lookup(janitor, _a_tin(synth_vault), purpose="case-work", case="C-1")
    [ev] = _trail(gate.home)
    assert ev["outcome"] == "denied" and ev["policies"] == [DEFAULT_DENY]


def test_a_bulk_read_is_recorded_before_the_reader_is_handed_out(gate: Gate) -> None:
    with gate.read(RESOLVER, "export", purpose="identity-resolution", request="R-1") as reader:
        [ev] = _trail(gate.home)
        assert ev["action"] == "export" and ev["taxpayer"] is None
        assert ev["rows"] == gate.row_count() > 0 and ev["request"] == "R-1"
        con = reader.connect()
        assert con.execute("SELECT count(*) FROM master").fetchone()[0] == ev["rows"]  # type: ignore[index]
        con.close()


def test_a_metadata_read_is_not_an_inspection_unless_denied(gate: Gate) -> None:
    from fti_gateway.vault.access import VAULT_SERVICE

    with gate.read(VAULT_SERVICE, "read_metadata", purpose="integrity-check"):
        pass
    assert not gate_log(gate.home).exists()
    with pytest.raises(AccessDenied), gate.read(CONTRACTOR, "read_metadata", purpose="sizing"):
        pass
    [ev] = _trail(gate.home)
    assert ev["outcome"] == "denied" and ev["scope"] == "metadata"


def test_a_workspace_policy_replaces_the_shipped_one(gate: Gate, synth_vault: Vault) -> None:
    (gate.home / "policies").mkdir()
    (gate.home / "policies" / "office.cedar").write_text(
        '@id("disclosure-unit-only")\n'
        '@reason("only the disclosure unit looks up taxpayers here")\n'
        'permit (principal, action == FTI::Action::"lookup", resource)\n'
        'when { principal in FTI::Unit::"disclosure" && context has case };\n'
    )
    tin = _a_tin(synth_vault)
    gate.lookup(OFFICER, tin, purpose="case-work", case="C-9")  # no assignment needed here
    with pytest.raises(AccessDenied):
        gate.lookup(CONTRACTOR, tin, purpose="case-work", case="C-1")  # allowed by the shipped set
    first, second = _trail(gate.home)
    assert first["policies"] == ["disclosure-unit-only"] and second["policies"] == [DEFAULT_DENY]


def test_a_workspace_policy_that_does_not_fit_the_schema_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.cedar").write_text(
        '@id("typo")\npermit (principal, action, resource) when { principal.rolle == "x" };\n'
    )
    with pytest.raises(ConfigError) as err:
        PolicySet.load(tmp_path)
    assert err.value.exit_code == 5 and "rolle" in "\n".join(err.value.details)


def test_a_policy_without_an_id_is_refused(tmp_path: Path) -> None:
    (tmp_path / "anon.cedar").write_text("permit (principal, action, resource);\n")
    with pytest.raises(ConfigError, match="@id"):
        PolicySet.load(tmp_path)


def test_the_contexts_now_is_the_second_in_utc_however_the_time_is_given() -> None:
    from datetime import timedelta, timezone

    from fti_gateway.vault.access import _now_value

    aware = datetime(2026, 3, 1, 12, 0, 0, 999_999, tzinfo=UTC)
    naive = datetime(2026, 3, 1, 12, 0, 0, 5)
    east = datetime(2026, 3, 1, 13, 0, 0, tzinfo=timezone(timedelta(hours=1)))
    want = {"__extn": {"fn": "datetime", "arg": "2026-03-01T12:00:00Z"}}
    assert _now_value(aware) == _now_value(naive) == _now_value(east) == want
    assert _now_value(aware + timedelta(microseconds=1))["__extn"]["arg"] == "2026-03-01T12:00:01Z"
