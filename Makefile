# pmovalue: a bare `make` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= site
PORT   ?= 8000

.DEFAULT_GOAL := help
.PHONY: help report test serve lint sample-data metric-docs bench kernel clean browser postgres

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' \
	  -v port='$(PORT)' -v out='$(OUT)' '{gsub(/\$$\(PORT\)/, port, $$2); \
	  gsub(/\$$\(OUT\)/, out, $$2); printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.test-installed: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

kernel: $(VENV)/.installed ## register the `pmovalue` Jupyter kernel in the virtual environment
	@$(BIN)/python -m ipykernel install --sys-prefix --name pmovalue --display-name "Python (pmovalue)" >/dev/null
	@echo "kernel 'pmovalue' registered in $(VENV)"

# An editable install leaves the package as source: compile it, as pip does for a normal install
# (under PYTHONDONTWRITEBYTECODE every process would compile it again). Quick when up to date.
BYTECODE := $(BIN)/python -m compileall -q src

report: kernel ## create .venv, install, build the sample site and say where it is
	@$(BYTECODE)
	$(BIN)/pmovalue build --data data/sample --out $(OUT)
	@echo ""
	@echo "The sample site is in $(OUT)/: open $(OUT)/index.html in a browser (works offline),"
	@echo "or run 'make serve' and browse http://127.0.0.1:$(PORT)/ (search needs HTTP)."

browser: ## install Debian's Chromium, its headless shell (the board pack's) and poppler-utils (pdftoppm) for the browser and board-pack tests (root or sudo)
	@missing=""; \
	  command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	  command -v chromium-headless-shell >/dev/null 2>&1 || missing="$$missing chromium-headless-shell"; \
	  command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	  if [ -n "$$missing" ]; then \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	  fi
	@chromium --version 2>/dev/null | head -n 1
	@chromium-headless-shell --version 2>/dev/null | head -n 1
	@pdftoppm -v 2>&1 | head -n 1

postgres: ## install Debian's PostgreSQL for the database tests and the bench (root or sudo)
	@ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; }
	@ls -d /usr/lib/postgresql/*/bin/postgres | tail -n 1

test: $(VENV)/.test-installed kernel browser postgres ## install test dependencies and run the whole suite
	$(BIN)/python -m ruff check src tests scripts
	$(BIN)/python -m pytest -q

serve: ## preview the published site ($(OUT)/) at http://127.0.0.1:$(PORT)/
	$(BIN)/pmovalue serve --out $(OUT) --port $(PORT)

lint: $(VENV)/.test-installed ## ruff lint and format check
	$(BIN)/python -m ruff check src tests scripts
	$(BIN)/python -m ruff format --check src tests scripts

sample-data: $(VENV)/.installed ## regenerate data/sample from its fixed seed
	$(BIN)/python scripts/make_sample_data.py data/sample

metric-docs: $(VENV)/.installed ## rewrite the metric reference of docs/metrics.md from the catalogue
	$(BIN)/python scripts/metric_docs.py

bench: $(VENV)/.test-installed postgres ## benchmark builds against the naive papermill loop (JSON)
	@$(BYTECODE)
	$(BIN)/python scripts/bench.py

clean: ## remove the site, caches and build folders (keeps .venv)
	rm -rf $(OUT) .pmovalue build .pytest_cache .ruff_cache
