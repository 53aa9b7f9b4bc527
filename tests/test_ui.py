"""The web app's handlers and its API, without a browser and without the real model.

Everything runs over an index of a private copy of the shipped corpus (plus one hostile document)
built with the fake ``HashEmbedder`` in a temporary folder.
"""

import html
import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import ui
from qa.app import handlers, render, render_eval
from qa.embed import HashEmbedder
from qa.eval import evaluate
from qa.index.build import build_index

ROOT = Path(__file__).resolve().parent.parent
HOSTILE_DOC = (
    "Script injection test page\n\n"
    "The kettle whistle <img src=x onerror=\"window.__xss=1\"> is called a hob whistle in old texts.\n"
    "Prices are $5 or {{value}} or ${window.__xss=2} and *stars* _under_ [link](javascript:alert(1)).\n"
    "Subscribe to our newsletter\n"
)
OFF_TOPIC = "What is the boiling point of mercury?"
QUESTIONS = [
    {"id": "q1", "question": "What video generator did OpenAI launch?", "answers": ["Sora"],
     "relevant_docs": ["000_aa6b97cd1c7a8afa", "001_dc3372c3a139c97d"], "answerable": True},
    {"id": "q2", "question": "Who co-founded 01.AI?", "answers": ["Kai-Fu Lee"],
     "relevant_docs": ["004_b944f892c64d3546"], "answerable": True},
    {"id": "q3", "question": OFF_TOPIC, "answers": [], "relevant_docs": [], "answerable": False},
]


@pytest.fixture(scope="module")
def embedder():
    return HashEmbedder()


@pytest.fixture(scope="module")
def ui_corpus(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("ui-corpus") / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    (corpus / "zz_hostile.txt").write_text(HOSTILE_DOC, encoding="utf-8")
    return corpus


@pytest.fixture(scope="module")
def ui_index(tmp_path_factory, ui_corpus, embedder) -> Path:
    index_dir = tmp_path_factory.mktemp("ui-index") / "index"
    build_index(ui_corpus, index_dir, embedder=embedder)
    return index_dir


@pytest.fixture(scope="module")
def questions_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ui-questions") / "questions.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    return path


def ask(question, index_dir, embedder, history=None, **settings):
    history, box = handlers.chat_turn(question, history or [], settings.get("mode", "hybrid"),
                                settings.get("k", 5), settings.get("threshold"),
                                index_dir=index_dir, embedder=embedder)
    assert box == ""  # the question box is cleared after every turn
    return history


def cite_hrefs(rendered: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'class="qa-cite" href="([^"]*)"', rendered)]


def visible_text(rendered: str) -> str:
    """What a browser shows for an HTML fragment (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]*>", "", rendered.replace("<br>", "\n")))


# --- asking ---------------------------------------------------------------------------------------

def test_answer_is_a_cited_verbatim_quote(ui_index, embedder):
    from qa.index.cache import get_index

    history = ask("Who co-founded 01.AI?", ui_index, embedder)
    assert [m["role"] for m in history] == ["user", "assistant"]
    reply = history[1]["content"]
    assert "Kai-Fu Lee" in visible_text(reply)
    assert "Sources" in reply and "answered in" in reply
    hrefs = cite_hrefs(reply)
    assert hrefs, "the answer carries clickable citations"
    doc_id, start, end, label = render.parse_cite_ref(hrefs[0])
    assert label == "[1]"
    quote = get_index(ui_index).document(doc_id).text[start:end]
    assert quote in visible_text(reply)  # the marker points at exactly the quoted text


def test_chat_keeps_history_and_reports_agreement(ui_index, embedder):
    history = ask("Who co-founded 01.AI?", ui_index, embedder)
    history = ask("What video generator did OpenAI launch?", ui_index, embedder, history)
    assert [m["role"] for m in history] == ["user", "assistant"] * 2
    from qa.answer import answer

    result = answer("What video generator did OpenAI launch?", index_dir=ui_index, embedder=embedder)
    if result.agreeing > 1:
        assert f"{result.agreeing} sources agree" in history[-1]["content"]
    else:
        assert "sources agree" not in history[-1]["content"]


def test_off_topic_question_abstains_and_lists_passages_as_such(ui_index, embedder):
    reply = ask(OFF_TOPIC, ui_index, embedder)[-1]["content"]
    text = visible_text(reply)
    assert "The corpus does not say." in text
    assert "Closest passages (not an answer)" in text
    assert "Sources" not in text and "sources agree" not in text
    assert all(render.parse_cite_ref(h)[3] == "passage" for h in cite_hrefs(reply))


def test_settings_reach_the_library(ui_index, embedder):
    # A threshold above any possible score makes every answer an abstention; mode and k are shown.
    reply = ask("Who co-founded 01.AI?", ui_index, embedder, mode="lexical", k=3, threshold=5.0)[-1]["content"]
    assert "The corpus does not say." in visible_text(reply)
    assert "lexical · 3 passages read" in reply


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_gets_a_friendly_message(ui_index, embedder, question):
    history = ask(question, ui_index, embedder)
    assert len(history) == 1 and history[0]["role"] == "assistant"
    assert "Type a question" in history[0]["content"]


def test_unusable_question_is_a_one_line_message(ui_index, embedder):
    reply = ask("?" * 5 + "x" * 3000, ui_index, embedder)[-1]["content"]
    assert 'class="qa-error"' in reply and "limit is" in reply


def test_missing_index_is_a_message_not_a_crash(tmp_path, embedder):
    missing = tmp_path / "nowhere"
    reply = ask("Who co-founded 01.AI?", missing, embedder)[-1]["content"]
    assert 'class="qa-error"' in reply and "no index" in reply
    status, rows = handlers.corpus_overview(missing, embedder)
    assert "no index" in status and rows == []
    ui.build_app(index_dir=missing, embedder=embedder, examples=[])  # still builds


# --- escaping -------------------------------------------------------------------------------------

def test_html_in_a_question_is_shown_literally(ui_index, embedder):
    question = '<img src=x onerror="window.__xss=1"> kettle whistle $$x$$ *bold*'
    history = ask(question, ui_index, embedder)
    for message in history:
        assert "<img" not in message["content"]
        assert "$$" not in message["content"] and "*bold*" not in message["content"]
    assert question in visible_text(history[0]["content"])


def test_html_in_a_document_is_shown_literally(ui_index, embedder):
    reply = ask("What is the kettle whistle called?", ui_index, embedder)[-1]["content"]
    assert "<img" not in reply
    assert '<img src=x onerror="window.__xss=1">' in visible_text(reply)
    href = next(h for h in cite_hrefs(reply) if "zz_hostile" in h)
    viewer = handlers.open_citation(href, ui_index, embedder)
    assert "<img" not in viewer and "${" not in viewer and "{{" not in viewer
    assert "[link](javascript:alert(1))" in visible_text(viewer)


def test_escape_text_leaves_nothing_for_a_renderer_to_interpret():
    raw = "<b>&amp;</b> `code` *x* _y_ [l](u) $$m$$ ${t} {{h}} # h ~s~ | \\ ! ="
    escaped = render.escape_text(raw)
    assert not set(re.sub(r"&#[0-9]+;", "", escaped)) & set("<>&`*_[](){}$~|#!\\=\"'")
    assert html.unescape(escaped) == raw
    assert "<br>" in render.escape_inline("a\nb") and "\n" not in render.escape_inline("a\r\nb\rc")


# --- reading the source ---------------------------------------------------------------------------

def test_document_view_highlights_the_span_and_dims_boilerplate(ui_index, embedder):
    from qa.index.cache import get_index

    doc = get_index(ui_index).document("zz_hostile")
    start = doc.text.index("The kettle")
    end = doc.text.index("old texts.") + len("old texts.")
    view = render.render_document(doc, start, end, "[1]")
    body = view.split('<div class="qa-doc-body">', 1)[1]
    marked = "".join(re.findall(r'<mark class="qa-hl">(.*?)</mark>', body))
    assert html.unescape(marked) == doc.text[start:end]
    dimmed = re.findall(r'<span class="qa-boiler"[^>]*>(.*?)</span>', body)
    assert "Subscribe to our newsletter" in [html.unescape(d) for d in dimmed]


def test_document_text_survives_rendering_exactly(ui_index):
    from qa.index.cache import get_index

    for doc in get_index(ui_index).documents:
        view = render.render_document(doc, 10, 50, "[1]")
        body = view.split('<div class="qa-doc-body">', 1)[1][:-len("</div></div>")]
        assert html.unescape(re.sub(r"<[^>]*>", "", body)) == doc.text


@pytest.mark.parametrize("ref", [None, "", "#cite:", "#cite:%5B1%2C2%5D", "#cite:not-json",
                                 render.cite_href("x", 5, 1, "[1]").replace("5", "-5")])
def test_malformed_citation_reference_shows_the_placeholder(ui_index, embedder, ref):
    assert handlers.open_citation(ref, ui_index, embedder) == render.VIEWER_PLACEHOLDER


def test_citation_to_a_vanished_document_is_a_message(ui_index, embedder):
    view = handlers.open_citation(render.cite_href("gone", 0, 4, "[1]"), ui_index, embedder)
    assert "no longer in the index" in view


# --- corpus and evaluation tabs -------------------------------------------------------------------

def test_corpus_overview_lists_documents_and_freshness(tmp_path, ui_corpus, embedder):
    corpus = tmp_path / "corpus"
    shutil.copytree(ui_corpus, corpus)
    index_dir = tmp_path / "index"
    report = build_index(corpus, index_dir, embedder=embedder)
    status, rows = handlers.corpus_overview(index_dir, embedder)
    assert "up to date" in status and "not up to date" not in status
    assert len(rows) == report.documents
    assert sum(r[4] for r in rows) == report.chunks
    hostile = next(r for r in rows if r[1] == "zz_hostile")
    assert hostile[3] == len(HOSTILE_DOC) and hostile[5] != "0%"
    (corpus / "new.txt").write_text("A brand new document about something else entirely.\n", encoding="utf-8")
    status, stale_rows = handlers.corpus_overview(index_dir, embedder)
    assert "not up to date" in status and "added 1" in status and "qa index" in status
    assert stale_rows[:-1] == rows  # a stale index still lists what it holds
    assert stale_rows[-1] == ["new.txt", "", "", "", "", "", "not indexed yet"]
    assert all(r[6] == "indexed" for r in rows)
    assert "not indexed" in visible_text(handlers.open_document_row(stale_rows[-1], index_dir, embedder))
    assert "zz_hostile" in visible_text(handlers.open_document_row(hostile, index_dir, embedder))


def test_evaluation_gives_metrics_chart_rows_and_csv(ui_index, embedder, questions_file, tmp_path):
    summary, metrics, chart, rows, csv_path = handlers.run_evaluation(
        "bundled", None, ["hybrid", "lexical"], 5, ui_index, embedder, bundled=questions_file)
    assert "3 questions (2 answerable, 1 unanswerable)" in summary
    labels = [m[0] for m in metrics]
    assert "recall@5" in labels and "answer hit@1" in labels and "abstention recall" in labels
    assert all(len(m) == 3 for m in metrics)
    assert sorted(set(chart["mode"])) == ["hybrid", "lexical"] and len(chart) == 2 * render_eval.MAX_CHART_K
    assert chart["share"].between(0, 1).all() and chart.groupby("mode")["share"].is_monotonic_increasing.all()
    assert len(rows) == 2 * len(QUESTIONS)
    lines = Path(csv_path).read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",") == render_eval.QUESTION_COLUMNS and len(lines) == 1 + 2 * len(QUESTIONS)

    upload = tmp_path / "mine.jsonl"
    upload.write_text(json.dumps(QUESTIONS[0]) + "\n", encoding="utf-8")
    summary, _, _, rows, _ = handlers.run_evaluation("upload", str(upload), ["dense"], 3, ui_index, embedder)
    assert "1 question (1 answerable" in summary and "mine.jsonl" in summary and len(rows) == 1


def test_evaluation_problems_are_messages(ui_index, embedder, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{broken\n", encoding="utf-8")
    for args in (("upload", None, ["hybrid"]), ("upload", str(bad), ["hybrid"]),
                 ("bundled", None, [])):
        summary, metrics, _, rows, csv_path = handlers.run_evaluation(*args, 5, ui_index, embedder,
                                                                bundled=tmp_path / "missing.jsonl")
        assert 'class="qa-error"' in summary and metrics == [] and rows == [] and csv_path is None
    assert "bad.jsonl:1" in handlers.run_evaluation("upload", str(bad), ["hybrid"], 5, ui_index, embedder)[0]


def test_the_bundled_questions_are_not_run_against_a_user_collection(embedder, questions_file):
    summary, metrics, _, rows, csv_path = handlers.run_evaluation("bundled", None, ["hybrid"], 5, None, embedder,
                                                            bundled=questions_file, collection="notes")
    assert "about the shipped corpus, not the collection 'notes'" in visible_text(summary)
    assert metrics == [] and rows == [] and csv_path is None


def test_question_files_over_5_mb_are_refused_with_a_message(ui_index, embedder, tmp_path):
    big = tmp_path / "big.jsonl"
    line = json.dumps(QUESTIONS[0]) + "\n"
    big.write_text(line * (6 * 1024 * 1024 // len(line) + 1), encoding="utf-8")  # over 5 MB
    message = handlers.check_question_upload(str(big))
    assert 'class="qa-error"' in message and "the limit is 5 MB" in visible_text(message)
    summary, metrics, _, rows, csv_path = handlers.run_evaluation("upload", str(big), ["hybrid"], 5,
                                                            ui_index, embedder)
    assert "the limit is 5 MB" in visible_text(summary) and rows == [] and csv_path is None
    small = tmp_path / "small.jsonl"
    small.write_text(line, encoding="utf-8")
    assert handlers.check_question_upload(str(small)) == "" and handlers.check_question_upload(None) == ""
    assert "5\u00a0MB" in handlers.QUESTION_FORMAT and "20\u00a0MB" in handlers.COLLECTIONS_NOTE  # the limits are told


def test_success_at_k_counts_questions_with_a_relevant_document_in_the_top_k():
    from qa.eval.evaluate import EvalQuestion

    class Row:
        def __init__(self, id, rank):
            self.id, self.first_relevant_rank = id, rank

    questions = [EvalQuestion("a", "?", (), ("d1",), True), EvalQuestion("b", "?", (), ("d2",), True),
                 EvalQuestion("c", "?", (), (), False)]
    rows = [Row("a", 1), Row("b", None), Row("c", None)]
    assert evaluate.success_at_k(rows, questions, 3) == [0.5, 0.5, 0.5]
    assert evaluate.success_at_k([Row("a", 3), Row("b", 2)], questions, 3) == [0.0, 0.5, 1.0]


def test_example_questions_come_from_the_question_set(questions_file, tmp_path):
    assert handlers.example_questions(questions_file) == [q["question"] for q in QUESTIONS if q["answerable"]]
    assert handlers.example_questions(tmp_path / "missing.jsonl") == []


# --- the app and its API --------------------------------------------------------------------------

def test_importing_ui_loads_neither_gradio_nor_a_model():
    code = "import sys, ui; print(sorted(m for m in ('gradio', 'torch', 'sentence_transformers', 'faiss') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def client(ui_index, embedder, questions_file):
    from gradio_client import Client

    demo = ui.launch("127.0.0.1", _free_port(), ui_index, embedder, block=False)
    try:
        yield Client(demo.local_url, verbose=False)
    finally:
        demo.close()


def test_api_answer_endpoint_returns_the_answer_as_json(client):
    assert "/answer" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    result = client.predict("Who co-founded 01.AI?", api_name="/answer")
    assert result["abstained"] is False and result["citations"]
    first = result["citations"][0]
    assert first["role"] == "answer" and first["quote"] in result["text"]
    assert {"doc_id", "title", "start", "end", "score"} <= set(first)
    off = client.predict(OFF_TOPIC, "lexical", 3, None, api_name="/answer")
    assert off["abstained"] is True and off["citations"] == [] and off["mode"] == "lexical"


def test_api_reports_a_bad_question_as_an_error_message(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="question is empty"):
        client.predict("   ", api_name="/answer")
    assert client.predict("Who co-founded 01.AI?", api_name="/answer")["citations"]  # still serving


def test_api_serves_several_users_at_once(client):
    jobs = [client.submit(q, api_name="/answer") for q in
            ["Who co-founded 01.AI?", OFF_TOPIC, "What video generator did OpenAI launch?"] * 3]
    results = [job.result(timeout=120) for job in jobs]
    assert [r["abstained"] for r in results] == [False, True, False] * 3


def test_the_served_app_has_the_json_api_and_fills_a_short_gradio_call(client):
    import httpx

    url = client.src.rstrip("/")
    res = httpx.post(f"{url}/v1/answer", json={"question": "Who co-founded 01.AI?"}, timeout=60)
    assert res.status_code == 200 and res.json()["citations"]
    assert httpx.post(f"{url}/v1/answer", json={"question": ""}, timeout=60).status_code == 400
    # Gradio's raw API with the question alone: answered with the defaults, no object repr.
    event = httpx.post(f"{url}/gradio_api/call/answer", json={"data": ["Who co-founded 01.AI?"]}).json()
    stream = httpx.get(f"{url}/gradio_api/call/answer/{event['event_id']}", timeout=60).text
    assert "event: complete" in stream and "object at 0x" not in stream


def test_the_corpus_tab_shows_paths_as_the_user_knows_them():
    class ShippedModel:
        name = "sentence-transformers/all-MiniLM-L6-v2"

    status, rows = handlers.corpus_overview(ROOT / "index", ShippedModel())
    assert rows and "<code>index</code>" in status and "<code>corpus</code>" in status
    assert str(ROOT) not in status


def test_answer_words_are_bold_and_still_escaped():
    from qa.app.render import quote_html
    from qa.reader.extract import Citation

    c = Citation("d", "t", 10, 40, "made by <b>Acme</b> in 2019 ok", 0.9, "answer", (33, 37))
    html = quote_html(c)
    assert '<strong class="qa-key">2019</strong>' in html
    assert "<b>" not in html and "&#60;b&#62;Acme" in html
    assert quote_html(Citation("d", "t", 0, 3, "a<b", 0.5)) == "a&#60;b"


def test_collections_from_the_ui_create_add_and_refuse_the_default(tmp_path, monkeypatch, embedder):
    monkeypatch.setenv("QA_COLLECTIONS_DIR", str(tmp_path / "collections"))
    notice, names, selected = handlers.new_collection("Bad Name")
    assert "not a valid collection name" in notice and selected is None and names == ["default"]
    notice, names, selected = handlers.new_collection("mine")
    assert "created" in notice and names == ["default", "mine"] and selected == "mine"
    assert handlers.app_index_dir("default", tmp_path / "app-index") == tmp_path / "app-index"
    assert handlers.app_index_dir(None, tmp_path / "app-index") == tmp_path / "app-index"
    # An empty collection says so wherever it is used: chat, header, Corpus tab.
    history, _ = handlers.chat_turn("Why?", [], collection="mine", embedder=embedder)
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert "no documents yet" in history[-1]["content"]
    assert "no documents yet" in handlers.header_markdown(collection="mine", embedder=embedder)
    assert "no documents yet" in handlers.corpus_overview(embedder=embedder, collection="mine")[0]
    doc = tmp_path / "up" / "<b>otter.txt"
    doc.parent.mkdir()
    doc.write_text("Otters hold hands while they sleep so that they do not drift apart.\n", encoding="utf-8")
    assert "read-only" in handlers.add_to_collection("default", [str(doc)], embedder)
    assert "Choose one or more" in handlers.add_to_collection("mine", [], embedder)
    report = handlers.add_to_collection("mine", [str(doc)], embedder)
    assert "1 added" in report and "<b>" not in report  # the file name is escaped
    history, _ = handlers.chat_turn("Why do otters hold hands while they sleep?", [], collection="mine",
                              embedder=embedder)
    assert "drift apart" in visible_text(history[-1]["content"])
    status, rows = handlers.corpus_overview(embedder=embedder, collection="mine")
    assert "up to date" in status and [r[1] for r in rows] == ["<b>otter"]
    assert "no documents yet" not in handlers.header_markdown(collection="mine", embedder=embedder)
    # A file that is then skipped while indexing is not reported as added.
    good, empty = tmp_path / "up" / "seals.txt", tmp_path / "up" / "blank.txt"
    good.write_text("Seals sleep in the water with half of their brain awake.\n", encoding="utf-8")
    empty.write_text("   \n", encoding="utf-8")
    report = handlers.add_to_collection("mine", [str(good), str(empty)], embedder)
    assert "added</span> seals.txt to" in report
    assert "Not indexed: blank.txt" in report and "blank.txt: skipped: no indexable text" in report
    report = handlers.add_to_collection("mine", [str(empty)], embedder)
    assert "nothing added" in report and "✓ added" not in report


@pytest.mark.parametrize("k", ["abc", None, 2.7, True, "", float("nan")])
def test_api_k_that_is_no_whole_number_is_a_clear_error(ui_index, embedder, k):
    """Not Python's own message, not 2.7 silently read as 2."""
    import gradio as gr

    with pytest.raises(gr.Error, match=r"k must be a whole number of passages to read, not "):
        handlers.answer_json("Who co-founded 01.AI?", k=k, index_dir=ui_index, embedder=embedder)


@pytest.mark.parametrize("k", [3, 3.0, "3", " 3 "])
def test_api_k_as_a_number_box_or_a_json_string_is_read(ui_index, embedder, k):
    result = handlers.answer_json("Who co-founded 01.AI?", k=k, index_dir=ui_index, embedder=embedder)
    assert 0 < len(result["passages"]) <= 3
