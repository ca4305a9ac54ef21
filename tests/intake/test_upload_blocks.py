"""An upload read block by block (intake/upload.py ``read_upload_blocks``) gives exactly
what the whole-file reading of the same manifest and file gives: rows, line numbers,
rejects (a subject_id reused from an earlier block included), warnings and digest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fti_gateway.core.errors import InputError
from fti_gateway.intake.upload import (
    CheckedBlock,
    StreamedUpload,
    read_upload_blocks,
    read_with_upload,
)

MANIFEST = b"""\
format: fti/request/v1
id: DOJ-BLOCKS-1
received: 2025-06-04
authority: "6103(i)(2)"
requester: {agency: DOJ, position: us-attorney, in_writing: true, signed: true}
purpose: {kind: criminal-investigation, statutes: ["18 U.S.C. 1343"], reason: fraud}
taxable_periods: ["2022"]
elements: [identity.address]
subjects: subjects.csv
"""


def _csv(rows: int) -> bytes:
    lines = ["subject_id,last_name,dob,tin,street,badge"]
    for i in range(rows):
        dob = "02/01/1980" if i % 3 else "1980-01-02"  # most in another format
        lines.append(f"S{i},Reyes{i},{dob},900-12-{i:04d},{i} Main St,b{i}")
    lines[7] = "S6,,1980-01-02,900-12-0006,6 Main St,b6"  # no last name
    lines[40] = "S39,Okafor,1980-01-02,12,39 Main St,b39"  # a short TIN
    lines[55] = 'S54,Ng,1980-01-02,900-12-0054,"54 Main St\nApt 2, rear",b54'  # two lines
    lines[90] = "S3,Kim,1980-01-02,900-12-0089,89 Main St,b89"  # S3 again (line 5)
    lines[91] = "S90,Kim,1980-01-02,900-12-0090,90 Main St,b90,extra"  # one value too many
    lines[120] = 'S119,"Lee,1980-01-02,900-12-0119,119 Main St,b119'  # a quote never closed
    lines[150] = "S90,Park,1980-01-02,900-12-0149,149 Main St,b149"  # rejected row's id
    lines[151] = "S100,Park,1980-01-02,900-12-0150,150 Main St,b150"  # used later too
    lines[170] = "S100,Cho,1980-01-02,900-12-0169,169 Main St,b169"
    lines[171] = "S100,Cho,1980-13-02,900-12-0170,170 Main St,b170"  # dup and bad dob
    lines.insert(130, "")  # a blank line
    return ("\n".join(lines) + "\n").encode()


def _both(
    tmp_path: Path, data: bytes, block_bytes: int, slice_rows: int = 10**6
) -> tuple[Any, StreamedUpload, list[CheckedBlock]]:
    whole_dir, block_dir = tmp_path / "whole", tmp_path / "blocks"
    for d in (whole_dir, block_dir):
        d.mkdir()
        (d / "subjects.csv").write_bytes(data)
    whole = read_with_upload(MANIFEST, "manifest.yaml", whole_dir / "subjects.csv")
    streamed = read_upload_blocks(
        MANIFEST,
        "manifest.yaml",
        block_dir / "subjects.csv",
        block_bytes=block_bytes,
        slice_rows=slice_rows,
    )
    blocks = list(streamed.blocks())
    return whole, streamed, blocks


@pytest.mark.parametrize(
    ("block_bytes", "slice_rows"), [(64, 10**6), (300, 1), (1000, 7), (3000, 10**6), (3000, 16)]
)
def test_blocks_give_the_whole_file_result(
    tmp_path: Path, block_bytes: int, slice_rows: int
) -> None:
    data = _csv(200)
    assert len(data) > 3 * block_bytes  # several blocks
    whole, streamed, blocks = _both(tmp_path, data, block_bytes, slice_rows)
    assert len(blocks) > 1
    got = pd.concat([b.subjects for b in blocks], ignore_index=True)
    pd.testing.assert_frame_equal(got, whole.subjects.reset_index(drop=True))
    extra = pd.concat([b.extra for b in blocks if b.extra is not None], ignore_index=True)
    assert whole.extra is not None
    pd.testing.assert_frame_equal(extra, whole.extra.reset_index(drop=True))
    assert [r for b in blocks for r in b.rejects] == whole.rejects
    assert streamed.digest == whole.digest
    assert streamed.warnings == whole.warnings
    assert (streamed.accepted, streamed.rejected_rows) == (whole.accepted, whole.rejected_rows)
    # What this file is built to hold, so the comparison is not vacuous:
    codes = {(r.line, r.code) for r in whole.rejects}
    dups = {line for line, code in codes if code == "subject-id-duplicate"}
    assert dups == {92, 154, 173, 174}  # S3 (line 5), S100 (line 103) thrice
    assert (174, "dob-invalid") in codes and (122, "csv-quote") in codes
    assert any("already used on line 5" in r.reason for r in whole.rejects)
    assert any("dob values are not YYYY-MM-DD" in w for w in whole.warnings)


def test_a_file_error_in_a_later_block_is_the_whole_file_error(tmp_path: Path) -> None:
    data = _csv(200).replace(b"Reyes160", b"Reyes\xff160")
    with pytest.raises(InputError) as whole:
        _both(tmp_path, data, 10**9)
    (tmp_path / "again").mkdir()
    with pytest.raises(InputError) as blocks:
        _both(tmp_path / "again", data, 128)
    assert str(blocks.value) == str(whole.value)
    assert "line 164" in str(whole.value)


def test_ids_whose_hashes_collide_are_told_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Earlier blocks' ids are found by a 64-bit hash; a match is confirmed against the id
    itself, so even if every hash collided no row would be taken for a duplicate."""
    from fti_gateway.intake import upload

    def collide(values: Any) -> Any:
        return np.full(len(values), 7, dtype=np.uint64)

    monkeypatch.setattr(upload.pd.util, "hash_array", collide)
    whole, _, blocks = _both(tmp_path, _csv(200), 300, 16)
    assert [r for b in blocks for r in b.rejects] == whole.rejects
    assert sum(len(b.subjects) for b in blocks) == whole.accepted
