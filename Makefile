# Broadsheet: `make run` sets up and runs the main job; `make test` sets up and tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The main job needs only the package; the tests also need the dev and eval tools.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: help install run test lint bench clean

help:
	@echo "make run    - set up .venv, fetch, build stories and briefings, serve http://127.0.0.1:8000"
	@echo "make test   - set up .venv with the dev tools and run ruff and the test suite"
	@echo "make bench  - run the evaluation commands against ../shared (when present)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $(RUN_STAMP)

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(DEV_STAMP) $(RUN_STAMP)

install: $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/broadsheet run

test: $(DEV_STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/pytest -q

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests

bench: $(DEV_STAMP)
	$(BIN)/broadsheet eval extraction ../shared/data/extraction/aeb
	$(BIN)/broadsheet eval clustering ../shared/data/stories/giveme-newscluster.jsonl \
		../shared/data/stories/allsides-roundups.jsonl --throughput
	$(BIN)/broadsheet eval build ../shared/data/stories/giveme-newscluster.jsonl \
		../shared/data/stories/allsides-roundups.jsonl
	$(BIN)/broadsheet eval build ../shared/data/stories/giveme-newscluster.jsonl \
		../shared/data/stories/allsides-roundups.jsonl --synthetic 10000
	$(BIN)/broadsheet eval sections ../shared/data/stories/giveme-newscluster.jsonl
	$(BIN)/broadsheet eval attributions ../shared/data/attribution/polnear --split dev
	$(BIN)/broadsheet eval briefs ../shared/data/stories/allsides-roundups.jsonl

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
