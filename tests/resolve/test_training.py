"""Training details that decide what a weight means."""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pytest

from fti_gateway.resolve.model import FIRST_INITIAL
from fti_gateway.resolve.training import initial_collision, initial_u


def _model(u_initial: float) -> dict[str, Any]:
    levels = [
        {"is_null_level": True},
        {"label_for_charts": "first name equal", "m_probability": 0.84, "u_probability": 0.0056},
        {"label_for_charts": FIRST_INITIAL, "m_probability": 0.025, "u_probability": u_initial},
        {"label_for_charts": "first name differs", "m_probability": 0.135, "u_probability": 0.0},
    ]
    levels[3]["u_probability"] = 1.0 - 0.0056 - u_initial
    return {"comparisons": [{"output_column_name": "first_name", "comparison_levels": levels}]}


def test_initial_collision_is_the_chance_two_people_share_an_initial() -> None:
    con = duckdb.connect()
    con.execute(
        """CREATE TABLE records AS SELECT * FROM (VALUES
             ('a', true), ('a', true), ('b', true), ('c', true), ('z', false), (NULL, true)
           ) t(fn_i, is_latest)"""
    )
    assert initial_collision(con) == pytest.approx(0.5**2 + 0.25**2 + 0.25**2)


def test_a_bare_initial_is_worth_what_sharing_an_initial_is_worth() -> None:
    """At the floor (2e-7) a bare initial weighed 16.9 bits, more than a full common name;
    set from the collision chance it weighs log2(1 / Σp²)."""
    model = initial_u(_model(2e-7), 0.07)
    levels = model["comparisons"][0]["comparison_levels"][1:]
    lv = next(x for x in levels if x["label_for_charts"] == FIRST_INITIAL)
    assert math.log2(lv["m_probability"] / lv["u_probability"]) == pytest.approx(
        math.log2(1 / 0.07)
    )
    assert sum(x["u_probability"] for x in levels) == pytest.approx(1.0)
