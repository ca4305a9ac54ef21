#!/usr/bin/env python3
"""Refresh the law stage's statute text from a newer OLRC release and list what changed.

Usage (from the repository root):

    python3 scripts/usc_refresh.py NEW_XML_DIR            # report only
    python3 scripts/usc_refresh.py NEW_XML_DIR --write    # report, then replace the TSVs

NEW_XML_DIR holds the USLM XML of the sections (6103.xml, 7213.xml, 7213A.xml, 7431.xml),
e.g. ``usc/26/`` of a newer commit of TheJoshuaEvans/united-states-code, or the sections cut
from OLRC's title-26 release. Each is converted with ``uslm_to_tsv.py`` (the same converter
as shared/law/usc/) into a temporary folder and compared row by row with
``src/fti_gateway/law/usc/*.tsv``. The report lists added, removed and changed citations,
and marks with ``*`` those the code, registries or scenarios cite — the ones a person must
read again. After ``--write``, run ``pytest tests/law``: the citation and quote tests name
every rule whose provision is gone or whose quoted words changed. Standard library only.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import uslm_to_tsv  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
USC = ROOT / "src" / "fti_gateway" / "law" / "usc"
SECTIONS = ("6103", "7213", "7213A", "7431")
CITE = re.compile(r"\b(6103|7213A|7213|7431)((?:\([A-Za-z0-9]+\))+)")
BARE = re.compile(r"(?<![\w)\]])\([a-z]\)\(\d+\)(?:\([A-Za-z0-9]+\))*")


def read(path: Path) -> dict[str, str]:
    rows = (line.partition("\t") for line in path.read_text(encoding="utf-8").splitlines())
    return {cite: text for cite, _, text in rows}


def cited() -> set[str]:
    """Citations written in src/, the registries and the scenarios, with their parents."""
    out: set[str] = set()
    files = [*(ROOT / "src").rglob("*.py"), *(ROOT / "src").rglob("*.yaml")]
    files += (ROOT / "tests" / "law" / "scenarios").glob("*.yaml")
    for f in files:
        s = f.read_text(encoding="utf-8")
        out |= {m.group(1) + m.group(2) for m in CITE.finditer(s)}
        out |= {"6103" + m.group(0) for m in BARE.finditer(s)}
    return out


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 2
    new_dir, write = Path(argv[0]), "--write" in argv[1:]
    used = cited()
    changed_any = False
    with tempfile.TemporaryDirectory() as tmp:
        for section in SECTIONS:
            xml = new_dir / f"{section}.xml"
            if not xml.exists():
                print(f"{section}: no {xml}; skipped")
                continue
            copy = Path(tmp) / xml.name
            copy.write_bytes(xml.read_bytes())
            new_tsv = uslm_to_tsv.convert(copy)
            old, new = read(USC / f"{section}.tsv"), read(new_tsv)
            added = [c for c in new if c not in old]
            removed = [c for c in old if c not in new]
            changed = [c for c in new if c in old and old[c] != new[c]]
            print(f"{section}: {len(added)} added, {len(removed)} removed, {len(changed)} changed")
            for label, cites in (("+", added), ("-", removed), ("~", changed)):
                for c in cites:
                    print(f"  {label} {c}{'  *cited by the code' if c in used else ''}")
            if added or removed or changed:
                changed_any = True
                if write:
                    (USC / f"{section}.tsv").write_bytes(new_tsv.read_bytes())
    if changed_any and write:
        print("TSVs replaced: run `pytest tests/law` and read every * provision again;")
        print("update law/usc/README.md (source commit, release point, latest amendment).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
