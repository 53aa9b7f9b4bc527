"""Answers, documents, the corpus overview and evaluation results as safe HTML and table rows.

Pure functions of library values (``Answer``, ``Citation``, ``Document``, ``EvalReport``...) to
strings and lists: no Gradio, no index loading, no files. ``ui.py`` wires them into the app.

Safety promise: every piece of text that comes from a document, a question, a file name or a
manifest goes through ``escape_text`` / ``escape_inline`` before it is placed in HTML, so any HTML or
Markdown renderer shows it literally. Only the markup written in this module is live.
"""

from __future__ import annotations

import json
from typing import Any, Sequence
from urllib.parse import quote, unquote

from qa.app.viewer import document_pieces, document_window
from qa.config import VIEWER_WINDOW_CHARS

#: Closest passages listed when the corpus does not answer.
N_CLOSEST = 3

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


def shorten(text: str, limit: int) -> str:
    """``text`` with runs of whitespace collapsed, cut to at most ``limit`` characters (ending in "…")."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


# --- citation links -------------------------------------------------------------------------------

CITE_PREFIX = "#cite:"


def cite_href(doc_id: str, start: int, end: int, label: str, view: int | None = None) -> str:
    """The ``href`` a citation link carries to the document viewer (the chat's sanitizer keeps
    ``href`` but drops ``data-*`` attributes): ``#cite:`` + the URL-quoted JSON of its target;
    ``view`` asks a long document's window to start at that offset (``qa.app.viewer``)."""
    target = [doc_id, int(start), int(end), label] + ([] if view is None else [int(view)])
    return CITE_PREFIX + quote(json.dumps(target, ensure_ascii=False), safe="")


def parse_cite_ref(ref: Any) -> tuple[str, int, int, str]:
    """The (doc_id, start, end, label) of a citation link's ``href``; ``ValueError`` if malformed."""
    return parse_cite_target(ref)[:4]


def parse_cite_target(ref: Any) -> tuple[str, int, int, str, int | None]:
    """``parse_cite_ref`` and the window offset the link asks for (None: around the span)."""
    if not isinstance(ref, str) or CITE_PREFIX not in ref:
        raise ValueError("not a citation reference")
    try:
        doc_id, start, end, label, *view = json.loads(unquote(ref.split(CITE_PREFIX, 1)[1]))
    except (TypeError, ValueError) as exc:
        raise ValueError("not a citation reference") from exc
    if not (isinstance(doc_id, str) and type(start) is int and type(end) is int
            and isinstance(label, str) and 0 <= start <= end
            and (not view or len(view) == 1 and type(view[0]) is int and view[0] >= 0)):
        raise ValueError("not a citation reference")
    return doc_id, start, end, label, (view[0] if view else None)


def _cite_link(doc_id: str, start: int, end: int, label: str, inner_html: str,
               view: int | None = None) -> str:
    """An ``<a class="qa-cite">`` whose click opens ``doc_id`` at ``[start, end)`` (the window from
    ``view``; ``inner_html`` must already be escaped)."""
    return (f'<a class="qa-cite" href="{escape_text(cite_href(doc_id, start, end, label, view))}" '
            f'title="Open {escape_text(doc_id)} at characters {start}-{end}">{inner_html}</a>')


#: The ``href`` prefix of a link that asks a question (``qa.app.assets.BRIDGE_JS`` is built with it).
ASK_PREFIX = "#ask:"


def _ask_link(question: str) -> str:
    """An ``<a class="qa-ask">`` whose click asks ``question``: the page's script puts the
    URL-unquoted rest of the href (after ``ASK_PREFIX``) in the question box and asks it."""
    return (f'<a class="qa-ask" href="{ASK_PREFIX}{escape_text(quote(question, safe=""))}" '
            f'title="Ask this question instead">{escape_inline(question)}</a>')


# --- answers --------------------------------------------------------------------------------------

def render_question(question: str) -> str:
    """The user's chat bubble: the question, escaped."""
    return f'<div class="qa-q">{escape_inline(question)}</div>'


def _source_line(n: int, c) -> str:
    role = {"answer": "", "disagreement": ' <span class="qa-tag qa-differs">differs</span>'}.get(
        c.role, ' <span class="qa-tag">also says so</span>')
    page = f"page {c.page} · " if getattr(c, "page", None) else ""
    return (f'<li>{_cite_link(c.doc_id, c.start, c.end, f"[{n}]", f"[{n}] {escape_inline(c.title)}")}'
            f'{role}<br><span class="qa-meta">{escape_text(c.doc_id)} · {page}characters {c.start}–{c.end} · '
            f'score {c.score:.3f}{_copies(c)}</span></li>')


def _copies(c) -> str:
    """" · same text also in a, b" for a citation whose document has exact duplicates."""
    copies = getattr(c, "copies", ())
    return f" · same text also in {escape_text(', '.join(copies))}" if copies else ""


def _timing(result, k: int) -> str:
    ms = result.timings.get("total_ms", 0.0)
    # The confidence is the fitted answerability model's probability that the answer is right; for
    # an abstention, that the closest sentence would have been (a gate can abstain above the
    # threshold): the label says which.
    label, whose = (("chance the closest sentence answers", "the closest sentence") if result.abstained
                    else ("confidence", "this answer"))
    return (f'<div class="qa-meta qa-time">answered in {ms:.0f} ms · {escape_text(result.mode)} · '
            f'{k} passages read · <span title="the probability that {whose} is right, from the reader\'s '
            f'fitted answerability model (calibrated on held-out questions)">'
            f'{label} {result.confidence:.2f}</span></div>')


def quote_html(c) -> str:
    """A citation's quote, escaped, with the words that answer the question (``highlight``) bold;
    a quote of code or program output (``kind`` "code") in a code style that keeps its spacing."""
    if not getattr(c, "highlight", None):
        html = escape_inline(c.quote)
    else:
        a, b = c.highlight[0] - c.start, c.highlight[1] - c.start
        html = (escape_inline(c.quote[:a]) + '<strong class="qa-key">' + escape_inline(c.quote[a:b])
                + "</strong>" + escape_inline(c.quote[b:]))
    if getattr(c, "kind", "prose") == "code":
        return f'<code class="qa-code">{html}</code>'
    return html


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
    elif result.agreeing > 1:
        parts.append(f'<div class="qa-agree">✓ {result.agreeing} sources agree</div>')
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


def reason_shown(result) -> str:
    """``result.reason`` without the "Understood as: ..." that a follow-up's reading line above it
    (``qa.app.chat.render_understood``, ``qa chat``) already says."""
    said = f"Understood as: {result.question_used}"
    if result.context_turn is not None and result.reason.startswith(said):
        return result.reason[len(said):].strip()
    return result.reason


def render_abstention(result, k: int) -> str:
    """The bubble for an abstention: says so plainly, then the closest passages, labelled as such."""
    reason = reason_shown(result)
    parts = ['<div class="qa-answer qa-abstained">',
             f'<div class="qa-none">{escape_text(result.text)}</div>',
             f'<div class="qa-meta">{escape_text(reason)}</div>']
    if result.did_you_mean:
        parts.append(f'<div class="qa-suggest">Did you mean: {_ask_link(result.did_you_mean)}</div>')
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
                         f'{escape_inline(shorten(p.quote, 160))}</div></li>')
        parts.append('</ul></div>')
    parts.append(_timing(result, k))
    parts.append('</div>')
    return "".join(parts)


def render_error(message: str) -> str:
    """A one-line, escaped notice in the chat."""
    return f'<div class="qa-error">⚠ {escape_inline(message)}</div>'


# --- documents ------------------------------------------------------------------------------------

VIEWER_PLACEHOLDER = ('<div class="qa-doc qa-doc-empty"><div class="qa-doc-hint">Click a citation '
                      'marker such as <b>[1]</b> or a source title to read it here, in its document, '
                      'with the quoted span highlighted.</div></div>')


def render_document(doc, start: int | None = None, end: int | None = None, label: str = "",
                    view: int | None = None, window: int = VIEWER_WINDOW_CHARS) -> str:
    """A document's text as HTML: boilerplate dimmed (not hidden), ``[start, end)`` marked.

    The marked span carries ``class="qa-hl"``; the viewer scrolls the first one into view. A
    document longer than ``window`` characters shows a window around the span (or from ``view``),
    with links above and below that load the text before and after it. With the tags dropped and
    entities decoded, the body is exactly the text shown: ``doc.text``, or the window of it.
    """
    text = doc.text
    n = len(text)
    highlight = None
    if start is not None and end is not None and 0 <= start < end <= n:
        highlight = (start, end)
    a, z = document_window(text, highlight, view, window)
    body = []
    for s, e, reason, marked in document_pieces(doc, a, z, highlight):
        piece = escape_text(text[s:e])
        if reason == "code":
            piece = f'<span class="qa-code">{piece}</span>'
        elif reason is not None:
            piece = (f'<span class="qa-boiler" title="left out of the index: '
                     f'{escape_text(reason)}">{piece}</span>')
        if marked:
            piece = f'<mark class="qa-hl">{piece}</mark>'
        body.append(piece)
    kept_chars = sum(e - s for s, e in doc.kept_spans)
    meta = [escape_text(v) for v in (doc.doc_id, doc.source, doc.author and f"by {doc.author}", doc.date) if v]
    meta.append(f"{n:,} characters" + (f", showing {a:,}–{z:,}" if (a, z) != (0, n) else ""))
    dimmed = (f'<span class="qa-boiler">dimmed</span> text was left out of the index as boilerplate '
              f'({n - kept_chars:,} characters)')
    if highlight:
        what = "passage" if label == "passage" else f"citation {escape_text(label)}".strip()
        note = (f'<div class="qa-doc-note"><mark class="qa-hl">highlighted</mark> {what}: characters '
                f'{highlight[0]}–{highlight[1]} · {dimmed}</div>')
    else:
        note = f'<div class="qa-doc-note">{dimmed}</div>'
    def more(words: str, at: int) -> str:  # a link that loads the window from ``at``
        return f'<div class="qa-doc-more">{_cite_link(doc.doc_id, start or 0, end or 0, label, words, at)}</div>'
    before = more(f"↑ show earlier text ({a:,} characters before)", max(0, a - window)) if a > 0 else ""
    after = more(f"↓ show later text ({n - z:,} characters after)", z) if z < n else ""
    return (f'<div class="qa-doc"><div class="qa-doc-head"><div class="qa-doc-title">'
            f'{escape_text(doc.title)}</div><div class="qa-meta">{" · ".join(meta)}</div>{note}</div>'
            f'{before}<div class="qa-doc-body">{"".join(body)}</div>{after}</div>')


# --- corpus overview ------------------------------------------------------------------------------

CORPUS_COLUMNS = ["Title", "Document", "Date", "Characters", "Chunks", "Boilerplate", "Status"]


def corpus_rows(entries: Sequence) -> list[list]:
    """One row per ``qa.collections.DocumentEntry``, in ``CORPUS_COLUMNS`` order: title, doc_id
    ("" for a file with no document in the index), date ("" if none), characters, chunks, share
    of text left out as boilerplate (e.g. "12%"; "" when not indexed) and status. Cells are plain
    values; the table component shows them as text."""
    def blank(value):
        return "" if value is None else value

    return [[e.title, e.doc_id, e.date, blank(e.characters), blank(e.chunks),
             "" if e.boilerplate is None else f"{e.boilerplate:.0%}", e.status] for e in entries]


def public_message(message: str) -> str:
    """``message`` without the server's own folders: the project's and the collections' roots
    are dropped from paths (``/srv/app/index`` -> ``index``), so a message names what a user
    knows and not where the server keeps it."""
    from qa.collections import collections_root
    from qa.config import PROJECT_ROOT

    for root, shown in ((collections_root().resolve(), "collections/"), (PROJECT_ROOT, "")):
        message = message.replace(f"{root}/", shown).replace(str(root), shown.rstrip("/") or ".")
    return message


def render_corpus_status(manifest: dict, index_dir, corpus_dir, fresh: bool, why: str) -> str:
    """The Corpus tab's status HTML: whether the index at ``index_dir`` is up to date with
    ``corpus_dir`` (and, if not, ``why`` and the command that rebuilds it), what it was built with,
    its counts, and the files skipped or repaired while indexing."""
    state = ('<span class="qa-ok">✓ up to date</span>' if fresh else
             f'<span class="qa-stale">⚠ not up to date: {escape_text(why)}</span>')
    fix = "" if fresh else (
        f'<div class="qa-meta">Rebuild with <code>qa index {escape_text(corpus_dir or "CORPUS_DIR")} '
        f'--index-dir {escape_text(index_dir)}</code> (questions are refused until then).</div>')
    counts = manifest.get("counts", {})
    model = manifest.get("model", {}).get("name", "?")
    status = [f'<div class="qa-status">{state} with <code>{escape_text(corpus_dir or "?")}</code></div>{fix}',
              f'<div class="qa-meta">Index <code>{escape_text(index_dir)}</code> · built '
              f'{escape_text(manifest.get("created", "?"))} · model {escape_text(model)} · '
              f'{escape_text(counts.get("documents", "?"))} documents, '
              f'{escape_text(counts.get("chunks", "?"))} chunks, '
              f'{escape_text(counts.get("sentences", "?"))} sentences</div>']
    warnings = manifest.get("warnings") or []
    if warnings:
        items = "".join(f'<li>{escape_text(w.get("path", ""))}: {escape_text(w.get("message", ""))}</li>'
                        for w in warnings)
        status.append(f'<div class="qa-meta">Skipped or repaired while indexing:<ul>{items}</ul></div>')
    return "".join(status)


def render_build_report(report, collection: str, files: Sequence[str]) -> str:
    """The Corpus tab's notice after documents were added to ``collection``: what the index
    update did (``BuildReport`` counts) and the files skipped or repaired while indexing."""
    left_out = {w.path for w in report.warnings if w.skips_file}
    indexed = [f for f in files if f not in left_out]
    if indexed:
        head = f'<span class="qa-ok">✓ added</span> {escape_text(", ".join(indexed))} to '
    else:
        head = '<span class="qa-stale">nothing added</span> to '
    lines = [f'<div class="qa-status">{head}'
             f'<code>{escape_text(collection)}</code>: index {escape_text(report.status)} · '
             f'{report.added} added, {report.changed} changed, {report.unchanged} unchanged, '
             f'{report.removed} removed files ({report.files_indexed} indexed, '
             f'{report.files_skipped} skipped) · {report.documents} documents, {report.chunks} chunks · '
             f'{report.embedded} texts embedded in {report.seconds:.1f} s</div>']
    refused = [f for f in files if f in left_out]
    if refused:
        lines.append(f'<div class="qa-meta">Not indexed: {escape_text(", ".join(refused))} '
                     f'(see below).</div>')
    if report.note:
        lines.append(f'<div class="qa-meta">{escape_text(report.note)}</div>')
    if report.warnings:
        items = "".join(f"<li>{escape_text(w.path)}: {escape_text(w.message)}</li>" for w in report.warnings)
        lines.append(f'<div class="qa-meta">Skipped or repaired while indexing:<ul>{items}</ul></div>')
    return "".join(lines)


# --- evaluation results ---------------------------------------------------------------------------
