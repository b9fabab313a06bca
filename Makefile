# One task runner: CI runs exactly `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-output

.PHONY: install lock test lint typecheck pytest demo schema check-generated bench clean reference-reports screenshots \
	soak soak-reliability soak-properties mutation contract-js

# Locked installs (scripts/lock.py): exactly the versions in requirements/build.txt (pip,
# the build backend, uv) and requirements/lock.txt (dependencies + the test extra), every
# file checked against its sha256 hash, and nothing else (prune: an existing venv loses
# what the locks no longer pin); then peerbench itself, editable, without deps.
# Refuses a lock that pyproject.toml has moved on from (run `make lock`).
LOCK := requirements/lock.txt
BUILD_LOCK := requirements/build.txt
PIP_LOCKED := --quiet --require-hashes --no-deps --no-build-isolation
$(STAMP): pyproject.toml $(LOCK) $(BUILD_LOCK)
	$(PYTHON) scripts/lock.py check --digest-only
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_LOCKED) -r $(BUILD_LOCK)
	$(BIN)/python -m pip install $(PIP_LOCKED) -r $(LOCK)
	$(BIN)/python scripts/lock.py prune
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

install: $(STAMP)

# Refresh the lock files from pyproject.toml and requirements/build.in with uv (installed,
# hash-checked, from build.txt into $(LOCK_VENV)). Keeps every pin that still fits;
# `make lock UPGRADE=1` moves every package to its newest fitting release.
LOCK_VENV := .venv-lock
$(LOCK_VENV)/.installed: $(BUILD_LOCK)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install $(PIP_LOCKED) -r $(BUILD_LOCK)
	touch $@

lock: $(LOCK_VENV)/.installed
	$(LOCK_VENV)/bin/python scripts/lock.py compile --uv $(LOCK_VENV)/bin/uv $(if $(UPGRADE),--upgrade)

lint: $(STAMP)
	$(BIN)/ruff check peerbench tests benchmarks scripts
	$(BIN)/ruff format --check peerbench tests benchmarks scripts
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

# PostgreSQL (installed from Debian packages if missing) runs on 127.0.0.1 for the suite;
# Debian's Chromium is installed if missing for the browser tests. Two pytest-xdist
# workers use both cores of the CI machine; every fixture is per worker (its own
# PostgreSQL database, temp dirs, ports bound to 0), so the result does not depend on
# which worker runs which test.
PYTEST_WORKERS ?= 2
pytest: $(STAMP)
	@scripts/ensure-chromium.sh
	@eval "$$(scripts/test-postgres.sh)"; \
	$(BIN)/pytest -q -n $(PYTEST_WORKERS); status=$$?; \
	scripts/test-postgres.sh stop >/dev/null; exit $$status

test: lint typecheck contract-js pytest

# ajv for the JSON Schema agreement test (tests/contract), from its lock file.
contract-js:
	cd tests/contract/js && npm ci --no-audit --no-fund --silent

# The long reliability runs (marker `soak`, mostly tests/soak): a thousand fuzzed
# requests, twenty SIGKILLs of a real server during ingestion, twenty concurrent clients on
# SQLite and PostgreSQL, and the benchmark tables on a local Spark session (make test
# compares them on the Spark Connect server). Figures are appended to $(SOAK_REPORT).
SOAK_REPORT ?= soak-report.jsonl
soak-reliability: $(STAMP)
	@rm -f $(SOAK_REPORT)
	@eval "$$(scripts/test-postgres.sh)"; \
	PEERBENCH_SOAK_REPORT=$(abspath $(SOAK_REPORT)) $(BIN)/pytest -q -m soak tests; \
	status=$$?; scripts/test-postgres.sh stop >/dev/null; exit $$status

# Every property test with its whole budget of examples (tests/budget.py): make test draws
# a deterministic share of the longest ones to stay under 15 minutes.
soak-properties: $(STAMP)
	@scripts/ensure-chromium.sh
	@eval "$$(scripts/test-postgres.sh)"; \
	PEERBENCH_HYPOTHESIS_PROFILE=soak $(BIN)/pytest -q -n $(PYTEST_WORKERS); \
	status=$$?; scripts/test-postgres.sh stop >/dev/null; exit $$status

soak: soak-reliability soak-properties

schema: $(STAMP)
	$(BIN)/peerbench schema generate --out schema --spec SPEC.md
	$(BIN)/python -m peerbench.benchmarking.precompile_sql

check-generated: $(STAMP)
	$(BIN)/peerbench schema check --out schema --spec SPEC.md

demo: $(STAMP)
	rm -rf $(DEMO_DIR)
	DEMO_DIR=$(DEMO_DIR) $(BIN)/python scripts/demo.py

# The README's portal screenshots (docs/screenshots/*.png), from a seeded temporary portal.
screenshots: $(STAMP)
	@scripts/ensure-chromium.sh
	$(BIN)/python scripts/portal_screenshots.py --out docs/screenshots

reference-reports: $(STAMP)
	$(BIN)/python scripts/reference_reports.py --out reference_reports

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Long checks kept out of `make test`; each part of the soak is its own target.
soak: mutation

# Mutation testing of the privacy- and statistics-critical modules (scripts/mutation.py):
# fails when a module has under 90% of its mutants killed, or when a mutant survives that
# tests/mutation/survivors.md does not list with its reason. 1-1.5 hours on 2 shared cores.
mutation: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 nice $(BIN)/python scripts/mutation.py

clean:
	rm -rf $(VENV) $(LOCK_VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
