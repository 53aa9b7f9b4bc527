"""The web app: ask the corpus, read the cited source, inspect the index, evaluate.

A thin edge over the library: every answer comes from ``qa.answer.answer()``, every document from
``qa.answer.get_index()``, every metric from ``qa.evaluate``, and every piece of HTML from
``qa.render`` (which escapes all text that comes from a document, a question or an uploaded file).
This module builds the Gradio app, binds the handlers to an index, and turns ``QAError``s into
one-line messages.

``build_app()`` returns the ``gr.Blocks``; ``launch()`` serves it (``qa serve`` calls it).
Importing this module is cheap: Gradio, the index and the model load only when the app is built.
"""

import csv
import os
import tempfile
import threading
from pathlib import Path
from typing import Any, Sequence

from qa.config import DEFAULT_SETTINGS, MODES, PROJECT_ROOT
from qa.errors import QAError
from qa.evaluate import success_at_k  # noqa: F401  (part of ui's public names)
# Rendering lives in qa.render; these names stay importable from ``ui`` for existing callers.
from qa.render import (  # noqa: F401
    CITE_PREFIX, CORPUS_COLUMNS, MAX_CHART_K, METRIC_LABELS, N_CLOSEST, QUESTION_COLUMNS,
    QUESTION_WIDTHS, VIEWER_PLACEHOLDER, chart_points, cite_href, corpus_rows, escape_inline,
    escape_text, metrics_rows, parse_cite_ref, question_rows, quote_html, render_abstention,
    render_answer, render_build_report, render_corpus_status, render_document, render_error,
    render_eval_summary, render_question,
)
from qa.ui_assets import BRIDGE_JS, CSS, VIEWER_JS

#: The question set offered on the Evaluate tab.
BUNDLED_QUESTIONS = PROJECT_ROOT / "eval" / "corpus_qa.jsonl"
#: Requests answered at the same time; the library is thread-safe, and with 2-4 cores a few
#: parallel answers keep every user responsive without oversubscribing the CPU.
CONCURRENCY = 4
#: How many example questions are offered on an empty chat.
N_EXAMPLES = 4


# --- handlers (plain functions of their inputs; build_app binds index_dir and embedder) ----------

def open_citation(ref: Any, index_dir=None, embedder=None) -> str:
    """The document viewer's HTML for a clicked citation (or a one-line message)."""
    try:
        doc_id, start, end, label = parse_cite_ref(ref)
    except ValueError:
        return VIEWER_PLACEHOLDER
    try:
        index = _get_index(index_dir, embedder)
        doc = index.document(doc_id)
    except QAError as exc:
        return render_error(str(exc))
    except KeyError:
        return render_error(f"{doc_id} is no longer in the index (it was rebuilt); ask again.")
    return render_document(doc, start, end, label)


def _embedder_or_default(embedder):
    if embedder is not None:
        return embedder
    from qa.embed import default_embedder

    return default_embedder()


def _get_index(index_dir, embedder):
    """The loaded index, for reading documents. A stale index is still readable (the Corpus tab
    reports staleness, and ``answer()`` refuses to answer from it), so staleness is not checked."""
    from qa.answer import get_index

    return get_index(index_dir, _embedder_or_default(embedder).name, check_stale=False)


def chat_turn(question: str, history: list | None, mode: str = "hybrid", k: int = 5,
              threshold: float | None = None, index_dir=None, embedder=None) -> tuple[list, str]:
    """Answer ``question`` and append both turns to the chat ``history``; returns (history, "").

    A ``QAError`` (empty question, missing or stale index...) becomes a one-line message in the
    chat instead of an exception, so the app keeps serving.
    """
    from qa.answer import answer

    history = list(history or [])
    k = int(k)
    if not isinstance(question, str) or not question.strip():
        history.append({"role": "assistant",
                        "content": render_error("Type a question about the documents first.")})
        return history, ""
    history.append({"role": "user", "content": render_question(question)})
    try:
        result = answer(question, k=k, index_dir=index_dir, mode=mode, threshold=threshold,
                        embedder=embedder)
    except QAError as exc:
        history.append({"role": "assistant", "content": render_error(str(exc))})
        return history, ""
    history.append({"role": "assistant", "content": render_answer(result, k)})
    return history, ""


def answer_json(question: str, mode: str = "hybrid", k: int = 5, threshold: float | None = None,
                index_dir=None, embedder=None) -> dict:
    """``answer(...).to_dict()``; a ``QAError`` is re-raised as ``gr.Error`` (a clean API error)."""
    import gradio as gr

    from qa.answer import answer

    try:
        return answer(question, k=int(k), index_dir=index_dir, mode=mode or None,
                      threshold=threshold, embedder=embedder).to_dict()
    except QAError as exc:
        raise gr.Error(str(exc), print_exception=False) from exc


def example_questions(path: Path = BUNDLED_QUESTIONS, n: int = N_EXAMPLES) -> list[str]:
    """Up to ``n`` answerable questions of a question set, spread evenly over the file (question
    sets are usually grouped by topic), in file order; none if the file is missing or unreadable."""
    from qa.evaluate import load_questions

    if not Path(path).is_file():
        return []
    try:
        answerable = [q.question for q in load_questions(path) if q.answerable]
    except QAError:
        return []
    if len(answerable) <= n:
        return answerable
    return [answerable[i * len(answerable) // n] for i in range(n)]


# --- corpus tab -----------------------------------------------------------------------------------

def corpus_overview(index_dir=None, embedder=None) -> tuple[str, list[list]]:
    """(status HTML, one row per indexed document in ``CORPUS_COLUMNS`` order) for the Corpus tab."""
    import numpy as np

    from qa.config import default_index_dir
    from qa.index import index_is_current, recorded_corpus_dir

    folder = Path(index_dir or default_index_dir())
    emb = _embedder_or_default(embedder)
    try:
        index = _get_index(index_dir, embedder)
    except QAError as exc:
        return render_error(str(exc)), []
    corpus_dir = recorded_corpus_dir(folder, index.manifest)
    if corpus_dir is None:
        fresh, why = False, "the manifest does not record the corpus folder"
    else:
        fresh, why = index_is_current(folder, corpus_dir, emb.name)
    chunks = np.bincount(np.asarray(index.chunk_table[:, 0], dtype=np.int64),
                         minlength=len(index.documents))
    status = render_corpus_status(index.manifest, folder, corpus_dir, fresh, why)
    return status, corpus_rows(index.documents, chunks)


def open_document_row(row_value: Sequence | None, index_dir=None, embedder=None) -> str:
    """The viewer HTML for the document of a Corpus-table row (its ``Document`` column)."""
    if not row_value or len(row_value) < 2:
        return VIEWER_PLACEHOLDER
    try:
        doc = _get_index(index_dir, embedder).document(str(row_value[1]))
    except QAError as exc:
        return render_error(str(exc))
    except KeyError:
        return render_error("that document is no longer in the index; press Refresh")
    return render_document(doc)


# --- collections ---------------------------------------------------------------------------------

#: File types the "Add documents" area offers (every one has a reader in ``qa.formats``).
DOCUMENT_TYPES = [".txt", ".md", ".html", ".htm", ".pdf", ".jsonl"]
COLLECTIONS_NOTE = (
    "Documents are added to the selected collection and indexed at once. The **default** "
    "collection (the shipped corpus) is read-only: create a collection first, then add to it. "
    "Up to 20 MB per file.")


def collection_index_dir(name: str | None, default_index_dir=None):
    """The index folder of collection ``name``; the default collection is ``default_index_dir``
    (the app's own index, ``index/`` when None). ``CorpusError`` for an invalid name."""
    from qa.collections import DEFAULT_COLLECTION, collection_paths

    if not name or name == DEFAULT_COLLECTION:
        return default_index_dir
    return collection_paths(name).index_dir


def empty_collection_message(name: str | None, index_dir) -> str | None:
    """A one-line hint when ``name`` is a user collection with no index yet, else None."""
    from qa.collections import DEFAULT_COLLECTION

    if not name or name == DEFAULT_COLLECTION or (Path(index_dir) / "manifest.json").exists():
        return None
    return (f"The collection {name!r} has no documents yet: add some in the Corpus tab "
            "(Add documents).")


def new_collection(name: str | None) -> tuple[str, list[str], str | None]:
    """Create collection ``name``: (notice HTML, every collection name, the name to select or None)."""
    from qa.collections import create_collection, list_collections

    name = (name or "").strip()
    try:
        create_collection(name)
    except QAError as exc:
        return render_error(str(exc)), list_collections(), None
    notice = (f'<div class="qa-status"><span class="qa-ok">✓ created</span> collection '
              f'<code>{escape_text(name)}</code>: add documents to it below.</div>')
    return notice, list_collections(), name


def add_to_collection(name: str | None, files: Sequence | None, embedder=None) -> str:
    """Add uploaded ``files`` (paths, or objects with ``.name``) to collection ``name`` and update
    its index; the report as HTML, or a one-line message."""
    from qa.collections import add_documents

    paths = [str(getattr(f, "name", f)) for f in (files or [])]
    if not paths:
        return render_error("Choose one or more documents to add first.")
    try:
        report = add_documents(name or "", paths, embedder=_embedder_or_default(embedder))
    except QAError as exc:
        return render_error(str(exc))
    return render_build_report(report, name or "", [Path(p).name for p in paths])


# --- evaluate tab ---------------------------------------------------------------------------------

QUESTION_FORMAT = (
    "One JSON object per line: `id`, `question`, `answers` (strings a correct answer contains), "
    "`relevant_docs` (document ids) and `answerable` (false when the corpus cannot answer). "
    "Metrics run every question through `answer()` in each chosen mode.")


def run_evaluation(source: str, upload: Any, modes: Sequence[str], k: int, index_dir=None,
                   embedder=None, progress=None, bundled: Path = BUNDLED_QUESTIONS
                   ) -> tuple[str, list[list], Any, list[list], str | None]:
    """Evaluate a question set in each mode: ``bundled`` when ``source`` is "bundled", else the
    uploaded file ``upload`` (a path, or an object with ``.name``).

    Returns (summary HTML, metrics rows [metric, *per mode], chart DataFrame (k, share, mode),
    per-question rows, path of a CSV with the per-question rows or None).
    """
    import pandas as pd

    from qa.evaluate import evaluate, load_questions

    empty_chart = pd.DataFrame({"k": [], "share": [], "mode": []})
    if source == "upload":
        path = getattr(upload, "name", upload)
        if not path:
            return render_error("Choose a .jsonl file to upload first."), [], empty_chart, [], None
    else:
        path = bundled
    modes = [m for m in MODES if m in (modes or [])]
    if not modes:
        return render_error("Pick at least one retrieval mode."), [], empty_chart, [], None
    try:
        questions = load_questions(path)
        reports = []
        for i, mode in enumerate(modes):
            if progress is not None:
                progress(i / len(modes), desc=f"evaluating {mode} ({len(questions)} questions)")
            reports.append(evaluate(questions, index_dir=index_dir, k=int(k), mode=mode,
                                    embedder=embedder))
    except QAError as exc:
        return render_error(str(exc)), [], empty_chart, [], None
    summary = render_eval_summary(reports[0].metrics, Path(path).name, k)
    chart = pd.DataFrame(chart_points(reports, questions, MAX_CHART_K))
    table, csv_rows = question_rows(reports)
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", suffix=".csv",
                                         prefix="qa-evaluation-", delete=False)
    with handle:
        writer = csv.writer(handle)
        writer.writerow(QUESTION_COLUMNS)
        writer.writerows(csv_rows)
    return summary, metrics_rows(reports), chart, table, handle.name


# --- the app --------------------------------------------------------------------------------------

def _theme():
    import gradio as gr

    # System fonts only: a Google font would be a hidden download at run time.
    return gr.themes.Soft(
        primary_hue="indigo", secondary_hue="amber", neutral_hue="slate",
        font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    )


def _header(index_dir, embedder) -> str:
    try:
        index = _get_index(index_dir, embedder)
    except QAError as exc:
        return f"# Ask the corpus\n\n{render_error(str(exc))}"
    counts = index.manifest.get("counts", {})
    return ("# Ask the corpus\n\nEvery answer is a sentence quoted verbatim from the "
            f"{counts.get('documents', '?')} indexed documents, with its source, or a plain "
            "*the corpus does not say*.")


def build_app(index_dir=None, embedder=None, examples: Sequence[str] | None = None,
              questions_file=None):
    """The Gradio app over the index in ``index_dir`` (default ``index/``).

    ``embedder`` replaces the bundled model (the index must have been built with it);
    ``questions_file`` replaces the bundled question set of the Evaluate tab (default
    ``eval/corpus_qa.jsonl``); ``examples`` replaces the example questions (default: the first
    answerable questions of that set). The returned Blocks
    is already queued with ``CONCURRENCY`` parallel workers; serve it with ``launch()`` or
    ``blocks.launch(**launch_options())``.
    """
    import gradio as gr

    from qa.collections import DEFAULT_COLLECTION, list_collections

    bind = {"embedder": embedder}
    questions_file = Path(questions_file or BUNDLED_QUESTIONS)
    if examples is None:
        examples = example_questions(questions_file)
    default_threshold = DEFAULT_SETTINGS.extract.abstain_threshold

    with gr.Blocks(title="Corpus QA", analytics_enabled=False) as demo:
        header = gr.Markdown(_header(index_dir, embedder), elem_id="qa-header")
        collection = gr.Dropdown(list_collections(), value=DEFAULT_COLLECTION, label="Collection",
                                 info="which documents the Ask, Corpus and Evaluate tabs use",
                                 elem_id="qa-collection", interactive=True)
        bridge = gr.HTML("", html_template="<span></span>", js_on_load=BRIDGE_JS,
                         elem_id="qa-bridge", visible="hidden")
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5, min_width=380):
                        chatbot = gr.Chatbot(
                            label="Answers", show_label=False, elem_id="qa-chat", height=560,
                            layout="bubble", buttons=[], feedback_options=None,
                            # Our HTML is already escaped; sanitizing is a second fence, and LaTeX
                            # off keeps "$$" in a document from being typeset.
                            sanitize_html=True, latex_delimiters=[],
                            placeholder=("**Ask a question about the documents.**\n\n"
                                         "Answers are quoted from the corpus; click a citation "
                                         "to read it in context."),
                            examples=[{"text": q} for q in examples] or None,
                        )
                        with gr.Row():
                            question = gr.Textbox(placeholder="Ask a question, then press Enter",
                                                  show_label=False, scale=8, max_lines=4,
                                                  elem_id="qa-question", autofocus=True)
                            ask = gr.Button("Ask", variant="primary", scale=1, min_width=80,
                                            elem_id="qa-ask")
                            clear = gr.Button("Clear", variant="secondary", scale=1, min_width=80,
                                              elem_id="qa-clear")
                        with gr.Accordion("Settings", open=False, elem_id="qa-settings"):
                            mode = gr.Radio(list(MODES), value=DEFAULT_SETTINGS.mode,
                                            label="Retrieval mode",
                                            info="hybrid fuses dense (meaning) and lexical (words) search")
                            k = gr.Slider(1, 20, value=5, step=1, label="Passages read (k)")
                            threshold = gr.Slider(
                                0.0, 1.0, value=default_threshold, step=0.01, label="Abstention threshold",
                                info="evidence scoring below this gets 'the corpus does not say'")
                    with gr.Column(scale=4, min_width=320):
                        viewer = gr.HTML(VIEWER_PLACEHOLDER, js_on_load=VIEWER_JS, elem_id="qa-viewer",
                                         label="Source", padding=False)
            with gr.Tab("Corpus", id="corpus") as corpus_tab:
                corpus_status = gr.HTML(elem_id="qa-corpus-status")
                corpus_table = gr.Dataframe(headers=CORPUS_COLUMNS, datatype=["str"] * 6,
                                            interactive=False, wrap=True, latex_delimiters=[],
                                            elem_id="qa-corpus-table", elem_classes=["qa-table"],
                                            column_widths=["38%", "18%", "10%", "11%", "9%", "14%"],
                                            label="Documents in the index (select one to read it)")
                refresh = gr.Button("Refresh", size="sm", elem_id="qa-refresh")
                corpus_viewer = gr.HTML("", elem_id="qa-corpus-viewer", padding=False)
                with gr.Accordion("Add documents", open=True, elem_id="qa-add"):
                    gr.Markdown(COLLECTIONS_NOTE, elem_classes=["qa-meta"])
                    with gr.Row(equal_height=True):
                        new_name = gr.Textbox(label="New collection", max_lines=1, scale=3,
                                              placeholder="a name: a-z, 0-9, - and _",
                                              elem_id="qa-new-name")
                        create = gr.Button("New collection", scale=1, elem_id="qa-new-collection")
                    add_files = gr.File(label="Add documents", file_count="multiple",
                                        file_types=DOCUMENT_TYPES, interactive=False,
                                        elem_id="qa-add-documents")
                    add_report = gr.HTML("", elem_id="qa-add-report")
            with gr.Tab("Evaluate", id="evaluate"):
                with gr.Row():
                    with gr.Column(scale=2):
                        initial_source = "bundled" if questions_file.is_file() else "upload"
                        source = gr.Radio([("Bundled question set", "bundled"),
                                           ("Upload a .jsonl file", "upload")],
                                          value=initial_source, label="Questions", elem_id="qa-eval-source")
                        upload = gr.File(label="Question file (.jsonl)", file_types=[".jsonl"],
                                         visible=initial_source == "upload", elem_id="qa-eval-upload")
                        gr.Markdown(QUESTION_FORMAT, elem_classes=["qa-meta"])
                    with gr.Column(scale=2):
                        eval_modes = gr.CheckboxGroup(list(MODES), value=list(MODES),
                                                      label="Retrieval modes", elem_id="qa-eval-modes")
                        eval_k = gr.Slider(1, 20, value=5, step=1, label="Passages read per question (k)")
                        run = gr.Button("Run evaluation", variant="primary", elem_id="qa-eval-run")
                eval_summary = gr.HTML(elem_id="qa-eval-summary")
                with gr.Row(equal_height=False):
                    metrics_table = gr.Dataframe(
                        headers=["metric", *MODES], interactive=False, latex_delimiters=[], label="Metrics",
                        elem_id="qa-eval-metrics", elem_classes=["qa-table"], scale=2)
                    chart = gr.LinePlot(
                        x="k", y="share", color="mode", x_title="k (documents retrieved)",
                        y_title="share of questions", y_lim=[0, 1.05], x_lim=[1, MAX_CHART_K],
                        x_axis_format="d", title="A relevant document in the top k", label="Retrieval",
                        elem_id="qa-eval-chart", scale=3)
                per_question = gr.Dataframe(
                    headers=QUESTION_COLUMNS, interactive=False, wrap=True, latex_delimiters=[],
                    label="Per question (rank: position of the first relevant document)",
                    column_widths=QUESTION_WIDTHS, max_height=520, elem_id="qa-eval-questions",
                    elem_classes=["qa-table"])
                download = gr.DownloadButton("Download per-question CSV", value=None, interactive=False,
                                             elem_id="qa-eval-download", size="sm")

        # --- wiring ---
        def index_of(name):
            return collection_index_dir(name, index_dir)

        def turn(question_value, history, mode_value, k_value, threshold_value, name):
            folder = index_of(name)
            empty = empty_collection_message(name, folder)
            if empty and isinstance(question_value, str) and question_value.strip():
                return [*(history or []), {"role": "user", "content": render_question(question_value)},
                        {"role": "assistant", "content": render_error(empty)}], ""
            return chat_turn(question_value, history, mode_value, k_value, threshold_value,
                             index_dir=folder, **bind)

        ask_inputs = [question, chatbot, mode, k, threshold, collection]
        for trigger in (question.submit, ask.click):
            trigger(turn, ask_inputs, [chatbot, question], api_visibility="private")

        def from_example(history, mode_value, k_value, threshold_value, name, evt: gr.SelectData):
            value = evt.value if isinstance(evt.value, dict) else {}
            return turn(value.get("text", ""), history, mode_value, k_value, threshold_value, name)

        chatbot.example_select(from_example, [chatbot, mode, k, threshold, collection],
                               [chatbot, question], api_visibility="private")
        clear.click(lambda: ([], "", VIEWER_PLACEHOLDER), None, [chatbot, question, viewer],
                    api_visibility="private")

        def on_cite(name, evt: gr.EventData):
            data = getattr(evt, "_data", None) or {}
            return open_citation(data.get("ref"), index_dir=index_of(name), **bind)

        bridge.cite(on_cite, collection, viewer, api_visibility="private")

        def load_corpus(name):
            folder = index_of(name)
            empty = empty_collection_message(name, folder)
            if empty:
                return render_error(empty), []
            return corpus_overview(index_dir=folder, **bind)

        for trigger in (corpus_tab.select, refresh.click):
            trigger(load_corpus, collection, [corpus_status, corpus_table], api_visibility="private")

        def on_row(name, evt: gr.SelectData):
            return open_document_row(evt.row_value, index_dir=index_of(name), **bind)

        corpus_table.select(on_row, collection, corpus_viewer, api_visibility="private")

        def header_of(name):
            folder = index_of(name)
            empty = empty_collection_message(name, folder)
            return f"# Ask the corpus\n\n{render_error(empty)}" if empty else _header(folder, embedder)

        def on_switch(name):
            # Citations in the chat point into the previous collection's documents: start afresh.
            status, rows = load_corpus(name)
            return (header_of(name), [], "", VIEWER_PLACEHOLDER, status, rows, "",
                    gr.update(interactive=bool(name) and name != DEFAULT_COLLECTION))

        # The add-documents notice is left alone: creating a collection selects it, and the
        # "created" notice must survive that switch.
        collection.change(on_switch, collection,
                          [header, chatbot, question, viewer, corpus_status, corpus_table, corpus_viewer,
                           add_files], api_visibility="private")
        demo.load(lambda: gr.update(choices=list_collections()), None, collection,
                  api_visibility="private")

        def on_create(name):
            notice, names, selected = new_collection(name)
            if selected is None:
                return notice, gr.update(choices=names), gr.update()
            return notice, gr.update(choices=names, value=selected), ""

        for trigger in (create.click, new_name.submit):
            trigger(on_create, new_name, [add_report, collection, new_name], api_visibility="private")

        def on_add(name, files):
            return add_to_collection(name, files, **bind), None

        # One index update at a time: two builds of one collection must not race.
        add_files.upload(on_add, [collection, add_files], [add_report, add_files],
                         concurrency_limit=1, concurrency_id="collections", api_visibility="private",
                         ).then(load_corpus, collection, [corpus_status, corpus_table],
                                api_visibility="private"
                         ).then(header_of, collection, header, api_visibility="private")

        source.change(lambda s: gr.update(visible=s == "upload"), source, upload, api_visibility="private")

        def on_run(source_value, upload_value, modes_value, k_value, name, progress=gr.Progress()):
            summary, metrics, chart_df, table, csv_path = run_evaluation(
                source_value, upload_value, modes_value, k_value, progress=progress,
                bundled=questions_file, index_dir=index_of(name), **bind)
            shown = [m for m in MODES if m in (modes_value or [])]
            return (summary, gr.update(value=metrics, headers=["metric", *shown] if metrics else None),
                    chart_df, table, gr.update(value=csv_path, interactive=csv_path is not None))

        # Evaluations are long and CPU-bound: one at a time, so that they never starve answers.
        run.click(on_run, [source, upload, eval_modes, eval_k, collection],
                  [eval_summary, metrics_table, chart, per_question, download],
                  concurrency_limit=1, concurrency_id="evaluate", api_visibility="private")

        def answer_api(question: str, mode: str = "hybrid", k: int = 5,
                       threshold: float | None = None) -> dict:
            """Answer a question from the corpus: the Answer as a dict (text, abstained,
            citations with doc_id/start/end/quote/score, passages, confidence, timings)."""
            return answer_json(question, mode, k, threshold, index_dir=index_dir, **bind)

        gr.api(answer_api, api_name="answer")
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


#: Uploads are documents (up to ``qa.collections.MAX_DOCUMENT_BYTES``, 20 MB) and question files:
#: refuse anything bigger before it reaches the disk.
MAX_UPLOAD = "20mb"


def launch_options() -> dict:
    """The keyword arguments ``Blocks.launch`` needs: look (theme, CSS) and upload limits."""
    return {"theme": _theme(), "css": CSS, "ssr_mode": False, "footer_links": ["api"],
            "max_file_size": MAX_UPLOAD}


def _warm_up(index_dir, embedder) -> None:
    """Load the index and the model now, so the first question does not wait for them."""
    try:
        _get_index(index_dir, embedder)
        emb = _embedder_or_default(embedder)
        if hasattr(emb, "warm_up"):
            emb.warm_up()
    except QAError as exc:
        print(f"warning: {exc}", flush=True)


def launch(host: str = "127.0.0.1", port: int = 7860, index_dir=None, embedder=None, *,
           block: bool = True):
    """Serve the app on ``http://host:port``, print the URL, and block until interrupted.

    With ``block=False`` it returns the running ``gr.Blocks`` instead (call ``.close()`` to stop).
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    demo = build_app(index_dir=index_dir, embedder=embedder)
    threading.Thread(target=_warm_up, args=(index_dir, embedder), daemon=True).start()
    # Every plain HTTP call without a session is a new Gradio session; Gradio keeps 10,000 of them
    # by default (~94 MiB per 1,000 answers measured by bench/load.py). The app keeps no per-user
    # state beyond the chat shown in the page, so a small capacity loses nothing.
    demo.launch(server_name=host, server_port=port, prevent_thread_lock=True, quiet=True,
                show_error=True, state_session_capacity=200, **launch_options())
    print(f"Corpus QA is running on {demo.local_url} (Ctrl+C to stop)", flush=True)
    if block:
        try:
            demo.block_thread()
        finally:
            demo.close()
    return demo


if __name__ == "__main__":  # pragma: no cover
    launch()
