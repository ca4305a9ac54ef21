"""atheris harness: a request manifest (YAML, JSON or sniffed; the first byte picks which) read by intake.

    python fuzz/fuzz_manifest.py -max_total_time=20 WORK_CORPUS fuzz/corpus/manifest

(`fuzz/run.sh` does this for every harness; see fuzz/README.md.)
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz.harness import fuzz

if __name__ == "__main__":
    fuzz("manifest_any")
