# Two commands for a fresh machine: `make build` (the full refresh) and `make test` (every test).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_PROFILES_DIR := $(CURDIR)
export ONE_CLICK_HOME := $(CURDIR)

.PHONY: build score test venv dbt-build pytest lint clean rollback bench

# the pinned requirements, then the project's own package, editable (importable from anywhere)
$(BIN)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

venv: $(BIN)/.installed

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

## test: dbt build with every data and unit test, the Python tests, sqlfluff, ruff, dbt-bouncer
test: venv dbt-build pytest lint

# plain `dbt build`, as a dbt user runs it in a fresh clone: no folder made first, none of the
# variables above (dbt finds profiles.yml in the project)
dbt-build: venv
	env -u DBT_PROFILES_DIR -u ONE_CLICK_HOME $(BIN)/dbt build

# two test files at a time (pytest-xdist; a file's tests stay together, in order, on one
# worker): much of a refresh runs on one core (dbt's parsing, SQL, the report, the docs)
pytest: venv
	$(BIN)/pytest -n 2 --dist loadfile

lint: venv
	$(BIN)/sqlfluff lint models tests analyses
	$(BIN)/ruff check .
	$(BIN)/dbt parse --quiet
	$(BIN)/dbt-bouncer run --config-file dbt-bouncer.yml

## bench: the refresh of the embedded default (twice: steps, dbt build phases and Python models,
## wall and CPU seconds), validation, the full refresh on synthetic deliveries of 1.3 k to 1.3 M
## customers, and on the published model shap's explainers against the package's estimator and
## the model phase by phase (about 50 minutes); the tables are written to docs/benchmarks/ as well
bench: venv
	$(BIN)/python scripts/benchmark_scale.py --embedded
	$(BIN)/python scripts/benchmark_validate.py
	$(BIN)/python scripts/benchmark_scale.py $(if $(SIZES),--sizes $(SIZES))
	@if [ -e warehouse/one_click.duckdb ]; then \
		$(BIN)/python scripts/benchmark_explainers.py warehouse/one_click.duckdb && \
		$(BIN)/python scripts/benchmark_model.py warehouse/one_click.duckdb; \
	else echo "benchmark_explainers, benchmark_model: no published warehouse; run make build first"; fi

clean:
	rm -rf target logs warehouse/candidate warehouse/.build warehouse/.dbt-target
