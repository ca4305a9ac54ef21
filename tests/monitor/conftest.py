"""A small synthetic audit trail with planted misuse, loaded into a workspace."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from fti_gateway.core.workspace import Workspace
from fti_gateway.monitor import alerts, catalogue, engine, registers, synth


@dataclass
class Loaded:
    ws: Workspace
    trail: synth.Trail
    sources: engine.Sources
    found: list[alerts.Alert]


def load_trail(ws: Workspace, trail: synth.Trail, folder: Path) -> engine.Sources:
    for kind, path in synth.write_registers(trail, folder / "registers").items():
        registers.load(ws, kind, path)
    parts = synth.write_parquet(trail.events, folder / "events")
    return engine.Sources(
        parquet=parts,
        jsonl=[],
        employees=registers.latest(ws, "employees"),
        cases=registers.latest(ws, "cases"),
        high_profile=registers.latest(ws, "high-profile"),
        household=trail.household,
    )


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    folder = tmp_path_factory.mktemp("trail")
    ws = Workspace.init(folder / "home")
    trail = synth.generate(events=50_000, employees=200, plants=10, seed=19)
    sources = load_trail(ws, trail, folder)
    return Loaded(ws, trail, sources, alerts.detect(sources, catalogue.load(), b"k" * 32))
