"""Fixtures for intake tests: the sample files in data/, and a factory for variants."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

DATA = Path(__file__).parent / "data"

MakeRequest = Callable[..., Path]


@pytest.fixture
def data_dir() -> Path:
    return DATA


def base_manifest() -> dict[str, Any]:
    """The good sample manifest as a dict (taxable periods as text, as YAML text loads them)."""
    content = yaml.safe_load((DATA / "manifest.yaml").read_text())
    content["received"] = str(content["received"])
    content["taxable_periods"] = [str(p) for p in content["taxable_periods"]]
    return content


@pytest.fixture
def make_request(tmp_path: Path) -> MakeRequest:
    """Write a manifest (the sample, with changes) and a subject file into a fresh folder.

    ``subjects_csv`` replaces the subject file's text (``bytes`` are written as-is);
    ``drop`` removes manifest fields by dotted path; other keyword arguments set
    top-level fields (a dotted name via ``set``).
    """
    counter = iter(range(1_000_000))

    def make(
        *,
        subjects_csv: str | bytes | None = None,
        drop: tuple[str, ...] = (),
        set: dict[str, Any] | None = None,
        manifest_text: str | bytes | None = None,
        name: str = "manifest.yaml",
    ) -> Path:
        folder = tmp_path / f"req{next(counter)}"
        folder.mkdir()
        if subjects_csv is None:
            shutil.copy(DATA / "subjects.csv", folder / "subjects.csv")
        elif isinstance(subjects_csv, bytes):
            (folder / "subjects.csv").write_bytes(subjects_csv)
        else:
            (folder / "subjects.csv").write_text(subjects_csv, encoding="utf-8")
        path = folder / name
        if manifest_text is not None:
            if isinstance(manifest_text, bytes):
                path.write_bytes(manifest_text)
            else:
                path.write_text(manifest_text, encoding="utf-8")
            return path
        content = base_manifest()
        for dotted in drop:
            *parents, last = dotted.split(".")
            block = content
            for p in parents:
                block = block[p]
            del block[last]
        for dotted, value in (set or {}).items():
            *parents, last = dotted.split(".")
            block = content
            for p in parents:
                block = block[p]
            block[last] = value
        path.write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True))
        return path

    return make
