"""What `qa index` reports: exact counts of files and texts, and library noise kept in the report."""

from __future__ import annotations

import logging
import sys

from conftest import make_corpus
from test_formats import make_pdf

from qa.ingest.corpus import read_corpus


def test_counts_say_how_many_files_were_indexed_and_skipped(tmp_path, hash_embedder):
    from qa.index.build import build_index

    files = {f"doc{i}.txt": f"Document number {i} says that the river froze in winter {1900 + i}." for i in range(4)}
    files.update({f"copy{i}.txt": files["doc0.txt"] for i in range(3)})  # same bytes: skipped
    files.update({"empty.txt": "", "blank.md": "\n\n", "bin.txt": b"\x00\x01\x02" * 50})
    corpus = make_corpus(tmp_path / "c", files)
    report = build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    assert report.added == 10
    assert (report.documents, report.files_indexed, report.files_skipped) == (4, 4, 6)
    assert report.embedded == report.embedded_passages + report.embedded_sentences
    assert report.embedded_passages == report.chunks and report.embedded_sentences == report.sentences
    again = build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    assert (again.status, again.files_indexed, again.files_skipped, again.embedded) == ("up to date", 4, 6, 0)


def test_cli_prints_files_indexed_and_skipped(tmp_path, hash_embedder, monkeypatch):
    from click.testing import CliRunner

    import qa.embed
    from qa.app.cli import main

    monkeypatch.setattr(qa.embed, "default_index_embedder", lambda: hash_embedder)
    corpus = make_corpus(tmp_path / "c", {"a.txt": "The river froze in the winter of 1901, said the report.",
                                          "b.txt": "The river froze in the winter of 1901, said the report."})
    result = CliRunner().invoke(main, ["index", str(corpus), "--index-dir", str(tmp_path / "i"), "--no-onnx"])
    assert result.exit_code == 0, result.output
    assert "files: 1 indexed, 1 skipped" in result.output


def test_pypdf_noise_goes_into_the_file_report_not_stderr(tmp_path, capfd):
    good = make_pdf(["The glacier lost forty metres of ice between 1980 and 2020, the survey says."])
    damaged = good[:good.rindex(b"%%EOF")]  # pypdf: "EOF marker not found", then it reads on
    # An application that logs to stderr from the root logger still does not get pypdf's lines.
    handler = logging.StreamHandler(sys.stderr)
    logging.getLogger().addHandler(handler)
    try:
        corpus = read_corpus(make_corpus(tmp_path / "c", {"survey.pdf": damaged}))
    finally:
        logging.getLogger().removeHandler(handler)
    messages = [w.message for w in corpus.warnings if w.path == "survey.pdf"]
    assert len(messages) == 1 and "pypdf: EOF marker not found" in messages[0], messages
    assert "EOF marker" not in capfd.readouterr().err
