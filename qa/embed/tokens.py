"""Token vectors: each word piece of a text with the model's contextual vector for it (the last
hidden state, unit norm), as the reader's alignment of a question with a sentence reads them
(``qa.reader.alignment``)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Sequence

import numpy as np

from qa.embed.unit import normalize_rows

#: Texts whose token vectors an ``OnnxEmbedder`` keeps (questions encoded alone, sentences aligned).
RECENT = 64


def token_vectors_of(session, tokenizer, texts: Sequence[str]) -> list[tuple[list[str], np.ndarray]]:
    """Per text: its word pieces and their unit-norm contextual vectors (the model's last hidden
    state), special tokens left out; one text at a time (no padding)."""
    out = []
    for encoding in tokenizer.encode_batch(list(texts)):
        ids = np.asarray([encoding.ids], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                    "token_type_ids": np.zeros_like(ids)})[0][0]
        out.append(tokens_of(encoding, hidden))
    return out


def tokens_of(encoding, hidden: np.ndarray) -> tuple[list[str], np.ndarray]:
    """(word pieces, unit-norm vectors) of one encoded text, special tokens left out."""
    keep = [i for i, m in enumerate(encoding.special_tokens_mask) if not m]
    return [encoding.tokens[i] for i in keep], normalize_rows(hidden[keep])


class RecentTokens:
    """The token vectors of the latest ``RECENT`` texts, shared by threads (least recently stored
    first out)."""

    def __init__(self, size: int = RECENT) -> None:
        self._size = size
        self._items: OrderedDict[str, tuple[list[str], np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, text: str) -> bool:
        return text in self._items

    def known(self, texts: Sequence[str]) -> dict[str, tuple[list[str], np.ndarray]]:
        with self._lock:
            return {t: self._items[t] for t in texts if t in self._items}

    def store(self, found: dict[str, tuple[list[str], np.ndarray]]) -> None:
        with self._lock:
            self._items.update(found)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
