#!/bin/sh
# Startup time of light `fti` commands as whole processes (issue 20: < 0.3 s).
# Usage: bench/cli/run.sh [PYTHON]  — writes bench/cli/results.md (hyperfine's markdown table).
set -eu
cd "$(dirname "$0")/../.."
PY=${1:-.venv/bin/python}
export PYTHONPATH="$PWD/src" FTI_HOME=/tmp/fti-bench-cli-none
cat > /tmp/fti-bench-typer-min.py <<'PYEOF'
import typer
app = typer.Typer(no_args_is_help=True)
sub = typer.Typer()
@sub.command()
def a() -> None: ...
app.add_typer(sub, name="x")
app()
PYEOF
hyperfine -N --warmup 3 --runs 30 --export-markdown bench/cli/results.md \
  -n "fti --help" "$PY -m fti_gateway --help" \
  -n "fti version" "$PY -m fti_gateway version" \
  -n "fti resolve --help" "$PY -m fti_gateway resolve --help" \
  -n "fti ledger verify --help" "$PY -m fti_gateway ledger verify --help" \
  -n "floor: a two-command Typer app --help" "$PY /tmp/fti-bench-typer-min.py --help" \
  -n "floor: python -c pass" "$PY -c pass"
