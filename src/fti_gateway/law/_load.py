"""STAND-IN LOADER — replace with ``fti_gateway.intake.load_request`` at merge.

The intake stage (another branch) owns reading requests. Until it lands, ``fti law check``
and the law tests read a manifest here, minimally: YAML/JSON manifest → ``Manifest``;
subjects inline or from a CSV next to it (``dtype=str``, empty → None), with rows lacking
``subject_id``/``last_name`` or with an unreadable TIN returned as rejects. This is the
ONLY place the law branch reads request files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import ValidationError

from fti_gateway.core.errors import InputError
from fti_gateway.intake.models import SUBJECT_COLUMNS, Manifest


@dataclass(frozen=True)
class Reject:
    line: int
    subject_id: str | None
    field: str | None
    reason: str


@dataclass
class Loaded:
    manifest: Manifest
    subjects: pd.DataFrame
    rejects: list[Reject] = field(default_factory=list)


def manifest_from_dict(raw: dict[str, Any], where: str) -> Manifest:
    try:
        return Manifest.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        raise InputError(
            first["msg"], where=f"{where}: {path}", details=[str(x["msg"]) for x in e.errors()[1:]]
        ) from e


def subjects_frame(
    rows: list[dict[str, Any]], first_line: int = 1
) -> tuple[pd.DataFrame, list[Reject]]:
    """Rows as the intake stage hands them on: SUBJECT_COLUMNS as str/None plus ``line``."""
    df = pd.DataFrame(rows).astype(object) if rows else pd.DataFrame(columns=list(SUBJECT_COLUMNS))
    for c in SUBJECT_COLUMNS:
        if c not in df.columns:
            df[c] = None
    df = df[list(SUBJECT_COLUMNS)].astype(object)
    df = df.where(df.notna(), None)
    df = df.apply(lambda s: s.map(lambda v: None if v is None or str(v).strip() == "" else str(v)))
    df["line"] = range(first_line, first_line + len(df))
    tin = df["tin"].map(lambda v: None if v is None else v.replace("-", "").replace(" ", ""))
    bad_tin = tin.notna() & ~tin.fillna("").str.fullmatch(r"\d{9}")
    df["tin"] = tin
    missing_id = df["subject_id"].isna()
    missing_last = df["last_name"].isna()
    rejects = [
        Reject(int(r.line), r.subject_id, fld, why)
        for mask, fld, why in (
            (missing_id, "subject_id", "subject_id is empty"),
            (missing_last, "last_name", "last_name is empty"),
            (bad_tin, "tin", "tin must be 9 digits (dashes allowed)"),
        )
        for r in df[mask].itertuples()
    ]
    bad = missing_id | missing_last | bad_tin
    return df[~bad].reset_index(drop=True), rejects


def load(path: Path) -> Loaded | Any:
    """Read a manifest (and its subjects); InputError if it cannot be read at all.

    Uses ``fti_gateway.intake.load_request`` when the intake stage is installed (its
    ParsedRequest has the same ``manifest``/``subjects``/``rejects``), else the stand-in.
    """
    try:
        from fti_gateway.intake import load_request  # type: ignore[attr-defined]
    except ImportError:
        return _load_standin(path)
    return load_request(path)


def _load_standin(path: Path) -> Loaded:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise InputError(f"cannot read the manifest: {e}", where=str(path)) from e
    if not isinstance(raw, dict):
        raise InputError("the manifest must be a mapping (FORMATS §1)", where=str(path))
    manifest = manifest_from_dict(raw, str(path))
    spec = manifest.subjects
    if isinstance(spec, list):
        df, rejects = subjects_frame(spec)
        return Loaded(manifest, df, rejects)
    file = Path(path).parent / spec
    try:
        table = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as e:
        raise InputError(f"cannot read the subjects file: {e}", where=str(file)) from e
    records = [{str(k): v for k, v in r.items()} for r in table.to_dict("records")]
    df, rejects = subjects_frame(records, first_line=2)
    return Loaded(manifest, df, rejects)
