"""Questions about a document itself rather than its content: "Who wrote the article ...?",
"Which outlet published ...?", "When was the report published?", and questions that quote a
document's title.

Question-time code, kept apart from ``qa.ingest.metadata`` (which reads the fields out of a document and
is part of the indexing code's fingerprint), so that rewording these patterns does not make every
index stale.
"""

from __future__ import annotations

import re

from qa.ingest.metadata import word_key

_DOC_NOUN = (r"(?:article|report|piece|story|stories|post|blog post|newsletter|column|op-ed|editorial|"
             r"item|interview|press release|write-up|summary|translation|feature|analysis)")
_QUESTIONS = [
    ("translator", re.compile(
        r"\bwho (?:translated|(?:did|made|produced|prepared|wrote|handled) (?:the |a |this |that )?"
        r"(?:[\w-]+ ){0,2}translation)\b|\btranslator\b|\btranslated by whom\b", re.I)),
    ("author", re.compile(
        rf"\bwho (?:wrote|authored|penned|is the author of|was the author of|reported)\b.*\b{_DOC_NOUN}\b|"
        rf"\b(?:author|byline|writer|reporter)s? of (?:the|this|that|a)\b.*\b{_DOC_NOUN}\b|"
        rf"\bwho (?:is|was|are|were) (?:credited as |listed as |named as )?the (?:author|writer)s?\b", re.I)),
    ("source", re.compile(
        rf"\b(?:which|what) (?:outlet|publication|newspaper|paper|site|website|media group|media outlet|"
        rf"media company|newsletter|magazine|publisher|blog|news agency|agency|source)\b.*\b(?:published|"
        rf"carried|ran|run|posted|printed|released|put out|issued)\b|"
        rf"\b(?:name of the|which|what) (?:outlet|publication|newspaper|site|website|newsletter|magazine|"
        rf"media group|blog)\b (?:that|which) (?:published|carried|ran|posted|printed)\b|"
        rf"\bwho (?:published|carried|ran|posted)\b.*\b{_DOC_NOUN}\b|"
        rf"\b(?:which|what) (?:outlet|publication|newspaper|site|website|media group|media outlet|"
        rf"news agency|agency|magazine|publisher)\b (?:is|was) (?:credited as |listed as |given as |named as )?"
        rf"(?:the )?(?:source|publisher)\b|"
        rf"\bwhere (?:was|were|is|did)\b.*\b{_DOC_NOUN}\b.*\b(?:published|posted|appear|run)\b|"
        # Keywords: "publisher of chinese tech companies accelerate a.i. development ..."
        rf"^\W*publisher\s+of\b", re.I)),
    ("date", re.compile(
        rf"\b(?:when|(?:on )?what (?:date|day)|which (?:date|day))\b.*\b{_DOC_NOUN}\b.*\b(?:published|"
        rf"posted|written|released|issued|dated|come out|came out)\b|"
        # "What date is on the article about ...?", "What is the publication date of the report?"
        rf"\b(?:what|which) (?:is |was )?(?:the )?(?:publication |publishing |release )?(?:date|day)\b "
        rf"(?:is |was |appears )?(?:on|of|for) (?:the|this|that) (?:[\w-]+ ){{0,3}}{_DOC_NOUN}\b|"
        rf"\b(?:publication|publishing) date\b|\bdate of (?:publication|the {_DOC_NOUN})\b", re.I)),
]


def metadata_question(question: str) -> str | None:
    """The field (``"author"``, ``"translator"``, ``"source"`` or ``"date"``) a question asks of a
    document itself, e.g. "Who wrote the article ...?" or "When was the report published?"; else None."""
    for name, pattern in _QUESTIONS:
        if pattern.search(question):
            return name
    return None


_QUOTED = re.compile(r"(?:(?<=\s)|^)(?:'(.{8,}?)'|\"(.{8,}?)\"|“(.{8,}?)”|‘(.{8,}?)’)(?=[\s?.,!;:)]|$)")


def quoted_title(question: str, title: str) -> tuple[int, int] | None:
    """The span of ``question`` (quotation marks included) that quotes ``title`` or the start of
    it, ignoring case and punctuation; None when it quotes no such thing."""
    key = word_key(title)
    for m in _QUOTED.finditer(question):
        quoted = word_key(next(g for g in m.groups() if g))
        if quoted and key and (key.startswith(quoted) or quoted.startswith(key)):
            return m.span()
    return None


#: A document referred to by its title's words, unquoted: "the article about China's race to
#: dominate AI and dependence on the US", "the piece titled China is narrowing the gap",
#: "publisher of chinese tech companies accelerate a.i. development ...".
_ABOUT_TITLE = re.compile(rf"(?:\b{_DOC_NOUN}\s+(?:about|on|titled|entitled|called|headlined|named)|"
                          rf"^\W*(?:publisher|author|writer|translator|date)\s+of)\s+([^,?;:]+)", re.I)
#: Words that carry no part of a title's meaning.
_FILLER = frozenset("a an the of to on in and or for with by at s is are was its how what why".split())


def described_title(question: str, title: str) -> tuple[int, int] | None:
    """The span of ``question`` that refers to a document by most of ``title``'s words without
    quoting it ("the article about China's race to dominate AI and dependence on the US" for
    "China’s race to dominate AI comes up against dependence on the US"): at least four of the
    phrase's meaningful words, and four in five of them, are the title's. None otherwise."""
    m = _ABOUT_TITLE.search(question)
    if not m:
        return None
    said = set(word_key(m.group(1)).split()) - _FILLER
    shared = said & set(word_key(title).split())
    if len(shared) >= 4 and len(shared) >= 0.8 * len(said):
        return m.span(1)
    return None


def quotes_title(question: str, title: str) -> bool:
    """True when the question quotes ``title`` (or the start of it), ignoring case and punctuation."""
    return quoted_title(question, title) is not None


def quotes_other_title(question: str, title: str) -> bool:
    """True when the question quotes a title, and that title is not ``title``: it names another
    work ("the New York Times article titled 'China is narrowing the gap ...'")."""
    return _QUOTED.search(question) is not None and not quotes_title(question, title)


#: Up to four words before a word for a document: "the *New York Times* article".
_BEFORE_DOC_NOUN = re.compile(rf"((?:[\w.&’'-]+\s+){{1,4}}){_DOC_NOUN}\b", re.I)


def _opens_sentence(text: str, at: int) -> bool:
    """True when ``text[at:]`` opens the text, a line or a sentence. Only the characters just
    before ``at`` are read (a document may hold tens of millions of characters)."""
    if at == 0:
        return True
    return bool(re.search(r"(?:[.!?:\"“]\s*|\n\s*)$", text[max(0, at - 200):at]))


def names_other_work(question: str, text: str, own_names) -> bool:
    """True when the question names a piece by an outlet the document ``text`` mentions with capitals
    but that is not one of its own (``own_names``): "When was the New York Times article that Global
    Times translated published?" asks about a work the Global Times document reports on, not about
    the document. "When was the Global Times article published?" and "When was the report
    published?" ask about the document."""
    own = {word_key(n) for n in own_names}
    for m in _BEFORE_DOC_NOUN.finditer(question):
        words = m.group(1).split()
        for n in range(len(words), 0, -1):
            phrase = r"[\W_]+".join(re.escape(w) for w in words[-n:])
            key = word_key(" ".join(words[-n:]))
            if any(key in o or o in key for o in own if o):
                break
            # The document writes the phrase as a name: each word capitalised ("New York Times"),
            # and a single word not only where a sentence opens ("The").
            for found in re.finditer(rf"(?<![\w-]){phrase}(?![\w-])", text, re.I):
                if all(w[:1].isupper() for w in found.group(0).split()) and (
                        n > 1 or not _opens_sentence(text, found.start())):
                    return True
    return False
