"""Questions about a document itself (who wrote it, which outlet, when): the document's metadata
statements, the answer cited from them, and the documents a question names by outlet or title.
"""

from __future__ import annotations

import re
from typing import Sequence

from qa.ingest.metadata import Field, document_fields, word_key
from qa.reader.candidate import Candidate
from qa.reader.context import cite, is_heading
from qa.reader.metadata_questions import described_title, quoted_title, quotes_title
from qa.types import Citation, Hit

#: Words for a document that follow an outlet's name ("the ICARO Media Group article").
_DOC_NOUNS = (r"(?:article|report|piece|story|post|newsletter|column|blog|site|website|paper|write-?up|dispatch"
              r"|account|coverage|summary|text)s?\b")

def fields_of(index, doc_id: str) -> tuple[Field, ...]:
    """The metadata statements of a document (``qa.ingest.metadata``), computed once per loaded index."""
    cache = index.derived.get("document_fields", dict)
    if doc_id not in cache:
        doc = index.document(doc_id)
        cache[doc_id] = document_fields(doc.text, doc.segments, doc.title)
    return cache[doc_id]

def states_metadata(index, cand: Candidate) -> bool:
    """True for a sentence that is only a metadata statement ("Source: ...", a byline, an outlet
    line): it answers questions about the document (``metadata_answer``), never about its content."""
    return any(f.start <= cand.start and cand.end <= f.end for f in fields_of(index, cand.doc_id))

def metadata_answer(index, field: str, question: str, best: Candidate,
                    hits: Sequence[Hit]) -> Citation | None:
    """For a ``question`` about a document's ``field`` (``qa.ingest.metadata.metadata_question``: "Who
    wrote the article ...?"), the statement of that field in the document meant: a retrieved one
    whose title the question quotes, else the first retrieved one, else the best sentence's, else
    any retrieved one that states it; cited with the value highlighted. None when no retrieved
    document states the field."""
    ranked = [h.chunk.doc_id for h in sorted(hits, key=lambda h: h.rank)]
    titled = [d for d in ranked if quotes_title(question, index.document(d).title)]
    for doc_id in dict.fromkeys([*titled, *ranked[:1], best.doc_id, *ranked]):
        for f in fields_of(index, doc_id):
            if f.name == field:
                return cite(index, doc_id, f.start, f.end, best.score, "answer",
                            highlight=(f.value_start, f.value_end))
    return None

def named_sources(index, question: str, doc_ids: Sequence[str]) -> tuple[set[str], str]:
    """Those of ``doc_ids`` whose outlet the question names ("... the ICARO Media Group article",
    "according to Global Times"), and the question without that mention.

    A document is named when its source, as stated in its text or its file's metadata, appears in
    the question as a whole phrase. Such a question is about that document, and the outlet's name
    (which its sentences do not repeat) is no evidence for or against any of them.
    """
    words = word_key(question)
    out: set[str] = set()
    rest = question
    for doc_id in dict.fromkeys(doc_ids):
        for name in source_names(index, doc_id):
            key = word_key(name)
            if key and re.search(rf"\b{re.escape(key)}\b", words):
                out.add(doc_id)
                phrase = r"[\W_]+".join(re.escape(w) for w in key.split())
                # "the ICARO Media Group article" -> "the article"; "according to X" -> "".
                rest = re.sub(rf"\baccording to\s+(?:the\s+)?{phrase}(?:['’]s)?\b", " ", rest, flags=re.I)
                rest = re.sub(rf"\b{phrase}(?:['’]s)?\b(?:\s+{_DOC_NOUNS})?", " ", rest, flags=re.I)
            elif (short := _short_name(name, rest) or _lead_named(distinctive_leads(index).get(name, ()),
                                                                   rest)) is not None:
                out.add(doc_id)
                rest = rest.replace(short, " ")
    return out, " ".join(rest.split())


def distinctive_leads(index) -> dict[str, tuple[str, ...]]:
    """For each outlet name of the corpus, its first words that name nothing else: no document's
    text uses them but where it states its outlet ("ICARO" of "ICARO Media Group"; not "Future" of
    "Future Forward", which other sentences use). Cached with the loaded index."""
    def build():
        texts = [(d.doc_id, d.text) for d in index.documents]
        statements = {doc_id: [(f.start, f.end) for f in fields_of(index, doc_id) if f.name == "source"]
                      for doc_id, _ in texts}
        out: dict[str, tuple[str, ...]] = {}
        for doc_id, _ in texts:
            for name in source_names(index, doc_id):
                words = name.split()
                leads = []
                for n in range(1, len(words)):
                    lead = " ".join(words[:n])
                    if lead.lower() in _STOP_LEADS or not any(ch.isupper() for ch in lead):
                        continue
                    pattern = re.compile(rf"(?<![\w-]){re.escape(lead)}(?![\w-])", re.I)
                    if all(any(a <= m.start() < b for a, b in statements[other]) for other, text in texts
                           for m in pattern.finditer(text)):
                        leads.append(lead)
                out[name] = tuple(leads)
        return out
    return index.derived.get("distinctive_outlet_leads", build)


def _lead_named(leads: Sequence[str], question: str) -> str | None:
    """The words of ``question`` that name an outlet by one of its distinctive ``leads``, wherever
    they stand and in any case ("what does ICARO say ...?", "Under ICARO's account ...", "icaro
    ..."): with an attributing word before and a word for a document after, when there are. A lead
    of ordinary words names the outlet only capitalised as the outlet writes it ("Coastal Wildlife",
    not "coastal wildlife"), and one ordinary word names nothing by itself ("near the Coastal
    path"): ``_short_name`` reads it in its context."""
    from qa.lexicon.words import english_words

    for lead in leads:
        ordinary = any(w.lower() in english_words() for w in lead.split())
        if ordinary and " " not in lead:
            continue
        m = re.search(rf"(?:\b(?i:per|according to|reported by|under|in|from|by)\s+(?:the\s+)?)?(?<![\w-])"
                      rf"{re.escape(lead)}(?:['’]s)?(?![\w-])(?:\s+(?i:{_DOC_NOUNS}))?", question,
                      0 if ordinary else re.I)
        if m:
            return m.group(0)
    return None

def quoted_by(question: str, sentence: str) -> bool:
    """True when ``question`` quotes ``sentence`` whole, or quotes the start of a heading
    ("In the article 'China's race to dominate AI ...'" and the title line "China's race to
    dominate AI ... – 02/29/2024 – Tech"): what the question quotes is not its answer."""
    if not any(mark in question for mark in "'\"“‘"):
        return False  # nothing quoted: the common case, answered without a regex
    span = quoted_title(question, sentence)
    if span is None:
        return False
    quoted = word_key(question[span[0]:span[1]])
    return quoted == word_key(sentence) or is_heading(sentence)

def titled_sources(index, question: str, doc_ids: Sequence[str]) -> tuple[set[str], str]:
    """Those of ``doc_ids`` whose title the question quotes ("In the article 'China's race to
    dominate AI ...', how long ...?") or, unquoted, gives the words of (``described_title``), and
    the question without the title. Such a question is about that document, and the title's words
    are no evidence for any of its sentences."""
    out: set[str] = set()
    rest = question
    for doc_id in dict.fromkeys(doc_ids):
        span = quoted_title(rest, index.document(doc_id).title)
        if span is not None:
            out.add(doc_id)
            rest = rest[:span[0]] + " " + rest[span[1]:]
    if not out:
        # "the article about China's race to dominate AI ...": the title's words, unquoted, when
        # they fit one retrieved document's title only.
        described = {d: span for d in dict.fromkeys(doc_ids)
                     if (span := described_title(question, index.document(d).title)) is not None}
        if len(described) == 1:
            (doc_id, span), = described.items()
            out.add(doc_id)
            rest = question[:span[0]] + " " + question[span[1]:]
    return out, " ".join(rest.split())

def source_names(index, doc_id: str) -> set[str]:
    """The outlet names a document goes by: its ``source`` and the outlets its text states."""
    doc = index.document(doc_id)
    names = {doc.text[f.value_start:f.value_end] for f in fields_of(index, doc_id) if f.name == "source"}
    return names | ({doc.source} if doc.source else set())

def _short_name(name: str, question: str) -> str | None:
    """The words of ``question`` that name the outlet ``name`` by its first word(s) before a word
    for a document ("the *ICARO article*" for ICARO Media Group) or after a word that attributes
    ("*per ICARO Media*", "*according to ICARO*"), written as the outlet writes them (capitals
    included, so "a global report" does not name Global Times); else None."""
    words = name.split()
    for n in range(len(words) - 1, 0, -1):
        lead = " ".join(words[:n])
        if lead.lower() in _STOP_LEADS or not any(ch.isupper() for ch in lead):
            continue
        m = (re.search(rf"(?<![\w-]){re.escape(lead)}(?:['’]s)?\s+(?i:{_DOC_NOUNS})", question)
             or re.search(rf"\b(?i:per|according to|reported by)\s+(?:the\s+)?{re.escape(lead)}(?![\w-])",
                          question))
        if m:
            return m.group(0)
    return None

#: First words of an outlet's name too common to name it alone ("The", "New", "Global").
_STOP_LEADS = frozenset("the a an new daily global world national international".split())
