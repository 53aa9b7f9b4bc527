"""Split the kept spans of documents into sentences, and sentences into overlapping passages.

Sentence boundaries come from syntok (a maintained rule-based segmenter that reports exact character
offsets, so no re-alignment is needed). Every ``Sentence`` and ``Chunk`` carries offsets into its
document's text.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping, Sequence

from qa.config import ChunkConfig
from qa.ingest.clean import reads_as_prose
from qa.ingest.corpus import Document
from qa.types import Chunk, Sentence


def split_sentences(text: str, start: int = 0, end: int | None = None,
                    max_chars: int = 1000) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]`` as absolute (start, end) offsets into ``text``.

    A sentence longer than ``max_chars`` is cut at whitespace into pieces of at most ``max_chars``
    (the embedding model only reads the first few hundred tokens of an input).
    """
    from syntok import segmenter  # light, but only needed when indexing

    end = len(text) if end is None else end
    piece = text[start:end]
    spans: list[tuple[int, int]] = []
    for paragraph in segmenter.analyze(piece):
        for sentence in paragraph:
            if not sentence:
                continue
            s = sentence[0].offset
            e = sentence[-1].offset + len(sentence[-1].value)
            # syntok folds sentence-final closing quotes/brackets into the last token's spacing
            # of the next sentence; extend to include trailing closers that belong here.
            while e < len(piece) and piece[e] in "\"'”’)]»":
                e += 1
            if e > s:
                for a, b in _run_ons(piece, s, e):
                    spans.extend(_cut_long(piece, a, b, max_chars))
    if not spans and piece.strip():
        lead = len(piece) - len(piece.lstrip())
        spans.extend(_cut_long(piece, lead, len(piece.rstrip()), max_chars))
    return [(start + s, start + e) for s, e in spans]


_SPACE = re.compile(r"\s+")

#: Where a line runs into the next sentence without a full stop: after a lower-case word, a word
#: that opens sentences, capitalised, before a lower-case word ("... the field of artificial
#: intelligence At the World Artificial Intelligence Conference ...").
_RUN_ON = re.compile(r"(?<=[a-z]{3})[^\S\n]*\n?[^\S\n]*(?<=\s)(?=(?:At|In|On|The|This|These|It|He|She|They|We|But|When|While|After|"
                     r"Before|Then|As|For|According|Meanwhile|However|Last|Today)\s+[a-z])")


def _run_ons(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``text[start:end]`` cut where a line long enough to be a sentence (``reads_as_prose``) runs
    into the next one. A shorter lead is more often a title than a lost full stop: "his 1525
    publication On the Bondage of the Will"."""
    out = []
    for m in _RUN_ON.finditer(text, start, end):
        if reads_as_prose(text[start:m.start()]):
            out.append((start, m.start()))
            start = m.end()
    out.append((start, end))
    return out


def _cut_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut ``text[start:end]`` at whitespace into spans of at most ``max_chars`` characters."""
    out = []
    while end - start > max_chars:
        window = text[start:start + max_chars]
        cuts = [m.start() for m in _SPACE.finditer(window)]
        cut = cuts[-1] if cuts and cuts[-1] > 0 else max_chars
        out.append((start, start + cut))
        start += cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append((start, end))
    return out


def split_code(text: str, start: int, end: int, max_chars: int = 1000) -> list[tuple[int, int]]:
    """``text[start:end]``, a code block, cut at line ends into pieces of at most ``max_chars``
    characters (a longer line is cut at whitespace); each piece starts and ends on a non-space."""
    out: list[tuple[int, int]] = []
    piece_start = piece_end = None
    for m in _CODE_LINE.finditer(text, start, end):
        a, b = m.start(1), m.end(1)
        if piece_start is not None and b - piece_start > max_chars:
            out.extend(_cut_long(text, piece_start, piece_end, max_chars))
            piece_start = None
        if piece_start is None:
            piece_start = a
        piece_end = b
    if piece_start is not None:
        out.extend(_cut_long(text, piece_start, piece_end, max_chars))
    return out


#: A line's content, from its first to its last non-space character.
_CODE_LINE = re.compile(r"[^\S\r\n]*(\S(?:[^\r\n]*\S)?)[^\S\r\n]*")


def document_sentences(doc: Document, max_chars: int = 1000) -> list[Sentence]:
    """Every sentence of the kept blocks of ``doc``, in order: a paragraph of prose is split into
    sentences across its soft-wrapped lines (a single newline inside it reads as a space); a code
    block is cut at line ends (``split_code``) into spans of kind "code"."""
    out = []
    for s, e, kind in doc.kept_blocks:
        if kind == "code":
            out.extend(Sentence(doc.doc_id, a, b, "code") for a, b in split_code(doc.text, s, e, max_chars))
        else:
            out.extend(Sentence(doc.doc_id, a, b) for a, b in split_sentences(doc.text, s, e, max_chars))
    return out


def sentence_kinds(doc: Document, spans: Sequence[tuple[int, int]]) -> list[str]:
    """The kind ("prose" or "code") of each (start, end) span of ``doc``: that of its first line."""
    code = [(seg.start, seg.end) for seg in doc.segments if seg.kept and seg.kind == "code"]
    if not code:
        return ["prose"] * len(spans)
    import bisect

    starts = [a for a, _ in code]
    out = []
    for a, _ in spans:
        i = bisect.bisect_right(starts, a) - 1
        out.append("code" if i >= 0 and code[i][0] <= a < code[i][1] else "prose")
    return out


def window_sentences(lengths: Sequence[int], config: ChunkConfig) -> list[tuple[int, int]]:
    """Group consecutive sentences (given their lengths) into (first, last-exclusive) windows.

    Each window holds at most ``sentences_per_chunk`` sentences and stops growing once it
    reaches ``max_chars`` characters (but always holds at least one); consecutive windows share
    ``overlap`` sentences. Windows cover every sentence, in order.
    """
    n = len(lengths)
    windows: list[tuple[int, int]] = []
    i = 0
    while i < n:
        j = i
        size = 0
        while j < n and j - i < config.sentences_per_chunk and (j == i or size + lengths[j] <= config.max_chars):
            size += lengths[j] + 1
            j += 1
        windows.append((i, j))
        if j >= n:
            break
        i = max(i + 1, j - config.overlap)
    return windows


def chunk_documents(docs: Iterable[Document], config: ChunkConfig,
                    known: Mapping[str, Sequence[tuple[int, int]]] | None = None
                    ) -> tuple[list[Sentence], list[Chunk]]:
    """Sentence table and chunk table for ``docs``; chunk ids are rows of the chunk table.

    ``known`` maps doc ids to the (start, end) sentence spans an earlier split of the same text
    with the same ``config`` gave; those documents are not split again.
    """
    sentences: list[Sentence] = []
    chunks: list[Chunk] = []
    known = known or {}
    for doc in docs:
        spans = known.get(doc.doc_id)
        if spans is None:
            doc_sents = document_sentences(doc, config.max_chars)
        else:
            doc_sents = [Sentence(doc.doc_id, int(a), int(b), k)
                         for (a, b), k in zip(spans, sentence_kinds(doc, spans))]
        base = len(sentences)
        sentences.extend(doc_sents)
        for a, b in window_sentences([s.end - s.start for s in doc_sents], config):
            chunks.append(Chunk(len(chunks), doc.doc_id, doc_sents[a].start, doc_sents[b - 1].end,
                                base + a, base + b))
    return sentences, chunks


def passage_text(doc_text: str, sentences: Sequence[Sentence], chunk: Chunk) -> str:
    """The text a chunk is embedded and searched by: its sentences joined by single spaces.

    Boilerplate lines that fall between two kept sentences are not part of it.
    """
    return " ".join(doc_text[s.start:s.end] for s in sentences[chunk.first_sentence:chunk.last_sentence])
