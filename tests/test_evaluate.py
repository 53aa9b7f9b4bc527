import json

import pytest

from qa.errors import EvaluationError
from qa.eval.evaluate import (
    contains_answer,
    evaluate,
    format_report,
    load_questions,
    summarize,
)


def _write(tmp_path, rows):
    p = tmp_path / "q.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return p


def test_load_questions_reports_the_bad_line(tmp_path):
    p = tmp_path / "q.jsonl"
    p.write_text('{"id": "a", "question": "ok?"}\n{broken\n', encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"q.jsonl:2"):
        load_questions(p)
    p.write_text('{"id": "a", "question": "x"}\n{"id": "a", "question": "y"}\n', encoding="utf-8")
    with pytest.raises(EvaluationError, match="duplicate id"):
        load_questions(p)
    p.write_text("\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match="no questions"):
        load_questions(p)


def test_contains_answer_ignores_case_and_spacing():
    assert contains_answer("Made by  KUAISHOU in China", ["kuaishou"])
    assert contains_answer("a b\nc", ["B C"])
    assert not contains_answer("nothing here", ["kuaishou", ""])


def test_evaluate_reports_ranking_answer_and_abstention_metrics(tmp_path, hash_index, hash_embedder):
    p = _write(tmp_path, [
        {"id": "q1", "question": "Kling video generator Kuaishou", "answers": ["Kling"],
         "relevant_docs": ["004_b944f892c64d3546", "001_dc3372c3a139c97d", "000_aa6b97cd1c7a8afa",
                           "002_b678760983a1a762"], "answerable": True},
        {"id": "q2", "question": "banana bread recipe oven", "answers": [], "relevant_docs": [],
         "answerable": False},
    ])
    report = evaluate(load_questions(p), index_dir=hash_index, k=5, mode="hybrid", embedder=hash_embedder)
    m = report.metrics
    assert m["questions"] == 2 and m["answerable"] == 1 and m["unanswerable"] == 1
    assert m["recall@10"] == 1.0
    assert m["answer_hit@1"] == 1.0
    assert m["abstention_recall"] == 1.0
    assert m["false_abstention_rate"] == 0.0
    rows = {r.id: r for r in report.rows}
    assert rows["q1"].first_relevant_rank == 1 and rows["q2"].abstained
    text = format_report([report], details=True)
    assert "answer_hit@1" in text and "q2" in text


def test_summarize_handles_sets_without_unanswerable_questions():
    assert summarize([], {})["abstention_recall"] is None


def test_calibration_picks_the_highest_threshold_within_the_false_abstention_budget():
    from qa.eval.evaluate import QuestionResult, calibrate_threshold

    def row(i, answerable, conf, abstained=False):
        return QuestionResult(str(i), "q", answerable, abstained, False, False, None, (), "", None, conf, "", 1.0)

    rows = [row(i, True, c) for i, c in enumerate([0.40, 0.50, 0.60, 0.70, 0.80, 0.90, 0.95, 0.97, 0.98, 0.99])]
    rows += [row(20 + i, False, c) for i, c in enumerate([0.30, 0.45, 0.55, 0.65])]
    rows += [row(30, False, 0.9, abstained=True)]  # abstained whatever the threshold
    cal = calibrate_threshold(rows, max_false_abstention=0.1)
    assert cal.threshold == 0.5  # abstains on the 0.40 answerable one only (10 %)
    assert cal.false_abstention_rate == 0.1
    assert cal.abstention_recall == 3 / 5
    strict = calibrate_threshold(rows, max_false_abstention=0.0)
    assert strict.threshold == 0.4 and strict.false_abstention_rate == 0.0
