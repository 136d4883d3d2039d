# asylstat — make help lists the targets. Every target sets itself up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)

PERIOD ?=
DWH_URL ?=
DWH_SCHEMA ?=
AS_OF ?=
OUTPUT_DIR ?=
QUESTION ?=
ANSWERS_DIR ?=
ANSWER ?=
# defaults for unset options live in parameters/defaults.toml (read by the asylstat command)
RUN_OPTS = --period "$(PERIOD)" $(if $(DWH_SCHEMA),--schema "$(DWH_SCHEMA)") \
           $(if $(OUTPUT_DIR),--output-dir "$(OUTPUT_DIR)") \
           $(if $(DWH_URL),--dwh-url "$(DWH_URL)") $(if $(AS_OF),--as-of "$(AS_OF)")

.PHONY: help setup monthly quarterly annual verify ask demo-dwh lab requirements check test test-full lint clean-venv pg-up pg-down bench chromium

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'
	@echo "  options: PERIOD=… DWH_URL=… DWH_SCHEMA=dwh AS_OF=… OUTPUT_DIR=outputs QUESTION=… ANSWERS_DIR=answers ANSWER=…"

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (asylstat)" >/dev/null
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP) ## create .venv from the lock file (done by every target that needs it)

# Debian's chromium prints the reports to PDF and opens them in the report tests. Installed when
# absent and we are root (CI, fresh machines); otherwise the reports are made in HTML only.
chromium: ## Debian's chromium for PDF reports (installed if absent, when root)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    { apt-get install -y -qq chromium fonts-dejavu-core >/dev/null 2>&1 || \
	      { apt-get update -qq >/dev/null && \
	        apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }; } || \
	      echo "chromium could not be installed: reports will be HTML only"; \
	  else echo "chromium is not installed (as root: apt-get install chromium): reports will be HTML only"; fi; }

monthly: $(STAMP) chromium ## production run for a month: make monthly PERIOD=2024-07
	$(BIN)/asylstat run monthly $(RUN_OPTS)

quarterly: $(STAMP) chromium ## production run for a quarter: make quarterly PERIOD=2024-Q3
	$(BIN)/asylstat run quarterly $(RUN_OPTS)

annual: $(STAMP) chromium ## production run for a year: make annual PERIOD=2024
	$(BIN)/asylstat run annual $(RUN_OPTS)

verify: $(STAMP) ## re-do the published run and compare: make verify PERIOD=2024-Q3 (or ANSWER=answers/<id>/<RUN_ID>)
	$(BIN)/asylstat verify $(if $(ANSWER),--answer "$(ANSWER)",--period "$(PERIOD)") $(if $(OUTPUT_DIR),--output-dir "$(OUTPUT_DIR)")

ask: $(STAMP) ## answer a question: make ask QUESTION=questions/examples/afghan_uam_2023_by_month_sex.toml
	$(BIN)/asylstat ask "$(QUESTION)" $(if $(DWH_URL),--dwh-url "$(DWH_URL)") \
	  $(if $(DWH_SCHEMA),--schema "$(DWH_SCHEMA)") $(if $(ANSWERS_DIR),--answers-dir "$(ANSWERS_DIR)")

demo-dwh: $(STAMP) ## rebuild the demonstration warehouse data/demo.duckdb
	$(BIN)/asylstat demo-dwh

lab: $(STAMP) ## JupyterLab on the notebooks (also as root; prints its address and token)
	test -f data/demo.duckdb || $(BIN)/asylstat demo-dwh
	JUPYTER=$(BIN)/jupyter scripts/lab.sh

requirements: $(STAMP) ## docs/data-requirements.md: contract columns each table reads (from its SQL)
	test -f data/demo.duckdb || $(BIN)/asylstat demo-dwh
	$(BIN)/python -m asylstat.requirements

# The test lanes (README, "Tests"). make check: while developing, no browser, no database
# started, no notebook executed (a PostgreSQL server already named by ASYLSTAT_TEST_PG_URL is
# used). make test: the whole suite as CI runs it (.ci/run). make test-full: also the full
# engine-parity sets (tests marked full).
PYTEST_SERVICES = export ASYLSTAT_TEST_PG_URL="$${ASYLSTAT_TEST_PG_URL:-$$(scripts/pg.sh start | sed -n 's/^DWH_URL=//p')}"; \
	  test -n "$$ASYLSTAT_TEST_PG_URL" || echo "no PostgreSQL server: its tests will be skipped";

check: $(STAMP) ## fast lane: ruff, then every test but the end-to-end runs (about 4-5 min)
	$(BIN)/ruff check lib tests
	$(BIN)/python -m pytest -q -m "not e2e"

test: $(STAMP) chromium ## the whole suite as CI runs it; installs chromium, starts PostgreSQL
	@$(PYTEST_SERVICES) $(BIN)/python -m pytest -q --durations=25

test-full: $(STAMP) chromium ## make test plus the full Spark/PostgreSQL/SQL-dialect parity sets
	@$(PYTEST_SERVICES) $(BIN)/python -m pytest -q --durations=25 --full

pg-up: $(STAMP) ## local PostgreSQL on 127.0.0.1:55432 with the demo warehouse (or PG_LOAD=file.duckdb)
	scripts/pg.sh up $(PG_LOAD)

pg-down: ## stop the local PostgreSQL server
	scripts/pg.sh down

# make bench SCALES=1 for one scale only ($(or) would split "1,25" at its comma); the default
# is the script's: a 5,000-person warehouse, scale 1 and scale 25
BENCH_SCALES := $(if $(SCALES),--scales "$(SCALES)",)

bench: $(STAMP) ## benchmark (5,000 persons, scales 1 and 25): bench/report.json, docs/benchmark.md
	$(BIN)/python bench/asylstat_bench.py $(BENCH_SCALES)

lint: $(STAMP) ## ruff on the library and tests
	$(BIN)/ruff check lib tests
