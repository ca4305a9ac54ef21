"""The only place the service touches the stages: small functions the endpoints call.

Endpoints stay thin (parse HTTP, call one adapter, return its data); adapters import
stage modules lazily, inside the function, so the service imports cleanly even before
later stages land. Until the lead wires the pipeline, :func:`receive` checks that the
manifest and subjects can be read and files them in the workspace inbox
(``<home>/inbox/<submission id>/``) under the names the manifest uses, so that
``fti_gateway.intake.load_request(<inbox>/<id>/<manifest>)`` can pick them up as is.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from fti_gateway import __version__
from fti_gateway.core.errors import InputError, NotFoundError
from fti_gateway.core.workspace import Workspace

INBOX = "inbox"
RECORD = "submission.json"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
_SID = re.compile(r"^[0-9a-f]{24}$")


@dataclass(frozen=True)
class Submission:
    """A filed request: ``id`` is derived from (agency, request id), the idempotency key."""

    id: str
    agency: str
    request_id: str
    authority: str
    digest: str
    subjects: int
    received_at: str
    status: str
    new: bool
    message: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def health(home: Path) -> dict[str, Any]:
    ws = Workspace.open(home)
    return {"status": "ok", "version": __version__, "workspace": ws.name}


def parse_manifest(data: bytes, filename: str) -> dict[str, Any]:
    """Read a manifest as JSON (``.json``) or YAML; a mapping, or InputError with the line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError("the manifest is not UTF-8 text", where=filename) from e
    try:
        obj = json.loads(text) if filename.lower().endswith(".json") else yaml.safe_load(text)
    except json.JSONDecodeError as e:
        raise InputError(f"not valid JSON: {e.msg}", where=f"{filename} line {e.lineno}") from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{filename} line {mark.line + 1}" if mark is not None else filename
        raise InputError(f"not valid YAML: {getattr(e, 'problem', e)}", where=where) from e
    if not isinstance(obj, dict):
        raise InputError(
            "the manifest is not a mapping",
            where=filename,
            hint="a manifest is a YAML/JSON object with format: fti/request/v1 (FORMATS §1)",
        )
    return obj


def validate_manifest(obj: dict[str, Any], filename: str) -> Any:
    """Check the manifest against the request model; returns the parsed ``Manifest``."""
    from pydantic import ValidationError

    from fti_gateway.intake.models import Manifest

    try:
        return Manifest.model_validate(obj)
    except ValidationError as e:
        errors = e.errors()

        def loc(err: Any) -> str:
            return ".".join(str(p) for p in err["loc"])

        raise InputError(
            errors[0]["msg"],
            where=f"{filename}: {loc(errors[0])}",
            details=[f"{loc(err)}: {err['msg']}" for err in errors],
            hint="see FORMATS §1 for the manifest fields",
        ) from e


def count_subject_rows(data: bytes, filename: str) -> int:
    """Check that the subjects file (CSV, or Parquet by name) has the required columns;
    count its rows."""
    from fti_gateway.intake.models import REQUIRED_SUBJECT_COLUMNS

    if filename.lower().endswith(".parquet"):
        return _count_parquet_rows(data, filename, REQUIRED_SUBJECT_COLUMNS)

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError("the subjects file is not UTF-8 text", where=filename) from e
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise InputError("the subjects file is empty", where=filename)
        header = [h.strip() for h in header]
        missing = [c for c in REQUIRED_SUBJECT_COLUMNS if c not in header]
        if missing:
            raise InputError(
                f"the header has no {', '.join(missing)} column",
                where=f"{filename} line 1",
                hint="subjects need at least subject_id and last_name (FORMATS §2)",
            )
        rows = 0
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise InputError(
                    f"the row has {len(row)} fields, the header {len(header)}",
                    where=f"{filename} line {reader.line_num}",
                )
            rows += 1
    except csv.Error as e:
        raise InputError(f"not valid CSV: {e}", where=f"{filename} line {reader.line_num}") from e
    return rows


def _count_parquet_rows(data: bytes, filename: str, required: tuple[str, ...]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(pa.BufferReader(data)).metadata
    except (pa.ArrowException, OSError) as e:
        raise InputError(f"not a readable Parquet file ({e})", where=filename) from e
    names = set(meta.schema.names)
    missing = [c for c in required if c not in names]
    if missing:
        raise InputError(
            f"the file has no {', '.join(missing)} column",
            where=filename,
            hint="subjects need at least subject_id and last_name (FORMATS §2)",
        )
    return int(meta.num_rows)


def submission_id(agency: str, request_id: str) -> str:
    return hashlib.sha256(f"{agency}\n{request_id}".encode()).hexdigest()[:24]


def _subjects_name(manifest: Any, filename: str, given: bool) -> str | None:
    ref = manifest.subjects
    if isinstance(ref, list):
        if given:
            raise InputError(
                "the manifest lists its subjects inline and a subjects file was sent too",
                where=f"{filename}: subjects",
                hint="send one or the other",
            )
        return None
    name = Path(str(ref)).name
    if not given:
        raise InputError(
            f"the manifest names subjects file {ref!r} but none was sent",
            where="subjects",
            hint="send the subjects CSV as the multipart field 'subjects'",
        )
    if (
        name != str(ref)
        or not _SAFE_NAME.match(name)
        or not name.lower().endswith((".csv", ".parquet"))
    ):
        raise InputError(
            f"subjects must name a CSV or Parquet file beside the manifest, not {ref!r}",
            where=f"{filename}: subjects",
            hint="e.g. subjects: subjects.csv",
        )
    return name


def receive(
    home: Path,
    manifest_bytes: bytes,
    manifest_name: str,
    subjects_bytes: bytes | None,
    subjects_name: str | None,
) -> Submission:
    """Validate and file a request; idempotent on (agency, request id).

    The same bytes again → the existing submission (``new=False``); different bytes under
    the same key → InputError, as intake will do (INTERFACES: intake.persist.receive).
    """
    ws = Workspace.open(home)
    manifest_name = Path(manifest_name or "manifest.yaml").name
    if not _SAFE_NAME.match(manifest_name):
        manifest_name = "manifest.yaml"
    manifest = validate_manifest(parse_manifest(manifest_bytes, manifest_name), manifest_name)
    target_subjects = _subjects_name(manifest, manifest_name, subjects_bytes is not None)
    if subjects_bytes is not None:
        # The manifest's name decides the format: that is how intake will read the file.
        rows = count_subject_rows(subjects_bytes, target_subjects or subjects_name or "subjects")
    else:
        rows = len(manifest.subjects)
    digest = hashlib.sha256(manifest_bytes + b"\0" + (subjects_bytes or b"")).hexdigest()
    sid = submission_id(manifest.requester.agency, manifest.id)
    inbox = ws.home / INBOX
    inbox.mkdir(exist_ok=True)
    final = inbox / sid
    if final.exists():
        return _repeat(final, digest)
    record = Submission(
        id=sid,
        agency=manifest.requester.agency,
        request_id=manifest.id,
        authority=manifest.authority,
        digest=digest,
        subjects=rows,
        received_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        status="received",
        new=True,
        message="received; awaiting processing",
    )
    tmp = Path(tempfile.mkdtemp(prefix=f".{sid}.", dir=inbox))
    try:
        (tmp / manifest_name).write_bytes(manifest_bytes)
        if target_subjects is not None and subjects_bytes is not None:
            (tmp / target_subjects).write_bytes(subjects_bytes)
        stored = {**record.to_json(), "manifest": manifest_name, "subjects_file": target_subjects}
        del stored["new"]
        (tmp / RECORD).write_text(json.dumps(stored, indent=2) + "\n")
        os.rename(tmp, final)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if final.exists():  # a concurrent identical submission won the race
            return _repeat(final, digest)
        raise
    return record


def _load(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / RECORD).read_text())
    return data


def _to_submission(data: dict[str, Any], new: bool, message: str | None = None) -> Submission:
    fields = {k: data[k] for k in Submission.__dataclass_fields__ if k in data}
    fields["new"] = new
    if message is not None:
        fields["message"] = message
    return Submission(**fields)


def _repeat(folder: Path, digest: str) -> Submission:
    data = _load(folder)
    if data["digest"] != digest:
        raise InputError(
            f"request {data['request_id']!r} from {data['agency']} was already received "
            "with different content",
            where=f"requests/{data['id']}",
            hint="a changed request needs a new id; resubmitting must send identical files",
        )
    return _to_submission(data, new=False, message="already received")


def get_submission(home: Path, sid: str) -> Submission:
    ws = Workspace.open(home)
    folder = ws.home / INBOX / sid
    if not _SID.match(sid) or not (folder / RECORD).is_file():
        raise NotFoundError(f"no request with id {sid!r}", where=f"requests/{sid}")
    return _to_submission(_load(folder), new=False)


def package_signing_key(home: Path) -> dict[str, str]:
    """The public key packages are signed with, for recipients and auditors to pin."""
    from fti_gateway.core.keys import load_signing_key
    from fti_gateway.disclose import encode_public_key, key_id

    pub = load_signing_key(Workspace.open(home).keys_dir).public_key()
    return {"algorithm": "Ed25519", "public_key": encode_public_key(pub), "key_id": key_id(pub)}
