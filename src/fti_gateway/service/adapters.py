"""The only place the service touches the stages: small functions the endpoints call.

Endpoints stay thin (parse HTTP, call one adapter, return its data); adapters import
stage modules lazily, inside the function, so the service imports cleanly even before
later stages land. :func:`receive` checks that the manifest and subjects can be read,
files them in the workspace inbox (``<home>/inbox/<submission id>/``) under the names the
manifest uses, and runs the pipeline on them.

Every function about a request takes the caller's ``agency`` (the authenticated
principal): a request of another agency does not exist for it (NotFoundError, the same
answer as for an id never used), and a manifest naming another agency as its requester
is refused (:class:`~fti_gateway.service.errors.ForbiddenError`, 403).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fti_gateway import __version__
from fti_gateway.core.errors import InputError, NotFoundError
from fti_gateway.core.workspace import Workspace
from fti_gateway.service.errors import ForbiddenError

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
    rejected_rows: int = 0
    outcome: str | None = None
    disclosed: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def health(home: Path) -> dict[str, Any]:
    ws = Workspace.open(home)
    return {"status": "ok", "version": __version__, "workspace": ws.name}


def submission_id(agency: str, request_id: str) -> str:
    return hashlib.sha256(f"{agency}\n{request_id}".encode()).hexdigest()[:24]


def _subjects_name(ref: Any, filename: str, given: bool) -> str | None:
    """The name to file the uploaded subjects under: the one the manifest gives."""
    if not isinstance(ref, str | list):
        return None  # intake reports the missing or malformed field with its line
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
    agency: str,
    manifest_bytes: bytes,
    manifest_name: str,
    subjects_bytes: bytes | None,
    subjects_name: str | None,
) -> Submission:
    """File a request and run it through the pipeline; idempotent on (agency, request id).

    The files are read by intake itself (the same reader as ``fti request submit``), in
    a private folder that becomes the inbox entry only once they parse, so a request
    that cannot be read leaves nothing behind. The same bytes again → the existing
    submission (``new=False``); different bytes under the same key → InputError.
    """
    from fti_gateway.intake import load_request
    from fti_gateway.intake.manifest import read_manifest_file

    ws = Workspace.open(home)
    manifest_name = Path(manifest_name or "manifest.yaml").name
    if not _SAFE_NAME.match(manifest_name):
        manifest_name = "manifest.yaml"
    inbox = ws.home / INBOX
    inbox.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".incoming.", dir=inbox))
    try:
        (tmp / manifest_name).write_bytes(manifest_bytes)
        raw = read_manifest_file(tmp / manifest_name)
        target_subjects = _subjects_name(
            raw.content.get("subjects"), manifest_name, subjects_bytes is not None
        )
        if target_subjects is not None and subjects_bytes is not None:
            (tmp / target_subjects).write_bytes(subjects_bytes)
        parsed = load_request(tmp / manifest_name)
        _check_requester(parsed.manifest.requester.agency, agency, manifest_name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    manifest = parsed.manifest
    digest = hashlib.sha256(manifest_bytes + b"\0" + (subjects_bytes or b"")).hexdigest()
    sid = submission_id(manifest.requester.agency, manifest.id)
    final = inbox / sid
    if final.exists():
        shutil.rmtree(tmp, ignore_errors=True)
        return _repeat(ws, final, digest)
    record = Submission(
        id=sid,
        agency=manifest.requester.agency,
        request_id=manifest.id,
        authority=manifest.authority,
        digest=digest,
        subjects=parsed.accepted,
        received_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        status="received",
        new=True,
        message="received",
        rejected_rows=parsed.rejected_rows,
    )
    try:
        _write_record(tmp, record, manifest_name, target_subjects)
        os.rename(tmp, final)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if final.exists():  # a concurrent identical submission won the race
            return _repeat(ws, final, digest)
        raise
    return _run(ws, final, record)


def _check_requester(named: str, agency: str, manifest_name: str) -> None:
    """An agency files requests as itself only (API.md: requester.agency must be the
    caller's agency) — the manifest's own claim is never believed over the credential."""
    if named != agency:
        raise ForbiddenError(
            f"the manifest's requester.agency is {named!r} but the caller is {agency!r}",
            where=f"{manifest_name}: requester.agency",
            hint="an agency may submit only its own requests",
        )


def _run(ws: Workspace, folder: Path, record: Submission) -> Submission:
    """Run the filed request through the pipeline and record how it ended — a failure
    too, so no request stays "received" for ever; a later identical submission resumes it."""
    from fti_gateway.pipeline.submit import submit

    data = _load(folder)
    try:
        result = submit(ws, folder / str(data["manifest"]))
    except Exception as e:
        failed = replace(record, status="failed", message=getattr(e, "message", type(e).__name__))
        _write_record(folder, failed, str(data["manifest"]), data.get("subjects_file"))
        raise
    record = replace(
        record,
        status=f"decided:{result.outcome}",
        outcome=result.outcome,
        disclosed=result.disclosed,
        message=result.receipt_message,
    )
    _write_record(folder, record, str(data["manifest"]), data.get("subjects_file"))
    return record


def _write_record(
    folder: Path, record: Submission, manifest_name: str, subjects_file: str | None
) -> None:
    stored = {**record.to_json(), "manifest": manifest_name, "subjects_file": subjects_file}
    del stored["new"]
    tmp = folder / (RECORD + ".tmp")
    tmp.write_text(json.dumps(stored, indent=2) + "\n")
    os.replace(tmp, folder / RECORD)


def decision(home: Path, agency: str, sid: str) -> dict[str, Any]:
    """The FORMATS §5 decision of one of ``agency``'s requests."""
    from fti_gateway.pipeline.submit import run_dir_for

    sub = get_submission(home, agency, sid)
    path = run_dir_for(Workspace.open(home), sub.agency, sub.request_id) / "decision.json"
    if not path.is_file():
        raise NotFoundError(f"request {sid!r} has no decision yet", where=f"requests/{sid}")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def ledger_checkpoint(home: Path) -> dict[str, str]:
    """The latest signed checkpoint and the key to verify it, for auditors."""
    from fti_gateway.ledger.storage import FsStorage
    from fti_gateway.ledger.workspace import verifier_key

    ws = Workspace.open(home)
    note = FsStorage(ws.ledger_dir).read_checkpoint()
    if note is None:
        raise NotFoundError("the ledger has no checkpoint yet", where="ledger")
    return {"checkpoint": note.decode(), "verifier_key": verifier_key(ws)}


def _load(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / RECORD).read_text())
    return data


def _to_submission(data: dict[str, Any], new: bool, message: str | None = None) -> Submission:
    fields = {k: data[k] for k in Submission.__dataclass_fields__ if k in data}
    fields["new"] = new
    if message is not None:
        fields["message"] = message
    return Submission(**fields)


def _repeat(ws: Workspace, folder: Path, digest: str) -> Submission:
    data = _load(folder)
    if data["digest"] != digest:
        raise InputError(
            f"request {data['request_id']!r} from {data['agency']} was already received "
            "with different content",
            where=f"requests/{data['id']}",
            hint="a changed request needs a new id; resubmitting must send identical files",
        )
    if not str(data["status"]).startswith("decided"):
        # Filed but never finished (failed, or the service stopped mid-run): the same
        # submission again resumes it; the pipeline redoes nothing already done.
        return replace(_run(ws, folder, _to_submission(data, new=False)), new=False)
    return _to_submission(data, new=False, message="already received")


def get_submission(home: Path, agency: str, sid: str) -> Submission:
    """One of ``agency``'s submissions; another agency's answers exactly as a missing one."""
    ws = Workspace.open(home)
    folder = ws.home / INBOX / sid
    missing = NotFoundError(f"no request with id {sid!r}", where=f"requests/{sid}")
    if not _SID.match(sid) or not (folder / RECORD).is_file():
        raise missing
    data = _load(folder)
    if data.get("agency") != agency:
        raise missing
    return _to_submission(data, new=False)


def package_signing_key(home: Path) -> dict[str, str]:
    """The public key packages are signed with, for recipients and auditors to pin."""
    from fti_gateway.core.keys import load_signing_key
    from fti_gateway.disclose import encode_public_key, key_id

    pub = load_signing_key(Workspace.open(home).keys_dir).public_key()
    return {"algorithm": "Ed25519", "public_key": encode_public_key(pub), "key_id": key_id(pub)}
