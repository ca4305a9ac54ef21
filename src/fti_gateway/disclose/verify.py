"""Verifying a disclosure package: signature, hashes, counts and minimization.

Like the ledger's fsck, checks run in a fixed order and stop at the first bad place,
which the report names with what was expected and what was computed. Without a
``public_key`` the key inside the package is used: that proves the package is intact,
not who made it — compare ``key_id`` with the gateway's published key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pyarrow.parquet as pq
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from fti_gateway.core.elements import CATALOGUE
from fti_gateway.core.errors import InputError, IntegrityError, NotFoundError
from fti_gateway.disclose import files as F
from fti_gateway.disclose.minimize import KEY_SUBJECT, package_columns
from fti_gateway.disclose.signing import (
    encode_public_key,
    key_id,
    load_public_key,
    parse_signature,
    raw_public_key,
    statement,
    verifies,
)
from fti_gateway.disclose.spec import PACKAGE_FORMAT


@dataclass(frozen=True)
class Problem:
    """The first bad place: a file (and field), what was expected, what was computed."""

    where: str
    message: str
    expected: str | None = None
    computed: str | None = None

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}"
        if self.expected is not None or self.computed is not None:
            text += f" (expected {self.expected}, computed {self.computed})"
        return text


@dataclass
class VerifyReport:
    path: Path
    key_source: str = "package"  # "given" or "package"
    key_id: str | None = None
    checks: list[str] = field(default_factory=list)
    problem: Problem | None = None
    manifest: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def raise_for_failure(self) -> None:
        if self.problem is not None:
            raise IntegrityError(
                self.problem.message,
                where=f"{self.path}/{self.problem.where}",
                details=[
                    f"expected {self.problem.expected}",
                    f"computed {self.problem.computed}",
                ]
                if self.problem.expected is not None
                else [],
            )


class _Stop(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _fail(where: str, message: str, expected: object = None, computed: object = None) -> NoReturn:
    raise _Stop(
        Problem(
            where,
            message,
            None if expected is None else str(expected),
            None if computed is None else str(computed),
        )
    )


def verify_package(
    path: Path, public_key: Ed25519PublicKey | bytes | str | Path | None = None
) -> VerifyReport:
    """Check a package; never raises for a bad package (see ``report.problem``).

    ``public_key`` may be a key object, 32 raw bytes, base64 text or a key file; a key
    that cannot be read is an :class:`InputError` (the caller's mistake, not the
    package's).
    """
    path = Path(path)
    report = VerifyReport(path=path)
    trusted: Ed25519PublicKey | None = None
    if public_key is not None:
        try:
            trusted = load_public_key(public_key)
        except (ValueError, OSError) as e:
            raise InputError(
                f"cannot read the public key ({e})",
                where=str(public_key) if isinstance(public_key, Path) else "public_key",
                hint="give the raw Ed25519 key in base64, or a PEM/base64 key file",
            ) from e
        report.key_source = "given"
    try:
        _run(path, trusted, report)
    except _Stop as stop:
        report.problem = stop.problem
    return report


def _run(path: Path, trusted: Ed25519PublicKey | None, report: VerifyReport) -> None:
    if not path.is_dir():
        _fail(str(path), "not a package folder")
    present = sorted(p.name for p in path.iterdir())
    for name in F.ALL_FILES:
        if name not in present:
            _fail(name, "missing from the package")
    for name in present:
        if name not in F.ALL_FILES:
            _fail(name, "unexpected file in the package (a package holds only its own files)")
    report.checks.append("files present")

    try:
        sig = parse_signature((path / F.SIGNATURE).read_bytes())
    except ValueError as e:
        _fail(F.SIGNATURE, f"unreadable signature file: {e}")
    if not verifies(sig.public_key, sig.statement_signature, statement(sig.manifest_sha256)):
        _fail(F.SIGNATURE, "statement_signature does not verify: the signature file was altered")
    if trusted is not None and raw_public_key(trusted) != raw_public_key(sig.public_key):
        _fail(
            F.SIGNATURE,
            "signed by a different key than the one given",
            f"key {key_id(trusted)}",
            f"key {key_id(sig.public_key)}",
        )
    key = trusted or sig.public_key
    report.key_id = key_id(key)

    manifest_bytes = (path / F.MANIFEST).read_bytes()
    digest = hashlib.sha256(manifest_bytes).hexdigest()
    if digest != sig.manifest_sha256:
        _fail(F.MANIFEST, "altered after signing: sha256 differs", sig.manifest_sha256, digest)
    if not verifies(key, sig.signature, manifest_bytes):
        _fail(F.SIGNATURE, f"signature does not verify over manifest.json with key {key_id(key)}")
    report.checks.append(f"signature by key {key_id(key)}")

    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        _fail(F.MANIFEST, f"not JSON ({e})")
    if not isinstance(manifest, dict) or F.canonical_json(manifest) != manifest_bytes:
        _fail(F.MANIFEST, "not a canonical JSON object")
    report.manifest = manifest
    if manifest.get("format") != PACKAGE_FORMAT:
        _fail(F.MANIFEST + ":format", "unknown format", PACKAGE_FORMAT, manifest.get("format"))
    signer = manifest.get("signer")
    signer = signer if isinstance(signer, dict) else {}
    if signer.get("public_key") != encode_public_key(key):
        _fail(
            F.MANIFEST + ":signer.public_key",
            "names a different signer",
            encode_public_key(key),
            signer.get("public_key"),
        )
    pub_text = (path / F.PUBLIC_KEY).read_bytes()
    want_pub = (encode_public_key(key) + "\n").encode()
    if pub_text != want_pub:
        _fail(
            F.PUBLIC_KEY, "does not hold the signing key", want_pub.decode().strip(), pub_text[:60]
        )
    report.checks.append("manifest and signer key")

    _check_minimization(manifest)
    report.checks.append("elements and columns")
    files = manifest.get("files")
    files = files if isinstance(files, dict) else {}
    for name in F.DATA_FILES:
        entry = files.get(name)
        if not isinstance(entry, dict):
            _fail(F.MANIFEST + f":files.{name}", "no hash recorded for a data file")
        size = (path / name).stat().st_size
        if size != entry.get("bytes"):
            _fail(
                name,
                "size differs from the manifest",
                f"{entry.get('bytes')} bytes",
                f"{size} bytes",
            )
        got = F.sha256_file(path / name)
        if got != entry.get("sha256"):
            _fail(name, "sha256 differs from the manifest", entry.get("sha256"), got)
    report.checks.append("data file hashes")
    _check_data(path, manifest)
    report.checks.append("rows and columns")


def _check_minimization(manifest: dict[str, Any]) -> None:
    elements = manifest.get("elements")
    if not isinstance(elements, list) or not elements:
        _fail(F.MANIFEST + ":elements", "no elements listed")
    for e in elements:
        if e not in CATALOGUE:
            _fail(F.MANIFEST + ":elements", f"element {e!r} is not in the catalogue")
        if CATALOGUE[e].internal:
            _fail(F.MANIFEST + ":elements", f"element {e!r} is internal and never released")
    data = manifest.get("data")
    data = data if isinstance(data, dict) else {}
    want = package_columns(list(elements))
    if data.get("columns") != want:
        _fail(
            F.MANIFEST + ":data.columns",
            "columns are not the elements' columns",
            want,
            data.get("columns"),
        )


def _check_data(path: Path, manifest: dict[str, Any]) -> None:
    data = manifest["data"]
    try:
        table = pq.read_table(path / F.DATA_PARQUET)
    except Exception as e:  # pyarrow raises several types for a damaged file
        _fail(F.DATA_PARQUET, f"unreadable Parquet ({e})")
    if table.column_names != data["columns"]:
        _fail(
            F.DATA_PARQUET,
            "columns differ from the allowed elements' columns",
            data["columns"],
            table.column_names,
        )
    if table.num_rows != data.get("rows"):
        _fail(
            F.DATA_PARQUET, "row count differs from the manifest", data.get("rows"), table.num_rows
        )
    subjects = len(set(table.column(KEY_SUBJECT).to_pylist()))
    if subjects != data.get("subjects"):
        _fail(
            F.DATA_PARQUET,
            "subject count differs from the manifest",
            data.get("subjects"),
            subjects,
        )
    want = F.csv_bytes(table)
    got = (path / F.DATA_CSV).read_bytes()
    if got != want:
        want_lines, got_lines = want.splitlines(), got.splitlines()
        line = next(
            (i + 1 for i, (a, b) in enumerate(zip(want_lines, got_lines, strict=False)) if a != b),
            min(len(want_lines), len(got_lines)) + 1,
        )
        _fail(
            F.DATA_CSV + f":line {line}",
            "does not hold the same rows as data.parquet",
            f"{len(want_lines) - 1} rows",
            f"{len(got_lines) - 1} rows",
        )


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of a package as stored, *without* verifying it (for display)."""
    file = Path(path) / F.MANIFEST
    if not file.is_file():
        raise NotFoundError(
            "no manifest.json: not a disclosure package",
            where=str(path),
            hint="give the folder that build_package wrote",
        )
    try:
        manifest = json.loads(file.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"manifest.json is not JSON ({e})", where=str(file)) from e
    if not isinstance(manifest, dict):
        raise InputError("manifest.json is not a JSON object", where=str(file))
    return manifest
