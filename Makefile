# EU–Kazakhstan Civil Society Platform
#   make run    set everything up (venv, packages, SQLite database, seed) and serve on :5000
#   make test   lint, then the whole test suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)
#   make lint   ruff (lint and format) and bandit
#   make audit  known vulnerabilities in the locked packages (pip-audit; not part of CI)
#   make lock   compile pyproject.toml's dependencies into the hashed lock files requirements*.txt
#   make bench  the directory's speed with 100,000 organisations (needs wrk; see scripts/bench.py)
#   make assets-build  static files for production: fingerprinted, gzip and brotli (static/dist)
#   make translations  extract the messages and update the Russian and Kazakh catalogues

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Every package comes from a lock file, checked against its hashes.
PIP_INSTALL := $(BIN)/pip install --quiet --require-hashes
# Local commands run in debug mode, which keeps a development SECRET_KEY under instance/.
FLASK  := FLASK_DEBUG=1 $(BIN)/flask --app eukz_platform
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run setup db test bench lint audit lock format assets assets-build clean translations compile-translations

# Links in mail point at the address served, unless SITE_URL says otherwise.
run: setup
	SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}" $(FLASK) run --host $(HOST) --port $(PORT)

setup: $(VENV)/.installed compile-translations db

# The application's packages (requirements.txt), as production installs them; again when the
# lock file changes. pip itself is upgraded first, unpinned.
$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@sh scripts/system-packages.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(PIP_INSTALL) -r requirements.txt
	touch $@

# The tests' and tools' packages on top (requirements-dev.txt: the application's pins and the
# "dev" extra's).
$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $@

db: $(VENV)/.installed
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed

test: lint compile-translations
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# The catalogues: eukz_platform/translations/<language>/LC_MESSAGES/messages.po (committed),
# compiled into messages.mo (not committed) before the app runs or is tested. `make
# translations` extracts every marked message of the code and templates (babel.cfg) into
# messages.pot (not committed) and updates each catalogue from it: new messages come in
# untranslated, changed ones marked fuzzy beside their old translation (--previous), gone ones
# removed. tests/test_translations.py fails until each is translated and its fuzzy mark removed.
# Babel skips directories whose names start with "_" unless told which to skip: the templates'
# shared macros live in templates/_macros/, so only hidden directories and caches are skipped.
EXTRACT_IGNORE := .* __pycache__ node_modules
TRANSLATIONS := eukz_platform/translations
CATALOGUES   := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)

translations: $(VENV)/.installed
	$(BIN)/pybabel --quiet extract -F babel.cfg --add-location=file --add-comments=Translators: \
	  --sort-by-file --project "EU–Kazakhstan Civil Society Platform" \
	  --ignore-dirs "$(EXTRACT_IGNORE)" -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel --quiet update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) \
	  --previous --ignore-obsolete
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS)

compile-translations: $(CATALOGUES:.po=.mo)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -l $* -i $< -o $@

bench: $(VENV)/.installed
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

# bandit also warns "nosec encountered (B608), but no failed test" for every other part of an
# f-string whose finding a `# nosec` marks (PyCQA/bandit#1204): that warning alone is left out.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@echo "$(BIN)/bandit -q -r eukz_platform -c pyproject.toml"
	@$(BIN)/bandit -q -r eukz_platform -c pyproject.toml 2>$(VENV)/bandit.log; status=$$?; \
	  grep -v 'nosec encountered (B[0-9]*), but no failed test' $(VENV)/bandit.log >&2; \
	  exit $$status

audit: $(VENV)/.installed-dev
	$(BIN)/python scripts/audit.py $(AUDIT_ARGS)

# Compiles pyproject.toml's dependencies (and, for requirements-dev.txt, its "dev" extra, held to
# the application's pins) into the lock files with pip-tools, on the
# oldest Python supported (a lock made on a newer one can leave out what 3.11 needs), from the
# package index alone: this machine's own pip settings (find-links, extra indexes, constraints)
# are left out. Keeps the pins that still fit; LOCK_ARGS=--upgrade (or
# "--upgrade-package NAME") moves them on.
LOCK_PYTHON ?= python3.11
LOCK_VENV   := .venv-lock
PIP_COMPILE := env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT \
	PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" \
	$(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

$(LOCK_VENV)/.installed:
	@$(LOCK_PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "make lock needs Python 3.11 (LOCK_PYTHON=...)")'
	$(LOCK_PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet pip==26.3 pip-tools==7.6.2
	touch $@

lock: $(LOCK_VENV)/.installed
	$(PIP_COMPILE) --output-file requirements.txt pyproject.toml
	$(PIP_COMPILE) --extra dev --constraint requirements.txt --output-file requirements-dev.txt pyproject.toml

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Vendors the Europa Component Library from npm into static/vendor/ecl (committed).
assets:
	npm ci
	sh scripts/vendor-ecl.sh

# Static files as production serves them (eukz_platform/assets.py): every file of static/ under
# a name holding a hash of its content, CSS rewritten to those names, .br and .gz beside each, in
# static/dist (not committed; STATIC_BUILD_DIR to put them elsewhere). Run it before serving.
assets-build: $(VENV)/.installed
	$(BIN)/python -m eukz_platform.assets build

clean:
	rm -rf $(VENV) $(LOCK_VENV) instance/*.db instance/*.db-* .pytest_cache static/dist
	rm -f $(TRANSLATIONS)/*/LC_MESSAGES/messages.mo $(TRANSLATIONS)/messages.pot
