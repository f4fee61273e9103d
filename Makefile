# Two entry points: `make demo` (the main job) and `make test`. Both set everything up first,
# idempotently: a .venv from pyproject.toml + requirements.lock, and node_modules from package-lock.json.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.tracelab-installed
NODE_STAMP := node_modules/.tracelab-installed

.PHONY: setup demo test bench clean lock browser

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

# The browser test drives Debian's chromium (never a browser download). Pinned to the bookworm
# release's build; if Debian no longer serves that version, the newest it serves is installed, with a warning.
CHROMIUM_VERSION ?= 150.0.7871.100-1~deb12u1
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser:
	@have="$$(dpkg-query -W -f='$${Version}' chromium 2>/dev/null)"; \
	if [ -x /usr/bin/chromium ] && [ -n "$$have" ]; then \
	  [ "$$have" = "$(CHROMIUM_VERSION)" ] || echo "note: chromium $$have installed (pinned: $(CHROMIUM_VERSION))"; \
	elif ! command -v apt-get >/dev/null 2>&1; then echo "apt-get not found: install chromium yourself for the browser test"; \
	else $(SUDO) apt-get update -qq && \
	  if apt-cache madison chromium | grep -qF "$(CHROMIUM_VERSION)"; then \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
	      chromium=$(CHROMIUM_VERSION) chromium-common=$(CHROMIUM_VERSION) >/dev/null; \
	  else echo "warning: Debian no longer serves chromium $(CHROMIUM_VERSION); installing its current one"; \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null; fi; fi

demo: setup
	$(BIN)/tracelab demo --out demo-output

# ruff first: a lint finding fails in seconds, before the suite's minutes (configured in pyproject.toml)
test: setup browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

bench: setup
	$(BIN)/tracelab bench chain
	$(BIN)/tracelab bench utxo
	$(BIN)/tracelab bench scenario
	$(BIN)/tracelab bench tracer
	$(BIN)/tracelab bench grade
	$(BIN)/tracelab bench heuristics

# Re-pin every transitive Python dependency after a change to pyproject.toml.
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/pip install -q --disable-pip-version-check '.[test]'
	.lockvenv/bin/pip freeze --exclude tracelab > requirements.lock
	rm -rf .lockvenv

clean:
	rm -rf $(VENV) node_modules demo-output
