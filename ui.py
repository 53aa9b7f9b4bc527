"""The web app: ask the corpus, read the cited source, inspect the index, evaluate.

A thin edge over the library: every answer comes from ``qa.answer.answer()``, every document from
``qa.answer.get_index()``, every metric from ``qa.evaluate``. This module only renders them and
turns ``QAError``s into one-line messages. Text that comes from a document, a question or an
uploaded file is always escaped before it reaches HTML or Markdown, so it shows literally.

``build_app()`` returns the ``gr.Blocks``; ``launch()`` serves it (``qa serve`` calls it).
Importing this module is cheap: Gradio, the index and the model load only when the app is built.
"""

import csv
import json
import os
import tempfile
import threading
from functools import partial
from pathlib import Path
from typing import Any, Sequence

from qa.config import DEFAULT_SETTINGS, MODES, PROJECT_ROOT
from qa.errors import QAError

#: The question set offered on the Evaluate tab.
BUNDLED_QUESTIONS = PROJECT_ROOT / "eval" / "corpus_qa.jsonl"
#: Requests answered at the same time; the library is thread-safe, and with 2-4 cores a few
#: parallel answers keep every user responsive without oversubscribing the CPU.
CONCURRENCY = 4
#: How many example questions are offered on an empty chat.
N_EXAMPLES = 4
#: Closest passages listed when the corpus does not answer.
N_CLOSEST = 3
#: The evaluation chart's x axis: k = 1..MAX_CHART_K.
MAX_CHART_K = 10

# --- escaping -------------------------------------------------------------------------------------

# Besides HTML's own specials, characters that Markdown, LaTeX or a JS template could act on are
# written as numeric character references: the browser shows them literally, nothing parses them.
_ESCAPES = str.maketrans({ch: f"&#{ord(ch)};" for ch in "&<>\"'`*_[](){}$~|#!\\="})


def escape_text(text: str) -> str:
    """``text`` as inert HTML: shown literally by any HTML or Markdown renderer (newlines kept)."""
    return str(text).translate(_ESCAPES)


def escape_inline(text: str) -> str:
    """Like ``escape_text`` but newlines become ``<br>``, so a Markdown block never ends early."""
    return escape_text(text).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


CITE_PREFIX = "#cite:"


def cite_href(doc_id: str, start: int, end: int, label: str) -> str:
    """The ``href`` a citation link carries to the document viewer (the chat's sanitizer keeps
    ``href`` but drops ``data-*`` attributes): ``#cite:`` + the URL-quoted JSON of its target."""
    from urllib.parse import quote

    return CITE_PREFIX + quote(json.dumps([doc_id, int(start), int(end), label], ensure_ascii=False), safe="")


def _cite_link(doc_id: str, start: int, end: int, label: str, inner_html: str) -> str:
    """An ``<a class="qa-cite">`` whose click opens ``doc_id`` at ``[start, end)``."""
    return (f'<a class="qa-cite" href="{escape_text(cite_href(doc_id, start, end, label))}" '
            f'title="Open {escape_text(doc_id)} at characters {start}-{end}">{inner_html}</a>')


# --- rendering answers ----------------------------------------------------------------------------

def render_question(question: str) -> str:
    """The user's chat bubble: the question, escaped."""
    return f'<div class="qa-q">{escape_inline(question)}</div>'


def _source_line(n: int, c) -> str:
    role = {"answer": "", "disagreement": ' <span class="qa-tag qa-differs">differs</span>'}.get(
        c.role, ' <span class="qa-tag">also says so</span>')
    page = f"page {c.page} · " if getattr(c, "page", None) else ""
    return (f'<li>{_cite_link(c.doc_id, c.start, c.end, f"[{n}]", f"[{n}] {escape_inline(c.title)}")}'
            f'{role}<br><span class="qa-meta">{escape_text(c.doc_id)} · {page}characters {c.start}–{c.end} · '
            f'score {c.score:.3f}</span></li>')


def _timing(result, k: int) -> str:
    ms = result.timings.get("total_ms", 0.0)
    return (f'<div class="qa-meta qa-time">answered in {ms:.0f} ms · {escape_text(result.mode)} · '
            f'{k} passages read · confidence {result.confidence:.3f}</div>')


def quote_html(c) -> str:
    """A citation's quote, escaped, with the words that answer the question (``highlight``) bold."""
    if not getattr(c, "highlight", None):
        return escape_inline(c.quote)
    a, b = c.highlight[0] - c.start, c.highlight[1] - c.start
    return (escape_inline(c.quote[:a]) + '<strong class="qa-key">' + escape_inline(c.quote[a:b])
            + "</strong>" + escape_inline(c.quote[b:]))


def render_answer(result, k: int) -> str:
    """The assistant's chat bubble for an ``Answer``: quotes with markers, sources, agreement, time.

    Returned as one HTML block without blank lines, so no Markdown is applied to corpus text.
    """
    if result.abstained:
        return render_abstention(result, k)
    answers = [c for c in result.citations if c.role == "answer"]
    others = [c for c in result.citations if c.role != "answer"]
    numbered = answers + others
    parts = ['<div class="qa-answer">']
    for n, c in enumerate(answers, start=1):
        parts.append(f'<blockquote class="qa-quote">{quote_html(c)} '
                     f'<sup>{_cite_link(c.doc_id, c.start, c.end, f"[{n}]", f"[{n}]")}</sup></blockquote>')
    if result.disagreement:
        parts.append(f'<div class="qa-agree qa-differ">⚠ {result.sources} sources, which differ '
                     'on the value: compare them below</div>')
    elif result.sources > 1:
        parts.append(f'<div class="qa-agree">✓ {result.sources} sources agree</div>')
    if others:
        parts.append('<div class="qa-also">Also stated in other documents:<ul>')
        for n, c in enumerate(others, start=len(answers) + 1):
            differs = ' <span class="qa-differs">(differs)</span>' if c.role == "disagreement" else ""
            parts.append(f'<li>“{quote_html(c)}”{differs} '
                         f'<sup>{_cite_link(c.doc_id, c.start, c.end, f"[{n}]", f"[{n}]")}</sup></li>')
        parts.append('</ul></div>')
    parts.append('<div class="qa-sources"><div class="qa-h">Sources</div><ol>')
    parts.extend(_source_line(n, c) for n, c in enumerate(numbered, start=1))
    parts.append('</ol></div>')
    parts.append(_timing(result, k))
    parts.append('</div>')
    return "".join(parts)


def render_abstention(result, k: int) -> str:
    """The bubble for an abstention: says so plainly, then the closest passages, labelled as such."""
    parts = ['<div class="qa-answer qa-abstained">',
             f'<div class="qa-none">{escape_text(result.text)}</div>',
             f'<div class="qa-meta">{escape_text(result.reason)}</div>']
    closest, seen = [], set()
    for p in result.passages:
        if (p.doc_id, p.start) not in seen:
            seen.add((p.doc_id, p.start))
            closest.append(p)
    if closest:
        parts.append('<div class="qa-closest"><div class="qa-h">Closest passages (not an answer)</div><ul>')
        for p in closest[:N_CLOSEST]:
            link = _cite_link(p.doc_id, p.start, p.end, "passage", escape_inline(p.title))
            parts.append(f'<li>{link}<br><span class="qa-meta">{escape_text(p.doc_id)} · characters '
                         f'{p.start}–{p.end}</span><div class="qa-snippet">'
                         f'{escape_inline(_shorten(p.quote, 160))}</div></li>')
        parts.append('</ul></div>')
    parts.append(_timing(result, k))
    parts.append('</div>')
    return "".join(parts)


def render_error(message: str) -> str:
    """A one-line, escaped notice in the chat."""
    return f'<div class="qa-error">⚠ {escape_inline(message)}</div>'


# --- rendering documents --------------------------------------------------------------------------

VIEWER_PLACEHOLDER = ('<div class="qa-doc qa-doc-empty"><div class="qa-doc-hint">Click a citation '
                      'marker such as <b>[1]</b> or a source title to read it here, in its document, '
                      'with the quoted span highlighted.</div></div>')


def render_document(doc, start: int | None = None, end: int | None = None, label: str = "") -> str:
    """A document's full text as HTML: boilerplate dimmed (not hidden), ``[start, end)`` marked.

    The marked span carries ``class="qa-hl"``; the viewer scrolls the first one into view.
    """
    text = doc.text
    n = len(text)
    highlight = None
    if start is not None and end is not None and 0 <= start < end <= n:
        highlight = (start, end)
    boiler = sorted((s.start, s.end, s.reason) for s in doc.segments if not s.kept)
    points = {0, n}
    for s, e, _ in boiler:
        points.update((s, e))
    if highlight:
        points.update(highlight)
    cuts = sorted(p for p in points if 0 <= p <= n)
    body, b = [], 0
    for a, z in zip(cuts, cuts[1:]):
        while b < len(boiler) and boiler[b][1] <= a:
            b += 1
        piece = escape_text(text[a:z])
        if b < len(boiler) and boiler[b][0] <= a and z <= boiler[b][1]:
            piece = (f'<span class="qa-boiler" title="left out of the index: '
                     f'{escape_text(boiler[b][2])}">{piece}</span>')
        if highlight and highlight[0] <= a and z <= highlight[1]:
            piece = f'<mark class="qa-hl">{piece}</mark>'
        body.append(piece)
    kept_chars = sum(e - s for s, e in doc.kept_spans)
    meta = [escape_text(doc.doc_id)]
    if doc.date:
        meta.append(escape_text(doc.date))
    meta.append(f"{n:,} characters")
    if highlight:
        what = "passage" if label == "passage" else f"citation {escape_text(label)}".strip()
        note = (f'<div class="qa-doc-note"><mark class="qa-hl">highlighted</mark> {what}: characters '
                f'{highlight[0]}–{highlight[1]} · <span class="qa-boiler">dimmed</span> text was left '
                f'out of the index as boilerplate ({n - kept_chars:,} characters)</div>')
    else:
        note = (f'<div class="qa-doc-note"><span class="qa-boiler">dimmed</span> text was left out of '
                f'the index as boilerplate ({n - kept_chars:,} characters)</div>')
    return (f'<div class="qa-doc"><div class="qa-doc-head"><div class="qa-doc-title">'
            f'{escape_text(doc.title)}</div><div class="qa-meta">{" · ".join(meta)}</div>{note}</div>'
            f'<div class="qa-doc-body">{"".join(body)}</div></div>')


def parse_cite_ref(ref: Any) -> tuple[str, int, int, str]:
    """The (doc_id, start, end, label) of a citation link's ``href``; ``ValueError`` if malformed."""
    from urllib.parse import unquote

    if not isinstance(ref, str) or CITE_PREFIX not in ref:
        raise ValueError("not a citation reference")
    try:
        doc_id, start, end, label = json.loads(unquote(ref.split(CITE_PREFIX, 1)[1]))
    except (TypeError, ValueError) as exc:
        raise ValueError("not a citation reference") from exc
    if not (isinstance(doc_id, str) and type(start) is int and type(end) is int
            and isinstance(label, str) and 0 <= start <= end):
        raise ValueError("not a citation reference")
    return doc_id, start, end, label


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


# --- handlers (plain functions of their inputs; build_app binds index_dir and embedder) ----------

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

CORPUS_COLUMNS = ["Title", "Document", "Date", "Characters", "Chunks", "Boilerplate"]


def corpus_overview(index_dir=None, embedder=None) -> tuple[str, list[list]]:
    """(status HTML, one row per indexed document) for the Corpus tab."""
    import numpy as np

    from qa.config import default_index_dir
    from qa.index import index_is_current, recorded_corpus_dir

    folder = Path(index_dir or default_index_dir())
    emb = _embedder_or_default(embedder)
    try:
        index = _get_index(index_dir, embedder)
    except QAError as exc:
        return render_error(str(exc)), []
    manifest = index.manifest
    corpus_dir = recorded_corpus_dir(folder, manifest)
    if corpus_dir is None:
        fresh, why = False, "the manifest does not record the corpus folder"
    else:
        fresh, why = index_is_current(folder, corpus_dir, emb.name)
    chunks = np.bincount(np.asarray(index.chunk_table[:, 0], dtype=np.int64),
                         minlength=len(index.documents))
    rows = []
    for i, d in enumerate(index.documents):
        kept = sum(e - s for s, e in d.kept_spans)
        share = 1 - kept / len(d.text) if d.text else 0.0
        rows.append([d.title, d.doc_id, d.date or "", len(d.text), int(chunks[i]), f"{share:.0%}"])
    counts = manifest.get("counts", {})
    state = ('<span class="qa-ok">✓ up to date</span>' if fresh else
             f'<span class="qa-stale">⚠ not up to date: {escape_text(why)}</span>')
    fix = "" if fresh else (
        f'<div class="qa-meta">Rebuild with <code>qa index {escape_text(corpus_dir or "CORPUS_DIR")} '
        f'--index-dir {escape_text(folder)}</code> (questions are refused until then).</div>')
    model = manifest.get("model", {}).get("name", "?")
    status = [f'<div class="qa-status">{state} with <code>{escape_text(corpus_dir or "?")}</code></div>{fix}',
              f'<div class="qa-meta">Index <code>{escape_text(folder)}</code> · built '
              f'{escape_text(manifest.get("created", "?"))} · model {escape_text(model)} · '
              f'{counts.get("documents", "?")} documents, {counts.get("chunks", "?")} chunks, '
              f'{counts.get("sentences", "?")} sentences</div>']
    warnings = manifest.get("warnings") or []
    if warnings:
        items = "".join(f'<li>{escape_text(w.get("path", ""))}: {escape_text(w.get("message", ""))}</li>'
                        for w in warnings)
        status.append(f'<div class="qa-meta">Skipped or repaired while indexing:<ul>{items}</ul></div>')
    return "".join(status), rows


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


# --- evaluate tab ---------------------------------------------------------------------------------

#: Metrics shown in the table, in order, with their labels.
METRIC_LABELS = {
    "recall@1": "recall@1", "recall@5": "recall@5", "recall@10": "recall@10",
    "mrr@10": "MRR@10", "ndcg@10": "nDCG@10",
    "answer_hit@1": "answer hit@1", "answer_hit@3": "answer hit@3",
    "abstention_recall": "abstention recall", "abstention_precision": "abstention precision",
    "false_abstention_rate": "false abstention rate",
    "latency_p50_ms": "latency p50 (ms)", "latency_p95_ms": "latency p95 (ms)",
}
QUESTION_FORMAT = (
    "One JSON object per line: `id`, `question`, `answers` (strings a correct answer contains), "
    "`relevant_docs` (document ids) and `answerable` (false when the corpus cannot answer). "
    "Metrics run every question through `answer()` in each chosen mode.")
QUESTION_COLUMNS = ["mode", "id", "question", "expected", "outcome", "rank",
                    "answer document", "answer", "confidence", "latency ms"]
#: Relative widths of those columns in the per-question table.
QUESTION_WIDTHS = ["6%", "5%", "20%", "8%", "8%", "5%", "11%", "19%", "9%", "9%"]


def success_at_k(rows, questions, max_k: int = MAX_CHART_K) -> list[float]:
    """For k = 1..max_k, the share of answerable questions with relevant documents whose first
    relevant document is ranked within the top k (from ``QuestionResult.first_relevant_rank``).

    Candidate for ``qa.evaluate``: it is a pure function of an ``EvalReport``'s rows.
    """
    judged = {q.id for q in questions if q.answerable and q.relevant_docs}
    ranks = [r.first_relevant_rank for r in rows if r.id in judged]
    if not ranks:
        return [0.0] * max_k
    return [sum(1 for x in ranks if x is not None and x <= k) / len(ranks) for k in range(1, max_k + 1)]


def _outcome(row) -> str:
    if row.answerable:
        if row.abstained:
            return "✗ abstained"
        return "✓ hit" if row.hit_at_1 else ("~ hit@3" if row.hit_at_3 else "✗ miss")
    return "✓ abstained" if row.abstained else "✗ answered"


def _format_metric(key: str, value) -> str:
    if value is None:
        return "–"
    if key.endswith("_ms"):
        return f"{value:.1f}"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


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
    first = reports[0].metrics
    plural = "" if first["questions"] == 1 else "s"
    summary = (f'<div class="qa-status">{first["questions"]} question{plural} '
               f'({first["answerable"]} answerable, {first["unanswerable"]} unanswerable) '
               f'from <code>{escape_text(Path(path).name)}</code>, '
               f'{int(k)} passages read per question</div>')
    metrics = [[label] + [_format_metric(key, r.metrics.get(key)) for r in reports]
               for key, label in METRIC_LABELS.items()]
    chart_rows = []
    for r in reports:
        for kk, share in enumerate(success_at_k(r.rows, questions), start=1):
            chart_rows.append({"k": kk, "share": share, "mode": r.mode})
    chart = pd.DataFrame(chart_rows)
    table, csv_rows = [], []
    for r in reports:
        for row in r.rows:
            cells = [r.mode, row.id, row.question, "answer" if row.answerable else "abstain",
                     _outcome(row), row.first_relevant_rank if row.first_relevant_rank else "",
                     row.answer_doc or "", row.answer, round(row.confidence, 3), round(row.latency_ms, 1)]
            csv_rows.append(cells)
            table.append(cells[:7] + [_shorten(row.answer, 120)] + cells[8:])
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", suffix=".csv",
                                         prefix="qa-evaluation-", delete=False)
    with handle:
        writer = csv.writer(handle)
        writer.writerow(QUESTION_COLUMNS)
        writer.writerows(csv_rows)
    return summary, metrics, chart, table, handle.name


# --- the app --------------------------------------------------------------------------------------

CSS = """
.gradio-container { max-width: 1500px !important; }
#qa-header h1 { margin-bottom: 0; }
#qa-header p { margin-top: 4px; color: var(--body-text-color-subdued); }
.qa-meta { color: var(--body-text-color-subdued); font-size: 0.85em; }
.qa-q { white-space: normal; }
.qa-answer blockquote.qa-quote { margin: 0 0 8px 0; padding: 6px 12px; border-left: 4px solid var(--color-accent);
  background: var(--background-fill-secondary); border-radius: 4px; font-size: 1.02em; }
.qa-cite { color: var(--primary-600); cursor: pointer; font-weight: 600;
  text-decoration: none; border-radius: 3px; }
.qa-cite:hover, .qa-cite:focus { text-decoration: underline; outline: none; }
sup .qa-cite { padding: 0 2px; }
.qa-agree { display: inline-block; margin: 2px 0 8px; padding: 1px 10px; border-radius: 999px;
  background: #dcfce7; color: #166534; font-size: 0.85em; font-weight: 600; }
.qa-also { font-size: 0.92em; margin-bottom: 6px; }
.qa-also ul, .qa-sources ol, .qa-closest ul { margin: 4px 0 4px 0; padding-left: 22px; }
.qa-also li, .qa-sources li, .qa-closest li { margin: 3px 0; }
.qa-h { font-weight: 600; font-size: 0.85em; text-transform: uppercase; letter-spacing: .04em;
  color: var(--body-text-color-subdued); margin-top: 6px; }
.qa-tag { font-size: 0.75em; padding: 0 6px; border-radius: 999px; background: var(--background-fill-secondary);
  color: var(--body-text-color-subdued); }
.qa-time { margin-top: 6px; }
.qa-none { font-weight: 700; font-size: 1.05em; }
.qa-closest { margin-top: 8px; padding: 6px 10px; border: 1px dashed var(--border-color-primary); border-radius: 6px; }
.qa-snippet { color: var(--body-text-color-subdued); font-size: 0.9em; font-style: italic; }
.qa-error { color: #b45309; }
.qa-ok { color: #15803d; font-weight: 600; }
.qa-stale { color: #b45309; font-weight: 600; }
.qa-status { margin: 4px 0; }
.qa-doc { border: 1px solid var(--border-color-primary); border-radius: 8px; background: var(--background-fill-primary); }
.qa-doc-empty { padding: 24px; color: var(--body-text-color-subdued); min-height: 200px; }
.qa-doc-head { padding: 10px 14px; border-bottom: 1px solid var(--border-color-primary);
  background: var(--background-fill-secondary); border-radius: 8px 8px 0 0; }
.qa-doc-title { font-weight: 700; font-size: 1.05em; }
.qa-doc-note { font-size: 0.8em; margin-top: 4px; color: var(--body-text-color-subdued); }
.qa-doc-body { position: relative; white-space: pre-wrap; overflow-wrap: anywhere; padding: 12px 14px;
  max-height: 62vh; overflow-y: auto; line-height: 1.55; font-size: 0.95em; }
.qa-boiler { opacity: 0.45; text-decoration: line-through; text-decoration-color: rgba(127,127,127,.5); }
strong.qa-key { background: #e0e7ff; border-radius: 2px; padding: 0 1px; }
.qa-differ { background: #fef3c7 !important; color: #92400e !important; }
.qa-differs { color: #b45309; font-size: 0.85em; }
mark.qa-hl { background: #fde68a; color: inherit; padding: 1px 0; border-radius: 2px; box-shadow: 0 0 0 1px #f59e0b; }
#qa-bridge { display: none !important; }
/* The chat's own clear icon overlaps the first message; the Clear button below does the job. */
#qa-chat .icon-button-wrapper.top-panel { display: none; }
#qa-chat button.example { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 14px;
  background: var(--background-fill-secondary); text-align: left; }
#qa-chat button.example:hover { border-color: var(--primary-400); background: var(--primary-50); }
.qa-closest li .qa-cite { font-weight: 500; }
.qa-table .cell-wrap span { font-family: var(--font); }
"""

# Clicking any link with class "qa-cite" (in the chat, anywhere) sends its target to Python
# (its href) through the hidden bridge component's custom "cite" event. One document-level listener is bound
# once; a re-mounted bridge only refreshes the function it calls.
BRIDGE_JS = """
window.__qaCite = (ref) => trigger('cite', {ref: ref});
if (!window.__qaCiteBound) {
  window.__qaCiteBound = true;
  const open = (event) => {
    const el = event.target && event.target.closest ? event.target.closest('.qa-cite') : null;
    if (!el) return;
    if (event.type === 'keydown' && event.key !== 'Enter' && event.key !== ' ') return;
    event.preventDefault();
    event.stopPropagation();
    window.__qaCite(el.getAttribute('href'));
  };
  document.addEventListener('click', open, true);
  document.addEventListener('keydown', open, true);
}
"""

# After the document viewer re-renders, scroll its text box (only) to the first highlighted span.
VIEWER_JS = """
const reveal = () => {
  const mark = element.querySelector('.qa-doc-body mark.qa-hl');
  const box = element.querySelector('.qa-doc-body');
  if (!mark || !box) return;
  box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
  const r = element.getBoundingClientRect();
  if (r.top < 0 || r.top > window.innerHeight) element.scrollIntoView({block: 'start', behavior: 'smooth'});
};
watch('value', () => requestAnimationFrame(reveal));
"""


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

    bind = {"index_dir": index_dir, "embedder": embedder}
    questions_file = Path(questions_file or BUNDLED_QUESTIONS)
    if examples is None:
        examples = example_questions(questions_file)
    default_threshold = DEFAULT_SETTINGS.extract.abstain_threshold

    with gr.Blocks(title="Corpus QA", analytics_enabled=False) as demo:
        gr.Markdown(_header(index_dir, embedder), elem_id="qa-header")
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
        ask_inputs = [question, chatbot, mode, k, threshold]
        turn = partial(chat_turn, **bind)
        for trigger in (question.submit, ask.click):
            trigger(turn, ask_inputs, [chatbot, question], api_visibility="private")

        def from_example(history, mode_value, k_value, threshold_value, evt: gr.SelectData):
            value = evt.value if isinstance(evt.value, dict) else {}
            return chat_turn(value.get("text", ""), history, mode_value, k_value, threshold_value, **bind)

        chatbot.example_select(from_example, [chatbot, mode, k, threshold], [chatbot, question],
                               api_visibility="private")
        clear.click(lambda: ([], "", VIEWER_PLACEHOLDER), None, [chatbot, question, viewer],
                    api_visibility="private")

        def on_cite(evt: gr.EventData):
            data = getattr(evt, "_data", None) or {}
            return open_citation(data.get("ref"), **bind)

        bridge.cite(on_cite, None, viewer, api_visibility="private")

        load_corpus = partial(corpus_overview, **bind)
        for trigger in (corpus_tab.select, refresh.click):
            trigger(load_corpus, None, [corpus_status, corpus_table], api_visibility="private")

        def on_row(evt: gr.SelectData):
            return open_document_row(evt.row_value, **bind)

        corpus_table.select(on_row, None, corpus_viewer, api_visibility="private")

        source.change(lambda s: gr.update(visible=s == "upload"), source, upload, api_visibility="private")

        def on_run(source_value, upload_value, modes_value, k_value, progress=gr.Progress()):
            summary, metrics, chart_df, table, csv_path = run_evaluation(
                source_value, upload_value, modes_value, k_value, progress=progress,
                bundled=questions_file, **bind)
            shown = [m for m in MODES if m in (modes_value or [])]
            return (summary, gr.update(value=metrics, headers=["metric", *shown] if metrics else None),
                    chart_df, table, gr.update(value=csv_path, interactive=csv_path is not None))

        # Evaluations are long and CPU-bound: one at a time, so that they never starve answers.
        run.click(on_run, [source, upload, eval_modes, eval_k],
                  [eval_summary, metrics_table, chart, per_question, download],
                  concurrency_limit=1, concurrency_id="evaluate", api_visibility="private")

        def answer_api(question: str, mode: str = "hybrid", k: int = 5,
                       threshold: float | None = None) -> dict:
            """Answer a question from the corpus: the Answer as a dict (text, abstained,
            citations with doc_id/start/end/quote/score, passages, confidence, timings)."""
            return answer_json(question, mode, k, threshold, **bind)

        gr.api(answer_api, api_name="answer")
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


def launch_options() -> dict:
    """The keyword arguments ``Blocks.launch`` needs for this app's look (theme, CSS)."""
    return {"theme": _theme(), "css": CSS, "ssr_mode": False, "footer_links": ["api"]}


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
