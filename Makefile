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

.PHONY: console serve test unit integration e2e lint format validate scan build deploy invoke bench openapi policies clean \
	lambda-image sam-invoke sam-api sam-local-test lock lock-check help check complexity permissions smoke \
	wasm-toolchain wasm-python wasm-bench
.DEFAULT_GOAL := help

help: ## this list
	@grep -hE '^[a-z][a-z0-9-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z0-9-]+):.*## /\1\t/' | expand -t 16

check: lint lock-check unit ## the fast loop before a commit: lint, the lock, unit tests (under a minute)

# The venv holds exactly what requirements-dev.txt lists, hashes checked; that file and the
# layer's requirements are generated from uv.lock (make lock), which pyproject.toml's pins fix.
$(BIN)/.installed: pyproject.toml requirements-dev.txt
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(SAM_VENV)/.installed: tools/sam.txt
	$(PYTHON) -m venv --clear $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --require-hashes --no-deps -r tools/sam.txt
	touch $@

$(CHECKOV_VENV)/.installed: tools/checkov.txt
	$(PYTHON) -m venv --clear $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --require-hashes --no-deps -r tools/checkov.txt
	touch $@

# The console (console/, TypeScript): built with npm into src/admin/console/, which the admin
# function serves under /console/ and sam build packages with it. Without npm it is skipped,
# saying so, and /console/ answers 404 (docs/guide/console.md).
CONSOLE_OUT := src/admin/console/index.html
CONSOLE_SOURCES := $(shell find console/src console/public console/scripts -type f 2>/dev/null) \
	console/index.html console/package.json console/tsconfig.json console/vite.config.ts docs/openapi.json
HAS_NPM := $(shell command -v npm 2>/dev/null)

console: $(if $(HAS_NPM),$(CONSOLE_OUT)) ## build the console (npm ci, types checked, vite, precompressed); skipped without npm
	$(if $(HAS_NPM),,@echo "npm not found: the console is not built; /console/ answers 404 saying so")

console/node_modules/.installed: console/package-lock.json
	cd console && npm ci --no-audit --no-fund
	touch $@

$(CONSOLE_OUT): console/node_modules/.installed $(CONSOLE_SOURCES)
	cd console && npm run build

# The local stack's roles are the template's as SAM's translator makes it, in the SAM CLI's venv.
serve: $(BIN)/.installed $(SAM_VENV)/.installed console ## run the local stack in the foreground (PORT, WEBHOOKS_CONFIG, WEBHOOKS_ADMIN_TOKEN)
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

# Every local stack a test starts writes its roles' grants and moto's decisions to CALL_LOG;
# `make permissions` reports the grants no call used (docs/security.md, "Permissions proven").
CALL_LOG := build/permissions/runs
PERMISSIONS_REPORT := build/permissions/report.txt
GRANT_REASONS := tests/e2e/unused_grants.yaml
LOGGED := rm -rf $(CALL_LOG) && WEBHOOKS_CALL_LOG=$(CURDIR)/$(CALL_LOG)

test: lint lock-check validate scan build ## everything CI checks: lint, lock, template, scan, build, all tests, permissions
	$(LOGGED) $(BIN)/pytest -q -n 2 --dist loadfile
	$(MAKE) --no-print-directory permissions

unit: $(BIN)/.installed ## the unit tier: no moto, no process, no network (about 20 s)
	$(BIN)/pytest -q tests/unit

integration: $(BIN)/.installed $(SAM_VENV)/.installed ## handlers on moto, script processes, the local stack's parts
	$(BIN)/pytest -q tests/integration

e2e: $(BIN)/.installed $(SAM_VENV)/.installed ## the local stack over HTTP, and the CLI against it; then permissions
	$(LOGGED) $(BIN)/pytest -q tests/e2e
	$(MAKE) --no-print-directory permissions

permissions: $(BIN)/.installed ## the grants no call of the last e2e or test run used: each needs a reason
	$(BIN)/python -m webhooks_testbed.permissions $(CALL_LOG) $(GRANT_REASONS) $(PERMISSIONS_REPORT)

lint: $(BIN)/.installed complexity ## ruff format and lint, mypy strict, complexity
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

# Tests are left out: radon counts each assert as a branch.
complexity: $(BIN)/.installed ## radon grade B at most for every function (xenon), with ruff's mccabe 8
	$(BIN)/xenon --max-absolute B --max-modules B --max-average A layers src local testbed bench sam cli

format: $(BIN)/.installed ## ruff format and the fixes ruff can make
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

validate: $(SAM_VENV)/.installed ## sam validate --lint on template.yaml
	$(SAM_ENV) $(SAM) validate --lint

# A check that does not apply is skipped with its reason in the resource's Metadata. Five pass
# only because checkov takes a property set through Fn::If as set, whatever the condition:
# CKV_AWS_115 (reserved concurrency), CKV_AWS_117 (VPC), CKV_AWS_119 and CKV_AWS_158 (a
# customer managed key for the tables and log groups), CKV_AWS_26 (an encrypted topic). The
# default parameters give none of them (CONTRIBUTING.md, "Gates").
scan: $(CHECKOV_VENV)/.installed ## checkov on template.yaml: fails on any check neither passed nor skipped with a reason
	$(CHECKOV) --file template.yaml --framework cloudformation --compact --quiet --skip-download

build: $(BIN)/.installed $(SAM_VENV)/.installed console ## sam build: the functions (the admin one with the console) and the engine layer
	$(SAM_ENV) $(SAM) build

deploy: build ## what it creates and the parameters that matter, sam deploy (STACK_NAME, REGION, PARAMETERS, CONFIRM), then the stack
	@echo "Deploying stack $(STACK_NAME) to $(REGION)."
	@$(BIN)/python -m webhooks_sam plan "$(PARAMETERS)"
	$(SAM_ENV) $(SAM) deploy $(DEPLOY_OPTIONS)
	$(BIN)/webhooks --stack-name $(STACK_NAME) --region $(REGION) stack

# Against a deployed stack (STACK_NAME, REGION: SigV4 with your AWS credentials) or a local one
# (URL, and TOKEN: the admin token make serve printed).
URL ?=
TOKEN ?=
smoke: $(BIN)/.installed ## one webhook of each mode through a running stack: STACK_NAME and REGION, or URL and TOKEN
	@$(if $(TOKEN),WEBHOOKS_ADMIN_TOKEN=$(TOKEN)) $(BIN)/webhooks \
		$(if $(URL),--url $(URL),--stack-name $(STACK_NAME) --region $(REGION)) smoke # not echoed: the token

openapi: $(BIN)/.installed ## regenerate docs/openapi.json from the admin routes
	POWERTOOLS_TRACE_DISABLED=true $(BIN)/python -m admin > docs/openapi.json

policies: $(BIN)/.installed ## regenerate template.yaml's IAM policy per role from the admin route table
	POWERTOOLS_TRACE_DISABLED=true $(BIN)/python -m admin.policies template.yaml

bench: $(BIN)/.installed ## figures: costs, cold starts, sandbox, the local stack under load
	$(BIN)/python -m webhooks_bench

# Scripts in CPython-in-WebAssembly, a measured spike (wasm/README.md, docs/decisions.md).
WASM_BUILD := build/wasm

wasm-toolchain: ## (as root) Debian's clang/lld 19, wasm32 compiler-rt, wasi-libc, python3.13's sources
	bash wasm/toolchain.sh

wasm-python: $(BIN)/.installed ## CPython 3.13 for wasm32-wasip1, pre-initialised, precompiled
	nice -n 10 bash wasm/build-python.sh $(WASM_BUILD)
	$(BIN)/python wasm/stage_app.py $(WASM_BUILD)
	nice -n 10 $(BIN)/python wasm/precompile.py $(WASM_BUILD)
	nice -n 10 bash wasm/snapshot/build-reactor.sh $(WASM_BUILD)
	nice -n 10 $(BIN)/python wasm/snapshot/snapshot.py $(WASM_BUILD)
	nice -n 10 $(BIN)/python wasm/precompile.py $(WASM_BUILD) snapshot

wasm-bench: $(BIN)/.installed ## the wasm walls next to the process wall (after make wasm-python)
	$(BIN)/python wasm/bench.py $(WASM_BUILD)
	$(BIN)/python wasm/attacks.py $(WASM_BUILD)

clean: ## remove build output and caches (not the venvs)
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache .local build

# The lock: uv.lock from pyproject.toml's pins, and the requirements generated from it (each
# rewritten only when it changes, so that the venv is rebuilt only then); the tools' venvs from
# tools/*.in, compiled with hashes (keeping the versions they hold unless a pin moved).
TOOLS = sam checkov
EXPORT = $(BIN)/uv export --quiet --frozen --no-emit-project --no-header --format requirements-txt
GENERATED = \# Generated from uv.lock by make lock: do not edit.
LAYER_REQUIREMENTS = layers/engine/requirements.txt
define exported
{ echo '$(GENERATED)'; $(EXPORT) $(1); }
endef

lock: $(BIN)/.installed ## after editing pyproject.toml's pins: lock, then regenerate the requirements
	$(BIN)/uv lock
	$(call exported,--no-dev) > $(LAYER_REQUIREMENTS).new
	$(call exported,--extra dev) > requirements-dev.txt.new
	for file in $(LAYER_REQUIREMENTS) requirements-dev.txt; do \
		cmp -s $$file.new $$file && rm $$file.new || mv $$file.new $$file; done
	for tool in $(TOOLS); do $(BIN)/uv pip compile --quiet --universal --python-version 3.13 \
		--generate-hashes tools/$$tool.in -o tools/$$tool.txt; done

lock-check: $(BIN)/.installed ## fails when pyproject.toml, uv.lock and the requirements disagree
	$(BIN)/uv lock --check --quiet
	$(call exported,--no-dev) | diff -u $(LAYER_REQUIREMENTS) -
	$(call exported,--extra dev) | diff -u requirements-dev.txt -
	for tool in $(TOOLS); do pin=$$(grep -v '^#' tools/$$tool.in); \
		grep -qxF "$$pin \\" tools/$$tool.txt || { echo "tools/$$tool.txt lacks $$pin: make lock"; exit 1; }; done
