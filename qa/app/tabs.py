"""The web app's three tabs (Ask, Corpus, Evaluate) as Gradio components, each wired to its
handlers in ``qa.app.handlers``.

Each builder is called inside ``gr.Blocks`` / ``gr.Tabs`` by ``ui.build_app``, lays out its tab,
binds its own events, and returns the components that other parts of the page update (switching
the collection clears the chat and reloads the Corpus tab, for instance). No logic lives here
beyond choosing which handler answers which event.
"""

# No ``from __future__ import annotations``: Gradio reads the handlers' annotations
# (``gr.SelectData``, ``gr.EventData``) at run time to know which ones get the event data.
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Sequence

from qa.app import chat, handlers
from qa.app.assets import VIEWER_JS
from qa.app.render import CORPUS_COLUMNS, VIEWER_PLACEHOLDER
from qa.app.render_eval import MAX_CHART_K, QUESTION_COLUMNS, QUESTION_WIDTHS
from qa.config import DEFAULT_SETTINGS, MODES
from qa.reader.model import default_threshold


@dataclass(frozen=True)
class AppBinding:
    """What every handler of one app is bound to: the app's own index (the default collection;
    ``index/`` when None) and the embedder (the bundled model when None)."""

    index_dir: Any = None
    embedder: Any = None

    def to(self, collection: str | None) -> dict:
        """Keyword arguments for a handler that reads collection ``collection``."""
        return {"index_dir": self.index_dir, "embedder": self.embedder, "collection": collection}


def ask_tab(app: AppBinding, collection, bridge, examples: Sequence[str]) -> SimpleNamespace:
    """The Ask tab: chat, question box, settings and the source viewer. Returns its chat,
    question box, viewer and the session's conversation (cleared when the collection changes).

    The conversation (the session's earlier answers, the history of each follow-up) is a
    ``gr.State``: one per browser session, never shared; Clear starts a new one."""
    import gradio as gr

    with gr.Tab("Ask", id="ask"):
        # Inside the tab: a component placed directly in gr.Tabs would break the tab strip.
        conversation = gr.State([])
        with gr.Row(equal_height=False):
            with gr.Column(scale=5, min_width=380):
                chatbot = gr.Chatbot(
                    label="Answers", show_label=False, elem_id="qa-chat", height=560,
                    layout="bubble", buttons=[], feedback_options=None,
                    # Our HTML is already escaped; sanitizing is a second fence, and LaTeX off
                    # keeps "$$" in a document from being typeset.
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
                    ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="qa-ask")
                    clear = gr.Button("Clear", variant="secondary", scale=1, min_width=80,
                                      elem_id="qa-clear")
                with gr.Accordion("Settings", open=False, elem_id="qa-settings"):
                    mode = gr.Radio(list(MODES), value=DEFAULT_SETTINGS.mode, label="Retrieval mode",
                                    info="hybrid fuses dense (meaning) and lexical (words) search")
                    k = gr.Slider(1, 20, value=5, step=1, label="Passages read (k)")
                    threshold = gr.Slider(
                        0.0, 1.0, value=default_threshold(), step=0.01,
                        label="Abstention threshold",
                        info="an answer less likely to be right than this gets 'the corpus does not say'")
            with gr.Column(scale=4, min_width=320):
                viewer = gr.HTML(VIEWER_PLACEHOLDER, js_on_load=VIEWER_JS, elem_id="qa-viewer",
                                 label="Source", padding=False)

    def turn(question_value, history, earlier, mode_value, k_value, threshold_value, name, alone=False):
        return chat.conversation_turn(question_value, history, earlier, mode_value, k_value, threshold_value,
                                      alone=alone, **app.to(name))

    inputs = [chatbot, conversation, mode, k, threshold, collection]
    for trigger in (question.submit, ask.click):
        trigger(turn, [question, *inputs], [chatbot, question, conversation], api_visibility="private")

    def from_example(history, earlier, mode_value, k_value, threshold_value, name, evt: gr.SelectData):
        value = evt.value if isinstance(evt.value, dict) else {}
        return turn(value.get("text", ""), history, earlier, mode_value, k_value, threshold_value, name)

    chatbot.example_select(from_example, inputs, [chatbot, question, conversation], api_visibility="private")
    clear.click(lambda: ([], "", VIEWER_PLACEHOLDER, []), None, [chatbot, question, viewer, conversation],
                api_visibility="private")

    def on_alone(history, earlier, mode_value, k_value, threshold_value, name, evt: gr.EventData):
        # "ask on its own": the question as typed, answered without the conversation.
        data = getattr(evt, "_data", None) or {}
        return turn(data.get("question", ""), history, earlier, mode_value, k_value, threshold_value, name,
                    alone=True)

    bridge.alone(on_alone, inputs, [chatbot, question, conversation], api_visibility="private")

    def on_cite(name, evt: gr.EventData):
        data = getattr(evt, "_data", None) or {}
        return handlers.open_citation(data.get("ref"), **app.to(name))

    bridge.cite(on_cite, collection, viewer, api_visibility="private")
    return SimpleNamespace(chatbot=chatbot, question=question, viewer=viewer, conversation=conversation)


def corpus_tab(app: AppBinding, collection, bridge=None) -> SimpleNamespace:
    """The Corpus tab: index status, the document table and viewer, and "Add documents" (create
    a collection, upload into it). Returns the components other events update, and ``load``, the
    function (collection name -> status, rows) that fills the status and table."""
    import gradio as gr

    with gr.Tab("Corpus", id="corpus") as tab:
        status = gr.HTML(elem_id="qa-corpus-status")
        table = gr.Dataframe(headers=CORPUS_COLUMNS, datatype=["str"] * len(CORPUS_COLUMNS),
                             interactive=False, wrap=True, latex_delimiters=[],
                             elem_id="qa-corpus-table", elem_classes=["qa-table"],
                             column_widths=["30%", "16%", "9%", "9%", "7%", "10%", "19%"],
                             label="Documents in the index (select one to read it)")
        refresh = gr.Button("Refresh", size="sm", elem_id="qa-refresh")
        viewer = gr.HTML("", elem_id="qa-corpus-viewer", padding=False)
        with gr.Accordion("Add documents", open=True, elem_id="qa-add"):
            gr.Markdown(handlers.COLLECTIONS_NOTE, elem_classes=["qa-meta"])
            with gr.Row(equal_height=False, elem_id="qa-new-row"):
                new_name = gr.Textbox(label="New collection", max_lines=1, scale=3,
                                      placeholder="a name: a-z, 0-9, - and _", elem_id="qa-new-name")
                create = gr.Button("Create", scale=1, min_width=120, elem_id="qa-new-collection")
            add_files = gr.File(label="Add documents", file_count="multiple",
                                file_types=handlers.DOCUMENT_TYPES, interactive=False,
                                elem_id="qa-add-documents")
            add_report = gr.HTML("", elem_id="qa-add-report")

    def load(name):
        return handlers.corpus_overview(**app.to(name))

    for trigger in (tab.select, refresh.click):
        trigger(load, collection, [status, table], api_visibility="private")

    def on_row(name, evt: gr.SelectData):
        return handlers.open_document_row(evt.row_value, **app.to(name))

    table.select(on_row, collection, viewer, api_visibility="private")
    if bridge is not None:  # "show earlier/later text" in this viewer (a long document's window)
        def on_more(name, evt: gr.EventData):
            data = getattr(evt, "_data", None) or {}
            return handlers.open_citation(data.get("ref"), **app.to(name))

        bridge.more(on_more, collection, viewer, api_visibility="private")

    def on_create(name):
        notice, names, selected = handlers.new_collection(name)
        if selected is None:
            return notice, gr.update(choices=names), gr.update()
        return notice, gr.update(choices=names, value=selected), ""

    for trigger in (create.click, new_name.submit):
        trigger(on_create, new_name, [add_report, collection, new_name], api_visibility="private")
    return SimpleNamespace(status=status, table=table, viewer=viewer, add_files=add_files,
                           add_report=add_report, load=load)


def evaluate_tab(app: AppBinding, collection, questions_file: Path) -> None:
    """The Evaluate tab: choose a question set (bundled or uploaded, at most 5 MB) and modes, run,
    and show metrics, the recall@k chart, per-question rows and a CSV download."""
    import gradio as gr

    with gr.Tab("Evaluate", id="evaluate"):
        with gr.Row():
            with gr.Column(scale=2):
                initial_source = "bundled" if questions_file.is_file() else "upload"
                source = gr.Radio([("Bundled question set", "bundled"), ("Bundled follow-up questions", "followups"),
                                   ("Upload a .jsonl file", "upload")],
                                  value=initial_source, label="Questions", elem_id="qa-eval-source")
                upload = gr.File(label="Question file (.jsonl)", file_types=[".jsonl"],
                                 visible=initial_source == "upload", elem_id="qa-eval-upload")
                gr.Markdown(handlers.QUESTION_FORMAT, elem_classes=["qa-meta"])
            with gr.Column(scale=2):
                modes = gr.CheckboxGroup(list(MODES), value=list(MODES), label="Retrieval modes",
                                         elem_id="qa-eval-modes")
                k = gr.Slider(1, 20, value=5, step=1, label="Passages read per question (k)")
                run = gr.Button("Run evaluation", variant="primary", elem_id="qa-eval-run")
        summary = gr.HTML(elem_id="qa-eval-summary")
        with gr.Row(equal_height=False):
            metrics = gr.Dataframe(
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
        judged = _judged_section(app, collection, modes)

    source.change(lambda s: gr.update(visible=s == "upload"), source, upload, api_visibility="private")

    def on_upload(value):
        # The server takes uploads up to the documents' limit; a question file has a smaller one.
        problem = handlers.check_question_upload(value)
        return problem, (None if problem else gr.update())

    # A size check: instant, so it skips the queue and shows no progress over the file name.
    upload.upload(on_upload, upload, [summary, upload], api_visibility="private", queue=False,
                  show_progress="hidden")

    def on_run(source_value, upload_value, modes_value, k_value, name, progress=gr.Progress()):
        summary_html, rows, chart_df, table, csv_path = handlers.run_evaluation(
            source_value, upload_value, modes_value, k_value, progress=progress,
            bundled=questions_file, **app.to(name))
        shown = [m for m in MODES if m in (modes_value or [])]
        return (summary_html, gr.update(value=rows, headers=["metric", *shown] if rows else None),
                chart_df, table, gr.update(value=csv_path, interactive=csv_path is not None))

    # Evaluations are long and CPU-bound: one at a time, so that they never starve answers.
    run.click(on_run, [source, upload, modes, k, collection],
              [summary, metrics, chart, per_question, download],
              concurrency_limit=1, concurrency_id="evaluate", api_visibility="private")


def _judged_section(app: AppBinding, collection, modes) -> SimpleNamespace:
    """Judged queries on the Evaluate tab: upload a BEIR zip or queries + qrels, run the chosen
    modes, show the metrics with paired p-values, a bar chart of every run per metric and the
    per-query table."""
    import gradio as gr

    from qa.app import judged
    from qa.eval.ranking import DEFAULT_METRICS

    gr.Markdown("### Judged queries (BEIR, TREC)")
    with gr.Row():
        with gr.Column(scale=2):
            upload = gr.File(label="BEIR .zip, or queries + qrels", file_count="multiple",
                             file_types=judged.JUDGED_FILE_TYPES, elem_id="qa-judged-upload")
            gr.Markdown(judged.JUDGED_FORMAT, elem_classes=["qa-meta"])
        with gr.Column(scale=2):
            split = gr.Textbox("test", label="Split (BEIR qrels/SPLIT.tsv)", elem_id="qa-judged-split")
            metrics_spec = gr.Textbox(DEFAULT_METRICS, label="Metrics", elem_id="qa-judged-metrics-spec")
            run = gr.Button("Run on judged queries", variant="primary", elem_id="qa-judged-run")
    summary = gr.HTML(elem_id="qa-judged-summary")
    with gr.Row(equal_height=False):
        table = gr.Dataframe(headers=judged.metric_headers(list(MODES)), interactive=False, latex_delimiters=[],
                             label="Metrics (p: randomization test)",
                             elem_id="qa-judged-metrics", elem_classes=["qa-table"], scale=2)
        chart = gr.BarPlot(x="metric", y="value", color="run", y_lim=[0, 1], title="Every run per metric",
                           sort=None, x_label_angle=-30, label="Runs", elem_id="qa-judged-chart", scale=3)
    per_query = gr.Dataframe(headers=["query"], interactive=False, latex_delimiters=[], max_height=420,
                             label="Per query", elem_id="qa-judged-queries", elem_classes=["qa-table"])

    def on_run(files, split_value, spec, modes_value, name, progress=gr.Progress()):
        html, rows, chart_df, query_rows, headers = judged.run_judged_evaluation(
            files, split_value, spec, modes_value, progress=progress, **app.to(name))
        return (html, gr.update(value=rows, headers=judged.metric_headers(modes_value) if rows else None),
                chart_df, gr.update(value=query_rows, headers=headers or None))

    run.click(on_run, [upload, split, metrics_spec, modes, collection], [summary, table, chart, per_query],
              concurrency_limit=1, concurrency_id="evaluate", api_visibility="private")
    return SimpleNamespace(upload=upload, run=run, summary=summary, table=table, chart=chart)
