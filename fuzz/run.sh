#!/usr/bin/env bash
# Run every atheris harness for a bounded time from its seed corpus.
#   FTI_FUZZ_SECONDS   seconds per harness (default 20)
#   FTI_FUZZ_OUT       where new corpus entries and crash inputs go (default: a temp folder)
#   PYTHON             the interpreter with atheris and the gateway (default: .venv/bin/python)
# Exits non-zero if any harness crashed; the crashing input is in $FTI_FUZZ_OUT/<harness>/.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${FTI_FUZZ_SECONDS:-20}
python=${PYTHON:-.venv/bin/python}
out=${FTI_FUZZ_OUT:-$(mktemp -d /tmp/fti-fuzz.XXXXXX)}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
failed=()
for harness in fuzz/fuzz_*.py; do
  name=$(basename "$harness" .py); name=${name#fuzz_}
  mkdir -p "$out/$name/corpus"
  echo "fuzz: $name for ${seconds}s (corpus fuzz/corpus/$name, output $out/$name)"
  if ! "$python" "$harness" -max_total_time="$seconds" -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$out/$name/" "$out/$name/corpus" "fuzz/corpus/$name" \
      >"$out/$name/log" 2>&1; then
    failed+=("$name")
    echo "fuzz: $name CRASHED; last lines of $out/$name/log:"
    tail -n 40 "$out/$name/log"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in: ${failed[*]} (inputs: $out/<harness>/crash-*)"
  exit 1
fi
echo "fuzz: no crash in ${seconds}s per harness"
