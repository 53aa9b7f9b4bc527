"""The plain JSON API served beside the web app: ``POST /v1/answer``, with an OpenAPI schema at
``/openapi.json`` and its pages at ``/docs``.

For programs that want one request and one JSON reply instead of Gradio's two-step event stream
(``/gradio_api/call/answer``). A thin edge like the CLI: the request body is checked by pydantic
models (so the schema is the real one), ``answer()`` does the work, and a ``QAError`` becomes a
JSON error with a status code (``ERROR_STATUS``): 400 for a question that cannot be asked, 404 for
an unknown collection, 503 for an index that is missing, stale, damaged or of another model.

The answer path takes no lock of its own: ``answer()`` is thread-safe (the index cache locks only
while it looks up or loads an index), so requests run in parallel in the server's thread pool.

``create_api(index_dir, embedder)`` returns the FastAPI app (``qa serve`` mounts the Gradio app
inside it). ``POST /v1/chat`` takes the same body plus ``history``: the earlier turns, oldest
first, each a question string or an earlier reply of ``/v1/answer`` or ``/v1/chat`` (the reply's
``question_used`` says how the follow-up was read, ``context_turn`` which turn supplied the context).
Only ``qa serve`` and programs that build the API import this module (it imports pydantic).
"""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qa.app.handlers import request_k
from qa.app.render import public_message
from qa.config import DEFAULT_SETTINGS, MODES
from qa.errors import (
    EmbedderError,
    QAError,
    QAIndexError,
    QuestionError,
    UnknownCollectionError,
)

LOG = logging.getLogger(__name__)

#: The HTTP status of each kind of library error (the first class that matches wins).
ERROR_STATUS = ((QuestionError, 400), (UnknownCollectionError, 404), (QAIndexError, 503),
                (EmbedderError, 503), (QAError, 500))
API_PREFIX = "/v1"


def error_status(exc: QAError) -> int:
    """The HTTP status for a library error (``ERROR_STATUS``)."""
    return next(status for kind, status in ERROR_STATUS if isinstance(exc, kind))


#: The retrieval modes a request may name.
Mode = Literal[MODES]  # type: ignore[valid-type]



class AnswerRequest(BaseModel):
    """A question, and how to answer it. Only ``question`` is required."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(description="The question, in plain text (terminal escapes are removed).",
                          examples=["When was DeepSeek founded?"])
    k: int = Field(5, ge=1, le=DEFAULT_SETTINGS.max_k, description="Passages to read.")
    mode: Mode | None = Field("hybrid", description="Retrieval mode; null: hybrid.")
    threshold: float | None = Field(None, allow_inf_nan=False,
                                    description="Abstention threshold; null: the calibrated one.")
    collection: str | None = Field(None, description="A named collection; null: the served index.")

    @field_validator("k", mode="before")
    @classmethod
    def whole_k(cls, value):
        return request_k(value)  # "5" and 5.0 are read; 2.7, true, "abc", null are refused


class ChatRequest(AnswerRequest):
    """A follow-up question and the conversation before it."""

    history: list[str | dict] | None = Field(
        None, description="Earlier turns, oldest first: questions (strings) or earlier replies of "
                          "/v1/answer or /v1/chat (objects). Null or [] for none.",
        examples=[["Which startup released the Yi-Large model?"]])


class CitationModel(BaseModel):
    """A verbatim span of a document: ``document.text[start:end] == quote``."""

    doc_id: str
    title: str
    start: int
    end: int
    quote: str
    score: float
    role: str
    highlight: tuple[int, int] | None = None
    page: int | None = None
    copies: list[str] = []
    kind: str = "prose"


class AnswerModel(BaseModel):
    """``Answer.to_dict()``: the answer text (verbatim corpus text, or "The corpus does not
    say." when ``abstained``), its citations, the passages read, the best candidates."""

    question: str
    text: str
    abstained: bool
    citations: list[CitationModel]
    passages: list[CitationModel]
    alternatives: list[CitationModel]
    confidence: float
    mode: str
    reason: str
    timings: dict[str, float]
    did_you_mean: str
    question_used: str = Field("", description="The self-contained question answered (a follow-up "
                                               "read with its context); the question itself otherwise.")
    context_turn: int | None = Field(None, description="Which earlier turn (0 = oldest) supplied the context.")
    choices: list[str] = Field([], description="When a reference was unclear: the questions it could mean.")


class ErrorModel(BaseModel):
    """What went wrong, and what to do about it."""

    error: str = Field(description="The kind of error (the library's exception class).")
    message: str = Field(description="What went wrong; for an index problem, the command that fixes it.")


def error_reply(exc: QAError):
    """The JSON reply for a library error."""
    from fastapi.responses import JSONResponse

    return JSONResponse({"error": type(exc).__name__, "message": public_message(str(exc))},
                        status_code=error_status(exc))


def create_api(index_dir=None, embedder=None):
    """The FastAPI app of the JSON API over the index in ``index_dir`` (default ``index/``);
    ``embedder`` replaces the bundled model."""
    from fastapi import APIRouter, FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    errors = {400: {"model": ErrorModel, "description": "The request or the question cannot be used."},
              404: {"model": ErrorModel, "description": "No collection has that name."},
              503: {"model": ErrorModel, "description": "The index is missing, stale or damaged "
                                                        "(the message says what to run)."}}
    app = FastAPI(title="Corpus QA", version="1",
                  description="Extracted, cited answers from a document corpus, or an abstention.",
                  docs_url="/docs", redoc_url=None, openapi_url="/openapi.json")

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        parts = []
        for e in exc.errors():
            if e.get("type") == "json_invalid":
                parts.append("the body is not valid JSON")
                continue
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
            parts.append(f"{where}: {str(e.get('msg', 'invalid')).removeprefix('Value error, ')}")
        return JSONResponse({"error": "RequestError", "message": "; ".join(parts)}, status_code=400)

    @app.exception_handler(QAError)
    async def library_error(request: Request, exc: QAError):
        return error_reply(exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        LOG.exception("unexpected error answering %s", request.url.path)
        return JSONResponse({"error": "InternalError", "message": "the server failed to answer; see its log"},
                            status_code=500)

    def respond(body, **extra) -> JSONResponse:
        """``answer()`` for ``body`` (an ``AnswerRequest``) as JSON; ``extra`` goes to ``answer()``."""
        from qa.answer import answer
        from qa.collections import DEFAULT_COLLECTION, resolve_index_dir

        collection = None if body.collection in (None, DEFAULT_COLLECTION) else body.collection
        folder = resolve_index_dir(None, collection) if collection else index_dir
        result = answer(body.question, k=body.k, index_dir=folder, mode=body.mode or None,
                        threshold=body.threshold, embedder=embedder, **extra)
        return JSONResponse(result.to_dict())

    router = APIRouter(prefix=API_PREFIX, tags=["answers"])

    # A plain def: FastAPI runs it in its thread pool, so answers are computed in parallel.
    @router.post("/answer", response_model=AnswerModel, responses=errors,
                 summary="Answer a question with quoted, cited sentences, or abstain")
    def answer_route(body: AnswerRequest):
        return respond(body)

    @router.post("/chat", response_model=AnswerModel, responses=errors,
                 summary="Answer a follow-up question read against the earlier turns")
    def chat_route(body: ChatRequest):
        from qa.app.chat import history_from_request

        return respond(body, history=history_from_request(body.history))

    app.include_router(router)
    app.state.respond = respond
    return app


class FillDefaults:
    """ASGI middleware: a JSON POST to ``path`` whose ``data`` list is shorter than ``defaults``
    gets the missing values from ``defaults``, as a Python caller of the function would.

    Gradio's raw API (``/gradio_api/call/NAME``) does not fill in a function's defaults: a call
    with the question alone fails with a message that prints Gradio's component objects.
    """

    def __init__(self, app, path: str, defaults: list):
        self.app, self.path, self.defaults = app, path, list(defaults)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != self.path:
            return await self.app(scope, receive, send)
        import json

        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            payload = json.loads(body)
            data = payload.get("data") if isinstance(payload, dict) else None
            if isinstance(data, list) and len(data) < len(self.defaults):
                payload["data"] = data + self.defaults[len(data):]
                body = json.dumps(payload).encode()
        except ValueError:
            pass  # not JSON: Gradio reports it
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
        scope = dict(scope, headers=headers + [(b"content-length", str(len(body)).encode())])
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return await self.app(scope, replay, send)
