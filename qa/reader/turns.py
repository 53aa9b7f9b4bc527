"""The earlier turns of a conversation as ``Turn``s, and a follow-up question answered through
them: what a turn answered with (the name in its cited answer), the names its question used, and
the readings of ``qa.reader.conversation`` turned into one ``Answer``.

Earlier turns given as question strings are answered only when the new question points back at
them, the latest first: a question that stands on its own costs nothing more, unless the corpus
does not answer it alone and it describes something ("the crackdown") the latest turn may have
spoken of.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable, Sequence

from qa.errors import QuestionError
from qa.lexicon.en import ORG_NOUNS, PERSON_NOUNS, PLACE_NOUNS
from qa.lexicon.terms import analyze
from qa.lexicon.words import english_words
from qa.reader.conversation import read_question
from qa.reader.asking import (
    asks_for_person,
    asks_for_several,
    name_runs,
    person_like,
    wh_head,
)
from qa.reader.references import Mention, Reading, Turn
from qa.reader.spoken import described, named_document, spoken_document
from qa.reader.highlight import PATTERNS, is_demonym
from qa.reader.kinds import NAMED_NOUNS
from qa.reader.names import DATE_NAME, question_names
from qa.reader.spelling import common_words, corpus_names, truecase
from qa.types import NOT_FOUND, Answer

#: How many earlier turns a reference may reach back over.
MAX_TURNS_BACK = 3
_CUE_BEFORE = re.compile(rf"({NAMED_NOUNS})\s+(?:(?:called|named|dubbed)\s+)?$", re.I)
_CUE_AFTER = re.compile(rf"^,?\s+(?:a|an|the)?\s*(?:[\w’'-]+\s+){{0,2}}({NAMED_NOUNS})\b", re.I)
#: "in" just before a name: a place ("in Shanghai").
_IN = re.compile(r"\bin\s$")
#: The text before a word that opens a sentence or a quotation.
_OPENS = re.compile(r"(?:^|[.!?:;]\s+|[“\"(‘]\s*)$")


def name_category(name: str, index, limit: int = 200) -> str | None:
    """What the corpus calls ``name``: "organisation" or "product" by the nouns written next to it
    ("a company called AIsphere", "the online chatbot ChatGPT", "PixVerse, an AI-powered
    generator"), "place" by an "in" before it ("in Shanghai"), whichever is more frequent over its
    first ``limit`` mentions; None when nothing tells. Cached with the loaded index."""
    cache = index.derived.get("conversation_categories", dict)
    if name in cache:
        return cache[name]
    votes = {"organisation": 0, "product": 0, "place": 0}
    seen = 0
    for doc in index.documents:
        at = doc.text.find(name)
        while at >= 0 and seen < limit:
            seen += 1
            end = at + len(name)
            cue = _CUE_BEFORE.search(doc.text[max(0, at - 40):at]) or _CUE_AFTER.match(doc.text[end:end + 60])
            noun = cue.group(1).lower() if cue else ""
            if not cue and _IN.search(doc.text, max(0, at - 4), at):
                votes["place"] += 1
            elif noun and noun not in PERSON_NOUNS and noun.rstrip("s") not in PERSON_NOUNS:
                votes["organisation" if noun in ORG_NOUNS or noun.rstrip("s") in ORG_NOUNS else "product"] += 1
            at = doc.text.find(name, end)
    best = max(votes, key=votes.get)
    cache[name] = best if votes[best] > 0 and sorted(votes.values())[-2] != votes[best] else None
    return cache[name]


def _kept(token: str, asked: set[str]) -> bool:
    bare = token.rstrip(".’'-")
    bare = bare[:-2] if bare.endswith(("’s", "'s")) else bare
    terms = analyze(bare)
    return bool(terms) and not (set(terms) <= asked) and not DATE_NAME.fullmatch(bare) and not is_demonym(bare) \
        and not (bare.isupper() and len(bare) <= 4) and not re.fullmatch(r"[A-Z]{1,4}-[a-z]+", bare)


def candidate_names(quote: str, question: str) -> list[tuple[int, int]]:
    """Spans of the names in ``quote`` that the question does not itself use, split where a word
    of the question or a title ("CEO") sits inside a run ("Baidu CEO Robin Li" -> "Robin Li")."""
    asked = set(analyze(question))
    out = []
    for m in PATTERNS["name"].finditer(quote):
        start = None
        for t in re.finditer(r"\S+", m.group(0)):
            token = t.group(0)
            s, e = m.start() + t.start(), m.start() + t.end()
            if _kept(token, asked):
                bare = token.rstrip(".’'-,")
                bare = bare[:-2] if bare.endswith(("’s", "'s")) else bare
                if start is None:
                    start = s
                end = s + len(bare)
                if bare != token.rstrip(".,"):
                    out.append((start, end))
                    start = None
            elif token in ("of", "de") and start is not None:
                continue
            elif start is not None:
                out.append((start, end))
                start = None
        if start is not None:
            out.append((start, end))
    return [(s, e) for s, e in out if quote[s:e].split()[-1] not in ("of", "de")]


_DEFINITION = re.compile(r"^\W*(?:who|what)(?:\s+(?:is|are|was|were)|['’]s)\s+(.+?)\W*$", re.I)


def _defines(question: str) -> bool:
    """Whether ``question`` only asks who or what a name is ("Who is Andrew Ng?"): its answer
    describes that name, and the other names in it ("a professor at Stanford University") are not
    what it answered with."""
    m = _DEFINITION.match(question)
    if m is None:
        return False
    runs = name_runs(question)
    return len(runs) == 1 and runs[0] == (m.start(1), m.end(1))


def answer_mention(question: str, answer: Answer, turn: int, common: frozenset[str],
                   names: dict[str, str] | None = None) -> tuple[Mention | None, str]:
    """(the name ``answer`` answered ``question`` with, the answer's highlighted words): the name
    of the asked kind (a person for "Who ...", a thing for "Which company ...") in the cited
    answer, preferring the highlighted words, then a name the sentence calls by a noun ("a company
    called AIsphere"), then the name closest to the question's words; for "What did 01.AI release?",
    which says no kind, the one thing the answer names. (None, "") when it abstained or for a
    question no name answers ("Why ...?"). ``names`` (``corpus_names``) tells an ordinary word
    opening a sentence ("Today, we explore ...") from a name that opens one ("Meta released ...")."""
    if answer.abstained or not answer.citations:
        return None, ""
    cite = answer.citations[0]
    quote = cite.quote
    lo, hi = (cite.highlight[0] - cite.start, cite.highlight[1] - cite.start) if cite.highlight else (-1, -1)
    value = quote[lo:hi] if cite.highlight else ""
    wants = asks_for_person(question)
    if _defines(question):
        return None, value
    # "What did 01.AI release ...?" asks for a thing without saying what kind: the answer's name
    # is what it answered with only when the sentence names one thing besides the question's.
    open_ended, things = wants is None, []
    if open_ended and not re.match(r"\W*(?:\w+\s+)?(?:what|which)\b", question, re.I):
        return None, value  # "Why ...?", "Did ...?": no name answers it
    wants = bool(wants)
    q_terms = set(analyze(question))
    name_terms = set(analyze(" ".join(question_names(question))))
    asked = [(m.start(), bool(set(terms) & name_terms)) for m in re.finditer(r"\w+", quote)
             if set(terms := analyze(m.group(0))) & q_terms]
    # "Which country ...?" asks for a place: a name the sentence puts after "in", "from" ....
    wants_place = wh_head(question)[1] in PLACE_NOUNS
    best = None
    for s, e in candidate_names(quote, question):
        name = quote[s:e]
        if " " not in name and _OPENS.search(quote[:s]) and (name.lower() in common or (
                names is not None and name.lower() not in names and name.lower() in english_words())):
            continue  # an ordinary word capitalised as a sentence's or a quotation's first ("Initially")
        cue = _CUE_BEFORE.search(quote[max(0, s - 40):s]) or _CUE_AFTER.match(quote[e:e + 60])
        noun = (cue.group(1) if cue else "").lower()
        cue_person = noun in PERSON_NOUNS or noun.rstrip("s") in PERSON_NOUNS
        looks_person = person_like(name, common)
        # One word is a person's name only when a person is asked for and nothing says otherwise:
        # a noun for a thing ("a company called AIsphere") or a preposition of place ("in Beijing").
        placed = re.search(r"\b(?:in|at|from|to|of|near)\s+$", quote[max(0, s - 6):s], re.I)
        person = looks_person or (len(name.split()) == 1 and wants and not (cue and not cue_person) and not placed)
        if not looks_person and not placed and not cue_person and re.search(r"[^\W\d_]", name):
            things.append(name)
        # Closeness to the words of the question, the names it uses first ("owner of TikTok").
        near = (min((abs(a - s) for a, named in asked if named), default=10 ** 6),
                min((abs(a - s) for a, _ in asked), default=10 ** 6))
        at_place = bool(re.search(r"\b(?:in|at|from|to|near)\s+(?:the\s+)?$", quote[max(0, s - 10):s], re.I))
        person = person and not (wants_place and at_place)  # "in the United States" names no one
        key = (at_place or not wants_place, person == wants, looks_person == wants,
               bool(cue) and cue_person == wants, lo < e and s < hi, -near[0], -near[1])
        if best is None or key > best[0]:
            best = (key, name, person, noun)
    if best is None or (open_ended and len(things) != 1):
        return None, value
    # What answers "Which company ...?", or "Who ...?" with no person's name ("Who launched Sora?"
    # "OpenAI"), is an organisation: "they" may stand for it.
    org = not best[2] and (wh_head(question)[1] in ORG_NOUNS or bool(re.match(r"\W*who\b", question, re.I)))
    return Mention(best[1], best[2], turn, org), value


def make_turn(index: int, answer: Answer, common: frozenset[str], names: dict[str, str] | None = None) -> Turn:
    """The ``Turn`` of history item ``index``, answered by ``answer``; names its question typed in
    lower case are read as the corpus writes them (``names``: ``corpus_names``)."""
    asked = truecase(answer.question_used or answer.question, names or {})
    # Read with the question before it ("Which startup ...? Who started that one?"), the turn still
    # asked what its own words ask: a person, one thing.
    together = answer.context_turn is not None and asked != answer.question \
        and (answer.question_used or "").endswith(answer.question.strip())
    own = truecase(answer.question, names or {}) if together else asked
    mention, value = answer_mention(own, answer, index, common, names)
    named = tuple(Mention(name, person_like(name, common), index)
                  for name in dict.fromkeys(asked[s:e] for s, e in name_runs(asked)) if not DATE_NAME.fullmatch(name))
    return Turn(index, asked, mention, value, named, asks_for_several(own))


class _Turns:
    """The latest ``MAX_TURNS_BACK`` turns, latest first, each answered on first use."""

    def __init__(self, history: Sequence, ask: Callable[[str, list], Answer], common: frozenset[str],
                 names: dict[str, str] | None = None):
        self._history, self._ask, self._common, self._names = list(history), ask, common, names or {}
        self._made: dict[int, Turn] = {}
        self._answers: dict[int, Answer] = {}

    def answered(self, i: int) -> Answer:
        """The answer of the ``i``-th latest turn (given, or asked now)."""
        at = len(self._history) - 1 - i
        if at not in self._answers:
            item = self._history[at]
            self._answers[at] = item if isinstance(item, Answer) else self._ask(item, self._history[:at])
        return self._answers[at]

    def __len__(self) -> int:
        return min(len(self._history), MAX_TURNS_BACK)

    def __getitem__(self, i: int) -> Turn:
        if not 0 <= i < len(self):
            raise IndexError(i)
        at = len(self._history) - 1 - i
        if at not in self._made:
            self._made[at] = make_turn(at, self.answered(i), self._common, self._names)
        return self._made[at]

    def __iter__(self):
        return (self[i] for i in range(len(self)))


def check_history(history) -> list:
    """``history`` as a list of question strings and ``Answer``s; ``QuestionError`` otherwise."""
    if isinstance(history, (str, Answer)):
        raise QuestionError("history must be a list of earlier turns (questions or Answers), oldest first")
    turns = list(history)
    for item in turns:
        if not isinstance(item, (str, Answer)):
            raise QuestionError(f"each turn of history must be a question or an Answer, not {type(item).__name__}")
    return turns


#: The answerability at which a reading made by joining a question to the previous one is taken
#: ("What does it still take?" after a question about something without a name; a definite
#: description of what the latest turn spoke of); under it, the reference is asked back or the
#: question read alone. (Until stop 33, a resolved reading answered under it was also compared
#: with plainer readings; docs/conversation.md, "Plain readings compared" and stop 34.)
SETTLED = 0.5
#: A question naming nothing, with at most this many content terms, that the rules read as standing
#: on its own ("Such as?", "A lot of what?", "From how many companies?") is read with the previous
#: question when that reading is answered: it says too little to stand alone.
FRAGMENT_TERMS = 2


#: A question with more content terms than this, or a name of its own, whose "it" no earlier turn
#: gives anything for, says enough to stand on its own ("is it basically a walk in the park for
#: China to grab the AI lead through open source?").
SELF_SUFFICIENT_TERMS = 4


def _latest_question(history: Sequence) -> str:
    """The latest earlier turn as the user asked it."""
    item = history[-1]
    return item if isinstance(item, str) else item.question


def _asked(ask: Callable[[str, list], Answer], reading: Reading) -> Answer | None:
    """``reading`` answered on its own; None when it is longer than a question may be (the previous
    question and this one read together can be)."""
    try:
        return ask(reading.question, [])
    except QuestionError:
        return None


def _understood(got: Answer, question: str, reading: Reading) -> Answer:
    """``got`` as the answer to ``question`` read as ``reading``, saying how it was understood
    unless the reading is the question alone."""
    if reading.turn is None:
        return replace(got, question=question, question_used=question)
    return replace(got, question=question, question_used=reading.question, context_turn=reading.turn,
                   reason=f"Understood as: {reading.question} {got.reason}".strip())


def _bridged(question: str, nouns: set[str], previous: str, together: Reading, turns: _Turns,
             ask: Callable[[str, list], Answer]) -> Answer | None:
    """``question`` answered on its own; when the corpus does not answer it so, and a noun of its
    definite descriptions (``nouns``) is a word of the latest turn's question (``previous``) or
    answer ("the crackdown" after an answer telling of Beijing's crackdown), read with the previous
    question (``together``), kept when the reader is sure of that. The earlier turn is answered
    only then."""
    alone = _asked(ask, Reading(question))
    if alone is None or not alone.abstained:
        return None if alone is None else _understood(alone, question, Reading(question))
    earlier = turns.answered(0)
    said = set(analyze(f"{previous} {'' if earlier.abstained else earlier.text}"))
    got = _asked(ask, together) if nouns & said else None
    if got is not None and not got.abstained and got.confidence >= SETTLED:
        return _understood(got, question, together)
    return _understood(alone, question, Reading(question))


def _says_enough(question: str, cased: str, terms: int) -> bool:
    """Whether ``question`` has more than ``terms`` content terms or names something; a name typed
    in lower case counts (``cased`` is it ``truecase``d: "kling fps" -> "Kling fps", which
    ``question_names`` cannot tell from a capitalised first word)."""
    return len(analyze(question)) > terms or bool(question_names(cased)) or cased != question


def answer_in_context(question: str, history: Sequence, index, ask: Callable[..., Answer]) -> Answer | None:
    """``_read_in_context``, where a question that speaks of "that article" (``spoken_document``)
    is read in the document the latest turn was answered from (``ask(question, earlier, scope)``
    answers within the document ids ``scope``), saying so."""
    common, names = common_words(index), corpus_names(index)
    turns = _Turns(history, ask, common, names)
    spoken = spoken_document(question, index, lambda: turns.answered(0))
    if spoken is None:
        return _read_in_context(question, history, index, ask, turns, common, names)
    doc_id, words, name = spoken

    def scoped(q: str, earlier: list) -> Answer:
        return ask(q, earlier, frozenset({doc_id}))
    got = _read_in_context(question, history, index, scoped, turns, common, names)
    if got is None:
        got = _understood(scoped(question, []), question, Reading(question))
    return named_document(got, words, name, len(history) - 1)


def _read_in_context(question: str, history: Sequence, index, ask: Callable[[str, list], Answer],
                     turns: _Turns, common: frozenset[str], names: dict[str, str]) -> Answer | None:
    """The answer to ``question`` read against ``history`` (oldest first), or None when the
    question stands on its own (answer it as without history).

    ``ask(question, earlier)`` answers a question with the history before it; it answers each
    reading here (with no history) and earlier turns given as strings. Of several readings, the
    one answered with the most confidence is kept, and stands however sure the reader is of it; a
    fragment the rules read as standing alone is read with the previous question when that is
    answered; so is a question whose definite description names what the latest turn spoke of
    ("the crackdown"), when alone the corpus does not answer it and together the reader is sure. A
    reference no turn settles gives an abstention whose ``reason`` says what is unclear and whose
    ``choices`` name the candidates: it is asked back, never replaced by a plainer reading.
    """
    cased = truecase(question, names)
    readings = read_question(cased, turns, common, category=lambda name: name_category(name, index))
    first = readings[0]
    previous = _latest_question(history)
    together = Reading(f"{previous.rstrip()} {question.strip()}", len(history) - 1)
    if first.problem:
        if first.unnamed:
            # "What does it still take?" after "If an AI system is open source, can anyone change
            # it?": "it" is what the previous question was about, which has no name. Read with it;
            # answered short of SETTLED, it is asked back as any other unsettled reference.
            got = _asked(ask, together)
            if got is not None and not got.abstained and got.confidence >= SETTLED:
                return _understood(got, question, together)
            if first.turn is None and not first.choices and _says_enough(question, cased, SELF_SUFFICIENT_TERMS):
                return None  # "is it basically easy for China to ...?": an "it" of its own
        return Answer(question, NOT_FOUND, True, (), reason=first.problem[:1].upper() + first.problem[1:],
                      question_used=question, context_turn=first.turn, choices=first.choices)
    if first.turn is None:
        if _says_enough(question, cased, FRAGMENT_TERMS):
            nouns = described(question)
            return _bridged(question, nouns, previous, together, turns, ask) if nouns else None
        # A fragment cannot stand alone: read with the previous question when that is answered.
        got = _asked(ask, together)
        return None if got is None or got.abstained else _understood(got, question, together)

    def better(got: Answer, than: Answer | None) -> bool:
        return than is None or (not got.abstained, got.confidence) > (not than.abstained, than.confidence)

    best: tuple[Answer, Reading] | None = None
    for reading in readings:
        got = ask(reading.question, [])
        if best is None or better(got, best[0]):
            best = (got, reading)
    got, reading = best
    # A reading the rules resolved stands, answered or not, however sure the reader is: a plainer
    # reading (the previous question read with this one, or this one alone) answers another
    # question. Comparing the reader's confidence across readings lost 15 of 910 development
    # follow-ups with stop 34's reader (docs/conversation.md, stop 34).
    return _understood(got, question, reading)
