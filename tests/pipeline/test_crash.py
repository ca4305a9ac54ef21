"""`kill -9` anywhere in a whole `fti request submit`, then a rerun: it finishes, and the
ledger, the run folder and the state store hold what one clean run would have left.

Real processes, really killed: a small workspace is made with the real CLI, a warm-up
request trains the resolver's model once, and each trial copies that workspace, starts
`fti request submit`, sends SIGKILL after a delay drawn from a seeded RNG over the
measured duration of a clean run, and submits again to completion. Leaves are counted
by (kind, request) and (kind, request, taxpayer) — fields FORMATS §7 has always had.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger import verify
from fti_gateway.ledger.reader import TileReader
from fti_gateway.ledger.storage import FsStorage
from fti_gateway.ledger.tiles import TILE_WIDTH
from fti_gateway.store import StateStore

ROOT = Path(__file__).resolve().parents[2]
SEED = 14
KILLS = 4
TIMEOUT = 180


def fti(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-m", "fti_gateway", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
    )
    if check:
        assert proc.returncode == 0, (
            f"fti {' '.join(map(str, args))}: exit {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


def submit_popen(home: Path, manifest: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fti_gateway",
            "request",
            "submit",
            str(manifest),
            "--home",
            str(home),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@dataclass
class Base:
    """A warm workspace: a vault, the resolver's model trained by a warm-up request, and
    the measured duration of one clean submission. Each test submits requests of its own
    in it (a copy would retrain: the model is keyed by the vault's absolute path)."""

    folder: Path
    key: str
    warmup: tuple[str, str]
    clean_seconds: float

    @property
    def home(self) -> Path:
        return self.folder / "H"

    def new_request(self, seed: int) -> tuple[Path, tuple[str, str]]:
        out = self.folder / f"R{seed}"
        fti(
            "synth",
            "request",
            "--kind",
            "criminal-i2",
            "--size",
            "20",
            "--seed",
            seed,
            "--home",
            self.home,
            "--out",
            out,
        )
        return out / "manifest.yaml", _request_key(out / "manifest.yaml")


def _request_key(manifest: Path) -> tuple[str, str]:
    text = manifest.read_text()
    agency = re.search(r"^\s+agency:\s*(\S+)", text, re.M)
    rid = re.search(r"^id:\s*(\S+)", text, re.M)
    assert agency and rid, f"cannot read the request key from {manifest}"
    return agency[1].strip("\"'"), rid[1].strip("\"'")


def leaves(home: Path, key: str) -> list[dict[str, Any]]:
    size = verify(home / "ledger", key).size
    reader = TileReader(FsStorage(home / "ledger"), size)
    raw = [e for n in range((size + TILE_WIDTH - 1) // TILE_WIDTH) for e in reader.bundle(n)]
    return [json.loads(e) for e in raw]


def check_invariants(home: Path, key: str, request: tuple[str, str]) -> None:
    """What one clean run of ``request`` leaves behind, whatever happened before."""
    fti("ledger", "verify", "--dir", home / "ledger", "--key", key)
    agency, rid = request
    mine = [x for x in leaves(home, key) if (x["request"]["agency"], x["request"]["id"]) == request]
    by_kind = Counter(x["kind"] for x in mine)
    assert by_kind["request_received"] == 1, f"request_received leaves: {by_kind}"
    assert by_kind["decision"] == 1, f"decision leaves: {by_kind}"
    for kind in ("inspection", "disclosure"):
        per_taxpayer = Counter(x["taxpayer"] for x in mine if x["kind"] == kind)
        doubled = {t: n for t, n in per_taxpayer.items() if n > 1}
        assert not doubled, f"{kind} leaves written more than once: {len(doubled)} taxpayers"
    decisions = [
        p
        for p in (home / "runs").glob("*/decision.json")
        if json.loads(p.read_text())["request"] == {"agency": agency, "id": rid}
    ]
    assert len(decisions) == 1, f"decision.json files for {request}: {decisions}"
    run_dir = decisions[0].parent
    if by_kind["disclosure"]:
        assert (run_dir / "package").is_dir(), "disclosures in the ledger but no package"
        fti("disclose", "verify", run_dir / "package", "--own", "--home", home)
    store = StateStore.for_workspace(Workspace.open(home))
    try:
        record = store.get_request(agency, rid)
        assert record is not None, "the request is not in the state store"
        assert record.status not in ("received", "running"), f"request status {record.status}"
        runs = store.list_runs(record.pk)
        assert runs and runs[-1].status == "done", f"last run: {runs[-1] if runs else None}"
    finally:
        store.dispose()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    folder = tmp_path_factory.mktemp("crash") / "ws"
    folder.mkdir()
    home = folder / "H"
    fti("init", "--home", home)
    fti("synth", "master", "--people", "2000", "--seed", SEED, "--home", home)
    key = fti("ledger", "key", "--home", home).stdout.strip()
    made = Base(folder, key, ("", ""), 0.0)
    # The warm-up trains the resolver's model once, so each trial below is a few seconds.
    warm, made.warmup = made.new_request(SEED)
    fti("request", "submit", warm, "--home", home)
    # One clean, timed run spreads the kill points over a whole (warm) submission.
    probe, probe_key = made.new_request(SEED + 1)
    started = time.monotonic()
    fti("request", "submit", probe, "--home", home)
    made.clean_seconds = time.monotonic() - started
    check_invariants(home, key, probe_key)  # the invariants hold for a clean run
    return made


def _delays(clean_seconds: float) -> list[float]:
    """One seeded kill point in each of KILLS equal slices of a clean run, so the kills
    are spread over start-up, intake, the ledger appends, resolution and packaging."""
    rng = random.Random(SEED)
    width = clean_seconds / KILLS
    return [round(width * (k + rng.uniform(0.1, 0.9)), 3) for k in range(KILLS)]


@pytest.mark.parametrize("trial", range(KILLS))
def test_a_submit_killed_at_a_random_point_is_finished_by_a_rerun(base: Base, trial: int) -> None:
    delay = _delays(base.clean_seconds)[trial]
    home = base.home
    manifest, request = base.new_request(SEED + 10 + trial)
    proc = submit_popen(home, manifest)
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=TIMEOUT)
    # A kill after the run had finished is a clean run, and must pass all the same.
    rerun = fti("request", "submit", manifest, "--home", home, check=False)
    assert rerun.returncode == 0, (
        f"rerun after SIGKILL at {delay}s (first run exit {proc.returncode}): "
        f"exit {rerun.returncode}\n{rerun.stderr[-3000:]}"
    )
    check_invariants(home, base.key, request)
    check_invariants(home, base.key, base.warmup)  # an earlier request is untouched


def _documented_exit_codes() -> set[int]:
    """Exit codes the README documents (its error and exit-code table)."""
    text = (ROOT / "README.md").read_text()
    codes: set[int] = set()
    for line in text.splitlines():
        if "exit" in line.lower():
            codes.update(int(n) for n in re.findall(r"\b(\d{1,3})\b", line))
    return codes - {0, 1, 70}  # 1 is "some error", 70 "internal error": never an answer


def test_two_concurrent_submits_of_one_manifest_record_it_once(base: Base) -> None:
    home = base.home
    manifest, request = base.new_request(SEED + 50)
    procs = [submit_popen(home, manifest) for _ in range(2)]
    outs = [p.communicate(timeout=TIMEOUT) for p in procs]
    codes = [p.returncode for p in procs]
    documented = _documented_exit_codes()
    for code, (_, err) in zip(codes, outs, strict=True):
        assert code == 0 or code in documented, (
            f"a concurrent submit exited {code} (documented: {sorted(documented)}):\n{err[-3000:]}"
        )
    assert 0 in codes, f"neither concurrent submit finished: {codes}"
    check_invariants(home, base.key, request)
    check_invariants(home, base.key, base.warmup)
