# Two commands for a fresh machine: `make build` (the full refresh) and `make test` (every test).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_PROFILES_DIR := $(CURDIR)
export ONE_CLICK_HOME := $(CURDIR)

.PHONY: build score test test-fast venv venv-test dbt-build pytest pytest-fast dbt-unit lint \
	dbt-build-then-lint dbt-unit-then-lint clean rollback bench lock

# The installer: uv, in a venv of its own (the project's venv holds the lock and nothing else).
# It installs the same locked files, each checked against its hash, as pip would, with the
# downloads in parallel: in a fresh clone here the runtime takes 21 s, the installer's own venv
# included, instead of pip's 44, and the test tools 3 s instead of 12.
INSTALLER := uv==0.13.10
UV_VENV := $(VENV)-uv
UV := $(UV_VENV)/bin/uv
UV_INSTALL = $(UV) pip install --quiet --python $(BIN)/python
$(UV):
	$(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/pip install --quiet --disable-pip-version-check $(INSTALLER)

# the runtime from its lock (every file checked against its hash; bytecode compiled, as pip
# does), then the project's own package, editable (importable from anywhere, with its console
# scripts)
$(BIN)/.installed: requirements.txt pyproject.toml | $(UV)
	$(PYTHON) -m venv $(VENV)
	$(UV_INSTALL) --compile-bytecode --require-hashes -r requirements.txt
	$(UV_INSTALL) --no-deps -e .
	touch $@

# the test tools on top (pytest, the linters, playwright), from the test lock
$(BIN)/.installed-test: requirements-test.txt $(BIN)/.installed
	$(UV_INSTALL) --compile-bytecode --require-hashes -r requirements-test.txt
	touch $@

venv: $(BIN)/.installed
venv-test: $(BIN)/.installed-test

# The locks, made by pip-tools (pip-compile --generate-hashes) from pyproject.toml:
# requirements.txt holds the runtime, requirements-test.txt the runtime (the same versions: the
# runtime lock constrains it) and extra `test`. A version already locked stays; to move one,
# e.g. `make lock LOCK_OPTIONS="--upgrade-package shap"`.
LOCK_TOOL := pip-tools==7.6.2
LOCK_VENV := $(VENV)-lock
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet \
	--generate-hashes --no-strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_OPTIONS)
lock:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet --disable-pip-version-check $(LOCK_TOOL)
	$(PIP_COMPILE) --output-file=requirements.txt pyproject.toml
	@# pip's constraints take no extras (mashumaro[msgpack]): the runtime pins without them
	sed -nE 's/^([A-Za-z0-9_.-]+)(\[[^]]*\])?(==[^ ]+).*/\1\3/p' requirements.txt \
		> $(LOCK_VENV)/runtime-pins.txt
	$(PIP_COMPILE) --extra=test --constraint=$(LOCK_VENV)/runtime-pins.txt \
		--output-file=requirements-test.txt pyproject.toml

# the options of build and score: DELIVERY=dir builds from the four files in dir (CSV as
# delivered, or Parquet) instead of the seeds; MONTH=YYYY-MM is the delivery's month (default:
# var delivery_month, the seeds' month); FORCE=1 publishes a month older than the published one
REFRESH_OPTIONS = $(if $(DELIVERY),--delivery "$(DELIVERY)") $(if $(MONTH),--month "$(MONTH)") $(if $(FORCE),--force)

## build: the full refresh (validate, dbt build, report, docs into warehouse/.build; published in one step only if all passes)
build: venv
	$(BIN)/python -m one_click.refresh $(REFRESH_OPTIONS)

## score: the same refresh, scored with the kept model of warehouse/model/ instead of retraining it
score: venv
	$(BIN)/python -m one_click.refresh --score $(REFRESH_OPTIONS)

## rollback: publish the previous set (warehouse, model, report, docs) again (run again to undo)
rollback: venv
	$(BIN)/python -m one_click.refresh --rollback

## test: every check: plain dbt build (every data and unit test), the Python tests, the linters
## (two lanes at once: pytest's two workers, and dbt build then the linters)
test: venv-test
	$(MAKE) --no-print-directory -j2 --output-sync=line pytest dbt-build-then-lint

dbt-build-then-lint: dbt-build
	$(MAKE) --no-print-directory lint

## test-fast: the Python tests not marked slow, dbt's unit tests and the linters; no refresh
test-fast: venv-test
	$(MAKE) --no-print-directory -j2 --output-sync=line pytest-fast dbt-unit-then-lint

dbt-unit-then-lint: dbt-unit
	$(MAKE) --no-print-directory lint

# plain `dbt build`, as a dbt user runs it in a fresh clone: no folder made first, none of the
# variables above (dbt finds profiles.yml in the project)
dbt-build: venv
	env -u DBT_PROFILES_DIR -u ONE_CLICK_HOME $(BIN)/dbt build
	touch $(PYTHON_MODELS_STAMP)

# two test files at a time (pytest-xdist; a file's tests stay together, in order, on one
# worker): much of a refresh runs on one core (dbt's parsing, SQL, the report, the docs). The
# files in the order conftest.py gives them (the longest first), not by their number of tests.
PYTEST = $(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder
pytest: venv-test
	$(PYTEST)

pytest-fast: venv-test
	$(PYTEST) -m "not slow"

# dbt's unit tests need their models' parents in the warehouse (dbt reads their column types).
# A scratch copy of the last plain `dbt build` (warehouse/candidate/) gets every SQL model built
# again from this tree, empty (--empty reads no rows), and the unit tests run before each model
# as `dbt build` runs them. The Python models' tables are the last build's: --empty does not
# apply to them, and with no rows they could not train. So a plain `dbt build` runs first when
# there is none yet, or when the Python models, the package they call or the vars changed since
# (the stamp below): their tables would be stale, and the SQL reading them could fail or pass
# wrongly.
CANDIDATE := warehouse/candidate/one_click.duckdb
PYTHON_MODELS_STAMP := warehouse/candidate/.python-models
PYTHON_MODELS_INPUTS := dbt_project.yml $(shell find python_models one_click -type f \( -name '*.py' -o -name '*.yml' -o -name '*.j2' \) 2>/dev/null)
UNIT_DIR := target/unit
$(PYTHON_MODELS_STAMP): $(PYTHON_MODELS_INPUTS) | venv-test
	@echo "dbt-unit: the Python models or their inputs changed since the last plain dbt build: building"
	$(MAKE) --no-print-directory dbt-build
	touch $@

dbt-unit: venv-test $(PYTHON_MODELS_STAMP)
	rm -rf $(UNIT_DIR) && mkdir -p $(UNIT_DIR)
	cp $(CANDIDATE) $(UNIT_DIR)/unit.duckdb
	ONE_CLICK_WAREHOUSE=$(UNIT_DIR)/unit.duckdb $(BIN)/dbt --quiet build --empty \
		--exclude "test_type:data" "path:python_models" \
		--target-path $(UNIT_DIR)/target --log-path $(UNIT_DIR)/logs

lint: venv-test
	$(BIN)/sqlfluff lint models tests analyses
	$(BIN)/ruff check .
	$(BIN)/dbt parse --quiet
	$(BIN)/dbt-bouncer run --config-file dbt-bouncer.yml

## bench: the refresh of the embedded default (three times: steps, dbt build phases and Python models,
## wall and CPU seconds), validation, the full refresh on synthetic deliveries of 1.3 k to 1.3 M
## customers, and on the published model shap's explainers against the package's estimator and
## the model phase by phase (about 50 minutes); the tables are written to docs/benchmarks/ as well
bench: venv
	$(BIN)/python scripts/benchmark_scale.py --embedded
	$(BIN)/python scripts/benchmark_validate.py
	$(BIN)/python scripts/benchmark_scale.py $(if $(SIZES),--sizes $(SIZES))
	$(BIN)/python scripts/benchmark_effects.py
	@if [ -e warehouse/one_click.duckdb ]; then \
		$(BIN)/python scripts/benchmark_explainers.py warehouse/one_click.duckdb && \
		$(BIN)/python scripts/benchmark_model.py warehouse/one_click.duckdb; \
	else echo "benchmark_explainers, benchmark_model: no published warehouse; run make build first"; fi

clean:
	rm -rf target logs warehouse/candidate warehouse/.build warehouse/.dbt-target
