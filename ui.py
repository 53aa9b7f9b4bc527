"""The web app: ask the corpus, read the cited source, inspect the index, evaluate.

This module assembles the app: the page header and the Collection menu, the three tabs (laid out
and wired in ``qa.app.tabs``), the events that cross tabs, the JSON API, and how it is served. It is
a thin edge over the library: the handlers (``qa.app.handlers``) call ``answer()``,
``qa.collections``, ``qa.eval.evaluate`` and ``qa.ingest.uploads``, render with ``qa.app.render`` (which escapes
all text that comes from a document, a question or an uploaded file), and turn ``QAError``s into
one-line messages.

``build_app()`` returns the ``gr.Blocks``; ``launch()`` serves it (``qa serve`` calls it).
Importing this module is cheap: Gradio, the index and the model load only when the app is built.
"""

import os
import threading
import time
from pathlib import Path
from typing import Sequence

from qa.app.assets import BRIDGE_JS, CSS
from qa.app.chat import chat_json
from qa.app.handlers import (
    BUNDLED_QUESTIONS,
    add_to_collection,
    answer_json,
    embedder_or_default,
    example_questions,
    header_markdown,
    loaded_index,
)
from qa.app.render import VIEWER_PLACEHOLDER
from qa.config import APP_CONCURRENCY
from qa.errors import QAError
from qa.ingest.uploads import MAX_UPLOAD_BYTES

#: Requests answered at the same time (``qa.config.APP_CONCURRENCY``).
CONCURRENCY = APP_CONCURRENCY
#: The Gradio endpoint ``/answer``'s inputs when left out: (question, mode, k, threshold).
ANSWER_API_DEFAULTS = ("", "hybrid", 5, None)


def _theme():
    import gradio as gr

    # System fonts only: a Google font would be a hidden download at run time.
    return gr.themes.Soft(
        primary_hue="indigo", secondary_hue="amber", neutral_hue="slate",
        font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    )


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

    from qa.app.tabs import AppBinding, ask_tab, corpus_tab, evaluate_tab
    from qa.collections import DEFAULT_COLLECTION, list_collections

    app = AppBinding(index_dir, embedder)
    questions_file = Path(questions_file or BUNDLED_QUESTIONS)
    if examples is None:
        examples = example_questions(questions_file)

    with gr.Blocks(title="Corpus QA", analytics_enabled=False) as demo:
        header = gr.Markdown(header_markdown(index_dir, embedder), elem_id="qa-header")
        collection = gr.Dropdown(list_collections(), value=DEFAULT_COLLECTION, label="Collection",
                                 info="which documents the Ask, Corpus and Evaluate tabs use",
                                 elem_id="qa-collection", interactive=True)
        # Citation clicks in the chat reach the server through this hidden component's event.
        bridge = gr.HTML("", html_template="<span></span>", js_on_load=BRIDGE_JS,
                         elem_id="qa-bridge", visible="hidden")
        with gr.Tabs():
            ask = ask_tab(app, collection, bridge, examples)
            corpus = corpus_tab(app, collection, bridge)
            evaluate_tab(app, collection, questions_file)

        def header_of(name):
            return header_markdown(**app.to(name))

        def on_switch(name):
            # Citations in the chat point into the previous collection's documents: start afresh.
            status, rows = corpus.load(name)
            return (header_of(name), [], [], "", VIEWER_PLACEHOLDER, status, rows, "",
                    gr.update(interactive=bool(name) and name != DEFAULT_COLLECTION))

        # The add-documents notice is left alone: creating a collection selects it, and the
        # "created" notice must survive that switch.
        collection.change(on_switch, collection,
                          [header, ask.chatbot, ask.conversation, ask.question, ask.viewer, corpus.status,
                           corpus.table,
                           corpus.viewer, corpus.add_files], api_visibility="private")
        demo.load(lambda: gr.update(choices=list_collections()), None, collection,
                  api_visibility="private")

        def on_add(name, files):
            return add_to_collection(name, files, embedder=embedder), None

        # One index update at a time: two builds of one collection must not race. The new
        # documents then show in the Corpus table and the header's count.
        corpus.add_files.upload(
            on_add, [collection, corpus.add_files], [corpus.add_report, corpus.add_files],
            concurrency_limit=1, concurrency_id="collections", api_visibility="private",
        ).then(corpus.load, collection, [corpus.status, corpus.table], api_visibility="private"
        ).then(header_of, collection, header, api_visibility="private")

        def answer_api(question: str, mode: str = ANSWER_API_DEFAULTS[1], k: int = ANSWER_API_DEFAULTS[2],
                       threshold: float | None = ANSWER_API_DEFAULTS[3]) -> dict:
            """Answer a question from the corpus: the Answer as a dict (text, abstained,
            citations with doc_id/start/end/quote/score, passages, confidence, timings)."""
            return answer_json(question, mode, k, threshold, index_dir=index_dir, embedder=embedder)

        gr.api(answer_api, api_name="answer")

        def chat_api(question: str, history: list | None = None, mode: str = "hybrid", k: int = 5,
                     threshold: float | None = None) -> dict:
            """Answer the next question of a conversation: ``history`` is the earlier turns, oldest
            first, each a question string or an earlier answer's dict (as /answer and /chat return
            it). The Answer as a dict, with ``question_used`` (how the question was read) and
            ``context_turn`` (which earlier turn supplied the context, or null)."""
            return chat_json(question, history, mode, k, threshold, index_dir=index_dir, embedder=embedder)

        gr.api(chat_api, api_name="chat")
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


#: The web server refuses any upload bigger than the largest limit (documents, 20 MB) before it
#: reaches the disk; the handlers enforce each kind's own limit (question files: 5 MB).
MAX_UPLOAD = MAX_UPLOAD_BYTES


def launch_options() -> dict:
    """The keyword arguments ``Blocks.launch`` needs: look (theme, CSS) and upload limits."""
    return {"theme": _theme(), "css": CSS, "ssr_mode": False, "footer_links": ["api"],
            "max_file_size": MAX_UPLOAD}


def _warm_up(index_dir, embedder) -> None:
    """Load the index and the model now, so the first question does not wait for them."""
    try:
        loaded_index(index_dir, embedder)
        emb = embedder_or_default(embedder)
        if hasattr(emb, "warm_up"):
            emb.warm_up()
    except QAError as exc:
        print(f"warning: {exc}", flush=True)


class RunningApp:
    """The app being served: ``local_url``, ``app`` (the FastAPI app: the JSON API with the Gradio
    app mounted at ``/``) and ``blocks``; ``close()`` stops the server and waits for it."""

    def __init__(self, server, thread: threading.Thread, app, blocks, url: str):
        self.server, self.thread, self.app, self.blocks, self.local_url = server, thread, app, blocks, url

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def build_server_app(index_dir=None, embedder=None):
    """(FastAPI app, Blocks): the JSON API of ``qa.app.api`` with the Gradio app mounted at ``/``."""
    import gradio as gr

    from qa.app.api import FillDefaults, create_api

    demo = build_app(index_dir=index_dir, embedder=embedder)
    # Every plain HTTP call to Gradio without a session is a new Gradio session; Gradio keeps 10,000
    # of them by default (~94 MiB per 1,000 answers measured by bench/load.py). The app keeps no
    # per-user state beyond the chat shown in the page, so a small capacity loses nothing.
    demo.state_session_capacity = 200
    app = gr.mount_gradio_app(create_api(index_dir, embedder), demo, path="", show_error=True,
                              **launch_options())
    # A raw call with fewer than the four inputs gets answer_api's defaults for the rest.
    app.add_middleware(FillDefaults, path="/gradio_api/call/answer", defaults=list(ANSWER_API_DEFAULTS))
    return app, demo


def launch(host: str = "127.0.0.1", port: int = 7860, index_dir=None, embedder=None, *,
           block: bool = True):
    """Serve the app on ``http://host:port`` (the page at ``/``, the JSON API at ``/v1/answer``,
    its schema at ``/docs``), print the URL, and block until interrupted.

    With ``block=False`` it returns a ``RunningApp`` instead (call ``.close()`` to stop).
    """
    import uvicorn

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    app, demo = build_server_app(index_dir, embedder)
    threading.Thread(target=_warm_up, args=(index_dir, embedder), daemon=True).start()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, name="qa-serve", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise QAError(f"cannot serve on {host}:{port}: is another server using that port? "
                          f"Try `qa serve --port {port + 1}`")
        time.sleep(0.05)
    running = RunningApp(server, thread, app, demo, f"http://{host}:{port}/")
    print(f"Corpus QA is running on {running.local_url} (Ctrl+C to stop); JSON API: "
          f"POST {running.local_url}v1/answer, schema at {running.local_url}docs", flush=True)
    if not block:
        return running
    try:
        while thread.is_alive():
            thread.join(0.5)
    finally:
        running.close()
    return running


if __name__ == "__main__":  # pragma: no cover
    launch()
