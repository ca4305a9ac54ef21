"""The disclosure package as one ZIP file, the same bytes every time it is built.

A package is a folder (disclose/README.md); over HTTP it travels as ``application/zip``.
Clients resume interrupted downloads with ``Range`` + ``If-Range`` (RFC 9110 §13.1.5), so
the ZIP must not change between two requests: members are stored in name order with a
fixed timestamp (1980-01-01, the ZIP epoch), fixed permissions and no extra fields, and
deflated at a fixed level. The ZIP is built once and kept beside the package folder under
a name derived from ``manifest.sig`` (which signs the manifest, which hashes every file),
so a changed package can never be served from an old ZIP, and the same name is the ETag.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from fti_gateway.core.errors import NotFoundError
from fti_gateway.pipeline.rundir import staged

EPOCH = (1980, 1, 1, 0, 0, 0)
LEVEL = 6
SIGNATURE = "manifest.sig"


def package_key(package: Path) -> str:
    """A short digest naming this exact package (the ETag of its ZIP)."""
    sig = package / SIGNATURE
    if not sig.is_file():
        raise NotFoundError("the package is not signed yet", where=SIGNATURE)
    return hashlib.sha256(sig.read_bytes()).hexdigest()[:32]


def write_zip(package: Path, out: Path) -> None:
    """Write ``package``'s files (flat folder, name order) to ``out`` deterministically."""
    names = sorted(p.name for p in package.iterdir() if p.is_file() and not p.name.startswith("."))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=LEVEL) as zf:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            info.create_system = 3  # Unix, whatever the building machine
            info.file_size = (package / name).stat().st_size  # ZIP64 decided up front
            with (package / name).open("rb") as src, zf.open(info, "w") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)


def package_zip(package: Path) -> tuple[Path, str]:
    """The cached ZIP of ``package`` (built on first use) and its ETag value."""
    key = package_key(package)
    out = package.parent / f"package-{key}.zip"
    if not out.is_file():
        with staged(out) as tmp:
            write_zip(package, tmp)
    return out, key
