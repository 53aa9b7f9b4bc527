"""English language data the reader matches values with: month and weekday names, number words,
ordinals, units, eras (as regular-expression alternations), and month numbers.
"""

from __future__ import annotations

MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|" \
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"

NUMBER_WORDS = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
                 r"thirty|forty|fifty|hundred|dozen|a dozen|several|half)")

UNITS = (r"(?:%|percent|per cent|million|billion|trillion|thousand|years?|months?|weeks?|days?|hours?|"
          r"minutes?|seconds?|frames per second|fps|p\b|x\b|times|people|users|companies|players|"
          r"employees|dollars|euros|yuan|GB|MB|TB|km|kg)")

_ORDINALS = (r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
             r"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
             r"twenty-first)")

#: A century ("16th century", "eighteenth centuries"), an era year ("800 CE"), a day of the week.
CENTURY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)|{_ORDINALS})[ -]centur(?:y|ies)"

ERA_YEAR = r"\d{1,4} ?(?:BCE?|CE|AD)"

WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"

#: Units of time from the hour up ("years ago", "in recent weeks").
TIME_UNITS = r"centur(?:y|ies)|decades?|years?|months?|weeks?|days?|hours?"

CARDINALS = (r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
              r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|hundred|dozen")

#: Number words up to ninety-nine and "hundred", "dozen".
NUMBER_WORD = rf"{CARDINALS}|sixty|seventy|eighty|ninety"

MONTH_NUMBERS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}

#: Stemmed terms (``qa.lexicon.terms.analyze``) that are a number or a month: a sentence that adds
#: one to the question's words gives a value. "may" and "march", more often verbs, are left out.
STEMMED_NUMBER_OR_MONTH = (r"\d[\d.,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelv|"
                           r"twenti|thirti|forti|fifti|hundr|thousand|million|billion|januari|februari|"
                           r"april|june|juli|august|septemb|octob|novemb|decemb")

# --- conversation: the words by which a follow-up question points back at an earlier turn --------

#: Pronouns by what they can stand for: a person, a thing (a company, a product, an event), several.
PERSON_PRONOUNS = frozenset("he him his she her hers himself herself".split())
THING_PRONOUNS = frozenset("it its itself".split())
PLURAL_PRONOUNS = frozenset("they them their theirs themselves".split())
#: Possessive forms, rewritten as "<name>'s"; "her" is possessive only before a noun.
POSSESSIVE_PRONOUNS = frozenset("his her its their".split())
#: "there" stands for a place or an organisation ("a former executive there" -> "at Baidu").
PLACE_PRONOUNS = frozenset({"there"})
#: Nouns for a place a "Which ... ?" question may ask for ("Which country did the boom begin in?").
PLACE_NOUNS = frozenset("country countries city cities region regions nation nations province state place".split())
#: Nouns for people among the nouns a "which/what <noun>" question asks about ("Which Stanford
#: *professor* ...?" asks for a person; "Which *company* ...?" for a thing).
PERSON_NOUNS = frozenset("""person people executive ceo founder co-founder cofounder professor investor leader
official analyst researcher scientist partner president chairman chief player artist author writer king
queen emperor man woman founder director head engineer student teacher journalist reporter editor
translator politician minister spokesperson spokesman spokeswoman employee owner""".split())
#: Words that open a follow-up without adding meaning ("And when?", "So who founded it?").
FOLLOW_UP_OPENERS = frozenset("and so but also then ok okay well now".split())
#: Auxiliary verbs: a question's wh-phrase ends where one starts ("Which company | did ...").
AUXILIARIES = frozenset("""is are was were be been do does did has have had can could will would shall should
may might must""".split())
#: Words after which a bare "that" / "this" is a pronoun ("is that similar", "after that"),
#: not a conjunction ("estimated that China ...").
DEMONSTRATIVE_AFTER = frozenset("""is was are were after before about like than of to with from for by
than besides since did does do""".split())
#: Nouns for organisations: "they" may stand for one ("Which company made Kling?" -> "When did
#: they release it?").
ORG_NOUNS = frozenset("""company firm startup start-up organization organisation lab laboratory group team agency
government university institute fund bank newspaper outlet publication party club band developer maker""".split())
#: Nouns for a made thing: "the model" is not the startup that made it.
PRODUCT_NOUNS = frozenset("""model tool generator chatbot app platform product program service website site brand
system software chip engine""".split())
#: Nouns that, after "the" in a question naming nothing, stand for what an earlier turn named
#: ("When was the company founded?"); not nouns for documents or their authors ("the newsletter",
#: "the author"), which a question uses about the corpus itself.
DEFINITE_NOUNS = "company|firm|startup|start-up|model|tool|generator|chatbot|app|platform|product|lab"

#: Words that compare two things ("Which has more users, Kling or Sora?", "Is 01.AI valued higher
#: than AIsphere?"): a question with one of them and two names set side by side asks for a
#: comparison, which a sentence states only by speaking of both.
COMPARATIVES = frozenset("""more less fewer better worse bigger larger smaller higher lower faster slower cheaper
dearer older newer younger earlier later longer shorter stronger weaker stricter looser richer poorer greater
ahead behind superior inferior outperform outperforms beat beats""".split())

#: A capital that news writes for its country's government ("Washington restricted chip exports",
#: "Beijing's rules"): a text that names the country (any of these names) speaks of it.
CAPITAL_OF = {
    "Washington": ("United States", "US", "America", "American"),
    "Beijing": ("China", "Chinese"),
    "London": ("Britain", "British", "UK"),
    "Moscow": ("Russia", "Russian"),
    "Tokyo": ("Japan", "Japanese"),
    "Brussels": ("Europe", "European", "EU"),
    "Seoul": ("Korea", "Korean"),
    "New Delhi": ("India", "Indian"),
    "Paris": ("France", "French"),
    "Berlin": ("Germany", "German"),
}

#: Nouns for a document or a part of one, as questions point at them ("the newsletter's telling",
#: "the brief write-up", "the February article"): where to look, never what the answer says.
DOCUMENT_NOUNS = (r"(?:newsletters?|articles?|stor(?:y|ies)|pieces?|posts?|reports?|write-?ups?|dispatch(?:es)?|"
                  r"columns?|blogs?|summar(?:y|ies)|translations?|versions?|texts?|documents?|sources?|"
                  r"coverage|accounts?|items?)")

#: Words of a question that asks why, which say it asks for a reason, not what happened ("Why did
#: Kuaishou *decide* to keep Kling closed?": what happened is keeping Kling closed).
WHY_FRAME = frozenset("why how come reason reasons cause causes decide decided decides choose chose chosen".split())
