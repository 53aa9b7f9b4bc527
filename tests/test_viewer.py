"""The document viewer on a long document: a window around the cited span, loaded piece by piece;
and per-question work on a long document that reads its terms once, in pieces."""

from __future__ import annotations

import html
import re

from qa.app import render
from qa.ingest.corpus import make_document

WINDOW = 5_000


def _long_document():
    lines = [f"Line {i} of the ledger records that shipment {i} reached the harbour on time." for i in range(2000)]
    lines[1500] = "The harbour master signed the final shipment on the ninth of May."
    lines.insert(10, ">>> ledger.total()")
    text = "\n".join(lines) + "\n"
    return make_document("ledger", text)


def _body(view: str) -> str:
    body = view.split('<div class="qa-doc-body">', 1)[1].split("</div>", 1)[0]
    return html.unescape(re.sub(r"<[^>]*>", "", body))


def _more_links(view: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<div class="qa-doc-more"><a class="qa-cite" href="([^"]*)"', view)]


def test_a_long_document_shows_a_window_around_the_span_with_links_to_the_rest():
    doc = _long_document()
    start = doc.text.index("The harbour master")
    end = doc.text.index("ninth of May.") + len("ninth of May.")
    view = render.render_document(doc, start, end, "[1]", window=WINDOW)
    shown = _body(view)
    assert len(shown) <= WINDOW + 200 < len(doc.text)
    a = doc.text.index(shown)
    assert doc.text[a:a + len(shown)] == shown and a < start and end < a + len(shown)
    assert shown.startswith("Line") and shown.endswith("\n")  # the window falls on line boundaries
    marked = "".join(re.findall(r'<mark class="qa-hl">(.*?)</mark>', view.split('qa-doc-body">', 1)[1]))
    assert html.unescape(marked) == doc.text[start:end]
    earlier, later = _more_links(view)
    # "Show later text" loads the window that starts where this one ends, keeping the citation.
    doc_id, s, e, label, at = render.parse_cite_target(later)
    assert (doc_id, s, e, label, at) == ("ledger", start, end, "[1]", a + len(shown))
    after = _body(render.render_document(doc, s, e, label, at, window=WINDOW))
    assert doc.text[at:at + len(after)] == after
    _, _, _, _, back = render.parse_cite_target(earlier)
    before = _body(render.render_document(doc, start, end, "[1]", back, window=WINDOW))
    assert doc.text.index(before) + len(before) >= a - 200


def test_a_short_document_is_shown_whole_and_code_is_marked_as_code():
    doc = _long_document()
    view = render.render_document(doc, 0, 10, "[1]", window=len(doc.text))
    assert _body(view) == doc.text and not _more_links(view)
    code = re.findall(r'<span class="qa-code">(.*?)</span>', view)
    assert [html.unescape(c) for c in code] == [">>> ledger.total()"]


def test_old_four_part_citation_links_still_open():
    ref = render.cite_href("d", 3, 9, "[2]")
    assert render.parse_cite_target(ref) == ("d", 3, 9, "[2]", None)
    assert render.parse_cite_ref(render.cite_href("d", 3, 9, "[2]", 400)) == ("d", 3, 9, "[2]")


def test_terms_of_a_long_text_read_in_pieces_are_the_terms_of_the_whole():
    from qa.lexicon.terms import analyze
    from qa.reader.names import text_terms

    text = _long_document().text
    assert text_terms(text, piece=997) == frozenset(analyze(text))


def test_the_viewer_handler_follows_a_show_later_link(tmp_path, hash_embedder):
    from conftest import make_corpus

    from qa.app import handlers
    from qa.index.build import build_index

    doc = _long_document()
    assert len(doc.text) > 2 * render.VIEWER_WINDOW_CHARS
    corpus = make_corpus(tmp_path / "c", {"ledger.txt": doc.text})
    build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    start = doc.text.index("Line 3 of")
    first = handlers.open_citation(render.cite_href("ledger", start, start + 6, "[1]"), tmp_path / "i", hash_embedder)
    later = _more_links(first)[-1]
    second = _body(handlers.open_citation(later, tmp_path / "i", hash_embedder))
    at = render.parse_cite_target(later)[4]
    assert at > 0 and doc.text[at:at + len(second)] == second != _body(first)
