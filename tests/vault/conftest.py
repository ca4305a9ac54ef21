"""A small generated vault shared by the vault tests (generation takes well under a second)."""

from __future__ import annotations

import pytest

from fti_gateway.vault.store import Vault
from fti_gateway.vault.synth import master

PEOPLE = 20_000
CHUNK = 6_000  # several chunks, so chunk boundaries are exercised
SEED = 42


@pytest.fixture(scope="session")
def synth_vault(tmp_path_factory: pytest.TempPathFactory) -> Vault:
    vault = Vault(tmp_path_factory.mktemp("vault"))
    master.generate(vault.master_dir, PEOPLE, SEED, chunk_size=CHUNK)
    return vault
