"""Identity resolution, precision first: each subject → one taxpayer, or none, or review.

The public facade (after Splink's): :func:`resolve`, :func:`train`, :class:`ResolveSettings`
and :func:`evaluate`. Everything else in this package is internal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from fti_gateway.resolve import index as _index
from fti_gateway.resolve.evaluate import Evaluation, evaluate
from fti_gateway.resolve.settings import ResolveSettings

MATCHES_FORMAT = "fti/matches/v1"


def train(
    vault: _index.VaultLike, models_dir: Path, settings: ResolveSettings | None = None
) -> Path:
    """Build the vault's normalized index and train its model (once per vault; a changed vault
    gets a new one). Returns the folder holding ``index.duckdb``, ``model.json``, ``meta.json``.

    Checked twice: without the lock (the usual case, already trained, costs nothing), then
    under it, so a request that waited for another's build uses that build instead of
    making its own. A build that died part-way (no ``meta.json``) is finished here."""
    from fti_gateway.resolve.training import train as _train

    s = settings or ResolveSettings()
    idx = _index.locate(vault, Path(models_dir))
    if idx.trained():
        return idx.dir
    with idx.building():
        if not idx.exists():
            # A new index means a changed vault: refuse a doubled one here, once per vault,
            # before any request looks anyone up in it (vault.check).
            vault.ensure_no_duplicates()
            _index.build(vault, idx, s)
        if not idx.trained():
            _train(vault, idx, s)
            _give_back_memory()
    return idx.dir


def _give_back_memory() -> None:
    """Return the heap that building and training freed to the system before a request is
    resolved in the same process. glibc keeps freed pages (pandas frames, Splink's tables)
    mapped, and a first request on a new vault then peaks above later ones (10M × 1M:
    resident after training 1.05 → 0.95 GB, the cold request's peak 3.36 → 3.32 GB). A no-op
    where the C library is not glibc."""
    import contextlib
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def resolve(
    subjects: pd.DataFrame,
    vault: _index.VaultLike,
    *,
    models_dir: Path,
    settings: ResolveSettings | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Resolve request subjects (FORMATS §2 columns) against the vault → FORMATS §6 rows:
    ``subject_id, taxpayer_id, status, match_weight, match_probability, runner_up_weight,
    explanation`` + ``runner_up_taxpayer_id``, ``pass``. Trains the model if missing."""
    from fti_gateway.resolve.backends import open_backend
    from fti_gateway.resolve.candidates import cap_candidates
    from fti_gateway.resolve.cascade import OUTPUT_COLUMNS, run
    from fti_gateway.resolve.scoring import load_model
    from fti_gateway.resolve.subjects import check, prepare
    from fti_gateway.resolve.training import load_meta

    s = settings or ResolveSettings()
    if len(subjects) == 0:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    folder = train(vault, Path(models_dir), s)
    idx = _index.VaultIndex(folder, folder.name)
    meta = load_meta(idx)
    n = int(meta["taxpayers"])  # type: ignore[call-overload]
    prior = min(0.5, s.in_vault_share / max(n, 1))
    model = load_model(idx.model_path, prior)
    threshold = float(meta.get("calibrated_threshold", s.threshold_bits))  # type: ignore[arg-type]
    check(subjects)
    chunks = _ahead(
        prepare(subjects.iloc[i : i + s.chunk_size]) for i in range(0, len(subjects), s.chunk_size)
    )
    backend = open_backend(s.backend, idx, s)
    try:
        matches = run(
            backend,
            chunks,
            model,
            threshold=threshold,
            margin=s.margin_bits,
            floor=s.floor_weight,
            require_corroboration=s.require_corroboration,
            strict_corroboration=s.strict_corroboration,
            candidate_floor=s.candidate_floor_bits,
            progress=progress,
        )
    finally:
        backend.close()
    return cap_candidates(matches, s.candidate_review_cap)


def _ahead(items: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Prepare the next chunk while this one is scored (one chunk ahead): normalizing is
    half Python, scoring mostly DuckDB, so the two overlap on separate cores (10M × 1M: about
    5 s faster, for one more prepared chunk in memory). An error in a chunk is raised here."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        nxt = pool.submit(next, items, None)
        while (cur := nxt.result()) is not None:
            nxt = pool.submit(next, items, None)
            yield cur


__all__ = ["MATCHES_FORMAT", "Evaluation", "ResolveSettings", "evaluate", "resolve", "train"]
