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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fti_gateway.core.errors import InputError
from fti_gateway.intake.manifest import (
    RawManifest,
    read_manifest_file,
    unknown_field_warnings,
    validate_manifest,
)
from fti_gateway.intake.models import Manifest
from fti_gateway.intake.parse import _Digest, load_request
from fti_gateway.intake.parsed import ParsedRequest
from fti_gateway.intake.subjects import CSV_SUFFIXES

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
