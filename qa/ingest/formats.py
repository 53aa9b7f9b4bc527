"""Turn the bytes of one corpus file into plain text and metadata: one reader per file format.

Every reader takes the file's bytes and returns a ``FileContent``: the ``Extracted`` texts it found
(one for most formats, one per line for ``.jsonl``) and the problems it met, as short messages. A
reader never raises on bad input: a file it cannot read at all gives no text and a problem that
says why, so that one broken file never stops a corpus from being indexed.

The extracted text is what the index stores and what every citation offset points into; for
``.txt`` it is the decoded file itself. Parsing libraries are imported inside the readers, so that
``import qa`` stays fast.
"""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from typing import Callable

from qa.ingest.content import Extracted, FileContent, clean_value
from qa.ingest.encoding import decode_bytes


# --- plain text ----------------------------------------------------------------------------------

def read_text(data: bytes) -> FileContent:
    """A ``.txt`` file: its decoded content, unchanged."""
    text, problem = decode_bytes(data)
    return FileContent((Extracted(text),), (problem,) if problem else ())


# --- markdown ------------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)(?:\r?\n)(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_FRONT_MATTER_LINE = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*$")
#: Front-matter keys read as each metadata field, first match wins.
_FRONT_MATTER_KEYS = {
    "title": ("title",),
    "date": ("date", "published", "created"),
    "url": ("url", "link", "canonical_url", "permalink"),
    "source": ("source", "publisher", "site", "sitename"),
    "author": ("author", "authors"),
}


def parse_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split a leading ``---`` block of ``key: value`` lines from markdown text.

    Returns (fields with lower-cased keys, the rest of the text). Only flat ``key: value`` lines
    are read (quotes around a value are removed); nested or list entries are ignored. Text
    without a front-matter block is returned whole with no fields.
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    fields: dict[str, str] = {}
    for line in match.group(1).splitlines():
        m = _FRONT_MATTER_LINE.match(line)
        if not m or not m.group(2):
            continue
        value = m.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        fields.setdefault(m.group(1).lower(), value.strip())
    return fields, text[match.end():]


def _front_matter_metadata(fields: dict[str, str]) -> dict[str, str | None]:
    return {name: next((clean_value(fields[k]) for k in keys if fields.get(k)), None)
            for name, keys in _FRONT_MATTER_KEYS.items()}


def _inline_text(token) -> str:
    """The visible text of an inline token: words, code, link text and image alt text."""
    out = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "image":
            out.append(_inline_text(child))  # its children are the alt text
        elif child.type == "softbreak":
            out.append(" ")  # a wrapped line of the same paragraph
        elif child.type == "hardbreak":
            out.append("\n")
        # link_open/close, emphasis markers and inline HTML carry no words of their own
    return "".join(out)


def render_markdown(markdown: str) -> str:
    """Markdown as plain text (``render_markdown_blocks`` without the code spans)."""
    return render_markdown_blocks(markdown)[0]


def render_markdown_blocks(markdown: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Markdown as plain text: one line per heading, paragraph, list item or table row; and the
    (start, end) spans of that text that are code blocks.

    Blocks are separated by blank lines; markup (``#``, ``*``, link targets, image URLs, HTML
    tags) is dropped, link text and image alt text are kept, code blocks are kept verbatim and
    table cells are separated by tabs.
    """
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    blocks: list[str] = []
    code: list[int] = []  # indexes of the blocks that are code
    row: list[str] | None = None
    for token in md.parse(markdown):
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            blocks.append("\t".join(cell for cell in (row or []) if cell))
            row = None
        elif token.type == "inline":
            text = _inline_text(token).strip()
            if row is not None:
                row.append(text)
            elif text:
                blocks.append(text)
        elif token.type in ("fence", "code_block"):
            text = token.content.strip("\n")
            if text.strip():
                code.append(len(blocks))
                blocks.append(text)
        # html_block: raw HTML in markdown is layout, not prose
    spans, offset = [], 0
    for i, block in enumerate(blocks):
        if i in code:
            spans.append((offset, offset + len(block)))
        offset += len(block) + 2
    return "\n\n".join(blocks) + ("\n" if blocks else ""), tuple(spans)


def read_markdown(data: bytes) -> FileContent:
    """A ``.md`` file: rendered to plain text; title, date, URL, source, author from front matter."""
    raw, problem = decode_bytes(data)
    fields, body = parse_front_matter(raw)
    text, code = render_markdown_blocks(body)
    return FileContent((Extracted(text, code=code, **_front_matter_metadata(fields)),),
                       (problem,) if problem else ())


# --- HTML ----------------------------------------------------------------------------------------

def read_html(data: bytes) -> FileContent:
    """An ``.html`` page: its main text (navigation, ads, footers removed) and its meta tags.

    Uses trafilatura, which works on the bytes given and never fetches anything.
    """
    import trafilatura

    try:
        result = trafilatura.bare_extraction(
            data, with_metadata=True, include_comments=False, include_tables=True,
            include_images=False, include_links=False, deduplicate=False,
            # Only dates the page declares (meta tags, time elements, URL): the "extensive" search
            # turns a "Copyright 2024" footer into a publication date of 2024-01-01.
            date_extraction_params={"extensive_search": False, "original_date": True})
    # trafilatura parses hostile markup with lxml, which can fail in many ways; any failure is a
    # problem with this one file, reported to the user, never a crash of the whole build.
    except Exception as exc:  # noqa: BLE001
        return FileContent((), (f"skipped: HTML could not be parsed ({type(exc).__name__}: {exc})",))
    text = (getattr(result, "text", None) or "").strip() if result is not None else ""
    if not text:
        return FileContent((), ("skipped: no main text found in the HTML page",))
    meta = {name: clean_value(getattr(result, attr, None))
            for name, attr in (("title", "title"), ("date", "date"), ("url", "url"),
                               ("source", "sitename"), ("author", "author"))}
    return FileContent((Extracted(text + "\n", code=_html_code_spans(text, result), **meta),))


def _html_code_spans(text: str, result) -> tuple[tuple[int, int], ...]:
    """Where the page's code blocks (``<pre>``/``<code>`` blocks, as trafilatura marks them) are
    in ``text``: each block's text found in order; a block that cannot be found is left as prose."""
    body = getattr(result, "body", None)
    if body is None:
        return ()
    spans, cursor = [], 0
    for element in body.iter("code"):
        if element.getparent() is not body and element.getparent().tag not in ("item", "quote", "div"):
            continue  # inline code inside a paragraph is part of its sentence
        block = "".join(element.itertext()).strip()
        if not block:
            continue
        at = text.find(block, cursor)
        if at < 0:
            continue
        spans.append((at, at + len(block)))
        cursor = at + len(block)
    return tuple(spans)


# --- PDF -----------------------------------------------------------------------------------------

def reflow_page(page_text: str) -> str:
    """Join the visual lines of one PDF page into paragraphs, one per line.

    A line continues the previous one when it starts in lower case (or with ``,;)]``), or when
    the previous line is nearly as long as the page's full lines (a wrapped line, not the end of
    a paragraph or a heading). A word hyphenated at the end of a line is joined with its hyphen
    kept. Spaces inside a line are collapsed to one.
    """
    lines = [" ".join(line.split()) for line in page_text.splitlines()]
    lengths = sorted(len(line) for line in lines if line)
    if not lengths:
        return ""
    width = lengths[int(0.9 * (len(lengths) - 1))]  # a typical full line, robust to one long title
    paragraphs: list[str] = []
    current, previous = "", ""
    for line in lines:
        wrapped = bool(previous) and width >= 40 and len(previous) >= 0.7 * width
        if current and line and (line[0].islower() or line[0] in ",;)]" or wrapped):
            hyphenated = previous.endswith("-") and len(previous) > 1 and previous[-2].isalpha()
            current += ("" if hyphenated and line[0].islower() else " ") + line
        else:
            if current:
                paragraphs.append(current)
            current = line
        previous = line
    if current:
        paragraphs.append(current)
    return "\n".join(paragraphs)


def _pdf_date(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    return None


def read_pdf(data: bytes) -> FileContent:
    """A ``.pdf`` file: the text of each page, pages separated by a blank line.

    ``Extracted.pages`` gives the offset where each page's text starts, so that a citation can
    name its page. Title, author and creation date come from the PDF's document information.
    A page whose text cannot be extracted is left empty (it keeps its page number) and reported.
    """
    import pypdf
    from pypdf.errors import DependencyError, PyPdfError

    problems: list[str] = []
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    return FileContent((), ("skipped: the PDF is encrypted with a password",))
            except (PyPdfError, DependencyError, NotImplementedError) as exc:
                return FileContent((), (f"skipped: the PDF is encrypted ({exc})",))
        pages = list(reader.pages)
    # A damaged PDF can fail inside pypdf in many ways (its own errors, but also ValueError,
    # KeyError, struct errors or deep recursion on cyclic objects): each is one skipped file.
    except Exception as exc:  # noqa: BLE001
        return FileContent((), (f"skipped: not a readable PDF ({type(exc).__name__}: {exc})",))
    texts: list[str] = []
    failed: list[int] = []
    for number, page in enumerate(pages, start=1):
        try:
            texts.append(reflow_page(page.extract_text() or ""))
        except Exception as exc:  # noqa: BLE001 -- same reason as above, for one page
            failed.append(number)
            problems.append(f"page {number}: text could not be extracted ({type(exc).__name__}: {exc})")
            texts.append("")
    if not any(t.strip() for t in texts):
        if failed and len(failed) == len(pages):
            return FileContent((), tuple(problems) + ("skipped: no page could be read",))
        return FileContent((), tuple(problems) + (
            "skipped: the PDF has no text layer (scanned pages are not read: no OCR)",))
    empty = [n for n, t in enumerate(texts, start=1) if not t.strip() and n not in failed]
    if empty:
        problems.append(f"no text on page{'s' if len(empty) > 1 else ''} "
                        f"{', '.join(map(str, empty))} (images only?)")
    starts, parts, offset = [], [], 0
    for t in texts:
        starts.append(offset)
        part = t + "\n\n"
        parts.append(part)
        offset += len(part)
    meta: dict[str, str | None] = {}
    try:
        info = reader.metadata
        if info is not None:
            meta = {"title": clean_value(info.title), "author": clean_value(info.author),
                    "date": _pdf_date(info.creation_date)}
    except Exception as exc:  # noqa: BLE001 -- bad document info loses the metadata, not the text
        problems.append(f"document information unreadable ({type(exc).__name__}): metadata ignored")
    return FileContent((Extracted("".join(parts), pages=tuple(starts), **meta),), tuple(problems))


# --- JSON lines ----------------------------------------------------------------------------------

_JSONL_FIELDS = ("title", "date", "url", "source", "author")


def read_jsonl(data: bytes) -> FileContent:
    """A ``.jsonl`` file: one document per line, ``{"id": ..., "text": ...}`` plus optional
    ``title``, ``url``, ``date``, ``source``, ``author``.

    A BEIR corpus line (``{"_id": ..., "title": ..., "text": ...}``, no ``id``) is read the same way;
    its ``_id`` becomes the document's whole id (``Extracted.key_is_doc_id``), so that qrels naming
    it match without a prefix.

    A line that is not a JSON object with a non-empty ``id`` (text or number) and a ``text``
    string, or that repeats an earlier ``id``, is skipped with a problem naming its line number.
    Blank lines are ignored.
    """
    decoded, problem = decode_bytes(data)
    problems: list[str] = [problem] if problem else []
    records: list[Extracted] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(decoded.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            problems.append(f"line {number}: skipped: not valid JSON ({getattr(exc, 'msg', exc)})")
            continue
        if not isinstance(row, dict):
            problems.append(f"line {number}: skipped: not a JSON object")
            continue
        beir = "id" not in row and "_id" in row
        key, text = row.get("_id" if beir else "id"), row.get("text")
        if isinstance(key, bool) or not isinstance(key, (str, int)) or not str(key).strip():
            problems.append(f"line {number}: skipped: no \"id\" (or BEIR \"_id\"; text or number)")
            continue
        if not isinstance(text, str):
            problems.append(f"line {number}: skipped: no \"text\" string")
            continue
        key = str(key).strip()
        if key in first_line:
            problems.append(f"line {number}: skipped: id {key!r} already used on line {first_line[key]}")
            continue
        first_line[key] = number
        meta = {name: clean_value(row.get(name)) for name in _JSONL_FIELDS}
        records.append(Extracted(text, key=key, line=number, key_is_doc_id=beir, **meta))
    if not records and not problems:
        problems.append("skipped: no document in the file")
    return FileContent(tuple(records), tuple(problems))


#: The reader of each corpus file type, by lower-case suffix.
READERS: dict[str, Callable[[bytes], FileContent]] = {
    ".txt": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".jsonl": read_jsonl,
}

#: Formats whose files are binary by nature (not checked for NUL bytes before reading).
BINARY_SUFFIXES = (".pdf",)


def reader_for(suffix: str) -> Callable[[bytes], FileContent] | None:
    """The reader of files ending in ``suffix`` (any case), or None if it is not a corpus format."""
    return READERS.get(suffix.lower())
