"""Whether a sentence names the thing a question asks the name of, or only speaks of it unnamed.

"What is the name of the bill US lawmakers drafted ...?" is not answered by "A group of US lawmakers
has drafted a bill that would provide controls ...": the sentence introduces *a* bill and gives it
no name. When the passage closest to the question speaks of the asked thing that way, the corpus
most likely never names it (a text that names a thing usually does so where it introduces it: "a
bill called ...", "ChatGPT, a chatbot", "the online chatbot ChatGPT"). Pure functions over strings.
"""

from __future__ import annotations

import re

#: "What is the (official) name of <NP> ...?", "What were the names of <NP> ...?"
_NAME_OF = re.compile(r"\bnames?\s+of\s+(?P<np>[^?]*)", re.I)
#: "What is <NP> called / named?"
_CALLED = re.compile(r"\bwhat(?:['’]s|\s+(?:is|was|are|were))\s+(?P<np>.+?)\s+(?:called|named|dubbed)\W*$", re.I)
#: Words that open a noun phrase before its nouns.
_DETERMINERS = frozenset("the a an this that these those its their his her our your".split())
#: Words that end a noun phrase: prepositions, relative words, auxiliaries, conjunctions.
_ENDS_PHRASE = frozenset("""
of in on at for to from by with about into over under after before during since than as that which
who whom whose where when why how is was are were be been has have had do does did will would can
could should may might must and or but if used made
""".split())
#: An indefinite opening that introduces a thing without naming it: "a bill", "an app", "two of
#: the top players", "another chatbot". Not "some" or "several": a vague plural is often the
#: crowd the named ones stand out of ("several players dove for it ... recovered by Ward").
_INDEFINITE = r"(?:an?|another|(?:one|two|three|four|five|six|seven|eight|nine|ten) of the)"
#: "orientalism is *a view* of ...", "he went there *as a player*": a predicate, not a thing the
#: sentence introduces; its subject is what it describes.
_PREDICATE = re.compile(r"\b(?:is|was|are|were|be|been|being|becomes?|became|remains?|remained|as)\s+$", re.I)
#: Words of a phrase that are no noun: participles ("the rock *found* during ...", "Baidu's
#: chatbot *mentioned* by ..."), ordinals and number words ("the *third*, permanent church").
_NOT_NOUNS = re.compile(r"[a-z-]+ed|found|made|built|known|taken|given|shown|held|led|run|won|seen|"
                        r"written|done|said|told|brought|bought|sold|sent|left|kept|begun|"
                        r"first|second|third|fourth|fifth|last|next|other|same|one|two|three|four|five")
#: What names the thing right after it is introduced: "called", "named", "dubbed", "known as", a
#: capitalised name in apposition or in brackets ("a bill, the CHIPS Act,", "a router (Sky Q Hub)").
#: A few lower-case words may complete the phrase first: "a large language model for creating
#: chatbots, Yi-Large ...".
_NAMED_AFTER = re.compile(r"^[\w’'-]*(?:\s+[a-z][\w’'-]*){0,4}?(?:\s+(?:called|named|dubbed|titled|known as|nicknamed)\b|"
                          r"\s*[,(:]\s*(?:the\s+)?[A-Z0-9“\"])")
#: A name right before, in apposition: "ChatGPT, a chatbot", "Kling, a video generator".
_NAMED_BEFORE = re.compile(r"(?:[A-Z0-9][\w.’'&-]*|[”\"])\s*,\s*$")


def asked_class(question: str) -> tuple[str, ...]:
    """The lower-case nouns that may head the phrase a question asks the name of ("What is the
    name of Baidu's chatbot?" -> ("chatbot",); "What is the name of the bill US lawmakers drafted
    ...?" -> ("bill", "lawmakers")); () when the question asks for no name of a thing.

    A noun followed by another noun of the phrase modifies it ("What is Kuaishou's video tool
    called?" -> ("tool",)). Without a parser some nouns are lost (a word ending in "-ed", or in
    "-ing" after the first, is read as a participle): the rule then does not apply, the safe side."""
    m = _NAME_OF.search(question) or _CALLED.search(question)
    if not m:
        return ()
    words: list[str] = []
    for token in m.group("np").split():
        word = token.strip("“”\"',.;:!?()")
        low = word.lower()
        if low.endswith(("’s", "'s")):
            words = []  # "Baidu's chatbot", "the company's chatbot": the phrase is what is owned
            continue
        if not words and low in _DETERMINERS:
            continue
        if low in _ENDS_PHRASE:
            if low == "than" and words:
                words.pop()  # "numbers greater than 1": a comparative, no noun
            break
        words.append(word)
        if word != token:
            break  # punctuation after it ends the phrase
    # A word in "-ing" is a noun where the phrase begins ("the ranking of ..."), a participle after
    # one ("the company making ...").
    nouns = [bool(re.fullmatch(r"[a-z][a-z-]+", w)) and not _NOT_NOUNS.fullmatch(w)
             and not (i and w.endswith("ing")) for i, w in enumerate(words)]
    return tuple(w for i, w in enumerate(words) if nouns[i] and not (i + 1 < len(words) and nouns[i + 1]))


def _mentions(noun: str) -> re.Pattern:
    """A mention of ``noun``, singular or plural, as a whole word."""
    stem = noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun
    return re.compile(rf"\b{re.escape(stem)}(?:s|es)?\b", re.I)


def introduces_unnamed(nouns: tuple[str, ...], text: str) -> str | None:
    """A noun of ``nouns`` that ``text`` speaks of only as something unnamed ("drafted *a bill*
    that would ...", "a chatbot’s digital mouth"): every mention of it opens with an indefinite
    word and is neither followed nor preceded by a name for it. None when ``text`` mentions no
    noun of ``nouns`` that way (never, definitely as in "the bill", or with its name)."""
    for noun in nouns:
        mentions = list(_mentions(noun).finditer(text))
        if mentions and all(_unnamed(text, m.start(), m.end()) for m in mentions):
            return noun
    return None


def _unnamed(text: str, start: int, end: int) -> bool:
    """Whether the mention ``text[start:end]`` opens with an indefinite word (up to three lower-case
    modifiers between) and has no name beside it."""
    opener = re.search(rf"\b{_INDEFINITE}\s+(?:(?!(?:the|of)\b)[a-z][\w’'-]*\s+){{0,3}}$", text[:start], re.I)
    return (opener is not None and not _PREDICATE.search(text[:opener.start()])
            and not _NAMED_AFTER.match(text[end:]) and not _NAMED_BEFORE.search(text[:opener.start()]))
