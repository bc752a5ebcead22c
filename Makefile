# Two commands, on a fresh machine with Python >= 3.11 and pip:
#   make run    set up .venv and start the app
#   make test   set up .venv and run the whole test suite
#   make test-fast  the tests that need no Qt and start no process (seconds)
#   make bench  set up .venv and run the benchmarks (bench/run.py; BENCH_ARGS=--quick)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test test-fast bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

run: $(STAMP)
	$(BIN)/consult $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen} $(BIN)/python -m pytest $(PYTEST_ARGS)

# The tests that need no Qt and start no process: seconds, for the edit-test loop.
test-fast: $(STAMP)
	CONSULT_TESTS_FAST=1 $(BIN)/python -m pytest -m "not gui and not process and not slow" -q $(PYTEST_ARGS)

bench: $(BENCH_STAMP)
	QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen} $(BIN)/python bench/run.py $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .hypothesis
