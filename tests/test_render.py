"""qa.app.render over hand-made values: no index, no model, no Gradio."""

import html
import re
from dataclasses import replace

import pytest

from qa.answer import Answer
from qa.app import render, render_eval
from qa.eval.evaluate import EvalQuestion, EvalReport, QuestionResult
from qa.reader.extract import Citation

HOSTILE = '<img src=x onerror="window.__xss=1"> $$x$$ {{v}} *b*'


def visible_text(rendered: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", rendered.replace("<br>", "\n")))


def cite_targets(rendered: str) -> list[tuple]:
    return [render.parse_cite_ref(html.unescape(h))
            for h in re.findall(r'class="qa-cite" href="([^"]*)"', rendered)]


def test_answer_numbers_answers_before_other_sources_and_links_each_span():
    text = "Acme was founded in 2019."
    cites = (Citation("a", "Doc A", 5, 5 + len(text), text, 0.9, "answer"),
             Citation("b", "Doc <B>", 0, 24, "Acme was founded in 2018", 0.7, "disagreement"))
    out = render.render_answer(Answer("When?", text, False, cites, confidence=0.8, mode="dense",
                                      timings={"total_ms": 12.0}), k=4)
    assert cite_targets(out)[:2] == [("a", 5, 5 + len(text), "[1]"), ("b", 0, 24, "[2]")]
    shown = visible_text(out)
    assert "2 sources, which differ" in shown and "(differs)" in shown
    assert "Doc <B>" in shown and "<B>" not in out
    assert "dense · 4 passages read" in shown and "confidence 0.80" in shown


def test_abstention_lists_each_closest_passage_once_labelled_as_not_an_answer():
    p = Citation("d", "T", 0, 10, HOSTILE, 0.1, "passage")
    out = render.render_abstention(Answer("q", "The corpus does not say.", True, (),
                                          passages=(p, p), reason="weak"), k=5)
    assert "Closest passages (not an answer)" in visible_text(out)
    # The score shown is the closest sentence's, not an answer's.
    assert "chance the closest sentence answers" in visible_text(out) and "confidence" not in visible_text(out)
    assert [t[3] for t in cite_targets(out)] == ["passage"]
    assert "<img" not in out and "$$" not in out and "{{" not in out


def test_an_abstained_follow_up_says_how_it_was_understood_once():
    reason = "Understood as: Who founded 01.AI? no sentence read is likely enough to answer it"
    follow = Answer("Who founded it?", "The corpus does not say.", True, (), reason=reason,
                    question_used="Who founded 01.AI?", context_turn=0)
    text = visible_text(render.render_abstention(follow, k=5))
    assert "Understood as" not in text and "no sentence read is likely enough to answer it" in text
    # A question answered alone keeps its reason whole.
    alone = render.render_abstention(replace(follow, context_turn=None), k=5)
    assert "Understood as: Who founded 01.AI?" in visible_text(alone)


def test_a_suggested_question_is_a_link_that_carries_it_escaped():
    from urllib.parse import unquote

    question = 'What did <b>Kuaishou</b> & "Kling" do?'
    out = render.render_abstention(Answer("q", "The corpus does not say.", True, (), reason="x",
                                          did_you_mean=question), k=5)
    assert "Did you mean: " + question in visible_text(out)
    href = re.search(r'class="qa-ask" href="([^"]*)"', out).group(1)
    assert href.startswith(render.ASK_PREFIX) and unquote(href[len(render.ASK_PREFIX):]) == question
    assert "<b>" not in out
    plain = render.render_abstention(Answer("q", "The corpus does not say.", True, (), reason="x"), k=5)
    assert "qa-ask" not in plain


@pytest.mark.parametrize("doc_id", ['a"b', "naïve/файл", "x#cite:y", "%20"])
def test_citation_reference_round_trips_any_document_id(doc_id):
    assert render.parse_cite_ref(render.cite_href(doc_id, 3, 9, "[2]")) == (doc_id, 3, 9, "[2]")


def test_corpus_status_escapes_paths_and_warnings_and_says_how_to_rebuild():
    manifest = {"counts": {"documents": 2, "chunks": 5, "sentences": 9}, "model": {"name": "m"},
                "created": "today", "warnings": [{"path": "<x>.pdf", "message": "*broken*"}]}
    stale = render.render_corpus_status(manifest, "/idx", "/c<orp>us", False, "changed 1 ($5)")
    shown = visible_text(stale)
    assert "not up to date: changed 1 ($5)" in shown
    assert "qa index /c<orp>us --index-dir /idx" in shown
    assert "<x>.pdf: *broken*" in shown and "2 documents, 5 chunks, 9 sentences" in shown
    assert "<orp>" not in stale and "<x>" not in stale and "*broken*" not in stale
    fresh = render.render_corpus_status(manifest, "/idx", "/corpus", True, "")
    assert "up to date" in fresh and "Rebuild" not in fresh


def test_evaluation_rows_shorten_answers_only_in_the_table():
    long_answer = "word " * 60
    rows = (QuestionResult("q1", "Q?", True, False, False, True, 2, ("d",), long_answer, "d", 0.51234, "",
                           10.04),
            QuestionResult("q2", "Off?", False, False, False, False, None, (), "x", "d", 0.2, "", 3.0))
    report = EvalReport("hybrid", 5, {"recall@1": 0.5, "latency_p50_ms": 7.26, "mrr@10": None}, rows)
    table, full = render_eval.question_rows([report])
    assert [r[4] for r in table] == ["~ hit@3", "✗ answered"]
    assert full[0][7] == long_answer and len(table[0][7]) <= 120 and table[0][7].endswith("…")
    assert table[0][5] == 2 and table[1][5] == "" and table[0][8] == 0.512
    metrics = {m[0]: m[1] for m in render_eval.metrics_rows([report])}
    assert metrics["recall@1"] == "0.500" and metrics["latency p50 (ms)"] == "7.3"
    assert metrics["MRR@10"] == "–"
    points = render_eval.chart_points([report], [EvalQuestion("q1", "Q?", (), ("d",), True)], 3)
    assert [p["share"] for p in points] == [0.0, 1.0, 1.0]


def test_the_document_view_names_its_outlet_author_and_date_escaped():
    from qa.app.render import escape_text, render_document
    from qa.ingest.corpus import make_document

    doc = make_document("d", "Seals return\nCoastal & Wildlife Weekly\nBy Jane Doe\n2024-03-05\n\nSeals rest on sandbanks.\n")
    head = render_document(doc).split('<div class="qa-doc-body', 1)[0]
    assert escape_text("Coastal & Wildlife Weekly") in head and "Coastal & Wildlife" not in head
    assert "by Jane Doe" in head and "2024-03-05" in head
