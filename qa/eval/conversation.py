"""Follow-up questions measured several ways, and the check that an unrelated earlier turn leaves a
question that stands on its own alone.

How a follow-up may use its history (``HISTORY_MODES``):

- "rules": ``answer(question, history=...)`` (``qa.reader.conversation``), the product;
- "none": the question alone, as if there were no conversation;
- "concat": the naive baseline, the previous question and the new one as one question;
- "vector": the question alone, searched and read with a history-weighted query vector
  (the question's vector plus ``VECTOR_WEIGHT`` times the previous question's, normalised);
- "both": the rules' reading, searched with that history-weighted vector when it used context.
"""

from __future__ import annotations

import random
from typing import Sequence

HISTORY_MODES = ("rules", "none", "concat", "vector", "both")
#: Weight of the previous question's vector in the "vector" and "both" modes: of 0.25 / 0.5 / 1.0,
#: 1.0 served "vector" best on the development follow-ups (hit@1 0.617 / 0.617 / 0.702) and none
#: made "both" better than the rules alone (0.894 / 0.872 / 0.851 against 0.894; docs/conversation.md).
VECTOR_WEIGHT = 1.0


def _mixed(embedder, question: str, previous: str, weight: float = VECTOR_WEIGHT):
    import numpy as np

    vectors = embedder.encode([question, previous])
    v = vectors[0] + weight * vectors[1]
    return (v / (np.linalg.norm(v) or 1.0)).astype(np.float32)


def answer_follow_up(question: str, history: Sequence[str], how: str = "rules", **kwargs):
    """(the ``Answer``, the question as read, the vector it was searched with) for a follow-up
    answered as ``how`` says (``HISTORY_MODES``); ``kwargs`` go to ``answer()`` (``embedder``
    must be among them)."""
    from qa.answer import answer, validate_question

    if how not in HISTORY_MODES:
        raise ValueError(f"history mode must be one of {', '.join(HISTORY_MODES)}, not {how!r}")
    embedder = kwargs["embedder"]
    previous = history[-1] if history else ""
    if how == "rules" or (how == "both" and not previous):
        result = answer(question, history=list(history), **kwargs)
        asked = result.question_used or result.question
        return result, asked, embedder.encode([validate_question(asked)])[0]
    if how == "both":
        read = answer(question, history=list(history), **kwargs)
        if read.context_turn is None or read.choices or not read.question_used:
            asked = read.question_used or read.question
            return read, asked, embedder.encode([validate_question(asked)])[0]
        vector = _mixed(embedder, read.question_used, history[read.context_turn])
        result = answer(read.question_used, query_vector=vector, **kwargs)
        return result, read.question_used, vector
    if how == "vector" and previous:
        vector = _mixed(embedder, validate_question(question), previous)
        return answer(question, query_vector=vector, **kwargs), question, vector
    asked = f"{previous} {question}" if how == "concat" and previous else question
    asked = validate_question(asked)
    vector = embedder.encode([asked])[0]
    return answer(asked, query_vector=vector, **kwargs), asked, vector


def unrelated_turn_check(questions: Sequence, seed: int = 0, **kwargs) -> dict:
    """Ask every question of ``questions`` that has no history twice: alone, and after an unrelated
    earlier turn (another question of the set whose relevant documents share none with it, chosen
    with ``random.Random(seed)``). Returns the count, how many answers changed (text, abstention or
    cited documents), their share, how many readings used the earlier turn, and the changed ones."""
    from qa.answer import answer

    alone = [q for q in questions if not q.history]
    rng = random.Random(seed)
    changed, used = [], 0
    for q in alone:
        others = [o for o in alone if o.question != q.question and not set(o.relevant_docs) & set(q.relevant_docs)]
        if not others:
            continue
        earlier = rng.choice(others).question
        a = answer(q.question, **kwargs)
        b = answer(q.question, history=[earlier], **kwargs)
        used += b.context_turn is not None or bool(b.choices)
        key = lambda r: (r.text, r.abstained, tuple(c.doc_id for c in r.citations))  # noqa: E731
        if key(a) != key(b):
            changed.append({"id": q.id, "question": q.question, "after": earlier,
                            "understood_as": b.question_used, "before": a.text, "now": b.text})
    n = len(alone)
    return {"questions": n, "changed": len(changed), "changed_share": round(len(changed) / n, 4) if n else None,
            "context_used": used, "examples": changed}
