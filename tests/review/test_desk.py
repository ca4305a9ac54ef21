"""The review desk end to end: officers, separation of duties, dispositions in the ledger,
the run resumed after the last item, and a replay on a fresh workspace.

One synthetic vault and one (i)(2) request signed by a component head (a contested signer:
a request-level item) whose resolution leaves ambiguous matches (match items); each test
gets its own workspace with a copy of the vault and its trained model.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

import fti_gateway.pipeline.review as desk
from fti_gateway.core.keys import load_commitment_secret
from fti_gateway.core.workspace import Workspace
from fti_gateway.law import BrightLineError
from fti_gateway.ledger import accounting, entries
from fti_gateway.ledger.workspace import verifier_key
from fti_gateway.pipeline.submit import run_dir_for
from fti_gateway.review import NotAllowed
from fti_gateway.review.items import candidate_ids
from fti_gateway.store import StateStore
from fti_gateway.store.reviews import ReviewStore
from tests import deskworld as world

AGENCY, RID = world.AGENCY, world.RID
OFFICERS, pw, fresh, leaves = world.OFFICERS, world.pw, world.fresh, world.leaves


@pytest.fixture
def source(desk_source: tuple[Workspace, Path]) -> tuple[Workspace, Path]:
    return desk_source


def items(ws: Workspace) -> dict[str, list[desk.Listed]]:
    out: dict[str, list[desk.Listed]] = {}
    for x in desk.list_items(ws, StateStore.for_workspace(ws)):
        out.setdefault(x.item.kind, []).append(x)
    return out


def decide(ws: Workspace, item: str, who: str, outcome: str, **kw: object) -> desk.DeskResult:
    reason = str(kw.pop("reason", f"{who} checked the file"))
    return desk.decide_item(
        ws,
        item,
        outcome=outcome,
        reason=reason,
        officer=who,
        password=pw(who),
        **kw,  # type: ignore[arg-type]
    )


def confirm(ws: Workspace, item: str, who: str) -> desk.DeskResult:
    return desk.confirm_item(ws, item, officer=who, password=pw(who))


def status(ws: Workspace) -> str:
    record = StateStore.for_workspace(ws).get_request(AGENCY, RID)
    assert record is not None
    return record.status


def test_the_request_holds_a_request_level_item_and_match_items(
    source: tuple[Workspace, Path], tmp_path: Path
) -> None:
    ws = fresh(source, tmp_path / "ws")
    found = items(ws)
    assert len(found["request"]) == 1 and found["request"][0].item.rule == "6103(i)(2)(A)"
    assert len(found.get("match", [])) >= 2
    match = found["match"][0].item
    ev = match.evidence
    assert [c["role"] for c in ev["candidates"]][:1] == ["best"]
    assert all({"field", "level", "weight"} <= set(f) for f in ev["candidates"][0]["fields"])
    assert ev["guard_reasons"]
    # Stable ids: the same question has the same id in another workspace.
    again = fresh(source, tmp_path / "ws2")
    assert {x.item.id for k in found.values() for x in k} == {
        x.item.id for k in items(again).values() for x in k
    }


def test_an_auditor_decides_nothing_and_an_officer_confirms_nothing(
    source: tuple[Workspace, Path], tmp_path: Path
) -> None:
    ws = fresh(source, tmp_path / "ws")
    found = items(ws)
    match = found["match"][0].item
    with pytest.raises(NotAllowed, match="auditor"):
        decide(ws, match.id, "drew", "deny")
    signer = found["request"][0].item
    with pytest.raises(NotAllowed, match="auditor"):
        decide(ws, signer.id, "drew", "approve")
    assert ReviewStore(StateStore.for_workspace(ws)).for_request(1) == []
    assert leaves(ws, "disposition") == []
    decide(ws, signer.id, "avery", "approve")
    with pytest.raises(NotAllowed, match="only a supervisor confirms"):
        confirm(ws, signer.id, "avery")


def test_four_eyes_a_request_level_approval_waits_for_another_supervisor(
    source: tuple[Workspace, Path], tmp_path: Path
) -> None:
    ws = fresh(source, tmp_path / "ws")
    signer = items(ws)["request"][0].item
    proposed = decide(ws, signer.id, "blake", "approve", reason="the ICE Director heads ICE")
    assert not proposed.disposition.effective and proposed.run is None
    assert status(ws) == "review"
    with pytest.raises(NotAllowed, match="cannot confirm it"):
        confirm(ws, signer.id, "blake")
    done = confirm(ws, signer.id, "casey")
    assert done.disposition.revision == 2 and done.run is not None
    doc = done.run.decision
    (finding,) = [f for f in doc["findings"] if "component-head" in f["message"]]
    assert finding["result"] == "pass"
    assert f"cleared on review ({signer.id}/r2)" in finding["message"]
    assert doc["revision"] == 2 and doc["dispositions"] == [f"{signer.id}/r2"]

    secret = load_commitment_secret(ws.keys_dir)
    logged = {str(x["action"]): x for x in leaves(ws, "disposition")}
    assert set(logged) == {"propose", "confirm"}
    assert logged["propose"]["officer"] == entries.pseudonym(secret, "blake")
    assert logged["confirm"]["confirmed_by"] == entries.pseudonym(secret, "casey")
    assert logged["confirm"]["reason"] == entries.digest_text(secret, "the ICE Director heads ICE")
    assert "blake" not in str(logged) and "ICE Director" not in str(logged)
    (rev2,) = [d for d in leaves(ws, "decision") if d.get("revision") == 2]
    assert rev2["previous"] == entries.leaf_id("decision", AGENCY, RID, 1)
    assert rev2["cause"] == logged["confirm"]["id"]


def test_a_bright_line_failure_cannot_be_approved_at_the_desk(
    source: tuple[Workspace, Path], tmp_path: Path
) -> None:
    ws = fresh(source, tmp_path / "ws")
    store = StateStore.for_workspace(ws)
    record = store.get_request(AGENCY, RID)
    assert record is not None
    failed = [i for i in desk.request_items(ws, store, record, failures=True) if not i.open]
    assert failed, "no-match subjects are refused under 6103(a)"
    with pytest.raises(BrightLineError, match="cannot be approved"):
        decide(ws, failed[0].id, "avery", "approve")
    assert ReviewStore(store).for_request(record.pk) == []


def _clear_everything(ws: Workspace) -> desk.DeskResult:
    """Approve the signer (four eyes), approve the first two matches (the best candidate,
    then the runner-up) and deny the rest, as one desk would."""
    found = items(ws)
    signer = found["request"][0].item.id
    decide(ws, signer, "avery", "approve", reason="the ICE Director heads ICE")
    last = confirm(ws, signer, "blake")
    for n, x in enumerate(found["match"]):
        if n < 2:
            pick = candidate_ids(x.item)[min(n, len(candidate_ids(x.item)) - 1)]
            last = decide(ws, x.item.id, "avery", "approve", candidate=pick)
        else:
            last = decide(ws, x.item.id, "avery", "deny")
    return last


def released(ws: Workspace) -> list[str]:
    """Every subject id in every package of the request, revision by revision."""
    import pandas as pd

    base = run_dir_for(ws, AGENCY, RID)
    out: list[str] = []
    for data in sorted(base.glob("**/package/data.parquet")):
        out += pd.read_parquet(data)["subject_id"].astype(str).drop_duplicates().tolist()
    return out


def test_a_request_level_item_holds_everything_and_subject_level_items_allow_partial_release(
    source: tuple[Workspace, Path], tmp_path: Path
) -> None:
    ws = fresh(source, tmp_path / "ws")
    found = items(ws)
    first = decide(ws, found["match"][0].item.id, "avery", "deny")
    assert first.run is not None and first.run.disclosed == 0  # the signer holds everything
    assert not (first.run.run_dir / "package").exists() and status(ws) == "review"
    signer = found["request"][0].item.id
    decide(ws, signer, "avery", "approve")
    cleared = confirm(ws, signer, "blake")
    assert cleared.run is not None and cleared.run.outcome == "review"  # matches still open
    assert cleared.run.disclosed > 0 and status(ws) == "review"  # released: the rest wait
    assert len(released(ws)) == cleared.run.disclosed


def test_the_last_item_resumes_the_run_and_a_replay_gives_the_same_decision(
    source: tuple[Workspace, Path], tmp_path: Path
) -> None:
    ws = fresh(source, tmp_path / "a")
    base = run_dir_for(ws, AGENCY, RID)
    first = (base / "decision.json").read_bytes()
    last = _clear_everything(ws)
    assert last.open_items == 0 and last.run is not None
    assert last.run.outcome in ("approve", "partial")
    n = last.disposition.revision
    assert n is not None and last.run.run_dir == base / "revisions" / str(n)
    assert (base / "decision.json").read_bytes() == first  # revision 1 is never rewritten
    assert status(ws) == "disclosed"
    # Each subject went out once, in the package of the revision that released it.
    out = released(ws)
    assert out and len(out) == len(set(out))
    findings = (last.run.run_dir / "subject_findings.csv").read_text()
    assert "chosen on review" in findings and "no candidate confirmed on review" in findings
    rows = accounting.load(ws.ledger_dir, verifier_key(ws)).rows
    kinds = Counter(r.kind for r in rows if r.request_id == RID)
    assert kinds["disclosure"] == len(out)
    # One leaf per disposition, plus the signer's proposal; a chosen taxpayer's own
    # accounting shows the disposition that chose them.
    assert kinds["disposition"] == len(ReviewStore(StateStore.for_workspace(ws)).for_request(1)) + 1
    assert len([r for r in rows if r.kind == "disposition" and r.taxpayer]) == 2
    assert kinds["decision"] == n

    replay = fresh(source, tmp_path / "b")
    again = _clear_everything(replay)
    other = run_dir_for(replay, AGENCY, RID) / "revisions" / str(n)
    assert again.run is not None and again.run.run_dir == other
    assert (other / "decision.json").read_bytes() == (
        last.run.run_dir / "decision.json"
    ).read_bytes()
    assert (other / "subject_findings.csv").read_bytes() == findings.encode()
    assert released(replay) == out


def test_a_retried_disposition_is_logged_once(
    source: tuple[Workspace, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = fresh(source, tmp_path / "ws")
    match = items(ws)["match"][0].item

    def crash(*_a: object, **_k: object) -> None:
        raise OSError("power cut (simulated) after the disposition was logged")

    monkeypatch.setattr(desk, "run_request", crash)
    with pytest.raises(OSError, match="simulated"):
        decide(ws, match.id, "avery", "deny", reason="neither candidate is the subject")
    monkeypatch.undo()
    # The same command again finishes the run; a different answer is refused.
    with pytest.raises(Exception, match="already decided"):
        decide(ws, match.id, "avery", "approve", reason="x", candidate=candidate_ids(match)[0])
    done = decide(ws, match.id, "avery", "deny", reason="neither candidate is the subject")
    assert done.run is not None and done.disposition.revision == 2
    decide(ws, match.id, "avery", "deny", reason="neither candidate is the subject")
    logged = [x for x in leaves(ws, "disposition") if x["item"] == match.id]
    assert len(logged) == 1
    assert len([d for d in leaves(ws, "decision") if d.get("revision") == 2]) == 1


def _decide_in_process(home: str, item: str, start: object) -> None:
    start.wait(30)  # type: ignore[attr-defined]
    desk.decide_item(
        Workspace.open(Path(home)), item, outcome="deny", reason="cannot tell which",
        officer="avery", password=pw("avery"),
    )  # fmt: skip


def test_two_desks_deciding_at_once_get_their_own_revisions(
    source: tuple[Workspace, Path],
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On both backends: on PostgreSQL the two transactions read the same latest revision
    and the unique constraint turns the second one away, to take the next number."""
    import multiprocessing

    monkeypatch.setenv("FTI_DATABASE_URL", database_url)  # the desks' processes inherit it
    ws = fresh(source, tmp_path / "ws")
    a, b = (x.item.id for x in items(ws)["match"][:2])
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_decide_in_process, args=(str(ws.home), i, start)) for i in (a, b)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    done = ReviewStore(StateStore.for_workspace(ws)).for_request(1, effective=True)
    assert sorted(d.revision or 0 for d in done) == [2, 3]
    latest = StateStore.for_workspace(ws).latest_decision(1)
    assert latest is not None
    assert latest[1]["revision"] == 3 and len(latest[1]["dispositions"]) == 2
    logged = Counter(str(x["item"]) for x in leaves(ws, "disposition"))
    assert logged == {a: 1, b: 1}


def test_a_cleared_match_to_a_confidential_informant_is_barred_under_i6(
    source: tuple[Workspace, Path], tmp_path: Path
) -> None:
    import json

    import pandas as pd

    src, _ = source
    matches = pd.read_parquet(run_dir_for(src, AGENCY, RID) / "matches.parquet")
    row = matches[matches["status"] == "ambiguous"].iloc[0]
    sid, best = str(row["subject_id"]), json.loads(row["explanation"])["best"]["taxpayer_id"]
    ws = fresh(source, tmp_path / "ws", informant=best)
    (match,) = [x.item for x in items(ws)["match"] if x.item.key == sid]
    done = decide(ws, match.id, "avery", "approve", candidate=best)
    assert done.run is not None
    findings = pd.read_csv(done.run.run_dir / "subject_findings.csv", dtype=str)
    got = findings.set_index("subject_id").loc[sid]
    assert (got["result"], got["rule"]) == ("deny", "6103(i)(6)")
    assert f"taxpayer {best} chosen on review" in got["message"]
    assert "confidential informant" in got["message"]


def _packages(ws: Workspace) -> dict[str, dict[str, object]]:
    """Every signed package of the request: its manifest digest → its manifest."""
    import hashlib
    import json

    base = run_dir_for(ws, AGENCY, RID)
    return {
        hashlib.sha256(m.read_bytes()).hexdigest(): json.loads(m.read_text())
        for m in sorted(base.glob("**/package/manifest.json"))
    }


def test_after_a_partial_release_a_subject_without_records_is_not_released_again(
    source: tuple[Workspace, Path], tmp_path: Path
) -> None:
    """Issue 16: a subject released with no records for the periods never shows in a
    package's data; it is still dealt with, so the revisions after it (the match items
    cleared one by one) build no empty package and account no disclosure twice."""
    import pandas as pd

    ws = fresh(source, tmp_path / "ws")
    found = items(ws)
    signer = found["request"][0].item.id
    decide(ws, signer, "avery", "approve", reason="the ICE Director heads ICE")
    partial = confirm(ws, signer, "blake").run
    assert partial is not None and partial.outcome == "review" and partial.disclosed > 0
    findings = pd.read_csv(partial.run_dir / "subject_findings.csv", dtype=str)
    approved = set(findings.loc[findings["result"] == "approve", "subject_id"])
    in_data = set(released(ws))
    # The world has taxpayers without records for some periods: the reproduction needs one.
    assert approved - in_data and in_data <= approved
    assert len(_packages(ws)) == 1

    last: desk.DeskResult | None = None
    for x in found["match"]:
        before = set(_packages(ws))
        last = decide(ws, x.item.id, "avery", "deny", reason="neither candidate is the subject")
        assert last.run is not None
        # Denying a match releases nobody new: no package, no disclosure leaf.
        assert set(_packages(ws)) == before and last.run.disclosed == 0
        assert not (last.run.run_dir / "package").exists()
    assert last is not None and last.open_items == 0 and last.run is not None
    assert last.run.outcome == "partial" and status(ws) == "disclosed"
    doc = last.run.decision
    assert doc["revision"] == len(found["match"]) + 2
    assert all(p["data"]["subjects"] for p in _packages(ws).values())  # type: ignore[index]
    # Each disclosure is accounted once, pointing at the one package that holds it.
    disclosures = leaves(ws, "disclosure")
    assert len(disclosures) == len(in_data) == len(released(ws))
    assert {str(d["package"]) for d in disclosures} == set(_packages(ws))
    assert len({d["id"] for d in disclosures}) == len(disclosures)
    final = pd.read_csv(last.run.run_dir / "subject_findings.csv", dtype=str)
    assert set(final.loc[final["result"] == "approve", "subject_id"]) == approved
