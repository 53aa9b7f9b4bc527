"""The names a question is about and whether the corpus knows them: acronyms written out, names the
corpus never uses (with a spelling it does use), names a document never mentions, and what a
"how many" question counts.
"""

from __future__ import annotations

import re
import threading
from difflib import SequenceMatcher
from typing import Sequence

from qa.index.vocabulary import Vocabulary
from qa.lexicon.en import CAPITAL_OF, DOCUMENT_NOUNS, MONTHS, WEEKDAY
from qa.lexicon.terms import analyze
from qa.reader.highlight import is_demonym
from qa.reader.kinds import counted_words

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

_DOCUMENT_MENTION = re.compile(
    rf"(?:\b(?:in|per|from|according to|by|on|of)\s+)?\b(?:the|this|that|its|their|a|an)\s+(?:[\w-]+\s+){{0,2}}?"
    rf"{DOCUMENT_NOUNS}(?:['’]s)?(?:\s+(?:telling|account|view|words))?\b", re.I)


def without_document_mentions(question: str) -> str:
    """``question`` without the phrases that point at a document ("in the newsletter's telling",
    "the brief write-up", "the February article"): the words a sentence answering it would not
    use, read apart when the question is matched against a sentence word by word
    (``qa.reader.alignment``). The question itself when that would leave nothing."""
    rest = " ".join(_DOCUMENT_MENTION.sub(" ", question).split())
    return rest if len(rest.split()) >= 2 else question


#: A month or a weekday: capitalised, but no name of anything (``fullmatch``).
DATE_NAME = re.compile(rf"{MONTHS}|{WEEKDAY}", re.I)


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
        if DATE_NAME.fullmatch(token):
            continue  # "the February piece": a month names a time, not something the corpus must know
        terms = analyze(token)
        if terms and all(t not in vocabulary and vocabulary.variant(t) is None for t in terms):
            if not (_acronym(token) and spelled_out(token, texts)):
                out.append(token)
    return out

def asked_names(question: str) -> list[str]:
    """The names of ``question_names`` that say what the question is about: not a number ("1/2
    minute"), a month or a weekday ("the February piece"), an adjective of nationality
    ("American") or a two-letter abbreviation ("US", "TV", "AI"), which a text may well leave
    unsaid or write otherwise."""
    return [n for n in question_names(question)
            if re.search(r"[^\W\d_]", n) and analyze(n) and not is_demonym(n) and not DATE_NAME.fullmatch(n)
            and not (len(n.replace(".", "")) <= 2 and n.replace(".", "").isupper())]

def unmentioned(names: Sequence[str], text: str, terms: frozenset[str] | None = None) -> list[str]:
    """Those of ``names`` that ``text`` never mentions: none of the name's terms (stemmed) occurs
    in it, nor a longer or shorter form of it ("America" in "American"), and, for an acronym, it
    does not write it out ("NYT": "New York Times"), nor, for a capital, its country ("Washington":
    "United States", ``CAPITAL_OF``). ``terms`` are the text's terms when already known
    (``text_terms``)."""
    terms = text_terms(text) if terms is None else terms

    def mentioned(term: str) -> bool:
        return term in terms or len(term) >= 5 and any(
            len(u) >= 5 and (u.startswith(term) or term.startswith(u)) for u in terms)
    def as_country(name: str) -> bool:  # "Washington" for the United States
        return any(re.search(r"\b" + r"\s+".join(map(re.escape, c.split())) + r"\b", text, re.I) if " " in c
                   else set(analyze(c)) <= terms for c in CAPITAL_OF.get(name, ()))
    return [n for n in names if not any(mentioned(t) for t in analyze(n))
            and not (_acronym(n) and spelled_out(n, [text])) and not as_country(n)]

#: Texts longer than this are analysed in pieces, and their terms kept per loaded index: analysing a
#: 50-million-character document at once built a list of millions of terms (1.5 GB) per question.
LARGE_TEXT = 100_000


def text_terms(text: str, piece: int = LARGE_TEXT) -> frozenset[str]:
    """The distinct terms of ``text`` (``analyze``), read in pieces of about ``piece`` characters
    cut at whitespace, so that memory holds the distinct terms, not every occurrence."""
    terms: set[str] = set()
    i, n = 0, len(text)
    while i < n:
        j = min(n, i + piece)
        if j < n:
            cut = max(text.rfind(" ", i, j), text.rfind("\n", i, j))
            j = cut + 1 if cut > i else j
        terms.update(analyze(text[i:j]))
        i = j
    return frozenset(terms)


#: Documents whose terms a loaded index keeps for ``unmentioned_in_document`` (the oldest go first):
#: every candidate's document is asked about, and analysing it again cost ~2 ms a question.
KEPT_DOCUMENT_TERMS = 2048
_TERMS_LOCK = threading.Lock()


def unmentioned_in_document(names: Sequence[str], index, doc_id: str) -> list[str]:
    """``unmentioned`` in a document's title and text. The document's terms are read once per
    loaded index (a large text's in pieces, and its title is not searched for a written-out
    acronym)."""
    doc = index.document(doc_id)
    cache = index.derived.get("document_terms", dict)
    terms = cache.get(doc_id)
    if terms is None:
        terms = text_terms(doc.title) | text_terms(doc.text)
        with _TERMS_LOCK:
            while len(cache) >= KEPT_DOCUMENT_TERMS:
                cache.pop(next(iter(cache)))
            cache[doc_id] = terms
    return unmentioned(names, f"{doc.title}\n{doc.text}" if len(doc.text) <= LARGE_TEXT else doc.text, terms)


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
