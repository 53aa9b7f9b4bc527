"""Indexes built with lazy sentence vectors: passages only at build time, each sentence vector
embedded when a question first reads it; the answers are those of a fully built index."""

from __future__ import annotations

import numpy as np

from qa import answer
from qa.index.build import build_index
from qa.index.load import load_index

QUESTIONS = ["Which company made the Kling video generator?", "Who co-founded 01.AI?",
             "What is a good recipe for banana bread?"]


class CountingEmbedder:
    """The fake embedder, counting the texts it embeds."""

    def __init__(self, inner):
        self.inner, self.name, self.dim, self.texts = inner, inner.name, inner.dim, 0

    def encode(self, texts, progress=None):
        self.texts += len(texts)
        return self.inner.encode(texts, progress) if progress else self.inner.encode(texts)

    def token_vectors(self, texts):
        return self.inner.token_vectors(texts)  # the reader's alignment: not an embedding of the index


def test_a_lazy_index_embeds_passages_only_and_answers_like_a_built_one(tmp_path, corpus_copy, hash_embedder):
    full = build_index(corpus_copy, tmp_path / "full", embedder=hash_embedder)
    lazy = build_index(corpus_copy, tmp_path / "lazy", embedder=hash_embedder, sentence_vectors="lazy")
    assert (lazy.embedded_passages, lazy.embedded_sentences) == (full.chunks, 0)
    assert full.embedded_sentences == full.sentences
    counting = CountingEmbedder(hash_embedder)
    for q in QUESTIONS:
        a = answer(q, index_dir=tmp_path / "full", embedder=hash_embedder)
        b = answer(q, index_dir=tmp_path / "lazy", embedder=counting)
        assert (a.text, a.abstained, a.citations) == (b.text, b.abstained, b.citations)
    read = counting.texts
    assert 0 < read - len(QUESTIONS) < full.sentences  # only the sentences questions read
    answer(QUESTIONS[0], index_dir=tmp_path / "lazy", embedder=counting)
    assert counting.texts == read + 1  # the question again: its sentences are kept


def test_lazy_rows_equal_the_built_rows_and_the_mode_sticks(tmp_path, corpus_copy, hash_embedder):
    build_index(corpus_copy, tmp_path / "lazy", embedder=hash_embedder, sentence_vectors="lazy")
    build_index(corpus_copy, tmp_path / "full", embedder=hash_embedder)
    lazy, full = load_index(tmp_path / "lazy"), load_index(tmp_path / "full")
    lazy.sentence_vectors.bind(hash_embedder)
    rows = np.array([0, 5, 3, 5])
    assert np.array_equal(lazy.sentence_vectors[rows], np.asarray(full.sentence_vectors[rows]))
    assert np.array_equal(lazy.sentence_vectors[7], np.asarray(full.sentence_vectors[7]))
    # A later build without the option keeps the mode; asking for "build" embeds everything again.
    again = build_index(corpus_copy, tmp_path / "lazy", embedder=hash_embedder)
    assert again.status == "up to date"
    switched = build_index(corpus_copy, tmp_path / "lazy", embedder=hash_embedder, sentence_vectors="build")
    assert switched.status == "built" and switched.embedded_sentences == switched.sentences


def test_a_lazy_index_is_updated_incrementally(tmp_path, hash_embedder):
    from conftest import make_corpus

    corpus = make_corpus(tmp_path / "c", {"a.txt": "The river froze in the winter of 1901.",
                                          "b.txt": "The bridge was rebuilt in stone in 1923."})
    build_index(corpus, tmp_path / "i", embedder=hash_embedder, sentence_vectors="lazy")
    (corpus / "c.txt").write_text("The mill burned down in 1911 and was never rebuilt.", encoding="utf-8")
    report = build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    assert (report.status, report.embedded_passages, report.embedded_sentences) == ("updated", 1, 0)
    result = answer("When did the mill burn down?", index_dir=tmp_path / "i", embedder=hash_embedder)
    assert "1911" in result.text
