"""Requests that arrive in two calls: a manifest first, its subject file later (API.md).

The service never gets a folder with a manifest beside its subject file, as ``fti request
submit`` does; it gets the manifest's bytes in one call and the CSV's in another. Both are
read by intake's own readers, so an error names the same line and field either way:

- :func:`read_posted_manifest` reads the manifest alone. Inline subjects make it a whole
  request (read by :func:`~fti_gateway.intake.load_request`); a manifest naming a file is
  validated now and waits for its upload.
- :func:`read_with_upload` puts the kept manifest bytes beside the uploaded file under
  the name the manifest gives, and reads the pair with ``load_request`` — the same
  checks, line numbers and digest as the CLI.
- :func:`read_upload_blocks` does the same block by block (intake/csvfile.py's
  ``read_csv_blocks``), so a million-row upload is checked and stored with flat memory.
  Its blocks hold exactly what ``read_with_upload`` would give: the same rows, rejects
  and line numbers, a subject_id used in an earlier block rejected as a duplicate of
  that line, the file-wide warnings, and the same digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fti_gateway.core.errors import InputError
from fti_gateway.intake.csvfile import BLOCK_BYTES, read_csv_blocks
from fti_gateway.intake.manifest import (
    RawManifest,
    read_manifest_file,
    unknown_field_warnings,
    validate_manifest,
)
from fti_gateway.intake.models import SUBJECT_COLUMNS, Manifest
from fti_gateway.intake.parse import (
    DIGEST_DOMAIN,
    _Digest,
    _extra_column_warnings,
    _where,
    load_request,
)
from fti_gateway.intake.parsed import ParsedRequest, RowError
from fti_gateway.intake.subjects import CSV_SUFFIXES, require_columns, subject_file
from fti_gateway.intake.validate import (
    _dob_bad,
    check_rows,
    dob_warning,
    duplicate_reject,
    normalize,
)

JSON_NAME = "manifest.json"
YAML_NAME = "manifest.yaml"


@dataclass
class PostedManifest:
    """A manifest as POSTed. ``parsed`` is the whole request when its subjects are inline;
    otherwise ``subjects_file`` is the name its upload will be read under."""

    manifest: Manifest
    data: bytes
    name: str
    digest: str  # intake's digest of the manifest alone (FORMATS: the request digest)
    parsed: ParsedRequest | None = None
    subjects_file: str | None = None
    warnings: list[str] = field(default_factory=list)


def manifest_name(json: bool) -> str:
    """The file name a posted manifest is read under: it picks intake's JSON or YAML reader
    and names the manifest in messages ("manifest.yaml line 4: requester.agency")."""
    return JSON_NAME if json else YAML_NAME


def read_posted_manifest(data: bytes, name: str, workdir: Path) -> PostedManifest:
    """Read a posted manifest (written into the empty private folder ``workdir``)."""
    path = workdir / name
    path.write_bytes(data)
    raw = read_manifest_file(path)
    spec = raw.content.get("subjects")
    digest = _Digest(data).hexdigest()
    if not isinstance(spec, str):
        # Inline rows (or a malformed `subjects`, which load_request reports with its line).
        parsed = load_request(path)
        return PostedManifest(parsed.manifest, data, name, digest, parsed=parsed)
    content = dict(raw.content)
    manifest = validate_manifest(raw, content)
    return PostedManifest(
        manifest,
        data,
        name,
        digest,
        subjects_file=_upload_name(raw, spec),
        warnings=unknown_field_warnings(raw, content),
    )


def _upload_name(raw: RawManifest, spec: str) -> str:
    """The manifest's subject file must be a plain CSV file name: the upload is filed
    under it, and nothing the requester writes may point elsewhere on the server."""
    line = raw.line_for(("subjects",))
    where = f"{raw.path.name} line {line}: subjects" if line else f"{raw.path.name}: subjects"
    name = spec.strip()
    if not name or Path(name).name != name or name in (".", ".."):
        raise InputError(
            f"subjects must name a file, not the path {spec!r}",
            where=where,
            hint="e.g. `subjects: subjects.csv`; the file is then sent with "
            "PUT /v1/requests/{id}/subjects",
        )
    if Path(name).suffix.lower() not in CSV_SUFFIXES:
        raise InputError(
            f"the service takes subject files as CSV; {spec!r} is not a .csv file",
            where=where,
            hint="name a .csv file (FORMATS §2) and send it as text/csv, or list the "
            "subjects inline",
        )
    return name


def read_with_upload(manifest_data: bytes, manifest_file: str, upload: Path) -> ParsedRequest:
    """Read a kept manifest with its uploaded subject file, as ``fti request submit``
    reads a manifest beside its file; ``upload`` must already carry the manifest's name
    for its subject file, in a private folder (the manifest is written beside it)."""
    path = upload.parent / manifest_file
    path.write_bytes(manifest_data)
    return load_request(path)


@dataclass
class CheckedBlock:
    """One block's accepted rows (with ``line``), their extra columns, and its rejects."""

    subjects: pd.DataFrame
    extra: pd.DataFrame | None
    rejects: list[RowError]


@dataclass
class StreamedUpload:
    """An upload read block by block: iterate :meth:`blocks` once; then ``digest``,
    ``warnings``, ``accepted`` and ``rejected_rows`` are those of the whole file."""

    manifest: Manifest
    manifest_data: bytes
    file: Path
    block_bytes: int
    warnings: list[str]
    digest: str = ""
    accepted: int = 0
    rejected_rows: int = 0

    def blocks(self) -> Iterator[CheckedBlock]:
        label = self.file.name
        size = self.file.stat().st_size
        h = hashlib.sha256(DIGEST_DOMAIN)
        for part in (self.manifest_data,):
            h.update(len(part).to_bytes(8, "big"))
            h.update(part)
        h.update(size.to_bytes(8, "big"))
        seen = _SeenIds()
        dob = _DobTally()
        rows = reader_rejects = 0
        extras: list[str] | None = None
        for raw in read_csv_blocks(self.file, label, h.update, block_bytes=self.block_bytes):
            if extras is None:
                require_columns(raw.table.column_names, f"{label} line 1")
                extras = [c for c in raw.table.column_names if c not in SUBJECT_COLUMNS]
            rows += raw.table.num_rows
            reader_rejects += len(raw.rejects)
            table = normalize(raw.table)
            del raw.table
            dob.add(table, raw.lines, self.manifest.received)
            block = _check_block(table, raw.lines, raw.rejects, seen, self.manifest, label)
            self.accepted += len(block.subjects)
            self.rejected_rows += len({r.line for r in block.rejects})
            yield block
        self.digest = "sha256:" + h.hexdigest()
        if extras:
            self.warnings.extend(_extra_column_warnings(label, extras))
        said = dob.warning(label)
        self.warnings.extend([said] if said else [])
        if rows == 0 and not reader_rejects:
            self.warnings.append(f"{label}: the request lists no subjects")


def read_upload_blocks(
    manifest_data: bytes, manifest_file: str, upload: Path, *, block_bytes: int = BLOCK_BYTES
) -> StreamedUpload:
    """Read a kept manifest (as :func:`read_with_upload` does: a manifest error is raised
    now) and prepare its uploaded CSV file to be read block by block."""
    path = upload.parent / manifest_file
    path.write_bytes(manifest_data)
    raw = read_manifest_file(path)
    content = dict(raw.content)
    spec = content.get("subjects")
    if not isinstance(spec, str):
        raise InputError(
            "this request's manifest names no subject file to upload",
            where=_where(raw, "subjects"),
        )
    manifest = validate_manifest(raw, content)
    warnings = unknown_field_warnings(raw, content)
    file = subject_file(path, spec, _where(raw, "subjects"))
    return StreamedUpload(manifest, manifest_data, file, block_bytes, warnings)


class _SeenIds:
    """The subject_ids of earlier blocks and the line each was first used on, kept as
    arrow text (a few bytes per id, not a Python object each)."""

    def __init__(self) -> None:
        self.ids: list[pa.Array] = []
        self.lines: list[np.ndarray] = []

    def earlier(self, ids: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
        """Rows whose id an earlier block used, and that block's line for each."""
        if not self.ids:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        known = pa.concat_arrays(self.ids) if len(self.ids) > 1 else self.ids[0]
        self.ids = [known]
        at = pc.index_in(ids, value_set=known)
        rows = np.flatnonzero(np.asarray(pc.is_valid(at).to_numpy(zero_copy_only=False)))
        if rows.size == 0:
            return rows, rows
        lines = np.concatenate(self.lines)
        self.lines = [lines]
        where = np.asarray(at.take(pa.array(rows)).to_numpy(zero_copy_only=False), np.int64)
        return rows, lines[where]

    def add(self, ids: pa.ChunkedArray, lines: np.ndarray, skip: np.ndarray) -> None:
        """Keep the first use of each id of this block (rows in ``skip`` are already known)."""
        values = pd.Series(ids.to_numpy(zero_copy_only=False), dtype=object)
        keep = values.notna().to_numpy()
        keep[skip] = False
        first = values[keep].drop_duplicates(keep="first")
        if len(first):
            self.ids.append(pa.array(first.to_numpy(), type=pa.string()))
            self.lines.append(lines[first.index.to_numpy()])


class _DobTally:
    """The dob counts behind validate's file-wide warning, summed over the blocks."""

    def __init__(self) -> None:
        self.present = self.invalid = 0
        self.example: tuple[str | None, int] | None = None

    def add(self, table: pa.Table, lines: np.ndarray, received: date) -> None:
        if "dob" not in table.column_names:
            return
        col = table.column("dob")
        self.present += int(pc.sum(pc.is_valid(col)).as_py() or 0)
        bad = np.flatnonzero(
            np.asarray(pc.fill_null(_dob_bad(col, received), False).to_numpy(), dtype=bool)
        )
        self.invalid += len(bad)
        if self.example is None and len(bad):
            self.example = (col[int(bad[0])].as_py(), int(lines[bad[0]]))

    def warning(self, label: str) -> str | None:
        if self.example is None:
            return None
        return dob_warning(label, "line", self.invalid, self.present, *self.example)


def _check_block(
    table: pa.Table,
    lines: np.ndarray,
    reader_rejects: list[RowError],
    seen: _SeenIds,
    manifest: Manifest,
    label: str,
) -> CheckedBlock:
    """validate.check_rows on one block, with subject_ids of earlier blocks as duplicates."""
    ids = table.column("subject_id") if "subject_id" in table.column_names else None
    again, first = seen.earlier(ids) if ids is not None else (np.empty(0, np.int64),) * 2
    checked = check_rows(table, lines, received=manifest.received, source=label, unit="line")
    rejects = [*reader_rejects, *checked.rejects]
    subjects, extra = checked.subjects, checked.extra
    if again.size:
        repeated = set(lines[again].tolist())
        rejects = [
            r for r in rejects if not (r.code == "subject-id-duplicate" and r.line in repeated)
        ]
        assert ids is not None
        values = ids.take(pa.array(again)).to_pylist()
        for value, line, was in zip(values, lines[again], first, strict=True):
            rejects.append(duplicate_reject(value, int(line), int(was), label, "line"))
        gone = subjects["line"].isin(repeated)
        subjects = subjects.loc[~gone].reset_index(drop=True)
        if extra is not None:
            extra = extra.loc[~extra["line"].isin(repeated)].reset_index(drop=True)
    if ids is not None:
        seen.add(ids, lines, again)
    rejects.sort(key=lambda r: r.line)
    return CheckedBlock(subjects, extra, rejects)
