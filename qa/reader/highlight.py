"""Where the value a question asks for sits inside a sentence: typed value patterns (dates,
numbers, names), clean name spans, and ``answer_span``, the words highlighted in a citation.
Pure functions over strings; offsets are relative to the string passed in.
"""

from __future__ import annotations

import re

from qa.lexicon.en import (
    CARDINALS,
    CENTURY,
    ERA_YEAR,
    MONTHS,
    NUMBER_WORDS,
    UNITS,
    WEEKDAY,
)
from qa.reader.kinds import COUNTED, FOCUS, expected_type

PATTERNS: dict[str, re.Pattern] = {
    "date": re.compile(
        rf"\b(?:{MONTHS}\.? \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?|\d{{1,2}}(?:st|nd|rd|th)? {MONTHS}(?: \d{{4}})?|"
        rf"{MONTHS} \d{{4}}|(?:early |mid-|late )?(?:1\d|20)\d{{2}}s?|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{4}}|"
        rf"(?:last|this|next) (?:week|month|year)|(?:yesterday|today)|"
        # A century ("the 16th century", "the mid-eighteenth century"), an era year ("800 CE"), a
        # time of day ("2:45 a.m."), a day of the week ("on Monday", "on Wednesdays").
        rf"(?:early |mid-|late |first half of the |second half of the )?{CENTURY}|"
        rf"{ERA_YEAR}|\d{{1,2}}:\d{{2}}(?: ?[ap]\.m\.?)?|"
        rf"(?-i:{WEEKDAY}s?)|"
        # A month on its own ("In November, ..."), only capitalised: "may" and "march" are verbs.
        rf"(?-i:January|February|March|April|May|June|July|August|September|October|November|December))\b",
        re.I),
    "number": re.compile(
        # Digits with an optional unit, or number words only when a unit follows ("two-minute",
        # "eight months"): a bare "one" is usually "one of the ...", not a quantity.
        rf"(?:US)?\$?\b(?:\d[\d,]*(?:\.\d+)?(?:[ -]?(?:to|-|or)[ -]?\d[\d,]*(?:\.\d+)?)?(?:[ -]?{UNITS})?|"
        rf"{NUMBER_WORDS}(?:[ -]?(?:to|-|or)[ -]?{NUMBER_WORDS})?[ -]?{UNITS})",
        re.I),
    # Runs of capitalised words (names of people, companies, places, products), allowing
    # connectors like "of" / "de" and tokens such as "01.AI", "GPT-4o", "Yi-Large".
    "name": re.compile(
        r"\b(?:[A-Z0-9][\w.’'&-]*[A-Za-z0-9]|[A-Z])(?:\s+(?:(?:of|de|la|van|von|and|&)\s+)?"
        r"(?:[A-Z0-9][\w.’'&-]*[A-Za-z0-9]|[A-Z]))*"),
}

#: Between a name and the class noun that describes it: ", a Chinese internet " (company).
_APPOSITION = re.compile(r",\s+(?:a|an|the)\s+(?:(?!(?:at|of|in|on|for|with|from|by|to|who|which|that)\s)[\w’'-]+\s+){0,3}",
                         re.I)

#: A number written as a word, standing alone ("two", "Twelve"): a count without a unit.
_COUNT_WORD = re.compile(rf"\b(?:{CARDINALS})\b", re.I)

YEAR = re.compile(r"(?:1\d|20)\d{2}")

_STOP_CAPS = {"The", "A", "An", "In", "On", "At", "But", "And", "It", "Its", "This", "That", "These",
              "Those", "He", "She", "They", "We", "I", "As", "For", "By", "If", "When", "While",
              "With", "After", "Before", "Although", "Even", "However", "Some", "Many", "Most",
              "One", "Last", "Today", "There", "Such", "According", "Meanwhile", "Despite", "Then"}

#: A lone capitalised word that is an adjective of nationality or origin ("Chinese", "American",
#: "European"), not the name of anyone or anything: "a Chinese internet company" names no company.
_DEMONYM = re.compile(r"[A-Z][a-z]+(?:ese|ish|ian|ean|ican)|French|Dutch|Greek|Thai|Swiss|Arab|Welsh")

def is_demonym(word: str) -> bool:
    """Whether ``word`` is an adjective of nationality or origin ("Chinese", "American", "French")."""
    return _DEMONYM.fullmatch(word) is not None

#: Closed-class words (prepositions, conjunctions, pronouns, determiners, sentence adverbs) that
#: are capitalised only because they open a sentence, a quotation or a clause after a colon:
#: "Within just six months, ...", "“It’s simply not possible ...”". Apostrophes are straight.
_OPENERS = frozenset("""
about above across after against along amid amidst among amongst around as at before behind below
beneath beside besides between beyond but by despite down during except for from in inside into
like near of off on onto out outside over past per since than though through throughout till to
toward towards under underneath unlike until up upon via with within without and or nor so yet
also still instead indeed moreover furthermore nevertheless nonetheless thus hence therefore
otherwise perhaps maybe now today yesterday tomorrow earlier later already often sometimes
recently currently finally here there where whether unless because although whereas once while
it it's its he he's his him she she's her they they're their them we we're our us you your i i'm
my me this that that's these those there's what who whom whose which how why when all each every
both either neither any few several more most only just very not no none some such other another
is was are were be been has have had do does did
""".split())

#: What may stand before a word that opens a sentence, a quotation or a clause.
_OPENING = re.compile(r"(?:^|[.!?:;—–(\[“‘\"'])\W*$")

def _opens(text: str, start: int, word: str) -> bool:
    """Whether ``word`` at ``start`` is a closed-class word capitalised because it comes first."""
    return (word.replace("’", "'").lower() in _OPENERS
            and _OPENING.search(text, 0, start) is not None)

def _clean_name(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Trim sentence-initial function words off a capitalised run; None if nothing is left (or
    only an adjective of nationality is)."""
    words = text[start:end].split()
    while words and (words[0] in _STOP_CAPS or _opens(text, start, words[0])):
        start = text.index(words[0], start) + len(words[0])
        while start < end and text[start].isspace():
            start += 1
        words = words[1:]
    if not words:
        return None
    # A trailing bare number is not part of the name ("Carolina Panthers 24").
    while len(words) > 1 and re.fullmatch(r"[\d.,–-]+", words[-1]):
        end = text.rindex(words[-1], start, end)
        while end > start and text[end - 1].isspace():
            end -= 1
        words = words[:-1]
    while end > start and text[end - 1] in ".’'":
        end -= 1
    value = text[start:end]
    if end <= start or _DEMONYM.fullmatch(value):
        return None
    # A number or a date is no name ("1538", "1-yard", "30 November 1963").
    if not any(ch.isupper() for ch in value) or PATTERNS["date"].fullmatch(value):
        return None
    return start, end

def _spells_out(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is an acronym in brackets after the words it abbreviates:
    "artificial intelligence (AI)" names nothing the words before it do not."""
    acronym = text[start:end]
    if not (acronym.isalpha() and acronym.isupper() and 2 <= len(acronym) <= 6
            and text[start - 1:start] == "(" and text[end:end + 1] == ")"):
        return False
    before = re.findall(r"[^\W\d_]+", text[max(0, start - 80):start - 1])[-len(acronym):]
    return "".join(w[0] for w in before).upper() == acronym

def value_spans(sentence: str, kind: str) -> list[tuple[int, int]]:
    """Spans of ``sentence`` holding values of ``kind``, in order, without overlaps."""
    pattern = PATTERNS.get(kind)
    if pattern is None:
        return []
    out = []
    for m in pattern.finditer(sentence):
        s, e = m.span()
        if s == e or not sentence[s:e].strip():
            continue
        if kind == "name" and _spells_out(sentence, s, e):
            continue
        if kind == "name":
            # "Kuaishou’s Kling AI" names two things: the owner and what it owns.
            for a, b in _split_modifiers(sentence, s, e):
                span = _clean_name(sentence, a, b)
                if span is not None and sentence[span[1]:span[1] + 1] != "$":  # "US$1": a currency
                    out.append(span)
            continue
        elif kind == "number" and not re.search(r"\d|[a-z]", sentence[s:e], re.I):
            continue
        elif kind == "number" and (re.search(r"[A-Za-z]-?$", sentence[max(0, s - 2):s])
                                   or re.match(r"\.?[A-Za-z]", sentence[e:e + 2])):
            continue  # part of a name: "01.AI", "GPT-4o"
        out.append((s, e))
    return out

_POSSESSIVE = re.compile(r"['’]s\s+")

def _split_possessive(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``text[start:end]`` cut at each possessive "’s " into (start, end) pieces, without the
    "’s" ("OpenAI’s Sora" -> "OpenAI", "Sora")."""
    pieces = []
    for m in _POSSESSIVE.finditer(text, start, end):
        pieces.append((start, m.start()))
        start = m.end()
    pieces.append((start, end))
    return [(a, b) for a, b in pieces if b > a]

#: A name that ends in a lower-case word after a hyphen is an adjective made of it: "U.S.-built",
#: "Chinese-developed", "Beijing-based" (not "Yi-Large", "GPT-4o").
_MODIFIER_SUFFIX = re.compile(r"(?<=[\w.])-[a-z]+\b")

def _split_modifiers(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``_split_possessive``'s pieces, each cut where a hyphen joins a lower-case word to a name
    ("U.S.-built A.I." -> "U.S.", "A.I."), without that word."""
    pieces = []
    for a, b in _split_possessive(text, start, end):
        for m in _MODIFIER_SUFFIX.finditer(text, a, b):
            pieces.append((a, m.start()))
            a = m.end()
            while a < b and text[a].isspace():
                a += 1
        pieces.append((a, b))
    return [(a, b) for a, b in pieces if b > a]

def word_set(text: str) -> set[str]:
    """Lower-cased words, read without periods: "U.S." is the question's "US"; "01.AI" is "01ai"
    in the question and the sentence alike."""
    return {w.lower() for w in re.findall(r"\w+", text.replace(".", ""))}

#: A token holding a digit ("50", "GPT-4o", "H100").
CODE_TOKEN = re.compile(r"\b[\w.-]*\d[\w.-]*\b")

#: Words that give something a name, capitalised or not ("is called primality", "known as
#: online pharmacies", "under the name Sky Digital").
GIVES_NAME = re.compile(r"\b(?:called|named|dubbed|termed|known as|referred to as|the name|its name)\b", re.I)

#: What comes between "by" and the agent a passive names: a few words, no clause break.
_AGENT = re.compile(r"\bby\s+(?:[\w'’-]+\s+){0,4}$", re.I)


def answer_span(question: str, sentence: str) -> tuple[int, int] | None:
    """The span of ``sentence`` most likely to answer ``question``, or None.

    Candidates are values of the type the question asks for that the question does not already
    contain; among them, the one nearest to where the question's words occur in the sentence wins.
    """
    kind = expected_type(question)
    if kind is None:
        return None
    asked = word_set(question)
    # A value made mostly of the question's own words is what the question is about, not its
    # answer ("Super Bowl XLIV" for "What city is tied with Miami for hosting the Super Bowl?").
    # The class the question asks for ("Which *media group* published ...?") is often part of the
    # answer's name ("ICARO Media Group"): its words do not make a value the question's own.
    focus = FOCUS.search(question)
    named = asked - word_set(focus.group(1)) if focus else asked
    named4 = {w[:4] for w in named if len(w) > 3}

    def own(span: tuple[int, int]) -> bool:
        words = word_set(sentence[span[0]:span[1]])
        if kind != "name":
            return words <= asked  # "30 frames per second" answers "How many frames per second"
        long = {w[:4] for w in words if len(w) > 3}  # "Bowls" is the question's "Bowl"
        return words <= named or len(long & named4) * 2 > len(long)

    spans = value_spans(sentence, kind)
    counted = COUNTED.search(question) if kind == "number" else None
    if counted and counted.group(1).lower() == "many":
        # "How many ...?" may be answered by a number word alone ("two", "eight"); "one" is too
        # often "one of the ..." to count.
        taken = [range(a, b) for a, b in spans]
        spans = sorted(spans + [m.span() for m in _COUNT_WORD.finditer(sentence)
                                if not any(m.start() in r for r in taken)])
    candidates = [span for span in spans if not own(span)]
    if not candidates:
        return None
    # What the question counts ("How many *hymns* ...?"), matched on a 4-letter prefix.
    things = {w.lower()[:4] for w in (counted.group(2).split()[:1] if counted else ()) if len(w) > 2}
    # Words of the question located in the sentence, matched on a 4-letter prefix so that
    # "valued" finds "valuation" and "founded" finds "co-founded".
    prefixes = {w[:4] for w in asked if len(w) > 3}
    anchors = [m.start() for m in re.finditer(r"\w+", sentence)
               if len(m.group(0)) > 3 and m.group(0).lower()[:4] in prefixes]
    money = kind == "number" and re.search(r"\b(?:how much|cost|price|valu|worth|raise|fund)", question, re.I)

    person = kind == "name" and re.search(r"\bwho(?:m|se)?\b", question, re.I)

    # Where the sentence names the class asked for ("... venture capital *firm* Page One
    # Ventures", "Kuaishou, a Chinese internet *company*"): the value beside it is an instance.
    classes = []
    if focus is not None:
        head = focus.group(1).split()[-1].lower()[:4]
        classes = [m for m in re.finditer(r"\w+", sentence) if m.group(0).lower()[:4] == head]

    def beside_class(span: tuple[int, int]) -> bool:
        for m in classes:
            if 0 <= span[0] - m.end() <= 2:
                return True  # "firm Page One Ventures"
            gap = sentence[span[1]:m.start()]
            if _APPOSITION.fullmatch(gap):
                return True  # "Kuaishou, a Chinese internet company", not "..., an investor at ... firm"
        return False

    def distance(span: tuple[int, int]) -> float:
        d = min((min(abs(span[0] - a), abs(span[1] - a)) for a in anchors), default=0)
        if beside_class(span):
            d -= 40
        if things:
            after = re.findall(r"[^\W\d_]+", sentence[span[1]:span[1] + 25])[:3]
            inside = re.findall(r"[^\W\d_]+", sentence[span[0]:span[1]])
            if any(w.lower()[:4] in things for w in inside + after):
                d -= 40  # "18 hymns", "a 39-yard field goal"
            if YEAR.fullmatch(sentence[span[0]:span[1]].strip(",. ")):
                d += 40  # a year is seldom a count
        if person and len(sentence[span[0]:span[1]].split()) >= 2:
            d -= 30  # people are usually named with two or more words
        if person and _AGENT.search(sentence[max(0, span[0] - 60):span[0]]):
            d -= 500  # who did it: the agent a passive names ("created by the ... company Kuaishou")
        if money and re.search(r"[$€£¥]|million|billion|trillion|dollar|euro|yuan", sentence[span[0]:span[1]], re.I):
            d -= 1000  # a question about money wants the amount, wherever it is
        return d

    return min(candidates, key=distance)
