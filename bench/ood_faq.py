"""The out-of-domain set's data: the Debian FAQ cut into question sections, and the hold-out.

Pure functions over HTML text, tested without the Debian packages (``tests/test_ood.py``); the
runner is ``bench/ood.py``. The FAQ is DocBook XSL output: each ``<div class="section">`` opens
with a ``titlepage`` holding its ``<hN class="title">`` heading ("1.2. What is Debian GNU/Linux?").

- A section whose heading asks something (has a "?") is one *question unit*: its heading is
  the question, its own text (with any non-question subsections, like "8.1.1. dpkg" under "What
  programs does Debian provide...?") is the answer. A question subsection is a unit of its own.
- Any other section ("16.2. Feedback") is kept as an ordinary document with its heading as text.
- The question headings are removed from the indexed copy: the heading itself, the chapters'
  tables of contents (never read) and cross-references ("Section 7.6, “What is a Debian preinst
  ...?”" becomes "Section 7.6").
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

#: DocBook block elements: each starts a new paragraph of the extracted text.
BLOCK_TAGS = frozenset({"p", "div", "li", "dt", "dd", "pre", "table", "tr", "blockquote", "ul", "ol",
                        "dl", "h1", "h2", "h3", "h4", "h5", "h6", "br", "hr"})
_NUMBER = re.compile(r"^\s*(?:(?:chapter|appendix)\s+)?[0-9A-Z]+(?:\.[0-9]+)*\.?\s+", re.IGNORECASE)
_XREF_TITLE = re.compile(r",\s*[“\"].*$", re.DOTALL)
#: A question unit with less own text than this has no answer to cite (a heading over subsections).
MIN_ANSWER_CHARS = 40


@dataclass(frozen=True)
class Section:
    """One FAQ section as indexed: ``key`` (page/anchor), the chapter title, the heading, its text
    (without the heading when it is a question), and whether the heading is a question."""

    key: str
    chapter: str
    heading: str
    text: str
    question: bool


def strip_number(heading: str) -> str:
    """ "1.2.\u00a0What is Debian?" -> "What is Debian?"; "Chapter 1. Definitions" -> "Definitions"."""
    return " ".join(_NUMBER.sub("", heading, count=1).split())


def is_question(heading: str) -> bool:
    """ "What is Linux?!" and "Why ...? I thought ...!" are questions; "Feedback" is not."""
    return "?" in heading


def _flat(text: str | None) -> str:
    return " ".join((text or "").split())


def block_text(element) -> str:
    """The text of an element: one paragraph per block, ``<pre>`` lines kept, spaces collapsed."""
    out: list[str] = []

    def walk(el, pre: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        pre = pre or tag == "pre"
        if tag in BLOCK_TAGS:
            out.append("\n\n")
        if el.text:
            out.append(el.text if pre else _spaced(el.text))
        for child in el:
            walk(child, pre)
        if tag in BLOCK_TAGS:
            out.append("\n\n")
        if el.tail:
            out.append(el.tail if pre else _spaced(el.tail))

    walk(element, False)
    paragraphs = []
    for para in "".join(out).split("\n\n"):
        lines = [" ".join(line.split()) for line in para.split("\n")]
        para = "\n".join(line for line in lines if line)
        if para:
            paragraphs.append(para)
    return "\n\n".join(paragraphs)


def _spaced(text: str) -> str:
    """Whitespace runs (line breaks included) become one space; leading/trailing space kept as one."""
    return re.sub(r"\s+", " ", text)


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def _heading_of(section):
    for h in section.iterfind("./div[@class='titlepage']//*[@class='title']"):
        return h
    return None


def parse_faq_page(html: str | bytes, page: str) -> list[Section]:
    """Every section of one FAQ chapter page, in document order (see the module's docstring)."""
    import lxml.html

    root = lxml.html.fromstring(html)
    for a in root.iter("a"):  # cross-references quote the heading they point to: keep the number only
        if "xref" in _classes(a):
            label = _XREF_TITLE.sub("", a.text_content()).strip()
            for child in list(a):
                a.remove(child)
            a.text = label
    title_el = root.find(".//h1")
    chapter = strip_number(title_el.text_content()) if title_el is not None else page
    units: list[dict] = []

    def visit(section, owner: dict | None) -> None:
        h = _heading_of(section)
        heading = strip_number(h.text_content()) if h is not None else ""
        anchor = next((a.get("id") for a in h.iter("a") if a.get("id")), None) if h is not None else None
        if is_question(heading) or owner is None:
            unit = {"key": f"{page}/{anchor or len(units)}", "heading": heading,
                    "question": is_question(heading), "parts": [] if is_question(heading) else [heading]}
            units.append(unit)
        else:  # a non-question subsection belongs to the answer it sits in
            unit = owner
            unit["parts"].append(heading)
        for child in section:
            if not isinstance(child.tag, str) or "titlepage" in _classes(child):
                continue
            if child.tag == "div" and "section" in _classes(child):
                visit(child, unit)
            else:
                text = block_text(child)
                if text:
                    unit["parts"].append(text)

    for section in root.iter("div"):
        if "section" in _classes(section) and not any(
                "section" in _classes(p) for p in section.iterancestors("div")):
            visit(section, None)
    out = []
    for u in units:
        text = "\n\n".join(p for p in u["parts"] if p)
        question = u["question"] and len(text) >= MIN_ANSWER_CHARS
        if text:
            out.append(Section(u["key"], chapter, u["heading"], text, question))
    return out


def hold_out(sections: list[Section], fraction: float, seed: int) -> tuple[set[str], set[str]]:
    """Split the question sections' keys into (indexed, held out): a seeded share is held out."""
    keys = sorted(s.key for s in sections if s.question)
    held = set(random.Random(seed).sample(keys, round(len(keys) * fraction)))
    return set(keys) - held, held


def distinctive_substring(text: str, others: list[str], max_chars: int = 80) -> str:
    """A short stretch of ``text`` (a line's opening words) found in none of ``others``; "" if none."""
    for line in text.split("\n"):
        words, cut = line.split(), ""
        for w in words:
            if len(cut) + len(w) + 1 > max_chars:
                break
            cut = f"{cut} {w}".strip()
        if len(cut) >= 20 and not any(cut in o for o in others):
            return cut
    return ""


def build_set(sections: list[Section], distractors: list[dict], *, fraction: float, seed: int,
              corpus_stem: str, source: str = "debian-faq",
              keep_headings: bool = False) -> tuple[list[dict], list[dict]]:
    """The documents to index and the questions, both as JSON-ready dicts.

    ``distractors`` are ``{"id", "text", "title"}`` documents indexed as they are. A document's
    doc id in the index is ``<corpus_stem>/<id>`` (how ``qa`` names records of a ``.jsonl`` file).
    ``keep_headings``: each indexed section opens with its question heading, as the FAQ a user
    indexes does (the user asks the FAQ's own question); by default the headings are removed.
    """
    indexed_q, held = hold_out(sections, fraction, seed)
    docs = [{"id": f"faq/{s.key}", "text": f"{s.heading}\n\n{s.text}" if keep_headings and s.question else s.text,
             "title": s.chapter, "source": source}
            for s in sections if s.key not in held]
    docs += distractors
    texts = [d["text"] for d in docs]
    questions = []
    for s in sections:
        if not s.question:
            continue
        if s.key in held:
            questions.append({"id": f"faq/{s.key}", "question": s.heading, "answers": [],
                              "relevant_docs": [], "answerable": False})
        else:
            gold = distinctive_substring(s.text, [t for t in texts if t != s.text])
            questions.append({"id": f"faq/{s.key}", "question": s.heading, "answers": [gold] if gold else [],
                              "relevant_docs": [f"{corpus_stem}/faq/{s.key}"], "answerable": True})
    return docs, questions


def heading_leaks(docs: list[dict], questions: list[dict]) -> list[str]:
    """Question headings still found verbatim (case-insensitively) in some indexed text."""
    texts = [" ".join(d["text"].casefold().split()) for d in docs]
    return [q["question"] for q in questions
            if any(" ".join(q["question"].casefold().split()) in t for t in texts)]


def _strip_label(question: str) -> str:
    """ "(12) How do I ...?" -> "How do I ...?" (the SQLite FAQ numbers its questions)."""
    return " ".join(re.sub(r"^\s*\(\d+\)\s*", "", question).split())


def parse_numbered_faq(html: str | bytes, page: str) -> list[Section]:
    """A FAQ written as ``<a name="qN"></a><p><b>(N) question</b></p><blockquote>answer</blockquote>``
    (the SQLite FAQ, ``sqlite3-doc``): one question unit per anchor, its answer the block after it."""
    import lxml.html

    root = lxml.html.fromstring(html)
    title_el = root.find(".//title")
    chapter = " ".join(title_el.text_content().split()) if title_el is not None else page
    out = []
    for anchor in root.iter("a"):
        name = anchor.get("name") or ""
        if not re.fullmatch(r"q\d+", name):
            continue
        question_el = anchor.getnext()
        answer_el = question_el.getnext() if question_el is not None else None
        if question_el is None or answer_el is None:
            continue
        heading = _strip_label(question_el.text_content())
        text = block_text(answer_el)
        if heading and text:
            out.append(Section(f"{page}/{name}", chapter, heading, text,
                               is_question(heading) and len(text) >= MIN_ANSWER_CHARS))
    return out


def parse_dlist_faq(html: str | bytes, page: str) -> list[Section]:
    """A FAQ written as AsciiDoc definition lists (``gitfaq``, ``git-doc``): each ``<dt>`` is a
    question, the ``<dd>`` after it its answer; the chapter is the ``<h2>`` of the enclosing part."""
    import lxml.html

    root = lxml.html.fromstring(html)
    out = []
    for n, dt in enumerate(root.iter("dt")):
        dd = dt.getnext()
        if dd is None or dd.tag != "dd":
            continue
        part = next((s for s in dt.iterancestors("div") if "sect1" in _classes(s)), None)
        h2 = part.find(".//h2") if part is not None else None
        chapter = " ".join(h2.text_content().split()) if h2 is not None else page
        holder = next((d for d in dt.iterancestors("div") if d.get("id")), None)
        key = f"{page}/{holder.get('id') if holder is not None else 'q'}-{n}"
        heading = " ".join(dt.text_content().split())
        text = block_text(dd)
        if heading and text:
            out.append(Section(key, chapter, heading, text, is_question(heading) and len(text) >= MIN_ANSWER_CHARS))
    return out
