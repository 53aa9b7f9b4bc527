"""How a sentence leans on its neighbours: headings, sentences that open with a pronoun or
connective, quotations attributed in the sentence before or after; and the span cited for a
candidate, with the context sentence it needs, as a ``Citation``.
"""

from __future__ import annotations

import re

from qa.ingest.clean import ends_like_sentence, reads_as_prose
from qa.reader.candidate import Candidate
from qa.reader.highlight import answer_span
from qa.types import Citation

_ANAPHOR = re.compile(
    # An opening phrase of time or place may come first: "In November, the startup launched ...".
    r"^\W*(?:(?:in|on|at|by|since|after|last|this|next|earlier|later)\b[^,.;:]{0,30},\s*)?"
    r"(?:it|its|he|she|his|her|they|their|them|this|that|these|those|such|there|"
    r"the (?:[\w-]+ ){0,2}?(?:company|firm|startup|start-up|group|model|system|tool|technology|government|"
    r"country|move|report|study|project|app|product|platform)|both|however|but|also)\b",
    re.I,
)

def is_heading(sentence: str) -> bool:
    """True for a heading rather than a statement: it does not close like a sentence
    (``qa.ingest.clean.ends_like_sentence``) and is too short to be one missing its full stop
    (``qa.ingest.clean.reads_as_prose``), or it ends with a colon ("Practical Tips: Maximizing
    Open-Source AI for Your Business:"). It names a topic; it states nothing that could answer."""
    text = sentence.strip()
    return bool(text) and (text.endswith(":") or not ends_like_sentence(text) and not reads_as_prose(text))

def asks(sentence: str) -> bool:
    """True for a sentence that asks a question ("(1) How do I create an AUTOINCREMENT field?", a
    FAQ's heading or its table of contents, a rhetorical "So what does this mean?"): it may
    repeat the question word for word, but it answers nothing."""
    return sentence.rstrip().rstrip("\"'”’)]»").endswith("?")


def leans_back(sentence: str, previous: str) -> bool:
    """True when ``sentence`` is read (scored and cited) with ``previous``, the sentence before it:
    it leans on it (``needs_context``) or quotes a speaker it names (``quotes_speaker_before``)."""
    return needs_context(sentence) or quotes_speaker_before(sentence, previous)

def needs_context(sentence: str) -> bool:
    """True when a sentence leans on the one before it (starts with a pronoun or connective)."""
    return bool(_ANAPHOR.match(sentence))

def cite(index, doc_id: str, start: int, end: int, score: float, role: str,
          question: str | None = None, highlight: tuple[int, int] | None = None) -> Citation:
    """The citation of ``document.text[start:end]``; its highlight is ``highlight`` if given, else
    the words of the span that answer ``question`` (``qa.reader.highlight.answer_span``), if any."""
    doc = index.document(doc_id)
    quote = doc.text[start:end]
    if highlight is None and question:
        span = answer_span(question, quote)
        if span:
            highlight = (start + span[0], start + span[1])
    return Citation(doc_id, doc.title, start, end, quote, round(float(score), 4), role, highlight,
                    doc.page_of(start), doc.copies, doc.kind_at(start))

_SPEECH = r"(?:said|says|added|adds|told|wrote|explained|noted|argued|insisted|estimated|estimates)"

#: A sentence that ends a quotation with its attribution: '"We build from scratch," Wang said.'
_ATTRIBUTED_QUOTE = re.compile(rf"[”\"]\s*,?\s*(?:[^“”\"\s]+\s+){{0,4}}?{_SPEECH}\b[^“”\"]*$")

#: Someone's words reported without quotation marks: "Jenny Xiao, partner at ..., said the models ..."
_REPORTS = re.compile(rf"\b{_SPEECH}\b")

#: The next sentence goes on reporting the same speaker: "She estimated that China was ..."
_GOES_ON = re.compile(rf"^\W*(?:he|she|they)\s+(?:also\s+|further\s+)?{_SPEECH}\b", re.I)

def continues_quote(sentence: str, following: str) -> bool:
    """True when ``following`` carries on what ``sentence`` reports someone saying: the first ends
    '..." Wang said.' and the next opens a quotation that leans on it ('"This gives us ...'), or
    the first reports a speaker's words and the next goes on with "She estimated ..." / "He added
    ...". The speaker's statement is then one answer."""
    sentence, following = sentence.strip(), following.lstrip()
    if _ATTRIBUTED_QUOTE.search(sentence) and following[:1] in "“\"" and needs_context(following):
        return True
    return bool(_REPORTS.search(sentence)) and bool(_GOES_ON.match(following))

#: A quotation of some length (not a quoted word or title): '“yet another Sputnik moment ...”'.
_QUOTATION = re.compile(r"[“\"][^“”\"]{20,}[”\"]")

def quotes_speaker_before(sentence: str, previous: str) -> bool:
    """True when ``sentence`` quotes someone without saying who, and ``previous`` does: 'said
    Chris Nicholson, an investor at ...' then 'The launch of ChatGPT was “yet another Sputnik
    moment ...”'. Whose words they are is part of the answer."""
    return (bool(_QUOTATION.search(sentence)) and not _REPORTS.search(sentence)
            and bool(_REPORTS.search(previous)))

#: A sentence that goes on about the subject of the one before: "It can produce ...".
_GOES_ON_ABOUT = re.compile(r"^\W*(?:it|its|he|his|she|her|they|their|this|these)\b", re.I)

def introduces(sentence: str, following: str) -> bool:
    """True when ``sentence`` is a short lead ("Kling's capabilities are truly impressive.") and
    ``following`` goes on about the same subject ("It can produce two-minute videos ..."): the
    lead alone says little, so the answer is both."""
    return len(sentence.split()) <= 12 and bool(_GOES_ON_ABOUT.match(following))

#: An item of a numbered or bulleted list: "1. Leverage Existing Frameworks: ...", "• Kling".
_LIST_ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|[•·▪◦*–-])\s+\S")
#: How many items of a list a lead ending with a colon is cited with, at most.
LIST_ITEMS = 10


def _list_after(index, doc, row: int, end: int) -> int:
    """Where the list that follows the sentence of ``row`` (ending at ``end``) ends: the last of
    the items (sentences opening with a number or a bullet) that come one after the other."""
    for _ in range(LIST_ITEMS):
        if row + 1 >= len(index.sentence_table):
            break
        nd, ns, ne = (int(x) for x in index.sentence_table[row + 1])
        if index.documents[nd].doc_id != doc.doc_id or doc.text[end:ns].strip() \
                or not _LIST_ITEM.match(doc.text[ns:ne]):
            break
        row, end = row + 1, ne
    return end


def with_context(index, cand: Candidate) -> tuple[int, int]:
    """The span of the answer sentence, extended back over the previous sentence when it leans on
    it or names the speaker of a quotation it carries on, and forward over the next one when that
    goes on with what it reports someone saying or with the subject a short lead introduces, and
    over the list a lead ending with a colon introduces ("Practical Tips: ...:" then "1. ...",
    "2. ...": the tips are the answer)."""
    doc = index.document(cand.doc_id)
    start, end = cand.start, cand.end
    sentence = doc.text[start:end]
    if cand.row > 0:
        pd, ps, pe = (int(x) for x in index.sentence_table[cand.row - 1])
        if (index.documents[pd].doc_id == cand.doc_id and not doc.text[pe:start].strip()
                and leans_back(sentence, doc.text[ps:pe])):
            start = ps
    if cand.row + 1 < len(index.sentence_table):
        nd, ns, ne = (int(x) for x in index.sentence_table[cand.row + 1])
        if (index.documents[nd].doc_id == cand.doc_id and not doc.text[end:ns].strip()
                and (continues_quote(sentence, doc.text[ns:ne]) or introduces(sentence, doc.text[ns:ne]))):
            end = ne
    if sentence.rstrip().endswith(":"):
        end = _list_after(index, doc, cand.row, end)
    return start, end
