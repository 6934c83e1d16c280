# Two commands do all the set-up on a fresh Debian/Ubuntu machine:
#   make run   - the program in demo mode (embedded back office, virtual devices)
#   make test  - make lint, then the whole test suite on every core under a virtual display
#   make lint  - import-linter contracts, ruff (lint and format) and mypy
#   make test-fast - the pure packages only (domain, reports, devices): no server, no PostgreSQL
#   make stack - the whole back office on this machine (PostgreSQL, SeaweedFS, APPS app processes,
#                nginx on https://127.0.0.1:8443), data in var/stack/; `make stack-down` stops it
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
APPS ?= 2

.PHONY: run test test-fast lint format clean stack stack-down

run: $(BIN)/.installed
	$(BIN)/onewindow demo

test: lint
	bash scripts/system-deps.sh test
	$(BIN)/pytest -n auto --dist loadgroup

test-fast: $(BIN)/.installed-dev
	$(BIN)/pytest tests/domain tests/reports tests/devices

lint: $(BIN)/.installed-dev
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

stack: $(BIN)/.installed-stack
	bash scripts/system-deps.sh stack
	$(BIN)/python scripts/stack.py up --apps $(APPS)

# Standard library only: it stops what var/stack/pids.json lists, with or without the venv.
stack-down:
	$(PYTHON) scripts/stack.py down

format: $(BIN)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(BIN)/python:
	bash scripts/system-deps.sh run
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(BIN)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(BIN)/.installed-dev: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install -q -e '.[dev,server,postgres]'
	touch $(BIN)/.installed $@

$(BIN)/.installed-stack: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install -q -e '.[server,postgres]'
	touch $(BIN)/.installed $@

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
