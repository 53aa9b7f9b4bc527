import pytest

from qa import Answer, QAError, answer
from qa.answer import NOT_FOUND, validate_question
from qa.errors import QuestionError


def _check_citations(result, index_dir):
    from qa.index.cache import get_index

    idx = get_index(index_dir, check_stale=False)
    for c in (*result.citations, *result.passages, *result.alternatives):
        assert idx.document(c.doc_id).text[c.start:c.end] == c.quote
        assert c.title == idx.document(c.doc_id).title


def test_answer_is_extracted_and_cited(hash_index, hash_embedder):
    result = answer("Kling video generator Kuaishou", index_dir=hash_index, embedder=hash_embedder)
    assert isinstance(result, Answer)
    assert not result.abstained
    assert result.citations and result.citations[0].role == "answer"
    assert "Kling" in result.text or "Kuaishou" in result.text
    assert result.text in {c.quote for c in result.citations} or result.text.startswith(result.citations[0].quote[:20])
    _check_citations(result, hash_index)
    assert set(result.timings) >= {"embed_ms", "retrieve_ms", "extract_ms", "total_ms"}


def test_off_topic_question_abstains_and_still_lists_closest_passages(hash_index, hash_embedder):
    result = answer("banana bread recipe oven temperature", index_dir=hash_index, embedder=hash_embedder)
    assert result.abstained
    assert result.text == NOT_FOUND
    assert result.citations == ()
    assert result.passages  # the closest evidence, shown as such
    _check_citations(result, hash_index)


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_every_mode_answers_with_valid_offsets(hash_index, hash_embedder, mode):
    result = answer("Who founded 01.AI Kai-Fu Lee", index_dir=hash_index, embedder=hash_embedder, mode=mode)
    assert result.mode == mode
    _check_citations(result, hash_index)


@pytest.mark.parametrize("bad", ["", "   \n\t ", "\x00\x01", "?!?", "x" * 5000, None, 42])
def test_bad_questions_raise_question_error(hash_index, hash_embedder, bad):
    with pytest.raises(QuestionError):
        answer(bad, index_dir=hash_index, embedder=hash_embedder)


def test_question_errors_are_qa_errors_and_value_errors():
    with pytest.raises(QAError):
        validate_question("")
    with pytest.raises(ValueError):
        validate_question("")


def test_odd_but_usable_questions_are_cleaned():
    assert validate_question("  who\x00 made\ud800 Kling?  ") == "who made Kling?"


@pytest.mark.parametrize("k", [0, -1, 1000, 2.5, True])
def test_k_is_bounded(hash_index, hash_embedder, k):
    with pytest.raises(QuestionError, match="k must be"):
        answer("Kling", k=k, index_dir=hash_index, embedder=hash_embedder)


def test_unknown_mode_is_refused(hash_index, hash_embedder):
    with pytest.raises(QuestionError, match="unknown mode"):
        answer("Kling", index_dir=hash_index, embedder=hash_embedder, mode="magic")


def test_k_bounds_passages_read(hash_index, hash_embedder):
    result = answer("open source software China", k=2, index_dir=hash_index, embedder=hash_embedder)
    assert len(result.passages) <= 2


def test_threshold_override_forces_abstention(hash_index, hash_embedder):
    result = answer("Kling video generator Kuaishou", index_dir=hash_index, embedder=hash_embedder, threshold=5.0)
    assert result.abstained and "threshold" in result.reason


def test_to_dict_is_json_ready(hash_index, hash_embedder):
    import json

    result = answer("Kling video generator", index_dir=hash_index, embedder=hash_embedder)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["citations"][0]["quote"] == result.citations[0].quote


def test_a_precomputed_question_vector_gives_the_same_answer(hash_index, hash_embedder):
    import numpy as np

    q = "Kling video generator Kuaishou"
    plain = answer(q, index_dir=hash_index, embedder=hash_embedder)
    given = answer(q, index_dir=hash_index, embedder=hash_embedder, query_vector=hash_embedder.encode([q])[0])
    assert given.citations == plain.citations
    with pytest.raises(QuestionError, match="query_vector"):
        answer(q, index_dir=hash_index, embedder=hash_embedder, query_vector=np.zeros(3))


@pytest.mark.parametrize("raw,clean", [
    ("Who founded Kuaishou\x1b[31m?", "Who founded Kuaishou?"),
    ("\x1b[1;32mWho founded 01.AI?\x1b[0m", "Who founded 01.AI?"),
    ("\x1b]0;window title\x07Who founded 01.AI?", "Who founded 01.AI?"),
    ("Who\x00 founded\x01 Kuaishou?", "Who founded Kuaishou?"),
])
def test_terminal_escapes_are_removed_whole_not_left_as_words(raw, clean):
    """A question pasted from coloured terminal output must not be asked about '31m'."""
    from qa.answer import validate_question

    assert validate_question(raw) == clean
