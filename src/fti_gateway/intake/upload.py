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
    _duplicates,
    check_rows,
    dob_warning,
    duplicate_reject,
    normalize,
)

# check_rows' pandas frames cost ~50 bytes a value: checked and stored this many rows at a
# time, a block's rows never all become Python objects at once.
SLICE_ROWS = 16_384
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
    slice_rows: int
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
            parts = _check_block(table, raw.lines, raw.rejects, seen, self, dob)
            for block in parts:
                self.accepted += len(block.subjects)
                self.rejected_rows += len({r.line for r in block.rejects})
                yield block
            del table
        self.digest = "sha256:" + h.hexdigest()
        if extras:
            self.warnings.extend(_extra_column_warnings(label, extras))
        said = dob.warning(label)
        self.warnings.extend([said] if said else [])
        if rows == 0 and not reader_rejects:
            self.warnings.append(f"{label}: the request lists no subjects")


def read_upload_blocks(
    manifest_data: bytes,
    manifest_file: str,
    upload: Path,
    *,
    block_bytes: int = BLOCK_BYTES,
    slice_rows: int = SLICE_ROWS,
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
    return StreamedUpload(manifest, manifest_data, file, block_bytes, slice_rows, warnings)


class _SeenIds:
    """The subject_ids of earlier blocks and the line each was first used on.

    The ids themselves are kept as arrow text (a few bytes each, not a Python object),
    and found through a sorted array of their 64-bit hashes, which grows by insertion;
    a hash that matches is confirmed against the kept id, so a collision is never taken
    for a duplicate. Looking a block up costs its own size, not all the ids seen so far.
    """

    def __init__(self) -> None:
        self.hashes = np.empty(0, dtype=np.uint64)  # sorted
        self.first = np.empty(0, dtype=np.int32)  # line of the first use, as ``hashes``
        self.where = np.empty(0, dtype=np.int32)  # position in ``ids``, as ``hashes``
        self.ids: list[pa.Array] = []
        self.count = 0

    def first_uses(self, ids: pa.ChunkedArray, lines: np.ndarray) -> np.ndarray:
        """For each row of a block, the line its subject_id was first used on — in an
        earlier block or earlier in this one — or 0 if this row is its first use; then
        remember the block's first uses."""
        first = np.zeros(len(lines), dtype=np.int64)
        dup, dup_first = _duplicates(ids, lines)  # within the block, as validate finds them
        first[dup] = dup_first
        values = ids.to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(np.asarray(pc.is_valid(ids).to_numpy(), dtype=bool))
        hashes = pd.util.hash_array(values[rows].astype(object))
        if self.count:
            for row, line in self._earlier(rows, hashes, values):
                first[row] = line
        new = first[rows] == 0
        self._keep(hashes[new], lines[rows[new]], ids.take(pa.array(rows[new])))
        return first

    def _earlier(
        self, rows: np.ndarray, hashes: np.ndarray, values: np.ndarray
    ) -> Iterator[tuple[int, int]]:
        at = np.searchsorted(self.hashes, hashes)
        inside = at < len(self.hashes)
        hit = np.flatnonzero(inside & (self.hashes[np.minimum(at, len(self.hashes) - 1)] == hashes))
        if not hit.size:
            return
        kept = pa.chunked_array(self.ids, type=pa.string())
        for k in hit.tolist():
            i = int(at[k])
            while i < len(self.hashes) and self.hashes[i] == hashes[k]:  # equal hashes
                if kept[int(self.where[i])].as_py() == values[rows[k]]:
                    yield int(rows[k]), int(self.first[i])
                    break
                i += 1

    def _keep(self, hashes: np.ndarray, lines: np.ndarray, ids: pa.ChunkedArray) -> None:
        if not len(hashes):
            return
        order = np.argsort(hashes, kind="stable")
        at = np.searchsorted(self.hashes, hashes[order])
        self.hashes = np.insert(self.hashes, at, hashes[order])
        self.first = np.insert(self.first, at, lines[order])
        self.where = np.insert(self.where, at, self.count + order)
        self.ids.extend(c.cast(pa.string()) for c in ids.chunks)
        self.count += len(hashes)


class _DobTally:
    """The dob counts behind validate's file-wide warning, summed over the slices (from
    their rejects: a dob too long to quote is not a date either)."""

    def __init__(self) -> None:
        self.present = self.invalid = 0
        self.example: tuple[str | None, int] | None = None

    def add(self, table: pa.Table, lines: np.ndarray, rejects: list[RowError]) -> None:
        if "dob" not in table.column_names:
            return
        self.present += int(pc.sum(pc.is_valid(table.column("dob"))).as_py() or 0)
        bad = sorted(
            {
                r.line
                for r in rejects
                if r.code == "dob-invalid" or (r.code == "field-too-long" and r.field == "dob")
            }
        )
        self.invalid += len(bad)
        if self.example is None and bad:
            row = int(np.searchsorted(lines, bad[0]))
            self.example = (table.column("dob")[row].as_py(), bad[0])

    def warning(self, label: str) -> str | None:
        if self.example is None:
            return None
        return dob_warning(label, "line", self.invalid, self.present, *self.example)


def _check_block(
    table: pa.Table,
    lines: np.ndarray,
    reader_rejects: list[RowError],
    seen: _SeenIds,
    upload: StreamedUpload,
    dob: _DobTally,
) -> Iterator[CheckedBlock]:
    """validate.check_rows on one block, a slice at a time, with every reuse of a
    subject_id — in this block or an earlier one — rejected as the whole-file reading
    rejects it (naming the line of the first use)."""
    if "subject_id" in table.column_names:
        first = seen.first_uses(table.column("subject_id"), lines)
    else:
        first = np.zeros(len(lines), dtype=np.int64)
    pending = list(reader_rejects)  # in line order; each goes with the slice it falls in
    step = max(1, upload.slice_rows)
    received = upload.manifest.received
    for start in range(0, max(1, table.num_rows), step):
        part, part_lines = table.slice(start, step), lines[start : start + step]
        last = start + step >= table.num_rows
        upto = len(pending) if last else _count_upto(pending, int(part_lines[-1]))
        mine, pending = pending[:upto], pending[upto:]
        checked = _check_slice(
            part, part_lines, first[start : start + step], mine, received, upload.file.name
        )
        dob.add(part, part_lines, checked.rejects)
        yield checked


def _count_upto(rejects: list[RowError], line: int) -> int:
    n = 0
    while n < len(rejects) and rejects[n].line <= line:
        n += 1
    return n


def _check_slice(
    table: pa.Table,
    lines: np.ndarray,
    first: np.ndarray,
    reader_rejects: list[RowError],
    received: date,
    label: str,
) -> CheckedBlock:
    checked = check_rows(table, lines, received=received, source=label, unit="line")
    rejects = [*reader_rejects]
    rejects += [r for r in checked.rejects if r.code != "subject-id-duplicate"]
    subjects, extra = checked.subjects, checked.extra
    again = np.flatnonzero(first)
    if again.size:
        values = table.column("subject_id").take(pa.array(again)).to_pylist()
        for value, line, was in zip(values, lines[again], first[again], strict=True):
            rejects.append(duplicate_reject(value, int(line), int(was), label, "line"))
        repeated = lines[again]
        subjects = subjects.loc[~subjects["line"].isin(repeated)].reset_index(drop=True)
        if extra is not None:
            extra = extra.loc[~extra["line"].isin(repeated)].reset_index(drop=True)
    rejects.sort(key=lambda r: r.line)
    return CheckedBlock(subjects, extra, rejects)
