# Two commands for a fresh machine: `make build` (the full refresh) and `make test` (every test).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_PROFILES_DIR := $(CURDIR)
export ONE_CLICK_HOME := $(CURDIR)

.PHONY: build test venv dbt-build pytest lint clean rollback

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

venv: $(BIN)/.installed

## build: the full refresh (validate seeds, dbt build + report into warehouse/.build, published only if all passes)
build: venv
	$(BIN)/python -m one_click.refresh

## rollback: put the previous published warehouse, model and report back (run again to undo)
rollback: venv
	$(BIN)/python -m one_click.refresh --rollback

## test: dbt build with every data and unit test, the Python tests, sqlfluff and ruff
test: venv dbt-build pytest lint

dbt-build: venv
	mkdir -p warehouse/candidate
	$(BIN)/dbt build

pytest: venv
	$(BIN)/pytest

lint: venv
	$(BIN)/sqlfluff lint models tests analyses
	$(BIN)/ruff check .

clean:
	rm -rf target logs warehouse/candidate warehouse/.build warehouse/.dbt-target
