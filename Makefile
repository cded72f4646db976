# DiveLab: `make run` serves the lab on http://$(DIVELAB_HOST):$(DIVELAB_PORT); `make test` checks it.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install run migrate test lint format system-deps bench lock

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

run: install migrate
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

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install system-deps lint
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/latency.py

lock:
	$(BIN)/pip freeze --exclude-editable | sed 's/^torch==\(.*\)+cpu$$/torch==\1/' > requirements.lock
