"""The atheris harnesses run on every `make test`: a few seconds each from the seed
corpus, as subprocesses (libFuzzer owns its process and exits on a crash).

A crash fails the test with the harness's report; the input that caused it is kept in
the test's tmp folder (``crash-<sha1>``). ``FTI_FUZZ_TEST_SECONDS`` sets the time per
harness (default 4); longer runs are ``make fuzz`` (``fuzz/run.sh``).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HARNESSES = sorted(p.stem.removeprefix("fuzz_") for p in (ROOT / "fuzz").glob("fuzz_*.py"))
SECONDS = int(os.environ.get("FTI_FUZZ_TEST_SECONDS", "4"))


def test_there_is_a_harness_and_a_seed_corpus_for_each_target() -> None:
    assert HARNESSES == ["checkpoint", "entries", "manifest", "subjects"]
    for name in HARNESSES:
        assert any((ROOT / "fuzz" / "corpus" / name).iterdir()), f"no seeds for {name}"


@pytest.mark.parametrize("name", HARNESSES)
def test_harness_runs_without_a_crash(name: str, tmp_path: Path) -> None:
    if importlib.util.find_spec("atheris") is None:
        message = "atheris is not installed (pip install -c constraints.txt -e '.[dev]')"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; in CI the fuzz harnesses must run")
        pytest.skip(message)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    work = tmp_path / "corpus"
    work.mkdir()
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "fuzz" / f"fuzz_{name}.py"),
            f"-max_total_time={SECONDS}",
            "-rss_limit_mb=4096",
            f"-artifact_prefix={tmp_path}/",
            str(work),
            str(ROOT / "fuzz" / "corpus" / name),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=SECONDS + 120,
    )
    crashes = sorted(p.name for p in tmp_path.glob("crash-*"))
    assert proc.returncode == 0 and not crashes, (
        f"fuzz_{name} crashed (exit {proc.returncode}, inputs {crashes} in {tmp_path}):\n"
        + proc.stderr[-4000:]
    )
