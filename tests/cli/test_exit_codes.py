"""The README's exit-code table is complete and true: every error class's code is in it,
and every code in it is one the gateway can exit with."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import fti_gateway
from fti_gateway.core.errors import FtiError

README = Path(__file__).resolve().parents[2] / "README.md"
# Exits that are not an FtiError: success, partial success (rows rejected), a bug, Ctrl-C.
OTHER_EXITS = {0: "done", 1: "in part", 70: "internal error", 130: "interrupted"}


def _table_codes() -> dict[int, str]:
    text = README.read_text()
    start = text.index("Every command exits with")
    rows = re.findall(r"^\| (\d+) \| ([^|]+) \|", text[start:], flags=re.M)
    return {int(code): meaning for code, meaning in rows}


def _error_classes() -> set[type[FtiError]]:
    for mod in pkgutil.walk_packages(fti_gateway.__path__, "fti_gateway."):
        if ".backends.spark" in mod.name or mod.name.endswith(("__main__", "migrations.env")):
            continue  # a JVM, or Alembic's run context; neither defines an error
        importlib.import_module(mod.name)
    found: set[type[FtiError]] = set()
    todo: list[type[FtiError]] = [FtiError]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_error_class_exits_with_a_code_the_readme_explains() -> None:
    table = _table_codes()
    for cls in _error_classes() - {FtiError}:
        code = cls.__dataclass_fields__["exit_code"].default  # type: ignore[attr-defined]
        assert code in table, f"{cls.__module__}.{cls.__name__} exits {code}: not in README"


def test_every_code_in_the_readme_is_one_the_gateway_uses() -> None:
    used = {
        c.__dataclass_fields__["exit_code"].default  # type: ignore[attr-defined]
        for c in _error_classes() - {FtiError}
    }
    assert set(_table_codes()) == used | set(OTHER_EXITS)
    for code, words in OTHER_EXITS.items():
        assert words in _table_codes()[code]
