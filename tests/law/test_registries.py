"""Registries: shipped content, workspace overrides, effective dates, and bad files
rejected with an error that names the file, the entry and the field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from fti_gateway.core.errors import ConfigError
from fti_gateway.law import load_registry
from fti_gateway.law.citations import normalize_cite
from fti_gateway.law.registries import SignerStatus

ON = date(2025, 6, 4)


@pytest.fixture(scope="module")
def reg():  # type: ignore[no-untyped-def]
    return load_registry()


def write(folder: Path, name: str, doc: object) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    return path


def test_starter_agencies_of_formats_8_are_shipped(reg) -> None:  # type: ignore[no-untyped-def]
    for agency in ("DOJ", "FBI", "DEA", "DHS", "ICE", "CBP", "HHS", "SSA", "USDA", "TREASURY"):
        assert reg.agency(agency, ON) is not None, agency
    assert len(reg.states) == 56
    for code in reg.states:
        for kind in ("TAX", "CSE", "POLICE", "GOV"):
            assert reg.agency(f"STATE-{code}-{kind}", ON) is not None, f"STATE-{code}-{kind}"
    assert reg.agency("STATE-CA-GOV", ON).kind == "governor"
    assert reg.agency("ICE", ON).parent == "DHS"


def test_every_entry_has_a_source_and_effectivedate(reg) -> None:  # type: ignore[no-untyped-def]
    for index in (reg.agencies, reg.positions, reg.statutes, reg.safeguards):
        for key in index.ids():
            for entry in index.by_key[key]:
                assert entry.source and entry.effective.from_, key


@pytest.mark.parametrize(
    ("position", "agency", "authority", "status"),
    [
        ("us-attorney", "DOJ", "6103(i)(2)", SignerStatus.ELIGIBLE),
        ("agency-head", "DHS", "6103(i)(2)", SignerStatus.ELIGIBLE),
        ("inspector-general", "SSA", "6103(i)(2)", SignerStatus.ELIGIBLE),
        ("component-head", "ICE", "6103(i)(2)", SignerStatus.CONTESTED),
        ("agency-head", "ICE", "6103(i)(2)", SignerStatus.CONTESTED),
        ("field-office-director", "ICE", "6103(i)(2)", SignerStatus.NOT_ELIGIBLE),
        ("case-agent", "FBI", "6103(i)(2)", SignerStatus.NOT_ELIGIBLE),
        ("fbi-director", "FBI", "6103(i)(1)", SignerStatus.NOT_ELIGIBLE),
        ("strike-force-chief", "DOJ", "6103(i)(1)", SignerStatus.ELIGIBLE),
        ("governor", "STATE-CA-GOV", "6103(d)", SignerStatus.NOT_ELIGIBLE),
        ("state-tax-agency-head", "STATE-CA-TAX", "6103(d)", SignerStatus.ELIGIBLE),
        ("cse-agency-head", "STATE-TX-CSE", "6103(l)(6)", SignerStatus.ELIGIBLE),
        ("agency-head", "HHS", "6103(l)(21)", SignerStatus.ELIGIBLE),
        ("agency-head", "SSA", "6103(l)(21)", SignerStatus.NOT_ELIGIBLE),
        ("no-such-position", "DOJ", "6103(i)(2)", SignerStatus.UNKNOWN_POSITION),
        ("agency-head", "NO-SUCH-AGENCY", "6103(i)(2)", SignerStatus.UNKNOWN_AGENCY),
    ],
)
def test_who_may_sign(
    reg, position: str, agency: str, authority: str, status: SignerStatus
) -> None:  # type: ignore[no-untyped-def]
    assert reg.signer(position, agency, authority, ON).status is status


@pytest.mark.parametrize(
    ("cited", "nature"),
    [
        ("18 U.S.C. 1343", "criminal"),
        ("18 USC §1343", "criminal"),
        ("18 U.S.C. § 1343(a)", "criminal"),
        ("Title 18, United States Code, Section 1343", "criminal"),
        ("18 u.s.c. sec. 1028a", "criminal"),
        ("18 U.S.C. 1028A", "criminal"),
        ("8 U.S.C. 1253(a)(1)", "criminal"),
        ("8 USC 1253(a)(1)(B)", "criminal"),
        ("8 U.S.C. 1324", "criminal"),
        ("8 U.S.C. 1325", "criminal"),
        ("8 U.S.C. 1326", "criminal"),
        ("21 U.S.C. 841", "criminal"),
        ("21 U.S.C. 846", "criminal"),
        ("18 U.S.C. 922(g)(5)", "criminal"),
        ("18 U.S.C. 2339B", "criminal"),
        ("42 U.S.C. 1320a-7b(b)", "criminal"),
        ("8 U.S.C. 1227", "civil"),
        ("8 U.S.C. 1229a", "civil"),
        ("8 U.S.C. 1324a", "civil"),
        ("8 U.S.C. 1324a(f)(1)", "criminal"),
        ("26 U.S.C. 7201", "tax-administration"),
        ("26 U.S.C. 7206(1)", "tax-administration"),
        ("26 U.S.C. 6050W", "tax-administration"),
        ("8 U.S.C. 1253", None),
        ("18 U.S.C. 9999", None),
        ("Cal. Penal Code 187", None),
        ("", None),
    ],
)
def test_statute_classification(reg, cited: str, nature: str | None) -> None:  # type: ignore[no-untyped-def]
    assert reg.statute(cited, ON).nature == nature


def test_ships_at_least_forty_criminal_statutes(reg) -> None:  # type: ignore[no-untyped-def]
    criminal = [k for k in reg.statutes.ids() if reg.statutes.by_key[k][0].nature == "criminal"]
    assert len(criminal) >= 40


def test_citation_normalization() -> None:
    assert normalize_cite("18 USC §1343") == "18 U.S.C. 1343"
    assert normalize_cite("8 U.S.C. §§ 1253(a)(1)") == "8 U.S.C. 1253(A)(1)"
    assert normalize_cite("15 U.S.C. 78ff") == "15 U.S.C. 78FF"
    assert normalize_cite("wire fraud") is None


def test_effective_dates_are_honoured(reg) -> None:  # type: ignore[no-untyped-def]
    assert reg.statute("18 U.S.C. 1028A", date(2004, 7, 15)).nature == "criminal"
    assert reg.statute("18 U.S.C. 1028A", date(2004, 7, 14)).nature is None
    assert reg.agency("DHS", date(2002, 1, 1)) is None


def test_workspace_override_replaces_and_adds(tmp_path: Path) -> None:
    folder = tmp_path / "registry"
    write(
        folder,
        "safeguards",
        {
            "format": "fti/registry/safeguards/v1",
            "agencies": [
                {
                    "agency": "ICE",
                    "status": "failed",
                    "effective": {"from": "2025-05-01"},
                    "source": "review 2025-05",
                }
            ],
        },
    )
    write(
        folder,
        "agencies",
        {
            "format": "fti/registry/agencies/v1",
            "agencies": [
                {
                    "id": "IRS-CI",
                    "name": "IRS Criminal Investigation",
                    "level": "federal",
                    "kind": "component",
                    "parent": "TREASURY",
                    "law_enforcement": True,
                    "effective": {"from": "1919-01-01"},
                    "source": "IRM 9.1",
                }
            ],
        },
    )
    reg = load_registry(folder)
    assert reg.safeguard_status("ICE", ON)[0] == "failed"
    assert reg.safeguard_status("ICE", date(2025, 4, 1))[0] == "unknown"  # override replaces, dated
    assert reg.safeguard_status("DOJ", ON)[0] == "current"  # untouched entries stay
    assert reg.agency("IRS-CI", ON) is not None
    assert reg.agency("DOJ", ON) is not None


def test_missing_override_folder_means_as_shipped(tmp_path: Path) -> None:
    assert load_registry(tmp_path / "nope").agency("DOJ", ON) is not None


def _error(tmp_path: Path, name: str, doc: object) -> ConfigError:
    path = write(tmp_path / "registry", name, doc)
    with pytest.raises(ConfigError) as info:
        load_registry(path.parent)
    return info.value


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    e = _error(
        tmp_path, "statutes", "format: fti/registry/statutes/v1\nstatutes:\n  - cite: [unclosed\n"
    )
    assert "statutes.yaml" in str(e.where) and "line" in str(e.where)


def test_entry_without_source_names_the_entry_and_field(tmp_path: Path) -> None:
    e = _error(
        tmp_path,
        "agencies",
        {
            "format": "fti/registry/agencies/v1",
            "agencies": [
                {
                    "id": "NEWCO",
                    "name": "New agency",
                    "level": "federal",
                    "kind": "independent",
                    "effective": {"from": "2020-01-01"},
                }
            ],
        },
    )
    assert (
        "agencies.yaml" in str(e.where)
        and "agencies[0]" in str(e.where)
        and "NEWCO" in str(e.where)
    )
    assert any(d.startswith("source") for d in e.details)


def test_misspelled_key_is_rejected(tmp_path: Path) -> None:
    e = _error(
        tmp_path,
        "statutes",
        {
            "format": "fti/registry/statutes/v1",
            "statutes": [
                {
                    "cite": "18 U.S.C. 1341",
                    "name": "mail fraud",
                    "nature": "criminal",
                    "efective": {"from": "1948-06-25"},
                    "source": "18 U.S.C. 1341",
                }
            ],
        },
    )
    assert "statutes[0]" in str(e.where)
    assert any("efective" in d for d in e.details)


def test_bad_nature_is_rejected(tmp_path: Path) -> None:
    e = _error(
        tmp_path,
        "statutes",
        {
            "format": "fti/registry/statutes/v1",
            "statutes": [
                {
                    "cite": "18 U.S.C. 1341",
                    "name": "mail fraud",
                    "nature": "felony",
                    "effective": {"from": "1948-06-25"},
                    "source": "18 U.S.C. 1341",
                }
            ],
        },
    )
    assert any(d.startswith("nature") for d in e.details)


def test_unreadable_citation_is_rejected(tmp_path: Path) -> None:
    e = _error(
        tmp_path,
        "statutes",
        {
            "format": "fti/registry/statutes/v1",
            "statutes": [
                {
                    "cite": "the mail fraud statute",
                    "name": "mail fraud",
                    "nature": "criminal",
                    "effective": {"from": "1948-06-25"},
                    "source": "x18",
                }
            ],
        },
    )
    assert any("cannot read citation" in d for d in e.details)


def test_contested_grant_must_say_why(tmp_path: Path) -> None:
    e = _error(
        tmp_path,
        "positions",
        {
            "format": "fti/registry/positions/v1",
            "positions": [
                {
                    "id": "chief-of-staff",
                    "label": "chief of staff",
                    "effective": {"from": "2020-01-01"},
                    "source": "org chart",
                    "may_sign": [
                        {"authority": "6103(i)(2)", "status": "contested", "source": "memo"}
                    ],
                }
            ],
        },
    )
    assert "chief-of-staff" in str(e.where)
    assert any("reason" in d for d in e.details)


def test_effective_period_must_be_ordered(tmp_path: Path) -> None:
    e = _error(
        tmp_path,
        "safeguards",
        {
            "format": "fti/registry/safeguards/v1",
            "agencies": [
                {
                    "agency": "DOJ",
                    "status": "current",
                    "effective": {"from": "2025-01-01", "to": "2024-01-01"},
                    "source": "review",
                }
            ],
        },
    )
    assert any("before" in d for d in e.details)


def test_wrong_format_line_is_rejected(tmp_path: Path) -> None:
    e = _error(tmp_path, "settings", {"format": "fti/registry/settings/v0", "settings": {}})
    assert "settings.yaml" in str(e.where) and "format" in str(e.where)


def test_grant_at_an_unknown_agency_is_rejected(tmp_path: Path) -> None:
    e = _error(
        tmp_path,
        "positions",
        {
            "format": "fti/registry/positions/v1",
            "positions": [
                {
                    "id": "director",
                    "label": "director",
                    "effective": {"from": "2020-01-01"},
                    "source": "org chart",
                    "may_sign": [
                        {"authority": "6103(m)(2)", "where": {"ids": ["NOPE"]}, "source": "memo"}
                    ],
                }
            ],
        },
    )
    assert "NOPE" in e.message and "director" in str(e.where)


def test_safeguard_status_for_unknown_agency_is_rejected(tmp_path: Path) -> None:
    e = _error(
        tmp_path,
        "safeguards",
        {
            "format": "fti/registry/safeguards/v1",
            "agencies": [
                {
                    "agency": "GHOST",
                    "status": "current",
                    "effective": {"from": "2025-01-01"},
                    "source": "review",
                }
            ],
        },
    )
    assert "GHOST" in e.message


def test_a_setting_keeps_its_history_openfisca_style(tmp_path: Path) -> None:
    """``values: {date: value}``: each value holds from its date to the day before the next."""
    folder = tmp_path / "reg"
    folder.mkdir()
    doc = {
        "format": "fti/registry/settings/v1",
        "settings": {
            "consent_receipt_days": {
                "source": "26 CFR 301.6103(c)-1 (test)",
                "values": {"2008-05-23": 120, "2030-01-01": {"value": 60, "source": "memo"}},
            }
        },
    }
    (folder / "settings.yaml").write_text(yaml.safe_dump(doc))
    reg = load_registry(folder)
    assert reg.setting("consent_receipt_days", date(2029, 12, 31)) == 120
    assert reg.setting("consent_receipt_days", date(2030, 1, 1)) == 60
    doc["settings"]["consent_receipt_days"]["values"] = {"not-a-date": 1}
    (folder / "settings.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError):
        load_registry(folder)
