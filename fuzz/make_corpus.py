"""Write the seed corpus (fuzz/corpus/<harness>/): small synthetic inputs, one of each
shape a reader accepts, so the fuzzer starts from valid files and mutates inward.

    python fuzz/make_corpus.py      # rewrites fuzz/corpus; the output is committed
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fti_gateway.ledger import entries  # noqa: E402
from fti_gateway.ledger.checkpoint import Checkpoint, sign_checkpoint  # noqa: E402
from fti_gateway.ledger.tiles import encode_bundle  # noqa: E402
from fuzz import targets  # noqa: E402

CORPUS = ROOT / "fuzz" / "corpus"
WHEN = datetime(2025, 6, 4, 12, 0, tzinfo=UTC)
TAXPAYER = "hmac-sha256:" + "5a" * 32
SECRET = b"fuzz corpus secret, not a workspace's"  # keyed digests and pseudonyms

MANIFEST = """\
format: fti/request/v1
id: FUZZ-2025-0001
received: 2025-06-04
authority: "6103(i)(2)"
requester: {agency: DOJ, position: us-attorney, official: "Jane Roe", in_writing: true, signed: true}
purpose:
  kind: criminal-investigation
  statutes: ["18 U.S.C. 1343"]
  reason: "wire fraud scheme"
taxable_periods: [2022, 2023]
elements: [identity.address, info_return.w2.employer]
court_order: null
subjects: SUBJECTS
"""
INLINE = """
  - {subject_id: S-1, first_name: Ana, last_name: Garcia, dob: 1984-03-09, tin: 900-12-3456}
  - {subject_id: S-2, last_name: Nguyen, zip: "02134"}
  - [not, a, row]"""
SUBJECTS = (
    "subject_id,first_name,middle_name,last_name,suffix,dob,tin,street,unit,city,state,zip\n"
    "S-001,Ana,María,García López,,1984-03-09,900-12-3456,12 Elm St,Apt 4,Chicago,IL,60601\n"
    'S-002,James,,O\'Brien,Jr.,1979-11-30,,"400 Main St, Rear",,Boston,MA,02134\n'
    "S-003,Wei,,Nguyen,,,900 12 3457,,,,,\n"
)
BROKEN = (
    "subject_id,last_name,dob,tin\r\n"
    "S-1,Peña,2023-02-30,12345\r\n"
    'S-2,"unclosed,1980-01-01,\r\n'
    "S-3,Smith,1980-01-01,666123458,extra\r\n"
    "S-1,Again,,\r\n"
)


def _leaves() -> list[bytes]:
    return [
        entries.request_received(
            agency="DOJ",
            request_id="FUZZ-1",
            authority="6103(i)(2)",
            received="2025-06-04",
            digest="sha256:" + "0" * 64,
            purpose="criminal-investigation",
            reason_digest=entries.digest_text(SECRET, "wire fraud"),
            statutes=["18 U.S.C. 1343"],
            elements=["identity.address"],
            periods=["2022"],
            subjects=2,
            requester_position="us-attorney",
            time=WHEN,
        ),
        entries.decision(
            agency="DOJ",
            request_id="FUZZ-1",
            authority="6103(i)(2)",
            outcome="partial",
            elements_allowed=["identity.address"],
            elements_refused={"return.agi": "6103(i)(2)(A)"},
            subjects={"total": 2, "approved": 1, "denied": 1, "review": 0},
            digest="0" * 64,
            time=WHEN,
        ),
        entries.disclosure(
            agency="DOJ",
            request_id="FUZZ-1",
            authority="6103(i)(2)",
            recipient="DOJ",
            elements=["identity.address"],
            periods=["2022"],
            taxpayer=TAXPAYER,
            time=WHEN,
        ),
        entries.inspection(
            agency="DOJ",
            request_id="FUZZ-1",
            inspector=entries.pseudonym(SECRET, "fti-gateway/resolve"),
            reason_digest=entries.digest_text(SECRET, "identity resolution"),
            taxpayer=TAXPAYER,
            time=WHEN,
        ),
    ]


def seeds() -> dict[str, dict[str, bytes]]:
    leaves = _leaves()
    signer = targets.fuzz_signer()
    cps = [
        Checkpoint(targets.FUZZ_ORIGIN, n, bytes((n + i) % 256 for i in range(32)))
        for n in (0, 7, 70000)
    ]
    as_json = json.dumps(
        {
            "format": "fti/request/v1",
            "id": "FUZZ-2",
            "received": "2025-06-04",
            "authority": "6103(i)(2)",
            "requester": {"agency": "DOJ", "position": "us-attorney"},
            "purpose": {"kind": "criminal-investigation"},
            "subjects": "subjects.csv",
        }
    ).encode()
    return {
        "manifest": {
            "yaml": b"\x00" + MANIFEST.replace("SUBJECTS", "subjects.csv").encode(),
            "inline": b"\x00" + MANIFEST.replace("SUBJECTS", INLINE).encode(),
            "json": b"\x01" + as_json,
            "sniffed": b"\x02" + as_json,
        },
        "subjects": {"good": SUBJECTS.encode(), "broken": BROKEN.encode("utf-8")},
        "entries": {
            **{f"leaf{i}": leaf for i, leaf in enumerate(leaves)},
            "bundle": bytes([len(leaves) - 1]) + encode_bundle(leaves),
        },
        "checkpoint": {
            **{f"body{cp.size}": cp.body() for cp in cps},
            **{f"note{cp.size}": sign_checkpoint(signer, cp) for cp in cps},
        },
    }


def main() -> None:
    for harness, files in seeds().items():
        folder = CORPUS / harness
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        for name, data in files.items():
            (folder / name).write_bytes(data)
        print(f"{folder.relative_to(ROOT)}: {len(files)} seeds")


if __name__ == "__main__":
    main()
