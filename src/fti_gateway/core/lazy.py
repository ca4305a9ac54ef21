"""Lazy package exports (PEP 562): a package names its public objects without importing
the modules that define them until one is used.

Why: ``fti --help`` and the light commands must not pay for pandas, DuckDB, SQLAlchemy or
Splink (seconds of import time) because a package's ``__init__`` re-exported something
from a module that needs them. Each package keeps its public surface (``from
fti_gateway.store import StateStore`` still works); the import happens on first access.
Type checkers see the real names through the package's ``if TYPE_CHECKING:`` imports.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, tuple[str, ...]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: ``exports`` maps a submodule
    (relative, e.g. ``".state"``) to the names it provides."""
    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        globals_of_package = importlib.import_module(package).__dict__
        globals_of_package[name] = value  # next access is a plain lookup
        return value

    def __dir__() -> list[str]:
        return sorted({*where, *importlib.import_module(package).__dict__})

    return __getattr__, __dir__
