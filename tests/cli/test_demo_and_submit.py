"""`fti demo` and `fti request submit` driven as a user would, in a temporary --home."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FTI = [sys.executable, "-m", "fti_gateway"]


def fti(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FTI, *args], capture_output=True, text=True, check=False)


def test_demo_runs_the_whole_pipeline_and_prints_the_why(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    out = fti("demo", "--home", str(home), "--people", "2500", "--subjects", "300")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "ice-2025" in text and "criminal-i2" in text
    assert "6103(i)(2)(B)(i)" in text  # placeholder addresses refused, with the rule
    assert "verifier key:" in text and "latest checkpoint:" in text
    # The ICE request is still held, and the demo says where a person answers it.
    assert "DHS DHS-ICE-2025-002025: held" in text and "fti review list --home" in text
    runs = sorted(p.name for p in (home / "runs").iterdir())
    assert len(runs) == 2
    verified = fti("ledger", "verify", "--home", str(home))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    year = str(__import__("datetime").date.today().year)
    report = fti("report", "p3c", "--home", str(home), "--year", year, "--json")
    assert report.returncode == 0, report.stderr
    doc = json.loads(report.stdout)
    assert doc["format"] == "fti/p3c-report/v2"
    agencies = {a["agency"] for a in doc["agencies"]}
    assert {"DHS", "DOJ"} <= agencies  # both demo requests are accounted for
    assert doc["totals"]["requests"] == 2


def test_submit_then_resubmit_and_bad_input(tmp_path: Path) -> None:
    home = tmp_path / "h"
    assert fti("init", "--home", str(home)).returncode == 0
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "format: fti/request/v1\nid: T-1\nreceived: 2025-06-04\nauthority: '6103(i)(2)'\n"
        "requester: {agency: DOJ, position: us-attorney, in_writing: true, signed: true}\n"
        "purpose: {kind: criminal-investigation, statutes: ['18 U.S.C. 1343'], reason: r}\n"
        "taxable_periods: ['2023']\nelements: [identity.address]\nsubjects: s.csv\n"
    )
    (tmp_path / "s.csv").write_text(
        "subject_id,first_name,last_name,street,city,state,zip,reason\n"
        "S1,Ana,Reyes,1 Old Rd,Laurel,MD,20701,wire transfers from her account\n"
        "S2,Ben,Okafor,Failed to Provide,,,,payee of the transfers\n"
    )
    first = fti("request", "submit", str(manifest), "--home", str(home), "--json")
    assert first.returncode == 0, first.stderr
    decision = json.loads(first.stdout)
    assert decision["format"] == "fti/decision/v1"
    assert decision["subjects"]["total"] == 2
    again = fti("request", "submit", str(manifest), "--home", str(home))
    assert again.returncode == 0 and "already" in again.stdout
    missing = fti("request", "submit", str(tmp_path / "nope.yaml"), "--home", str(home))
    assert missing.returncode == 2
    assert "nope.yaml" in missing.stderr and "Traceback" not in missing.stderr
