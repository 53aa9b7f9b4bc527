"""The public entry point: ``answer(question) -> Answer``, extracted and cited, or abstained."""

from __future__ import annotations

import math
import os
import re
import time
from dataclasses import dataclass, replace

from qa.collections import resolve_index_dir
from qa.config import DEFAULT_SETTINGS, MODES, Settings
from qa.errors import QuestionError
from qa.index.cache import get_index
from qa.index.load import LoadedIndex
from qa.reader.alignment import aligner
from qa.reader.asking import speaks_of
from qa.reader.context import cite
from qa.reader.coordination import coordinated
from qa.reader.extract import extract
from qa.reader.metadata_answers import named_sources, titled_sources
from qa.reader.turns import answer_in_context, check_history
from qa.retrieve.retrievers import make_retriever
from qa.types import NOT_FOUND, Answer


def _check_dimension(loaded: LoadedIndex, embedder) -> None:
    from qa.errors import IndexMismatchError

    dim = loaded.manifest.get("model", {}).get("dim")
    if dim != embedder.dim:
        raise IndexMismatchError(
            f"{loaded.path} holds {dim}-dimensional vectors but the embedder makes {embedder.dim}; "
            f"rebuild with `qa index CORPUS_DIR --index-dir {loaded.path}`")


#: ANSI/VT100 escape sequences: CSI ("\x1b[1;31m", "\x1b[2K"), OSC ("\x1b]0;title\x07") and two-character ones.
_TERMINAL_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]")


def validate_question(question: object, settings: Settings = DEFAULT_SETTINGS) -> str:
    """The question, trimmed and cleaned of control characters; ``QuestionError`` if unusable."""
    if not isinstance(question, str):
        raise QuestionError(f"the question must be text, not {type(question).__name__}")
    # Lone surrogates cannot be encoded for the tokenizer; control characters carry no meaning,
    # and a terminal's escape sequence ("\x1b[31m", pasted from coloured output) is removed whole, as a
    # terminal shows it (not at all); dropping only its ESC would leave "[31m" to be read as a word.
    cleaned = question.encode("utf-8", "ignore").decode("utf-8")
    cleaned = _TERMINAL_ESCAPE.sub("", cleaned)
    cleaned = "".join(ch if ch.isprintable() or ch in " \t" else " " for ch in cleaned)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise QuestionError("the question is empty: type a question about the corpus")
    if len(cleaned) > settings.max_question_chars:
        raise QuestionError(
            f"the question is {len(cleaned)} characters long; the limit is {settings.max_question_chars}")
    if not any(ch.isalnum() for ch in cleaned):
        raise QuestionError("the question has no words in it")
    return cleaned


@dataclass(frozen=True)
class MetadataTable:
    """Documents by filterable metadata, built once per loaded index so that a filtered question
    costs a lookup, not a pass over every document.

    ``by_source`` maps a case-folded source name or URL host to its documents' ids; ``days`` and
    ``dated_ids`` are the ISO dates of the documents that have a readable one, sorted, and their ids.
    """

    by_source: dict
    days: tuple
    dated_ids: tuple

    @classmethod
    def of(cls, documents) -> "MetadataTable":
        from urllib.parse import urlparse

        from qa.reader.values import iso_date

        by_source: dict[str, set[str]] = {}
        dated = []
        for doc in documents:
            host = (urlparse(doc.url).hostname or "") if doc.url else ""
            for key in {(doc.source or "").casefold().strip(), host.casefold()} - {""}:
                by_source.setdefault(key, set()).add(doc.doc_id)
            day = iso_date(doc.date)
            if day is not None:
                dated.append((day, doc.doc_id))
        dated.sort()
        return cls({k: frozenset(v) for k, v in by_source.items()}, tuple(d for d, _ in dated),
                   tuple(i for _, i in dated))

    def between(self, lo: str | None, hi: str | None) -> set[str]:
        """Ids of the documents dated from ``lo`` to ``hi``, inclusive, each an ISO date or a prefix
        of one ("2024", "2024-07"): a document passes when its date, cut to the bound's length, is
        within the bound, so "2024-07-15" is before ``hi`` "2024-07" and after ``lo`` "2024"."""
        from bisect import bisect_left

        i = bisect_left(self.days, lo) if lo else 0
        # Every date that starts with ``hi`` sorts before hi + the highest code point.
        j = bisect_left(self.days, hi + "\U0010ffff") if hi else len(self.days)
        return set(self.dated_ids[i:j])


def metadata_table(index: LoadedIndex) -> MetadataTable:
    """The index's ``MetadataTable`` (computed on first use, then kept with the index)."""
    return index.derived.get("metadata_table", lambda: MetadataTable.of(index.documents))


def document_filter(index: LoadedIndex, source: str | None = None, date_from: str | None = None,
                    date_to: str | None = None) -> set[str] | None:
    """The ids of the documents that pass the metadata filters (None: no filter given).

    ``source`` matches a document's source (or its URL's host), case-insensitively. ``date_from``
    and ``date_to`` are inclusive ISO dates ("2024-07-01"; a prefix like "2024" works too); a
    document without a readable date does not pass a date filter.
    """
    from qa.reader.values import iso_date

    if source is None and date_from is None and date_to is None:
        return None
    if source is not None and (not isinstance(source, str) or not source.strip()):
        raise QuestionError(f"source must name a source or a URL host, not {source!r}")
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value is not None and iso_date(value) is None:
            raise QuestionError(f"{name} must be a date like 2024-07-01, not {value!r}")
    table = metadata_table(index)
    keep: set[str] | None = None
    if source is not None:
        keep = set(table.by_source.get(source.casefold().strip(), ()))
    if date_from or date_to:
        dated = table.between(iso_date(date_from) if date_from else None,
                              iso_date(date_to) if date_to else None)
        keep = dated if keep is None else keep & dated
    return keep if keep is not None else set()


def _document_ids(index: LoadedIndex, documents) -> frozenset[str] | None:
    """``documents`` (an iterable of document ids, None: no restriction) checked against the index."""
    if documents is None:
        return None
    if isinstance(documents, str) or not hasattr(documents, "__iter__"):
        raise QuestionError("documents must be a list of document ids")
    documents = list(documents)
    if not all(isinstance(d, str) for d in documents):
        raise QuestionError("documents must be a list of document ids")
    unknown = [d for d in documents if d not in index.doc_rows]
    if unknown:
        raise QuestionError(f"no such document in the index: {', '.join(map(repr, unknown[:3]))}")
    return frozenset(documents)


def retrieve_passages(text: str, k: int, index: LoadedIndex, embedder, mode: str, query_vector,
                      allowed: set[str] | None = None) -> tuple[list, str, set[str]]:
    """The passages ``answer()`` reads for the (validated) question ``text``: ``(hits, the question
    to score sentences against, the documents the question names)``. A question that names the
    outlet of a retrieved document ("the ICARO Media Group article") or quotes its title is about
    that document: only its passages are read, and the mention is cut from the scored question."""
    retriever = make_retriever(mode, index, embedder)
    hits = retriever.search(text, k, vector=query_vector, allowed=allowed)
    retrieved = [h.chunk.doc_id for h in hits]
    named, unnamed = named_sources(index, text, retrieved)
    titled, unnamed = titled_sources(index, unnamed, retrieved)
    named |= titled
    asked = text
    if named and unnamed:
        if len(named) < len(set(retrieved)):
            scope = named if allowed is None else named & allowed
            hits = retriever.search(text, k, vector=query_vector, allowed=scope) or hits
        asked = unnamed
    return hits, asked, named


def answer(question: str, k: int = 5, index_dir: str | os.PathLike | None = None, *,
           mode: str | None = None, threshold: float | None = None, embedder=None,
           settings: Settings = DEFAULT_SETTINGS, check_stale: bool = True,
           source: str | None = None, date_from: str | None = None, date_to: str | None = None,
           query_vector=None, collection: str | None = None, store: str | None = None,
           uri: str | None = None, history=None, documents=None) -> Answer:
    """Answer ``question`` from the index in ``index_dir`` (default: the project's ``index/``).

    ``k`` bounds how many passages are read (1..``settings.max_k``); ``mode`` is "hybrid", "dense"
    or "lexical"; ``threshold`` overrides the abstention threshold; ``embedder`` replaces the
    bundled model (the index must have been built with the same one). ``source``, ``date_from``
    and ``date_to`` restrict the answer to documents with that metadata (see ``document_filter``);
    ``query_vector`` is the question already embedded by ``embedder`` (saves a second encoding).
    ``collection`` names a collection (``qa.collections``) to answer from instead of ``index_dir``.
    ``store`` ("faiss"/"milvus") and ``uri`` override where the manifest says the passage vectors
    are (e.g. a Milvus server that moved); by default the manifest's record is used.
    ``history`` is the conversation so far, oldest first, each turn a question string or an earlier
    ``Answer``: a follow-up ("Who founded it?") is read against it (``qa.reader.turns``) and
    ``Answer.question_used`` / ``context_turn`` say how; a question that stands on its own is
    answered exactly as without history. ``documents`` (document ids) restricts the answer to
    those documents, with the other filters; a follow-up that speaks of "that article" is read in
    the document the conversation spoke of the same way.
    Raises ``QuestionError``
    for an unusable question and ``QAIndexError`` subclasses for a missing, corrupt, mismatched
    or stale index.
    """
    from qa.embed import default_embedder

    t0 = time.perf_counter()
    text = validate_question(question, settings)
    mode = mode or settings.mode
    if mode not in MODES:
        raise QuestionError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= settings.max_k:
        raise QuestionError(f"k must be a whole number from 1 to {settings.max_k}, not {k!r}")
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
                                  or not math.isfinite(threshold)):
        raise QuestionError(f"threshold must be a finite number, not {threshold!r}")
    index_dir = resolve_index_dir(index_dir, collection)
    embedder = embedder or default_embedder()
    index = get_index(index_dir, embedder.name, check_stale=check_stale, store=store, uri=uri)
    _check_dimension(index, embedder)
    if hasattr(index.sentence_vectors, "bind"):  # an index built with lazy sentence vectors
        index.sentence_vectors.bind(embedder)
    only = _document_ids(index, documents)
    if history:
        def ask(q: str, earlier: list, scope: frozenset[str] | None = None) -> Answer:
            return answer(q, k, index_dir, mode=mode, threshold=threshold, embedder=embedder, settings=settings,
                          check_stale=False, source=source, date_from=date_from, date_to=date_to,
                          store=store, uri=uri, history=earlier,
                          documents=only if scope is None else scope if only is None else scope & only)
        followed = answer_in_context(text, check_history(history), index, ask)
        if followed is not None:
            return replace(followed, mode=mode, timings={
                **followed.timings, "total_ms": round((time.perf_counter() - t0) * 1e3, 2)})
    t1 = time.perf_counter()
    if query_vector is None:
        query_vector = embedder.encode([text])[0]
    elif getattr(query_vector, "shape", None) != (embedder.dim,):
        raise QuestionError(f"query_vector must have shape ({embedder.dim},)")
    t2 = time.perf_counter()
    allowed = document_filter(index, source, date_from, date_to)
    if only is not None:
        allowed = set(only) if allowed is None else allowed & only
    hits, asked, named = retrieve_passages(text, k, index, embedder, mode, query_vector, allowed)
    t3 = time.perf_counter()
    result = extract(asked, query_vector, hits, index, settings.extract, threshold, full_question=text,
                     named=named, allowed=allowed, align=aligner(embedder))
    t4 = time.perf_counter()
    passages = tuple(cite(index, h.chunk.doc_id, h.chunk.start, h.chunk.end, h.score, "passage")
                     for h in hits)
    citations = result.answer + result.corroborating
    answer_text = NOT_FOUND if result.abstained else " ".join(c.quote for c in result.answer)
    timings = {"load_ms": (t1 - t0) * 1e3, "embed_ms": (t2 - t1) * 1e3, "retrieve_ms": (t3 - t2) * 1e3,
               "extract_ms": (t4 - t3) * 1e3, "total_ms": (time.perf_counter() - t0) * 1e3}
    single = Answer(text, answer_text, result.abstained, citations, passages, result.alternatives,
                    round(result.confidence, 4), mode, result.reason,
                    {name: round(v, 2) for name, v in timings.items()}, result.suggestion, question_used=text)
    pair = coordinated(text)
    if pair is None or not result.abstained and all(speaks_of(answer_text, name) for name in pair[:2]):
        return single
    # "Who founded 01.AI and AIsphere?" and no sentence read speaks of both: each part on its own.
    parts = [answer(part, k, index_dir, mode=mode, threshold=threshold, embedder=embedder, settings=settings,
                    check_stale=False, source=source, date_from=date_from, date_to=date_to, store=store,
                    uri=uri, documents=only) for part in pair[2:]]
    if any(p.abstained for p in parts):
        return single
    return _joined(single, pair, parts, time.perf_counter() - t0)


def _joined(single: Answer, pair: tuple[str, str, str, str], parts: list[Answer], seconds: float) -> Answer:
    """The answer to a question about two things, from the answers to each part asked alone: both
    answer spans cited (then what corroborates them), the confidence of the less sure one."""
    def once(citations):
        seen, out = set(), []
        for c in citations:
            if (c.doc_id, c.start, c.end, c.role) not in seen:
                seen.add((c.doc_id, c.start, c.end, c.role))
                out.append(c)
        return tuple(out)
    answers = once(c for p in parts for c in p.citations if c.role == "answer")
    others = once(c for p in parts for c in p.citations if c.role != "answer")
    reason = (f"the question asks about {pair[0]} and {pair[1]}, and no sentence read answers for both: each "
              f"part was asked on its own: " + "; ".join(f"{p.question_used!r}: {p.reason}" for p in parts))
    return replace(single, text=" ".join(c.quote for c in answers), abstained=False, citations=answers + others,
                   passages=once(c for p in parts for c in p.passages), alternatives=once(
                       c for p in parts for c in p.alternatives), confidence=min(p.confidence for p in parts),
                   reason=reason, timings={**single.timings, "total_ms": round(seconds * 1e3, 2)})
