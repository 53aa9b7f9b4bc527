"""The web app's handlers: plain functions from what a user typed, clicked or uploaded to HTML and
table rows.

Each handler calls the library (``answer()``, ``qa.collections``, ``qa.eval.evaluate``, ``qa.ingest.uploads``)
and ``qa.app.render``, and turns a ``QAError`` into a one-line message, so that the app keeps serving.
They know nothing of Gradio's components (``ui.py`` and ``qa.app.tabs`` bind them to the page),
so they are tested without a browser.

Most take ``index_dir`` (the app's own index, ``index/`` when None) and ``collection`` (the name
chosen in the Collection menu; None or "default" means the app's own index), and ``embedder``
(the bundled model when None).
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Any, Sequence

from qa.app.render import (
    VIEWER_PLACEHOLDER,
    corpus_rows,
    escape_text,
    parse_cite_ref,
    parse_cite_target,
    public_message,
    render_answer,
    render_build_report,
    render_corpus_status,
    render_document,
    render_error,
    render_question,
)
from qa.app.render_eval import (
    MAX_CHART_K,
    QUESTION_COLUMNS,
    chart_points,
    metrics_rows,
    question_rows,
    render_eval_summary,
)
from qa.config import (
    MAX_DOCUMENT_BYTES,
    MAX_QUESTION_FILE_BYTES,
    MODES,
    PROJECT_ROOT,
    default_index_dir,
)
from qa.errors import QAError
from qa.ingest.uploads import megabytes


def _nbsp(text: str) -> str:
    """``text`` with no-break spaces, so that "5 MB" never wraps between the number and the unit."""
    return text.replace(" ", "\u00a0")


#: The question set offered on the Evaluate tab.
BUNDLED_QUESTIONS = PROJECT_ROOT / "eval" / "corpus_qa.jsonl"
#: The follow-up questions offered on the Evaluate tab (each with the earlier turns it follows).
BUNDLED_FOLLOWUPS = PROJECT_ROOT / "eval" / "followups.jsonl"
#: How many example questions are offered on an empty chat.
N_EXAMPLES = 4
#: File types the "Add documents" area offers (every one has a reader in ``qa.ingest.formats``).
DOCUMENT_TYPES = [".txt", ".md", ".html", ".htm", ".pdf", ".jsonl"]
COLLECTIONS_NOTE = (
    "Documents are added to the selected collection and indexed at once. The **default** "
    "collection (the shipped corpus) is read-only: create a collection first, then add to it. "
    f"Up to {_nbsp(megabytes(MAX_DOCUMENT_BYTES))} per file.")
QUESTION_FORMAT = (
    "One JSON object per line: `id`, `question`, `answers` (strings a correct answer contains), "
    "`relevant_docs` (document ids) and `answerable` (false when the corpus cannot answer); "
    "optionally `history`, the earlier questions a follow-up follows (scored apart). "
    f"Metrics run every question through `answer()` in each chosen mode. Up to "
    f"{_nbsp(megabytes(MAX_QUESTION_FILE_BYTES))}.")
TITLE = "# Ask the corpus"


# --- the index a handler reads -------------------------------------------------------------------

def app_index_dir(collection: str | None, index_dir=None):
    """The index folder for ``collection``: the app's own ``index_dir`` for the default collection
    (None or "default"), else ``qa.collections.collection_index_dir(collection)``, which raises
    ``UnknownCollectionError`` or ``EmptyCollectionError``."""
    from qa.collections import DEFAULT_COLLECTION, resolve_index_dir
    from qa.errors import EmptyCollectionError

    if not collection or collection == DEFAULT_COLLECTION:
        return index_dir
    try:
        return resolve_index_dir(None, collection)
    except EmptyCollectionError:
        # The library's message names the folder and the CLI; here the user adds documents in a tab.
        raise EmptyCollectionError(f"The collection {collection!r} has no documents yet: add some "
                                   "in the Corpus tab (Add documents).") from None


def embedder_or_default(embedder):
    """``embedder``, or the bundled model (loaded once, lazily) when it is None."""
    if embedder is not None:
        return embedder
    from qa.embed import default_embedder

    return default_embedder()


def loaded_index(index_dir, embedder):
    """The loaded index, for reading documents. A stale index is still readable (the Corpus tab
    reports staleness, and ``answer()`` refuses to answer from it), so staleness is not checked."""
    from qa.index.cache import get_index

    return get_index(index_dir, embedder_or_default(embedder).name, check_stale=False)


def header_markdown(index_dir=None, embedder=None, collection: str | None = None) -> str:
    """The page's title and one line on what is indexed (or why nothing can be asked)."""
    try:
        index = loaded_index(app_index_dir(collection, index_dir), embedder)
    except QAError as exc:
        return f"{TITLE}\n\n{render_error(str(exc))}"
    counts = index.manifest.get("counts", {})
    return (f"{TITLE}\n\nEvery answer is a sentence quoted verbatim from the "
            f"{counts.get('documents', '?')} indexed documents, with its source, or a plain "
            "*the corpus does not say*.")


# --- asking --------------------------------------------------------------------------------------

def chat_turn(question: str, history: list | None, mode: str = "hybrid", k: int = 5,
              threshold: float | None = None, index_dir=None, embedder=None,
              collection: str | None = None) -> tuple[list, str]:
    """Answer ``question`` and append both turns to the chat ``history``; returns (history, "").

    A ``QAError`` (empty question, missing or stale index, empty collection...) becomes a one-line
    message in the chat instead of an exception, so the app keeps serving.
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
        result = answer(question, k=k, index_dir=app_index_dir(collection, index_dir), mode=mode,
                        threshold=threshold, embedder=embedder)
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
        return answer(question, k=request_k(k), index_dir=index_dir, mode=mode or None,
                      threshold=threshold, embedder=embedder).to_dict()
    except QAError as exc:
        raise gr.Error(str(exc), print_exception=False) from exc


def request_k(k: object) -> int:
    """``k`` as a web request sends it (a number box gives 5.0, a JSON client may send "5") as an
    int; ``QuestionError`` for anything that is not a whole number ("abc", null, 2.7, true), which
    ``answer()`` then need not see. Its range is ``answer()``'s to check."""
    from qa.errors import QuestionError

    value = k
    if isinstance(k, str):
        try:
            value = float(k.strip())
        except ValueError:
            value = None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
            or value in (float("inf"), float("-inf")) or int(value) != value:
        raise QuestionError(f"k must be a whole number of passages to read, not {k!r}")
    return int(value)


def example_questions(path: Path = BUNDLED_QUESTIONS, n: int = N_EXAMPLES) -> list[str]:
    """Up to ``n`` answerable questions of a question set, spread evenly over the file (question
    sets are usually grouped by topic), in file order; none if the file is missing or unreadable."""
    from qa.eval.evaluate import load_questions

    if not Path(path).is_file():
        return []
    try:
        answerable = [q.question for q in load_questions(path) if q.answerable]
    except QAError:
        return []
    if len(answerable) <= n:
        return answerable
    return [answerable[i * len(answerable) // n] for i in range(n)]


def open_citation(ref: Any, index_dir=None, embedder=None, collection: str | None = None) -> str:
    """The document viewer's HTML for a clicked citation (or a one-line message)."""
    try:
        doc_id, start, end, label, view = parse_cite_target(ref)
    except ValueError:
        return VIEWER_PLACEHOLDER
    try:
        doc = loaded_index(app_index_dir(collection, index_dir), embedder).document(doc_id)
    except QAError as exc:
        return render_error(str(exc))
    except KeyError:
        return render_error(f"{doc_id} is no longer in the index (it was rebuilt); ask again.")
    return render_document(doc, start, end, label, view)


# --- corpus and collections ----------------------------------------------------------------------

def corpus_overview(index_dir=None, embedder=None, collection: str | None = None
                    ) -> tuple[str, list[list]]:
    """(status HTML, one row per document or unindexed file in ``CORPUS_COLUMNS`` order) for the
    Corpus tab, from ``qa.collections.index_overview``."""
    from qa.collections import index_overview

    try:
        folder = app_index_dir(collection, index_dir) or default_index_dir()
        overview = index_overview(folder, embedder_or_default(embedder).name)
    except QAError as exc:
        return render_error(str(exc)), []
    # Paths as the user knows them (``index``, ``collections/notes/index``), not the server's.
    shown = [public_message(str(p)) if p is not None else None for p in (overview.index_dir, overview.corpus_dir)]
    status = render_corpus_status(overview.manifest, shown[0], shown[1], overview.fresh,
                                  public_message(overview.why))
    return status, corpus_rows(overview.documents)


def open_document_row(row_value: Sequence | None, index_dir=None, embedder=None,
                      collection: str | None = None) -> str:
    """The viewer HTML for the document of a Corpus-table row (its ``Document`` column)."""
    if not row_value or len(row_value) < 2:
        return VIEWER_PLACEHOLDER
    if not row_value[1]:
        status = row_value[6] if len(row_value) > 6 else "not indexed"
        return render_error(f"{row_value[0]} has no document in the index ({status}).")
    try:
        doc = loaded_index(app_index_dir(collection, index_dir), embedder).document(str(row_value[1]))
    except QAError as exc:
        return render_error(str(exc))
    except KeyError:
        return render_error("that document is no longer in the index; press Refresh")
    return render_document(doc)


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
        report = add_documents(name or "", paths, embedder=embedder_or_default(embedder))
    except QAError as exc:
        return render_error(str(exc))
    return render_build_report(report, name or "", [Path(p).name for p in paths])


# --- evaluation ----------------------------------------------------------------------------------

def check_question_upload(upload: Any) -> str:
    """"" when the uploaded question file (a path, or an object with ``.name``) may be evaluated,
    else a one-line message saying why not (too big, unreadable)."""
    from qa.ingest.uploads import check_question_file

    path = getattr(upload, "name", upload)
    if not path:
        return ""
    try:
        check_question_file(path)
    except QAError as exc:
        return render_error(str(exc))
    return ""


def run_evaluation(source: str, upload: Any, modes: Sequence[str], k: int, index_dir=None,
                   embedder=None, progress=None, bundled: Path = BUNDLED_QUESTIONS,
                   collection: str | None = None
                   ) -> tuple[str, list[list], Any, list[list], str | None]:
    """Evaluate a question set in each mode: ``bundled`` when ``source`` is "bundled", the bundled
    follow-ups when it is "followups" (each asked after its history), else the
    uploaded file ``upload`` (a path, or an object with ``.name``; at most 5 MB).

    Returns (summary HTML, metrics rows [metric, *per mode], chart DataFrame (k, share, mode),
    per-question rows, path of a CSV with the per-question rows or None).
    """
    import pandas as pd

    from qa.collections import DEFAULT_COLLECTION
    from qa.eval.evaluate import evaluate, load_questions
    from qa.ingest.uploads import check_question_file

    empty_chart = pd.DataFrame({"k": [], "share": [], "mode": []})
    if source == "upload":
        path = getattr(upload, "name", upload)
        if not path:
            return render_error("Choose a .jsonl file to upload first."), [], empty_chart, [], None
    else:
        path = BUNDLED_FOLLOWUPS if source == "followups" else bundled
        if collection not in (None, DEFAULT_COLLECTION):
            # The bundled questions are about the shipped articles: on another collection every
            # one of them would count as a miss, and the figures would mean nothing.
            return (render_error(f"The bundled questions are about the shipped corpus, not the collection "
                                 f"'{collection}': upload a question file about its documents."),
                    [], empty_chart, [], None)
    modes = [m for m in MODES if m in (modes or [])]
    if not modes:
        return render_error("Pick at least one retrieval mode."), [], empty_chart, [], None
    try:
        if source == "upload":
            check_question_file(path)
        folder = app_index_dir(collection, index_dir)
        questions = load_questions(path)
        reports = []
        for i, mode in enumerate(modes):
            if progress is not None:
                progress(i / len(modes), desc=f"evaluating {mode} ({len(questions)} questions)")
            reports.append(evaluate(questions, index_dir=folder, k=int(k), mode=mode,
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
