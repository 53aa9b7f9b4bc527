"""Checksums of an index's files: a same-size edit of what answers quote from is refused on load,
damage anywhere is found by `qa status --verify`, and a manifest without checksums is refused;
each with the command that fixes it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import make_corpus

from qa.answer import answer
from qa.app.cli import main
from qa.embed import HashEmbedder
from qa.errors import IndexChecksumError, IndexUnverifiableError
from qa.index.build import build_index
from qa.index.cache import clear_cache, get_index
from qa.index.integrity import verify_index
from qa.index.load import load_index

QUESTION = "What does Alpha Corp make?"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("integrity")
    corpus = make_corpus(base / "corpus", {
        "a.txt": "Alpha Corp makes red widgets. Kai-Fu Lee founded it in Paris.\nThe widgets cost ten euros.",
        "b.txt": "Beta Ltd builds blue boats. Boats float on water.",
    })
    build_index(corpus, base / "index", embedder=HashEmbedder())
    return corpus, base / "index"


@pytest.fixture()
def index(built, tmp_path):
    """A copy of the built index whose manifest still points at the corpus."""
    corpus, source = built
    dest = tmp_path / "index"
    shutil.copytree(source, dest)
    manifest = json.loads((dest / "manifest.json").read_text())
    manifest["corpus_dir"] = str(corpus)
    (dest / "manifest.json").write_text(json.dumps(manifest))
    clear_cache()
    yield dest
    clear_cache()


def flip_bytes(path: Path, n: int = 64) -> None:
    """Invert ``n`` bytes in the middle of ``path`` (same size)."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2 - n // 2
    for i in range(max(0, middle), min(len(data), middle + n)):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def status(index_dir: Path, *args: str):
    return CliRunner().invoke(main, ["status", "--index-dir", str(index_dir), *args])


def test_a_same_length_name_swap_in_the_documents_is_refused_on_load(index, monkeypatch):
    import qa.embed

    monkeypatch.setattr(qa.embed, "default_embedder", HashEmbedder)  # for `qa ask`
    path = index / "documents.jsonl"
    text = path.read_text(encoding="utf-8")
    assert "Kai-Fu Lee" in text
    path.write_text(text.replace("Kai-Fu Lee", "Bob X. Ray"), encoding="utf-8")  # same size
    with pytest.raises(IndexChecksumError, match=r"documents\.jsonl .*changed since the index was written.*"
                                                 r"qa index CORPUS_DIR --index-dir .* --force"):
        load_index(index, "hash-bow-384")
    with pytest.raises(IndexChecksumError):
        answer("Who founded Alpha Corp?", index_dir=index, embedder=HashEmbedder())
    res = CliRunner().invoke(main, ["ask", "Who founded Alpha Corp?", "--index-dir", str(index)])
    assert res.exit_code == 1 and "checksum differs" in res.output and "Traceback" not in res.output
    # The fix the message names works: a forced build writes intact files.
    corpus = Path(json.loads((index / "manifest.json").read_text())["corpus_dir"])
    build_index(corpus, index, embedder=HashEmbedder(), force=True)
    clear_cache()
    assert any("Kai-Fu Lee" in d.text for d in load_index(index, "hash-bow-384").documents)


@pytest.mark.parametrize("name", ["sentences.npy", "chunks.npy"])
def test_an_edit_of_a_table_that_stays_in_range_is_refused_on_load(index, name):
    table = np.load(index / name)
    # Swap two rows: every offset stays valid, so only the checksum can tell.
    table[[0, 1]] = table[[1, 0]]
    np.save(index / name, table)
    with pytest.raises(IndexChecksumError, match=name):
        load_index(index, "hash-bow-384")


@pytest.mark.parametrize("name", ["index.faiss", "sentence_vectors.npy", "chunk_vectors.npy",
                                  "lexical/data.csc.index.npy", "lexical/vocab.index.json"])
def test_flipped_bytes_in_heavier_files_are_found_by_status_verify(index, name):
    load_index(index, "hash-bow-384")  # loads: these files are not hashed on every load
    flip_bytes(index / name)
    with pytest.raises(IndexChecksumError, match=name):
        verify_index(index)
    res = status(index, "--verify")
    assert res.exit_code == 1
    assert f"{name} in" in res.output and "--force" in res.output and "Traceback" not in res.output


def test_status_verify_of_an_intact_index(index):
    res = status(index, "--verify")
    assert "all intact" in res.output and "verified 12 files" in res.output


@pytest.mark.parametrize("drop", ["checksums", "files", "lexical"])
def test_a_manifest_without_checksums_is_refused_with_the_fix(index, drop):
    manifest = json.loads((index / "manifest.json").read_text())
    if drop == "lexical":  # an index written before the lexical files had checksums
        manifest["checksums"] = {k: v for k, v in manifest["checksums"].items() if not k.startswith("lexical/")}
    else:
        del manifest[drop]
    (index / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexUnverifiableError, match=r"records no checksums.*older version.*"
                                                     r"rebuild with `qa index CORPUS_DIR --index-dir"):
        load_index(index, "hash-bow-384")
    with pytest.raises(IndexUnverifiableError):
        verify_index(index)
    assert status(index).exit_code == 1
    # The fix it names (a plain `qa index`) re-uses the old files and writes the checksums.
    corpus = Path(manifest["corpus_dir"])
    report = build_index(corpus, index, embedder=HashEmbedder())
    assert report.status == "updated" and report.embedded == 0
    clear_cache()
    assert not answer(QUESTION, index_dir=index, embedder=HashEmbedder()).abstained


def test_a_build_does_not_call_an_altered_index_up_to_date(index):
    path = index / "documents.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace("Kai-Fu Lee", "Bob X. Ray"), encoding="utf-8")
    corpus = Path(json.loads((index / "manifest.json").read_text())["corpus_dir"])
    report = build_index(corpus, index, embedder=HashEmbedder())
    assert report.status != "up to date"
    load_index(index, "hash-bow-384")


def test_the_cache_checks_freshness_without_reloading(index, monkeypatch):
    import qa.index.cache as cache

    first = get_index(index, "hash-bow-384")
    monkeypatch.setattr(cache, "STALE_CHECK_SECONDS", 0.0)
    loads = []
    monkeypatch.setattr(cache, "load_index", lambda *a, **k: loads.append(a))
    assert get_index(index, "hash-bow-384") is first  # freshness checked, nothing read again
    assert not loads
