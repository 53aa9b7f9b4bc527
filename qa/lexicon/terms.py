"""The words a text is searched by: its content terms (lexical search, term coverage, names).

``analyze`` decides what the BM25 index of a corpus holds, so this module is part of the indexing
code's fingerprint (``qa.index.manifest.pipeline_fingerprint``): changing it makes old indexes stale.
Stemming is PyStemmer's Snowball stemmer; stop words are bm25s's English list.
"""

from __future__ import annotations

import re
import threading

_TERM = re.compile(r"[^\W_]+", re.UNICODE)
_local = threading.local()


def _stemmer():
    # PyStemmer objects keep a cache and are not thread-safe: one per thread.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


def stopwords() -> frozenset[str]:
    """bm25s's English stop words: never content terms (part of the index's fingerprint)."""
    words = getattr(_local, "stopwords", None)
    if words is None:
        from bm25s.stopwords import STOPWORDS_EN_PLUS

        words = _local.stopwords = frozenset(STOPWORDS_EN_PLUS)
    return words


#: An abbreviation written with periods ("A.I.", "U.S.", "e.g."): read as one word.
_DOTTED = re.compile(r"\b(?:[^\W\d_]\.){2,}(?![^\W_])|\b(?:[^\W\d_]\.)+[^\W\d_]\b(?!\.\w)")


def _undot(match: re.Match) -> str:
    return match.group(0).replace(".", "")


def analyze(text: str) -> list[str]:
    """Content terms of ``text``: lower-cased words, stop words removed, Snowball-stemmed.
    An abbreviation written with periods is one word: "A.I." is the term of "AI"."""
    stop = stopwords()
    text = _DOTTED.sub(_undot, text)
    words = [w for w in (m.lower() for m in _TERM.findall(text)) if w not in stop]
    return _stemmer().stemWords(words)
