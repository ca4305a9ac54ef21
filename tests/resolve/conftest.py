from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fti_gateway.resolve import ResolveSettings, train
from tests.resolve.fixtures import FakeVault, make_master


@pytest.fixture(scope="session")
def small_vault(tmp_path_factory: pytest.TempPathFactory) -> tuple[FakeVault, Path]:
    """A 600-person vault with its model trained once for the whole session."""
    root = tmp_path_factory.mktemp("vault")
    vault = make_master(root, people=600)
    models = root / "models"
    train(vault, models, ResolveSettings(training_sample=600, calibration_sample=1500))
    return vault, models


@pytest.fixture(scope="session")
def master_rows(small_vault: tuple[FakeVault, Path]) -> pd.DataFrame:
    vault, _ = small_vault
    return pd.read_parquet(vault.master_glob.replace("part-*.parquet", "part-0.parquet"))


def tin_of(rows: pd.DataFrame, first: str, last: str, sfx: str | None = None) -> str:
    sel = rows[(rows.first_name == first) & (rows.last_name == last)]
    if sfx is not None:
        sel = sel[sel.suffix == sfx]
    return str(sel.tin.iloc[0])


def taxpayer_of(rows: pd.DataFrame, first: str, last: str, sfx: str | None = None) -> str:
    sel = rows[(rows.first_name == first) & (rows.last_name == last)]
    if sfx is not None:
        sel = sel[sel.suffix == sfx]
    return str(sel.taxpayer_id.iloc[0])
