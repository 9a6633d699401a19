# Quick start: `make demo` (set up, run a simulated visit), `make test` (set up, lint, run every
# test), `make quick` (the tests not marked slow: the inner loop while developing).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.alsmotion-installed
# uv resolves and installs in parallel: several times faster than pip for the same packages. It
# compiles the installed modules to bytecode once, as pip does: otherwise every process of the
# suite (workers, CLI and recorder children, Dask workers) compiles what it imports, about 4 s
# of CPU each, when PYTHONDONTWRITEBYTECODE is set.
UV := $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python
# The project's own modules, compiled before the tests for the same reason (up to date: < 1 s).
BYTECODE := $(BIN)/python -m compileall -q -j 0 src acquisition gui > /dev/null
# pytest-xdist workers, each taking whole test files (so a module's fixture, a simulated trial or
# the reference recordings, is built once), longest files first (tests/conftest.py). Two workers
# per CPU: the BLE, recorder and GUI tests spend most of their time waiting on real-time device
# twins, and the other workers use the CPU meanwhile.
WORKERS ?= $(shell echo $$(( 2 * $$(nproc) )))
PYTEST := QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n $(WORKERS) --dist loadfile --no-loadscope-reorder
DEMO_OUT ?= demo-output

.PHONY: setup demo test quick lint ruff pytest bench clean

# Python packages go into .venv; the stamp reinstalls when the project's requirements change.
$(STAMP): pyproject.toml setup.py scripts/system-deps.sh
	@echo "set-up: checking the Debian packages the tests need (installed only when missing)"
	bash scripts/system-deps.sh
	@echo "set-up: installing alsmotion with all extras into $(VENV)/ with uv (about 20 s with a warm cache, more when downloading)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(UV) --upgrade pip -e '.[all]'
	touch $@
	@echo "set-up: done ($(BIN)/alsmotion, $(BIN)/python -m pytest)"

setup: $(STAMP)

demo: setup
	$(BIN)/alsmotion demo --out $(DEMO_OUT)

ruff: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint: ruff
	$(BIN)/mypy

pytest: setup
	$(BYTECODE)
	$(PYTEST)

# mypy (about 15 s of one core) runs beside the tests, whose workers wait on real-time GUI and
# device steps part of the time; its output is printed after theirs.
test: ruff
	$(BYTECODE)
	@$(BIN)/mypy > $(VENV)/mypy.log 2>&1 & mypy_pid=$$!; \
	$(PYTEST); tests=$$?; \
	wait $$mypy_pid; typed=$$?; \
	echo "mypy:"; cat $(VENV)/mypy.log; \
	[ $$tests -eq 0 ] && [ $$typed -eq 0 ]

quick: setup
	$(BYTECODE)
	$(PYTEST) -m "not slow" -q

bench: setup
	$(UV) -e '.[bench]'
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache
