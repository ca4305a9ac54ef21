"""Manifests as a new user would write them, good and bad (FORMATS §1)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fti_gateway.core.errors import InputError
from fti_gateway.intake import load_request
from tests.intake.conftest import MakeRequest


def problems(err: InputError) -> str:
    return str(err)  # where, message, details and hint, as the CLI prints them


def test_sample_yaml_manifest_reads_as_written(data_dir: Path) -> None:
    parsed = load_request(data_dir / "manifest.yaml")
    m = parsed.manifest
    assert m.key == ("DOJ", "DOJ-USAO-DC-2025-0042")
    assert m.received == date(2025, 6, 4)
    assert m.authority == "6103(i)(2)"
    assert m.taxable_periods == ["2022", "2023"]  # text, not YAML integers
    assert m.requester.in_writing is True and m.requester.signed is True
    assert m.purpose.statutes == ["18 U.S.C. 1343"]
    assert parsed.warnings == []


def test_json_manifest_reads_the_same_as_yaml(data_dir: Path) -> None:
    from_yaml = load_request(data_dir / "manifest.yaml").manifest
    from_json = load_request(data_dir / "manifest.json").manifest
    assert from_json.model_dump() == from_yaml.model_dump()


def test_missing_nested_field_names_its_path_line_and_hint(make_request: MakeRequest) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(drop=("requester.position",)))
    # One problem reads as one sentence: where (file, line, field), what, and a hint.
    assert e.value.where == "manifest.yaml line 5: requester.position"  # the block's line
    assert e.value.message == "is missing (required)"
    assert (e.value.hint or "").startswith("the position id from the agency registry")
    assert e.value.exit_code == 2


def test_every_problem_is_listed_not_only_the_first(make_request: MakeRequest) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(drop=("id", "purpose.kind", "received")))
    assert len(e.value.details) == 3
    assert "3 problems" in e.value.message
    starts = sorted(d.split(":")[0] for d in e.value.details)
    assert starts == ["id", "purpose.kind (line 10)", "received"]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("received", "06/04/2025", "'06/04/2025' is not a date"),
        ("received", "2025-02-30", "'2025-02-30' is not a date"),
        ("received", "1717459200", "'1717459200' is not a date"),  # not a Unix time
        ("received", "2025-06-04T00:00:00", "is not a date"),
        ("court_order", {"issued": "20250101"}, "'20250101' is not a date"),
        ("requester.signed", "maybe", "'maybe' is not true or false"),
        (
            "purpose.kind",
            "fishing-expedition",
            "'fishing-expedition' is not one of the allowed values",
        ),
        ("requester", "DOJ", "should be a block of fields"),
        ("taxable_periods", {"from": 2022}, "should be a list"),
        ("authority", "", "is empty"),
    ],
)
def test_wrong_values_are_explained(
    make_request: MakeRequest, field: str, value: object, expected: str
) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(set={field: value}))
    text = problems(e.value)
    assert field in text and expected in text


def test_date_error_hints_at_the_form(make_request: MakeRequest) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(set={"received": "June 4, 2025"}))
    assert "write the date as YYYY-MM-DD" in problems(e.value)


def test_unknown_format_is_refused_with_the_one_we_read(make_request: MakeRequest) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(set={"format": "fti/request/v2"}))
    assert "'fti/request/v2' is not a request format" in e.value.message
    assert e.value.where == "manifest.yaml line 1"
    assert "fti/request/v1" in (e.value.hint or "")


def test_missing_format_is_reported(make_request: MakeRequest) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(drop=("format",)))
    assert "format" in problems(e.value) and "is missing" in problems(e.value)


def test_unknown_authority_is_not_intakes_business(make_request: MakeRequest) -> None:
    parsed = load_request(make_request(set={"authority": "6103(z)(99)"}))
    assert parsed.manifest.authority == "6103(z)(99)"  # the law stage finds it unknown


def test_zero_byte_manifest(make_request: MakeRequest) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(manifest_text=b""))
    assert "empty (0 bytes)" in e.value.message
    assert "format: fti/request/v1" in (e.value.hint or "")


def test_blank_manifest(make_request: MakeRequest) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(manifest_text="\n   \n"))
    assert "blank" in e.value.message


def test_missing_manifest_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        load_request(tmp_path / "nope.yaml")
    assert "does not exist" in e.value.message and e.value.exit_code == 2


def test_manifest_that_is_a_list(make_request: MakeRequest) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(manifest_text="- format: fti/request/v1\n"))
    assert "is a list, not a block of fields" in e.value.message


def test_yaml_syntax_error_names_the_line(make_request: MakeRequest) -> None:
    text = "format: fti/request/v1\nid: X\nrequester:\n  agency: DOJ\n position: oops\n"
    with pytest.raises(InputError) as e:
        load_request(make_request(manifest_text=text))
    assert e.value.message.startswith("not valid YAML")
    assert e.value.where is not None and e.value.where.startswith("manifest.yaml line ")


def test_a_control_character_is_an_input_error_not_a_crash(make_request: MakeRequest) -> None:
    """Found by the API fuzzer: PyYAML refuses non-printable characters while the loader
    is being built, outside the try that turned YAML errors into InputError (a 500)."""
    with pytest.raises(InputError) as e:
        load_request(make_request(manifest_text="format: fti/request/v1\nid: \x07\n"))
    assert "U+0007" in e.value.message and "line 2" in (e.value.where or "")


def test_json_syntax_error_names_line_and_column(make_request: MakeRequest) -> None:
    text = '{\n  "format": "fti/request/v1",\n  "id": "X"\n  "received": "2025-01-01"\n}\n'
    with pytest.raises(InputError) as e:
        load_request(make_request(manifest_text=text, name="manifest.json"))
    assert "line 4" in e.value.message and "column 3" in e.value.message
    assert e.value.where == "manifest.json line 4"


def test_duplicate_key_in_yaml_is_an_error_not_last_wins(make_request: MakeRequest) -> None:
    text = (Path(__file__).parent / "data" / "manifest.yaml").read_text()
    text += 'authority: "6103(i)(1)"\n'
    with pytest.raises(InputError) as e:
        load_request(make_request(manifest_text=text))
    assert "'authority' is given twice (lines 5 and 23)" in e.value.message


def test_duplicate_key_in_json_is_an_error(make_request: MakeRequest, data_dir: Path) -> None:
    text = (
        (data_dir / "manifest.json")
        .read_text()
        .replace('"id": "DOJ-USAO-DC-2025-0042",', '"id": "A", "id": "B",')
    )
    with pytest.raises(InputError) as e:
        load_request(make_request(manifest_text=text, name="manifest.json"))
    assert "'id' appears twice" in e.value.message
    assert e.value.where == "manifest.json"


def test_non_utf8_manifest_says_which_line_and_byte(make_request: MakeRequest) -> None:
    text = "format: fti/request/v1\nid: X\nrequester:\n  official: Jos\xe9 Pe\xf1a\n"
    with pytest.raises(InputError) as e:
        load_request(make_request(manifest_text=text.encode("latin-1")))
    assert "not UTF-8" in e.value.message
    assert "line 4, byte 16" in e.value.message
    assert "0xE9" in "\n".join(e.value.details)


def test_misspelled_field_is_warned_about_with_a_suggestion(make_request: MakeRequest) -> None:
    parsed = load_request(make_request(set={"taxable_period": ["2021"]}))
    assert parsed.manifest.taxable_periods == ["2022", "2023"]
    assert any(
        "taxable_period " in w and "did you mean 'taxable_periods'" in w for w in parsed.warnings
    )


def test_subjects_missing_from_manifest(make_request: MakeRequest) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(drop=("subjects",)))
    assert "subjects" in problems(e.value) and "is missing" in problems(e.value)


def test_subjects_of_the_wrong_kind(make_request: MakeRequest) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(set={"subjects": {"file": "subjects.csv"}}))
    assert "file name or a list of rows" in e.value.message
    assert (e.value.where or "").endswith("subjects")


def test_yaml_aliases_are_refused(make_request: MakeRequest) -> None:
    text = (
        "format: fti/request/v1\n"
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    )
    with pytest.raises(InputError) as e:
        load_request(make_request(manifest_text=text))
    assert "aliases (*name) are not accepted" in e.value.message
    assert e.value.where == "manifest.yaml line 3"


def test_absurdly_deep_nesting_is_refused(make_request: MakeRequest) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(manifest_text="[" * 100_000, name="manifest.json"))
    assert "nested too deeply" in e.value.message or "not valid JSON" in e.value.message


def test_a_file_that_cannot_be_read_is_an_input_error(tmp_path: Path) -> None:
    from fti_gateway.intake.text import read_file

    with pytest.raises(InputError) as e:
        read_file(tmp_path, "subjects.csv")  # a folder: even root cannot read it as a file
    assert "cannot be read" in e.value.message and e.value.where == "subjects.csv"


def test_a_received_date_after_today_is_refused_with_its_line(
    make_request: MakeRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fti_gateway.intake import manifest as manifest_module

    monkeypatch.setattr(manifest_module, "today_utc", lambda: date(2025, 6, 4))
    assert load_request(make_request(set={"received": "2025-06-04"})).manifest.received == date(
        2025, 6, 4
    )  # the whole of today is allowed
    with pytest.raises(InputError) as e:
        load_request(make_request(set={"received": "2025-06-05"}))
    assert e.value.where == "manifest.yaml line 3: received"
    assert e.value.message == "2025-06-05 is in the future (today is 2025-06-04, UTC)"
    assert e.value.exit_code == 2


def test_the_future_is_judged_by_the_real_clock(make_request: MakeRequest) -> None:
    from datetime import UTC, datetime, timedelta

    later = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    with pytest.raises(InputError, match="is in the future"):
        load_request(make_request(set={"received": later}))


def test_a_received_date_in_full_width_digits_says_so(make_request: MakeRequest) -> None:
    with pytest.raises(InputError) as e:
        load_request(make_request(set={"received": "２０２５-０６-０４"}))
    assert e.value.where == "manifest.yaml line 3: received"
    assert (
        e.value.message == "'２０２５-０６-０４' must use the digits 0-9; found full-width digits"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "DOJ&CASE<1>"),
        ("id", "x" * 81),
        ("requester.agency", "Department of Justice"),
        ("requester.position", "U.S. Attorney"),
        ("authority", "6103(i)(2), as read by counsel"),
    ],
)
def test_identifiers_bound_for_the_ledger_are_checked_at_intake(
    make_request: MakeRequest, field: str, value: object
) -> None:
    """They are copied into permanent ledger leaves, which hold no free text: a value the
    ledger would refuse is refused here, with its line, before the request is stored."""
    with pytest.raises(InputError) as e:
        load_request(make_request(set={field: value}))
    text = problems(e.value)
    assert field.split(".")[-1] in text and " is not " in text
    assert "900-12-3456" not in text  # an error quotes at most 20 characters of the value
