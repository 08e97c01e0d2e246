# The two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install migrate demo check lint bench fuzz clean
NODE_STAMP := node_modules/.installed-stamp

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e '.[testing,browser]'
	touch $(STAMP)

install: $(STAMP)

# The OpenID provider the unified-login tests run (tests/oidc/provider.mjs): oidc-provider, as package-lock.json pins it.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

check: install
	$(BIN)/jianxi check

migrate: install
	mkdir -p var
	$(BIN)/alembic -x ini=development.ini upgrade head

demo: migrate
	$(BIN)/jianxi-initdb development.ini

# The web process and, beside it, one notice worker (docs/operations.md): stopped when pserve exits.
run: check demo
	$(BIN)/jianxi worker --ini development.ini & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/pserve development.ini; status=$$?; \
	kill $$worker 2>/dev/null; wait $$worker; exit $$status

# The import contracts of setup.cfg (engine never imports the web layer, no cycle, its layer order).
lint: install
	$(BIN)/lint-imports

test: check lint $(NODE_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

# The API fuzz test of `make test` with every phase at length: more examples per operation and more call
# sequences (FUZZ_EXAMPLES=1000 FUZZ_STEPS=500 for a night run). Counts: tests/artifacts/fuzz-counts.json.
FUZZ_EXAMPLES ?= 300
FUZZ_STEPS ?= 100
fuzz: install
	JIANXI_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) JIANXI_FUZZ_STEPS=$(FUZZ_STEPS) $(BIN)/python -m pytest tests/webapp/test_api_fuzz.py $(PYTEST_ARGS)

clean:
	rm -rf var .pytest_cache tests/artifacts node_modules
