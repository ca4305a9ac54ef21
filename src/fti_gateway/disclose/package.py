"""Building a signed disclosure package.

A package is one folder::

    data.parquet    the minimized rows (see minimize.py for exactly which)
    data.csv        the same rows as CSV, derived from the Parquet table
    manifest.json   canonical JSON: request, authority, recipient, elements, periods,
                    use restriction, (p)(4) safeguards, destruction duty, counts, hashes
    manifest.sig    Ed25519 signatures over manifest.json (see signing.py)
    signer.pub      the signer's raw public key, base64

The folder is written under a temporary name and renamed into place, so a crash never
leaves something that looks like a finished package.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pandas as pd
import pyarrow.parquet as pq
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.core.errors import InputError
from fti_gateway.disclose import files as F
from fti_gateway.disclose.minimize import (
    KEY_SUBJECT,
    Extract,
    check_elements,
    check_periods,
    extract,
    package_columns,
    select_subjects,
)
from fti_gateway.disclose.signing import encode_public_key, key_id, sign_manifest
from fti_gateway.disclose.spec import PACKAGE_FORMAT, PackageInfo, PackageSpec

IDENTITY_PERIOD_RULE = (
    "identity elements (name, address, TIN) are taken from the latest requested tax year "
    "the vault holds for the taxpayer"
)


DISCLOSING_OUTCOMES = ("approve", "partial")


class Connectable(Protocol):
    """Anything that opens a DuckDB connection with a ``master`` view (e.g. ``Vault``)."""

    def connect(self) -> duckdb.DuckDBPyConnection: ...


def extract_from(
    vault: duckdb.DuckDBPyConnection | Connectable,
    subjects: pd.DataFrame,
    elements: list[str],
    years: list[int],
) -> Extract:
    """:func:`~fti_gateway.disclose.minimize.extract` on a connection, or on a fresh one of
    ``vault`` that is closed afterwards."""
    if isinstance(vault, duckdb.DuckDBPyConnection):
        return extract(vault, subjects, elements, years)
    con = vault.connect()
    try:
        return extract(con, subjects, elements, years)
    finally:
        con.close()


def _check_spec(spec: PackageSpec) -> None:
    for name in ("request_agency", "request_id", "authority", "recipient", "use_restriction"):
        value = getattr(spec, name)
        if not isinstance(value, str) or not value.strip():
            raise InputError(
                f"the package spec has no {name}",
                where=f"spec.{name}",
                hint="a package always names its request, authority, recipient and use limit",
            )
    if spec.outcome is not None and spec.outcome not in DISCLOSING_OUTCOMES:
        raise InputError(
            f"a {spec.outcome!r} decision discloses nothing",
            where="spec.outcome",
            hint="only approve and partial decisions produce a package (FORMATS §5)",
        )
    if not spec.destruction.strip():
        raise InputError("the package spec has no destruction duty", where="spec.destruction")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _prepare_target(out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise InputError(
            "the package folder already exists and is not empty",
            where=str(out_dir),
            hint="packages are never overwritten; choose a new folder",
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)


def build_package(
    out_dir: Path,
    spec: PackageSpec,
    subjects: pd.DataFrame,
    vault: duckdb.DuckDBPyConnection | Connectable,
    signing_key: Ed25519PrivateKey,
    *,
    now: datetime | None = None,
) -> PackageInfo:
    """Write a minimized, signed package for the approved, matched subjects.

    ``vault`` is a DuckDB connection with a ``master`` view (FORMATS §3 columns) or an
    object whose ``.connect()`` returns one (``fti_gateway.vault.store.Vault``).
    ``subjects`` has ``subject_id`` and ``taxpayer_id``, and optionally ``status``
    (resolve) and ``result`` (law): rows that are not ``match``/``approve`` are left out
    and listed in ``PackageInfo.excluded``. Raises :class:`InputError` for an element
    outside the catalogue or internal to the gateway, no elements, no periods, or a
    subject without a taxpayer_id; :class:`IntegrityError` when the vault cannot
    supply what the decision allowed.
    """
    _check_spec(spec)
    elements = check_elements(list(spec.elements))
    years = check_periods(list(spec.periods))
    columns = package_columns(elements)
    selection = select_subjects(subjects)
    out_dir = Path(out_dir)
    _prepare_target(out_dir)

    extracted = extract_from(vault, selection.subjects, elements, years)
    table = extracted.table

    created = (now or datetime.now(UTC)).astimezone(UTC)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        pq.write_table(table, tmp / F.DATA_PARQUET)
        # The CSV is rendered from the table as read back from Parquet, exactly as the
        # verifier re-renders it, so "same rows" is checkable byte for byte.
        _write(tmp / F.DATA_CSV, F.csv_bytes(pq.read_table(tmp / F.DATA_PARQUET)))
        with (tmp / F.DATA_PARQUET).open("rb") as f:
            os.fsync(f.fileno())
        included = sorted(set(table.column(KEY_SUBJECT).to_pylist()))
        requested = selection.subjects[KEY_SUBJECT].tolist()
        no_data = sorted(set(requested) - set(included))
        pub = signing_key.public_key()
        manifest: dict[str, Any] = {
            "format": PACKAGE_FORMAT,
            "request": {"agency": spec.request_agency, "id": spec.request_id},
            "authority": spec.authority,
            "recipient": {"agency": spec.recipient},
            "elements": elements,
            "periods": [str(y) for y in years],
            "identity_period": IDENTITY_PERIOD_RULE,
            "use_restriction": {"authority": spec.authority, "text": spec.use_restriction},
            "safeguards": {"citation": "6103(p)(4)", "duties": list(spec.safeguards)},
            "destruction": spec.destruction,
            "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "data": {"columns": columns, "rows": table.num_rows, "subjects": len(included)},
            "files": {
                name: {"sha256": F.sha256_file(tmp / name), "bytes": (tmp / name).stat().st_size}
                for name in F.DATA_FILES
            },
            "signer": {"algorithm": "Ed25519", "public_key": encode_public_key(pub)},
        }
        manifest_bytes = F.canonical_json(manifest)
        _write(tmp / F.MANIFEST, manifest_bytes)
        _write(tmp / F.SIGNATURE, sign_manifest(manifest_bytes, signing_key))
        _write(tmp / F.PUBLIC_KEY, (encode_public_key(pub) + "\n").encode())
        _fsync_dir(tmp)
        if out_dir.exists():
            out_dir.rmdir()  # empty, checked above
        os.rename(tmp, out_dir)
        _fsync_dir(out_dir.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return PackageInfo(
        path=out_dir,
        manifest=manifest,
        manifest_sha256=hashlib.sha256(manifest_bytes).hexdigest(),
        key_id=key_id(pub),
        rows=table.num_rows,
        subjects=included,
        excluded=selection.excluded,
        no_data=no_data,
        disclosed=extracted.disclosed,
    )
