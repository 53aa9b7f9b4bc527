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
    PERSON_NOUNS,
    PERSON_PRONOUNS,
    PLACE_PRONOUNS,
    PLURAL_PRONOUNS,
    POSSESSIVE_PRONOUNS,
    THING_PRONOUNS,
    ORG_NOUNS,
    PRODUCT_NOUNS,
)
from qa.lexicon.terms import analyze
from qa.reader.asking import (
    NAMED_NOUN,
    has_name,
    has_plural_noun,
    name_runs,
    plural_noun,
    strip_opener,
    wh_head,
)
from qa.reader.kinds import NAMED_NOUNS
from qa.reader.names import DATE_NAME, asked_names

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


#: An opening phrase or clause, up to its comma ("In his email,", "If an AI system is open source,").
_OPENING = re.compile(r"^\W*[^,]{3,80},")
_CONDITION = re.compile(r"^\W*(?:if|when|once|after|before|since|although|because)\b", re.I)


def _opening_gives(question: str, at: int, kind: str) -> bool:
    """Whether the pronoun at ``at`` and what it stands for are on either side of an opening
    phrase's comma: a name after it gives "his" inside it ("In his email, whom did Kai-Fu Lee
    ...?"); a clause of condition or time brings in a noun for "it" after it ("If an AI system is
    open source, can anyone change it?")."""
    opening = _OPENING.match(question)
    if opening is None:
        return False
    if at < opening.end():
        return bool(name_runs(question[opening.end():]))
    return kind in ("thing", "plural") and bool(_CONDITION.match(question)) \
        and re.search(r"\b(?:the|a|an)\s+[\w-]+", opening.group(0), re.I) is not None


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
    if _opening_gives(question, at, kind):
        return True
    for t in re.finditer(r"[\w’'-]+", before):
        word = t.group(0).lower()
        if kind == "plural" and plural_noun(word):
            return True
        if kind in ("thing", "place") and NAMED_NOUN.fullmatch(word) and word not in PERSON_NOUNS:
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
            # "it" with nothing to stand for: "is it possible to ...", "made it difficult for ..."
            # (but "Who makes it?" and "Who made it available?" ask about something).
            after = {t.group(0).lower() for t in tokens[i + 1:i + 4]}
            if word == "it" and (nxt in ("to", "for", "that", "take", "takes", "took", "cost", "costs", "seems", "seemed")
                                 or prev in ("make", "makes", "made", "making") and after & {"to", "for", "that"}
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
    if said == "place" and (noun in ORG_NOUNS or noun in PRODUCT_NOUNS):
        return False  # "that model" is not Shanghai
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
        if kind == "thing" and len(named) > 1 and category is not None:
            # "In its closing thoughts" after a question about the ICARO article and a debate "in
            # China": a place is the setting, what the question was about is the other name.
            named = [m for m in named if category(m.text) != "place"] or named
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


def replacement(ref: Reference, name: str) -> str:
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
            options = tuple(strip_opener(question[:ref.start] + replacement(ref, name) + question[ref.end:])
                            for name in names)
            # "it" may be what the previous question was about, "they" a plural noun of it.
            # ... but one thing of a question that asked for several ("Which two companies ...?",
            # then "that company") is one of them, which nothing says.
            unnamed = turns and (not names or found.turn != turns[0].index) and (
                ref.kind == "thing" and not turns[0].plural
                or ref.kind == "plural" and has_plural_noun(turns[0].question))
            return Reading(question, found.turn, problem, options, unnamed=bool(unnamed))
        used.append(found.turn)
        named.add(found.text)
        out.append(question[at:ref.start] + replacement(ref, found.text))
        at = ref.end
    out.append(question[at:])
    return Reading(strip_opener("".join(out)), max(used))


