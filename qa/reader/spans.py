"""What kind of answer a question expects, and where such values sit inside a sentence.

Used by the extractor to highlight the words that answer (the citation still covers the whole
sentence) and to notice when two sources that state the same fact give different values for it.
Pure functions over strings; offsets are relative to the string passed in.
"""

from __future__ import annotations

import re

_MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|" \
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_NUMBER_WORDS = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
                 r"thirty|forty|fifty|hundred|dozen|a dozen|several|half)")
_UNITS = (r"(?:%|percent|per cent|million|billion|trillion|thousand|years?|months?|weeks?|days?|hours?|"
          r"minutes?|seconds?|frames per second|fps|p\b|x\b|times|people|users|companies|players|"
          r"employees|dollars|euros|yuan|GB|MB|TB|km|kg)")

_ORDINALS = (r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
             r"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
             r"twenty-first)")

#: A century ("16th century", "eighteenth centuries"), an era year ("800 CE"), a day of the week.
_CENTURY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)|{_ORDINALS})[ -]centur(?:y|ies)"
_ERA_YEAR = r"\d{1,4} ?(?:BCE?|CE|AD)"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
#: Units of time from the hour up ("years ago", "in recent weeks").
_TIME_UNITS = r"centur(?:y|ies)|decades?|years?|months?|weeks?|days?|hours?"

PATTERNS: dict[str, re.Pattern] = {
    "date": re.compile(
        rf"\b(?:{_MONTHS}\.? \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?|\d{{1,2}}(?:st|nd|rd|th)? {_MONTHS}(?: \d{{4}})?|"
        rf"{_MONTHS} \d{{4}}|(?:early |mid-|late )?(?:1\d|20)\d{{2}}s?|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{4}}|"
        rf"(?:last|this|next) (?:week|month|year)|(?:yesterday|today)|"
        # A century ("the 16th century", "the mid-eighteenth century"), an era year ("800 CE"), a
        # time of day ("2:45 a.m."), a day of the week ("on Monday", "on Wednesdays").
        rf"(?:early |mid-|late |first half of the |second half of the )?{_CENTURY}|"
        rf"{_ERA_YEAR}|\d{{1,2}}:\d{{2}}(?: ?[ap]\.m\.?)?|"
        rf"(?-i:{_WEEKDAY}s?)|"
        # A month on its own ("In November, ..."), only capitalised: "may" and "march" are verbs.
        rf"(?-i:January|February|March|April|May|June|July|August|September|October|November|December))\b",
        re.I),
    "number": re.compile(
        # Digits with an optional unit, or number words only when a unit follows ("two-minute",
        # "eight months"): a bare "one" is usually "one of the ...", not a quantity.
        rf"(?:US)?\$?\b(?:\d[\d,]*(?:\.\d+)?(?:[ -]?(?:to|-|or)[ -]?\d[\d,]*(?:\.\d+)?)?(?:[ -]?{_UNITS})?|"
        rf"{_NUMBER_WORDS}(?:[ -]?(?:to|-|or)[ -]?{_NUMBER_WORDS})?[ -]?{_UNITS})",
        re.I),
    # Runs of capitalised words (names of people, companies, places, products), allowing
    # connectors like "of" / "de" and tokens such as "01.AI", "GPT-4o", "Yi-Large".
    "name": re.compile(
        r"\b(?:[A-Z0-9][\w.’'&-]*[A-Za-z0-9]|[A-Z])(?:\s+(?:(?:of|de|la|van|von|and|&)\s+)?"
        r"(?:[A-Z0-9][\w.’'&-]*[A-Za-z0-9]|[A-Z]))*"),
}

#: Nouns whose instances have names: people and roles, organisations, places, products, works.
_NAMED_NOUNS = (r"(?:company|companies|firm|startup|start-up|person|people|organi[sz]ation|country|countries|"
                r"city|cities|university|group|model|product|tool|generator|newspaper|outlet|executive|ceo|founder|"
                r"professor|investor|leader|official|analyst|researcher|scientist|partner|president|"
                r"chairman|chief|app|platform|chatbot|program|team|agency|body|nation|province|region|town|"
                r"state|school|lab|laboratory|institute|brand|website|site|service|player|artist|author|"
                r"writer|publication|magazine|media group|newsletter|fund|bank|club|band|album|film|"
                r"movie|book|song|ship|river|mountain|island|building|museum|stadium|award|prize|"
                r"language|party|army|dynasty|empire|king|queen|emperor|family|tribe|church|religion)s?")

#: The noun after "which/what" naming the class of the answer ("Which *media group*", "Which
#: OpenAI *product*"), up to three words after which/what.
_FOCUS = re.compile(rf"\b(?:which|what)\s+(?!kind\b|type\b|sort\b)(?:[\w.'’-]+\s+){{0,3}}?({_NAMED_NOUNS})\b", re.I)

_QUESTION_TYPES = [
    # "When" asks for a time at the start of a question or before an auxiliary ("..., and when
    # was it released?"); inside a clause it is a conjunction: "What does Kling produce when a
    # user asks ...?" asks for a thing, and "How old was 01.AI when it ...?" for a number.
    (re.compile(r"^\W*(?:(?:since|until|till|by|from)\s+)?when\b(?![^,]*,\s*(?:what|who|whom|which|how|where|why)\b)|\bwhen\s+(?:did|does|do|was|were|is|are|"
                r"will|would|has|have|had|can|could)\b|\b(?:what (?:year|date|month|day|time)|"
                r"which (?:year|month|day)|how long ago)\b|"
                # A keyword query that starts with what it wants: "year chatgpt came out".
                r"^\W*(?:year|date|month|day)\s", re.I), "date"),
    (re.compile(r"\b(?:how (?:many|much|long|old|big|large|fast|far|often)|what (?:percentage|share|number|amount|price|valuation|resolution)|"
                r"at what (?:rate|resolution|speed)|(?:valued|priced) at|"
                # "What was 01.AI's valuation?", "What is the price of ...?"
                r"what (?:is|was|are|were) (?:the |its |their |[\w.]+['’]s )?(?:valuation|price|cost|revenue|"
                r"salary|budget|population|percentage|share))\b", re.I), "number"),
    (re.compile(r"\b(?:who|whom|whose|where|name)\b", re.I), "name"),
    # "Which company ...", "which Chinese internet firm ...", "what is the name ...": a noun naming a
    # person, organisation, place or product, up to three words after which/what. "What kind of
    # company" asks for a description, not a name.
    (_FOCUS, "name"),
]

#: Between a name and the class noun that describes it: ", a Chinese internet " (company).
_APPOSITION = re.compile(r",\s+(?:a|an|the)\s+(?:(?!(?:at|of|in|on|for|with|from|by|to|who|which|that)\s)[\w’'-]+\s+){0,3}",
                         re.I)

_CARDINALS = (r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
              r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|hundred|dozen")
#: Number words up to ninety-nine and "hundred", "dozen".
_NUMBER_WORD = rf"{_CARDINALS}|sixty|seventy|eighty|ninety"
#: A number written as a word, standing alone ("two", "Twelve"): a count without a unit.
_COUNT_WORD = re.compile(rf"\b(?:{_CARDINALS})\b", re.I)
_YEAR = re.compile(r"(?:1\d|20)\d{2}")

_STOP_CAPS = {"The", "A", "An", "In", "On", "At", "But", "And", "It", "Its", "This", "That", "These",
              "Those", "He", "She", "They", "We", "I", "As", "For", "By", "If", "When", "While",
              "With", "After", "Before", "Although", "Even", "However", "Some", "Many", "Most",
              "One", "Last", "Today", "There", "Such", "According", "Meanwhile", "Despite", "Then"}


def expected_type(question: str) -> str | None:
    """"date", "number" or "name" when the question's wording asks for one; else None."""
    for pattern, kind in _QUESTION_TYPES:
        if pattern.search(question):
            return kind
    return None


#: A lone capitalised word that is an adjective of nationality or origin ("Chinese", "American",
#: "European"), not the name of anyone or anything: "a Chinese internet company" names no company.
_DEMONYM = re.compile(r"[A-Z][a-z]+(?:ese|ish|ian|ean|ican)|French|Dutch|Greek|Thai|Swiss|Arab|Welsh")


def is_demonym(word: str) -> bool:
    """Whether ``word`` is an adjective of nationality or origin ("Chinese", "American", "French")."""
    return _DEMONYM.fullmatch(word) is not None


_COUNTED = re.compile(r"\bhow\s+(many|much)\s+((?:[^\W\d_][\w'’-]*\s*){1,3})", re.I)
#: Words that end the counted phrase ("How many users *has* Kling ...", "How much *of* the ...").
_AFTER_COUNTED = frozenset(
    "a an the this that these those his her its their our my your of in on at to for from by with "
    "per as than does did do has have had is are was were be been will would can could should may "
    "might must".split())
#: General nouns for the people a text counts ("How many people attended ...?" for "4,000 visitors").
_GENERAL_COUNTED = frozenset("people persons individuals humans".split())
#: Quantities that name no thing of their own ("How much money / time ...", "How many times ..."),
#: and general nouns a question may use for whatever the text counts ("How many people / animals
#: ..." for "4,000 visitors", "four hundred seals"): neither needs to appear in the passages.
_BARE_QUANTITIES = frozenset("more less fewer much many time times money years year days hours "
                             "other others else animals things items objects units ones".split()) | _GENERAL_COUNTED


def _counted_phrase(question: str) -> tuple[str, tuple[str, ...]]:
    """("many" or "much", the words after it up to the verb), or ("", ()) for other questions."""
    m = _COUNTED.search(question)
    if not m:
        return "", ()
    words = []
    for word in m.group(2).split():
        if word.lower() in _AFTER_COUNTED:
            break
        words.append(word)
    return m.group(1).lower(), tuple(words)


def counted_action(question: str) -> tuple[str, ...]:
    """What the things a "how many" question counts did, when it names them by a general noun
    ("How many people attended ...?" -> ("attended",)); () otherwise."""
    many, words = _counted_phrase(question)
    if many != "many" or len(words) < 2 or words[0].lower() not in _GENERAL_COUNTED:
        return ()
    return tuple(w for w in words[1:2] if len(w) >= 3)  # the verb after the noun ("work there": "work")


def counted_noun(question: str) -> str:
    """The general noun a "how many" question counts by, as written ("people"); "" if none."""
    words = _counted_phrase(question)[1]
    return words[0] if words and words[0].lower() in _GENERAL_COUNTED else ""


def _says_any(words: tuple[str, ...], text: str) -> bool:
    """Whether ``text`` has a word sharing its first five letters (the whole word, if shorter)
    with one of ``words``: "attended" / "attendance", "visited" / "visitors"."""
    stems = tuple({w.lower()[:5] for w in words})
    return any(t.lower().startswith(stems) for t in re.findall(r"[^\W\d_]{4,}", text))


def counted_words(question: str) -> tuple[str, ...]:
    """The words naming what a "how many / how much" question counts ("How many employees does
    01.AI have?" -> ("employees",)); () for other questions, or when the phrase names a bare
    quantity ("How much money ...", "How many more ...")."""
    many, words = _counted_phrase(question)
    if not words or words[0].lower() in _BARE_QUANTITIES:
        return ()
    if many == "much" and words[0].lower().endswith("er"):
        return ()  # "How much older / longer / bigger ...": a difference, not a thing
    return words


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


def _words(text: str) -> set[str]:
    """Lower-cased words, read without periods: "U.S." is the question's "US"; "01.AI" is "01ai"
    in the question and the sentence alike."""
    return {w.lower() for w in re.findall(r"\w+", text.replace(".", ""))}


#: A token holding a digit ("50", "GPT-4o", "H100").
_CODE = re.compile(r"\b[\w.-]*\d[\w.-]*\b")
#: Words that give something a name, capitalised or not ("is called primality", "known as
#: online pharmacies", "under the name Sky Digital").
_GIVES_NAME = re.compile(r"\b(?:called|named|dubbed|termed|known as|referred to as|the name|its name)\b", re.I)


def answer_span(question: str, sentence: str) -> tuple[int, int] | None:
    """The span of ``sentence`` most likely to answer ``question``, or None.

    Candidates are values of the type the question asks for that the question does not already
    contain; among them, the one nearest to where the question's words occur in the sentence wins.
    """
    kind = expected_type(question)
    if kind is None:
        return None
    asked = _words(question)
    # A value made mostly of the question's own words is what the question is about, not its
    # answer ("Super Bowl XLIV" for "What city is tied with Miami for hosting the Super Bowl?").
    # The class the question asks for ("Which *media group* published ...?") is often part of the
    # answer's name ("ICARO Media Group"): its words do not make a value the question's own.
    focus = _FOCUS.search(question)
    named = asked - _words(focus.group(1)) if focus else asked
    named4 = {w[:4] for w in named if len(w) > 3}

    def own(span: tuple[int, int]) -> bool:
        words = _words(sentence[span[0]:span[1]])
        if kind != "name":
            return words <= asked  # "30 frames per second" answers "How many frames per second"
        long = {w[:4] for w in words if len(w) > 3}  # "Bowls" is the question's "Bowl"
        return words <= named or len(long & named4) * 2 > len(long)

    spans = value_spans(sentence, kind)
    counted = _COUNTED.search(question) if kind == "number" else None
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
            if _YEAR.fullmatch(sentence[span[0]:span[1]].strip(",. ")):
                d += 40  # a year is seldom a count
        if person and len(sentence[span[0]:span[1]].split()) >= 2:
            d -= 30  # people are usually named with two or more words
        if money and re.search(r"[$€£¥]|million|billion|trillion|dollar|euro|yuan", sentence[span[0]:span[1]], re.I):
            d -= 1000  # a question about money wants the amount, wherever it is
        return d

    return min(candidates, key=distance)


def normalize_value(text: str) -> str:
    """A comparable form of a value: lower-case, digits without separators, single spaces."""
    text = re.sub(r"^(?:us|usd|eur|rmb)?\s*[$€£¥]\s*", "", text.lower().replace(",", ""))
    return " ".join(re.findall(r"[\w.]+", text)).strip(".")


def values_disagree(a: str, b: str, kind: str) -> bool:
    """True when two sentences that state the same fact give different values of ``kind``.

    Both must contain at least one value of that kind, and no value of one may equal or contain
    a value of the other ("late 2022" agrees with "2022"; "2019" disagrees with "2021"); dates
    differ when both name years and share none.
    """
    va = {normalize_value(a[s:e]) for s, e in value_spans(a, kind)}
    vb = {normalize_value(b[s:e]) for s, e in value_spans(b, kind)}
    if not va or not vb:
        return False
    if kind == "date":
        # Dates are compared by their years ("late 2022" and "November 2022" agree); a date without
        # one ("last year", "in November") cannot be told to differ.
        ya, yb = ({y for v in vs for y in _YEAR.findall(v)} for vs in (va, vb))
        return bool(ya and yb) and not ya & yb
    return not any(x in y or y in x for x in va for y in vb)


def quantities_disagree(a: str, b: str) -> bool:
    """True when two texts give a quantity of the same unit differently ("six months" and "eight
    months") and agree on none of that unit. Quantities of different units ("90,790 tonnes", "over
    half") and bare numbers are not compared: they are seldom the same fact."""
    def by_unit(text: str) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for s, e in value_spans(text, "number"):
            *amount, unit = normalize_value(text[s:e]).split() or [""]
            if amount:
                out.setdefault(unit, set()).add(" ".join(amount))
        return out

    ua, ub = by_unit(a), by_unit(b)
    shared = ua.keys() & ub.keys()
    return bool(shared) and not any(ua[u] & ub[u] for u in shared)


_MONTH_NUMBERS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


def iso_date(text: str | None) -> str | None:
    """A date written as "2024-07-27", "07/27/2024", "July 27, 2024", "27 July 2024" (or
    datetime-like "2024-07-27T10:00") as "YYYY-MM-DD"; a lone year as "YYYY"; else None."""
    if not text:
        return None
    text = text.strip()
    m = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
    m = re.match(r"(\d{1,2})/(\d{1,2})/(\d{4})$", text)
    if m:  # US order, as the news sites of the shipped corpus write it
        return f"{int(m[3]):04d}-{int(m[1]):02d}-{int(m[2]):02d}"
    m = re.match(r"([A-Za-z]{3})[a-z]*\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$", text)
    if m and m[1].lower() in _MONTH_NUMBERS:
        return f"{int(m[3]):04d}-{_MONTH_NUMBERS[m[1].lower()]:02d}-{int(m[2]):02d}"
    m = re.match(r"(\d{1,2}) ([A-Za-z]{3})[a-z]*\.? (\d{4})$", text)
    if m and m[2].lower() in _MONTH_NUMBERS:
        return f"{int(m[3]):04d}-{_MONTH_NUMBERS[m[2].lower()]:02d}-{int(m[1]):02d}"
    m = re.match(r"(\d{4})$", text)
    return m[1] if m else None


# --- questions that ask for one narrow kind of value ---------------------------------------------
#
# "How much does a Kling subscription cost?" is not answered by a sentence about Kling that names
# no price, however close it is to the question. For these question forms the answer sentence must
# state a value of the kind asked; each form and what counts as stating it were checked on the
# sentences that answer SQuAD v1.1 questions of that form (docs/evaluation.md).

_MONEY_NOUNS = r"(?:price|cost|fee|fine|valuation|salary|wage|revenue|budget|funding|rent|tuition)"
_MEASURE_NOUNS = (r"(?:length|resolution|size|height|width|weight|speed|capacity|distance|depth|temperature|"
                  r"frame rate|population of)")
#: "What is the monthly subscription *price*", not "What is the comparison in *price*".
#: A possessive only after the verb: "What material's weight gain ...?" asks for a material.
_WHAT_IS_THE = (r"\b(?:what|which)(?:(?:['’]s|\s+(?:is|was|are|were))\s+(?:the\s+|its\s+|their\s+|[\w.]+['’]s\s+)?|\s+)"
                r"(?:(?!(?:in|of|between|for|to|on|at)\s)[\w-]+\s+){0,2}")
#: A keyword query ("kling video length", "pixverse frame rate"): no question word in it, and no
#: auxiliary or imperative opening it.
_KEYWORDS = (r"^(?!.*\b(?:what|which|who|whom|whose|when|where|why|how)\b)(?!\W*(?:is|are|was|were|do|does|did|"
             r"can|could|should|would|will|has|have|had|tell|name|list|give|describe|explain)\b)[^?]*")
#: "What *exact* date ...", "which *specific* year ...": the same question.
_EXACTLY = r"(?:(?:exact|precise|specific|particular)\s+)?"
_KIND_QUESTIONS = [
    ("money", re.compile(rf"{_KEYWORDS}\b(?:price|cost|fee|valuation|funding|salary|revenue)s?[^\w?]*$", re.I)),
    ("measurement", re.compile(rf"{_KEYWORDS}\b(?:length|resolution|frame rate|fps|size|height|width|weight|speed|"
                               r"capacity|distance|depth|temperature|population)[^\w?]*$", re.I)),
    ("money", re.compile(
        r"\bhow much (?:[\w-]+\s+){0,2}(?:money|funding|capital|cash|revenue|profit|investment)\b|"
        r"\bhow much (?:does|did|do|will|would|is|was|are|were|has|had|have)\b.*\b(?:cost|charge|pay|"
        r"spen[dt]|raise|earn|sell|sold|invest|worth|fetch|paid|fund)\w*|"
        rf"{_WHAT_IS_THE}{_MONEY_NOUNS}s?\b|\b(?:valued|priced) at\b|"
        # "Which is cheaper, Kling or PixVerse?"
        r"\b(?:which|what|who)\b.*\b(?:cheaper|costlier|pricier|more expensive|less expensive)\b", re.I)),
    ("year", re.compile(rf"\b(?:what|which) {_EXACTLY}year\b|^\W*year\b", re.I)),
    # "How long had 01.AI existed / been around when ...?" asks for its age, too.
    # ... and "How long 01.AI was existing when ...?", as a learner of English may ask it.
    ("age", re.compile(r"\bhow old\b|\b(?:what|which) age\b|\bhow long (?:has|had|have)\b[^?]*?\b(?:existed|been around|"
                       r"been in (?:existence|business|operation))\b|\bhow long\b[^?]*?\b(?:was|were|is|been) existing\b",
                       re.I)),
    ("percentage", re.compile(r"\b(?:what|which) (?:percentage|percent|proportion|fraction)\b", re.I)),
    ("measurement", re.compile(rf"{_WHAT_IS_THE}{_MEASURE_NOUNS}\b", re.I)),
    # "How long ...?" opening the question or a clause.
    ("length of time", re.compile(r"(?:^|[,;:]\s*)\W*how long\b", re.I)),
    # "When ...?" may be answered by an event ("after the end of the Mexican War"); "What date
    # ...?" and "When was it founded / born ...?" ask for a date.
    ("day", re.compile(rf"\b(?:what|which) {_EXACTLY}date\b|\bon what {_EXACTLY}day\b", re.I)),
    ("date", re.compile(rf"\b(?:what|which) {_EXACTLY}month\b|^\W*when\s+(?:was|were|did)\b[^,]*\b(?:founded|"
                        r"established|born|died|incorporated|found|establish|die)\b", re.I)),
    # "When did Andrew Ng leave Baidu?": a time, or an event that dates it ("after the war").
    ("time", re.compile(r"^\W*when\s+(?:did|does|do|was|were|is|are|will|would|has|have|had|could|can)\b", re.I)),
    # "How many ...?" opening the question or a clause, not "Since NASA didn't know how many
    # attempts ..., what did they use?".
    ("number", re.compile(r"(?:^\W*(?:[a-z]+ly\s+)?|[,;:]\s*|\b(?:and|in|of|by|to|for|with|on|at|from|among)\s+)"
                          r"\W*how many\b", re.I)),
    ("university", re.compile(r"\b(?:which|what) (?:[\w-]+ )?(?:university|college)\b(?!['’])", re.I)),
    ("headquarters", re.compile(r"\bheadquarter", re.I)),
    # "What is the name of ...?", "What is Kuaishou's video tool called?"
    # "What's the name of ...?" too.
    ("name", re.compile(r"\bwhat(?:['’]s| is| was| are| were) (?:the )?(?:[\w-]+ )?names? of\b|"
                        r"\bwhat(?:['’]s| is| was| are| were)\b.*\b(?:called|named|dubbed)\W*$|"
                        r"\bwhat(?:['’]s| is| was)\b.*['’]s name\W*$", re.I)),
]
#: A number of things ("two", "a dozen", "half"); "one of the ..." names one thing, not a number.
_ANY_NUMBER = re.compile(
    rf"\d|\b(?:one(?!\s+of\b)|{_NUMBER_WORD}|hundreds|thousands?|millions?|billions?|"
    r"dozens|several|few|single|once|twice|both|none|couple|handful|half|halves|quarters?|thirds?)\b", re.I)
_COUNTING = re.compile(r"\b\d[\d,.]*\s+(?!(?:the|a|an|and|or|to|in|on|at|of|for|by|with|as|it|he|she|they|"
                       r"we|was|were|is|are|when|after|before|that|this|its|his|her|their)\b)[a-z]")
_YEARS = rf"\b[12]\d{{3}}s?\b|\b{_ERA_YEAR}\b|\b{_CENTURY}\b"
_STATES = {
    # A sum, a change in one given as a percentage ("an almost 500% increase in revenue"), or a
    # comparison of prices ("more expensive").
    "money": re.compile(r"[$€£¥%]|\b(?:dollars?|cents?|euros?|pounds?|yen|yuan|renminbi|RMB|USD|francs?|"
                        r"rupees?|pesos?|free|per ?cent|cheap\w*|\w*expensive|costl\w+|pric(?:ier|ey|y))\b", re.I),
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
    "day": re.compile(rf"\b{_MONTHS}\.? \d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTHS}\b|"
                      rf"\d{{4}}-\d{{2}}-\d{{2}}|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b|(?-i:{_WEEKDAY})|"
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
        rf"recently|now|today|yesterday|tomorrow|then|{_TIME_UNITS}|minutes?|morning|evening|night|noon|"
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
    rf"(?:\b\d[\d,.]*|\b(?:{_NUMBER_WORD}))"
    rf"(?:[ -]?(?P<unit>{_MEASURE_UNITS})(?!\w)|\s+(?P<rated>[a-z]+)\s+per\s+[a-z]+)", re.I)


#: Digits that are part of a name or a code, not a number of anything: "01.AI", "GPT-4o",
#: "Llama-3", "1080p", "5G". A count with a multiplier ("300k users") is kept.
_IN_A_NAME = re.compile(r"\b[A-Za-z][\w]*-\d[\w.]*|\b\d+\.?(?!(?:k|m|bn|b)\b)[A-Za-z][\w.-]*", re.I)
#: A number word capitalised after another capitalised word is part of a name too: "Page One
#: Ventures", "Formula One", "Air Force One".
_WORD_IN_A_NAME = re.compile(
    r"\b([A-Z][\w.’'&-]*\s+)(?:"
    + "|".join(w.title() for w in f"one|{_NUMBER_WORD}".split("|")) + r")\b")


def _counts_only(question: str, text: str) -> str:
    """``text`` without the numbers that measure something other than what the question counts
    ("How many minutes ...?" keeps "two-minute")."""
    counted = {w.lower().rstrip("s") for w in _counted_phrase(question)[1]}

    def keep(m: re.Match) -> str:
        unit = (m.group("unit") or m.group("rated") or "").lower().rstrip("s")
        return m.group(0) if unit and unit in counted else " "
    return _MEASURED.sub(keep, text)


#: Words that say something has lived or existed for a time.
_EXISTED = re.compile(r"\b(?:aged?|born|old|older|oldest|young|younger|lived|been around|existed|existence|in business|"
                      r"founded|established|since|dat(?:e|es|ed|ing) (?:back|to|from))\b", re.I)
_AGO = re.compile(rf"\b[\w-]+\s+(?:[\w-]+\s+)?(?:{_TIME_UNITS})\s+ago\b", re.I)


#: "Who is the CEO of Alibaba?": the role, and the organisation (capitalised) it is held in.
_ROLE_QUESTION = re.compile(
    r"\bwho\s+(?:is|was|are|were|has been|had been|became)\s+(?:the\s+)?(?:current\s+|former\s+|first\s+|new\s+|"
    r"last\s+)?((?:(?:head|vice|deputy|assistant|general|executive|managing|chief)\s+)?(?:ceo|chief executive|"
    r"chief [a-z]+ officer|c[tfoim]o|"
    r"president|chairman|chairwoman|chair|founder|co-founder|director|head|leader|owner|governor|mayor|coach|"
    r"manager|editor|minister|chancellor|dean|principal|captain|commander|secretary))(?:\s+\w+){0,2}?\s+"
    r"(?:of|at|for)\s+(?:the\s+)?((?-i:[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*)*))", re.I)
#: Ways of naming the same role.
#: "CTO" is the "chief technology officer", and so on.
_CHIEF_OFFICERS = {"cto": "chief technology officer", "cfo": "chief financial officer",
                   "coo": "chief operating officer", "cio": "chief information officer",
                   "cmo": "chief marketing officer"}
_ROLE_NAMES = {"ceo": ("ceo", "chief executive"), "chief executive": ("ceo", "chief executive"),
               **{name: (acronym, title) for acronym, title in _CHIEF_OFFICERS.items() for name in (acronym, title)}}


#: The same as keywords: "openai ceo name", "Baidu chief executive" (no question word; the
#: organisation first, in any case, as typed in a search box).
_ROLE_KEYWORDS = re.compile(
    r"^(?!.*\b(?:who|what|which|when|where|why|how)\b)\W*(?P<org>[\w.&’'-]+(?:\s+[\w.&’'-]+)?)\s+"
    r"(?P<role>ceo|chief executive|chief [a-z]+ officer|c[tfoim]o|president|chairman|chairwoman|founder|co-founder)"
    r"(?:['’]s)?(?:\s+(?:name|is|was))?\W*$", re.I)


def asked_role(question: str) -> tuple[str, str] | None:
    """(role, organisation) when the question asks who holds a role in a named organisation
    ("Who is the chief executive of ByteDance?" -> ("chief executive", "ByteDance"); as keywords,
    "openai ceo name" -> ("ceo", "openai")), else None."""
    m = _ROLE_QUESTION.search(question)
    if m:
        return m.group(1), m.group(2)
    m = _ROLE_KEYWORDS.search(question)
    if m and m.group("org").split()[0].lower() not in {"the", "a", "an", "its", "their", "his", "her", "company", "firm"}:
        return m.group("role"), m.group("org").rstrip("’'").removesuffix("’s").removesuffix("'s")
    return None


def states_role(role: str, organisation: str, text: str) -> bool:
    """True when ``text`` names the role (or another name for it: "CEO" / "chief executive"; "coach"
    finds "coached") and the organisation's first word."""
    lower, role = text.lower(), role.lower()
    names = _ROLE_NAMES.get(role) or ((role,) if role.startswith("chief ") else (role.split()[-1][:5],))
    # An acronym is a whole word ("cto" is not in "director", nor "coo" in "cooperation").
    return (any(re.search(rf"\b{re.escape(n)}\b" if len(n) <= 3 else re.escape(n), lower) for n in names)
            and organisation.split()[0].lower().rstrip("’'s") in lower)


def value_kind(question: str) -> str | None:
    """The narrow kind of value the question asks for ("money", "year", "age", "percentage",
    "measurement", "length of time", "day", "date", "time", "number", "university", "headquarters",
    "name"), or None."""
    for kind, pattern in _KIND_QUESTIONS:
        if pattern.search(question):
            return kind
    return None


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
    if kind == "name":
        # A name, a code or a number (not a year) that the question does not hold ("Saturn IB"
        # is not the question's "Saturn I", nor is "the 50 fund" its "fund"), or words that give
        # a name ("is called primality").
        asked = _words(question)
        spans = value_spans(text, "name") + [m.span() for m in _CODE.finditer(text) if not _YEAR.fullmatch(m.group(0))]
        return (any(not _words(text[a:b]) <= asked for a, b in spans)
                or _GIVES_NAME.search(text) is not None)
    if kind == "number":
        text = _IN_A_NAME.sub(" ", _WORD_IN_A_NAME.sub(r"\1 ", text))
        if question:
            text = _counts_only(question, text)
            # "How many people *attended* the conference?" counts those who attended: not "two
            # toddlers" in a photo shown there. A general noun counts whatever the text counts, so
            # what they did must be said ("attended by 2000 guests", "4,000 visitors").
            action = counted_action(question)
            if action and not _says_any(action, text):
                return False
    # A count or a measurement is a number that is not part of a date ("July 24th",
    # "in 2023"), unless it counts something ("2000 guests").
    return bool(_COUNTING.search(text) or _ANY_NUMBER.search(PATTERNS["date"].sub(" ", text)))
