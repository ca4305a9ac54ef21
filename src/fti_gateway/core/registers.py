"""Where the loaded registers lie: ``<workspace>/registers/<kind>/<as_of>.parquet``.

Down here, not in ``monitor``, because two layers read them: the monitor (which loads and
joins them) and the read gate's ``vault.principals`` (which builds a person's attributes
from the employee register and cases) — and the vault may not import the monitor.
"""

from __future__ import annotations

from pathlib import Path

REGISTERS = "registers"


def registers_dir(home: Path) -> Path:
    return Path(home) / REGISTERS


def latest(home: Path, kind: str) -> Path | None:
    """The newest snapshot of ``kind`` (None if never loaded); dates sort as text."""
    folder = registers_dir(home) / kind
    files = sorted(folder.glob("????-??-??.parquet")) if folder.is_dir() else []
    return files[-1] if files else None
