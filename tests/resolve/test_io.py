"""Reading a subjects file: every column as text, empty as missing, and bad files named."""

from __future__ import annotations

from pathlib import Path

import pytest

from fti_gateway.core.errors import InputError
from fti_gateway.resolve.io import read_table


def write(tmp_path: Path, text: str | bytes, name: str = "s.csv") -> Path:
    p = tmp_path / name
    if isinstance(text, str):
        p.write_text(text, encoding="utf-8")
    else:
        p.write_bytes(text)
    return p


def test_text_stays_text_and_empty_is_missing(tmp_path: Path) -> None:
    p = write(tmp_path, 'subject_id,zip,tin,dob\n1,02134,000123456,\n2,"",9000,1980-01-02\n')
    df = read_table(p, "subjects")
    assert df["zip"].tolist() == ["02134", None]
    assert df["tin"].tolist() == ["000123456", "9000"]
    assert df["dob"].tolist() == [None, "1980-01-02"]
    assert df["subject_id"].tolist() == ["1", "2"]


def test_byte_order_mark_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    p = write(tmp_path, "\ufeffsubject_id,zip\nA,01001\n".encode())
    df = read_table(p, "subjects")
    assert list(df.columns) == ["subject_id", "zip"]
    assert df["zip"].tolist() == ["01001"]


def test_a_row_with_too_many_fields_is_named_by_line(tmp_path: Path) -> None:
    p = write(tmp_path, "subject_id,zip\nA,01001\nB,02002,extra\n")
    with pytest.raises(InputError) as e:
        read_table(p, "subjects")
    assert "line 3" in str(e.value)


def test_not_utf8_is_refused(tmp_path: Path) -> None:
    p = write(tmp_path, "subject_id,last_name\nA,Mu\xf1oz\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"(?i)utf-8"):
        read_table(p, "subjects")
