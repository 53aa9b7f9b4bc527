"""The conversation in the web app and its API: a chat turn answered with the session's earlier
answers as history, how a follow-up was understood ("Understood as ... · ask on its own"), the
question back when a reference is unclear, and the ``/chat`` endpoint's history.

The history of a browser session lives in that session's ``gr.State`` (a list of ``Answer``s,
the latest ``MAX_HISTORY``), so two browsers never share one; Clear empties it.
"""

from __future__ import annotations

from typing import Any, Sequence
from urllib.parse import quote

from qa.app.handlers import app_index_dir, request_k
from qa.app.render import ASK_PREFIX, escape_inline, escape_text, render_answer, render_error, render_question
from qa.errors import QAError, QuestionError
from qa.types import Answer

#: Earlier answers kept per session (a follow-up looks back three turns at most; the rest is spare).
MAX_HISTORY = 10
#: The href prefix of an "ask on its own" link (the page's script asks the rest without history).
ALONE_PREFIX = "#alone:"


def render_understood(result: Answer) -> str:
    """The line above an answer to a follow-up: how the question was read, with a link that asks
    the question as typed, on its own; "" when the question was answered as asked."""
    if result.context_turn is None or not result.question_used or result.choices:
        return ""
    if result.question_used == result.question:
        return ""
    alone = (f'<a class="qa-alone" href="{ALONE_PREFIX}{escape_text(quote(result.question, safe=""))}" '
             f'title="Answer the question as typed, without the conversation">ask on its own</a>')
    return (f'<div class="qa-understood">Understood as: <q>{escape_inline(result.question_used)}</q> '
            f'· {alone}</div>')


def render_choices(result: Answer) -> str:
    """The question back when a reference could mean several things: one link per reading."""
    if not result.choices:
        return ""
    links = "".join(f'<li><a class="qa-ask" href="{ASK_PREFIX}{escape_text(quote(q, safe=""))}" '
                    f'title="Ask this question">{escape_inline(q)}</a></li>' for q in result.choices)
    return f'<div class="qa-choices">Which one do you mean?<ul>{links}</ul></div>'


def render_turn(result: Answer, k: int) -> str:
    """The assistant's bubble for a turn of a conversation: the reading, then the answer."""
    body = render_answer(result, k)
    extra = render_understood(result) + render_choices(result)
    if not extra:
        return body
    # Inside the answer's own block, first, so that the reading travels with the answer.
    at = body.index(">") + 1
    return body[:at] + extra + body[at:]


def conversation_turn(question: str, chat: list | None, conversation: list | None, mode: str = "hybrid",
                      k: int = 5, threshold: float | None = None, index_dir=None, embedder=None,
                      collection: str | None = None, alone: bool = False) -> tuple[list, str, list]:
    """Answer ``question`` as the next turn of ``conversation`` (the session's earlier ``Answer``s;
    ``alone``: without them) and append both bubbles to ``chat``. Returns (chat, "", conversation
    with the new answer, the latest ``MAX_HISTORY`` kept). A ``QAError`` becomes a message in the chat
    and leaves the conversation as it was."""
    from qa.answer import answer

    chat, conversation = list(chat or []), list(conversation or [])
    if not isinstance(question, str) or not question.strip():
        chat.append({"role": "assistant", "content": render_error("Type a question about the documents first.")})
        return chat, "", conversation
    chat.append({"role": "user", "content": render_question(question)})
    try:
        result = answer(question, k=int(k), index_dir=app_index_dir(collection, index_dir), mode=mode,
                        threshold=threshold, embedder=embedder, history=None if alone else conversation)
    except QAError as exc:
        chat.append({"role": "assistant", "content": render_error(str(exc))})
        return chat, "", conversation
    chat.append({"role": "assistant", "content": render_turn(result, int(k))})
    return chat, "", (conversation + [result])[-MAX_HISTORY:]


def history_from_request(history: Any) -> list:
    """The ``history`` a ``/chat`` request sends (earlier questions as strings, or earlier answers as
    the dicts ``/answer`` and ``/chat`` return, oldest first; null for none) as ``answer()`` takes
    it; ``QuestionError`` for anything else."""
    if history is None:
        return []
    if not isinstance(history, (list, tuple)):
        raise QuestionError("history must be a list of earlier questions or answers, oldest first")
    out: list = []
    for item in history:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            try:
                out.append(Answer.from_dict(item))
            except (KeyError, TypeError, ValueError) as exc:
                raise QuestionError(f"an earlier answer in history is not an answer's dict: {exc}") from exc
        else:
            raise QuestionError(f"each turn of history must be a question or an answer, not {type(item).__name__}")
    return out


def chat_json(question: str, history: Sequence | None = None, mode: str = "hybrid", k: int = 5,
              threshold: float | None = None, index_dir=None, embedder=None) -> dict:
    """``answer(question, history=...).to_dict()`` for the ``/chat`` endpoint; a ``QAError`` is
    re-raised as ``gr.Error`` (a clean API error)."""
    import gradio as gr

    from qa.answer import answer

    try:
        return answer(question, k=request_k(k), index_dir=index_dir, mode=mode or None, threshold=threshold,
                      embedder=embedder, history=history_from_request(history)).to_dict()
    except QAError as exc:
        raise gr.Error(str(exc), print_exception=False) from exc
