# Two commands from a fresh machine: `make run` and `make test` (see README.md).
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
export FLASK_APP := wsgi
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint format setup system-deps migrate demo translations bench clean messages

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

translations: $(BIN)/.installed
	$(BIN)/pybabel compile -d app/translations

setup: $(BIN)/.installed translations

system-deps:
	scripts/system-deps.sh run

migrate: setup
	mkdir -p instance
	APP_ENV=development $(BIN)/flask db upgrade

demo: migrate
	APP_ENV=development $(BIN)/flask seed-demo

run: system-deps demo
	scripts/run-dev.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set.
test: setup lint
	scripts/system-deps.sh test
	env -u TEST_DATABASE_URL $(BIN)/pytest
	if [ -n "$$TEST_DATABASE_URL" ]; then $(BIN)/pytest; fi

bench: setup
	scripts/system-deps.sh bench
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance/crm.sqlite .bench

# After changing user-facing text: refresh the catalogs, then translate the new ja entries.
messages: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k lazy_ngettext:1,2 --ignore-dirs=".*" --no-location --sort-output -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete
