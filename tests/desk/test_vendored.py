"""The desk's vendored htmx is the pinned file (VENDORED.md), served from the package, and
no page loads anything from another origin (no CDN, no network at run time)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import fti_gateway.desk

STATIC = Path(fti_gateway.desk.__file__).parent / "static"
TEMPLATES = STATIC.parent / "templates"
HTMX_VERSION = "2.0.11"
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


def test_htmx_is_the_pinned_file() -> None:
    digest = hashlib.sha256((STATIC / "htmx.min.js").read_bytes()).hexdigest()
    assert digest == HTMX_SHA256
    record = (STATIC / "VENDORED.md").read_text(encoding="utf-8")
    assert HTMX_SHA256 in record and HTMX_VERSION in record and "0BSD" in record
    assert f'version:"{HTMX_VERSION}"' in (STATIC / "htmx.min.js").read_text(encoding="utf-8")


def test_pages_load_nothing_from_elsewhere() -> None:
    for page in TEMPLATES.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for url in re.findall(r'(?:src|href)="([^"]+)"', text):
            assert url.startswith(("/desk/", "#", "{{")), f"{page.name}: {url}"
