"""The web app driven in headless Chromium, the way a user clicks through it.

Most tests run over an index of the shipped corpus plus one hostile document, built with the fake
``HashEmbedder``. ``test_readme_screenshots`` uses the real model and the project's own index; it
writes its screenshots to ``$QA_SCREENSHOT_DIR`` when set (``docs/screenshots`` refreshes the
README images), else into a temporary folder.
"""

import json
import os
import shutil
import socket
from pathlib import Path

import pytest

import ui
from qa.embed import HashEmbedder
from qa.index.build import build_index

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 30_000
HOSTILE_MARKUP = '<img src=x onerror="window.__xss=1">'
HOSTILE_DOC = (
    "Script injection test page\n\n"
    f"The kettle whistle {HOSTILE_MARKUP} is called a hob whistle in old texts.\n"
    "Prices are $5 or {{value}} or ${window.__xss=2} and *stars* _under_ [link](javascript:alert(1)).\n"
    "Subscribe to our newsletter\n"
)
#: Longer than the viewer's window (``VIEWER_WINDOW_CHARS``): opened a window at a time.
LEDGER_DOC = "Harbour ledger\n\n" + "".join(
    f"Entry {i}: cargo {i} was weighed at the harbour scale and stored in shed {i % 7}.\n" for i in range(2500))
OFF_TOPIC = "What is the boiling point of mercury?"
QUESTIONS = [
    {"id": "q1", "question": "Who co-founded 01.AI?", "answers": ["Kai-Fu Lee"],
     "relevant_docs": ["004_b944f892c64d3546"], "answerable": True},
    {"id": "q2", "question": "What video generator did OpenAI launch?", "answers": ["Sora"],
     "relevant_docs": ["000_aa6b97cd1c7a8afa", "001_dc3372c3a139c97d"], "answerable": True},
    {"id": "q3", "question": f"kettle {HOSTILE_MARKUP} banana", "answers": [], "relevant_docs": [],
     "answerable": False},
]
# Anything hostile markup could run sets this flag; alert() is replaced to set it too.
INIT_SCRIPT = "window.__xss = undefined; window.alert = () => { window.__xss = 'alert'; };"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Chromium with `make browser` "
                    "(apt-get install chromium) to run the browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    base = tmp_path_factory.mktemp("ui-browser")
    corpus = base / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    (corpus / "zz_hostile.txt").write_text(HOSTILE_DOC, encoding="utf-8")
    (corpus / "zz_ledger.txt").write_text(LEDGER_DOC, encoding="utf-8")
    embedder = HashEmbedder()
    build_index(corpus, base / "index", embedder=embedder)
    questions = base / "questions.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")

    examples = [QUESTIONS[0]["question"], QUESTIONS[1]["question"], f"What is the kettle {HOSTILE_MARKUP}?"]
    # User collections go to a temporary folder, never into the project.
    collections = pytest.MonkeyPatch()
    collections.setenv("QA_COLLECTIONS_DIR", str(base / "collections"))
    demo = ui.build_app(base / "index", embedder, examples=examples, questions_file=questions)
    demo.launch(server_name="127.0.0.1", server_port=_free_port(), prevent_thread_lock=True,
                quiet=True, **ui.launch_options())
    try:
        yield demo.local_url
    finally:
        demo.close()
        collections.undo()


def _open(browser, url, width=1400, height=950):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.add_init_script(INIT_SCRIPT)
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_selector("#qa-question textarea")
    return context, page


@pytest.fixture
def page(browser, app_url):
    context, page = _open(browser, app_url)
    try:
        yield page
    finally:
        context.close()


def ask(page, question, wait_for=".qa-answer, .qa-error"):
    """Type a question, press Enter and return the newest reply."""
    before = page.locator("#qa-chat .qa-answer, #qa-chat .qa-error").count()
    page.fill("#qa-question textarea", question)
    page.press("#qa-question textarea", "Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#qa-chat .qa-answer, #qa-chat .qa-error').length > n", arg=before)
    reply = page.locator("#qa-chat").locator(wait_for).last
    reply.wait_for()
    return reply


def assert_no_script_ran(page):
    assert page.evaluate("window.__xss") is None
    assert page.dialogs == []
    assert page.locator('img[src="x"]').count() == 0


def mark_is_in_view(page, viewer="#qa-viewer"):
    """True when the first highlighted span is inside the visible part of the viewer's text box."""
    return page.evaluate("""sel => {
        const box = document.querySelector(sel + ' .qa-doc-body');
        const mark = document.querySelector(sel + ' .qa-doc-body mark.qa-hl');
        if (!box || !mark) return false;
        const b = box.getBoundingClientRect(), m = mark.getBoundingClientRect();
        return m.top >= b.top - 1 && m.top < b.bottom && m.bottom > b.top;
    }""", viewer)


# --- the tests ------------------------------------------------------------------------------------

def test_ask_shows_the_answer_and_its_citation(page):
    reply = ask(page, "Who co-founded 01.AI?")
    assert "Kai-Fu Lee" in reply.locator(".qa-quote").inner_text()
    assert reply.locator(".qa-quote .qa-cite").first.inner_text() == "[1]"
    assert "[1]" in reply.locator(".qa-sources").inner_text()
    assert "answered in" in reply.locator(".qa-time").inner_text()
    assert "Who co-founded 01.AI?" in page.locator("#qa-chat").inner_text()


def test_clicking_a_citation_opens_the_document_at_the_highlighted_span(page):
    reply = ask(page, "Who co-founded 01.AI?")
    quote = reply.locator(".qa-quote").inner_text().rsplit("[1]", 1)[0].strip()
    reply.locator(".qa-quote .qa-cite").first.click()
    mark = page.locator("#qa-viewer .qa-doc-body mark.qa-hl").first
    mark.wait_for()
    assert " ".join(page.locator("#qa-viewer .qa-doc-body mark.qa-hl").all_inner_texts()).split() == quote.split()
    page.wait_for_function("""() => {
        const box = document.querySelector('#qa-viewer .qa-doc-body');
        const mark = document.querySelector('#qa-viewer .qa-doc-body mark.qa-hl');
        if (!box || !mark) return false;
        const b = box.getBoundingClientRect(), m = mark.getBoundingClientRect();
        return m.top >= b.top - 1 && m.top < b.bottom;
    }""")
    assert mark_is_in_view(page)
    # Boilerplate stays in the text, dimmed.
    boiler = page.locator("#qa-viewer .qa-boiler").first
    assert boiler.count() == 1
    assert float(boiler.evaluate("el => getComputedStyle(el).opacity")) < 1


def test_off_topic_question_abstains(page):
    reply = ask(page, OFF_TOPIC, wait_for=".qa-answer")
    text = reply.inner_text()
    assert "The corpus does not say." in text
    assert "CLOSEST PASSAGES (NOT AN ANSWER)" in text.upper()
    assert reply.locator(".qa-sources").count() == 0
    reply.locator(".qa-closest .qa-cite").first.click()  # the closest passage can be read too
    page.locator("#qa-viewer .qa-doc-body mark.qa-hl").first.wait_for()


def test_a_misspelt_name_offers_the_corpus_spelling_and_asks_it_on_click(page):
    reply = ask(page, "Which video generator did Kuaishu release?", wait_for=".qa-answer")
    assert "never mentions 'Kuaishu'" in reply.inner_text()
    link = reply.locator(".qa-suggest .qa-ask")
    assert link.inner_text() == "Which video generator did Kuaishou release?"
    before = page.locator("#qa-chat .qa-answer").count()
    link.click()
    page.wait_for_function(
        "n => document.querySelectorAll('#qa-chat .qa-answer').length > n", arg=before)
    assert page.locator("#qa-chat .qa-q").last.inner_text() == "Which video generator did Kuaishou release?"
    assert page.locator("#qa-chat .qa-answer").last.locator(".qa-suggest").count() == 0


def test_example_question_settings_and_clear(page):
    page.locator("#qa-chat button.example").first.click()
    page.locator("#qa-chat .qa-answer").first.wait_for()
    page.get_by_text("Settings").click()
    page.locator("#qa-settings").get_by_text("lexical", exact=True).click()
    reply = ask(page, "What video generator did OpenAI launch?")
    assert "lexical" in reply.locator(".qa-time").inner_text()
    assert page.locator("#qa-chat .qa-answer").count() == 2  # the chat keeps its history
    page.click("#qa-clear")
    page.wait_for_function("() => !document.querySelector('#qa-chat .qa-answer')")
    assert page.locator("#qa-chat button.example").count() >= 1


def test_empty_question_gets_a_friendly_message(page):
    page.fill("#qa-question textarea", "   ")
    page.click("#qa-ask")
    page.locator("#qa-chat .qa-error").wait_for()
    assert "Type a question" in page.locator("#qa-chat .qa-error").inner_text()


def test_corpus_tab_lists_documents_and_freshness(page):
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#qa-corpus-status .qa-ok").wait_for()
    assert "up to date" in page.locator("#qa-corpus-status").inner_text()
    table = page.locator("#qa-corpus-table")
    table.get_by_text("zz_hostile").wait_for()
    table.get_by_text("zz_hostile").click()
    page.locator("#qa-corpus-viewer .qa-doc-title").wait_for()
    assert "Script injection test page" in page.locator("#qa-corpus-viewer .qa-doc-title").inner_text()
    assert HOSTILE_MARKUP in page.locator("#qa-corpus-viewer .qa-doc-body").inner_text()
    assert_no_script_ran(page)


def test_a_long_document_opens_a_window_at_a_time_in_the_corpus_viewer(page):
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#qa-corpus-status .qa-ok").wait_for()
    page.locator("#qa-corpus-table").get_by_text("zz_ledger").click()
    body = page.locator("#qa-corpus-viewer .qa-doc-body")
    body.wait_for()
    first = body.inner_text()
    assert first.startswith("Harbour ledger") and "Entry 2499:" not in first
    page.locator("#qa-corpus-viewer .qa-doc-more a", has_text="show later text").click()
    page.wait_for_function("() => { const b = document.querySelector('#qa-corpus-viewer .qa-doc-body');"
                           " return b && !b.innerText.startsWith('Harbour ledger'); }")
    later = body.inner_text()
    assert later.startswith("Entry ") and later.split(":", 1)[0] not in first.split("\n")[-2]
    assert page.locator("#qa-corpus-viewer .qa-doc-more a", has_text="show earlier text").count() == 1
    # The Ask tab's viewer was not touched.
    assert "qa-doc-empty" in page.locator("#qa-viewer").inner_html()


def test_evaluate_tab_shows_metrics_chart_and_questions(page):
    page.get_by_role("tab", name="Evaluate").click()
    page.click("#qa-eval-run")
    page.locator("#qa-eval-summary .qa-status").wait_for(timeout=120_000)
    assert "3 questions (2 answerable, 1 unanswerable)" in page.locator("#qa-eval-summary").inner_text()
    metrics = page.locator("#qa-eval-metrics")
    for text in ("recall@5", "answer hit@1", "abstention recall", "hybrid", "dense", "lexical"):
        metrics.get_by_text(text, exact=True).first.wait_for()
    page.locator("#qa-eval-chart canvas, #qa-eval-chart svg").first.wait_for()
    page.locator("#qa-eval-questions").get_by_text("q2", exact=True).first.wait_for()
    download = page.locator("#qa-eval-download")
    assert download.is_enabled()
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename.endswith(".csv")
    assert HOSTILE_MARKUP in page.locator("#qa-eval-questions").inner_text()
    assert_no_script_ran(page)


def test_evaluate_an_uploaded_question_file(page, tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    upload = tmp_path / "mine.jsonl"
    upload.write_text(json.dumps(QUESTIONS[2]) + "\n", encoding="utf-8")
    page.get_by_role("tab", name="Evaluate").click()
    page.get_by_text("Upload a .jsonl file").click()
    # The upload box is shown by a server round trip; on a loaded machine a file set before it is
    # mounted lands on an input Gradio then replaces. Wait for it, and set the file again once if
    # its name does not show.
    page.locator("#qa-eval-upload").wait_for(state="visible", timeout=90_000)
    for attempt in range(2):
        page.locator("#qa-eval-upload input[type=file]").set_input_files(str(upload))
        try:
            page.locator("#qa-eval-upload").get_by_text("mine.jsonl").first.wait_for(timeout=45_000)
            break
        except PlaywrightTimeoutError:
            if attempt == 1:
                raise
    # The file name shows as soon as the browser has it; on a loaded machine the server may not
    # have received it when Run is clicked ("Choose a .jsonl file" then): click again, once.
    for attempt in range(2):
        page.click("#qa-eval-run")
        try:
            page.locator("#qa-eval-summary").get_by_text("mine.jsonl").wait_for(timeout=60_000)
            break
        except PlaywrightTimeoutError:
            if attempt == 1:
                raise
    assert "1 question (0 answerable, 1 unanswerable)" in page.locator("#qa-eval-summary").inner_text()
    assert_no_script_ran(page)


def test_hostile_markup_is_shown_literally_and_never_runs(page):
    assert HOSTILE_MARKUP in page.locator("#qa-chat button.example").last.inner_text()
    reply = ask(page, f"What is the kettle whistle {HOSTILE_MARKUP} called?")
    assert HOSTILE_MARKUP in page.locator("#qa-chat .qa-q").last.inner_text()
    assert HOSTILE_MARKUP in reply.inner_text()
    reply.locator(".qa-quote .qa-cite").first.click()
    page.locator("#qa-viewer .qa-doc-body mark.qa-hl").first.wait_for()
    body = page.locator("#qa-viewer .qa-doc-body").inner_text()
    assert HOSTILE_MARKUP in body and "${window.__xss=2}" in body and "{{value}}" in body
    assert "[link](javascript:alert(1))" in body
    assert_no_script_ran(page)


def test_new_collection_upload_and_ask_it(page, tmp_path):
    doc = tmp_path / "quagga.txt"
    doc.write_text("Quagga notes\n\nThe quagga was a plains zebra that lived in the Karoo of South "
                   "Africa until 1883.\n", encoding="utf-8")
    page.get_by_role("tab", name="Corpus").click()
    page.fill("#qa-new-name textarea, #qa-new-name input", "mine")
    page.click("#qa-new-collection")
    page.locator("#qa-add-report").get_by_text("created").wait_for()
    page.wait_for_function("() => document.querySelector('#qa-collection input').value === 'mine'")
    page.locator("#qa-add-documents input[type=file]").set_input_files(str(doc))
    report = page.locator("#qa-add-report")
    report.get_by_text("1 added", exact=False).wait_for(timeout=60_000)
    assert "quagga.txt" in report.inner_text()
    page.locator("#qa-corpus-table [data-testid='cell-0-1']").get_by_text("quagga").wait_for()
    page.get_by_role("tab", name="Ask").click()
    reply = ask(page, "Where did the quagga live?")
    assert "Karoo" in reply.locator(".qa-quote").inner_text()
    assert "quagga" in reply.locator(".qa-sources").inner_text()
    reply.locator(".qa-quote .qa-cite").first.click()
    page.locator("#qa-viewer .qa-doc-body mark.qa-hl").first.wait_for()
    assert "Quagga notes" in page.locator("#qa-viewer").inner_text()


# --- README screenshots, from the real model and the project's index -----------------------------

@pytest.mark.slow
def test_readme_screenshots(browser, tmp_path):
    from qa.config import DEFAULT_MODEL_NAME, default_index_dir
    from qa.index.build import index_is_current, read_manifest, recorded_corpus_dir

    index_dir = default_index_dir()
    if not (index_dir / "manifest.json").exists():
        pytest.skip(f"no index in {index_dir}: run `make index` first")
    fresh, why = index_is_current(index_dir, recorded_corpus_dir(index_dir, read_manifest(index_dir)),
                                  DEFAULT_MODEL_NAME)
    if not fresh:
        pytest.skip(f"the index in {index_dir} is not current ({why}): run `make index` first")
    out = Path(os.environ.get("QA_SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    from qa.answer import answer

    answer("warm up", index_dir=index_dir)  # load the model first: the pictures show warm timings
    demo = ui.launch("127.0.0.1", _free_port(), index_dir, block=False)
    context, page = _open(browser, demo.local_url, width=1440, height=1000)
    try:
        # Asking an agreeing-sources question first also waits out the model's warm-up.
        reply = ask(page, "What video generator did OpenAI launch?")
        reply.locator(".qa-sources").wait_for()
        page.mouse.move(0, 0)
        page.screenshot(path=out / "ask.png")
        reply.locator(".qa-quote .qa-cite").first.click()
        page.locator("#qa-viewer .qa-doc-body mark.qa-hl").first.wait_for()
        page.wait_for_function("() => document.querySelector('#qa-viewer .qa-doc-body').scrollTop > 0 "
                               "|| document.querySelector('#qa-viewer .qa-doc-body mark.qa-hl').offsetTop < 300")
        page.screenshot(path=out / "source.png")
        page.click("#qa-clear")
        page.wait_for_function("() => !document.querySelector('#qa-chat .qa-answer')")
        ask(page, "What is the boiling point of mercury?", wait_for=".qa-abstained")
        page.mouse.move(0, 0)
        page.screenshot(path=out / "abstain.png")
        page.get_by_role("tab", name="Corpus").click()
        page.locator("#qa-corpus-status .qa-status").wait_for()
        page.locator("#qa-corpus-table [data-testid='cell-0-0']").click()
        page.locator("#qa-corpus-viewer .qa-doc-title").wait_for()
        page.mouse.move(0, 0)
        page.screenshot(path=out / "corpus.png", full_page=True)
        page.get_by_role("tab", name="Evaluate").click()
        page.click("#qa-eval-run")
        page.locator("#qa-eval-summary .qa-status").wait_for(timeout=300_000)
        page.locator("#qa-eval-chart canvas, #qa-eval-chart svg").first.wait_for()
        page.mouse.move(0, 0)
        page.wait_for_timeout(1000)  # let the chart finish drawing before the picture
        page.screenshot(path=out / "evaluate.png", full_page=True)
        assert_no_script_ran(page)
    finally:
        context.close()
        demo.close()
    for name in ("ask", "source", "abstain", "corpus", "evaluate"):
        assert (out / f"{name}.png").stat().st_size > 10_000


def test_an_oversized_upload_is_refused(page, tmp_path):
    big = tmp_path / "huge.jsonl"
    line = json.dumps(QUESTIONS[2]) + "\n"
    big.write_text(line * (21 * 1024 * 1024 // len(line) + 1), encoding="utf-8")  # over 20 MB
    page.get_by_role("tab", name="Evaluate").click()
    page.get_by_text("Upload a .jsonl file").click()
    page.locator("#qa-eval-upload").wait_for(state="visible", timeout=90_000)  # shown by a server round trip
    page.locator("#qa-eval-upload input[type=file]").set_input_files(str(big))
    page.get_by_text("exceed the maximum allowed size", exact=False).first.wait_for(timeout=30_000)
    assert page.locator("#qa-eval-upload").get_by_text("huge.jsonl").count() == 0


def test_a_question_file_over_5_mb_is_refused_with_a_message(page, tmp_path):
    # Under the server's 20 MB limit (documents) but over the 5 MB limit of question files.
    big = tmp_path / "big.jsonl"
    line = json.dumps(QUESTIONS[2]) + "\n"
    big.write_text(line * (6 * 1024 * 1024 // len(line) + 1), encoding="utf-8")
    page.get_by_role("tab", name="Evaluate").click()
    page.get_by_text("Upload a .jsonl file").click()
    page.locator("#qa-eval-upload").wait_for(state="visible", timeout=90_000)  # shown by a server round trip
    page.locator("#qa-eval-upload input[type=file]").set_input_files(str(big))
    page.locator("#qa-eval-summary .qa-error").wait_for(timeout=60_000)
    assert "the limit is 5 MB" in page.locator("#qa-eval-summary").inner_text()
    page.wait_for_function(
        "() => !document.querySelector('#qa-eval-upload').innerText.includes('big.jsonl')")


def test_evaluate_judged_queries_from_queries_and_qrels_files(page, tmp_path):
    queries = tmp_path / "queries.jsonl"
    queries.write_text("".join(json.dumps({"_id": q["id"], "text": q["question"]}) + "\n"
                               for q in QUESTIONS[:2]), encoding="utf-8")
    qrels = tmp_path / "test.qrels"
    qrels.write_text("q1 0 004_b944f892c64d3546 2\nq2 0 000_aa6b97cd1c7a8afa 1\n"
                     "q2 0 001_dc3372c3a139c97d 2\nq2 0 not_in_the_index 1\n", encoding="utf-8")
    page.get_by_role("tab", name="Evaluate").click()
    page.locator("#qa-judged-upload input[type=file]").set_input_files([str(queries), str(qrels)])
    page.wait_for_function("() => document.querySelector('#qa-judged-upload').innerText.includes('.qrels')",
                           timeout=90_000)
    page.click("#qa-judged-run")
    page.locator("#qa-judged-summary .qa-status").wait_for(timeout=120_000)
    summary = page.locator("#qa-judged-summary").inner_text()
    assert "2 judged queries scored" in summary and "p = " in summary
    assert "not_in_the_index" in summary  # a judged document the index lacks is reported
    table = page.locator("#qa-judged-metrics")
    table.get_by_text("ndcg@10", exact=True).first.wait_for()
    shown = table.inner_text()
    for text in ("ndcg@10", "recall@100", "mrr@10", "p (dense vs hybrid)", "p (lexical vs hybrid)"):
        assert text in shown
    page.locator("#qa-judged-chart canvas, #qa-judged-chart svg").first.wait_for()
    page.locator("#qa-judged-queries").get_by_text("q2", exact=True).first.wait_for()
    assert_no_script_ran(page)
