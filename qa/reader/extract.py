"""Pick, inside retrieved passages, the sentence that answers; cite it and every source that agrees.

A sentence's score mixes three kinds of evidence (weights in ``qa.config.ExtractConfig``):
its dense cosine with the question, how much of the question's content (IDF-weighted stemmed terms)
it covers, and the retrieval rank of its passage. The answer abstains when the best score is under
the threshold. Scoring and selection are pure functions over arrays; ``extract`` wires them to an
index.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Collection, Sequence

import numpy as np

from qa.types import Citation, Hit
from qa.config import ExtractConfig
from qa.ingest.clean import ends_like_sentence, reads_as_prose
from qa.ingest.metadata import Field, document_fields, word_key
from qa.reader.metadata_questions import (described_title, metadata_question, names_other_work, quoted_title,
                                  quotes_other_title, quotes_title)
from qa.reader.naming import asked_class, introduces_unnamed
from qa.reader.spans import (answer_span, asked_role, counted_action, counted_noun, counted_words, expected_type,
                      is_demonym, quantities_disagree, states_role, states_value, value_kind, values_disagree)
from qa.lexicon.terms import analyze
from qa.index.lexical import document_frequencies
from qa.index.vocabulary import Vocabulary, index_vocabulary




@dataclass(frozen=True)
class Candidate:
    """A scored sentence (row of the index's sentence table) and the evidence behind its score."""

    row: int
    doc_id: str
    start: int
    end: int
    score: float
    dense: float
    lexical: float
    passage: float


@dataclass(frozen=True)
class Extraction:
    """What the extractor decided: the answer spans (empty when abstaining) and why."""

    abstained: bool
    answer: tuple[Citation, ...]
    corroborating: tuple[Citation, ...]
    alternatives: tuple[Citation, ...]
    best: Candidate | None
    confidence: float
    reason: str
    #: The question with the names it misspells written as the corpus writes them, when every
    #: unknown name has such a spelling ("Kuaishu" -> "Kuaishou"); else "".
    suggestion: str = ""


# --- pure scoring --------------------------------------------------------------------------------

def term_weights(terms: Sequence[str], df: dict[str, int], n_docs: int) -> dict[str, float]:
    """BM25-style IDF of each distinct term; terms the corpus never uses get the maximum IDF."""
    out = {}
    for t in dict.fromkeys(terms):
        d = df.get(t, 0)
        out[t] = math.log(1.0 + (n_docs - d + 0.5) / (d + 0.5))
    return out


def coverage(question_weights: dict[str, float], sentence_terms: set[str]) -> float:
    """IDF-weighted fraction of the question's content terms that the sentence contains (0..1)."""
    total = sum(question_weights.values())
    if total <= 0:
        return 0.0
    return sum(w for t, w in question_weights.items() if t in sentence_terms) / total


def combine_scores(dense: np.ndarray, lexical: np.ndarray, passage: np.ndarray,
                   config: ExtractConfig) -> np.ndarray:
    """The sentence score before answer-type and echo adjustments: a weighted sum of dense
    cosine, term coverage and passage prior."""
    return config.w_dense * dense + config.w_lexical * lexical + config.w_passage * passage


_NAME_TOKEN = re.compile(r"[^\W_][\w.’'-]*", re.UNICODE)


_CAPITAL_RUN = re.compile(r"[A-Z][\w’'-]*(?:\s+(?:(?:of|for|and|the|de)\s+)?[A-Z][\w’'-]*)+")


def spelled_out(acronym: str, texts: Sequence[str]) -> str | None:
    """How one of ``texts`` writes ``acronym`` out: the run of capitalised words with those
    initials ("NYT" -> "New York Times"; "WAIC" -> "World Artificial Intelligence Conference"),
    else as many lower-case content words ("VC" -> "venture capital"), or None."""
    letters = acronym.upper()
    for text in texts:
        for m in _CAPITAL_RUN.finditer(text):
            words = m.group(0).split()
            capitals = [i for i, w in enumerate(words) if w[0].isupper()]
            initials = "".join(words[i][0] for i in capitals)
            at = initials.find(letters)
            if at >= 0:
                first, last = capitals[at], capitals[at + len(letters) - 1]
                return " ".join(words[first:last + 1])
    # Written out in lower case ("VC" -> "venture capital"): as many words as letters, each a
    # content word of four letters or more.
    pattern = re.compile(r"\b" + r"\s+".join(rf"({c.lower()}[a-z]{{3,}})" for c in letters) + r"\b")
    for text in texts:
        for m in pattern.finditer(text):
            if all(analyze(w) for w in m.groups()):
                return m.group(0)
    return None


def _acronym(token: str) -> bool:
    return 2 <= len(token) <= 6 and token.isalpha() and token.isupper()


def expand_acronyms(question: str, vocabulary, texts: Sequence[str]) -> str:
    """``question`` with each acronym the corpus never uses ("WAIC") replaced by how ``texts``
    write it out ("World Artificial Intelligence Conference"), so that the sentences that name it
    in full match the question's words."""
    def swap(m: re.Match) -> str:
        token = m.group(0)
        terms = analyze(token)
        if not _acronym(token) or not terms or any(t in vocabulary for t in terms):
            return token
        return spelled_out(token, texts) or token
    return re.sub(r"\b[A-Z]{2,6}\b", swap, question)


#: Words by which a question points at the corpus itself: "the conference *that the articles talk
#: about*", "*mentioned in the report*", "*according to the text*". They say where to look, not what
#: the answer says, and would match a sentence that happens to speak of an article.
_DOCUMENT_REFERENCE = re.compile(
    r"\b(?:(?:that|which|as|what)\s+)?(?:the|these|this|those)\s+(?:articles?|reports?|texts?|stories|story|"
    r"pieces?|documents?|corpus|sources?)\s+(?:talks?|talked|discuss(?:es|ed)?|mentions?|mentioned|describes?|"
    r"described|says?|said|covers?|covered|reports?|reported)(?:\s+about)?\b|"
    r"\b(?:mentioned|described|discussed|reported|covered|cited|named)\s+in\s+(?:the|these|this|those)\s+"
    r"(?:articles?|reports?|texts?|stories|pieces?|documents?|corpus|sources?)\b|"
    r"\baccording\s+to\s+(?:the|these|this|those)\s+(?:articles?|reports?|texts?|stories|pieces?|documents?|"
    r"corpus|sources?)\b", re.I)


def without_document_references(question: str) -> str:
    """``question`` without the words that point at the corpus itself (``_DOCUMENT_REFERENCE``):
    "In which city was the conference that the articles talk about held?" -> "In which city was the
    conference held?"."""
    return " ".join(_DOCUMENT_REFERENCE.sub(" ", question).split())


def unknown_names(question: str, vocabulary, texts: Sequence[str] = ()) -> list[str]:
    """Names in the question (capitalised or alphanumeric words) that the corpus never uses.

    A question about a company, person or product the corpus does not mention cannot be answered
    from it, however similar the rest of the question is to some passage. The first word (also
    after a colon: "Quiz: Name one ...") is only considered when it cannot be an ordinary
    sentence-initial word (it has a digit or an inner capital, like "DeepSeek" or "GLM-4"). A name
    whose other form the corpus uses ("America" beside "American", ``Vocabulary.variant``) is
    mentioned, and so is an acronym that one of ``texts`` (the passages read) writes out ("NYT",
    ``spelled_out``). A misspelt one ("Kuaishu") is not: ``suggest`` offers the corpus's word
    instead.
    """
    if not isinstance(vocabulary, Vocabulary):
        vocabulary = Vocabulary(vocabulary)
    out = []
    for token in question_names(question):
        terms = analyze(token)
        if terms and all(t not in vocabulary and vocabulary.variant(t) is None for t in terms):
            if not (_acronym(token) and spelled_out(token, texts)):
                out.append(token)
    return out


def asked_names(question: str) -> list[str]:
    """The names of ``question_names`` that say what the question is about: not a number ("1/2
    minute"), an adjective of nationality ("American") or a two-letter abbreviation ("US", "TV",
    "AI"), which a text may well leave unsaid or write otherwise."""
    return [n for n in question_names(question)
            if re.search(r"[^\W\d_]", n) and analyze(n) and not is_demonym(n)
            and not (len(n.replace(".", "")) <= 2 and n.replace(".", "").isupper())]


def unmentioned(names: Sequence[str], text: str) -> list[str]:
    """Those of ``names`` that ``text`` never mentions: none of the name's terms (stemmed) occurs
    in it, nor a longer or shorter form of it ("America" in "American"), and, for an acronym, it
    does not write it out ("NYT": "New York Times")."""
    terms = set(analyze(text))

    def mentioned(term: str) -> bool:
        return term in terms or len(term) >= 5 and any(
            len(u) >= 5 and (u.startswith(term) or term.startswith(u)) for u in terms)
    return [n for n in names if not any(mentioned(t) for t in analyze(n))
            and not (_acronym(n) and spelled_out(n, [text]))]


def question_names(question: str) -> list[str]:
    """The names a question uses: capitalised words or words with a digit, without a possessive
    "’s"; the first word (also after a colon: "Quiz: Name one ...") only when it cannot be an
    ordinary sentence-initial word (it has a digit or an inner capital, like "DeepSeek")."""
    out = []
    for i, match in enumerate(_NAME_TOKEN.finditer(question)):
        token = match.group(0).rstrip(".’'-")
        if token.endswith(("’s", "'s")):
            token = token[:-2]
        if not token:
            continue
        has_digit = any(ch.isdigit() for ch in token)
        inner_capital = any(ch.isupper() for ch in token[1:])
        # The first word, or the first after a colon ("Quiz: Name one of ..."), is capitalised as
        # any sentence's is.
        opens = i == 0 or re.search(r"[:.!?]\s*$", question[:match.start()])
        if opens and not (has_digit or inner_capital):
            continue
        if token[0].isupper() or has_digit:
            out.append(token)
    return out


def suggest(name: str, vocabulary: Vocabulary, texts: Sequence[str] = ()) -> str | None:
    """The corpus word a name the corpus never uses is most likely a misspelling of ("Kuaishu" ->
    "Kuaishou"), as written in ``texts`` (e.g. the closest sentences) when they have it, else as
    the index holds it (stemmed); None when no word is close enough (``Vocabulary.correction``)."""
    terms = analyze(name)
    fixed = [vocabulary.correction(t) for t in terms]
    if not terms or not any(fixed):
        return None
    wanted = [f or t for f, t in zip(fixed, terms)]
    for text in texts:
        for m in _NAME_TOKEN.finditer(text):
            word = m.group(0).rstrip(".’'-")
            if word.endswith(("’s", "'s")):
                word = word[:-2]
            if analyze(word) == wanted:
                return word
    return " ".join(wanted)


_WORD = re.compile(r"[^\W\d_]+")


def uncounted(question: str, texts: Sequence[str]) -> str:
    """What a "how many / how much" question counts, when none of the passages read (``texts``)
    mentions it (by any of its content terms); else "". "How many employees does 01.AI have?" cannot be
    answered from passages that never speak of employees, however much they say about 01.AI.

    A misspelt word ("intercpetions") counts as mentioned when a passage has a word with the same
    first letter that is at least 85 % similar (difflib's ratio; one swap in a 7-letter word), so
    a typo does not silence an answer.
    """
    words = counted_words(question)
    terms = set(analyze(" ".join(words)))
    if not terms:
        return ""
    if any(terms & set(analyze(text)) for text in texts):
        return ""
    asked = {w.lower() for w in words if len(w) >= 5}
    seen = {w.lower() for text in texts for w in _WORD.findall(text)}
    for a in asked:
        for w in seen:
            if w[:1] == a[:1] and abs(len(w) - len(a)) <= 2 and SequenceMatcher(None, a, w).ratio() >= 0.85:
                return ""
    return " ".join(words)


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


def leans_back(sentence: str, previous: str) -> bool:
    """True when ``sentence`` is read (scored and cited) with ``previous``, the sentence before it:
    it leans on it (``needs_context``) or quotes a speaker it names (``quotes_speaker_before``)."""
    return needs_context(sentence) or quotes_speaker_before(sentence, previous)


def needs_context(sentence: str) -> bool:
    """True when a sentence leans on the one before it (starts with a pronoun or connective)."""
    return bool(_ANAPHOR.match(sentence))


# --- wiring to an index --------------------------------------------------------------------------

def _document_frequencies(index) -> tuple[dict[str, int], int]:
    """Per-term passage frequency of the index's lexical side, and the number of passages."""
    return document_frequencies(index)


#: A term that is a number or a month: a sentence that adds one to the question's words ("Within
#: just six months, 01.AI unveiled a new version ...") gives a value, whatever else it repeats.
#: Terms are lower-cased, so "may" and "march", more often verbs, are left out.
_NEW_VALUE = re.compile(r"\d[\d.,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelv|"
                       r"twenti|thirti|forti|fifti|hundr|thousand|million|billion|januari|februari|"
                       r"april|june|juli|august|septemb|octob|novemb|decemb")


def score_candidates(question: str, query_vector: np.ndarray, hits: Sequence[Hit], index,
                     config: ExtractConfig) -> list[Candidate]:
    """Every sentence of the retrieved passages, scored, best first (each sentence once)."""
    prior: dict[int, float] = {}
    k = max(len(hits), 1)
    for hit in hits:
        p = 1.0 - (hit.rank - 1) / k
        for row in range(hit.chunk.first_sentence, hit.chunk.last_sentence):
            prior[row] = max(prior.get(row, 0.0), p)
    if not prior:
        return []
    rows = np.fromiter(prior.keys(), dtype=np.int64)
    vectors = np.asarray(index.sentence_vectors[rows], dtype=np.float32)
    dense = vectors @ np.asarray(query_vector, dtype=np.float32)
    df, n = _document_frequencies(index)
    question_terms = index_vocabulary(index).normalize(analyze(question))
    weights = term_weights(question_terms, df, n)
    asked = set(question_terms)
    kind = expected_type(question)
    lexical = np.empty(len(rows))
    adjust = np.zeros(len(rows))
    for i, r in enumerate(rows):
        d, s, e = (int(x) for x in index.sentence_table[r])
        sentence = index.documents[d].text[s:e]
        terms = set(analyze(sentence))
        # A sentence that leans on the previous one ("It can produce ...") is read with it, and so
        # is a quotation whose speaker the previous one names (``quotes_speaker_before``).
        context_terms = terms
        if r > 0 and int(index.sentence_table[r - 1, 0]) == d:
            ps, pe = (int(x) for x in index.sentence_table[r - 1, 1:])
            previous = index.documents[d].text[ps:pe]
            if leans_back(sentence, previous):
                context_terms = terms | set(analyze(previous))
        lexical[i] = coverage(weights, context_terms)
        # An echo of the question is no answer, unless the sentence is read with the one before,
        # which then brings the new information ("These were the main determinants ...").
        new_terms = context_terms - asked
        if (context_terms and len(new_terms) / len(context_terms) < config.echo_novelty
                and not any(_NEW_VALUE.fullmatch(t) for t in new_terms)):
            adjust[i] -= config.echo_penalty
        if is_heading(sentence):
            adjust[i] -= config.heading_penalty
        if kind is not None and answer_span(question, sentence) is not None:
            adjust[i] += config.w_answer_type
    passage = np.array([prior[int(r)] for r in rows])
    scores = combine_scores(dense, lexical, passage, config) + adjust
    out = []
    for i in np.argsort(-scores, kind="stable"):
        r = int(rows[i])
        d, s, e = (int(x) for x in index.sentence_table[r])
        out.append(Candidate(r, index.documents[d].doc_id, s, e, float(scores[i]), float(dense[i]),
                             float(lexical[i]), float(passage[i])))
    return out


def cite(index, doc_id: str, start: int, end: int, score: float, role: str,
          question: str | None = None, highlight: tuple[int, int] | None = None) -> Citation:
    """The citation of ``document.text[start:end]``; its highlight is ``highlight`` if given, else
    the words of the span that answer ``question`` (``qa.reader.spans.answer_span``), if any."""
    doc = index.document(doc_id)
    quote = doc.text[start:end]
    if highlight is None and question:
        span = answer_span(question, quote)
        if span:
            highlight = (start + span[0], start + span[1])
    return Citation(doc_id, doc.title, start, end, quote, round(float(score), 4), role, highlight,
                    doc.page_of(start), doc.copies)


#: Words for a document that follow an outlet's name ("the ICARO Media Group article").
_DOC_NOUNS = r"(?:article|report|piece|story|post|newsletter|column|blog|site|website|paper)s?\b"


def fields_of(index, doc_id: str) -> tuple[Field, ...]:
    """The metadata statements of a document (``qa.ingest.metadata``), computed once per loaded index."""
    cache = index.derived.get("document_fields", dict)
    if doc_id not in cache:
        doc = index.document(doc_id)
        cache[doc_id] = document_fields(doc.text, doc.segments, doc.title)
    return cache[doc_id]


def _states_metadata(index, cand: Candidate) -> bool:
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
        for name in _source_names(index, doc_id):
            key = word_key(name)
            if key and re.search(rf"\b{re.escape(key)}\b", words):
                out.add(doc_id)
                phrase = r"[\W_]+".join(re.escape(w) for w in key.split())
                # "the ICARO Media Group article" -> "the article"; "according to X" -> "".
                rest = re.sub(rf"\baccording to\s+(?:the\s+)?{phrase}(?:['’]s)?\b", " ", rest, flags=re.I)
                rest = re.sub(rf"\b{phrase}(?:['’]s)?\b(?:\s+{_DOC_NOUNS})?", " ", rest, flags=re.I)
            elif (short := _short_name(name, rest)) is not None:
                out.add(doc_id)
                rest = rest.replace(short, " ")
    return out, " ".join(rest.split())


def _quoted_by(question: str, sentence: str) -> bool:
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


def _source_names(index, doc_id: str) -> set[str]:
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


def _with_context(index, cand: Candidate) -> tuple[int, int]:
    """The span of the answer sentence, extended back over the previous sentence when it leans on
    it or names the speaker of a quotation it carries on, and forward over the next one when that
    goes on with what it reports someone saying or with the subject a short lead introduces."""
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
    return start, end


class _CitedSpans:
    """The span each candidate is cited with (``_with_context``), worked out once per candidate:
    the value-kind test, the answer's citation and the search for a rival all read it."""

    def __init__(self, index):
        self.index = index
        self._spans: dict[int, tuple[int, int]] = {}

    def span(self, cand: Candidate) -> tuple[int, int]:
        if cand.row not in self._spans:
            self._spans[cand.row] = _with_context(self.index, cand)
        return self._spans[cand.row]

    def text(self, cand: Candidate) -> str:
        start, end = self.span(cand)
        return self.index.document(cand.doc_id).text[start:end]


#: How a reason names a kind of value (``qa.reader.spans.value_kind``); other kinds read "a <kind>".
_KIND_NAMES = {"money": "an amount of money", "age": "an age", "day": "a date",
               "headquarters": "where it is headquartered"}


#: Kinds of value (``qa.reader.spans.value_kind``) that are quantities with units.
_QUANTITIES = frozenset({"money", "age", "percentage", "measurement", "length of time", "number"})


def _rival(spans: _CitedSpans, best: Candidate, answer_text: str, candidates: Sequence[Candidate], wanted: str,
           question: str, cited: Collection[str], margin: float) -> tuple[Candidate, int, int] | None:
    """Another document's answer to ``question``, which asks for a quantity of kind ``wanted``,
    nearly as good as ``best`` (cited as ``answer_text``), that gives the quantity differently:
    004's "Within just six months, 01.AI ..." against 003's "01.AI had only been around for eight
    months"; with the span it is cited with. It must state the quantity as the answer had to
    (``states_value`` with the question); for an age, any length of time will do, since a
    retelling may give it as how long something took ("within six months"). Retellings that differ
    like this are seldom similar enough as wholes for ``find_corroboration`` to pair them."""
    kind = "length of time" if wanted == "age" else wanted
    for c in candidates:
        if c.doc_id in cited or best.score - c.score > margin:
            continue
        text = spans.text(c)
        if states_value(kind, text, question):
            return (c, *spans.span(c)) if quantities_disagree(answer_text, text) else None
    return None


def find_corroboration(index, best: Candidate, candidates: Sequence[Candidate], config: ExtractConfig,
                       extra_rows: Sequence[int] = (), query_vector: np.ndarray | None = None
                       ) -> list[Candidate]:
    """The best sentence of each *other* document that states the same thing as ``best``.

    Looks at the scored candidates and at ``extra_rows`` (sentences found by searching with the
    answer sentence itself); a sentence corroborates when its cosine with the answer sentence is at
    least ``config.corroboration_cosine`` and, given ``query_vector``, it is nearly as close to the
    question as the answer is (at least ``config.corroboration_relevance`` times its cosine), so a
    sentence on the same topic that answers something else is not counted as agreement.
    """
    pool = {c.row: c for c in candidates if c.doc_id != best.doc_id}
    for r in extra_rows:
        r = int(r)
        if r not in pool:
            d, s, e = (int(x) for x in index.sentence_table[r])
            doc_id = index.documents[d].doc_id
            if doc_id != best.doc_id:
                pool[r] = Candidate(r, doc_id, s, e, 0.0, 0.0, 0.0, 0.0)
    if not pool:
        return []
    rows = np.fromiter(pool.keys(), dtype=np.int64)
    anchor = np.asarray(index.sentence_vectors[best.row], dtype=np.float32)
    vectors = np.asarray(index.sentence_vectors[rows], dtype=np.float32)
    sims = vectors @ anchor
    relevant = np.ones(len(rows), dtype=bool)
    if query_vector is not None:
        q = np.asarray(query_vector, dtype=np.float32)
        relevant = vectors @ q >= config.corroboration_relevance * float(anchor @ q)
    per_doc: dict[str, tuple[float, Candidate]] = {}
    for r, sim, ok in zip(rows, sims, relevant):
        cand = pool[int(r)]
        if ok and sim >= config.corroboration_cosine and sim > per_doc.get(cand.doc_id, (-1.0, None))[0]:
            per_doc[cand.doc_id] = (float(sim), cand)
    ranked = sorted(per_doc.values(), key=lambda t: -t[0])[:config.max_corroborating]
    return [Candidate(c.row, c.doc_id, c.start, c.end, sim * best.score, c.dense, c.lexical, c.passage)
            for sim, c in ranked]


def extract(question: str, query_vector: np.ndarray, hits: Sequence[Hit], index,
            config: ExtractConfig, threshold: float | None = None,
            full_question: str | None = None, named: Collection[str] = ()) -> Extraction:
    """Choose the answer sentence among the passages in ``hits``, or abstain.

    ``full_question`` is the question as asked when ``question`` is a shortened form of it used
    for scoring (``named_sources``); it decides whether the question asks for a document's
    metadata (default: ``question``). ``named`` are the documents the question names by their
    outlet or quoted title (``named_sources``, ``titled_sources``).
    """
    threshold = config.abstain_threshold if threshold is None else threshold
    vocabulary = index_vocabulary(index)
    read = [index.document(h.chunk.doc_id).text[h.chunk.start:h.chunk.end] for h in hits]
    scored = score_candidates(expand_acronyms(without_document_references(question), vocabulary, read),
                              query_vector, hits, index, config)
    asked = full_question or question
    candidates = [c for c in scored if not _states_metadata(index, c)
                  and not _quoted_by(asked, index.document(c.doc_id).text[c.start:c.end])]
    if not candidates:
        return Extraction(True, (), (), (), None, 0.0, "no passage was retrieved")
    best = candidates[0]
    alternatives = tuple(cite(index, c.doc_id, c.start, c.end, c.score, "alternative")
                         for c in candidates[:3])
    unknown = unknown_names(question, vocabulary, read)
    if unknown:
        names = ", ".join(repr(u) for u in unknown)
        near = [c.quote for c in alternatives]
        guesses = [(u, g) for u in unknown if (g := suggest(u, vocabulary, near)) is not None]
        hint = "".join(f" (did you mean {g!r} for {u!r}?)" if len(unknown) > 1 else f" (did you mean {g!r}?)"
                       for u, g in guesses)
        suggestion = ""
        if guesses and len(guesses) == len(unknown):
            suggestion = asked
            for u, g in guesses:
                suggestion = re.sub(rf"(?<![\w.-]){re.escape(u)}(?![\w-])", lambda _m, g=g: g, suggestion, count=1)
        return Extraction(True, (), (), alternatives, best, best.score,
                          f"the corpus never mentions {names}{hint}", suggestion)
    counted = uncounted(question, read)
    if counted:
        return Extraction(True, (), (), alternatives, best, best.score,
                          f"the question counts {counted!r}, which no passage read mentions")
    field = metadata_question(asked)
    stated = metadata_answer(index, field, asked, scored[0], hits) if field else None
    if stated is not None and (quotes_other_title(asked, stated.title) or field == "date" and names_other_work(
            asked, index.document(stated.doc_id).text, _source_names(index, stated.doc_id))):
        # "When was the New York Times article titled 'China is narrowing the gap ...' published?"
        # asks about a work a document reports on, not about the document: read its text. So does
        # "When was the New York Times article that Global Times translated published?": the
        # translation has a date of its own (its author, though, is the original's).
        stated = None
    # A question that quotes the title of the document it asks about, or names its outlet ("In
    # the Global Times article, who ...?"), has identified it: the evidence is the title or the
    # outlet, not how well some sentence of the text matches the question.
    how = None
    if stated is not None and quotes_title(asked, stated.title):
        how = "the question quotes its title"
    elif stated is not None and stated.doc_id in named:
        how = "the question names it"
    spans = _CitedSpans(index)
    wanted = value_kind(question) if stated is None else None
    role = asked_role(question) if stated is None and wanted is None else None
    named_class = asked_class(question) if wanted == "name" else ()
    if named_class:
        # "What is the name of Baidu's chatbot?": when the passage closest to the question speaks
        # of a chatbot without naming it ("a chatbot’s digital mouth"), the corpus most likely
        # never names it (``qa.reader.naming``).
        unnamed = introduces_unnamed(named_class, spans.text(candidates[0]))
        if unnamed is not None:
            return Extraction(True, (), (), alternatives, candidates[0], candidates[0].score,
                              f"the question asks for the name of the {unnamed}, which the best sentence "
                              f"read speaks of without naming")
    if wanted is not None or role is not None:
        # The answer must state a value of the kind asked (or who holds the role asked about):
        # the best sentence that does, if any.
        def states(c: Candidate) -> bool:
            text = spans.text(c)
            if named_class and introduces_unnamed(named_class, text) is not None:
                return False
            return states_value(wanted, text, question) if wanted is not None else states_role(*role, text)
        best = next((c for c in candidates if states(c)), None)
        if best is None:
            asked_for = (_KIND_NAMES.get(wanted, "a " + wanted) if wanted is not None
                         else f"the {role[0]} of {role[1]}")
            if wanted == "number" and (action := counted_action(question)):
                asked_for = f"how many {counted_noun(question)} {' '.join(action)}"
            return Extraction(True, (), (), alternatives, candidates[0], candidates[0].score,
                              f"the question asks for {asked_for}, which no sentence read states")
    if stated is None and how is None and config.require_named_document:
        # "In what year was Kuaishou founded?" is not answered by "Wang Changhu ... founded a
        # company called AIsphere in Beijing last year" from an article that never mentions
        # Kuaishou: an answer comes from a document that names what the question is about.
        doc = index.document(best.doc_id)
        names = asked_names(question)
        if names and len(unmentioned(names, f"{doc.title}\n{doc.text}")) == len(names):
            listed = ", ".join(repr(n) for n in names)
            return Extraction(True, (), (), alternatives, best, best.score,
                              f"the best sentence read comes from {best.doc_id}, which never mentions {listed}")
    if best.score < threshold and how is None:
        return Extraction(True, (), (), alternatives, best, best.score,
                          f"best evidence {best.score:.3f} is under the threshold {threshold:.3f}")
    if stated is not None:
        how = how or f"evidence {best.score:.3f}"
        reason = f"the question asks for the document's {field}; {stated.doc_id} states it ({how})"
        return Extraction(False, (stated,), (), alternatives, best, best.score, reason)
    start, end = spans.span(best)
    answer = (cite(index, best.doc_id, start, end, best.score, "answer", question),)
    # Second hop: search the passages with the answer sentence itself to find retellings.
    extra: list[int] = []
    vec = np.ascontiguousarray(np.asarray(index.sentence_vectors[best.row], dtype=np.float32)[None, :])
    _, chunk_rows = index.faiss_index.search(vec, min(10, index.n_chunks))
    for cr in chunk_rows[0]:
        if cr >= 0:
            _, a, b = (int(x) for x in index.chunk_table[int(cr)])
            extra.extend(range(a, b))
    agreeing = find_corroboration(index, best, candidates, config, extra, query_vector)
    # Sources that state the same fact with a different value (number, date, name) are still
    # cited, marked as disagreeing, so the reader sees both.
    kind = expected_type(question) or "number"
    best_text = index.document(best.doc_id).text[best.start:best.end]
    corroborating = tuple(
        cite(index, c.doc_id, c.start, c.end, c.score,
              "disagreement" if values_disagree(best_text, index.document(c.doc_id).text[c.start:c.end], kind)
              else "corroboration", question)
        for c in agreeing)
    if wanted in _QUANTITIES:
        found = _rival(spans, best, answer[0].quote, candidates, wanted, question,
                       {best.doc_id, *(c.doc_id for c in agreeing)}, config.rival_margin)
        if found is not None:
            rival, rival_start, rival_end = found
            corroborating += (cite(index, rival.doc_id, rival_start, rival_end, rival.score, "disagreement",
                                   question),)
    reason = (f"best sentence scored {best.score:.3f} (dense {best.dense:.3f}, "
              f"term coverage {best.lexical:.2f}, passage prior {best.passage:.2f})")
    return Extraction(False, answer, corroborating, alternatives, best, best.score, reason)
