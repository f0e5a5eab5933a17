# Everyday commands (after `bash scripts/setup.sh`). `make check` is what CI runs.
PY := .venv/bin/python
BIN := .venv/bin

.PHONY: help check lint fix types imports test test-fast snapshots-update

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

check: lint types imports test  ## everything CI checks

lint:  ## ruff: lint rules and formatting
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fix:  ## let ruff fix what it can and format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

types:  ## mypy, strict on the contract, records, core and store (files in pyproject.toml)
	$(BIN)/mypy

imports:  ## import-linter: the layers, the light client, no cycles
	$(BIN)/lint-imports

test:  ## the whole suite (real LanceDB, Whisper, Tesseract, daemons; no network)
	$(PY) -m pytest -q

test-fast:  ## skip the long end-to-end tests
	$(PY) -m pytest -q -m "not slow"

snapshots-update:  ## re-render the TUI snapshots after a deliberate change (then look at the diff)
	$(PY) -m pytest -q tests/tui/test_snapshots.py --snapshot-update
