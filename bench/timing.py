"""Wall time and peak memory of one command, measured from outside the process.

GNU time's ``Maximum resident set size`` is the child's own high-water mark, so the
runner's memory never pollutes a figure.
"""

from __future__ import annotations

import re
import subprocess
import time


def timed(cmd: list[str]) -> dict[str, float]:
    """Run ``cmd`` under ``/usr/bin/time -v``; wall seconds and peak RSS in MB."""
    started = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    peak_mb = int(m.group(1)) / 1024 if m else float("nan")
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(peak_mb, 1)}
