# Broadsheet: `make run` sets up and runs the main job; `make test` sets up and tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help install run test lint bench eval-extraction clean

help:
	@echo "make run    - set up .venv and run the main job (fetch the default feeds)"
	@echo "make test   - set up .venv and run ruff and the test suite"
	@echo "make bench  - run the evaluation commands against ../shared (when present)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/broadsheet run

test: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests

bench: $(STAMP)
	$(BIN)/broadsheet eval extraction ../shared/data/extraction/aeb

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
