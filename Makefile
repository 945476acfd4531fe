# EU–Kazakhstan Civil Society Platform
#   make run    set everything up (venv, packages, SQLite database, seed) and serve on :5000
#   make test   run the whole test suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)
#   make bench  the directory's speed with 100,000 organisations (needs wrk; see scripts/bench.py)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Local commands run in debug mode, which keeps a development SECRET_KEY under instance/.
FLASK  := FLASK_DEBUG=1 $(BIN)/flask --app eukz_platform
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run setup db test bench lint format assets clean

run: setup
	$(FLASK) run --host $(HOST) --port $(PORT)

setup: $(VENV)/.installed db

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

db: $(VENV)/.installed
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed

test: $(VENV)/.installed
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Vendors the Europa Component Library from npm into static/vendor/ecl (committed).
assets:
	npm ci
	sh scripts/vendor-ecl.sh

clean:
	rm -rf $(VENV) instance/*.db instance/*.db-* .pytest_cache
