# The two commands of the README: `make demo` and `make test`. Each sets everything up itself.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint format serve clean

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "CACT needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

demo: $(INSTALLED)  ## embedded PostgreSQL, migrations, demo data, serve; prints URLs and logins
	$(BIN)/cact demo

test: $(INSTALLED)  ## the whole suite (embedded PostgreSQL unless CACT_TEST_DATABASE_URL is set)
	$(BIN)/pytest

lint: $(INSTALLED)  ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

serve: $(INSTALLED)  ## serve with the settings in the environment (CACT_*)
	$(BIN)/cact serve

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
