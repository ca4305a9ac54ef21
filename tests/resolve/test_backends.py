"""Spark and DuckDB give the same resolution on the same small data (mark ``spark``).

CI sets FTI_REQUIRE_SPARK=1: then a Spark that cannot start fails the test instead of
skipping it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from fti_gateway.resolve import ResolveSettings, resolve
from tests.resolve.conftest import tin_of
from tests.resolve.fixtures import FakeVault


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    try:
        from fti_gateway.resolve.backends.spark import spark_session

        session = spark_session("local[1]")
        session.range(1).count()
    except Exception as e:  # Spark missing, no JVM, …
        if os.environ.get("FTI_REQUIRE_SPARK") == "1":
            pytest.fail(f"FTI_REQUIRE_SPARK=1 but Spark cannot start: {e}")
        pytest.skip(f"Spark cannot start here: {e}")
    yield session
    session.stop()


def _subjects(rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        [
            dict(
                subject_id="tin",
                first_name="Bill",
                last_name="Harrison",
                tin=tin_of(rows, "William", "Harrison"),
            ),
            dict(
                subject_id="moved",
                first_name="Bill",
                last_name="Harrison",
                dob="1970-02-09",
                street="77 Elm Street",
                city="Albany",
                state="NY",
                zip="12207",
            ),
            dict(
                subject_id="namesake",
                first_name="Robert",
                last_name="Walker",
                street="12 Oak Avenue",
                city="Springfield",
                state="IL",
                zip="62701",
            ),
            dict(
                subject_id="wrong_tin",
                first_name="Linda",
                last_name="Walker",
                dob="1952-01-15",
                street="12 Oak Ave",
                zip="62701",
                tin=tin_of(rows, "Robert", "Walker", "Sr"),
            ),
            dict(
                subject_id="compound",
                first_name="Maria",
                last_name="Garcia",
                dob="1985-06-02",
                street="400 N Main St Apt 4B",
                city="Austin",
                state="TX",
                zip="78701",
            ),
            dict(
                subject_id="transposed",
                first_name="Harrison",
                last_name="William",
                dob="1970-02-09",
                street="9 River Rd",
                city="Tucson",
                state="AZ",
                zip="85701",
            ),
            dict(
                subject_id="stranger", first_name="Nobody", last_name="Unknownson", dob="1990-01-01"
            ),
        ]
    )


@pytest.mark.spark
@pytest.mark.slow
def test_spark_equals_duckdb(
    spark: Any, small_vault: tuple[FakeVault, Path], master_rows: pd.DataFrame
) -> None:
    vault, models = small_vault
    subjects = _subjects(master_rows)
    duck = resolve(subjects, vault, models_dir=models, settings=ResolveSettings(backend="duckdb"))
    sprk = resolve(subjects, vault, models_dir=models, settings=ResolveSettings(backend="spark"))
    cols = ["subject_id", "taxpayer_id", "status", "runner_up_taxpayer_id", "pass"]
    d = duck.sort_values("subject_id").reset_index(drop=True)
    s = sprk.sort_values("subject_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(d[cols], s[cols])
    pd.testing.assert_series_equal(d["match_weight"], s["match_weight"], atol=1e-3)
    assert set(d["status"]) == {"match", "ambiguous", "no_match"}
