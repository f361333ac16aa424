# The two commands: `make run` serves the app on its embedded default, `make test` runs the suite.
# Both create .venv and install requirements.txt when needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n auto

.PHONY: install run test test-fast lint lint-complexity migrate worker beat check clean

$(INSTALLED): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(INSTALLED)

install: $(INSTALLED)

migrate: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput

# daphne's own access line goes to stdout, past the logging config and its redaction (a payment
# link's token is in its path): it is sent nowhere, the project's (sellflow.access) is the only one.
run: migrate
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed_demo
	@echo "SellFlow on http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/docs/)"
	DJANGO_DEBUG=1 $(BIN)/daphne -b $(HOST) -p $(PORT) --access-log /dev/null sellflow.asgi:application

# pytest exits 5 when it collected no tests: that is a failure too, and said so.
test: install
	@$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; \
	exit $$status

# The inner loop: the suite without the schema fuzz (tests/test_api_fuzz.py), which CI runs.
test-fast: install
	@$(BIN)/python -m pytest $(PYTEST_ARGS) --ignore=tests/test_api_fuzz.py

# Style and bugs (ruff, configured in pyproject.toml), the complexity ceiling (no function
# above radon's C outside the local writer's phrase logic), migrations in step with the
# models, and an OpenAPI schema without warnings.
RADON_EXEMPT := */migrations/*,ai/providers/local/*,tests/*,bench/*
lint: install lint-complexity
	$(BIN)/ruff check .
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_DEBUG=1 $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

lint-complexity: install
	@over=$$($(BIN)/radon cc --min D --show-complexity --exclude '$(RADON_EXEMPT)' .); \
	if [ -n "$$over" ]; then echo "radon: functions above C (split them into named steps):"; echo "$$over"; exit 1; fi

worker: install
	$(BIN)/celery -A sellflow worker --loglevel=INFO

beat: install
	$(BIN)/celery -A sellflow beat --loglevel=INFO --schedule=$(VENV)/celerybeat-schedule

check: install
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

clean:
	rm -rf $(VENV) .pytest_cache
