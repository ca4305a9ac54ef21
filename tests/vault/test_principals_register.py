"""principal_for from the loaded employee register and cases (`fti employees|cases load`),
principals.yaml narrowing a registered employee's clearance, and the gate refusing a
separated employee."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from fti_gateway.core.errors import NotFoundError
from fti_gateway.core.workspace import Workspace
from fti_gateway.monitor import registers
from fti_gateway.vault.access import Gate
from fti_gateway.vault.principals import principal_for

_HOURS = '{days: [Mon], start: "08:00", end: "17:00", timezone: America/New_York}'
EMPLOYEES = f"""\
format: fti/employees/v1
as_of: 2026-01-01
employees:
  - {{id: E1, unit: disclosure, role: disclosure_officer, tin: null, household_address: null,
     work_hours: {_HOURS}, start: 2020-01-01, separation: null}}
  - {{id: E2, unit: disclosure, role: disclosure_officer, tin: null, household_address: null,
     work_hours: {_HOURS}, start: 2020-01-01, separation: 2026-03-31}}
"""
CASES = """\
format: fti/cases/v1
as_of: 2026-01-01
cases:
  - {id: C-1, unit: disclosure, purpose: case-work, opened: 2026-01-01, closed: null,
     assigned: [E1, E2], subjects: []}
  - {id: C-2, unit: disclosure, purpose: case-work, opened: 2026-01-01, closed: 2026-02-01,
     assigned: [E1], subjects: []}
  - {id: C-3, unit: disclosure, purpose: case-work, opened: 2026-01-01, closed: null,
     assigned: [E9], subjects: []}
"""


@pytest.fixture
def ws(workspace: Workspace, tmp_path: Path) -> Workspace:
    for kind, text in (("employees", EMPLOYEES), ("cases", CASES)):
        (tmp_path / f"{kind}.yaml").write_text(text)
        registers.load(workspace, kind, tmp_path / f"{kind}.yaml")
    return workspace


def test_the_register_gives_role_unit_open_cases_and_employment(ws: Workspace) -> None:
    p = principal_for(ws.home, "E1", today=date(2026, 3, 1))
    assert (p.role, p.unit, p.kind) == ("disclosure_officer", "disclosure", "person")
    assert p.cases == {"C-1"}  # C-2 closed, C-3 not theirs
    assert (p.cleared_from, p.cleared_until) == (date(2020, 1, 1), None)
    assert principal_for(ws.home, "E1", today=date(2026, 1, 15)).cases == {"C-1", "C-2"}
    assert principal_for(ws.home, "E2").cleared_until == date(2026, 3, 31)


def test_once_a_register_is_loaded_principals_yaml_names_nobody_new(ws: Workspace) -> None:
    (ws.home / "principals.yaml").write_text(
        "format: fti/principals/v1\nprincipals:\n"
        "  - {id: K1, role: contractor, unit: mod, cases: [C-1], cleared_from: 2025-01-01}\n"
    )
    with pytest.raises(NotFoundError, match="employee register"):
        principal_for(ws.home, "K1")


def test_principals_yaml_narrows_but_never_widens_a_registered_clearance(ws: Workspace) -> None:
    (ws.home / "principals.yaml").write_text(
        "format: fti/principals/v1\nprincipals:\n"
        "  - {id: E1, role: auditor, cases: [C-3], cleared_from: 2019-01-01,"
        " cleared_until: 2026-06-30}\n"
        "  - {id: E2, role: auditor, cleared_from: 2021-01-01, cleared_until: 2027-12-31}\n"
    )
    e1 = principal_for(ws.home, "E1", today=date(2026, 3, 1))
    assert (e1.role, e1.cases) == ("disclosure_officer", {"C-1"})
    assert (e1.cleared_from, e1.cleared_until) == (date(2020, 1, 1), date(2026, 6, 30))
    e2 = principal_for(ws.home, "E2")
    assert (e2.cleared_from, e2.cleared_until) == (date(2021, 1, 1), date(2026, 3, 31))


def test_the_gate_refuses_a_separated_employee(ws: Workspace) -> None:
    def at(day: date) -> Gate:
        gate = Gate.for_home(ws.home)
        gate.clock = lambda: datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        return gate

    e2 = principal_for(ws.home, "E2", today=date(2026, 3, 31))
    last_day = at(date(2026, 3, 31)).decide(e2, "lookup", purpose="case-work", case="C-1")
    assert last_day.allowed
    after = at(date(2026, 4, 1)).decide(e2, "lookup", purpose="case-work", case="C-1")
    assert not after.allowed and after.policies == ("clearance-expired",)
