# Two commands do all the set-up on a fresh Debian/Ubuntu machine:
#   make run   - the program in demo mode (embedded back office, virtual devices)
#   make test  - the whole test suite under a virtual display
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint clean

run: $(BIN)/.installed
	$(BIN)/onewindow demo

test: $(BIN)/.installed-dev
	bash scripts/system-deps.sh test
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: $(BIN)/.installed-dev
	$(BIN)/lint-imports

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
