"""Where blocking and scoring run. One small protocol, one module per engine (after Splink's
dialect objects): no ``if backend == …`` elsewhere in resolve."""

from __future__ import annotations

from fti_gateway.core.errors import ConfigError
from fti_gateway.resolve.backends.base import Backend
from fti_gateway.resolve.index import VaultIndex
from fti_gateway.resolve.settings import ResolveSettings


def open_backend(name: str, idx: VaultIndex, settings: ResolveSettings) -> Backend:
    if name == "duckdb":
        from fti_gateway.resolve.backends.duckdb import DuckDBBackend

        return DuckDBBackend(idx, settings)
    if name == "spark":
        from fti_gateway.resolve.backends.spark import SparkBackend

        return SparkBackend(idx, settings)
    raise ConfigError(
        f"unknown resolve backend {name!r}", where="--backend", hint="use duckdb or spark"
    )


__all__ = ["Backend", "open_backend"]
