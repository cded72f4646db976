# DiveLab: `make run` serves the lab on http://$(DIVELAB_HOST):$(DIVELAB_PORT); `make test` checks it.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install run migrate test lint format system-deps bench lock frontend types

# requirements.lock pins every package; torch is pinned to 2.13.0, the CPU build on this kind
# of machine (a looser torch requirement would pull several GB of CUDA wheels).
$(INSTALLED): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

install: $(INSTALLED)

migrate: install
	$(BIN)/divelab migrate

# The web UI (frontend/, TypeScript + Vite) built into frontend/dist/, which `divelab serve`
# serves at /. `npm ci` runs when the lock file changed, the build when a source changed.
FRONTEND_MODULES := frontend/node_modules/.package-lock.json
FRONTEND_BUILD := frontend/dist/index.html
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/tsconfig.json

$(FRONTEND_MODULES): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

$(FRONTEND_BUILD): $(FRONTEND_MODULES) $(FRONTEND_SOURCES)
	cd frontend && npm run build

frontend: $(FRONTEND_BUILD)

# The UI's TypeScript types of the API, generated from its OpenAPI document; a test fails
# when the committed file and the server drift apart.
types: install $(FRONTEND_MODULES)
	$(BIN)/python -m backend.openapi frontend/openapi.json
	cd frontend && npx --no-install openapi-typescript openapi.json -o src/api/schema.d.ts
	rm frontend/openapi.json

run: install frontend
	$(BIN)/divelab serve

# Debian packages the tests drive: chromium (browser tests) and docker-compose (validates
# docker-compose.yml). Installed only when missing; needs root, as on the dev and CI machines.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v docker-compose >/dev/null || missing="$$missing docker-compose"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install system-deps lint frontend
	cd frontend && npm test
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/snapshots.py

lock:
	$(BIN)/pip freeze --exclude-editable | sed 's/^torch==\(.*\)+cpu$$/torch==\1/' > requirements.lock
