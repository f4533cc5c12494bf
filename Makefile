# The two commands of the README: `make run` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3
export FLASK_APP := wsgi

.PHONY: install run test bench check clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) -m flask db upgrade
	$(PY) -m flask demo seed
	$(PY) -m flask serve

test: install
	$(PY) -m pytest

bench: install
	$(PY) -m bench

check: install
	$(PY) -m flask db check

clean:
	rm -rf $(VENV) instance .pytest_cache
