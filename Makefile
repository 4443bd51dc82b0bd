# The two commands: `make demo` (main job on DuckDB) and `make test` (everything).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PROFILES_DIR := $(CURDIR)/.dbt
DBT := DBT_PROFILES_DIR=$(PROFILES_DIR) $(BIN)/dbt
AS_OF_DATE ?= $(shell date -u +%Y-%m-%d)
SCALE ?= 0.05
TENANTS ?= 3

.PHONY: demo test install profiles lint docs dagster superset clean

$(BIN)/activate: pyproject.toml
	command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(BIN)/activate

install: $(BIN)/activate profiles

profiles: $(PROFILES_DIR)/profiles.yml

$(PROFILES_DIR)/profiles.yml: profiles.yml.example
	mkdir -p $(PROFILES_DIR)
	cp profiles.yml.example $(PROFILES_DIR)/profiles.yml

demo: install
	$(BIN)/warehouse generate --tenants $(TENANTS) --scale $(SCALE) --seed 42 --as-of-date $(AS_OF_DATE) --target duckdb
	# --full-refresh: generate replaced the raw history, so incremental models start again from it
	$(DBT) build --full-refresh --target duckdb --vars '{as_of_date: "$(AS_OF_DATE)"}'
	$(BIN)/warehouse summary

# Superset's venv is installed here, before the tests, so no test reaches the package index.
test: install
	$(BIN)/warehouse superset install
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest

# SQL (sqlfluff, dbt templater), Python (ruff) and YAML (yamllint)
lint: install
	$(BIN)/ruff check .
	$(BIN)/yamllint --strict .
	$(BIN)/sqlfluff lint models macros snapshots

docs: install
	$(DBT) docs generate --target duckdb && $(DBT) docs serve --host 127.0.0.1 --port 8080

# Dagster UI on http://127.0.0.1:3000 (no authentication: loopback only). Materialise
# daily_full_build from the UI, or let the schedules run while this is up.
dagster: install
	mkdir -p .dagster_home && cp orchestration/dagster_home/dagster.yaml .dagster_home/dagster.yaml
	DAGSTER_HOME=$(CURDIR)/.dagster_home DBT_PROFILES_DIR=$(PROFILES_DIR) $(BIN)/dagster dev -h 127.0.0.1 -p 3000

# Superset on the Postgres warehouse at the PG* variables (build it first); bi/superset/README.md.
superset: install
	$(BIN)/warehouse superset setup
	$(BIN)/warehouse superset serve --port 8088

clean:
	rm -rf target logs .dbt warehouse.duckdb
