"""atheris harness: a ledger leaf (canonical JSON) and an entry bundle (the first byte picks its width).

    python fuzz/fuzz_entries.py -max_total_time=20 WORK_CORPUS fuzz/corpus/entries

(`fuzz/run.sh` does this for every harness; see fuzz/README.md.)
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz.harness import fuzz

if __name__ == "__main__":
    fuzz("entry", "bundle")
