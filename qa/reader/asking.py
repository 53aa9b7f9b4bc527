"""What a question asks for and what it names, read from its words: its names (``name_runs``),
whether a name reads as a person's (``person_like``), the head noun of its wh-phrase (``wh_head``),
whether it asks for a person (``asks_for_person``) or for several things (``asks_for_several``),
the two names it compares (``compared_names``, with ``speaks_of``) and, asking why, what it says
happened (``premise_terms``). Pure functions over strings, shared by the reading of follow-ups
(``qa.reader.references``, ``qa.reader.conversation``), the turns they point back at
(``qa.reader.turns``) and the question analysis (``qa.reader.analysis``).
"""

from __future__ import annotations

import re

from qa.lexicon.en import AUXILIARIES, COMPARATIVES, FOLLOW_UP_OPENERS, PERSON_NOUNS, WHY_FRAME
from qa.lexicon.terms import analyze
from qa.reader.kinds import FOCUS, NAMED_NOUNS, expected_type
from qa.reader.names import asked_names

_WORD = re.compile(r"[\w’'.-]*\w|[^\w\s]")
WH_WORDS = frozenset("what which who whom whose when where why how".split()) | frozenset(
    f"{w}{mark}s" for w in ("what", "who", "where", "when", "why", "how") for mark in "'’")  # "what's"

def words(text: str) -> list[str]:
    return _WORD.findall(text)  # the words and punctuation marks of ``text``


def strip_opener(question: str) -> str:
    """``question`` without a leading "And", "So", "But also" ... that adds no meaning."""
    rest = question.strip()
    while True:
        m = re.match(r"^\W*(\w+)\W*\s+", rest)
        if not m or m.group(1).lower() not in FOLLOW_UP_OPENERS:
            return rest[:1].upper() + rest[1:] if rest else rest
        rest = rest[m.end():]


def name_runs(text: str) -> list[tuple[int, int]]:
    """Spans of the names in ``text``: runs of the words ``asked_names`` accepts, joined by "of"
    or "de" between two of them ("University of Washington")."""
    names = set(asked_names(text))
    spans: list[list[int]] = []
    for m in re.finditer(r"[^\W_][\w.’'-]*", text):
        token = m.group(0).rstrip(".’'-")
        bare = token[:-2] if token.endswith(("’s", "'s")) else token
        if bare in names and bare.lower() not in PERSON_NOUNS:  # "CEO of Hugging Face": a title of a name
            end = m.start() + len(bare)
            if spans and re.fullmatch(r"\s+(?:of|de)\s+|\s+", text[spans[-1][1]:m.start()]) \
                    and text[spans[-1][1] - 2:spans[-1][1]] not in ("’s", "'s"):
                spans[-1][1] = end
            else:
                spans.append([m.start(), end])
    # A quoted title is the name of one work: "'Chinese Tech Companies Accelerate A.I. Development'".
    for q in _QUOTED.finditer(text):
        inside = [span for span in spans if q.start(1) <= span[0] and span[1] <= q.end(1)]
        if inside:
            spans = [span for span in spans if span not in inside] + [[q.start(1), q.end(1)]]
    return sorted((s, e) for s, e in spans)


#: A title in quotation marks: opened after a space or at the start, closed before a space, a
#: punctuation mark or the end (an apostrophe inside a word is no quotation mark).
_QUOTED = re.compile(r"(?:^|(?<=[\s(]))['‘\"“]([A-Z][^'’\"”]{2,}?)['’\"”](?=[\s?.,:;!)]|$)")


def _capitalised(word: str) -> bool:
    """A capital then lower-case letters of any script ("Clément"), maybe a hyphened second part
    ("Kai-Fu", "Jean-luc")."""
    first, _, second = word.partition("-")
    return (len(first) >= 2 and first.isalpha() and first[0].isupper() and first[1:].islower()
            and (not second or second.isalpha() and (second[1:] or second).islower()))


def person_like(name: str, common_words: frozenset[str]) -> bool:
    """Whether ``name`` reads as a person's name: two to four capitalised words, none of which
    the corpus also writes as an ordinary lower-case word ("Robin Li" yes; "Hugging Face",
    "Page One Ventures", "World Artificial Intelligence Conference", "Kling" no)."""
    parts = name.split()
    return 2 <= len(parts) <= 4 and all(_capitalised(p) and p.lower() not in common_words for p in parts)


NAMED_NOUN = re.compile(rf"{NAMED_NOUNS}", re.I)
_WH_PHRASE = re.compile(r"\W*(?:(?:\w+\s+){0,2}?)(?:which|what)\s+((?:[\w.’'-]+\s+){0,5})", re.I)


#: A phrase set before the question with a comma ("In the ICARO piece, who ...", "Per the Global
#: Times, which ..."): no question word in it, one right after it.
_FRONTED = re.compile(r"^[^?,]*?,\s*(?=(?:which|what|who|whom|whose|when|where|why|how)\b)", re.I)


def fronted(question: str) -> int:
    """Where the question proper starts after a phrase set before it with a comma ("In the ICARO
    piece, *who* presented ...?"); 0 when nothing is set before it."""
    m = _FRONTED.match(question)
    if m is None or any(w.lower() in WH_WORDS for w in words(m.group(0))):
        return 0
    return m.end()


#: "Who ...", "And who ...": the question asks for a person (after any phrase set before it).
_WHO = re.compile(r"\W*(?:\w+\s+)?(?:who|whom)\b", re.I)


def wh_head(question: str) -> tuple[int, str]:
    """(where the wh-phrase ends, its head noun) for "Which <words> <noun> ..." ("Which University
    of Washington *professor* specializes ...": the last noun for a named thing among the five
    words after which/what), after a phrase set before it ("In the Global Times version, which
    startup *founder* ..."); (0, "") when the question has no such phrase."""
    lead = fronted(question)
    m = _WH_PHRASE.match(question, lead)
    if not m:
        return 0, ""
    end, head = 0, ""
    phrase = re.split(r"(?:^|\s)['‘\"“]", question[m.start(1):m.end(1)])[0]  # a quoted title is no head
    for t in re.finditer(r"[\w.’'-]+", phrase):
        if t.group(0).lower() in AUXILIARIES:
            break
        if NAMED_NOUN.fullmatch(t.group(0)):
            end, head = m.start(1) + t.end(), t.group(0).lower()
    return end, head


def has_name(fragment: str) -> bool:
    """Whether a fragment ("Kling", not "the author") names something (``asked_names``)."""
    return bool(asked_names("x " + fragment))


def asks_for_person(question: str) -> bool | None:
    """True when the question asks for a person ("Who ...", "Which professor ..."), False when
    it asks for a named thing ("Which company ...", "What is the name of ..."), None otherwise."""
    noun = wh_head(question)[1] or (m.group(1).lower() if (m := FOCUS.search(question)) else "")
    if noun:
        return noun in PERSON_NOUNS or noun.rstrip("s") in PERSON_NOUNS
    if _WHO.match(question, fronted(question)):
        return True
    return False if expected_type(question) == "name" else None


def asks_for_several(question: str) -> bool:
    """Whether a question asks for several things: two question words joined ("Who founded A and
    who founded B?"), a plural wh-noun ("Which companies ...", "What roles ..."), "who are"."""
    if re.search(r"\b(?:who|what|which|when|where)\b.*(?:\band|\bor|[;?])\s+(?:who|what|which|when|where)\b",
                 question, re.I):
        return True  # a second question word opens a clause of its own: not "... when it topped ...",
        # nor a relative clause ("Which tool did OpenAI reveal, which turns text into clips?")
    if re.search(r"\bwho\s+(?:are|were)\b", question, re.I):
        return True
    head = wh_head(question)[1]
    if head and head.endswith("s") and not head.endswith("ss"):
        return True
    runs = name_runs(question)
    if any(re.fullmatch(r",?\s+and\s+", question[a[1]:b[0]]) for a, b in zip(runs, runs[1:])):
        return True
    m = re.search(r"\b(?:which|what)\s+((?:[\w-]+\s+){0,3}?)([\w-]+)\s+(?:" + "|".join(AUXILIARIES) + r")\b",
                  question, re.I)
    return bool(m) and plural_noun(m.group(2).lower())


def plural_noun(word: str) -> bool:
    """Whether a lower-case ``word`` looks like a plural noun ("companies", "tests")."""
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")) \
        and bool(analyze(word)) and word not in AUXILIARIES


def has_plural_noun(text: str) -> bool:  # a word of ``text`` looks like a plural noun
    return any(plural_noun(t.group(0).lower()) for t in re.finditer(r"[\w’'-]+", text))


#: Between two names set side by side as alternatives: "Kling or Sora", "China's or America's",
#: "01.AI vs AIsphere".
_ALTERNATIVE = re.compile(r"(?:['’]s)?,?\s+(?:or|vs\.?|versus)\s+(?:the\s+)?", re.I)


def compared_names(question: str) -> tuple[str, ...]:
    """The two names a question compares ("Which has more users, Kling or Sora?" -> Kling, Sora;
    "Is 01.AI valued higher than AIsphere?"); () when it compares none. Two names joined by "vs",
    or by "or" in a question with a comparative word (``COMPARATIVES``), or the only two names of a
    yes-or-no question with a comparative word between them and "than" before the second (not
    "Who translated the piece saying China shares more than America?", which asks for a person).
    Names in lower case are not seen: ``truecase`` the question first."""
    runs = name_runs(question)
    comparative = any(w.lower() in COMPARATIVES for w in re.findall(r"[\w-]+", question))
    for (a, b), (c, d) in zip(runs, runs[1:]):
        gap = _ALTERNATIVE.fullmatch(question[b:c])
        if gap and (comparative or not re.search(r"\bor\b", gap.group(0), re.I)):
            return question[a:b], question[c:d]
    asks_whether = (m := re.match(r"\W*(\w+)", question)) is not None and m.group(1).lower() in AUXILIARIES
    if asks_whether and len(runs) == 2 and re.search(r"\bthan\s+(?:the\s+)?$", question[:runs[1][0]], re.I) \
            and any(w.lower() in COMPARATIVES for w in re.findall(r"[\w-]+", question[runs[0][1]:runs[1][0]])):
        return question[runs[0][0]:runs[0][1]], question[runs[1][0]:runs[1][1]]
    return ()


def speaks_of(text: str, name: str) -> bool:
    """Whether ``text`` names ``name``: whole, by its last word ("Nicholson" for "Chris
    Nicholson") or by its initials ("U.S." for "United States"); case and periods aside."""
    tokens = re.findall(r"\w+", text.replace(".", "").casefold())
    parts = re.findall(r"\w+", name.replace(".", "").casefold())
    if not parts:
        return False
    if f" {' '.join(parts)} " in f" {' '.join(tokens)} ":
        return True
    words = set(tokens)
    return len(parts) > 1 and (parts[-1] in words or "".join(p[0] for p in parts) in words)


_WHY = re.compile(r"\b(?:why|how come)\b", re.I)


def premise_terms(question: str) -> tuple[str, ...]:
    """For a question that asks why ("Why did the White House lift its chip embargo?"), the terms
    of what it says happened: its terms other than the words that only frame the asking
    (``WHY_FRAME``). Empty for any other question."""
    if not _WHY.search(question):
        return ()
    frame = set(analyze(" ".join(WHY_FRAME)))
    return tuple(dict.fromkeys(t for t in analyze(question) if t not in frame))
