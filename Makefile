# The front door: `make run` starts the server, `make test` checks everything.
# Every target bootstraps the virtualenv it needs (.venv): `make run` only the runtime
# requirements (requirements.txt), the others the development ones (requirements-dev.txt).

VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
# Touched after a successful install: pip runs again only when a requirements file is newer.
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-runtime

.DEFAULT_GOAL := help
.PHONY: help venv run test lint fmt bench

help:
	@echo "make run    start web + worker + beat (embedded storage/Redis/LiveKit when unset)"
	@echo "make test   lint, then the whole test suite (with the console in headless Chromium)"
	@echo "make lint   ruff check, ruff format --check, import-linter, mypy"
	@echo "make fmt    ruff format and ruff check --fix"
	@echo "make bench  issue-9 figures of a whole instance vs the reference (BENCH_ARGS=--quick)"
	@echo "make venv   create/update .venv from requirements-dev.txt"

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

$(RUN_STAMP): requirements.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet -r requirements.txt
	touch $(RUN_STAMP)

run: $(RUN_STAMP)
	$(PYTHON) bin/run

# pytest exits 5 when it collected no tests: a non-zero status, so make fails on it too.
# bin/ensure-chromium installs Debian's chromium for the console's browser tests (or warns
# loudly that they will be skipped); it never fails the build.
test: venv
	$(MAKE) --no-print-directory lint
	-bin/ensure-chromium
	$(PYTHON) -m pytest -n 2 --dist loadfile

# bin/run has no .py suffix: ruff only lints it when named explicitly.
lint: venv
	$(BIN)/ruff check . bin/run
	$(BIN)/ruff format --check . bin/run
	$(BIN)/lint-imports
	$(BIN)/mypy

fmt: venv
	$(BIN)/ruff format . bin/run
	$(BIN)/ruff check --fix . bin/run

# Starts bin/run (embedded defaults, then S3 on a moto server) and drives it with wrk
# (installed from Debian when missing). BENCH_ARGS: --quick, --repeat=N (best of N),
# --default-only, --s3-only, --in-process (the older code-path benchmarks).
bench: venv
	$(PYTHON) -m bench $(BENCH_ARGS)
