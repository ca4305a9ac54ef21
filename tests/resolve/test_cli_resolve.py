"""`fti resolve` and `fti resolve evaluate`, driven as a user would, in a temporary --home."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fti_gateway.cli.main import app
from fti_gateway.core.errors import InputError
from fti_gateway.core.workspace import Workspace
from fti_gateway.resolve import ResolveSettings, train
from fti_gateway.vault.access import VaultReader
from fti_gateway.vault.store import Vault
from tests.resolve.conftest import taxpayer_of
from tests.resolve.fixtures import make_master


@pytest.mark.slow
def test_resolve_then_evaluate(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "home")
    make_master(ws.vault_dir, people=300)
    train(
        VaultReader(Vault.for_workspace(ws)),
        ws.models_dir,
        ResolveSettings(training_sample=300, calibration_sample=1000),
    )
    rows = pd.read_parquet(ws.vault_dir / "master" / "part-0.parquet")
    subjects = tmp_path / "subjects.csv"
    pd.DataFrame(
        [
            dict(
                subject_id="s1",
                first_name="Linda",
                last_name="Walker",
                dob="1952-01-15",
                street="12 Oak Ave",
                city="Springfield",
                state="IL",
                zip="62701",
            ),
            dict(subject_id="s2", first_name="Nobody", last_name="Unknownson", dob="1990-01-01"),
            # Rejected with their lines (4, 5), not resolved with the DOB or TIN blanked.
            dict(subject_id="s3", first_name="Linda", last_name="Walker", dob="01/15/1952"),
            dict(subject_id="s4", first_name="Linda", last_name="Walker", tin="12-345"),
        ]
    ).to_csv(subjects, index=False)
    out = tmp_path / "matches.parquet"
    rejects = tmp_path / "rejects.csv"
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            *("resolve", "--home", str(ws.home), "--subjects", str(subjects)),
            *("--out", str(out), "--rejects", str(rejects)),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "matched 1," in r.output and "no candidate 1" in r.output
    assert "subjects.csv line 4 (subject s3)" in r.output and "2 row(s) rejected" in r.output
    m = pd.read_parquet(out).set_index("subject_id")
    assert m.loc["s1", "taxpayer_id"] == taxpayer_of(rows, "Linda", "Walker")
    assert set(m.index) == {"s1", "s2"}
    rej = pd.read_csv(rejects)
    assert list(zip(rej["line"], rej["field"], strict=True)) == [(4, "dob"), (5, "tin")]

    truth = tmp_path / "truth.csv"
    pd.DataFrame(
        {"subject_id": ["s1", "s2"], "taxpayer_id": [taxpayer_of(rows, "Linda", "Walker"), ""]}
    ).to_csv(truth, index=False)
    r = runner.invoke(app, ["resolve", "evaluate", "--matches", str(out), "--truth", str(truth)])
    assert r.exit_code == 0, r.output
    assert "precision" in r.output and "1.00000" in r.output
    assert "no candidate" in r.output and "to review, right taxpayer offered" in r.output


def test_resolve_without_subjects_shows_usage(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "home")
    r = CliRunner().invoke(app, ["resolve", "--home", str(ws.home)])
    assert r.exit_code == 2
    assert "--subjects" in r.output


def test_resolve_with_every_row_rejected_says_so(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "home")
    subjects = tmp_path / "subjects.csv"
    subjects.write_text("subject_id,first_name,last_name,dob\ns1,Linda,,1952-01-15\n")
    r = CliRunner().invoke(
        app,
        [
            *("resolve", "--home", str(ws.home), "--subjects", str(subjects)),
            *("--out", str(tmp_path / "m.parquet")),
        ],
    )
    assert r.exit_code != 0
    assert "line 2" in r.output and "last_name is empty" in r.output
    assert isinstance(r.exception, InputError)
    assert "no subject row is left to resolve" in str(r.exception)
    assert not (tmp_path / "m.parquet").exists()


def test_the_rejects_file_is_safe_to_open_in_a_spreadsheet(tmp_path: Path) -> None:
    """Rejected subject ids are the requester's text: written escaped (OWASP CSV injection)."""
    import csv
    import io

    ws = Workspace.init(tmp_path / "home")
    hostile = ["=1+1", "+1", "-2+3", "@SUM(A1)", "＝1", "＋1", "－1", "＠A1"]
    subjects = tmp_path / "subjects.csv"
    subjects.write_text(
        "subject_id,first_name,last_name,dob\n"
        + "".join(f"{sid},Linda,,1952-01-15\n" for sid in hostile)
    )
    rejects = tmp_path / "rejects.csv"
    r = CliRunner().invoke(
        app,
        [
            *("resolve", "--home", str(ws.home), "--subjects", str(subjects)),
            *("--out", str(tmp_path / "m.parquet"), "--rejects", str(rejects)),
        ],
    )
    assert isinstance(r.exception, InputError)  # nothing left to resolve; rejects written
    rows = list(csv.DictReader(io.StringIO(rejects.read_bytes().decode(), newline="")))
    assert [row["subject_id"] for row in rows] == ["'" + sid for sid in hostile]
    assert [row["line"] for row in rows] == [str(n) for n in range(2, 2 + len(hostile))]
