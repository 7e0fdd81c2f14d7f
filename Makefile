# Riders Portal — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint format install migrate messages screenshots bench clean reliability

# Runtime (requirements.lock) plus tests and tools (requirements-dev.lock); the production
# image installs requirements.lock only.
$(VENV)/.installed: requirements.lock requirements-dev.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

# Set up everything, load demo data, serve the portal with a Celery worker and beat.
run: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) bin/devserver.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The whole suite: lint, then pytest (PostgreSQL/Redis/real worker when DATABASE_URL/REDIS_URL are set)
# on one pytest-xdist worker per CPU core, each with its own test database and Redis database
# (tests/conftest.py); PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
test: lint
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Extract and compile translations (needs GNU gettext); commit both .po and .mo.
messages: install
	$(PY) manage.py makemessages --locale zh_Hans --ignore '.venv/*' --ignore 'var/*' --no-obsolete
	$(PY) manage.py compilemessages --locale zh_Hans --ignore '.venv/*'

# Refresh docs/screenshots/ from the browser tests. The rider walk runs last: its images are
# README's gallery (home, report, nearby, canteen, apartments, points, home-en), and two of
# the names are also written by the flow tests.
screenshots: install
	SCREENSHOT_DIR=docs/screenshots $(PY) -m pytest -m browser $(PYTEST_ARGS) --ignore tests/browser/test_rider_walk.py
	SCREENSHOT_DIR=docs/screenshots $(PY) -m pytest -n 0 tests/browser/test_rider_walk.py

bench: install
	$(PY) bench/import_riders.py
	$(PY) bench/page_weight.py
	$(PY) bench/deadline_sweep.py
	$(PY) bench/routing.py
	$(PY) bench/api_floor.py
	$(PY) bench/my_reports.py
	$(PY) bench/points_history.py
	$(PY) bench/apartments.py
	$(PY) bench/nearest.py
	$(PY) bench/pickup.py
	$(PY) bench/subsidy_batch.py
	$(PY) bench/upload_attack.py

clean:
	rm -rf var $(VENV)

# Run the fault drills and the bad-input tests on real services (DATABASE_URL, REDIS_URL) and
# rewrite docs/reliability.md from their results.
# One process: the report is written from the results that process collects.
reliability: install
	$(PY) -m pytest -n 0 -p tests.drills.reporting --reliability docs/reliability.md $(PYTEST_ARGS)
