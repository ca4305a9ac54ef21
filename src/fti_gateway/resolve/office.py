"""The disclosure office's own resolution settings: ``<workspace>/resolve.yaml``.

Why a file in the workspace and not flags: requests reach the resolver from the CLI, the
agency service and the review desk, and the office's review capacity (how many lone
candidates one request may raise, ``resolve/candidates.py``) and where resolution runs (one
machine or a Spark cluster) must be the same whichever door a request came in by. Only
these knobs are the office's; thresholds stay where calibration puts them, so a setting
here can never buy recall with precision. An unknown key or a bad value is an error that
names the file and the key — never silently ignored.

    format: fti/resolve-settings/v1
    candidate_review_cap: 250        # default 1000; 0 sends no lone candidate to review
    backend: spark                   # default duckdb
    spark_master: spark://10.0.0.5:7077
    spark_partitions: 64
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fti_gateway.core.errors import InputError
from fti_gateway.resolve.settings import ResolveSettings

SETTINGS_FILE = "resolve.yaml"
FORMAT: Literal["fti/resolve-settings/v1"] = "fti/resolve-settings/v1"


class OfficeSettings(BaseModel):
    """What an office may set; anything else in the file is refused (``extra="forbid"``)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["fti/resolve-settings/v1"] = FORMAT
    candidate_review_cap: int | None = Field(default=None, ge=0)
    backend: Literal["duckdb", "spark"] | None = None
    spark_master: str | None = None
    spark_partitions: int | None = Field(default=None, ge=1)
    spark_break_lineage: Literal["persist", "checkpoint", "parquet"] | None = None

    def apply(self, base: ResolveSettings) -> ResolveSettings:
        """``base`` with every key the file sets replaced."""
        given = self.model_dump(exclude_none=True, exclude={"format"})
        return replace(base, **given)


def settings_path(home: Path) -> Path:
    return Path(home) / SETTINGS_FILE


def load_office_settings(home: Path) -> OfficeSettings:
    """The workspace's settings; all defaults when it has no ``resolve.yaml``."""
    path = settings_path(home)
    if not path.is_file():
        return OfficeSettings()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise InputError(f"not YAML: {e}", where=str(path)) from e
    if raw is None:
        return OfficeSettings()
    if not isinstance(raw, dict):
        raise InputError("expected a mapping of setting: value", where=str(path))
    try:
        return OfficeSettings.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(file)"
        raise InputError(
            f"{key}: {first['msg']}",
            where=str(path),
            hint="the keys an office may set: "
            + ", ".join(k for k in OfficeSettings.model_fields if k != "format"),
        ) from e


def office_resolve_settings(home: Path, base: ResolveSettings | None = None) -> ResolveSettings:
    """The settings every door resolves a request with: defaults, then the office's file."""
    return load_office_settings(home).apply(base or ResolveSettings())
