# Quick start: `make demo` (set up, run a simulated visit), `make test` (set up, lint, run every
# test), `make quick` (the tests not marked slow: the inner loop while developing).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.alsmotion-installed
DEMO_OUT ?= demo-output

.PHONY: setup demo test quick lint pytest bench clean

# Python packages go into .venv; the stamp reinstalls when the project's requirements change.
$(STAMP): pyproject.toml setup.py scripts/system-deps.sh
	@echo "set-up: checking the Debian packages the tests need (installed only when missing)"
	bash scripts/system-deps.sh
	@echo "set-up: installing alsmotion with all extras into $(VENV)/ (about 40 s with a warm pip cache)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all]'
	touch $@
	@echo "set-up: done ($(BIN)/alsmotion, $(BIN)/python -m pytest)"

setup: $(STAMP)

demo: setup
	$(BIN)/alsmotion demo --out $(DEMO_OUT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# One pytest worker per CPU (pytest-xdist), each taking whole test files, so a module's
# fixture (a simulated trial, the reference recordings) is built once.
pytest: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n logical --dist loadfile

test: lint pytest

quick: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n logical --dist loadfile -m "not slow" -q

bench: setup
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache
