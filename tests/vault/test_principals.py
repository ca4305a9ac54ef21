"""principal_for: a person's attributes for the read policy, from principals.yaml."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fti_gateway.core.errors import InputError, NotFoundError
from fti_gateway.vault.principals import principal_for


def test_a_listed_employee_has_their_role_unit_cases_and_clearance(tmp_path: Path) -> None:
    (tmp_path / "principals.yaml").write_text(
        "format: fti/principals/v1\nprincipals:\n"
        "  - {id: K1, role: contractor, unit: mod, cases: [C-1, C-2], "
        "cleared_from: 2025-01-01, cleared_until: '2026-12-31'}\n"
    )
    p = principal_for(tmp_path, "K1")
    assert (p.role, p.unit, p.kind) == ("contractor", "mod", "person")
    assert p.cases == {"C-1", "C-2"}
    assert (p.cleared_from, p.cleared_until) == (date(2025, 1, 1), date(2026, 12, 31))


def test_an_unknown_employee_or_no_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="E9"):
        principal_for(tmp_path, "E9")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("format: fti/principals/v1\nprincipals: [\n", "line"),
        ("format: other\nprincipals: []\n", "fti/principals/v1"),
        ("format: fti/principals/v1\nprincipals:\n  - {id: E1}\n", "role"),
        (
            "format: fti/principals/v1\nprincipals:\n  - {id: E1, role: auditor, "
            "cleared_from: someday}\n",
            "cleared_from",
        ),
    ],
)
def test_a_bad_file_says_where_and_what(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "principals.yaml").write_text(text)
    with pytest.raises(InputError) as err:
        principal_for(tmp_path, "E1")
    assert message in str(err.value)
