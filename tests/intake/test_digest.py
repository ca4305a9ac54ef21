"""The request digest: recomputable by anyone from the bytes received."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fti_gateway.intake import load_request
from tests.intake.conftest import MakeRequest


def framed(*parts: bytes) -> str:
    h = hashlib.sha256(b"fti/request-digest/v1\n")
    for p in parts:
        h.update(len(p).to_bytes(8, "big"))
        h.update(p)
    return "sha256:" + h.hexdigest()


def test_digest_covers_manifest_then_subject_bytes(data_dir: Path) -> None:
    parsed = load_request(data_dir / "manifest.yaml")
    expected = framed(
        (data_dir / "manifest.yaml").read_bytes(), (data_dir / "subjects.csv").read_bytes()
    )
    assert parsed.digest == expected


def test_inline_digest_is_the_manifest_alone(data_dir: Path) -> None:
    assert load_request(data_dir / "inline.yaml").digest == framed(
        (data_dir / "inline.yaml").read_bytes()
    )


def test_one_changed_subject_byte_changes_the_digest(make_request: MakeRequest) -> None:
    a = load_request(make_request(subjects_csv="subject_id,last_name\nA,Lee\n"))
    b = load_request(make_request(subjects_csv="subject_id,last_name\nA,Lea\n"))
    assert a.digest != b.digest
    assert a.subjects.shape == b.subjects.shape
