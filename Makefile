# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
NOW    ?=

.PHONY: run test install pds-peer lint typecheck pytest bench clean

$(BIN)/tidings: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/tidings

# The Bluesky tests run against a real PDS (tests/peers/pds). better-sqlite3 has no reachable
# prebuilt binary here, so it compiles from source (about a minute) against Node's headers.
PDS_PEER := tests/peers/pds
$(PDS_PEER)/node_modules/.installed: $(PDS_PEER)/package-lock.json
	cd $(PDS_PEER) && npm_config_nodedir=/usr npm ci --no-audit --no-fund
	@touch $@

pds-peer: $(PDS_PEER)/node_modules/.installed

## make run: check the example brand and show what is scheduled
run: install
	$(BIN)/tidings check
	$(BIN)/tidings plan $(if $(NOW),--now "$(NOW)",) --days 60

## make test: lint, type-check and run the whole test suite
test: install pds-peer lint typecheck pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check tools tests benchmarks

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest -q

bench: install
	$(BIN)/python benchmarks/bench_check.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
