"""``load_request``: manifest + subject rows → :class:`ParsedRequest`, nothing persisted yet.

Order of work: read and validate the manifest (a broken manifest stops everything, with
every problem listed), then read the subject rows from wherever the manifest points,
then check each row. Rows that fail are returned as rejects with their line; the rest go
on. The digest covers exactly the bytes received, so a resubmission can be recognised.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from fti_gateway.core.errors import InputError
from fti_gateway.intake.manifest import (
    RawManifest,
    read_manifest_file,
    unknown_field_warnings,
    validate_manifest,
)
from fti_gateway.intake.models import SUBJECT_COLUMNS
from fti_gateway.intake.parsed import ParsedRequest, RowError
from fti_gateway.intake.subjects import (
    PARQUET_SUFFIXES,
    SubjectSource,
    from_csv,
    from_inline,
    from_parquet,
    subject_file,
)
from fti_gateway.intake.validate import check_rows, normalize

DIGEST_DOMAIN = b"fti/request-digest/v1\n"


def load_request(path: Path) -> ParsedRequest:
    """Parse and check a request; raise :class:`InputError` if it cannot be read at all."""
    path = Path(path)
    raw = read_manifest_file(path)
    content = dict(raw.content)
    spec = content.get("subjects")
    if spec is None:
        content.pop("subjects", None)  # reported as "subjects: is missing"
    elif not isinstance(spec, str | list):
        raise InputError(
            "subjects should be a file name or a list of rows",
            where=_where(raw, "subjects"),
            hint="e.g. `subjects: subjects.csv`, or a list of rows with subject_id, last_name, …",
        )
    inline = spec if isinstance(spec, list) else None
    digest = _Digest(raw.data)
    if inline is not None:
        content["subjects"] = []  # validated row by row below, not as one block
    manifest = validate_manifest(raw, content)
    warnings = unknown_field_warnings(raw, content)
    if inline is not None:
        manifest.subjects = [i for i in inline if isinstance(i, dict)]
        item_lines = {
            i: raw.lines[("subjects", i)]
            for i in range(len(inline))
            if ("subjects", i) in raw.lines
        }
        source = from_inline(inline, raw.path.name, item_lines)
    else:
        assert isinstance(spec, str)
        file = subject_file(path, spec, _where(raw, "subjects"))
        reader = from_parquet if file.suffix.lower() in PARQUET_SUFFIXES else from_csv
        source = reader(file, digest.feed)
    n_rows = source.table.num_rows
    checked = _check(source, manifest.received)
    warnings.extend(checked.warnings)
    if n_rows == 0 and not source.rejects:
        warnings.append(f"{source.label}: the request lists no subjects")
    return ParsedRequest(
        manifest=manifest,
        subjects=checked.subjects,
        rejects=checked.rejects,
        digest=digest.hexdigest(),
        source=path.resolve(),
        subjects_source=source.label,
        warnings=warnings,
        extra=checked.extra,
    )


@dataclass
class CheckedSubjects:
    """A subject file read on its own (no manifest): the rows that pass, the rejects."""

    subjects: pd.DataFrame
    rejects: list[RowError]
    warnings: list[str]
    extra: pd.DataFrame | None = None


def load_subjects(path: Path, *, received: date | None = None) -> CheckedSubjects:
    """Read and check a subject file (CSV or Parquet, FORMATS §2) exactly as a request's
    subjects are checked — for tools that take subjects without a manifest (``fti
    resolve``), so a malformed row is named by its line there too, not silently blanked.
    ``received`` bounds the DOB (today by default)."""
    path = Path(path)
    reader = from_parquet if path.suffix.lower() in PARQUET_SUFFIXES else from_csv
    return _check(reader(path, lambda _b: None), received or date.today())


def _check(source: SubjectSource, received: date) -> CheckedSubjects:
    """Check each row; the reader's rejects (unreadable lines) and the checks' in line order."""
    checked = check_rows(
        normalize(source.release_table()),  # no second reference: arrow memory is freed early
        source.lines,
        received=received,
        source=source.label,
        unit=source.unit,
    )
    rejects = sorted([*source.rejects, *checked.rejects], key=lambda r: r.line)
    warnings = []
    if checked.extra is not None:
        warnings.extend(_extra_column_warnings(source.label, list(checked.extra.columns[1:])))
    warnings.extend(checked.warnings)
    return CheckedSubjects(checked.subjects, rejects, warnings, checked.extra)


def _extra_column_warnings(label: str, names: list[str]) -> list[str]:
    """Columns beyond FORMATS §2 are kept but unused: say so, and name a likely typo."""
    out = []
    for name in names:
        guess = difflib.get_close_matches(name.lower().replace(" ", "_"), SUBJECT_COLUMNS, n=1)
        tip = f" — did you mean '{guess[0]}'? (column names are lower case)" if guess else ""
        out.append(
            f"{label}: column '{name}' is not part of FORMATS §2; kept on record but not used{tip}"
        )
    return out


class _Digest:
    """SHA-256 over the manifest bytes then the subject file bytes, each length-prefixed.

    Anyone can recompute it: ``sha256(b"fti/request-digest/v1\\n" || len(m) || m ||
    len(s) || s)`` with lengths as 8-byte big-endian integers (no ``s`` for inline rows).
    The subject file is fed as soon as it is read, so its bytes need not be kept.
    """

    def __init__(self, manifest: bytes) -> None:
        self._h = hashlib.sha256(DIGEST_DOMAIN)
        self.feed(manifest)

    def feed(self, part: bytes) -> None:
        self._h.update(len(part).to_bytes(8, "big"))
        self._h.update(part)

    def hexdigest(self) -> str:
        return "sha256:" + self._h.hexdigest()


def _where(raw: RawManifest, *loc: Any) -> str:
    line = raw.line_for(tuple(loc))
    return f"{raw.path.name} line {line}: {'.'.join(map(str, loc))}" if line else raw.path.name
