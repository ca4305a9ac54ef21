"""`fti --help` and the light commands must start without the heavy libraries.

Each case runs the real command in a fresh interpreter with ``-X importtime`` and reads
every module it imported from stderr: importing pandas, DuckDB, SQLAlchemy, Splink,
FastAPI or PySpark costs seconds at startup (issue 20), so one eager import anywhere in the
CLI's import chain (a command module, a package ``__init__``) fails here. No timing is
asserted: the time itself is measured in bench/cli.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("pandas", "duckdb", "sqlalchemy", "splink", "fastapi", "pyspark", "numpy", "pyarrow")
SRC = Path(__file__).resolve().parents[2] / "src"


def imported_modules(*args: str, cwd: Path) -> set[str]:
    """Every module ``python ARGS`` imported, read from ``-X importtime``."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "FTI_HOME": str(cwd / "none")}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [x for x in done.stderr.splitlines() if x.startswith("import time:")]
    assert len(lines) > 50, "no -X importtime output: the check would pass vacuously"
    return {x.rsplit("|", 1)[1].strip() for x in lines[1:]}


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("version",),
        ("resolve", "--help"),
        ("law", "--help"),
        ("ledger", "verify", "--help"),
        ("synth", "request", "--help"),
        ("officer", "add", "--help"),
        ("monitor", "run", "--help"),
        ("witness", "serve", "--help"),
        ("taxpayer", "view", "--help"),
        ("employees", "load", "--help"),
        ("report", "p3c", "--help"),
    ],
    ids=lambda a: " ".join(a),
)
def test_light_commands_import_no_heavy_library(args: tuple[str, ...], tmp_path: Path) -> None:
    modules = imported_modules("-m", "fti_gateway", *args, cwd=tmp_path)
    assert "fti_gateway.cli.main" in modules
    heavy = sorted({m.split(".")[0] for m in modules} & set(HEAVY))
    assert heavy == [], f"`fti {' '.join(args)}` imported {heavy}"


def test_the_check_sees_a_heavy_import(tmp_path: Path) -> None:
    """The same reader does see the heavy libraries where they are imported (the resolver
    needs pandas and DuckDB), so the test above can fail."""
    modules = imported_modules("-c", "import fti_gateway.resolve", cwd=tmp_path)
    assert {"pandas", "duckdb"} <= {m.split(".")[0] for m in modules}
