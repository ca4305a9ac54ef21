"""The demo: a workspace, a synthetic vault, two requests, and what was decided.

Two requests show both faces of the gateway: a bulk request modelled on the 2025 ICE
request (held or refused where the statute says so) and an ordinary (i)(2) criminal
request (approved, packaged, and accounted for in the ledger).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from fti_gateway.core.workspace import Workspace
from fti_gateway.pipeline.submit import Progress, RunResult, submit
from fti_gateway.resolve.evaluate import evaluate
from fti_gateway.vault.store import Vault
from fti_gateway.vault.synth import master as synth_master
from fti_gateway.vault.synth import request as synth_request


@dataclass
class DemoSettings:
    people: int = 100_000
    subjects: int = 10_000
    lawful_subjects: int = 200
    seed: int = 2025


@dataclass
class DemoResult:
    runs: list[tuple[str, RunResult]] = field(default_factory=list)
    evaluation: dict[str, object] = field(default_factory=dict)
    verifier_key: str = ""


def run_demo(
    home: Path,
    settings: DemoSettings,
    *,
    on_people: Callable[[int, int], None] | None = None,
    progress: Progress | None = None,
    verifier_key: Callable[[Workspace], str] | None = None,
) -> DemoResult:
    ws = Workspace.init(home)
    vault = Vault.for_workspace(ws)
    with vault.locked():  # one writer of the vault at a time (two demos at once)
        if vault.is_empty():
            total = settings.people
            synth_master.generate(
                ws.vault_dir / "master",
                settings.people,
                settings.seed,
                progress=(lambda done: on_people(done, total)) if on_people else None,
            )
    result = DemoResult()
    requests_dir = ws.home / "requests"
    for kind, size in (("ice-2025", settings.subjects), ("criminal-i2", settings.lawful_subjects)):
        files = synth_request.sample_request(
            ws.home, kind, size, settings.seed, requests_dir / kind
        )
        run = submit(ws, files.manifest, progress=progress)
        result.runs.append((kind, run))
        matches_path = run.run_dir / "matches.parquet"
        if kind == "ice-2025" and matches_path.exists():
            # Scored over the subjects the law let through to resolution: the others were
            # never looked up, so they are neither hits nor misses of the resolver.
            matches = pd.read_parquet(matches_path)
            truth = pd.read_csv(files.truth, dtype=str, keep_default_na=False)
            truth = truth[truth["subject_id"].isin(matches["subject_id"])]
            result.evaluation = evaluate(matches, truth).as_dict()
    if verifier_key is not None:
        result.verifier_key = verifier_key(ws)
    return result
