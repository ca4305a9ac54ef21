from fti_gateway.core.formats import IDENTITY_COLUMNS, REQUIRED_SUBJECT_COLUMNS, SUBJECT_COLUMNS


def test_subject_columns_are_the_formats_contract_in_order() -> None:
    # FORMATS §2, as published to requesting agencies: never renamed, never reordered.
    assert SUBJECT_COLUMNS == (
        "subject_id", "first_name", "middle_name", "last_name", "suffix", "dob", "tin",
        "street", "unit", "city", "state", "zip", "reason", "case_number",
    )  # fmt: skip
    assert REQUIRED_SUBJECT_COLUMNS == ("subject_id", "last_name")


def test_identity_columns_are_shared_by_subjects_and_the_master_file() -> None:
    assert set(IDENTITY_COLUMNS) < set(SUBJECT_COLUMNS)
    assert {"subject_id", "reason", "case_number"}.isdisjoint(IDENTITY_COLUMNS)
