# Two commands on a fresh machine (Python 3.11, pip, Node 20, npm):
#   make synth   set up, validate federation.yaml and write cdktf.out/ with a summary
#   make test    set up, lint, and run the whole test suite (what CI runs)
#   make preflight  what a first deploy still needs; make deploy  preflight, synth, cdktf deploy
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHECKOV_VENV := .venv-checkov
FLOWER_VENV := .venv-flower
PIP_FLAGS := --quiet --disable-pip-version-check --no-input

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CHECKPOINT_DISABLE := 1
export PIP_NO_INPUT := 1

.PHONY: setup synth validate preflight deploy test lint format snapshot-update bench clean docs

setup: $(VENV)/.installed $(CHECKOV_VENV)/.installed $(FLOWER_VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_FLAGS) -r requirements-dev.txt
	touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install $(PIP_FLAGS) -r requirements-checkov.txt
	touch $@

# Real Flower (the version the workload images pin) for the federation test, kept apart from the
# synth environment so its pins never clash with cdktf's.
$(FLOWER_VENV)/.installed: requirements-flower.txt
	$(PYTHON) -m venv $(FLOWER_VENV)
	$(FLOWER_VENV)/bin/pip install $(PIP_FLAGS) -r requirements-flower.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: $(VENV)/.installed
	$(BIN)/python main.py synth

validate: $(VENV)/.installed
	$(BIN)/python main.py validate

preflight: $(VENV)/.installed
	$(BIN)/python main.py preflight

# One shared provider plugin cache and one lock file for every stack (see scripts/deploy.sh);
# extra cdktf options through ARGS, e.g. make deploy ARGS=--auto-approve.
deploy: $(VENV)/.installed node_modules/.installed
	PYTHON=$(BIN)/python scripts/deploy.sh $(ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: setup lint
	$(BIN)/pytest

snapshot-update: $(VENV)/.installed
	$(BIN)/pytest tests/test_snapshots.py --snapshot-update

# Medians of 3 fresh processes each: cold / unchanged / changed-spec synth (the synth cache), then
# validate / lazy / eager provider import; extra options through ARGS, e.g. ARGS=--skip-imports.
bench: $(VENV)/.installed
	$(BIN)/python bench/synth_bench.py $(ARGS)

clean:
	rm -rf cdktf.out .cdktf.out.* .synth-key-cdktf.out.json .pytest_cache .ruff_cache

docs: $(VENV)/.installed
	$(BIN)/python main.py spec-reference --write README.md
	$(BIN)/python main.py graph --write README.md
