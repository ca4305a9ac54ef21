"""A request holds text only, and what intake accepts the state store can keep.

Found by fuzzing: a character YAML refuses (NUL, U+FFFE) escaped as yaml's ReaderError;
a ``"\\ud800"`` or ``"\\u0000"`` escape passed intake and failed later — UTF-8 has no lone
surrogates, PostgreSQL keeps no NUL — after the request had been received. Each case is
refused at intake with its line, or becomes a row reject the store can keep.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fti_gateway.core.errors import InputError
from fti_gateway.intake import load_request, load_subjects
from fti_gateway.intake.persist import receive
from fti_gateway.store import StateStore

from .conftest import MakeRequest, base_manifest

HEADER = b"subject_id,last_name,dob,tin\n"


def _refused(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        load_request(path)
    return caught.value


@pytest.mark.parametrize(
    ("text", "name", "char", "line"),
    [
        (b"format: x\x00", "manifest.yaml", "U+0000", 1),
        (b'{"format": "fti/request/v1",\n "id": "a\xef\xbf\xbeb"}', "manifest.json", "U+FFFE", 2),
        (b"format: fti/request/v1\nid: a\x7fb\n", "manifest.yaml", "U+007F", 2),
        (b'{"format": "fti/request/v1", "id": "a\x01b"}', "x.manifest", "U+0001", 1),
    ],
    ids=["yaml-nul", "json-fffe", "yaml-del", "sniffed-json-control"],
)
def test_a_character_yaml_refuses_is_an_input_error_with_its_line(
    make_request: MakeRequest, text: bytes, name: str, char: str, line: int
) -> None:
    error = _refused(make_request(manifest_text=text, name=name))
    assert char in error.message and error.where == f"{name} line {line}"
    assert error.hint and "text only" in error.hint


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\u0000", "\\u001b", "\\uffff"])
@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_an_escape_spelling_what_is_not_text_is_refused_with_field_and_line(
    make_request: MakeRequest, escape: str, fmt: str
) -> None:
    """JSON ``"\\ud800"`` and YAML ``"\\ud800"`` (double-quoted) both yield the character."""
    if fmt == "json":
        content = base_manifest()
        content["purpose"]["reason"] = "@@"
        text = json.dumps(content, indent=1).replace("@@", f"{escape} wire fraud")
    else:
        text = (Path(__file__).parent / "data" / "manifest.yaml").read_text()
        text = text.replace('reason: "wire fraud', f'reason: "{escape} wire fraud')
    path = make_request(manifest_text=text, name=f"manifest.{fmt}")
    line = next(n for n, s in enumerate(text.splitlines(), 1) if '"reason"' in s or "reason:" in s)
    error = _refused(path)
    assert f"U+{escape[2:].upper()}" in error.message
    assert error.where == f"manifest.{fmt} line {line}: purpose.reason"


def test_lone_surrogates_are_refused_in_any_string_field_names_and_inline_rows_too(
    make_request: MakeRequest,
) -> None:
    row = {"subject_id": "S-1", "last_name": "Doe\\ud800", "dob": "1980-01-01"}
    text = json.dumps({**base_manifest(), "subjects": [row]}, indent=1).replace("\\\\", "\\")
    error = _refused(make_request(manifest_text=text, name="manifest.json"))
    assert "U+D800" in error.message and error.where
    assert error.where.endswith(": subjects[0].last_name")
    text = json.dumps({**base_manifest(), "note\\u0000": "x"}).replace("\\\\", "\\")
    error = _refused(make_request(manifest_text=text, name="manifest.json"))
    assert "field name" in error.message and "U+0000" in error.message


def test_a_csv_header_that_is_not_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "subjects.csv"
    path.write_bytes(b"subject_id,last_name,no\x00te\nS-1,Doe,x\n")
    with pytest.raises(InputError, match="column 3 of the header holds U\\+0000"):
        load_subjects(path)


def _string_array(values: list[bytes]) -> pa.Array:
    """A Parquet string column holding any bytes (Parquet does not enforce UTF-8)."""
    return pa.array(values, pa.binary()).view(pa.string())


def test_parquet_values_that_are_not_utf8_are_rejected_by_row(tmp_path: Path) -> None:
    path = tmp_path / "subjects.parquet"
    table = pa.table(
        {
            "subject_id": _string_array([b"S-1", b"S-2", b"S-\xff3"]),
            "last_name": _string_array([b"Doe\xed\xa0\x80", b"Roe", b"Poe"]),  # U+D800 encoded
            "dob": pa.array(["1980-01-01"] * 3),
        }
    )
    pq.write_table(table, path)
    checked = load_subjects(path)
    assert checked.subjects["subject_id"].tolist() == ["S-2"]
    assert [(r.line, r.subject_id, r.field, r.code) for r in checked.rejects] == [
        (1, "S-1", "last_name", "not-utf8"),
        (3, None, "subject_id", "not-utf8"),
    ]


def test_what_intake_accepts_or_rejects_the_store_keeps(
    make_request: MakeRequest, store: StateStore
) -> None:
    """Rows rejected for a NUL quote it (and keep its subject_id): escaped, so PostgreSQL
    stores the rejects; unusual but real text in the manifest is stored as written."""
    reason = "wire fraud\tscheme \ufeff\u0085 \U0001f4b0 \u00a0end"
    csv = (
        HEADER
        + b"S-1,Doe,1980-01-01,900-12-3456\n"
        + b"S-\x002,Roe,1980-01-01,\n"
        + b"S-3,Poe,1980-01-01,9001\x0023456\n"
    )
    path = make_request(subjects_csv=csv, set={"purpose.reason": reason, "note": "\ufeffx"})
    parsed = load_request(path)
    assert [(r.line, r.subject_id, r.code) for r in parsed.rejects] == [
        (3, "S-\\x002", "control-character"),
        (4, "S-3", "tin-invalid"),
        (4, "S-3", "control-character"),
    ]
    assert "\\x00" in parsed.rejects[1].reason
    receipt = receive(parsed, store)
    assert receipt.new and receipt.accepted == 1 and receipt.rejected_rows == 2
    record = store.get_request("DOJ", "DOJ-USAO-DC-2025-0042")
    assert record is not None and record.manifest["purpose"]["reason"] == reason
    assert store.load_rejects(record.pk)["subject_id"].tolist() == ["S-\\x002", "S-3", "S-3"]
