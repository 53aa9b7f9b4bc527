from pathlib import Path

from conftest import CORPUS, make_corpus

from qa.ingest.clean import classify_line, segment_text
from qa.ingest.corpus import make_document, read_corpus


def test_cleaning_never_moves_offsets_and_drops_shipped_boilerplate():
    corpus = read_corpus(CORPUS)
    assert len(corpus.documents) == 5
    dropped = []
    for doc in corpus.documents:
        raw = (CORPUS / doc.path).read_text(encoding="utf-8")
        assert doc.text == raw  # cleaning does not rewrite the document
        for seg in doc.segments:
            assert doc.text[seg.start:seg.end].strip() == doc.text[seg.start:seg.end]
        dropped += [doc.text[s:e] for s, e, _ in doc.boilerplate_spans]
        kept = " ".join(doc.text[s:e] for s, e in doc.kept_spans)
        assert "[ad_1]" not in kept and "Login or Subscribe" not in kept
    assert "[ad_1]" in dropped and "[ad_2]" in dropped
    assert any(d.startswith("Login or Subscribe") for d in dropped)
    assert any("Русский" in d for d in dropped)  # the language menu


def test_titles_are_headlines_not_boilerplate():
    titles = {d.doc_id: d.title for d in read_corpus(CORPUS).documents}
    assert titles["000_aa6b97cd1c7a8afa"].startswith("US media: China is more willing")
    assert titles["004_b944f892c64d3546"] == "China’s AI Revolution: How Open-Source Strategy is Closing the Gap"


def test_a_short_capitalised_first_line_is_the_title():
    assert make_document("d", "Sea otters\n\nSea otters live in kelp forests. They eat urchins.\n").title == "Sea otters"
    assert make_document("d", "Anxiety\nAnxiety disorders are common worldwide.\n").title == "Anxiety"
    # A lower-case first word is a site section ("news"), not a headline.
    assert make_document("d", "news\n\nSeals return to the estuary\n\nSeals rest here.\n").title == \
        "Seals return to the estuary"


def test_repeated_headline_is_dropped_once_but_content_kept():
    text = "Big News Today Here\nBig News Today Here\nThe company said it grew. It hired staff.\n"
    doc = make_document("d", text)
    reasons = [s.reason for s in doc.segments]
    assert reasons == ["", "repeated line", ""]


def test_call_to_action_rules_do_not_drop_real_sentences():
    assert classify_line("Users can sign up for the service in 120 countries, the company said on Monday.", set())[0]
    assert not classify_line("Sign up", set())[0]
    assert not classify_line("Share your views in the comments below, and subscribe to our newsletter today.", set())[0]


def test_mixed_line_endings_and_bom_keep_exact_offsets():
    text = "\ufeffFirst line is a headline here\r\nSecond sentence is here. Third one too.\rLast line ends now.\n"
    doc = make_document("d", text)
    spans = [text[s:e] for s, e in doc.kept_spans]
    assert spans == ["First line is a headline here", "Second sentence is here. Third one too.", "Last line ends now."]


def test_bad_files_are_skipped_or_repaired_with_warnings(tmp_path: Path):
    outside = tmp_path / "secret.txt"
    outside.write_text("A secret sentence that must never be indexed by anyone.", encoding="utf-8")
    root = make_corpus(tmp_path / "c", {
        "good.txt": "A good document about cats. Cats sleep a lot.",
        "copy.txt": "A good document about cats. Cats sleep a lot.",
        "bad.txt": b"Invalid \xff\xfe bytes here, but the rest is fine text.",
        "binary.txt": b"\x00\x01\x02\x03binary",
        "empty.txt": "",
        "ignored.csv": "a,b,c",
    })
    (root / "link.txt").symlink_to(outside)
    corpus = read_corpus(root)
    ids = sorted(d.doc_id for d in corpus.documents)
    assert ids == ["bad", "copy"] or ids == ["bad", "good"]
    messages = {w.path: w.message for w in corpus.warnings}
    assert messages["bad.txt"].startswith("not UTF-8 (invalid at byte 8): decoded as ")
    assert messages["binary.txt"] == "skipped: binary file"
    assert "no indexable text" in messages["empty.txt"]
    assert "outside the corpus" in messages["link.txt"]
    assert any("same content" in m for m in messages.values())
    bad = next(d for d in corpus.documents if d.doc_id == "bad")
    assert bad.text == "Invalid \xff\xfe bytes here, but the rest is fine text."  # read as Windows-1252


def test_segment_text_handles_text_without_trailing_newline():
    segs = segment_text("One sentence here.")
    assert [(s.start, s.end, s.kept) for s in segs] == [(0, 18, True)]


def test_register_is_content_not_a_call_to_action():
    assert classify_line("Suicides after pregnancy in Finland, 1987-94: register linkage study.", set())[0]


def test_library_messages_are_captured_for_the_thread_that_reads_the_file():
    """A library message logged by another thread (a question answered while a file is uploaded)
    is not reported as the file's problem; the reading thread's own messages are."""
    import logging
    import threading

    from qa.ingest.capture import captured_messages

    started, logged = threading.Event(), threading.Event()

    def other_thread():
        started.wait(5)
        logging.getLogger("pypdf").warning("someone else's PDF")
        logged.set()

    worker = threading.Thread(target=other_thread)
    worker.start()
    with captured_messages() as messages:
        logging.getLogger("pypdf").warning("EOF marker not found")
        started.set()
        logged.wait(5)
    worker.join()
    assert messages == ["pypdf: EOF marker not found"]


def test_two_threads_reading_files_at_once_each_get_their_own_messages():
    import logging
    import threading

    from qa.ingest.capture import captured_messages

    results: dict[str, list[str]] = {}

    def read(name: str):
        with captured_messages() as messages:
            logging.getLogger("trafilatura").warning("trouble in %s", name)
        results[name] = list(messages)

    threads = [threading.Thread(target=read, args=(f"file{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {f"file{i}": [f"trafilatura: trouble in file{i}"] for i in range(4)}


def test_python_warnings_of_two_files_read_at_once_are_not_mixed():
    """``warnings.catch_warnings`` is process-wide: while one thread captures, another that starts
    capturing would take its warnings. Captures take turns, so each file keeps its own."""
    import threading
    import warnings

    from qa.ingest.capture import captured_messages

    a_in, b_in, a_warned = threading.Event(), threading.Event(), threading.Event()
    results: dict[str, list[str]] = {}

    def first():
        with captured_messages() as messages:
            a_in.set()
            b_in.wait(0.5)  # the other reader starts now, if captures may overlap
            warnings.warn("first file's warning")
            a_warned.set()
        results["first"] = list(messages)

    def second():
        a_in.wait(5)
        with captured_messages() as messages:
            b_in.set()
            a_warned.wait(0.5)
            warnings.warn("second file's warning")
        results["second"] = list(messages)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"first": ["UserWarning: first file's warning"],
                       "second": ["UserWarning: second file's warning"]}
