# Two commands do all the set-up on a fresh Debian/Ubuntu machine:
#   make run   - the program in demo mode (embedded back office, virtual devices)
#   make test  - make lint, then the whole test suite on every core under a virtual display
#   make lint  - import-linter contracts, ruff (lint and format) and mypy
#   make test-fast - the pure packages only (domain, reports, devices): no server, no PostgreSQL
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast lint format clean

run: $(BIN)/.installed
	$(BIN)/onewindow demo

test: lint
	bash scripts/system-deps.sh test
	$(BIN)/pytest -n auto

test-fast: $(BIN)/.installed-dev
	$(BIN)/pytest tests/domain tests/reports tests/devices

lint: $(BIN)/.installed-dev
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

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

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
