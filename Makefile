# Two commands do all set-up on a fresh machine:
#   make demo   — the whole pipeline on the embedded default
#   make test   — lint, types, layering and the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
BASE   := $(VENV)/.installed-base
STAMP  := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck layers pytest venv bench fuzz clean

venv: $(STAMP)

# The demo needs only the runtime dependencies; the tests add the dev tools and PySpark.
$(BASE): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $(BASE)

$(STAMP): $(BASE)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: $(BASE)
	$(BIN)/fti demo --home $(or $(FTI_HOME),demo-home)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench fuzz
	$(BIN)/ruff format --check src tests bench fuzz

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

# axe-core for the browser tests, from the npm registry (tests/browser/package-lock.json).
# Without npm the browser tests skip (CI requires them: FTI_REQUIRE_BROWSER=1).
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error && touch $(AXE); \
	else echo "make: npm not found; the browser tests will skip (install Node.js and npm)"; fi

pytest: $(STAMP) $(AXE)
	$(BIN)/pytest -q

test: lint typecheck layers pytest

# Each atheris harness for FTI_FUZZ_SECONDS (default 20) from its seed corpus (fuzz/README.md).
fuzz: $(STAMP)
	PYTHON=$(BIN)/python ./fuzz/run.sh

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,bench]"
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) demo-home .pytest_cache .mypy_cache .ruff_cache tests/browser/node_modules artifacts
