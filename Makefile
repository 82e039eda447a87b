# The two set-up commands: `make run` and `make test`. Both install what they need.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)
UV := $(HOME)/.local/bin/uv
# uv's own download cache is shared by every checkout; the Kafka jars go to ~/.cache/cpaas
export UV_LINK_MODE ?= copy

.PHONY: setup web web-deps browser run infra test test-web test-infra lint fmt bench chaos schemas clean

$(UV):
	@command -v uv >/dev/null 2>&1 && ln -sf "$$(command -v uv)" $(UV) || python3 -m pip install --user --quiet uv

.venv/.synced: $(UV) pyproject.toml uv.lock $(wildcard */pyproject.toml */*/pyproject.toml)
	$(UV) sync --locked --all-packages
	@touch $@

setup: .venv/.synced

WEB := services/console/web

$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web-deps: $(WEB)/node_modules/.installed

web: web-deps       ## the console's web app (served by the console service from $(WEB)/dist)
	cd $(WEB) && npm run build

browser:            ## Debian's Chromium for the console's browser tests (Playwright drives it; no browser download)
	@test -x /usr/bin/chromium || { export DEBIAN_FRONTEND=noninteractive; \
	  { apt-get update -qq && apt-get install -y -qq chromium; } \
	  || { sudo -E apt-get update -qq && sudo -E apt-get install -y -qq chromium; }; }

run: setup web      ## the whole platform on the local default, until Ctrl-C (REPLICAS='{"gateway": 2}' for more processes)
	$(if $(REPLICAS),CPAAS_LOCAL_REPLICAS='$(REPLICAS)') $(UV) run --no-sync python -m cpaas.local run

infra: setup        ## Kafka and PostgreSQL only
	$(UV) run --no-sync python -m cpaas.local infra

test-infra: setup   ## the servers the tests use, kept up between test runs
	$(UV) run --no-sync python -m cpaas.local test-infra

test: setup web browser test-web  ## every test (the browser journeys too), against real Kafka and PostgreSQL started for the run
	$(UV) run --no-sync pytest $(PYTEST_ARGS)

test-web: web-deps  ## the web app's unit tests (vitest)
	cd $(WEB) && npm test

lint: setup
	$(UV) run --no-sync ruff check .

fmt: setup
	$(UV) run --no-sync ruff format .

bench: setup        ## every benchmark (needs wrk from Debian for the gateway figure)
	command -v wrk >/dev/null || (apt-get install -y -qq wrk || sudo apt-get install -y -qq wrk)
	$(UV) run --no-sync python bench/infra.py
	$(UV) run --no-sync python bench/submit.py
	$(UV) run --no-sync python bench/billing.py
	$(UV) run --no-sync python bench/anomaly.py --attacks 8
	$(UV) run --no-sync python bench/reports.py

chaos: setup web   ## kill -9 every service, Kafka and PostgreSQL under load; prints lost / stuck / twice counts (stop make run first)
	$(UV) run --no-sync python bench/chaos.py $(CHAOS_ARGS)

schemas: setup      ## rewrite contracts/schemas, contracts/openapi and contracts/asyncapi from the code
	$(UV) run --no-sync python -m cpaas.contracts.schemas
	$(UV) run --no-sync python scripts/api_docs.py

clean:
	rm -rf .data
