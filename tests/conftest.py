"""Shared fixtures: a fake-embedder index of the shipped corpus (fast) and the real model (slow)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Tests never touch the user's cache: derived files (the ONNX export) go to a private folder.
# A run that wants the user's warm cache can set QA_TEST_CACHE_DIR to it.
# A private folder is removed when the run ends (it holds a ~100 MB model export per run).
_PRIVATE_CACHE = None if os.environ.get("QA_TEST_CACHE_DIR") else tempfile.mkdtemp(prefix="qa-test-cache-")
os.environ["QA_CACHE_DIR"] = os.environ.get("QA_TEST_CACHE_DIR") or _PRIVATE_CACHE

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
EVAL_FILE = ROOT / "eval" / "corpus_qa.jsonl"
BLIND_EVAL_FILE = ROOT / "eval" / "corpus_qa_blind.jsonl"
HELDOUT_EVAL_FILE = ROOT / "eval" / "corpus_qa_heldout.jsonl"


def pytest_sessionfinish(session, exitstatus):
    if _PRIVATE_CACHE is not None:
        shutil.rmtree(_PRIVATE_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def hash_embedder():
    from qa.embed import HashEmbedder

    return HashEmbedder()


@pytest.fixture(scope="session")
def corpus_copy(tmp_path_factory) -> Path:
    """A private copy of the shipped corpus (tests never touch the project's own files)."""
    dest = tmp_path_factory.mktemp("corpus") / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture(scope="session")
def hash_index(tmp_path_factory, corpus_copy, hash_embedder) -> Path:
    """An index of the shipped corpus built with the fake embedder."""
    from qa.index.build import build_index

    index_dir = tmp_path_factory.mktemp("hash-index") / "index"
    build_index(corpus_copy, index_dir, embedder=hash_embedder)
    return index_dir


@pytest.fixture(scope="session")
def real_embedder():
    from qa.embed import default_embedder

    emb = default_embedder()
    emb.warm_up()
    return emb


@pytest.fixture(scope="session")
def real_index(tmp_path_factory, corpus_copy, real_embedder) -> Path:
    """An index of the shipped corpus built with the real model, in a temporary folder."""
    from qa.index.build import build_index

    index_dir = tmp_path_factory.mktemp("real-index") / "index"
    build_index(corpus_copy, index_dir, embedder=real_embedder)
    return index_dir


def make_corpus(folder: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (name -> text or bytes) into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder
