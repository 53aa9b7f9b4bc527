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
