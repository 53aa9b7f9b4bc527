"""What a question asks for: the type of answer ("who" -> a name, "how many" -> a number), one
narrow value kind (a sum of money, a year, an age, a count, ...), the noun a "how many" question
counts and the action it counts, and the role of an organisation it asks about. Pure functions
over the question's text."""

from __future__ import annotations

import re

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
#: The same alternation, for other modules (a follow-up's "that company", "this model").
NAMED_NOUNS = _NAMED_NOUNS

FOCUS = re.compile(rf"\b(?:which|what)\s+(?!kind\b|type\b|sort\b)(?:[\w.'’-]+\s+){{0,3}}?({_NAMED_NOUNS})\b", re.I)

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
    (FOCUS, "name"),
]


def expected_type(question: str) -> str | None:
    """"date", "number" or "name" when the question's wording asks for one; else None."""
    for pattern, kind in _QUESTION_TYPES:
        if pattern.search(question):
            return kind
    return None


COUNTED = re.compile(r"\bhow\s+(many|much)\s+((?:[^\W\d_][\w'’-]*\s*){1,3})", re.I)
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


def counted_phrase(question: str) -> tuple[str, tuple[str, ...]]:
    """("many" or "much", the words after it up to the verb), or ("", ()) for other questions."""
    m = COUNTED.search(question)
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
    many, words = counted_phrase(question)
    if many != "many" or len(words) < 2 or words[0].lower() not in _GENERAL_COUNTED:
        return ()
    return tuple(w for w in words[1:2] if len(w) >= 3)  # the verb after the noun ("work there": "work")


def counted_noun(question: str) -> str:
    """The general noun a "how many" question counts by, as written ("people"); "" if none."""
    words = counted_phrase(question)[1]
    return words[0] if words and words[0].lower() in _GENERAL_COUNTED else ""


def says_any(words: tuple[str, ...], text: str) -> bool:
    """Whether ``text`` has a word sharing its first five letters (the whole word, if shorter)
    with one of ``words``: "attended" / "attendance", "visited" / "visitors"."""
    stems = tuple({w.lower()[:5] for w in words})
    return any(t.lower().startswith(stems) for t in re.findall(r"[^\W\d_]{4,}", text))


def counted_words(question: str) -> tuple[str, ...]:
    """The words naming what a "how many / how much" question counts ("How many employees does
    01.AI have?" -> ("employees",)); () for other questions, or when the phrase names a bare
    quantity ("How much money ...", "How many more ...")."""
    many, words = counted_phrase(question)
    if not words or words[0].lower() in _BARE_QUANTITIES:
        return ()
    if many == "much" and words[0].lower().endswith("er"):
        return ()  # "How much older / longer / bigger ...": a difference, not a thing
    return words


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
#: A person's name as a question writes it: two to four words, each a capital then a lower-case
#: letter ("Andrew Ng", "Kai-Fu Lee"; not "Baidu’s CEO"); ``described_person`` reads it in any case
#: once the kind is known.
_CASED_WORD, _ANY_WORD = r"(?-i:[A-Z][^\W\d_A-Z][\w-]*)", r"[^\W\d_][\w-]*"
#: "What is Andrew Ng's role?", "What was Kai-Fu Lee's previous job?", "What does Jenny Xiao do?",
#: "Who is Andrew Ng?": who a named person is, as the articles describe them.
_DESCRIBED = (
    r"\bwhat(?:['’]s|\s+(?:is|was|are|were))\s+{person}['’]s\s+(?:(?:current|previous|former|earlier|old|main|"
    r"official|actual)\s+)?(?:role|position|job|title|occupation|profession|post|background)\b|"
    r"\bwhat(?:['’]d|\s+(?:did|does|do))\s+{person}\s+(?:use(?:d)?\s+to\s+)?do(?:\s+for\s+a\s+living|\s+now|"
    r"\s+these\s+days)?\W*$|"
    r"^\W*who(?:['’]s|\s+(?:is|was))\s+{person}\W*$")
_DESCRIBED_CASED, _DESCRIBED_ANY = (
    re.compile(_DESCRIBED.replace("{person}", rf"({word}(?:\s+{word}){{1,3}})"), re.I)
    for word in (_CASED_WORD, _ANY_WORD))


def described_person(question: str, cased: bool = True) -> str | None:
    """The person a question asks to be described ("Andrew Ng" of "What was Andrew Ng's previous
    job?"), its name capitalised as a name is (``cased``; else in any case, for a question whose
    kind is known from its truecased form); None when it asks nothing of the kind."""
    m = (_DESCRIBED_CASED if cased else _DESCRIBED_ANY).search(question)
    return next((g for g in m.groups() if g), None) if m else None


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
ROLE_NAMES = {"ceo": ("ceo", "chief executive"), "chief executive": ("ceo", "chief executive"),
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


def value_kind(question: str) -> str | None:
    """The narrow kind of value the question asks for ("money", "year", "age", "percentage",
    "measurement", "length of time", "day", "date", "time", "number", "university", "headquarters",
    "name", "description": who a named person is), or None."""
    for kind, pattern in _KIND_QUESTIONS:
        if pattern.search(question):
            return kind
    return "description" if described_person(question) else None




#: A question about code: it quotes code (backticks, a call "f()", a dotted or snake_case name, a
#: "--flag") or asks for a command, code or what a program prints.
_ASKS_FOR_CODE = re.compile(
    r"`|\b\w+\(\)|\b\w+\.\w+\(|\b[a-z]+_[a-z_]+\b|(?:^|\s)--?[a-z][\w-]*|"
    r"\b(?:command|commands|code|snippet|syntax|shell|prompt|log line|stack trace|traceback)\b|"
    r"\b(?:print|prints|printed|output|outputs|return|returns|log|logs|logged)\b\s*\??$", re.I)


def asks_for_code(question: str) -> bool:
    """True when ``question`` is about code or program output, so that code blocks may answer it
    (a prose question is never answered by a line of code, a log line or a table row)."""
    return bool(_ASKS_FOR_CODE.search(question))
