"""The office's ``resolve.yaml``: the same review cap and backend whichever door a request
came in by, and a bad file refused with its key named (never silently ignored)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fti_gateway.core.errors import InputError
from fti_gateway.core.workspace import Workspace
from fti_gateway.pipeline import submit as submit_mod
from fti_gateway.resolve import ResolveSettings
from fti_gateway.resolve.office import load_office_settings, office_resolve_settings
from fti_gateway.vault.synth import master
from fti_gateway.vault.synth.request import sample_request


def test_no_file_means_the_defaults(tmp_path: Path) -> None:
    assert office_resolve_settings(tmp_path) == ResolveSettings()


def test_the_file_sets_only_what_it_names(tmp_path: Path) -> None:
    (tmp_path / "resolve.yaml").write_text(
        "format: fti/resolve-settings/v1\ncandidate_review_cap: 7\nbackend: spark\n"
    )
    s = office_resolve_settings(tmp_path)
    assert (s.candidate_review_cap, s.backend) == (7, "spark")
    assert s.target_precision == ResolveSettings().target_precision
    assert s.spark_master == ResolveSettings().spark_master


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("target_precision: 0.9\n", "target_precision"),  # not the office's to lower
        ("candidate_review_cap: -1\n", "candidate_review_cap"),
        ("backend: oracle\n", "backend"),
        ("format: fti/resolve-settings/v9\n", "format"),
        ("- 1\n- 2\n", "mapping"),
        ("candidate_review_cap: [\n", "not YAML"),
    ],
)
def test_a_bad_file_is_refused_naming_the_key(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "resolve.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as e:
        load_office_settings(tmp_path)
    assert says in e.value.message
    assert e.value.where == str(path)


def test_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "resolve.yaml").write_text("")
    assert office_resolve_settings(tmp_path) == ResolveSettings()


@pytest.mark.slow
def test_a_submitted_request_is_resolved_with_the_offices_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pipeline's resolve step passes the workspace's settings on (the cap a request
    may raise is the office's, not a constant)."""
    ws = Workspace.init(tmp_path / "home")
    master.generate(ws.vault_dir / "master", 2000, seed=5)
    (ws.home / "resolve.yaml").write_text("candidate_review_cap: 3\n")
    seen: list[ResolveSettings] = []
    real = submit_mod.resolve

    def spy(subjects: pd.DataFrame, vault: object, **kw: object) -> pd.DataFrame:
        settings = kw["settings"]
        assert isinstance(settings, ResolveSettings)
        seen.append(settings)
        return real(subjects, vault, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(submit_mod, "resolve", spy)
    files = sample_request(ws.home, "criminal-i2", 30, 3, tmp_path / "req")
    submit_mod.submit(ws, files.manifest)
    assert [s.candidate_review_cap for s in seen] == [3]
