"""A request read back from the state store is the request intake passed on."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fti_gateway.intake import load_request
from fti_gateway.intake.persist import receive
from fti_gateway.pipeline.stored import load_stored
from fti_gateway.store import StateStore

MANIFEST = """\
format: fti/request/v1
id: STORED-1
received: 2025-06-04
authority: "6103(i)(2)"
requester: {agency: DOJ, position: us-attorney, in_writing: true, signed: true}
purpose: {kind: criminal-investigation, statutes: ["18 U.S.C. 1343"], reason: "wire fraud"}
taxable_periods: ["2022"]
elements: [identity.address]
subjects: subjects.csv
"""
SUBJECTS = (
    "subject_id,first_name,middle_name,last_name,dob,tin,street,city,state,zip,reason\n"
    "S1,Ana,,Reyes,1980-02-29,900-12-3456,1 Old Rd,Laurel,MD,20701,payee\n"
    "S2,Ben,Q,Okafor,1980-02-30,,2 Elm St,Dover,DE,19901,\n"  # not a date: rejected
    "S3,,,,,,,,,,\n"  # no last name: rejected
    "S4,Cy,,Ng,,666-01-0001,,,,,\n"
)


def test_the_stored_request_reads_back_as_intake_passed_it(tmp_path: Path) -> None:
    (tmp_path / "manifest.yaml").write_text(MANIFEST)
    (tmp_path / "subjects.csv").write_text(SUBJECTS)
    parsed = load_request(tmp_path / "manifest.yaml")
    store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    store.create_all()
    pk = receive(parsed, store).request_pk
    again = load_stored(store, pk)
    assert again.manifest.model_dump(exclude={"subjects"}) == parsed.manifest.model_dump(
        exclude={"subjects"}
    )
    assert again.digest == parsed.digest and again.key == parsed.key
    cols = list(parsed.subjects.columns)
    pd.testing.assert_frame_equal(
        again.subjects[cols]
        .reset_index(drop=True)
        .astype(object)
        .where(again.subjects[cols].notna().reset_index(drop=True), None),
        parsed.subjects.reset_index(drop=True)
        .astype(object)
        .where(parsed.subjects.notna().reset_index(drop=True), None),
        check_dtype=False,
    )
    assert [(r.line, r.subject_id, r.field, r.code, r.where) for r in again.rejects] == [
        (r.line, r.subject_id, r.field, r.code, r.where) for r in parsed.rejects
    ]
    assert len(again.rejects) >= 2
