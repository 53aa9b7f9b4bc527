"""Follow-up questions read against the conversation so far, without a generative model.

"Who founded it?" after "Which startup released Yi-Large?" is read as "Who founded 01.AI?": a
pronoun or a demonstrative ("that company", "the Chinese one") takes the name an earlier turn
answered with or asked about, agreeing in kind (a person for "he", a thing for "it"); an ellipsis
("When?", "In which city?") takes the rest of the previous question; "What about Baidu?" is the
previous question with the name of the same kind swapped. A question that needs none of this is
left exactly as asked, and a reference with no candidate, or with several equally good ones, is
reported as such (``Reading.problem``, ``Reading.choices``) instead of guessed.

Pure functions over strings; what is known of an earlier turn is a ``Turn`` (``qa.reader.turns``
builds them from ``Answer``s).
"""

from __future__ import annotations

import re

from qa.lexicon.en import AUXILIARIES
from qa.reader.asking import WH_WORDS, has_name, person_like, strip_opener, wh_head, words
from qa.reader.references import Reading, Turn, references, replacement, substitute

#: A question that is only a question word, with a preposition or up to two words ("When?", "In
#: which city?", "At what resolution?", "Focusing on what?").
_ELLIPSIS = re.compile(r"^\W*(?:(?:[\w-]+\s+)?(?:in|at|on|for|by|from|to|with|since|until|of|about)\s+)?"
                       r"(?:(?:what|which|whose)(?:\s+(?!(?:is|are|was|were|do|does|did|has|have|had|can|could|will|"
                       r"would|it|he|she|they|him|her|them|its|his|their)\b)[\w-]+){0,2}|"
                       r"how(?:\s+[\w-]+)?|who|whom|when|where|why)"
                       r"(?:,?\s+(?:specifically|exactly|precisely|then|again|now))?\W*$", re.I)
_SWAP = re.compile(r"^\W*(?:(?:and|so|but)\s+)?(?:what|how)\s+about\s+(.+?)\W*$", re.I)


#: A title in quotation marks, which may hold an apostrophe ("'China's AI Revolution: ...'").
_TITLE = re.compile(r"(?:^|(?<=[\s(]))['‘\"“][A-Z](?:[^'’\"”]|['’](?=[a-z]))*?['’\"”](?=[\s?.,:;!)]|$)")
#: "When was that?", "Where did this happen?": a question word asked of what the previous turn told.
_EVENT = re.compile(r"^\W*(?:(?:and|so|but|ok|okay)\W+)*(when|where|why|how)\s+(?:was|is|were|did|does)\s+"
                    r"(?:that|this)(?:\s+(?:happen|happened|take\s+place|occur))?\W*$", re.I)


def _title_swap(question: str, new: re.Match, turn: Turn) -> str | None:
    """The previous question with its quoted title replaced by the one ``question`` quotes (``new``,
    its ``_TITLE`` match) and otherwise only points with ("And the piece titled 'China's AI
    Revolution ...'?" after "Which outlet published 'Chinese Tech Companies ...'?"); None when the
    previous question quotes no title or the question asks something of its own."""
    old = _TITLE.search(turn.question)
    if old is None:
        return None
    rest = strip_opener(question[:new.start()] + " " + question[new.end():])
    rest = re.sub(r"^\W*(?:what|how)\s+about\b", "", rest, flags=re.I)
    if any(w.lower() in WH_WORDS or w.lower() in AUXILIARIES for w in words(rest)) or len(words(rest)) > 5:
        return None
    return turn.question[:old.start()] + new.group(0) + turn.question[old.end():]


def _wh_split(question: str) -> tuple[str, str, str]:
    """(wh-phrase, the word after it, the rest) of a question: "At which conference", "did",
    "Qu Dongqi show an AI-generated video?"; ("", "", question) without a question word."""
    m = re.match(r"^\W*((?:\w+\s+){0,2}?(?:what|which|who|whom|whose|when|where|why|how)\b(?:\s+(?:many|much|long|old))?"
                 r"((?:\s+(?!(?:" + "|".join(AUXILIARIES) + r")\b)[\w.’'-]+){0,12}?))\s+(" + "|".join(AUXILIARIES)
                 + r")\b\s*(.*)$", question, re.I)
    if m:
        return m.group(1), m.group(3).lower(), m.group(4)
    end = wh_head(question)[0]
    if end:
        m = re.match(r"\s*(\w+)\s*(.*)$", question[end:])
        return question[:end].strip(), m.group(1), m.group(2)
    m = re.match(r"^\W*((?:\w+\s+){0,2}?(?:what|which|who|whose))\s+(\w+)\s*(.*)$", question, re.I)
    if m:
        return m.group(1), m.group(2), m.group(3)
    return "", "", question


def complete_ellipsis(fragment: str, turn: Turn) -> str:
    """The previous question with its question word replaced by ``fragment`` ("When?" after
    "Where did Wang Changhu found AIsphere?" -> "When did Wang Changhu found AIsphere?").

    Where the earlier question asked for the subject ("Which company released ChatGPT?"), its
    answer takes that place ("When was it that OpenAI released ChatGPT?"); where it asked for an
    object, the answer is put back as the object ("In which years did AlphaGo defeat two of the
    top players ...?")."""
    frag = fragment.strip().rstrip("?.! ")
    wh, verb, rest = _wh_split(turn.question)
    rest = rest.rstrip("?.! ")
    if not any(w.lower() in WH_WORDS for w in words(frag)):
        # "And the author?" after "Who translated the article ...?": the same question, about that.
        return f"{frag[:1].upper() + frag[1:]}: {turn.question}"
    if not wh:
        asked = turn.question.strip().rstrip("?.! ")
        first = asked.split(maxsplit=1)[0].lower() if asked else ""
        if first in AUXILIARIES:
            # "How quickly?" after "Did 01.AI release a new version ...?": the yes-or-no question
            # asked with the question word.
            return f"{frag} {asked[:1].lower()}{asked[1:]}?"
        return f"{frag} ({asked})?"
    filler = turn.answer.text if turn.answer else (turn.value or "")
    lead = wh.split()
    asked_what = lead[0].lower() in ("what", "which", "who", "whom", "how") and not re.match(
        r"how\s+(?!many|much)", wh, re.I)
    if verb in AUXILIARIES:
        if asked_what and verb not in ("is", "are", "was", "were"):
            noun = re.sub(r"^\W*(?:what|which|who|whom)\s*|^how\s+(?:many|much)\s*", "", wh, flags=re.I)
            if filler and re.match(r"how\s+(?:many|much)", wh, re.I):
                obj = f"{filler} {noun}".strip()
            else:
                obj = filler or (f"the {noun}" if noun else "")
            return f"{frag} {verb} {rest} {obj}".rstrip() + "?"
        return f"{frag} {verb} {rest}?"
    subject = filler or re.sub(r"^\W*(?:what|which)\b", "the", wh, flags=re.I)
    return f"{frag} was it that {subject} {verb} {rest}?"


#: A name with a possessive "’s" ("Andrew Ng's").
_POSSESSIVE = re.compile(r"(.+?)['’]s")


#: A name set before the question it is about ("And Andrew Ng, what was his earlier role?", "what
#: about PixVerse - what does it make videos from?"): the topic, then the question.
_TOPIC = re.compile(r"^\W*(?:(?:and|so|but|ok|okay|also|now)\W+)*(?:(?:what|how)\s+(?:about|abt)\s+)?"
                    r"(?P<topic>[^,—–?]+?)\s*(?:,|—|–|\s-\s)\s*"
                    r"(?P<rest>(?:what|which|who|whom|whose|when|where|why|how)\b.*)$", re.I)
#: The words a topic's name is made of: capitalised, possessive ("Baidu's Robin Li"), or joining.
_NAME_WORD = re.compile(r"(?:[A-Z0-9][\w.’'-]*|of|de)")


def topic_question(question: str) -> str | None:
    """The question a name set before it is about, its first pronoun taking the name ("And Baidu's
    Robin Li, why is he cautious?" -> "Why is Baidu's Robin Li cautious?"); None when nothing is
    set before the question or what is set there is no name alone (an opening phrase such as "In
    his email, ..." gives a pronoun nothing)."""
    m = _TOPIC.match(question)
    if m is None:
        return None
    topic = m.group("topic").strip()
    parts = topic.split()
    if not 1 <= len(parts) <= 4 or not has_name(topic) or not all(_NAME_WORD.fullmatch(w) for w in parts):
        return None
    rest = m.group("rest")
    refs = [r for r in references(rest) if r.kind != "place" and not r.noun]
    if not refs:
        return None
    ref = refs[0]
    out = rest[:ref.start] + replacement(ref, topic) + rest[ref.end:]
    return out[:1].upper() + out[1:]


def _swapped_in(fragment: str) -> tuple[str, bool]:
    """(the name a "What about X?" puts in, whether X was a possessive): X without a possessive
    ("Andrew Ng's" -> "Andrew Ng", the previous question keeps its own "’s") and without "the ...
    one" ("the Future Forward one" -> "Future Forward")."""
    new = fragment.strip()
    owner = bool(_POSSESSIVE.fullmatch(new))
    one = re.fullmatch(r"(?:the\s+)?(.+?)\s+one", new, re.I)
    if one and has_name(one.group(1)):
        new = one.group(1)
    possessive = _POSSESSIVE.fullmatch(new)
    return (possessive.group(1) if possessive and has_name(possessive.group(1)) else new), owner


def _swap_target(new: str, turn: Turn, common: frozenset[str], category=None) -> list[str]:
    """The names of the previous question that ``new`` may replace: those of the same kind (a
    person for a person), and among several, those of the same category when ``category(name)``
    tells ("ChatGPT" for "PixVerse", both products, not for "AIsphere", an organisation)."""
    person = person_like(new, common)
    same = [m.text for m in turn.names if m.person == person]
    if len(same) > 1 and category is not None and (want := category(new)):
        same = [t for t in same if category(t) == want] or same
    return same or [m.text for m in turn.names]


def read_question(question: str, turns: list[Turn], common_words: frozenset[str] = frozenset(),
                  category=None) -> list[Reading]:
    """The readings of ``question`` given the earlier ``turns`` (latest first): one reading, the
    question itself, when it stands on its own; several when the rules leave a choice the reader
    should make (an entity swap with two names of the same kind and category); a reading with a
    ``problem`` when a reference cannot be settled. ``category(name)`` says what kind of thing a
    name is ("organisation", "product"; None when unknown)."""
    if not turns:
        return [Reading(question)]
    topical = topic_question(question)
    if topical is not None:
        return [Reading(topical, turns[0].index)]
    quoted = _TITLE.search(question)
    titled = _title_swap(question, quoted, turns[0]) if quoted else None
    if titled is not None:
        return [Reading(titled, turns[0].index)]
    event = _EVENT.match(question)
    if event is not None:
        # "When was that?" after "Did 01.AI top a ranking ...?": when did what it told happen.
        return [Reading(complete_ellipsis(event.group(1).capitalize(), turns[0]), turns[0].index)]
    rest = strip_opener(question)
    opened = rest.lower() != question.strip().lower()
    swap = _SWAP.match(question)
    bare = rest.rstrip("?.! ")
    if swap is None and opened and has_name(rest) and not any(
            w.lower() in WH_WORDS or w.lower() in AUXILIARIES for w in words(bare)) and len(words(bare)) <= 5:
        swap = re.match(r"^(.*)$", bare)  # "And Sora?"
    if swap and has_name(swap.group(1)):
        (new, owner), last = _swapped_in(swap.group(1)), turns[0]
        targets = _swap_target(new, last, common_words, category)
        if not targets:
            return [Reading(f"{swap.group(1).strip()}: {last.question}", last.index)]
        if owner:
            # "And Andrew Ng's?": the name whose thing the previous question asked about.
            targets = [t for t in targets if re.search(rf"{re.escape(t)}['’]s\b", last.question)] or targets
        return [Reading(re.sub(re.escape(t), new, last.question, count=1), last.index) for t in targets[:3]]
    refs = references(question)
    if refs:
        return [substitute(question, refs, turns, category)]
    if swap or _ELLIPSIS.match(bare) or (opened and not any(w.lower() in WH_WORDS or w.lower() in AUXILIARIES
                                                           for w in words(bare)) and len(words(bare)) <= 4):
        fragment, last = (swap.group(1) if swap else rest), turns[0]
        return [Reading(complete_ellipsis(fragment, last), last.index)]
    return [Reading(question)]
