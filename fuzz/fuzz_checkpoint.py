"""atheris harness: a checkpoint body and a signed checkpoint note (fixed fuzz key).

    python fuzz/fuzz_checkpoint.py -max_total_time=20 WORK_CORPUS fuzz/corpus/checkpoint

(`fuzz/run.sh` does this for every harness; see fuzz/README.md.)
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz.harness import fuzz

if __name__ == "__main__":
    fuzz("checkpoint_body", "signed_note")
