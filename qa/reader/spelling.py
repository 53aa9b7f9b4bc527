"""How the corpus writes its words, for reading questions typed otherwise: the words it writes in
lower case somewhere (``common_words``) or mostly (``ordinary_words``), the names it writes
capitalised (``corpus_names``), and a
question with the names it types in lower case written as the corpus does (``truecase``: "who's
andrew ng?" -> "who's Andrew Ng?"). Built once per loaded index and cached with it.
"""

from __future__ import annotations

import re
import unicodedata

from qa.lexicon.words import english_words


def common_words(index) -> frozenset[str]:
    """The words the corpus writes in lower case somewhere (cached with the loaded index): a name
    made only of other words is read as a person's (``person_like``)."""
    def build():
        found: set[str] = set()
        for doc in index.documents:
            found.update(re.findall(r"(?<![\w’'-])[a-z][a-z]+(?![\w’'-])", doc.text))
        return frozenset(found)
    return index.derived.get("conversation_common_words", build)


_LOWER_WORD = re.compile(r"(?<![\w’'./-])[a-z][a-z]+(?![\w’'-])")
#: A capitalised word inside a sentence: after a word in lower case, a digit or a comma.
_CAPITAL_INSIDE = re.compile(r"(?<=[a-z0-9,;] )[A-Z][a-z]+(?![\w’'-])")


def ordinary_words(index) -> frozenset[str]:
    """The words the corpus writes in lower case more often than capitalised inside a sentence
    ("desktop" 106 times against "Desktop" 21 in the Debian documentation; not "linux", which it
    writes "Linux" 240 times and "linux" 34), in lower case. A question that capitalises one
    ("How do I know which distribution my Desktop runs?") uses an ordinary word, not a name the
    answer's document must mention. Cached with the loaded index."""
    def build():
        lower: dict[str, int] = {}
        upper: dict[str, int] = {}
        for doc in index.documents:
            for w in _LOWER_WORD.findall(doc.text):
                lower[w] = lower.get(w, 0) + 1
            for w in _CAPITAL_INSIDE.findall(doc.text):
                w = w.lower()
                upper[w] = upper.get(w, 0) + 1
        return frozenset(w for w, n in lower.items() if n > upper.get(w, 0))
    return index.derived.get("ordinary_words", build)


def is_ordinary(name: str, ordinary: frozenset[str], question: str) -> bool:
    """Whether a capitalised word of ``question`` is an ordinary word of the corpus
    (``ordinary_words``): one word, capitalised only on its first letter, without a digit, standing
    alone (in "the World Artificial Intelligence Conference" each word is part of a name)."""
    if not (name.isalpha() and name[1:].islower() and name.lower() in ordinary):
        return False
    for m in re.finditer(rf"(?<![\w’'-]){re.escape(name)}(?![\w-])", question):
        before = re.search(r"([\w’'.-]+)\s+$", question[:m.start()])
        after = re.match(r"(?:’s|'s)?\s+([\w’'.-]+)", question[m.end():])
        if any(x is not None and x.group(1)[:1].isupper() for x in (before, after)):
            return False
    return True


#: A run of capitalised words ("New York Times", "Kai-Fu Lee", "01.AI").
_NAME_RUN = re.compile(r"(?<![\w.-])[A-Z0-9][\w.-]*[\w](?:\s+[A-Z][\w.-]*[\w])*")
#: It starts inside a sentence: after a word in lower case, a digit or a comma.
_INSIDE = re.compile(r"[a-z0-9,;]\s$")
#: A line with at least this share of its words capitalised is a title, not a sentence.
_TITLE_SHARE = 0.6
#: A word as names are cut into words ("01.ai", "kai-fu"); the longest name looked up, in words.
_TOKEN = re.compile(r"(?<![\w.-])\w(?:[\w.-]*\w)?")
_LONGEST_NAME = 5
#: A single capitalised word that is an ordinary English word ("Go", "University") is a name of
#: the corpus only when it stands alone inside a sentence at least this often ("China", "Meta").
_SINGLE_WORD_TIMES = 3


def corpus_names(index) -> dict[str, str]:
    """How the corpus writes its names, by their lower-case form without accents ("andrew ng" ->
    "Andrew Ng", "baidu" -> "Baidu"): each run of two or more capitalised words (and its parts of
    two words or more) that has a word the corpus never writes in lower case or stands twice
    inside sentences ("White House"), without the words opening a sentence; and a capitalised
    word standing alone inside a sentence that the corpus never writes in lower case, when it is
    no ordinary English word (``english_words``) or stands alone often. A question typed in
    lower case is read with them (``truecase``). Cached with the loaded index."""
    def build():
        common, english = common_words(index), english_words()
        counts: dict[str, dict[str, int]] = {}

        def count(phrase: str) -> None:
            forms = counts.setdefault(phrase.lower(), {})
            forms[phrase] = forms.get(phrase, 0) + 1
        for doc in index.documents:
            for line in doc.text.splitlines():
                words = line.split()
                if not words or sum(w[:1].isupper() for w in words) >= _TITLE_SHARE * len(words):
                    continue
                for m in _NAME_RUN.finditer(line):
                    run = m.group(0).split()
                    inside = bool(_INSIDE.search(line[max(0, m.start() - 3):m.start()]))
                    while not inside and run and run[0].lower() in common:
                        run = run[1:]  # "At", "The" opening a sentence
                    if inside and len(run) == 1 and not run[0].isdigit() and run[0].lower() not in common:
                        count(run[0])
                    for i in range(len(run)):
                        for j in range(i + 2, len(run) + 1):
                            count(" ".join(run[i:j]))

        def kept(low: str, times: int) -> bool:
            if " " in low:  # "Locally Created Packages" once in a sentence is a title, not a name
                return times >= 2 or any(w not in common for w in low.split())
            return low not in english or times >= _SINGLE_WORD_TIMES
        return {_fold(low): max(forms, key=forms.get) for low, forms in counts.items()
                if kept(low, sum(forms.values()))}
    return index.derived.get("conversation_names", build)


def _fold(text: str) -> str:
    """``text`` without accents, letter for letter ("clément" -> "clement")."""
    return "".join(unicodedata.normalize("NFKD", c)[0] for c in text)


def truecase(text: str, names: dict[str, str]) -> str:
    """``text`` with each name of the corpus (``corpus_names``) that it types all in lower case,
    accents or not, written as the corpus writes it ("who's andrew ng?" -> "who's Andrew Ng?"),
    longest first; everything else as typed. Looks up the runs of up to ``_LONGEST_NAME`` words."""
    folded = _fold(text)
    if not names or len(folded) != len(text):
        return text
    tokens = list(_TOKEN.finditer(folded))
    out, at, i = [], 0, 0
    while i < len(tokens):
        for n in range(min(_LONGEST_NAME, len(tokens) - i), 0, -1):
            first, last = tokens[i], tokens[i + n - 1]
            phrase = folded[first.start():last.end()]
            if phrase in names:  # the words of a name are one space apart, as its key's
                out.append(text[at:first.start()] + names[phrase])
                at, i = last.end(), i + n
                break
        else:
            i += 1
    return "".join(out) + text[at:]
