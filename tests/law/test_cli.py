"""`fti law check / explain / map`, driven through the real entry point as a user would."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
import yaml

from fti_gateway.cli.main import main
from fti_gateway.law import AUTHORITIES

MANIFEST = {
    "format": "fti/request/v1",
    "id": "DOJ-USAO-DC-2025-0042",
    "received": "2025-06-04",
    "authority": "6103(i)(2)",
    "requester": {"agency": "DOJ", "position": "us-attorney", "in_writing": True, "signed": True},
    "purpose": {
        "kind": "criminal-investigation",
        "statutes": ["18 U.S.C. 1343"],
        "reason": "scheme proceeds",
    },
    "taxable_periods": ["2023"],
    "elements": ["identity.address", "return.agi"],
    "subjects": "subjects.csv",
}
CSV = (
    "subject_id,first_name,last_name,street,city,state,zip,reason\n"
    "S1,Ana,Lopez,1420 Oak St,Springfield,IL,62704,wired funds\n"
    "S2,Ben,Okafor,Failed to Provide,,,20001,\n"
    "S3,,,9 Elm St,,,20001,\n"
)


def run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["fti", *args])
    try:
        main()
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def request_dir(tmp_path: Path) -> Path:
    (tmp_path / "manifest.yaml").write_text(yaml.safe_dump(MANIFEST))
    (tmp_path / "subjects.csv").write_text(CSV)
    return tmp_path


def test_check_json_is_the_formats_5_decision(
    request_dir: Path, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(
        [
            "law",
            "check",
            str(request_dir / "manifest.yaml"),
            "--json",
            "--home",
            str(tmp_path / "h"),
        ],
        monkeypatch,
        capsys,
    )
    assert code == 0
    d = json.loads(out)
    assert d["format"] == "fti/decision/v1"
    assert d["request"] == {"agency": "DOJ", "id": "DOJ-USAO-DC-2025-0042"}
    assert d["authority"] == "6103(i)(2)"
    assert d["outcome"] == "partial"
    assert d["elements"]["allowed"] == ["identity.address"]
    assert d["elements"]["refused"] == {"return.agi": "6103(i)(2)(A)"}
    # S3 lacks a last name: rejected at intake, reported, not dropped.
    assert {k: d["subjects"][k] for k in ("total", "approved", "denied", "review")} == {
        "total": 3,
        "approved": 1,
        "denied": 2,
        "review": 0,
    }
    assert d["subjects"]["by_rule"] == {"6103(a)": 1, "6103(i)(2)(B)(i)": 1}
    # Every subject's result inline (this command writes no CSV to name).
    assert [(r["subject_id"], r["result"], r["rule"]) for r in d["subject_findings"]] == [
        ("S1", "approve", "6103(i)(2)"),
        ("S2", "deny", "6103(i)(2)(B)(i)"),
        (d["subject_findings"][2]["subject_id"], "deny", "6103(a)"),
    ]
    assert all(set(r) == {"subject_id", "result", "rule", "message"} for r in d["subject_findings"])
    assert "subject_findings_csv" not in d
    for f in d["findings"]:
        assert set(f) == {"rule", "level", "result", "message"}
        assert f["rule"].startswith("6103(")


def test_check_exits_0_on_a_deny(request_dir: Path, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    (request_dir / "manifest.yaml").write_text(
        yaml.safe_dump({**MANIFEST, "authority": "6103(h)(4)"})
    )
    code, out, _ = run(
        [
            "law",
            "check",
            str(request_dir / "manifest.yaml"),
            "--json",
            "--home",
            str(tmp_path / "h"),
        ],
        monkeypatch,
        capsys,
    )
    assert code == 0
    assert json.loads(out)["outcome"] == "deny"


def test_check_text_of_a_deny_lists_no_allowed_element(
    request_dir: Path, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    unwritten = {**MANIFEST, "requester": {**MANIFEST["requester"], "in_writing": False}}
    (request_dir / "manifest.yaml").write_text(yaml.safe_dump(unwritten))
    args = ["law", "check", str(request_dir / "manifest.yaml"), "--home", str(tmp_path / "h")]
    code, out, _ = run(args, monkeypatch, capsys)
    assert code == 0 and "DENY" in out
    assert "elements allowed: none" in out
    assert "identity.address [6103(i)(2)(B)]" in out and "return.agi [6103(i)(2)(A)]" in out


def test_check_refuses_a_request_received_in_the_future(
    request_dir: Path, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    later = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    (request_dir / "manifest.yaml").write_text(yaml.safe_dump({**MANIFEST, "received": later}))
    args = ["law", "check", str(request_dir / "manifest.yaml"), "--home", str(tmp_path / "h")]
    code, out, err = run(args, monkeypatch, capsys)
    assert code == 2 and not out
    assert f"received: {later} is in the future" in err and "manifest.yaml line" in err


def test_check_text_names_outcome_and_rules(
    request_dir: Path, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(
        ["law", "check", str(request_dir / "manifest.yaml"), "--home", str(tmp_path / "h")],
        monkeypatch,
        capsys,
    )
    assert code == 0
    assert "PARTIAL" in out
    assert "6103(i)(2)(B)(i)" in out and "return.agi [6103(i)(2)(A)]" in out


@pytest.mark.parametrize(
    "content",
    [None, "format: [unclosed\n", "- just\n- a list\n", "format: fti/request/v1\nid: x\n"],
)
def test_check_exits_2_on_unreadable_input(
    content: str | None, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "manifest.yaml"
    if content is not None:
        path.write_text(content)
    code, out, err = run(
        ["law", "check", str(path), "--json", "--home", str(tmp_path / "h")], monkeypatch, capsys
    )
    assert code == 2
    assert out == ""
    assert "manifest.yaml" in err


def test_check_uses_the_workspace_registry(
    request_dir: Path, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "h"
    (home / "registry").mkdir(parents=True)
    (home / "registry" / "safeguards.yaml").write_text(
        yaml.safe_dump(
            {
                "format": "fti/registry/safeguards/v1",
                "agencies": [
                    {
                        "agency": "DOJ",
                        "status": "failed",
                        "effective": {"from": "2025-01-01"},
                        "source": "review (test)",
                    }
                ],
            }
        )
    )
    code, out, _ = run(
        ["law", "check", str(request_dir / "manifest.yaml"), "--json", "--home", str(home)],
        monkeypatch,
        capsys,
    )
    d = json.loads(out)
    assert (code, d["outcome"]) == (0, "deny")
    assert {"rule": "6103(p)(4)", "result": "fail"}.items() <= next(
        f for f in d["findings"] if f["rule"] == "6103(p)(4)"
    ).items()


def test_explain_prints_requirements_with_citations(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(
        ["law", "explain", "6103(i)(2)", "--home", str(tmp_path), "--as-of", "2025-06-04"],
        monkeypatch,
        capsys,
    )
    assert code == 0
    assert out.startswith("6103(i)(2) — ")
    for needle in (
        "[6103(i)(2)(B)(i)] each taxpayer's name and a usable address",
        "[6103(i)(2)(B)(iv)]",
        "\u201cthe name and address of the taxpayer with respect to whom the requested return "
        "information relates\u201d \u2014 6103(i)(2)(B)(i)",
        "(p)(3)(A) accounting: yes",
        "(p)(4) safeguards: yes",
        "bar after resolution: 6103(i)(6)",
        "component-head at federal agencies: contested",
        "us-attorney at DOJ: eligible",
        "Not modeled",
    ):
        assert needle in out, needle


def test_explain_accepts_short_ids_and_json(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(
        ["law", "explain", "i3B", "--json", "--home", str(tmp_path)], monkeypatch, capsys
    )
    d = json.loads(out)
    assert (code, d["id"], d["bar_after_resolution"]) == (0, "6103(i)(3)(B)", None)
    assert [s["position"] for s in d["signers"]] == ["irs-disclosure-officer"]


def test_explain_unknown_authority_exits_3(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(
        ["law", "explain", "6103(h)(4)", "--home", str(tmp_path)], monkeypatch, capsys
    )
    assert code == 3
    assert "6103(i)(2)" in err  # the hint lists the known ids


def test_map_for_the_ice_director(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    args = [
        "law",
        "map",
        "--agency",
        "ICE",
        "--position",
        "component-head",
        "--purpose",
        "criminal-investigation",
        "--json",
        "--home",
        str(tmp_path),
        "--as-of",
        "2025-06-04",
    ]
    code, out, _ = run(args, monkeypatch, capsys)
    m = json.loads(out)
    verdicts = {r["authority"]: r["verdict"] for r in m["authorities"]}
    assert code == 0
    assert verdicts["6103(i)(2)"] == "review"
    assert verdicts["6103(i)(1)"] == "not available"
    assert verdicts["6103(l)(6)"] == "not available"
    assert m["authorities"][0]["authority"] == "6103(i)(2)"
    row = next(r for r in m["authorities"] if r["authority"] == "6103(i)(2)")
    assert "[open]" in row["signer_note"]
    need = next(n for n in row["needs"] if n["cite"] == "6103(i)(2)(B)(i)")
    assert need["text"] == "each taxpayer's name and a usable address"
    assert need["quote"] == {
        "cite": "6103(i)(2)(B)(i)",
        "text": "the name and address of the taxpayer with respect to whom the requested return information relates",
    }


def test_map_text_lists_possible_authorities_first(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    args = [
        "law",
        "map",
        "--agency",
        "FBI",
        "--position",
        "fbi-director",
        "--purpose",
        "terrorism",
        "--home",
        str(tmp_path),
    ]
    code, out, _ = run(args, monkeypatch, capsys)
    lines = out.splitlines()
    assert code == 0
    assert lines[1].split()[:2] == ["possible", "6103(i)(7)(A)"]
    assert "needs [6103(i)(7)(A)(iii)(II)]" in out
    assert "not available  6103(i)(2)" in out  # purpose does not fit (i)(2)


def test_check_writes_the_subject_findings_csv(
    request_dir: Path, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    out_csv = tmp_path / "findings.csv"
    args = [
        "law",
        "check",
        str(request_dir / "manifest.yaml"),
        "--json",
        "--findings",
        str(out_csv),
        "--home",
        str(tmp_path / "h"),
    ]
    code, out, _ = run(args, monkeypatch, capsys)
    d = json.loads(out)
    assert code == 0 and d["subject_findings_csv"] == str(out_csv)
    assert [r["subject_id"] for r in d["subject_findings"]][:2] == ["S1", "S2"]
    rows = out_csv.read_text().splitlines()
    assert rows[0] == '"subject_id","result","rule","message"'
    assert rows[1].startswith('"S1","approve","6103(i)(2)",')
    assert rows[2].startswith('"S2","deny","6103(i)(2)(B)(i)",')
    assert len(rows) == 4


def test_check_findings_csv_escapes_formula_subject_ids(
    request_dir: Path, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    hostile = ["=1+1", "+1", "-2+3", "@SUM(A1)", "＝1", "＋1", "－1", "＠A1"]
    lines = [
        f"{sid},Ana,Lopez{i},{i} Oak St,Springfield,IL,62704,r" for i, sid in enumerate(hostile)
    ]
    (request_dir / "subjects.csv").write_text(CSV.splitlines()[0] + "\n" + "\n".join(lines) + "\n")
    out_csv = tmp_path / "findings.csv"
    args = ["law", "check", str(request_dir / "manifest.yaml"), "--findings", str(out_csv)]
    code, _, _ = run([*args, "--home", str(tmp_path / "h")], monkeypatch, capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out_csv.read_bytes().decode(), newline="")))
    assert [r["subject_id"] for r in rows] == ["'" + sid for sid in hostile]


@pytest.mark.parametrize("authority", sorted(AUTHORITIES))
def test_explain_every_authority(authority: str, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(
        ["law", "explain", authority, "--home", str(tmp_path), "--as-of", "2025-06-04"],
        monkeypatch,
        capsys,
    )
    a = AUTHORITIES[authority]
    assert code == 0
    assert f"citation:        {a.citation}" in out
    for clause in (*a.requires, *a.not_modeled):
        assert f"[{clause.cite}] {clause.text}" in out
    signers = out.split("Who may sign")[1].split("Not modeled")[0]
    assert ": eligible" in signers  # every authority has someone who may sign it
