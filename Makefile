# The few commands a person types. `make run` and `make test` set everything up themselves.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

CHROMIUM := /usr/bin/chromium

.PHONY: run test mutation lint format install chromium nginx axe clean

# `make run PORT=8001` where something else already uses port 8000.
PORT ?= 8000

run: install
	$(BIN)/python manage.py serve --port $(PORT)

test: install chromium nginx axe
	$(BIN)/python -m pytest

# Mutation testing of the modules that decide what users see and may do, and of those that take
# in the world ([tool.mutmut] in pyproject.toml): each mutant is a small bug that some test must
# catch. It runs the tests once per mutant, some hours on two cores, so it is not part of
# `make test`; `make mutation MUTANTS='articles.fetch*'` runs one module's mutants.
MUTANTS ?=

mutation: install
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2 $(MUTANTS)
	$(BIN)/python tests/mutation/score.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

install: $(VENV)/.installed

# Reinstall whenever the declared dependencies change. pip >= 25.1 reads dependency groups.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet --editable . --group dev
	touch $@

# Browser tests drive Debian's Chromium through Playwright (never `playwright install`). Install
# it where we can: as root with apt-get. Elsewhere those tests skip and say why, except under
# CI=true, where they fail instead.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	      >/dev/null) || echo "Could not install chromium: browser tests will not run."; \
	  else \
	    echo "No $(CHROMIUM), and no root apt-get to install it: browser tests will not run."; \
	  fi; \
	fi

# The slow-client tests run deploy/nginx.conf with Debian's nginx, as production runs it in front
# of gunicorn. Installed like chromium: as root with apt-get; elsewhere those tests skip and say
# why, except under CI=true. (On a machine with an init system, the package also starts its own
# service on port 80; the tests never use it.)
NGINX := /usr/sbin/nginx

nginx:
	@if [ ! -x $(NGINX) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's nginx for the slow-client tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx \
	      >/dev/null) || echo "Could not install nginx: its slow-client test will not run."; \
	  else \
	    echo "No $(NGINX), and no root apt-get to install it: its slow-client test will not run."; \
	  fi; \
	fi

# axe-core, which the accessibility tests inject into each page, and citeproc-js, which the
# citation tests render the exports with, from the npm registry at the versions
# package-lock.json pins (reinstalled when it changes). Without npm those tests skip and say why,
# except under CI=true, where they fail instead.
AXE := node_modules/axe-core/axe.min.js

axe: $(AXE)

$(AXE): package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --no-audit --no-fund --loglevel=error \
	    || echo "Could not install axe-core and citeproc-js: the accessibility and citation tests will not run."; \
	else \
	  echo "No npm to install axe-core and citeproc-js: the accessibility and citation tests will not run."; \
	fi

clean:
	rm -rf $(VENV) build *.egg-info node_modules
