from qa.config import ChunkConfig
from qa.ingest.chunk import (
    chunk_documents,
    passage_text,
    split_sentences,
    window_sentences,
)
from qa.ingest.corpus import make_document


def test_sentences_are_exact_spans_and_respect_abbreviations():
    text = "The startup 01.AI released a model. Firms in the U.S. lead A.I. work. He said “Yes.” Done."
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "The startup 01.AI released a model.", "Firms in the U.S. lead A.I. work.", "He said “Yes.”", "Done."]


def test_a_line_that_runs_into_the_next_sentence_is_split():
    text = ("July 24th article in the New York Times, titled: China is narrowing the gap in the field of "
            "artificial intelligence At the World Artificial Intelligence Conference in Shanghai this month, "
            "Qu Dongqi showed a video.")
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "July 24th article in the New York Times, titled: China is narrowing the gap in the field of "
        "artificial intelligence",
        "At the World Artificial Intelligence Conference in Shanghai this month, Qu Dongqi showed a video."]
    # A short lead is more often the start of a title than a line that lost its full stop.
    text = "The book On the Bondage of the Will was printed in 1525."
    assert split_sentences(text) == [(0, len(text))]


def test_long_sentences_are_cut_at_whitespace():
    text = " ".join(["word"] * 500)
    spans = split_sentences(text, max_chars=100)
    assert all(e - s <= 100 for s, e in spans)
    assert " ".join(text[s:e] for s, e in spans) == text


def test_windows_cover_every_sentence_in_order_with_overlap():
    cfg = ChunkConfig(sentences_per_chunk=4, overlap=1, max_chars=10_000)
    windows = window_sentences([10] * 10, cfg)
    assert windows == [(0, 4), (3, 7), (6, 10)]
    covered = sorted({i for a, b in windows for i in range(a, b)})
    assert covered == list(range(10))


def test_windows_stop_at_max_chars_but_hold_one_sentence():
    cfg = ChunkConfig(sentences_per_chunk=4, overlap=1, max_chars=100)
    assert window_sentences([300, 30, 30, 30], cfg) == [(0, 1), (1, 4)]


def test_chunks_skip_boilerplate_between_sentences():
    text = "Cats are great pets today.\n[ad_1]\nDogs are loyal friends too.\n"
    doc = make_document("d", text)
    sentences, chunks = chunk_documents([doc], ChunkConfig())
    assert len(chunks) == 1
    assert passage_text(text, sentences, chunks[0]) == "Cats are great pets today. Dogs are loyal friends too."
    assert (chunks[0].start, chunks[0].end) == (0, len(text) - 1)
