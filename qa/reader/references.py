"""What a follow-up question points back at: its pronouns and demonstratives ("it", "he",
"that company", "the Chinese one") that the question itself gives nothing for, the kind of thing
each stands for (a person, a thing, several, a place), and the name of an earlier turn it takes
(``antecedent``); plus the data a conversation is read with (``Turn``, ``Reading``). Pure
functions over strings.
"""

from __future__ import annotations

import re
from typing import Collection
from dataclasses import dataclass

from qa.lexicon.en import (
    AUXILIARIES,
    DEMONSTRATIVE_AFTER,
    DEFINITE_NOUNS,
    FOLLOW_UP_OPENERS,
    PERSON_NOUNS,
    PERSON_PRONOUNS,
    PLACE_PRONOUNS,
    PLURAL_PRONOUNS,
    POSSESSIVE_PRONOUNS,
    THING_PRONOUNS,
    MONTHS,
    ORG_NOUNS,
    PRODUCT_NOUNS,
    WEEKDAY,
)
from qa.lexicon.terms import analyze
from qa.reader.kinds import FOCUS, NAMED_NOUNS, expected_type
from qa.reader.names import asked_names

_WORD = re.compile(r"[\w’'.-]*\w|[^\w\s]")
#: A month or a weekday: capitalised, but no name a reference could stand for (``fullmatch``).
DATE_NAME = re.compile(rf"{MONTHS}|{WEEKDAY}", re.I)
WH_WORDS = frozenset("what which who whom whose when where why how".split()) | frozenset(
    f"{w}{mark}s" for w in ("what", "who", "where", "when", "why", "how") for mark in "'’")  # "what's"
#: "that company", "this model", "those chips' maker": a demonstrative before a noun for a named thing.
_DEMONSTRATIVE_NP = re.compile(rf"\b(?:that|this|these|those)\s+(?:(?!(?:the|a|an)\b)[\w-]+\s+)?{NAMED_NOUNS}\b"
                               r"(?!\s+(?:that|which|who|whose|where)\b)", re.I)
#: "the company", "the Chinese startup": in a question that names nothing, a definite noun for a
#: named thing stands for the one an earlier turn named, unless a clause or phrase after it says
#: which one ("the company that makes Kling", "the startup founded by ...").
_DEFINITE_NP = re.compile(rf"\bthe\s+(?:(?!(?:the|a|an)\b)[\w-]+\s+)?(?:{DEFINITE_NOUNS})\b(?![’'-])"
                          r"(?!\s+(?:that|which|who|whose|where|of|called|named|behind|in|at|from|with|for|to|on|by|and|or)\b"
                          r"|\s+\w+\s+by\b)", re.I)
#: "the Chinese one", "that one".
_ONE = re.compile(r"\b(?i:the|that|this)\s+(?:[\w-]+\s+)?one\b(?!\s+(?:that|which|who|of)\b)")
@dataclass(frozen=True)
class Mention:
    """A name an earlier turn used: ``person`` says whether it names a person."""

    text: str
    person: bool
    turn: int
    #: It names an organisation (it answered "Which company ...?"), which "they" may stand for.
    org: bool = False


@dataclass(frozen=True)
class Turn:
    """What a follow-up may point back at in one earlier turn (``index`` into the history).

    ``question`` is the self-contained question it answered; ``answer`` the name it answered
    with (None when it abstained or answered with a value); ``value`` the answer's highlighted
    words ("two", "late 2022"), "" if none; ``names`` the names of its question; ``plural`` whether
    it asked for several things at once ("Which companies ...", "Who founded A and who founded B?").
    """

    index: int
    question: str
    answer: Mention | None
    value: str
    names: tuple[Mention, ...]
    plural: bool


@dataclass(frozen=True)
class Reading:
    """How a question was read: ``question`` is the self-contained question to answer and
    ``turn`` the history index that supplied its context (None: it stands on its own). When the
    question points back at something no earlier turn settles, ``problem`` says why and
    ``choices`` lists the candidates when there are several."""

    question: str
    turn: int | None = None
    problem: str = ""
    choices: tuple[str, ...] = ()
    #: The problem is a thing ("it") or several ("they", after a plural noun) no earlier turn names
    #: anything for: maybe what the previous question was about without naming it ("the tests").
    unnamed: bool = False


@dataclass(frozen=True)
class Reference:
    """A word of the question that stands for something said earlier: ``question[start:end]``,
    of ``kind`` "person", "thing", "plural" or "place"; ``possessive`` when it is "his", "its"."""

    start: int
    end: int
    kind: str
    possessive: bool = False
    #: The noun a demonstrative or definite reference is made with ("company" in "that company").
    noun: str = ""


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
    return [(s, e) for s, e in spans]


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


_NOUN = re.compile(rf"{NAMED_NOUNS}", re.I)
_WH_PHRASE = re.compile(r"^\W*(?:(?:\w+\s+){0,2}?)(?:which|what)\s+((?:[\w.’'-]+\s+){0,5})", re.I)


def wh_head(question: str) -> tuple[int, str]:
    """(where the wh-phrase ends, its head noun) for "Which <words> <noun> ..." ("Which University
    of Washington *professor* specializes ...": the last noun for a named thing among the five
    words after which/what); (0, "") when the question has no such phrase."""
    m = _WH_PHRASE.match(question)
    if not m:
        return 0, ""
    end, head = 0, ""
    for t in re.finditer(r"[\w.’'-]+", question[m.start(1):m.end(1)]):
        if t.group(0).lower() in AUXILIARIES:
            break
        if _NOUN.fullmatch(t.group(0)):
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
    if re.search(r"^\W*(?:\w+\s+)?(?:who|whom)\b", question, re.I):
        return True
    return False if expected_type(question) == "name" else None


def asks_for_several(question: str) -> bool:
    """Whether a question asks for several things: two question words joined ("Who founded A and
    who founded B?"), a plural wh-noun ("Which companies ...", "What roles ..."), "who are"."""
    if len(re.findall(r"\b(?:who|what|which|when|where)\b", question, re.I)) >= 2:
        return True
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
    return bool(m) and _plural_noun(m.group(2).lower())


def _plural_noun(word: str) -> bool:
    """Whether a lower-case ``word`` looks like a plural noun ("companies", "tests")."""
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")) \
        and bool(analyze(word)) and word not in AUXILIARIES


def has_plural_noun(text: str) -> bool:  # a word of ``text`` looks like a plural noun
    return any(_plural_noun(t.group(0).lower()) for t in re.finditer(r"[\w’'-]+", text))


def _intra(question: str, at: int, kind: str) -> bool:
    """Whether the question itself gives what the pronoun at ``at`` stands for: a name (not in the
    wh-phrase), a noun for such a thing ("Kai-Fu Lee's *startup* ... its"), "who" for "he", ..."""
    skip = wh_head(question)[0]
    before = question[skip:at]
    # "Who said he ...": "he" is whoever "who" is (not so "him": "Who founded him?").
    if kind == "person" and re.search(r"^\W*(?:\w+\s+)?(?:who|whom)\b", question[:at], re.I) \
            and question[at:at + 3].lower() in ("he ", "she", "his", "her"):
        return True
    # A name opening the question counts when it is two capitalised words ("Oren Etzioni is ...").
    if re.match(r"^\W*[A-Z][\w’'-]*\s+[A-Z]", before) and analyze(before.split()[0]) and not skip:
        return True
    if name_runs(before):
        return True
    # "What did the old photograph show before it was animated?": a subordinate clause's subject is
    # the main clause's noun.
    if kind in ("thing", "plural") and re.search(r"\b(?:the|a|an)\s+(?:[\w-]+\s+){0,2}?[\w-]+\b.*\b(?:before|after|when|"
                                                r"while|because|since|until|once|if|although)\s*$", before, re.I):
        return True
    # An opening phrase names "his" after it ("In his email, whom did Kai-Fu Lee ...?"), or a
    # clause brings in "it" ("If an AI system is open source, can anyone change it?").
    if (op := re.match(r"^\W*[^,]{3,80},", question)) and (
            at < op.end() and name_runs(question[op.end():]) or at >= op.end() and kind in ("thing", "plural")
            and re.match(r"^\W*(?:if|when|once|after|before|since|although|because)\b", question, re.I)
            and re.search(r"\b(?:the|a|an)\s+[\w-]+", op.group(0), re.I)):
        return True
    for t in re.finditer(r"[\w’'-]+", before):
        word = t.group(0).lower()
        if kind == "plural" and _plural_noun(word):
            return True
        if kind in ("thing", "place") and _NOUN.fullmatch(word) and word not in PERSON_NOUNS:
            return True
        if kind == "person" and (word in PERSON_NOUNS or word.rstrip("s") in PERSON_NOUNS):
            return True
    return False


def references(question: str) -> list[Reference]:
    """The words of ``question`` that point back at an earlier turn: pronouns the question itself
    gives no antecedent for, demonstratives before a noun for a named thing ("that company"),
    "the Chinese one", and a bare "that" after a preposition or verb ("after that")."""
    found: list[Reference] = []
    taken: list[tuple[int, int]] = []
    # A date ("in November") names nothing a definite noun could be told apart from.
    named = [n for n in asked_names(question) if not DATE_NAME.fullmatch(n)]
    patterns = (_DEMONSTRATIVE_NP, _ONE) if named else (_DEMONSTRATIVE_NP, _ONE, _DEFINITE_NP)
    for pattern in patterns:
        for m in pattern.finditer(question):
            if any(s <= m.start() < e for s, e in taken):
                continue
            noun = m.group(0).split()[-1].lower()
            first = m.group(0).split()[0].lower()
            if first in ("that", "this", "the") and noun.endswith("s") and not noun.endswith("ss") \
                    or has_name(m.group(0)[len(first):]):
                continue  # "reported that Chinese firms ...", "that Kuaishou app": no reference
            kind = "person" if noun in PERSON_NOUNS or noun.rstrip("s") in PERSON_NOUNS else "thing"
            found.append(Reference(m.start(), m.end(), kind, noun=noun if noun != "one" else ""))
            taken.append((m.start(), m.end()))
    tokens = list(re.finditer(r"[\w’'-]+", question))
    for i, m in enumerate(tokens):
        if any(s <= m.start() < e for s, e in taken):
            continue
        word = m.group(0).lower()
        nxt = tokens[i + 1].group(0).lower() if i + 1 < len(tokens) else ""
        prev = tokens[i - 1].group(0).lower() if i else ""
        if word in PERSON_PRONOUNS:
            kind = "person"
        elif word in THING_PRONOUNS:
            # "it" with nothing to stand for: "is it possible to ...", "made it difficult for ...".
            if word == "it" and (nxt in ("to", "for", "that", "take", "takes", "took", "cost", "costs", "seems", "seemed")
                                 or prev in ("make", "makes", "made", "making")
                                 or re.match(r"\s*(?:is|was)\s+it\s+(?:\w+\s+)?(?:to|that|for)\s+\w",
                                             question[tokens[i - 1].start():] if i else "", re.I)):
                continue
            kind = "thing"
        elif word in PLURAL_PRONOUNS:
            kind = "plural"
        elif word in PLACE_PRONOUNS and prev not in ("is", "are", "was", "were") and i > 0:
            kind = "place"
        elif word in ("that", "this") and prev in DEMONSTRATIVE_AFTER and (
                not nxt or nxt in ("similar", "different", "true", "right", "correct", "so")
                or question[m.end():].lstrip()[:1] in ("?", ".", ",", "!", "")):
            kind = "thing"
        else:
            continue
        if _intra(question, m.start(), kind):
            continue
        possessive = word in POSSESSIVE_PRONOUNS and (word != "her" or (nxt and nxt not in AUXILIARIES
                                                                        and analyze(nxt) != []))
        found.append(Reference(m.start(), m.end(), kind, possessive))
    return sorted(found, key=lambda r: r.start)


def _compatible(mention: Mention, kind: str, noun: str = "", category=None) -> bool:
    """Whether ``mention`` may be what a reference of ``kind`` made with ``noun`` stands for: a
    person for a person; for "the company" not a name the corpus calls a product, for "the model"
    not an organisation (what answered "Which startup ...?", or what the corpus calls one)."""
    if mention.person != (kind == "person"):
        return False
    if kind == "person" or not noun:
        return True
    said = category(mention.text) if category is not None else None
    if noun in ORG_NOUNS:
        return said != "product"
    if noun in PRODUCT_NOUNS:
        return not mention.org and said != "organisation"
    return True


def antecedent(kind: str, turns: list[Turn], taken: Collection[str] = (), noun: str = "",
               category=None) -> Reading | Mention:
    """The mention a reference of ``kind`` stands for, searching the turns from the latest back:
    the answer of a turn first, then the names of its question; a ``Reading`` with the problem
    when a turn offers several equally good candidates or no turn offers any. A name in ``taken``
    (another reference of the question stands for it) is passed over; a reference made with a
    ``noun`` takes a name of that sort (``_compatible``; ``category(name)`` says what the corpus
    calls a name)."""
    for turn in turns:
        if kind == "plural":
            joined = re.search(r"([^\W\d_][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*)\s+and\s+([A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*)",
                               turn.question)
            if joined:
                return Mention(joined.group(0), False, turn.index)
            if turn.answer is not None and turn.answer.org and not turn.plural and turn.answer.text not in taken:
                return turn.answer
            continue
        want = "thing" if kind == "place" else kind
        named = [m for m in turn.names if _compatible(m, want, noun, category) and m.text not in taken]
        if turn.plural and (named or turn.answer is not None):
            options = tuple(dict.fromkeys(m.text for m in named))
            return Reading("", turn.index, "the earlier question asked about several", options)
        if turn.answer is not None and _compatible(turn.answer, want, noun, category) \
                and turn.answer.text not in taken:
            return turn.answer
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            return Reading("", turn.index, "more than one name fits",
                           tuple(dict.fromkeys(m.text for m in named)))
    return Reading("", None, "no earlier question or answer names one", ())


_WHAT = {"person": "who", "thing": "what", "plural": "who", "place": "where"}


def _replacement(ref: Reference, name: str) -> str:
    """What takes the place of ``ref``: the name, "<name>’s" for a possessive, "at <name>" for "there"."""
    if ref.kind == "place":
        return "at " + name
    return name + ("’s" if ref.possessive else "")


def substitute(question: str, refs: list[Reference], turns: list[Turn], category=None) -> Reading:
    """``question`` with each reference replaced by its antecedent (``antecedent``)."""
    out, at, used, named = [], 0, [], set()
    for ref in refs:
        found = antecedent(ref.kind, turns, named, ref.noun, category)
        if named and isinstance(found, Reading):
            continue  # nothing else it could be: "What did he say about his friends?" keeps "his"
        word = question[ref.start:ref.end]
        if isinstance(found, Reading):
            names = found.choices
            if names:
                problem = f"it is not clear {_WHAT[ref.kind]} “{word}” means: {' or '.join(names)}? ({found.problem})"
            else:
                problem = f"it is not clear {_WHAT[ref.kind]} “{word}” means: {found.problem}"
            # One self-contained question per candidate, for the user to pick from.
            options = tuple(strip_opener(question[:ref.start] + _replacement(ref, name) + question[ref.end:])
                            for name in names)
            # "it" may be what the previous question was about, "they" a plural noun of it.
            unnamed = turns and (not names or found.turn != turns[0].index) and (
                ref.kind == "thing" or ref.kind == "plural" and has_plural_noun(turns[0].question))
            return Reading(question, found.turn, problem, options, unnamed=bool(unnamed))
        used.append(found.turn)
        named.add(found.text)
        out.append(question[at:ref.start] + _replacement(ref, found.text))
        at = ref.end
    out.append(question[at:])
    return Reading(strip_opener("".join(out)), max(used))


