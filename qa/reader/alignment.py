"""How well the words of a question are matched, word piece by word piece, in a sentence: the
question's content word pieces each find their most similar word piece of the sentence, by the
cosine of the model's contextual token vectors (late interaction, as ColBERT scores passages).

A paraphrase ("launched" / "released") finds close pieces where the exact-term coverage finds
nothing; a question about an attribute the sentence never states ("What stock exchange is
Kuaishou listed on?" against a sentence about Kuaishou's video) finds none. The three numbers are
question features of the answerability model (``qa.reader.features.QUESTION_FEATURES``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from qa.lexicon.terms import stopwords

#: (mean best cosine of the question's content pieces, the least of them, the mean over the pieces
#: the sentence does not hold verbatim); 1.0 where there is nothing to match.
Alignment = tuple[float, float, float]


def _content(tokens: Sequence[str]) -> list[int]:
    stop = stopwords()
    return [i for i, t in enumerate(tokens) if (w := t.removeprefix("##")).isalnum() and len(w) > 1 and w not in stop]


def alignment(question: tuple[list[str], np.ndarray], sentence: tuple[list[str], np.ndarray]) -> Alignment:
    """The alignment of a question and a sentence, each given as (word pieces, unit-norm vectors)."""
    q_tokens, q_vectors = question
    s_tokens, s_vectors = sentence
    keep = _content(q_tokens)
    if not keep or not len(s_tokens):
        return 1.0, 1.0, 1.0
    best = (q_vectors[keep] @ s_vectors.T).max(axis=1)
    held = set(s_tokens)
    unmatched = [b for i, b in zip(keep, best) if q_tokens[i] not in held]
    return float(best.mean()), float(best.min()), float(np.mean(unmatched)) if unmatched else 1.0


@dataclass(frozen=True)
class Aligner:
    """``align(question, sentence)`` and ``align.many(question, sentences)``: alignments by an
    embedder's token vectors (``tokens`` for the question, ``sentence_tokens`` for the sentences,
    which reads a batch at once)."""

    tokens: Callable
    sentence_tokens: Callable

    def __call__(self, question: str, sentence: str) -> Alignment:
        return self.many(question, [sentence])[0]

    def many(self, question: str, sentences: Sequence[str]) -> list[Alignment]:
        asked = self.tokens([question])[0]
        return [alignment(asked, s) for s in self.sentence_tokens(list(sentences))] if sentences else []


def aligner(embedder) -> Aligner | None:
    """The ``Aligner`` of ``embedder``'s token vectors (the sentences' by its
    ``sentence_token_vectors`` when it has them: a faster twin), or None when the embedder gives
    none."""
    tokens = getattr(embedder, "token_vectors", None)
    if tokens is None:
        return None
    return Aligner(tokens, getattr(embedder, "sentence_token_vectors", tokens))
