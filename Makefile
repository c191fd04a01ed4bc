# The two commands: `make run` serves the demo county, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup setup-dev system-deps system-deps-test messages lint bench load faults worker beat clean

run: setup
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput -v0
	$(MANAGE) seed_demo --scale demo --seed 1 --if-empty
	@echo
	@echo "Demo logins (password: $${DEMO_PASSWORD:-demo12345}): staff, inspector, secretary, member, auditor"
	@echo "Serving on http://$(HOST):$(PORT)/"
	@echo "Background tasks (notices, reminders): Celery worker with beat, log in var/celery/worker.log"
	@# The worker runs beside the web server and stops with it (Ctrl-C, or the server ending).
	@mkdir -p var/celery; \
	$(BIN)/celery -A config worker --beat -l info --concurrency 2 \
		--pidfile var/celery/worker.pid --logfile var/celery/worker.log & \
	worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null; trap - EXIT' EXIT INT TERM; \
	$(MANAGE) runserver --insecure $(HOST):$(PORT)

test: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

setup: system-deps $(VENV)/.installed messages
setup-dev: system-deps-test $(VENV)/.installed-dev messages

system-deps:
	@bash scripts/system-deps.sh run

system-deps-test:
	@bash scripts/system-deps.sh test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

# Compiled catalogues are built from the committed .po files.
messages: $(VENV)/.installed
	@$(MANAGE) compilemessages -v0 --ignore=.venv

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Seeds the county and prefecture scales on their own PostgreSQL databases (studycenter_bench_<scale>),
# times the seed and every page, writes docs/benchmarks.md. BENCH_SCALES="county" for a quicker run.
bench: setup-dev
	$(MANAGE) collectstatic --noinput -v0
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Load test (docs/benchmarks.md): the county demo on PostgreSQL (studycenter_bench_load), gunicorn, a Celery
# worker on Redis, locust headless on loopback; then every write locust saw is checked in the database.
# LOAD_ARGS="--users 10 --time 15 --reuse" for a short run on the database seeded before.
LOAD_ARGS ?= --users 50 --time 60
load: setup-dev
	$(BIN)/python bench/load/run.py $(LOAD_ARGS)

# Fault scripts (bench/faults): each starts what it needs on a PostgreSQL cluster and a Redis of its own,
# injects its fault, checks and cleans up.
faults: setup-dev
	$(BIN)/python bench/faults/run_all.py $(FAULTS_ARGS)

# Production: one process each (see README); `make run` starts both in one for the demo.
worker: setup
	$(BIN)/celery -A config worker -l info

beat: setup
	$(BIN)/celery -A config beat -l info

clean:
	rm -rf $(VENV) var/staticfiles .pytest_cache .ruff_cache
