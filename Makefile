# Two commands on a fresh machine: `make demo`, then `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export OUTCOMES_WORK_DIR ?= $(CURDIR)/.work

.PHONY: help env bytecode chromium mesh-sandbox demo test test-durations chaos up down lint lock bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed 's/:.*## /\t/'

env: $(STAMP)  ## create the virtual environment from the pinned lock file

# uv installs the lock's packages (the same versions pip installs) in about 20 s against pip's 95 s from nothing;
# pip does it when uv cannot (it says so). Compiled to bytecode at install, as pip does: this machine sets
# PYTHONDONTWRITEBYTECODE, so a module not compiled then is compiled again by every process that imports it.
UV_VERSION := 0.13.9
PIP := $(BIN)/pip install --quiet --disable-pip-version-check
QUIET := 2> >(grep -v "^WARNING: Location" >&2)
# The suite on two workers, whole files each, in the order tests/file_order.py gives them (longest first)
PYTEST := $(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder
SQLFLUFF := $(BIN)/sqlfluff lint dbt_project/models dbt_project/tests --processes 2

$(STAMP): pyproject.toml requirements.lock
	@echo "==> creating $(VENV) with pinned versions from requirements.lock (under a minute)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@{ $(PIP) uv==$(UV_VERSION) $(QUIET) \
	  && $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -c requirements.lock -e '.[dev]'; } \
	  || { echo "==> uv could not install the lock; pip installs it (about a minute and a half)"; \
	       $(PIP) -c requirements.lock -e '.[dev]' $(QUIET); }
	@$(BIN)/pip check >/dev/null
	@touch $(STAMP)

# The project's own modules compiled to bytecode beside their source (only those changed since the last time: a
# fraction of a second). An editable install leaves them uncompiled, and under PYTHONDONTWRITEBYTECODE every process
# compiled every project module it imported again: each Airflow task, `outcomes` command and dbt build.
PROJECT_PACKAGES := config lake ingest transform publish share synth pull outcomes stats dags bench tests
bytecode: $(STAMP)  ## compile the project's own modules to bytecode (make demo, test, up and bench do it first)
	@$(BIN)/python -m compileall -q -j 0 $(PROJECT_PACKAGES) >/dev/null

chromium:  ## Debian's chromium, which the report test opens the report in (installed once, when not on PATH)
	@command -v chromium >/dev/null || { echo "==> installing chromium (apt-get; a few minutes once)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

mesh-sandbox: $(STAMP)  ## the local MESH server's own virtual environment (demo and tests; pinned, installed once)
	@$(BIN)/python -c "from outcomes.mesh_sandbox import ensure_venv; ensure_venv(print)"

demo: $(STAMP) mesh-sandbox bytecode  ## synthetic extracts -> Airflow (event-driven) -> dbt -> quality gate -> publication
	@$(BIN)/python -m outcomes.demo $(if $(DEMO_SCALE),--scale $(DEMO_SCALE)) $(if $(DEMO_MONTHS),--months $(DEMO_MONTHS))

test: $(STAMP) chromium mesh-sandbox bytecode  ## lint (ruff, sqlfluff) and run every test
	@$(BIN)/ruff check .
	@$(SQLFLUFF) --disable-progress-bar 2>&1 | grep -v -e "^WARNING" -e "resource_tracker" ; test $${PIPESTATUS[0]} -eq 0
	@$(PYTEST) --durations=30

test-durations: $(STAMP) chromium mesh-sandbox bytecode  ## run every test and record each file's seconds, the order make test runs them in
	@$(PYTEST) --record-durations

chaos: $(STAMP) bytecode  ## the chaos test soaked: sixty killed runs instead of make test's nine (CHAOS_TRIALS=n to change)
	@CHAOS_TRIALS=$(or $(CHAOS_TRIALS),60) $(BIN)/python -m pytest tests/e2e/test_chaos.py -s -p no:cacheprovider

up: $(STAMP) bytecode  ## start Airflow (scheduler, dag-processor, triggerer, api-server + UI) in the foreground
	@$(BIN)/python -m outcomes.airflow_local up

down: $(STAMP)  ## stop the Airflow processes that `make up` or the demo started
	@$(BIN)/python -m outcomes.airflow_local down

lint: $(STAMP)  ## ruff on Python, sqlfluff on the dbt models
	@$(BIN)/ruff check .
	@$(SQLFLUFF)

lock:  ## re-resolve the pinned environment (needs the package index)
	@rm -rf /tmp/outcomes-lock && $(PYTHON) -m venv /tmp/outcomes-lock
	@/tmp/outcomes-lock/bin/pip install --quiet -e '.[dev]'
	@{ echo "# Pinned versions of every package the project installs (pip constraints)."; \
	   echo "# Regenerate with: make lock  (then review the diff). Python 3.11."; \
	   /tmp/outcomes-lock/bin/pip freeze --exclude-editable; } > requirements.lock

bench: $(STAMP) bytecode  ## run the benchmarks (pipeline, ingest, stats; BENCH="latency" for others; QUICK=1: minutes) into bench/
	@$(BIN)/python -m bench $(if $(QUICK),--quick) $(BENCH)

clean:  ## remove generated data (keeps the virtual environment)
	rm -rf .work dbt_project/target dbt_project/logs
