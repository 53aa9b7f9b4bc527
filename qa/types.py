"""The data that flows between the stages, all frozen: documents and their lines, sentences and
passages, retrieved hits, citations and answers.

Every span is a pair of ``str`` offsets into its document's ``text``, so a quote can always be
checked: ``document.text[c.start:c.end] == c.quote``. This module imports nothing of ``qa``.
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Segment:
    """One non-blank line of a document: ``text[start:end]``, kept for indexing or not (and why).

    ``kind`` is "prose" or "code" (code or program output: kept and citable, cut at line ends
    rather than into sentences, not an answer to a prose question). ``joined`` says that the line
    continues the paragraph or code block of the segment before it (a soft-wrapped line).
    """

    start: int
    end: int
    kept: bool
    reason: str = ""
    kind: str = "prose"
    joined: bool = False


@dataclass(frozen=True)
class Document:
    """A source document with its exact text and the cleaning decisions made on it.

    ``path`` is the corpus file it was read from (relative to the corpus folder) and ``sha256``
    that file's hash; ``text`` is the text extracted from it, which every offset points into.
    ``url``, ``source`` (site or publisher) and ``author`` come from the file's metadata when it
    has some. ``pages`` holds the offset in ``text`` where each page starts (PDFs only).
    """

    doc_id: str
    title: str
    text: str
    path: str
    sha256: str
    segments: tuple[Segment, ...]
    date: str | None = None
    url: str | None = None
    source: str | None = None
    author: str | None = None
    pages: tuple[int, ...] = ()
    #: Other files of the corpus with exactly this content (indexed once, cited as copies).
    copies: tuple[str, ...] = ()

    def page_of(self, offset: int) -> int | None:
        """The 1-based page holding character ``offset`` of ``text``; None without page data.

        ``offset`` may be ``len(text)`` (the end of a span); an offset outside the text gives None.
        """
        if not self.pages or not 0 <= offset <= len(self.text):
            return None
        return max(1, bisect.bisect_right(self.pages, offset))

    @cached_property
    def code_spans(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(starts, ends) of the kept code segments (code blocks, program output), in document order."""
        code = [(s.start, s.end) for s in self.segments if s.kept and s.kind == "code"]
        return tuple(a for a, _ in code), tuple(b for _, b in code)

    def kind_at(self, offset: int) -> str:
        """"code" when character ``offset`` of ``text`` lies in a kept code segment (a code block or
        program output), else "prose"."""
        starts, ends = self.code_spans
        i = bisect.bisect_right(starts, offset) - 1
        return "code" if i >= 0 and offset < ends[i] else "prose"

    @property
    def kept_spans(self) -> list[tuple[int, int]]:
        """The (start, end) spans that are indexed, in document order."""
        return [(s.start, s.end) for s in self.segments if s.kept]

    @property
    def kept_blocks(self) -> list[tuple[int, int, str]]:
        """The (start, end, kind) of each indexed paragraph or code block, in document order: kept
        segments joined to the one before them (``Segment.joined``) extend its block."""
        blocks: list[list] = []
        previous_kept = False
        for s in self.segments:
            if s.kept and s.joined and previous_kept and blocks and blocks[-1][2] == s.kind:
                blocks[-1][1] = s.end
            elif s.kept:
                blocks.append([s.start, s.end, s.kind])
            previous_kept = s.kept
        return [(a, b, k) for a, b, k in blocks]

    @property
    def boilerplate_spans(self) -> list[tuple[int, int, str]]:
        """The (start, end, reason) spans that cleaning left out of the index."""
        return [(s.start, s.end, s.reason) for s in self.segments if not s.kept]


@dataclass(frozen=True)
class Sentence:
    """One sentence: ``document.text[start:end]``; ``kind`` "code" for a piece of a code block."""

    doc_id: str
    start: int
    end: int
    kind: str = "prose"


@dataclass(frozen=True)
class Chunk:
    """A passage of consecutive sentences of one document.

    ``first_sentence``/``last_sentence`` index the global sentence table (``last`` exclusive);
    ``start``/``end`` are the character span from the first sentence's start to the last one's end.
    """

    chunk_id: int
    doc_id: str
    start: int
    end: int
    first_sentence: int
    last_sentence: int


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with its fused score and rank, and the raw score of each retriever."""

    chunk: Chunk
    score: float
    rank: int
    dense_score: float | None = None
    lexical_score: float | None = None


@dataclass(frozen=True)
class Citation:
    """A verbatim span of a document: ``document.text[start:end] == quote``, always."""

    doc_id: str
    title: str
    start: int
    end: int
    quote: str
    score: float
    role: str = "answer"  # "answer", "corroboration", "disagreement", "alternative" or "passage"
    #: Document offsets of the words that answer the question, inside [start, end], if found.
    highlight: tuple[int, int] | None = None
    #: The 1-based page of ``start`` for paged documents (PDF); None otherwise.
    page: int | None = None
    #: Other corpus files with exactly the same content as this document (indexed once).
    copies: tuple[str, ...] = ()
    #: "code" when the span starts inside a code block or program output of its document (shown
    #: as code), else "prose".
    kind: str = "prose"


_CITATION_FIELDS = frozenset(Citation.__dataclass_fields__)

NOT_FOUND = "The corpus does not say."


@dataclass(frozen=True)
class Answer:
    """An extracted answer.

    ``text`` is verbatim corpus text (the answer sentence(s)) or, when ``abstained``, the fixed
    message ``NOT_FOUND``. ``citations`` lists the answer span first, then the spans of other
    documents that state the same thing; ``passages`` lists the retrieved passages (the closest
    evidence, also when abstaining); ``alternatives`` the best-scoring candidate sentences, the
    chosen one first. ``confidence`` is the probability that the answer is right
    (the reader's fitted answerability model), compared with the abstention threshold; ``timings`` are milliseconds per stage.
    """

    question: str
    text: str
    abstained: bool
    citations: tuple[Citation, ...]
    passages: tuple[Citation, ...] = ()
    alternatives: tuple[Citation, ...] = ()
    confidence: float = 0.0
    mode: str = "hybrid"
    reason: str = ""
    timings: dict = field(default_factory=dict)
    #: When abstaining because the question names something the corpus never writes, and each
    #: such name looks like a misspelling of a corpus word: the question spelt the corpus's way
    #: ("What did Kuaishu release?" -> "What did Kuaishou release?"); else "".
    did_you_mean: str = ""
    #: The self-contained question actually answered: ``question`` itself, or, for a follow-up
    #: read against ``answer(..., history=...)``, the question as understood ("Who founded it?"
    #: -> "Who founded 01.AI?"). "" on an Answer made before this field existed.
    question_used: str = ""
    #: The index into ``history`` of the earlier turn that supplied the context; None when the
    #: question was answered on its own.
    context_turn: int | None = None
    #: When a follow-up's reference could mean several things ("he" after a question about two
    #: people): the candidates, so that the user can say which one is meant (the answer abstains).
    choices: tuple[str, ...] = ()

    @property
    def disagreement(self) -> bool:
        """True when a cited source states the same fact with a different value."""
        return any(c.role == "disagreement" for c in self.citations)

    @property
    def sources(self) -> int:
        """How many distinct documents the answer is cited from."""
        return len({c.doc_id for c in self.citations})

    @property
    def agreeing(self) -> int:
        """How many distinct documents state the answer: its own and those cited as saying the
        same ("corroboration"); 0 when the answer has several parts (a question about two things,
        each part cited from its own document: they answer different parts, they do not agree)."""
        answers = [c for c in self.citations if c.role == "answer"]
        if len(answers) != 1:
            return 0
        return len({answers[0].doc_id} | {c.doc_id for c in self.citations if c.role == "corroboration"})

    def to_dict(self) -> dict:
        """A JSON-ready dict of every field."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Answer":
        """The ``Answer`` that ``to_dict`` gave ``data`` (as JSON carries it: lists for tuples);
        keys it does not know are ignored, missing optional ones take their defaults. ``KeyError``
        / ``TypeError`` when ``question``, ``text`` or ``abstained`` is missing or a citation is
        malformed."""
        names = {f for f in cls.__dataclass_fields__}
        values = {key: value for key, value in data.items() if key in names}

        def citations(key: str) -> tuple[Citation, ...]:
            out = []
            for c in values.get(key) or ():
                c = dict(c)
                if c.get("highlight") is not None:
                    c["highlight"] = tuple(c["highlight"])
                c["copies"] = tuple(c.get("copies") or ())
                out.append(Citation(**{k: v for k, v in c.items() if k in _CITATION_FIELDS}))
            return tuple(out)
        for key in ("citations", "passages", "alternatives"):
            values[key] = citations(key)
        values["choices"] = tuple(values.get("choices") or ())
        values["timings"] = dict(values.get("timings") or {})
        return cls(**{"question": data["question"], "text": data["text"], "abstained": data["abstained"],
                      **values})
