"""The fitted reader: its features (one row per feature: the feature must be computed), the model
file's checks, the arithmetic of scoring and answerability, each named gate (switching it off
changes the outcome), and corroboration by value."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from qa.answer import answer, retrieve_passages
from qa.config import DEFAULT_SETTINGS, ExtractConfig, Settings
from qa.index.build import build_index
from qa.index.cache import get_index
from qa.reader.extract import read_candidates
from qa.reader.features import FEATURES, QUESTION_FEATURES, question_vector
from qa.reader.model import (RERANK_FEATURES, RERANKED, WEIGHTS_FILE, Linear, ReaderModel, ReaderModelError,
                             load_reader_model)
from tests.conftest import make_corpus

DOCS = {
    "acme.txt": (
        "Acme Robotics news\n\n"
        "Acme Robotics was founded in 2019 by Jane Smith in Berlin. "
        "It makes robot arms for car factories. "
        "The company raised US$40 million from investors last year. "
        "Smith said the arms are cheap to run.\n\n"
        "Robot Arms For Everyone\n\n"
        "Critics say robot arms take jobs from factory workers."),
    "garden.txt": (
        "Gardening notes\n\n"
        "Tomatoes need sun and water every day to grow well. "
        "A greenhouse keeps them warm in spring. "
        "Acme Robotics sells no garden tools."),
    "copy.txt": (
        "Robot makers of Europe\n\n"
        "Acme Robotics was founded in 2019 by Jane Smith in Berlin. "
        "Its robot arms are cheap."),
}


@pytest.fixture(scope="module")
def small_index(tmp_path_factory, hash_embedder):
    base = tmp_path_factory.mktemp("reader")
    corpus = make_corpus(base / "c", DOCS)
    build_index(corpus, base / "i", embedder=hash_embedder)
    return base / "i"


def features_of(index_dir, embedder, question: str):
    index = get_index(index_dir, embedder.name)
    qv = embedder.encode([question])[0]
    hits, asked, _ = retrieve_passages(question, 5, index, embedder, "hybrid", qv)
    analysis, cset = read_candidates(asked, qv, hits, index, full_question=question)
    texts = [index.document(c.doc_id).text[c.start:c.end] for c in cset.candidates]
    return analysis, cset, texts


def value(cset, texts, feature: str, sentence_start: str) -> float:
    i = next(i for i, t in enumerate(texts) if t.startswith(sentence_start))
    return float(cset.column(feature)[i])


# (question, feature, sentence with the higher value, sentence with the lower one)
FEATURE_CASES = [
    ("When was Acme Robotics founded?", "dense", "Acme Robotics was founded in 2019", "Tomatoes need sun"),
    ("When was Acme Robotics founded?", "dense_context", "Acme Robotics was founded in 2019", "Tomatoes need sun"),
    ("When was Acme Robotics founded?", "dense_gap", "Acme Robotics was founded in 2019", "Tomatoes need sun"),
    ("When was Acme Robotics founded?", "passage_dense", "Acme Robotics was founded in 2019", "Tomatoes need sun"),
    ("When was Acme Robotics founded?", "passage_dense_gap", "Acme Robotics was founded in 2019", "Tomatoes need sun"),
    ("When was Acme Robotics founded?", "coverage", "Acme Robotics was founded in 2019", "Tomatoes need sun"),
    ("What does Acme Robotics make?", "coverage_context", "It makes robot arms", "Tomatoes need sun"),
    ("When was Acme Robotics founded?", "coverage_gap", "Acme Robotics was founded in 2019", "Tomatoes need sun"),
    ("Where was Acme Robotics founded?", "attribute_coverage", "Acme Robotics was founded in 2019", "Acme Robotics sells no"),
    ("Where is Acme Robotics based?", "name_coverage", "Acme Robotics was founded in 2019", "Tomatoes need sun"),
    ("Who founded Acme Robotics in Berlin?", "missing_max", "Tomatoes need sun", "Acme Robotics was founded in 2019"),
    ("Where was Acme Robotics founded?", "bigrams", "Acme Robotics was founded in 2019", "Acme Robotics sells no"),
    ("What does Acme Robotics make?", "leans_back", "It makes robot arms", "Acme Robotics was founded in 2019"),
    ("When was Acme Robotics founded?", "novelty", "Tomatoes need sun", "Acme Robotics sells no"),
    ("How much money did Acme Robotics raise?", "new_value", "The company raised US$40", "Smith said the arms"),
    ("Do robot arms take jobs?", "heading", "Robot Arms For Everyone", "Critics say robot arms"),
    ("When was Acme Robotics founded?", "answer_type", "Acme Robotics was founded in 2019", "Acme Robotics sells no"),
    ("How much money did Acme Robotics raise?", "states_kind", "The company raised US$40", "Acme Robotics was founded"),
    ("How much money did Acme Robotics raise?", "kind_missing", "Acme Robotics was founded", "The company raised US$40"),
    ("When was Acme Robotics founded?", "position", "Acme Robotics was founded in 2019", "It makes robot arms"),
    ("When was Acme Robotics founded?", "length", "Acme Robotics was founded in 2019", "It makes robot arms"),
    ("Where does Jane Smith work?", "names_absent", "Tomatoes need sun", "Acme Robotics was founded in 2019"),
    ("When was Acme Robotics founded?", "agreement", "Acme Robotics was founded in 2019", "Tomatoes need sun"),
]


def test_every_feature_has_a_case():
    covered = {case[1] for case in FEATURE_CASES} | {"passage_prior", "unnamed_class"}
    assert covered == set(FEATURES)


@pytest.mark.parametrize("question, feature, higher, lower", FEATURE_CASES)
def test_each_feature_is_computed(small_index, hash_embedder, question, feature, higher, lower):
    _, cset, texts = features_of(small_index, hash_embedder, question)
    assert value(cset, texts, feature, higher) > value(cset, texts, feature, lower)


def test_the_passage_prior_falls_with_the_rank(small_index, hash_embedder):
    _, cset, _ = features_of(small_index, hash_embedder, "When was Acme Robotics founded?")
    prior = cset.column("passage_prior")
    assert prior.max() == 1.0 and prior.min() < 1.0


def test_a_name_asked_for_but_left_unnamed_is_flagged(tmp_path, hash_embedder):
    corpus = make_corpus(tmp_path / "c", {"bot.txt": "Baidu news\n\nBaidu showed a chatbot to investors in May. "
                                                     "The Ernie Bot chatbot answers in Chinese."})
    build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    _, cset, texts = features_of(tmp_path / "i", hash_embedder, "What is the name of Baidu's chatbot?")
    assert value(cset, texts, "unnamed_class", "Baidu showed a chatbot") == 1.0
    assert value(cset, texts, "unnamed_class", "The Ernie Bot chatbot") == 0.0


def test_question_features_describe_the_best_candidate():
    feats = np.zeros((3, len(FEATURES)), dtype=np.float32)
    col = FEATURES.index
    feats[:, col("dense")] = [0.2, 0.9, 0.5]
    feats[:, col("coverage_context")] = [0.1, 0.4, 0.8]
    feats[1, col("names_absent")] = 1.0
    out = question_vector(True, False, True, 4, 0.25, feats, np.array([0.0, 2.0, 1.5]))
    q = dict(zip(QUESTION_FEATURES, out))
    assert q["top_logit"] == 2.0 and q["margin"] == pytest.approx(0.5)
    assert q["top_dense"] == pytest.approx(0.9) and q["top_coverage"] == pytest.approx(0.4)
    assert q["max_coverage"] == pytest.approx(0.8) and q["top_names_absent"] == 1.0
    assert q["unknown_names"] == 1.0 and q["uncounted"] == 0.0 and q["asks_kind"] == 1.0
    assert q["kind_unstated"] == 1.0  # a kind is asked and no candidate states it
    assert q["unseen_terms"] == 0.25 and q["question_terms"] == pytest.approx(np.log1p(4))
    empty = question_vector(False, False, False, 0, 0.0, feats[:0], np.zeros(0))
    assert dict(zip(QUESTION_FEATURES, empty))["top_logit"] < -5


def test_token_alignment_finds_paraphrases_and_misses_absent_attributes():
    from qa.reader.alignment import alignment

    def unit(*rows):
        m = np.array(rows, dtype=np.float32)
        return m / np.linalg.norm(m, axis=1, keepdims=True)
    question = (["when", "was", "kling", "launched"], unit([1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]))
    # "released" is close to "launched" but not the same word piece; "kling" is held verbatim.
    paraphrase = (["kling", "was", "released"], unit([0, 0, 1], [0, 1, 0], [1, 1, 0.1]))
    mean, least, unmatched = alignment(question, paraphrase)
    assert least > 0.99 and unmatched > 0.99  # "when" and "was" are stop words: not matched
    absent = (["kling", "shows", "toddlers"], unit([0, 0, 1], [0.1, -1, 0], [-1, 0, 0.1]))
    mean2, least2, unmatched2 = alignment(question, absent)
    assert mean2 < mean and least2 < 0.2 and unmatched2 < 0.2
    assert alignment((["the"], unit([1, 0, 0])), paraphrase) == (1.0, 1.0, 1.0)  # nothing to match


def test_the_alignment_is_a_question_feature_and_unknown_weighs_as_the_mean():
    from qa.reader.alignment import aligner

    feats = np.zeros((2, len(FEATURES)), dtype=np.float32)
    q = dict(zip(QUESTION_FEATURES, question_vector(False, False, False, 3, 0.0, feats, np.array([1.0, 0.0]),
                                                   (0.6, 0.2, 0.4))))
    assert (q["align_mean"], q["align_min"], q["align_unmatched"]) == pytest.approx((0.6, 0.2, 0.4))
    unknown = question_vector(False, False, False, 3, 0.0, feats, np.array([1.0, 0.0]))
    assert np.isnan(unknown[QUESTION_FEATURES.index("align_mean")])
    model = load_reader_model()
    known = unknown.copy()
    for name in ("align_mean", "align_min", "align_unmatched"):
        known[QUESTION_FEATURES.index(name)] = model.answerability.mean[QUESTION_FEATURES.index(name)]
    assert model.answerable(unknown) == pytest.approx(model.answerable(known))
    assert aligner(object()) is None  # an embedder without token vectors aligns nothing


def test_the_answerability_reads_the_alignment_of_the_best_sentence(small_index, hash_embedder):
    from qa.reader.extract import extract

    question = "When was Acme Robotics founded?"
    index = get_index(small_index, hash_embedder.name)
    qv = hash_embedder.encode([question])[0]
    hits, asked, _ = retrieve_passages(question, 5, index, hash_embedder, "hybrid", qv)
    seen = []

    def align(value):
        def f(q, text):
            seen.append((q, text))
            return (value, value, value)
        return f
    good = extract(asked, qv, hits, index, ExtractConfig(), full_question=question, align=align(0.9))
    bad = extract(asked, qv, hits, index, ExtractConfig(), full_question=question, align=align(0.0))
    assert good.confidence > bad.confidence
    assert seen[0][0] == question and seen[0][1] in index.document(good.best.doc_id).text


def _prefers_alignment() -> Linear:
    """A second stage that orders by the alignment's mean alone."""
    coef = np.array([1.0 if name == "align_mean" else 0.0 for name in RERANK_FEATURES])
    return Linear(np.zeros(len(RERANK_FEATURES)), np.ones(len(RERANK_FEATURES)), coef, 0.0)


def test_the_second_stage_hands_the_best_logits_out_again_in_its_order():
    shipped = load_reader_model()
    model = replace(shipped, reranker=_prefers_alignment())
    logits = np.array([3.0, 2.0, 1.0, 0.5, 0.2, 0.1, -1.0])
    align = np.full((len(logits), 3), np.nan)
    align[:RERANKED] = [[0.5, 0, 0], [0.6, 0, 0], [0.9, 0, 0], [0.1, 0, 0], [0.7, 0, 0]][:RERANKED]
    align[6] = [1.0, 1.0, 1.0]  # not among the best: never read, whatever it says
    out = model.rerank(logits, align)
    assert out[2] == 3.0 and out[4] == 2.0 and out[1] == 1.0  # by alignment: rows 2, 4, 1, 0, 3
    assert out[5] == logits[5] and out[6] == logits[6]
    assert sorted(out) == sorted(logits)  # the scorer's values, handed out again
    assert np.array_equal(replace(model, reranker=None).rerank(logits, align), logits)
    unknown = align.copy()
    unknown[[0, 2, 3, 4]] = np.nan  # only one row known: nothing to reorder
    assert np.array_equal(model.rerank(logits, unknown), logits)
    again = ReaderModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert np.array_equal(again.rerank(logits, align), out)
    data = model.to_dict()
    data["rerank_features"] = data["rerank_features"][:-1]
    with pytest.raises(ReaderModelError, match="make train-reader"):
        ReaderModel.from_dict(data)


def test_the_reader_answers_with_the_sentence_the_second_stage_prefers(small_index, hash_embedder):
    from qa.reader.extract import extract

    question = "Who founded Acme Robotics in Berlin?"
    index = get_index(small_index, hash_embedder.name)
    qv = hash_embedder.encode([question])[0]
    hits, asked, _ = retrieve_passages(question, 5, index, hash_embedder, "hybrid", qv)
    model = replace(load_reader_model(), reranker=_prefers_alignment())
    read = []

    def align_to(favourite):
        def align(q, text):
            read.append(text)
            return (0.95, 0.9, 0.9) if text == favourite else (0.2, 0.1, 0.1)
        return align
    first = extract(asked, qv, hits, index, ExtractConfig(), full_question=question, threshold=0.0,
                    model=model, align=align_to(None))
    favourite = read[-1]  # the fifth best by the scorer
    assert favourite not in first.answer[0].quote
    read.clear()
    second = extract(asked, qv, hits, index, ExtractConfig(), full_question=question, threshold=0.0,
                     model=model, align=align_to(favourite))
    assert second.answer[0].quote in favourite
    assert len(read) == RERANKED  # the best few are read, not every candidate


def test_a_linear_model_standardises_then_weighs():
    lin = Linear(np.array([1.0, 0.0]), np.array([2.0, 1.0]), np.array([1.0, -1.0]), 0.5)
    assert lin(np.array([[3.0, 1.0]]))[0] == pytest.approx((3 - 1) / 2 * 1 - 1 + 0.5)
    model = ReaderModel(Linear(np.zeros(len(FEATURES)), np.ones(len(FEATURES)), np.ones(len(FEATURES)), 0.0),
                        Linear(np.zeros(len(QUESTION_FEATURES)), np.ones(len(QUESTION_FEATURES)),
                               np.zeros(len(QUESTION_FEATURES)), 0.0), 0.5, {})
    assert model.answerable(np.zeros(len(QUESTION_FEATURES))) == pytest.approx(0.5)
    assert ReaderModel.from_dict(json.loads(json.dumps(model.to_dict()))).threshold == 0.5


def test_the_shipped_weights_load_and_rank_by_the_evidence():
    model = load_reader_model()
    assert 0.0 < model.threshold < 1.0
    assert model.card.get("data", {}).get("squad", 0) > 1000  # fitted on SQuAD, not only our sets
    base = np.zeros(len(FEATURES), dtype=np.float32)
    strong, weak = base.copy(), base.copy()
    for name, v in (("dense", 0.8), ("dense_context", 0.7), ("coverage", 1.0), ("coverage_context", 1.0),
                    ("bigrams", 1.0), ("passage_prior", 1.0)):
        strong[FEATURES.index(name)] = v
    weak[FEATURES.index("dense")] = 0.1
    weak[FEATURES.index("dense_gap")] = -0.7
    weak[FEATURES.index("coverage_gap")] = -1.0
    weak[FEATURES.index("missing_max")] = 1.0
    logits = model.score(np.stack([strong, weak]))
    assert logits[0] > logits[1]


def test_weights_fitted_for_other_features_are_refused(tmp_path):
    data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    bad = tmp_path / "reader.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ReaderModelError, match="make train-reader"):
        load_reader_model(bad)
    with pytest.raises(ReaderModelError, match="make train-reader"):
        load_reader_model(tmp_path / "missing.json")


def _ask(index_dir, embedder, question, **gates):
    settings = Settings(extract=replace(DEFAULT_SETTINGS.extract, **gates))
    return answer(question, index_dir=index_dir, embedder=embedder, settings=settings, threshold=0.0)


# (question, the gate that abstains on it, words of its reason)
GATE_CASES = [
    ("Which robots has Tencent built for Acme Robotics?", "gate_unknown_names", "never mentions 'Tencent'"),
    ("What percentage of car factories use Acme robot arms?", "gate_kind_unstated", "asks for a percentage"),
    ("Which grows more tomatoes with sun and water, Acme Robotics or Berlin?", "gate_comparison_unstated",
     "cannot state the comparison"),
    # Names typed in lower case are compared as the corpus writes them.
    ("which sells more garden tools, acme robotics or jane smith?", "gate_comparison_unstated", "compares Acme Robotics"),
]


@pytest.mark.parametrize("question, gate, reason", GATE_CASES)
def test_each_gate_abstains_and_can_be_switched_off(small_index, hash_embedder, question, gate, reason):
    on = _ask(small_index, hash_embedder, question)
    assert on.abstained and reason in on.reason
    off = _ask(small_index, hash_embedder, question, **{gate: False})
    assert reason not in off.reason


@pytest.mark.parametrize("files, question, reason", [
    ({"bot.txt": "Baidu news\n\nBaidu showed a new chatbot to investors in May."},
     "What is the name of Baidu's chatbot?", "speak of without naming"),
    ({"acme.txt": "Acme news\n\nAcme Robotics makes robot arms in Berlin for car factories."},
     "How many employees does Acme Robotics have?", "counts 'employees'"),
    ({"acme.txt": "Acme news\n\nAcme Robotics makes robot arms in Berlin for car factories."},
     "What does Acme Robotics make in Berlin?", "answerability"),
])
def test_an_abstention_says_what_it_read_that_does_not_answer(tmp_path, hash_embedder, files, question, reason):
    corpus = make_corpus(tmp_path / "c", files)
    build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    # The kind gate is off and the threshold out of reach: the model's "no" must be explained.
    settings = Settings(extract=replace(DEFAULT_SETTINGS.extract, gate_kind_unstated=False))
    result = answer(question, index_dir=tmp_path / "i", embedder=hash_embedder, threshold=0.9999,
                    settings=settings)
    assert result.abstained and reason in result.reason


def test_the_named_document_gate(tmp_path, hash_embedder):
    corpus = make_corpus(tmp_path / "c", {
        "a.txt": "Startups\n\nWang founded a company called AIsphere in Beijing last year.",
        "b.txt": "Video\n\nKuaishou makes the Kling video generator."})
    build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    question = "In what year was Kuaishou founded?"
    on = _ask(tmp_path / "i", hash_embedder, question, gate_kind_unstated=False)
    assert on.abstained and "never mentions 'Kuaishou'" in on.reason
    off = _ask(tmp_path / "i", hash_embedder, question, gate_kind_unstated=False, require_named_document=False)
    assert "never mentions" not in off.reason


def test_the_threshold_is_the_answerability_probability(small_index, hash_embedder):
    question = "When was Acme Robotics founded?"
    low = answer(question, index_dir=small_index, embedder=hash_embedder, threshold=0.0)
    assert not low.abstained and 0.0 < low.confidence < 1.0
    high = answer(question, index_dir=small_index, embedder=hash_embedder, threshold=0.9999)
    assert high.abstained and "under the threshold 1.000" in high.reason


@pytest.mark.parametrize("value, other, kind, role", [
    ("2019", "Acme was founded in 2019 by Smith.", "date", "corroboration"),
    ("2019", "Acme was founded in 2021 by Smith.", "date", "disagreement"),
    ("Jane Smith", "Smith started Acme in Berlin.", "name", "corroboration"),
    ("Jane Smith", "Acme started in Berlin with help from Lee.", "name", None),
    ("US$40 million", "It raised US$40 million.", "number", "corroboration"),
    ("US$40 million", "It raised US$55 million.", "number", "disagreement"),
    ("US$40 million", "Investors liked it.", "number", None),
    (None, "It raised money from investors.", None, "corroboration"),
])
def test_corroboration_compares_values(value, other, kind, role):
    from qa.reader.corroborate import agreement

    assert agreement(value, "Acme raised it.", other, kind) == role


def test_corroboration_obeys_the_filters(tmp_path, hash_embedder):
    corpus = make_corpus(tmp_path / "c", {
        "a.jsonl": "\n".join(json.dumps(d) for d in [
            {"id": "one", "text": "Acme Robotics was founded in 2019 by Jane Smith in Berlin.", "source": "Daily"},
            {"id": "two", "text": "Acme Robotics was founded in 2019 by Jane Smith in Berlin, says a report.",
             "source": "Weekly"}])})
    build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    both = answer("When was Acme Robotics founded?", index_dir=tmp_path / "i", embedder=hash_embedder, threshold=0.0)
    assert len({c.doc_id for c in both.citations}) == 2
    only = answer("When was Acme Robotics founded?", index_dir=tmp_path / "i", embedder=hash_embedder,
                  threshold=0.0, source="Daily")
    assert {c.doc_id for c in only.citations} == {only.citations[0].doc_id}
    assert "two" not in only.citations[0].doc_id


def test_the_answer_is_the_best_sentence_that_states_the_kind_asked(tmp_path, hash_embedder):
    corpus = make_corpus(tmp_path / "c", {"acme.txt": (
        "Acme news\n\nAcme Robotics opened its big Berlin robot plant with a party for the Berlin robot plant staff. "
        "Reporters came.\n\nThat year it sold robots for US$40 million.")})
    build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    question = "How much money did the Berlin robot plant of Acme Robotics cost?"
    _, cset, texts = features_of(tmp_path / "i", hash_embedder, question)
    top = texts[int(np.argmax(load_reader_model().score(cset.features)))]
    assert top.startswith("Acme Robotics opened")  # the closest sentence states no sum
    result = answer(question, index_dir=tmp_path / "i", embedder=hash_embedder, threshold=0.0)
    assert not result.abstained and "US$40 million" in result.text


def test_the_corpus_spelling_table_is_built_only_for_a_question_that_may_compare(tmp_path, hash_embedder):
    """``corpus_names`` reads every document once: a question with no word that compares
    ("more", "vs", ...) never pays for it."""
    corpus = make_corpus(tmp_path / "c", DOCS)
    build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    index = get_index(tmp_path / "i", hash_embedder.name)
    answer("When was Acme Robotics founded?", index_dir=tmp_path / "i", embedder=hash_embedder)
    assert "conversation_names" not in index.derived._values
    answer("Which sells more garden tools, acme robotics or jane smith?", index_dir=tmp_path / "i",
           embedder=hash_embedder)
    assert "conversation_names" in index.derived._values


def test_the_training_cache_knows_the_code_its_features_came_from(tmp_path):
    from bench import train_reader

    root = tmp_path / "repo"
    for folder in train_reader.FEATURE_CODE:
        (root / folder).mkdir(parents=True)
        (root / folder / "a.py").write_text("x = 1\n", encoding="utf-8")
    before = train_reader.code_fingerprint(root)
    assert train_reader.code_fingerprint(root) == before
    (root / "qa/reader/a.py").write_text("x = 2\n", encoding="utf-8")  # a feature's code changes
    assert train_reader.code_fingerprint(root) != before
    data = [{"qid": "q", "source": "own", "group": "g", "answerable": True, "features": np.zeros((2, 3)),
             "labels": np.array([True, False]), "cited": np.array([True, False]), "align": np.zeros((2, 3)),
             "flags": (0, 0, 0, 1), "unseen": 0.0, "metadata": False}]
    train_reader.save_data(tmp_path / "d.npz", data)
    assert train_reader.cached_fingerprint(tmp_path / "d.npz") == train_reader.code_fingerprint()
    np.savez(tmp_path / "old.npz", sizes=np.array([2]))
    assert train_reader.cached_fingerprint(tmp_path / "old.npz") is None


def test_a_documents_terms_are_read_once_per_loaded_index_and_the_oldest_go_first(small_index, hash_embedder,
                                                                                     monkeypatch):
    import qa.reader.names as names
    from qa.lexicon.terms import analyze

    index = get_index(small_index, hash_embedder.name)
    cache = index.derived.get("document_terms", dict)
    cache.clear()
    calls = []
    monkeypatch.setattr(names, "text_terms", lambda text, *a: calls.append(text) or frozenset(analyze(text)))
    doc = index.documents[0].doc_id
    assert names.unmentioned_in_document(["Tencent"], index, doc) == ["Tencent"]
    read = len(calls)
    assert names.unmentioned_in_document(["Tencent", "Acme"], index, doc) in (["Tencent"], ["Tencent", "Acme"])
    assert len(calls) == read and doc in cache  # not read again
    monkeypatch.setattr(names, "KEPT_DOCUMENT_TERMS", 1)
    other = index.documents[1].doc_id
    names.unmentioned_in_document(["Tencent"], index, other)
    assert list(cache) == [other]
