"""Pre-blocking reads a rule's columns off Splink's SQL; anything else falls back to a join."""

from __future__ import annotations

from splink import block_on

from fti_gateway.resolve.scoring import _equi_columns


def test_equality_rules_give_their_columns() -> None:
    sql = block_on("ln_first", "dob_s").get_blocking_rule("duckdb").blocking_rule_sql
    assert _equi_columns(sql) == ["ln_first", "dob_s"]
    assert _equi_columns(block_on("tin").get_blocking_rule("duckdb").blocking_rule_sql) == ["tin"]


def test_other_rules_are_not_read_as_equalities() -> None:
    assert _equi_columns('l."fn" = r."ln"') is None
    assert _equi_columns('levenshtein(l."fn", r."fn") <= 1') is None
    assert _equi_columns('(l."fn" = r."fn") AND (l."dob_y" > r."dob_y")') is None
