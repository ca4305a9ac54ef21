"""A vault that holds no TINs (FEBRL-like data, or a vault loaded from a source without
them): every TIN level then trains to 0 bits, the weight of the null level, and a missing TIN
must still read as missing — never as "TIN equal", which lifts the guard's checks."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from fti_gateway.resolve import ResolveSettings, resolve, train
from tests.resolve.conftest import taxpayer_of
from tests.resolve.fixtures import FakeVault, make_master


@pytest.fixture(scope="module")
def tinless(tmp_path_factory: pytest.TempPathFactory) -> tuple[FakeVault, Path, pd.DataFrame]:
    root = tmp_path_factory.mktemp("tinless")
    vault = make_master(root, people=600)
    part = root / "master" / "part-0.parquet"
    rows = pd.read_parquet(part)
    rows["tin"] = None
    rows.to_parquet(part, index=False)
    models = root / "models"
    train(vault, models, ResolveSettings(training_sample=600, calibration_sample=1500))
    return vault, models, rows


def okonkwo(subject_id: str, first_name: str) -> dict[str, str]:
    """A subject with Zephyrine Okonkwo's surname, DOB and address (a rare name, alone at
    her address in the fixture vault)."""
    return dict(
        subject_id=subject_id,
        first_name=first_name,
        last_name="Okonkwo",
        dob="1961-05-17",
        street="3 Quarry Lane",
        city="Bangor",
        state="ME",
        zip="04401",
    )


def test_first_name_that_differs_is_not_waved_through(
    tinless: tuple[FakeVault, Path, pd.DataFrame],
) -> None:
    """Surname, DOB and address of Zephyrine Okonkwo under another first name: a sibling or
    twin in the household. Strong on weight, but the first-name guard holds it for review."""
    vault, models, rows = tinless
    subjects = pd.DataFrame([okonkwo("twin", "Gertrude"), okonkwo("self", "Zephyrine")])
    out = resolve(subjects, vault, models_dir=models).set_index("subject_id")
    her = taxpayer_of(rows, "Zephyrine", "Okonkwo")
    twin = json.loads(out.loc["twin", "explanation"])
    assert twin["best"]["taxpayer_id"] == her
    assert twin["best"]["weight"] >= twin["threshold"]  # the weight alone would disclose
    assert out.loc["twin", "status"] == "ambiguous"
    assert any("first names disagree" in r for r in twin["reasons"])
    assert out.loc["self", "status"] == "match"
    assert out.loc["self", "taxpayer_id"] == her


def test_explanation_says_missing_not_equal(
    tinless: tuple[FakeVault, Path, pd.DataFrame],
) -> None:
    vault, models, _ = tinless
    subjects = pd.DataFrame(
        [dict(subject_id="z", first_name="Zephyrine", last_name="Okonkwo", dob="1961-05-17")]
    )
    out = resolve(subjects, vault, models_dir=models)
    fields = {f["field"]: f for f in json.loads(out.explanation.iloc[0])["best"]["fields"]}
    assert fields["tin"]["level"] == "missing on one side"
    assert fields["suffix"]["level"] == "missing on one side"
