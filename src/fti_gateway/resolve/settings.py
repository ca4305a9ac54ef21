"""Knobs of the resolve stage, with the reason for each default."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ResolveSettings:
    """Thresholds are on the Splink *match weight* (log2 posterior odds) with the prior set
    from the vault size, so the same weight means the same odds at 10k or 10M taxpayers."""

    #: Precision the match threshold aims at; the weight threshold is log2(p/(1-p)) unless
    #: calibration on held-out synthetic copies (see :mod:`.training`) asks for more.
    target_precision: float = 0.9995
    #: Best candidate must beat the runner-up by this many bits (2**10 ≈ 1000× likelier).
    margin_bits: float = 10.0
    #: Share of requested people assumed to be in the vault; sets the prior λ = share / N.
    in_vault_share: float = 0.5
    #: A pick that could be an unfiled household namesake goes to review (see guard.py).
    require_corroboration: bool = True
    #: Stricter: only DOB or TIN agreement rules a namesake out; name + address never
    #: stands alone (costs about a tenth of recall on requests that give neither).
    strict_corroboration: bool = False
    #: Backend for blocking and scoring: "duckdb" (default) or "spark".
    backend: str = "duckdb"
    #: DuckDB memory budget for index build and training (bounded memory on big vaults). At
    #: 10M people 1.75 GB builds as fast as 2 GB and the same model, with a 0.24 GB lower
    #: peak (2.48 → 2.24 GB in the build, 2.41 → 2.18 GB in training).
    memory_limit: str = "1.75GB"
    #: DuckDB memory budget of a request's scoring session: it holds one chunk's candidate
    #: records and pairs; more only caches more of the on-disk index (at 10M × 1M, 1.25 GB
    #: and 2 GB run equally fast, 0.5 GB apart in peak memory).
    request_memory_limit: str = "1.25GB"
    threads: int = 2
    #: Subjects are scored in chunks of this many rows to bound the pair tables.
    chunk_size: int = 200_000
    #: Synthetic-copy training sample (people) and its seed.
    training_sample: int = 20_000
    #: Held-out copies for threshold calibration (see :mod:`.calibrate`): enough that a
    #: handful of wrong picks still certifies 0.9995 (with 20,000 a single one could not).
    calibration_sample: int = 50_000
    seed: int = 20250407
    #: Pairs below this weight are dropped right after scoring (never matches, rarely
    #: runner-ups that matter).
    floor_weight: float = -5.0
    #: A subject whose best taxpayer falls short of the threshold but weighs at least this
    #: (log2 posterior odds: 0 = as likely as not, the prior included), with no other
    #: taxpayer that plausible, goes to review with that candidate instead of "no match".
    #: None turns it off. It is never a match: a person decides.
    candidate_floor_bits: float | None = 0.0
    #: At most this many such single-candidate reviews per request (the office's review
    #: capacity); the heaviest are kept, the rest stay "no match" with the reason "review
    #: cap reached" (column ``candidate_review`` = "over_cap"), counted apart.
    candidate_review_cap: int = 1000
    spark_master: str = "local[1]"
    #: How Splink cuts Spark lineage between steps: "persist" (memory, fine locally) or
    #: "checkpoint"/"parquet" on a cluster (see resolve/README.md).
    spark_break_lineage: str = "persist"
    spark_partitions: int = 2
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.candidate_review_cap < 0:
            raise ValueError("candidate_review_cap must be 0 or more")

    @property
    def threshold_bits(self) -> float:
        p = self.target_precision
        return math.log2(p / (1 - p))
