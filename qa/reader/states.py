"""Whether a sentence states a value of the kind a question asks for (a sum of money, a year, an
age, a count of the asked thing, ...), and whether it names the asked role of an organisation.
"""

from __future__ import annotations

import re

from qa.lexicon.en import CENTURY, ERA_YEAR, MONTHS, NUMBER_WORD, TIME_UNITS, WEEKDAY
from qa.reader.highlight import (
    CODE_TOKEN,
    GIVES_NAME,
    PATTERNS,
    YEAR,
    value_spans,
    word_set,
)
from qa.lexicon.en import PERSON_NOUNS
from qa.reader.kinds import ROLE_NAMES, counted_action, counted_phrase, described_person, says_any

#: A number of things ("two", "a dozen", "half"); "one of the ..." names one thing, not a number.
_ANY_NUMBER = re.compile(
    rf"\d|\b(?:one(?!\s+of\b)|{NUMBER_WORD}|hundreds|thousands?|millions?|billions?|"
    r"dozens|several|few|single|once|twice|both|none|couple|handful|half|halves|quarters?|thirds?)\b", re.I)

_COUNTING = re.compile(r"\b\d[\d,.]*\s+(?!(?:the|a|an|and|or|to|in|on|at|of|for|by|with|as|it|he|she|they|"
                       r"we|was|were|is|are|when|after|before|that|this|its|his|her|their)\b)[a-z]")

_YEARS = rf"\b[12]\d{{3}}s?\b|\b{ERA_YEAR}\b|\b{CENTURY}\b"

_STATES = {
    # A sum, a change in one given as a percentage ("an almost 500% increase in revenue"), or a
    # comparison of prices ("more expensive").
    # A sum may go without its currency: "promised billions", "raised 40 million".
    "money": re.compile(r"[$€£¥%]|\b(?:dollars?|cents?|euros?|pounds?|yen|yuan|renminbi|RMB|USD|francs?|"
                        r"rupees?|pesos?|free|per ?cent|cheap\w*|\w*expensive|costl\w+|pric(?:ier|ey|y)|"
                        r"(?:millions|billions|trillions)(?! of (?!dollars|yuan|euros))|"
                        r"\d[\d,.]*\s*(?:million|billion|trillion))\b", re.I),
    "year": re.compile(rf"{_YEARS}|\b(?:last|this|next|that|same) year\b", re.I),
    "percentage": re.compile(r"%|\bper ?cent|\b(?:half|quarter|third|fifth|tenth)s?\b|\bmajority\b|\ball\b|"
                             r"\bnone\b", re.I),
    # A number with a unit of time or length ("two-minute", "6,400 km", "for decades"), or when it
    # began or ended ("since 1979", "from 1964 to 1969").
    "length of time": re.compile(
        r"(?:\d[\d,.]*|\b(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|"
        r"twenty|thirty|forty|fifty|hundred|several|few|many)\b)[ -]?(?:[\w-]+ )?(?:centur|decade|years?\b|"
        r"months?\b|weeks?\b|days?\b|hours?\b|minutes?\b|seconds?\b|km\b|kilomet|miles?\b|met(?:er|re)s?\b|"
        rf"feet\b|foot\b|inch|cm\b|mm\b|yards?\b)|\b(?:centuries|decades|years|months|weeks|days|hours|minutes|seconds)\b|"
        rf"{_YEARS}", re.I),
    # A day ("May 3, 2013", "9 October 2006", "on Thursday"), not only a month or a year.
    "day": re.compile(rf"\b{MONTHS}\.? \d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{MONTHS}\b|"
                      rf"\d{{4}}-\d{{2}}-\d{{2}}|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b|(?-i:{WEEKDAY})|"
                      r"\byesterday\b|\btoday\b|\bChristmas|\bNew Year", re.I),
    # An age, or how long something has been around ("at age 39", "had only been around for eight
    # months", "dating to 1338").
    "age": re.compile(r"\b(?:aged?|born)\b|-year-old|\byears? old\b|\bin (?:his|her|their) (?:early |mid-|late )?"
                      r"(?:teens|twenties|thirties|forties|fifties|sixties|seventies|eighties|\d0s)\b", re.I),
    # A date, or a year of three digits ("in 911").
    "date": re.compile(rf"{PATTERNS['date'].pattern}|\b(?:in|since|from|by|until|of)\s+\d{{3}}\b", re.I),
    # A date, a season or a time of day, or an event or span that places it ("after the war",
    # "in recent weeks", "a year after the launch", "recently").
    "time": re.compile(
        rf"{PATTERNS['date'].pattern}|{_YEARS}|\d+(?:st|nd|rd|th)\b|\b\d{{1,2}} ?[ap]\.m\b|"
        r"\b(?:after|before|during|since|until|till|following|when|while|once|upon|ago|earlier|later|recent|"
        rf"recently|now|today|yesterday|tomorrow|then|{TIME_UNITS}|minutes?|morning|evening|night|noon|"
        r"midnight|spring|summer|autumn|fall|winter|season|era|age|period|reign|time|times|first|last|previous|next|early|late|mid|beginning|end|start|immediately|"
        r"soon|eventually|finally|initially|originally|war|dynasty)\b", re.I),
    "university": re.compile(r"Universit|College|Institute|School|Academy|studied|graduat|alumn|degree|"
                             r"attended|enrolled", re.I),
    "headquarters": re.compile(r"headquarter|based|located|offices?\b|\bHQ\b|\bhome\b", re.I),
}

#: A number that measures rather than counts: with a unit ("two-minute", "1080p", "6,400 km"),
#: as a rate ("30 frames per second") or as money ("$10"). "How many users ...?" is not
#: answered by "two-minute videos at 1080p resolution and 30 frames per second".
_MEASURE_UNITS = (r"p|fps|(?:nano|micro|milli)?seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|"
                  r"weeks?|months?|years?|decades?|centur(?:y|ies)|km|kilomet(?:er|re)s?|miles?|met(?:er|re)s?|cm|mm|"
                  r"feet|foot|ft|inch(?:es)?|yards?|kg|kilograms?|grams?|g|lbs?|pounds?|tons?|tonnes?|[kmgt]b|"
                  r"(?:kilo|mega|giga|tera)?bytes?|bits?|[kmg]?hz|[km]?w|watts?|volts?|degrees?|acres?|hectares?")

_MEASURED = re.compile(
    rf"[$€£¥]\s?\d[\d,.]*(?:\s*(?:million|billion|trillion|bn)\b)?|"
    rf"(?:\b\d[\d,.]*|\b(?:{NUMBER_WORD}))"
    rf"(?:[ -]?(?P<unit>{_MEASURE_UNITS})(?!\w)|\s+(?P<rated>[a-z]+)\s+per\s+[a-z]+)", re.I)

#: Digits that are part of a name or a code, not a number of anything: "01.AI", "GPT-4o",
#: "Llama-3", "1080p", "5G". A count with a multiplier ("300k users") is kept.
_IN_A_NAME = re.compile(r"\b[A-Za-z][\w]*-\d[\w.]*|\b\d+\.?(?!(?:k|m|bn|b)\b)[A-Za-z][\w.-]*", re.I)

#: A number word capitalised after another capitalised word is part of a name too: "Page One
#: Ventures", "Formula One", "Air Force One".
_WORD_IN_A_NAME = re.compile(
    r"\b([A-Z][\w.’'&-]*\s+)(?:"
    + "|".join(w.title() for w in f"one|{NUMBER_WORD}".split("|")) + r")\b")

def _counts_only(question: str, text: str) -> str:
    """``text`` without the numbers that measure something other than what the question counts
    ("How many minutes ...?" keeps "two-minute")."""
    counted = {w.lower().rstrip("s") for w in counted_phrase(question)[1]}

    def keep(m: re.Match) -> str:
        unit = (m.group("unit") or m.group("rated") or "").lower().rstrip("s")
        return m.group(0) if unit and unit in counted else " "
    return _MEASURED.sub(keep, text)

#: Words that say something has lived or existed for a time.
_EXISTED = re.compile(r"\b(?:aged?|born|old|older|oldest|young|younger|lived|been around|existed|existence|in business|"
                      r"founded|established|since|dat(?:e|es|ed|ing) (?:back|to|from))\b", re.I)

_AGO = re.compile(rf"\b[\w-]+\s+(?:[\w-]+\s+)?(?:{TIME_UNITS})\s+ago\b", re.I)

def states_role(role: str, organisation: str, text: str) -> bool:
    """True when ``text`` names the role (or another name for it: "CEO" / "chief executive"; "coach"
    finds "coached") and the organisation's first word."""
    lower, role = text.lower(), role.lower()
    names = ROLE_NAMES.get(role) or ((role,) if role.startswith("chief ") else (role.split()[-1][:5],))
    # An acronym is a whole word ("cto" is not in "director", nor "coo" in "cooperation").
    return (any(re.search(rf"\b{re.escape(n)}\b" if len(n) <= 3 else re.escape(n), lower) for n in names)
            and organisation.split()[0].lower().rstrip("’'s") in lower)

#: What describes a person right after the name: an apposition ("Andrew Ng, a professor ...",
#: "Lee, founder of 01.AI"), a relative clause ("..., who ran ..."), or "is a ...".
_DESCRIBING_AFTER = (r"(?:['’]s)?\s*,\s*(?:a|an|the|who|former|then|now|co-?founder|founder|head|partner|chief|"
                     r"(?-i:[A-Z]))|\s+(?:is|was|has been|had been|became)\s+(?:a|an|the|one)\b")
_DESCRIBING_BEFORE = r"(?:" + "|".join(sorted(PERSON_NOUNS | {"veteran", "ceo", "cto"})) + r")\s+"


def describes(person: str, text: str) -> bool:
    """Whether ``text`` says who ``person`` is: a description right after the name (or its last
    word, the surname: "Lee, founder of 01.AI"), or a noun for a person right before it ("startup
    founder Qu Dongqi", "tech industry veteran Kai-Fu Lee")."""
    names = [person] + ([person.split()[-1]] if len(person.split()) > 1 else [])
    for name in names:
        n = re.escape(name)
        if re.search(rf"(?<![\w-]){n}(?![\w-])(?:{_DESCRIBING_AFTER})", text, re.I) \
                or re.search(rf"\b{_DESCRIBING_BEFORE}{n}(?![\w-])", text, re.I):
            return True
    return False


def states_value(kind: str, text: str, question: str = "") -> bool:
    """True when ``text`` states a value of ``kind`` (``value_kind``); for a count, a number that
    counts what ``question`` asks about, not one that measures something else."""
    if kind == "age":
        # "announced just over a month ago" dates an event; it is no one's age. A length of time
        # is an age when the sentence says how long something has lived or existed ("had only
        # been around for eight months"), not how long it took to do something ("Within six
        # months, 01.AI unveiled ...").
        text = _AGO.sub(" ", text)
        if _STATES["length of time"].search(text) and _EXISTED.search(text):
            return True
    if kind in _STATES:
        return bool(_STATES[kind].search(text))
    if kind == "description":
        person = described_person(question, cased=False)
        return bool(person) and describes(person, text)
    if kind == "name":
        # A name, a code or a number (not a year) that the question does not hold ("Saturn IB"
        # is not the question's "Saturn I", nor is "the 50 fund" its "fund"), or words that give
        # a name ("is called primality").
        asked = word_set(question)
        spans = value_spans(text, "name") + [m.span() for m in CODE_TOKEN.finditer(text) if not YEAR.fullmatch(m.group(0))]
        return (any(not word_set(text[a:b]) <= asked for a, b in spans)
                or GIVES_NAME.search(text) is not None)
    if kind == "number":
        text = _IN_A_NAME.sub(" ", _WORD_IN_A_NAME.sub(r"\1 ", text))
        if question:
            text = _counts_only(question, text)
            # "How many people *attended* the conference?" counts those who attended: not "two
            # toddlers" in a photo shown there. A general noun counts whatever the text counts, so
            # what they did must be said ("attended by 2000 guests", "4,000 visitors").
            action = counted_action(question)
            if action and not says_any(action, text):
                return False
    # A count or a measurement is a number that is not part of a date ("July 24th",
    # "in 2023"), unless it counts something ("2000 guests").
    return bool(_COUNTING.search(text) or _ANY_NUMBER.search(PATTERNS["date"].sub(" ", text)))
