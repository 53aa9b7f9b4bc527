"""Property tests: over generated documents, offsets are exact at every stage of the pipeline.

Documents are generated from sentences, web boilerplate, arbitrary Unicode, very long lines and
blank lines, joined by "\\n", "\\r\\n" or "\\r" and sometimes led by a BOM. Example counts are bounded
so that the whole file runs in well under a minute (building an index takes ~0.1-0.5 s).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from qa.config import ChunkConfig
from qa.embed import HashEmbedder
from qa.errors import CorpusError
from qa.ingest.chunk import chunk_documents, document_sentences, split_sentences
from qa.ingest.corpus import looks_binary, make_document, read_corpus
from qa.ingest.encoding import decode_bytes

EMBEDDER = HashEmbedder()

_WORDS = st.sampled_from(
    "the a China model open source company said on Monday it grew sales Paris widgets cost ten euros "
    "Dr. Mr. U.S. 3.5 1,000 e.g. (see above) \"quoted\" it's naïve café 北京 Москва مرحبا 😀 "
    "ﬁ İstanbul ß straße".split())
_SENTENCE = st.builds(
    lambda words, end: " ".join(words).capitalize() + end,
    st.lists(_WORDS, min_size=1, max_size=14),
    st.sampled_from([".", "!", "?", "", "…", ".\"", ".)", "。"]),
)
_BOILERPLATE = st.sampled_from([
    "[ad_1]", "Advertisement", "Login or Subscribe to read more", "Share this", "Sign up",
    "English Français Deutsch Español Русский 日本語", "• Home", "» News", "| Sports",
    "Don't forget to subscribe to our newsletter!", "Read more", "Click here", "© All rights reserved",
])
_LINE = st.one_of(
    st.lists(_SENTENCE, min_size=1, max_size=6).map(" ".join),
    _BOILERPLATE,
    st.text(max_size=80),  # arbitrary Unicode, control characters included (never surrogates)
    st.builds(lambda w, n: (w + " ") * n, _WORDS, st.integers(200, 1200)),  # very long line
    st.builds(lambda n: "x" * n, st.integers(900, 2500)),  # a long line with no space at all
    st.sampled_from(["", "   ", "\t", "\u200b", "\ufeff", "\x0c", "\u2028", "\u0085"]),
)


@st.composite
def documents(draw) -> str:
    lines = draw(st.lists(_LINE, min_size=0, max_size=12))
    text = ""
    for line in lines:
        text += line + draw(st.sampled_from(["\n", "\r\n", "\r", "\n\n"]))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")  # no final newline
    if draw(st.integers(0, 5)) == 0:
        text = "\ufeff" + text
    return text


_CONFIGS = st.builds(
    lambda n, overlap, max_chars: ChunkConfig(n, min(overlap, n - 1), max_chars),
    st.integers(1, 6), st.integers(0, 3), st.integers(50, 1200),
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(documents())
def test_segments_are_ordered_disjoint_stripped_and_inside_the_text(text):
    doc = make_document("d", text)
    assert doc.text == text  # cleaning never rewrites (and so never moves an offset)
    previous_end = 0
    for seg in doc.segments:
        assert previous_end <= seg.start < seg.end <= len(text)
        piece = text[seg.start:seg.end]
        assert piece.strip() and "\n" not in piece and "\r" not in piece
        assert piece == piece.strip(), "a segment must not start or end with spaces"
        assert seg.kept == (seg.reason == "")
        previous_end = seg.end


@FAST
@given(documents(), _CONFIGS)
def test_sentences_lie_in_kept_segments_and_chunks_cover_them_in_order(text, config):
    doc = make_document("d", text)
    sentences = document_sentences(doc, config.max_chars)
    kept = doc.kept_spans
    blocks = [(a, b) for a, b, _ in doc.kept_blocks]  # kept lines, soft-wrapped ones joined
    previous_end = 0
    for s in sentences:
        assert s.doc_id == "d"
        assert previous_end <= s.start < s.end <= len(text)
        assert any(a <= s.start and s.end <= b for a, b in blocks), "sentence outside every kept block"
        assert "\n\n" not in text[s.start:s.end].replace("\r", ""), "a sentence across a blank line"
        assert s.end - s.start <= config.max_chars
        assert text[s.start:s.end].strip(), "an empty sentence"
        previous_end = s.end
    # Every kept line with a word in it is in a sentence.
    for a, b in kept:
        if text[a:b].strip():
            assert any(s.start < b and a < s.end for s in sentences)

    table, chunks = chunk_documents([doc], config)
    assert table == sentences
    covered = []
    for prev, chunk in zip([None, *chunks], chunks):
        assert 0 <= chunk.first_sentence < chunk.last_sentence <= len(table)
        assert chunk.last_sentence - chunk.first_sentence <= config.sentences_per_chunk
        assert chunk.start == table[chunk.first_sentence].start
        assert chunk.end == table[chunk.last_sentence - 1].end
        if prev is not None:
            assert prev.first_sentence < chunk.first_sentence  # in order, always moving on
            assert chunk.first_sentence >= prev.last_sentence - config.overlap
            assert chunk.first_sentence <= prev.last_sentence  # no sentence skipped
        covered.extend(range(chunk.first_sentence, chunk.last_sentence))
    assert sorted(set(covered)) == list(range(len(table)))


@FAST
@given(st.text(max_size=300), st.integers(50, 400))
def test_split_sentences_on_any_text_gives_spans_inside_the_requested_range(text, max_chars):
    lead = len(text) // 3
    spans = split_sentences(text, lead, len(text), max_chars)
    previous_end = lead
    for a, b in spans:
        assert previous_end <= a < b <= len(text)
        assert b - a <= max_chars
        previous_end = b


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([b"", b"\xef\xbb\xbf", b"\r\n", b"\xff"]))
def test_reading_a_file_keeps_its_decoded_bytes_exactly(data, prefix):
    data = prefix + data
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "f.txt").write_bytes(data)
        corpus = read_corpus(tmp)
    for doc in corpus.documents:
        assert doc.text == decode_bytes(data)[0]  # no newline translation, no BOM stripping
        for a, b in doc.kept_spans:
            assert 0 <= a < b <= len(doc.text)
    assert len(corpus.documents) + len(corpus.warnings) >= 1  # read, or skipped with a reason


def _file_bytes(index_dir: Path) -> dict[str, bytes]:
    names = ("chunks.npy", "sentences.npy", "documents.jsonl", "sentence_vectors.npy")
    return {name: (index_dir / name).read_bytes() for name in names}


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(documents(), min_size=1, max_size=3), st.data())
def test_index_citations_quote_exactly_and_reindexing_is_byte_identical(texts, data):
    from qa.answer import answer
    from qa.index.build import build_index
    from qa.index.cache import clear_cache
    from qa.index.load import load_index

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        corpus = root / "corpus"
        corpus.mkdir()
        for i, text in enumerate(texts):
            (corpus / f"doc{i}.txt").write_bytes(text.encode("utf-8"))
        try:
            build_index(corpus, root / "one", embedder=EMBEDDER)
        except CorpusError:
            # Nothing indexable: every file is either binary-looking (NUL bytes) or all boilerplate.
            assert all(looks_binary(t.encode("utf-8")) or not make_document("d", t).kept_spans
                       for t in texts)
            return
        build_index(corpus, root / "two", embedder=EMBEDDER)
        assert _file_bytes(root / "one") == _file_bytes(root / "two")

        index = load_index(root / "one", EMBEDDER.name)
        for row in range(index.sentence_table.shape[0]):
            d, s, e = (int(x) for x in index.sentence_table[row])
            assert index.documents[d].text[s:e].strip()
        for doc in index.documents:
            assert doc.text == (corpus / doc.path).read_bytes().decode("utf-8")

        # Ask with words taken from an indexed sentence, so that some answers are not abstentions.
        row = data.draw(st.integers(0, index.sentence_table.shape[0] - 1))
        d, s, e = (int(x) for x in index.sentence_table[row])
        words = index.documents[d].text[s:e].split()[:8]
        question = " ".join(words) if any(ch.isalnum() for ch in " ".join(words)) else "model"
        assume(any(ch.isalnum() for ch in question))
        try:
            for mode in ("hybrid", "dense", "lexical"):
                result = answer(question, k=3, index_dir=root / "one", embedder=EMBEDDER, mode=mode,
                                check_stale=False)
                for c in result.citations + result.passages + result.alternatives:
                    assert index.document(c.doc_id).text[c.start:c.end] == c.quote
                if not result.abstained:
                    assert result.text == " ".join(c.quote for c in result.citations if c.role == "answer")
        finally:
            clear_cache()
