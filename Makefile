# Two entry points: `make demo` (the main job) and `make test`. Both set everything up first,
# idempotently: a .venv from pyproject.toml + requirements.lock, and node_modules from package-lock.json.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.tracelab-installed
NODE_STAMP := node_modules/.tracelab-installed

.PHONY: setup demo test bench clean lock

setup: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c requirements.lock -e '.[test]'
	touch $@

# Without Node.js the lab still runs on the pure-Python EVM backend with committed contract artifacts.
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: anvil and solc-js are skipped (pure-Python EVM backend only)"; fi

demo: setup
	$(BIN)/tracelab demo --out demo-output

test: setup
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

bench: setup
	$(BIN)/tracelab bench chain
	$(BIN)/tracelab bench utxo
	$(BIN)/tracelab bench scenario
	$(BIN)/tracelab bench tracer

# Re-pin every transitive Python dependency after a change to pyproject.toml.
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/pip install -q --disable-pip-version-check '.[test]'
	.lockvenv/bin/pip freeze --exclude tracelab > requirements.lock
	rm -rf .lockvenv

clean:
	rm -rf $(VENV) node_modules demo-output
