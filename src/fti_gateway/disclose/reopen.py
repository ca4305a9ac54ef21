"""Reopening a package an earlier, interrupted run already built.

A package is signed and may already be named by disclosure leaves in the ledger (a run
can stop between appending them and writing its decision). Building it again would give
new bytes (a new ``created`` time, a new signature) that no leaf names, so a resumed run
never rebuilds: it reopens the package, checks it is the one this decision asks for, and
re-derives which taxpayers' data it carries from the vault by the same query that built it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pandas as pd

from fti_gateway.core.errors import IntegrityError
from fti_gateway.disclose import files as F
from fti_gateway.disclose.minimize import check_elements, check_periods, select_subjects
from fti_gateway.disclose.package import Connectable, extract_from
from fti_gateway.disclose.signing import key_id, load_public_key
from fti_gateway.disclose.spec import PackageInfo, PackageSpec
from fti_gateway.disclose.verify import read_manifest


def reopen_package(
    out_dir: Path,
    spec: PackageSpec,
    subjects: pd.DataFrame,
    vault: duckdb.DuckDBPyConnection | Connectable,
) -> PackageInfo:
    """The :class:`PackageInfo` of the finished package in ``out_dir``, as
    :func:`~fti_gateway.disclose.build_package` returned it. Raises :class:`IntegrityError`
    when the package is not the one ``spec`` describes or the vault no longer gives the
    same rows (the vault changed since: a person must look before anything is logged)."""
    manifest = read_manifest(out_dir)
    where = str(Path(out_dir) / F.MANIFEST)
    elements = check_elements(list(spec.elements))
    years = check_periods(list(spec.periods))
    claimed = {
        "request": manifest.get("request"),
        "elements": manifest.get("elements"),
        "periods": manifest.get("periods"),
    }
    wanted = {
        "request": {"agency": spec.request_agency, "id": spec.request_id},
        "elements": elements,
        "periods": [str(y) for y in years],
    }
    if claimed != wanted:
        raise IntegrityError(
            "the package in the run folder is not the one this decision asks for",
            where=where,
            details=[f"package: {claimed}", f"decision: {wanted}"],
            hint="a package is never overwritten; move the folder aside and look at both",
        )
    selection = select_subjects(subjects)
    extracted = extract_from(vault, selection.subjects, elements, years)
    rows = int(manifest.get("data", {}).get("rows", -1))
    if rows != extracted.table.num_rows:
        raise IntegrityError(
            f"the package holds {rows} rows, but the vault now gives "
            f"{extracted.table.num_rows} for the same subjects",
            where=where,
            hint="the vault changed after the package was built; a person must decide",
        )
    included = sorted(set(extracted.disclosed["subject_id"].astype(str)))
    requested = selection.subjects["subject_id"].astype(str).tolist()
    manifest_bytes = (Path(out_dir) / F.MANIFEST).read_bytes()
    public = load_public_key(str(manifest.get("signer", {}).get("public_key", "")))
    return PackageInfo(
        path=Path(out_dir),
        manifest=manifest,
        manifest_sha256=hashlib.sha256(manifest_bytes).hexdigest(),
        key_id=key_id(public),
        rows=rows,
        subjects=included,
        excluded=selection.excluded,
        no_data=sorted(set(requested) - set(included)),
        disclosed=extracted.disclosed,
    )
