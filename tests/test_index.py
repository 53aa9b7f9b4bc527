import json

import pytest
from conftest import make_corpus

from qa.errors import (
    CorpusError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    IndexStaleError,
)
from qa.index.build import build_index, index_is_current
from qa.index.load import load_index


@pytest.fixture()
def small(tmp_path, hash_embedder):
    corpus = make_corpus(tmp_path / "corpus", {
        "a.txt": "Alpha Corp makes red widgets. It sells them in Paris.\nThe widgets cost ten euros.",
        "b.txt": "Beta Ltd builds blue boats. Boats float on water.",
    })
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, embedder=hash_embedder)
    return corpus, index_dir


def test_roundtrip_tables_align_with_documents(small, hash_embedder):
    corpus, index_dir = small
    idx = load_index(index_dir, hash_embedder.name)
    assert {d.doc_id for d in idx.documents} == {"a", "b"}
    assert idx.vector_store.count() == idx.n_chunks
    for row in range(idx.n_chunks):
        chunk = idx.chunk(row)
        doc = idx.document(chunk.doc_id)
        assert doc.text[chunk.start:chunk.end].startswith(idx.chunk_text(row)[:10])
    manifest = json.loads((index_dir / "manifest.json").read_text())
    assert manifest["model"] == {"name": hash_embedder.name, "dim": 384, "precision": "fp32"}
    assert set(manifest["sources"]) == {"a.txt", "b.txt"}
    assert manifest["settings"]["chunking"]["sentences_per_chunk"] == 4


def test_unchanged_corpus_is_not_rebuilt_and_change_is_detected(small, hash_embedder):
    corpus, index_dir = small
    report = build_index(corpus, index_dir, embedder=hash_embedder)
    assert report.status == "up to date"
    (corpus / "b.txt").write_text("Beta Ltd builds green boats now.", encoding="utf-8")
    ok, why = index_is_current(index_dir, corpus, hash_embedder.name)
    assert not ok and "changed 1" in why
    with pytest.raises(IndexStaleError, match="qa index"):
        load_index(index_dir, hash_embedder.name)
    assert build_index(corpus, index_dir, embedder=hash_embedder).status == "updated"
    load_index(index_dir, hash_embedder.name)


def test_touching_a_file_without_changing_it_is_not_stale(small, hash_embedder):
    corpus, index_dir = small
    p = corpus / "a.txt"
    p.write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    assert index_is_current(index_dir, corpus, hash_embedder.name)[0]


def test_missing_index_and_empty_corpus_raise_clear_errors(tmp_path, hash_embedder):
    with pytest.raises(IndexNotFoundError, match="qa index"):
        load_index(tmp_path / "nothing")
    empty = make_corpus(tmp_path / "empty", {"x.txt": ""})
    with pytest.raises(CorpusError, match="no indexable document"):
        build_index(empty, tmp_path / "i", embedder=hash_embedder)
    with pytest.raises(CorpusError, match="not found"):
        build_index(tmp_path / "missing", tmp_path / "i", embedder=hash_embedder)


def test_model_and_format_mismatch(small, hash_embedder):
    _, index_dir = small
    with pytest.raises(IndexMismatchError, match="built with model"):
        load_index(index_dir, "some-other-model")
    manifest = json.loads((index_dir / "manifest.json").read_text())
    manifest["format_version"] = 999
    (index_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="format 999"):
        load_index(index_dir, hash_embedder.name)


@pytest.mark.parametrize("name", ["index.faiss", "chunks.npy", "sentences.npy", "documents.jsonl",
                                  "sentence_vectors.npy"])
def test_truncated_or_missing_files_are_reported_not_crashing(small, hash_embedder, name):
    _, index_dir = small
    path = index_dir / name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexCorruptError, match="rebuild"):
        load_index(index_dir, hash_embedder.name)
    path.unlink()
    with pytest.raises(IndexCorruptError, match="missing"):
        load_index(index_dir, hash_embedder.name)


def test_garbage_manifest_is_corrupt(small):
    _, index_dir = small
    (index_dir / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorruptError):
        load_index(index_dir)


def test_rebuild_replaces_index_atomically_and_leaves_no_temporaries(small, hash_embedder):
    corpus, index_dir = small
    before = load_index(index_dir, hash_embedder.name).build_id
    build_index(corpus, index_dir, embedder=hash_embedder, force=True)
    after = load_index(index_dir, hash_embedder.name).build_id
    assert before != after
    leftovers = [p.name for p in index_dir.parent.iterdir() if p.name.startswith(".index")]
    assert leftovers == []


def test_reindexing_unchanged_input_gives_identical_tables(small, hash_embedder, tmp_path):
    corpus, index_dir = small
    other = tmp_path / "again"
    build_index(corpus, other, embedder=hash_embedder)
    for name in ("chunks.npy", "sentences.npy", "sentence_vectors.npy", "documents.jsonl"):
        assert (index_dir / name).read_bytes() == (other / name).read_bytes(), name


def test_the_index_records_the_code_that_decides_its_contents_and_no_other():
    from pathlib import Path

    from qa.index.manifest import indexing_files, pipeline_fingerprint

    names = {f"{p.parent.name}/{p.name}" for p in indexing_files()}
    ingest = {f"ingest/{p.name}" for p in (Path(__file__).resolve().parent.parent / "qa" / "ingest").glob("*.py")}
    assert ingest <= names and "lexicon/terms.py" in names  # reading, cleaning, the terms it holds
    assert "lexicon/en.py" not in names  # question-side words: changing them leaves indexes fresh
    assert pipeline_fingerprint() == pipeline_fingerprint() and len(pipeline_fingerprint()) == 16


def test_the_index_fingerprint_follows_the_stop_words_the_lexical_index_leaves_out(monkeypatch):
    # bm25s's list is a dependency's data, not a file of ours: a new version that drops or adds a
    # stop word changes every index's terms, so it must make old indexes stale.
    import qa.lexicon.terms as terms
    from qa.index.manifest import pipeline_fingerprint

    before, listed = pipeline_fingerprint(), terms.stopwords()
    monkeypatch.setattr(terms, "stopwords", lambda: listed - {"the"})
    assert pipeline_fingerprint() != before
