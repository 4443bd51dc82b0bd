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
# pytest workers for `make test`: the machine's two cores (tests/conftest.py groups what must share one)
TEST_WORKERS ?= 2
DOCS_PORT ?= 8080
DAGSTER_PORT ?= 3000
SUPERSET_PORT ?= 8088
BIGQUERY_EMULATOR_PORT ?= 9050

.PHONY: demo test install profiles browser lint docs dagster dagster-job dagster-home superset clean \
	bigquery-emulator bigquery-emulator-venv bouncer-venv metricflow-venv

$(BIN)/activate: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required (set PYTHON=...)"; exit 1; }
	@echo "Installing the Python environment into $(VENV) (dbt, Dagster, pandas, ...: about 2 minutes the first time)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --progress-bar off -e ".[dev]" 2>&1 | tee $(VENV)/install.log \
		| grep --line-buffered -E '^(Collecting|Successfully|ERROR)' || true
	$(BIN)/python -c "import dbt.version, dagster" || { echo "the install of $(VENV) failed: see $(VENV)/install.log"; exit 1; }
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

# Superset's and the BigQuery emulator's venvs are installed here, before the tests, so no test
# reaches the package index.
test: install browser bigquery-emulator-venv bouncer-venv metricflow-venv
	@echo "Installing Superset into .superset/venv for the dashboard tests (about 3 minutes the first time)"
	$(BIN)/warehouse superset install
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

# The Superset browser tests drive Debian's Chromium and chromedriver.
browser:
	@bash .ci/ensure_chromium

# Python (ruff), YAML (yamllint) and SQL (sqlfluff with the dbt templater). The templater
# compiles against a throwaway DuckDB file, never the user's warehouse: first empty (every
# incremental model's full-refresh branch), then with is_incremental() forced true
# (macros/is_incremental.sql) for the incremental models' other branch.
LINT_DB := $(shell mktemp -u /tmp/warehouse_lint.XXXXXX).duckdb
INCREMENTAL_MODELS = $(shell grep -rl "materialized='incremental'" models)
# The structure rules (dbt-bouncer.yml) read the manifest of a fresh `dbt parse` into a throwaway
# target path, never target/ (a stale manifest would judge yesterday's models).
BOUNCER_DIR := $(shell mktemp -u /tmp/warehouse_bouncer.XXXXXX)
lint: install bouncer-venv
	$(BIN)/ruff check .
	$(BIN)/yamllint --strict .
	DBT_DUCKDB_PATH=$(LINT_DB) DBT_PROFILES_DIR=$(PROFILES_DIR) $(BIN)/sqlfluff lint models macros snapshots
	DBT_DUCKDB_PATH=$(LINT_DB) DBT_PROFILES_DIR=$(PROFILES_DIR) WAREHOUSE_LINT_INCREMENTAL=true \
		$(BIN)/sqlfluff lint $(INCREMENTAL_MODELS)
	rm -f $(LINT_DB) $(LINT_DB).wal
	DBT_DUCKDB_PATH=$(BOUNCER_DIR)/unused.duckdb $(DBT) parse --no-partial-parse --quiet \
		--target-path $(BOUNCER_DIR)/target
	DBT_PROJECT_DIR=$(BOUNCER_DIR) $(BOUNCER) --config-file dbt-bouncer.yml
	rm -rf $(BOUNCER_DIR)

docs: install
	$(DBT) docs generate --target duckdb && $(DBT) docs serve --host 127.0.0.1 --port $(DOCS_PORT)

# Dagster UI on http://127.0.0.1:$(DAGSTER_PORT) (no authentication: loopback only), with the
# schedules and the failure sensor switched on (AUTOMATION=stopped starts them off).
AUTOMATION ?= running
DAGSTER_ENV = DAGSTER_HOME=$(CURDIR)/.dagster_home DBT_PROFILES_DIR=$(PROFILES_DIR)
dagster: install dagster-home
	$(DAGSTER_ENV) WAREHOUSE_AUTOMATION=$(AUTOMATION) $(BIN)/dagster dev -h 127.0.0.1 -p $(DAGSTER_PORT)

# One run of a job into the instance `make dagster` shows, so its UI holds the materialisations
# and check results: by default daily_full_build, which replays `make demo` (same tenants, scale,
# seed and as-of date) through Dagster. Not while another process writes warehouse.duckdb.
JOB ?= daily_full_build
DEMO_RUN_CONFIG = {ops: {raw_tables: {config: {tenants: $(TENANTS), scale: $(SCALE), seed: 42}}, \
	warehouse_dbt: {config: {full_refresh: true}}}}
dagster-job: install dagster-home
	$(if $(filter daily_full_build,$(JOB)),echo '$(DEMO_RUN_CONFIG)' > .dagster_home/demo_run.yaml)
	$(DAGSTER_ENV) WAREHOUSE_AS_OF_DATE=$(AS_OF_DATE) $(BIN)/dagster job execute \
		-m orchestration.dagster_defs.definitions -j $(JOB) \
		$(if $(filter daily_full_build,$(JOB)),-c .dagster_home/demo_run.yaml)

dagster-home:
	mkdir -p .dagster_home && cp orchestration/dagster_home/dagster.yaml .dagster_home/dagster.yaml

# Superset on the Postgres warehouse at the PG* variables (build it first); bi/superset/README.md.
superset: install
	$(BIN)/warehouse superset setup
	$(BIN)/warehouse superset serve --port $(SUPERSET_PORT)

# The BigQuery emulator (bqemulator, pinned in tests/bqemulator_requirements.txt) in its own venv,
# .bqemulator/venv, with the DuckDB extensions it loads at start-up installed from their wheels:
# afterwards it starts offline. About a minute the first time; skipped when up to date.
bigquery-emulator-venv: install
	$(BIN)/python tests/bigquery_emulator.py install

# A tool in a venv of its own, from its pins (the target's prerequisite), so its dependencies never
# move the project's: $(call pinned_venv,<venv dir>). Rebuilt only when the pins change.
define pinned_venv
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv --clear $(1)
	$(1)/bin/pip install --quiet -r $<
	touch $@
endef

# dbt-bouncer (pinned in tests/bouncer_requirements.txt) in its own venv, .bouncer/venv: it needs
# duckdb < 2 (the project has 2.x). Reinstalled only when the pins change.
BOUNCER := .bouncer/venv/bin/dbt-bouncer
bouncer-venv: $(BOUNCER)
$(BOUNCER): tests/bouncer_requirements.txt
	$(call pinned_venv,.bouncer/venv)

# MetricFlow (`mf query`, the semantic layer: README "Semantic layer"; pinned in
# tests/metricflow_requirements.txt) in its own venv, .metricflow/venv, so its dependencies never
# move the project's. About 20 s the first time; reinstalled only when the pins change.
MF := .metricflow/venv/bin/mf
metricflow-venv: $(MF)
$(MF): tests/metricflow_requirements.txt
	$(call pinned_venv,.metricflow/venv)

# The emulator on http://127.0.0.1:$(BIGQUERY_EMULATOR_PORT) until Ctrl-C, for `--target bigquery_emulator`
# (README, "BigQuery"). In memory: everything is gone when it stops.
bigquery-emulator: bigquery-emulator-venv
	$(BIN)/python tests/bigquery_emulator.py serve --port $(BIGQUERY_EMULATOR_PORT)

clean:
	rm -rf target logs .dbt warehouse.duckdb
