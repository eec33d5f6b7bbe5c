# Two commands do everything on a fresh machine: `make run` (demo) and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium

.PHONY: setup browser run test lint bench clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# htmx comes from npm, pinned in package-lock.json, and is served locally (no CDN).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Browser tests drive Debian's Chromium through Playwright (browser downloads are not possible).
browser:
	@test -x $(CHROMIUM) || (apt-get update -qq && apt-get install -y -qq chromium)
	@# pdftotext/pdftoppm: the PDF summary's tests read its text (and reviewers look at pages).
	@command -v pdftotext >/dev/null || (apt-get update -qq && apt-get install -y -qq poppler-utils)

run: setup
	$(BIN)/feedback demo

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/pytest -q -n auto

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check feedback surveys integrations tests bench

bench: setup
	$(BIN)/python bench/bench_analysis.py
	$(BIN)/python bench/bench_queue.py --engine sqlite
	$(BIN)/python bench/bench_queue.py --engine postgres
	$(BIN)/python bench/bench_reports.py --engine sqlite
	$(BIN)/python bench/bench_reports.py --engine postgres
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_submit.py
	$(BIN)/python bench/reliability_kill.py

clean:
	rm -rf $(VENV) node_modules var .pytest_cache
