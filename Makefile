# One entry point for developers and CI. Every target builds its own virtual environments.
SHELL := /bin/bash
export PYENV_VERSION ?= 3.13.0
PYTHON ?= python3.13
VENV := .venv
BIN := $(VENV)/bin
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
# checkov in its own environment: its pinned dependencies must not meet the project's.
CHECKOV_VENV := .venv-checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov
# sam build needs python3.13 on PATH: the project's virtual environment provides it.
SAM_ENV := PATH="$(CURDIR)/$(BIN):$$PATH" SAM_CLI_TELEMETRY=0
FUNCTION ?= IngestFunction
EVENT ?= events/webhook_github_push.json
# Where `make deploy` puts the stack: samconfig.toml's stack name and region unless given
# (make deploy STACK_NAME=hooks-test REGION=eu-west-1 PARAMETERS='AlarmEmail=ops@example.com').
samconfig = $(shell PYENV_VERSION=$(PYENV_VERSION) $(PYTHON) -c 'import sys, tomllib; print(tomllib.load(open("samconfig.toml", "rb"))["default"][sys.argv[1]]["parameters"][sys.argv[2]])' $(1) $(2))
STACK_NAME ?= $(call samconfig,global,stack_name)
REGION ?= $(call samconfig,deploy,region)
PARAMETERS ?=
# sam deploy shows the change set and waits for a yes; CONFIRM=false deploys without asking,
# and an unchanged stack is then no error. It is the default wherever CI is set, as CI
# services set it.
CONFIRM ?= $(if $(CI),false,true)
DEPLOY_OPTIONS = --stack-name $(STACK_NAME) --region $(REGION) \
	$(if $(PARAMETERS),--parameter-overrides $(PARAMETERS)) \
	$(if $(filter false,$(CONFIRM)),--no-confirm-changeset --no-fail-on-empty-changeset)

.PHONY: serve test unit integration e2e lint format validate scan build deploy invoke bench openapi clean \
	lambda-image sam-invoke sam-api sam-local-test

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(SAM_VENV)/.installed:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli==1.170.0
	touch $@

$(CHECKOV_VENV)/.installed:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/pip install --quiet checkov==3.3.30
	touch $@

serve: $(BIN)/.installed ## run the local stack in the foreground (PORT, WEBHOOKS_CONFIG, WEBHOOKS_ADMIN_TOKEN)
	$(BIN)/python -m webhooks_local serve

invoke: $(BIN)/.installed ## run one handler on an event file, without Docker
	$(BIN)/python -m webhooks_local invoke $(FUNCTION) $(EVENT)

# SAM's own commands in a local Lambda image (lambda-image/), against the local stack's moto.
lambda-image: $(BIN)/.installed $(SAM_VENV)/.installed ## build the Lambda emulation image, or reuse it
	$(BIN)/python -m webhooks_sam image

sam-invoke: $(BIN)/.installed $(SAM_VENV)/.installed ## sam local invoke FUNCTION on EVENT, in Docker
	$(BIN)/python -m webhooks_sam invoke $(FUNCTION) $(EVENT)

sam-api: $(BIN)/.installed $(SAM_VENV)/.installed ## sam local start-api in front of the local stack
	$(BIN)/python -m webhooks_sam start-api

sam-local-test: $(BIN)/.installed $(SAM_VENV)/.installed ## the SAM round trip; fails where Docker is missing
	SAM_LOCAL_TESTS=require $(BIN)/pytest -q tests/sam

test: lint validate scan build ## everything CI checks: lint, template, scan, build, all tests
	$(BIN)/pytest -q -n 2 --dist loadfile

unit: $(BIN)/.installed
	$(BIN)/pytest -q tests/unit

integration: $(BIN)/.installed
	$(BIN)/pytest -q tests/integration

e2e: $(BIN)/.installed
	$(BIN)/pytest -q tests/e2e

lint: $(BIN)/.installed
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy layers/engine src local cli sam tests/fakes.py

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

validate: $(SAM_VENV)/.installed
	$(SAM_ENV) $(SAM) validate --lint

# A check that does not apply is skipped with its reason in the resource's Metadata. Five pass
# only because checkov takes a property set through Fn::If as set, whatever the condition:
# CKV_AWS_115 (reserved concurrency), CKV_AWS_117 (VPC), CKV_AWS_119 and CKV_AWS_158 (a
# customer managed key for the tables and log groups), CKV_AWS_26 (an encrypted topic). The
# default parameters give none of them (CONTRIBUTING.md, "Gates").
scan: $(CHECKOV_VENV)/.installed ## checkov on template.yaml: fails on any check neither passed nor skipped with a reason
	$(CHECKOV) --file template.yaml --framework cloudformation --compact --quiet --skip-download

build: $(BIN)/.installed $(SAM_VENV)/.installed
	$(SAM_ENV) $(SAM) build

deploy: build ## sam deploy (STACK_NAME, REGION, PARAMETERS, CONFIRM), then the stack as deployed
	$(SAM_ENV) $(SAM) deploy $(DEPLOY_OPTIONS)
	$(BIN)/webhooks --stack-name $(STACK_NAME) --region $(REGION) stack

openapi: $(BIN)/.installed ## regenerate docs/openapi.json from the admin routes
	POWERTOOLS_TRACE_DISABLED=true $(BIN)/python -m admin > docs/openapi.json

bench: $(BIN)/.installed
	$(BIN)/python -m webhooks_local bench

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache .local
