"""Synthetic requests: the truth is right, hard negatives are hard and never in the truth,
and the files follow FORMATS §1–2 (checked with the intake models themselves)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml

from fti_gateway.core.errors import InputError
from fti_gateway.intake.models import Manifest, SubjectRow
from fti_gateway.vault.store import Vault
from fti_gateway.vault.synth import request
from fti_gateway.vault.synth.kinds import PLACEHOLDER_STREETS
from fti_gateway.vault.synth.tins import is_never_issued

SIZE = 1500


@pytest.fixture(scope="module")
def requests(
    synth_vault: Vault, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, request.RequestFiles]:
    out = tmp_path_factory.mktemp("requests")
    return {
        k: request.generate(synth_vault, k, SIZE, 9, out / k)
        for k in ("ice-2025", "criminal-i2", "child-support-l6")
    }


def _frames(files: request.RequestFiles) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    read = {"dtype": str, "keep_default_na": False}
    subjects = pd.read_csv(files.subjects, **read)
    truth = pd.read_csv(files.truth, **read)
    assert files.detail is not None
    detail = pd.read_csv(files.detail, **read)
    return subjects, truth, detail


def _latest(vault: Vault) -> pd.DataFrame:
    return vault.connect().execute("SELECT * FROM taxpayers").df().set_index("taxpayer_id")


@pytest.mark.parametrize("kind", ["ice-2025", "criminal-i2", "child-support-l6"])
def test_files_follow_the_request_formats(
    requests: dict[str, request.RequestFiles], kind: str
) -> None:
    files = requests[kind]
    manifest = Manifest.model_validate(yaml.safe_load(files.manifest.read_text()))
    assert manifest.subjects == "subjects.csv"
    assert (files.manifest.parent / manifest.subjects) == files.subjects
    with files.subjects.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == SIZE
    assert tuple(rows[0]) == request.SUBJECT_FIELDS
    for r in rows:
        SubjectRow.model_validate({k: (v or None) for k, v in r.items()})
    assert len({r["subject_id"] for r in rows}) == SIZE
    assert files.truth.parent == files.subjects.parent
    assert "taxpayer_id" not in rows[0]


def test_ice_manifest_is_modelled_on_the_2025_bulk_request(
    requests: dict[str, request.RequestFiles],
) -> None:
    m = Manifest.model_validate(yaml.safe_load(requests["ice-2025"].manifest.read_text()))
    assert (m.requester.agency, m.requester.position, m.authority) == (
        "DHS",
        "agency-head",
        "6103(i)(2)",
    )
    assert m.purpose.kind == "criminal-investigation"
    assert m.purpose.statutes == ["8 U.S.C. 1253(a)(1)"]
    assert m.elements == ["identity.address"]
    assert m.taxable_periods
    c = Manifest.model_validate(yaml.safe_load(requests["criminal-i2"].manifest.read_text()))
    assert (c.requester.agency, c.requester.position, c.purpose.statutes) == (
        "DOJ",
        "us-attorney",
        ["18 U.S.C. 1343"],
    )
    assert c.elements == ["identity.address", "info_return.w2.employer"]
    cs = Manifest.model_validate(yaml.safe_load(requests["child-support-l6"].manifest.read_text()))
    assert cs.authority == "6103(l)(6)" and cs.purpose.kind == "child-support"
    assert cs.requester.agency.startswith("STATE-") and cs.requester.agency.endswith("-CSE")
    assert cs.requester.position == "cse-agency-head"


@pytest.mark.parametrize(
    ("kind", "share"), [("ice-2025", 0.35), ("criminal-i2", 0.80), ("child-support-l6", 0.70)]
)
def test_truth_names_real_vault_taxpayers_in_the_right_share(
    requests: dict[str, request.RequestFiles], synth_vault: Vault, kind: str, share: float
) -> None:
    subjects, truth, detail = _frames(requests[kind])
    assert list(truth["subject_id"]) == list(subjects["subject_id"])
    in_vault = truth[truth["taxpayer_id"] != ""]
    assert len(in_vault) == int(SIZE * share)
    latest = _latest(synth_vault)
    assert set(in_vault["taxpayer_id"]) <= set(latest.index)
    assert in_vault["taxpayer_id"].is_unique
    cats = dict(zip(detail["subject_id"], detail["category"], strict=True))
    assert all(cats[s] == "vault" for s in in_vault["subject_id"])


def test_hard_negatives_are_near_vault_taxpayers_but_not_in_the_truth(
    requests: dict[str, request.RequestFiles], synth_vault: Vault
) -> None:
    subjects, truth, detail = _frames(requests["ice-2025"])
    df = subjects.merge(truth, on="subject_id").merge(detail, on="subject_id")
    latest = _latest(synth_vault)
    counts = Counter(df["category"])
    for cat in ("household", "namesake", "junior", "tin_other_name", "fresh"):
        assert counts[cat] > 0, cat
    negatives = df[df["category"] != "vault"]
    assert (negatives["taxpayer_id"] == "").all()
    clean = negatives["noise"].str.contains("typo|nickname|swap|accents|compound") == False  # noqa: E712
    # household members: same address as their vault relative, a name no vault member has there
    hh = negatives[(negatives["category"] == "household") & clean]
    hh = hh[~hh["noise"].str.contains("address|placeholder")]
    assert len(hh) > 20
    rel = latest.loc[hh["related_taxpayer_id"]]
    assert (hh["street"].str.upper().to_numpy() == rel["street"].str.upper().to_numpy()).all()
    assert (
        hh["first_name"].str.upper().to_numpy() != rel["first_name"].str.upper().to_numpy()
    ).all()
    # namesakes and juniors: the vault relative's name, another date of birth
    for cat in ("namesake", "junior"):
        rows = negatives[(negatives["category"] == cat) & clean & (negatives["dob"] != "")]
        rows = rows[~rows["noise"].str.contains("upper|dob")]
        assert len(rows) > 5
        rel = latest.loc[rows["related_taxpayer_id"]]
        assert (rows["first_name"].to_numpy() == rel["first_name"].to_numpy()).all()
        assert (rows["last_name"].to_numpy() == rel["last_name"].to_numpy()).all()
        assert (rows["dob"].to_numpy() != rel["dob"].astype(str).to_numpy()).all()
    # a vault taxpayer's TIN under another name
    tin = negatives[negatives["category"] == "tin_other_name"]
    rel = latest.loc[tin["related_taxpayer_id"]]
    assert (tin["tin"].str.replace("-", "").to_numpy() == rel["tin"].to_numpy()).all()
    assert (
        tin["last_name"].str.upper().to_numpy() != rel["last_name"].str.upper().to_numpy()
    ).mean() > 0.9


def test_noise_is_realistic_and_tins_stay_never_issued(
    requests: dict[str, request.RequestFiles],
) -> None:
    subjects, _, detail = _frames(requests["ice-2025"])
    noise = Counter(t for n in detail["noise"] for t in n.split(";") if t)
    for tag in (
        "nickname",
        "first_typo",
        "swap_names",
        "old_address",
        "dob_missing",
        "tin_missing",
        "tin_wrong",
    ):
        assert noise[tag] > 0, tag
    assert (subjects["dob"] == "").mean() > 0.1
    assert (subjects["tin"] == "").mean() > 0.5
    tins = subjects.loc[subjects["tin"] != "", "tin"].str.replace("-", "")
    assert tins.map(is_never_issued).all()


def test_placeholders_in_the_ice_file_and_not_in_the_criminal_one(
    requests: dict[str, request.RequestFiles],
) -> None:
    subjects, _, detail = _frames(requests["ice-2025"])
    share = (detail["placeholder"] != "").mean()
    assert 0.1 < share < 0.2
    streets = set(subjects["street"])
    assert len(streets & set(PLACEHOLDER_STREETS)) >= 5
    kinds = {p.split(":")[0] for p in detail["placeholder"] if p}
    assert {"placeholder", "bare_zip", "empty", "detention_facility"} <= kinds
    bare = subjects[detail["placeholder"] == "bare_zip"]
    assert ((bare["street"] == "") & (bare["zip"] != "")).all()
    crim, _, crim_detail = _frames(requests["criminal-i2"])
    assert (crim_detail["placeholder"] == "").all()
    assert (crim["street"] != "").all()


def test_reasons_are_boilerplate_for_ice_and_specific_for_criminal(
    requests: dict[str, request.RequestFiles],
) -> None:
    ice, _, _ = _frames(requests["ice-2025"])
    top_share = ice["reason"].value_counts().iloc[0] / len(ice)
    assert 0.75 < top_share < 0.95
    crim, _, _ = _frames(requests["criminal-i2"])
    assert crim["reason"].nunique() > 0.9 * len(crim)


def test_same_seed_same_request(synth_vault: Vault, tmp_path: Path) -> None:
    a = request.generate(synth_vault, "ice-2025", 300, 4, tmp_path / "a")
    b = request.generate(synth_vault, "ice-2025", 300, 4, tmp_path / "b")
    c = request.generate(synth_vault, "ice-2025", 300, 5, tmp_path / "c")
    for x, y in ((a.subjects, b.subjects), (a.truth, b.truth), (a.manifest, b.manifest)):
        assert x.read_bytes() == y.read_bytes()
    assert a.subjects.read_bytes() != c.subjects.read_bytes()


def test_unknown_kind_and_empty_vault_are_input_errors(synth_vault: Vault, tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        request.generate(synth_vault, "nope", 10, 1, tmp_path)
    assert "ice-2025" in (e.value.hint or "")
    with pytest.raises(InputError):
        request.generate(Vault(tmp_path / "empty"), "ice-2025", 10, 1, tmp_path)
    with pytest.raises(InputError):
        request.generate(synth_vault, "ice-2025", 0, 1, tmp_path)


def test_every_hard_negative_keeps_a_distinguishing_birth_date(
    requests: dict[str, request.RequestFiles],
) -> None:
    for files in requests.values():
        subjects, _, detail = _frames(files)
        hard = detail["category"].isin(request.HARD_NEGATIVES)
        assert hard.any()
        assert (subjects.loc[hard, "dob"] != "").all()


def test_a_vault_smaller_than_the_request_still_gives_every_subject(tmp_path: Path) -> None:
    from fti_gateway.vault.synth import master

    vault = Vault(tmp_path / "v")
    master.generate(vault.master_dir, 100, 8)
    files = request.generate(vault, "ice-2025", 1000, 2, tmp_path / "r")
    subjects, truth, detail = _frames(files)
    assert len(subjects) == 1000
    in_vault = truth.loc[truth["taxpayer_id"] != "", "taxpayer_id"]
    assert 0 < len(in_vault) <= 100 and in_vault.is_unique
    assert set(detail["category"]) >= {"vault", "household", "fresh"}


@pytest.mark.parametrize("kind", ["ice-2025", "criminal-i2", "child-support-l6"])
def test_tiny_requests_work(synth_vault: Vault, tmp_path: Path, kind: str) -> None:
    for size in (1, 2, 5):
        files = request.generate(synth_vault, kind, size, 3, tmp_path / f"{kind}-{size}")
        subjects, truth, _ = _frames(files)
        assert len(subjects) == len(truth) == size
