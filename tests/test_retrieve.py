import pytest

from qa.lexicon.terms import analyze
from qa.retrieve.fusion import convex_fusion, minmax, reciprocal_rank_fusion


def test_rrf_rewards_agreement_between_rankings():
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 2, 4]], k=60)
    ids = [i for i, _ in fused]
    assert ids[0] == 2 or ids[0] == 3
    assert set(ids) == {1, 2, 3, 4}
    score = dict(fused)
    assert score[2] == pytest.approx(1 / 62 + 1 / 62)
    assert score[4] == pytest.approx(1 / 63)


def test_minmax_and_convex_fusion():
    assert minmax([2.0, 4.0, 3.0]).tolist() == [0.0, 1.0, 0.5]
    assert minmax([5.0, 5.0]).tolist() == [1.0, 1.0]
    fused = dict(convex_fusion({1: 0.9, 2: 0.1}, {2: 10.0, 3: 5.0}, alpha=0.5))
    assert fused[1] == pytest.approx(0.5)
    assert fused[2] == pytest.approx(0.5)
    assert fused[3] == pytest.approx(0.0)


def test_analyze_stems_and_drops_stop_words():
    assert analyze("Which companies are making the videos?") == ["compani", "make", "video"]
    assert analyze("") == []


def test_an_abbreviation_with_periods_is_the_same_term_as_without():
    assert analyze("A.I. technology") == analyze("AI technology") == ["ai", "technolog"]
    assert analyze("the U.S. and the U.K.") == ["us", "uk"]
    # Not abbreviations: numbers, names with a digit, ordinary sentence ends.
    assert analyze("version 2.0 of 01.AI") == ["version", "2", "0", "01", "ai"]
    assert analyze("Mr. Qu said so. Then he left.") == ["mr", "qu", "said", "left"]


def test_dense_lexical_and_hybrid_find_the_kling_passage(hash_index, hash_embedder):
    from qa.index.cache import get_index
    from qa.retrieve.retrievers import make_retriever

    index = get_index(hash_index, hash_embedder.name)
    for mode in ("dense", "lexical", "hybrid"):
        hits = make_retriever(mode, index, hash_embedder).search("Kling video generator Kuaishou", 5)
        assert hits, mode
        assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
        assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))
        assert any("Kling" in index.chunk_text(h.chunk.chunk_id) for h in hits[:2]), mode
    with pytest.raises(ValueError):
        make_retriever("fuzzy", index, hash_embedder)


def test_a_query_word_the_corpus_uses_in_another_form_is_searched_in_that_form(hash_index, hash_embedder):
    """The shipped corpus says "American", never "America": BM25 searches the form it has."""
    from qa.index.cache import get_index
    from qa.retrieve.retrievers import LexicalRetriever

    index = get_index(hash_index, hash_embedder.name)
    assert "america" not in index.lexical.vocab_dict
    found = LexicalRetriever(index).scores("America", 5)
    assert found
    assert all("American" in index.chunk_text(r) for r in found)


def test_hybrid_fuses_by_convex_mix_by_default_and_refuses_unknown_fusions(hash_index, hash_embedder):
    from qa.config import HYBRID_FUSION
    from qa.index.cache import get_index
    from qa.retrieve.retrievers import HybridRetriever

    index = get_index(hash_index, hash_embedder.name)
    assert HYBRID_FUSION == "convex" and HybridRetriever(index, hash_embedder).fusion == "convex"
    with pytest.raises(ValueError, match="unknown fusion"):
        HybridRetriever(index, hash_embedder, fusion="max")


def test_the_lexical_index_is_the_same_bytes_whatever_the_hash_seed(tmp_path):
    """Term ids are assigned in sorted order, not in Python's (seeded) set order."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys; from pathlib import Path; from qa.index.lexical import build_lexical_index; "
            "build_lexical_index(['Cats sleep all day.', 'Dogs bark at night.', 'Owls hunt mice.', ''], "
            "Path(sys.argv[1]))")
    root = Path(__file__).resolve().parent.parent
    for seed in ("1", "2"):
        (tmp_path / seed).mkdir()
        subprocess.run([sys.executable, "-c", code, str(tmp_path / seed)], check=True, cwd=root,
                       env=dict(os.environ, PYTHONHASHSEED=seed), timeout=120)
    names = sorted(p.name for p in (tmp_path / "1").iterdir())
    assert names and names == sorted(p.name for p in (tmp_path / "2").iterdir())
    for name in names:
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name


def test_document_frequencies_count_the_passages_holding_each_term(hash_index, hash_embedder):
    """Written at build time beside the BM25 files: the reader's IDF weights come from here."""
    from qa.index.cache import get_index
    from qa.index.lexical import document_frequencies

    index = get_index(hash_index, hash_embedder.name)
    df, n = document_frequencies(index)
    assert n == index.n_chunks
    passages = [set(analyze(index.chunk_text(r))) for r in range(index.n_chunks)]
    for term in ("kling", "kuaishou", "video"):
        assert df[term] == sum(term in p for p in passages) > 0
    assert set(df) == set().union(*passages)
