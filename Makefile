# The two set-up commands: `make run` and `make test`. Everything else is a helper of those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev browser postgresql wrk lint bench bench-install bench-quick clean

run: install
	$(BIN)/coolpapers db upgrade
	$(BIN)/coolpapers sample load --if-empty
	$(BIN)/coolpapers serve --host $(HOST) --port $(PORT)

# The browser tests drive the Chromium found here, and fail (never skip) without one. The tests
# that touch the database run on SQLite and on a throwaway PostgreSQL cluster that
# tests/pg/cluster.sh starts for the run and removes afterwards (`--db=sqlite` or
# `--db=postgresql` in PYTEST_ARGS picks one). tests/run.sh runs them on TEST_WORKERS
# processes, then alone those that measure time.
TEST_WORKERS ?= 2
test: install-dev browser postgresql wrk
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	COOLPAPERS_CHROMIUM="$$(command -v chromium)" TEST_WORKERS=$(TEST_WORKERS) \
		tests/pg/cluster.sh tests/run.sh $(BIN)/python --db=both $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml setup.py search/_kernel.pyx tokenizer/_fast.pyx $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml setup.py search/_kernel.pyx tokenizer/_fast.pyx $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Browser tests drive Debian's Chromium; install it when it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The tests run on Debian's PostgreSQL too; install it when it is missing.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "installing Debian's postgresql for the tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# The load test's clients (and the web benchmarks') are Debian's wrk; install it when missing.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
		echo "installing Debian's wrk for the load test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# `make bench` runs every benchmark at the sizes of the README's figures; `make bench-quick`
# at sizes small enough for a quick look. The original BytePiece's source distribution needs
# Cython (from the dev extra) at build time, hence --no-build-isolation.
bench-install: install-dev wrk
	$(BIN)/python -m pip install --quiet --no-build-isolation 'bytepiece>=0.6'
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'

bench: bench-install
	$(BIN)/python -m benchmarks

bench-quick: bench-install
	$(BIN)/python -m benchmarks --quick

clean:
	rm -rf $(VENV) build *.egg-info
