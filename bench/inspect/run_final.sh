#!/bin/bash
# The committed runs of bench/inspect, as made for issue 19 (run under the shared lock:
#   flock /work/notes/bench.lock bench/inspect/run_final.sh > bench/inspect/run_final.log 2>&1
# ). BEFORE=<dir with the previous src/ and bench/> also times the code before this branch
# on the same data in the same lock, for the before/after comparison.
set -e
cd "$(dirname "$0")/../.."
PY=${PY:-/work/main/.venv/bin/python}
echo "== start $(date -u +%FT%TZ) load: $(cat /proc/loadavg)"
PYTHONPATH=$PWD/src:$PWD $PY -m bench.inspect.gate --decisions 5000 --lookups 100 --people 2000
echo "== gate done $(date -u +%FT%TZ) load: $(cat /proc/loadavg)"
PYTHONPATH=$PWD/src:$PWD $PY -m bench.inspect.monitor --sizes 1000000 3000000 10000000
echo "== monitor done $(date -u +%FT%TZ) load: $(cat /proc/loadavg)"
if [ -n "$BEFORE" ]; then
  for n in 1000000 10000000; do
    echo "== before, monitor $n: load $(cat /proc/loadavg)"
    (cd "$BEFORE" && PYTHONPATH=$BEFORE/src /usr/bin/time -f "wall %e s, peak RSS %M KB, user %U s, sys %S s" \
      $PY -m bench.inspect.monitor --detect "$OLDPWD/bench/inspect/.data/$n")
  done
  echo "== before, gate: load $(cat /proc/loadavg)"
  (cd "$BEFORE" && PYTHONPATH=$BEFORE/src:$BEFORE $PY -m bench.inspect.gate --decisions 5000 --lookups 100 --people 2000 | tail -12)
fi
echo "== end $(date -u +%FT%TZ) load: $(cat /proc/loadavg)"
