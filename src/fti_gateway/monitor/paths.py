"""Where the monitor's inputs and outputs live in a workspace.

The read gate (vault.access) appends its own events to ``inspections/gate.jsonl``;
imports are Parquet under ``inspections/imported/<source digest>/``. The monitor reads
every ``inspections/**/*.jsonl`` and every imported part, so a new writer of events
only has to put JSON Lines under ``inspections/``.
"""

from __future__ import annotations

from pathlib import Path

from fti_gateway.core import registers as _registers
from fti_gateway.core.workspace import Workspace

INSPECTIONS = "inspections"
GATE_LOG = "gate.jsonl"
IMPORTED = "imported"
REGISTERS = _registers.REGISTERS
MONITOR = "monitor"


def inspections_dir(ws: Workspace) -> Path:
    return ws.home / INSPECTIONS


def imported_dir(ws: Workspace) -> Path:
    return inspections_dir(ws) / IMPORTED


def registers_dir(ws: Workspace) -> Path:
    return _registers.registers_dir(ws.home)


def monitor_dir(ws: Workspace) -> Path:
    return ws.home / MONITOR
