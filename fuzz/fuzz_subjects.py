"""atheris harness: a subject CSV, checked row by row and read by the CSV reader with tiny ranges.

    python fuzz/fuzz_subjects.py -max_total_time=20 WORK_CORPUS fuzz/corpus/subjects

(`fuzz/run.sh` does this for every harness; see fuzz/README.md.)
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz.harness import fuzz

if __name__ == "__main__":
    fuzz("subjects", "subject_rows")
