"""Soft line wraps and code blocks in real documents: wrapped lines of one paragraph are read as one
run of sentences (offsets never move), code and program output are spans of their own kind."""

from __future__ import annotations

import pytest
from conftest import make_corpus
from test_formats import make_pdf

from qa.ingest.chunk import document_sentences
from qa.ingest.corpus import make_document, read_corpus
from qa.ingest.formats import read_html, read_markdown

#: A hard-wrapped plain-text file (72 columns), as a text editor writes it.
ILSE_WRAPPED = """\
The Varndal Journals

Ilse Varndal was born in 1911 in a fishing village on the northern coast.
She worked as a schoolteacher for most of her life, and she kept a
journal for forty-one years, from the winter of 1932 until the spring of
1973. The notebooks record the weather, the catch of the village boats
and the names of the children she taught.

After her death the journals were given to the regional archive, where
Maren Solberg, a historian, transcribed them over six years.
"""

#: The second document of the two-document corpus: one paragraph per line, not wrapped.
ILSE_OTHER = """\
The regional archive

The regional archive holds parish records, maps and private papers from the coast. Its reading room opens on weekdays and visitors need no appointment.
"""


def _sentences(text: str, **kwargs) -> list[str]:
    doc = make_document("d", text, **kwargs)
    return [text[s.start:s.end] for s in document_sentences(doc)]


def _kinds(text: str, **kwargs) -> list[tuple[str, str]]:
    doc = make_document("d", text, **kwargs)
    return [(s.kind, text[s.start:s.end]) for s in document_sentences(doc)]


def test_a_sentence_wrapped_over_lines_is_one_sentence_with_its_newlines():
    sentences = _sentences(ILSE_WRAPPED)
    wanted = ("She worked as a schoolteacher for most of her life, and she kept a\n"
              "journal for forty-one years, from the winter of 1932 until the spring of\n1973.")
    assert wanted in sentences
    # Every sentence starts like one (no lower-case halves cut at a wrap) and the title stays apart.
    assert all(s[0].isupper() for s in sentences)
    assert sentences[0] == "The Varndal Journals"
    # A capitalised word after a full line is still the same sentence ("where\nMaren Solberg").
    assert ("After her death the journals were given to the regional archive, where\n"
            "Maren Solberg, a historian, transcribed them over six years.") in sentences


def test_a_short_tail_line_of_a_wrapped_paragraph_is_not_dropped_as_a_fragment():
    text = ("The committee met in the old town hall on Tuesday and agreed to fund\n"
            "bridge repairs\n"
            "\n"
            "Next steps\n")
    doc = make_document("d", text)
    tail = [s for s in doc.segments if text[s.start:s.end] == "bridge repairs"][0]
    assert tail.kept and tail.joined
    assert _sentences(text)[0].endswith("fund\nbridge repairs")


def test_a_line_starting_in_lower_case_continues_an_unfinished_line_in_any_text():
    # Two lines only: no wrap width can be told, the lower-case start is enough.
    text = ("The committee agreed to pay for the repairs\n"
            "before winter, said the mayor on Tuesday.\n")
    assert _sentences(text) == [text.strip()]


def test_headings_list_items_and_one_paragraph_per_line_stay_apart():
    # Paragraphs separated by single newlines (HTML extraction), a heading, list items.
    text = ("Installing the tool\n"
            "The installer copies the program into your home folder and adds it to the path.\n"
            "You need the following before you start:\n"
            "- a recent version of Python on the machine\n"
            "- enough free disk space for the cache\n"
            "Running it the first time takes a minute, because it builds its cache.\n")
    sentences = _sentences(text)
    assert "The installer copies the program into your home folder and adds it to the path." in sentences
    assert not any(s.startswith("Installing the tool") and "installer" in s for s in sentences)
    assert not any("machine\n" in s for s in sentences)
    assert sentences[-1] == "Running it the first time takes a minute, because it builds its cache."


def test_a_text_with_one_paragraph_per_line_is_not_taken_for_a_wrapped_one():
    text = ("Kuaishou released the Kling video model in June after a short test with selected users "
            "that lasted several weeks and drew wide attention\n"
            "Critics praised the quality\n"
            "The company said more features would follow later in the year.\n")
    doc = make_document("d", text)
    assert not any(s.joined for s in doc.segments)


@pytest.mark.parametrize("fmt", ["md", "html", "pdf"])
def test_wrapped_paragraphs_are_joined_in_every_format(fmt):
    paragraph = ("She worked as a schoolteacher for most of her life, and she kept a\n"
                 "journal for forty-one years, from the winter of 1932 until the spring of\n"
                 "1973.")
    if fmt == "md":
        content = read_markdown(f"# Journals\n\n{paragraph}\n".encode())
    elif fmt == "html":
        content = read_html(
            f"<html><body><article><h1>Journals</h1><div>{paragraph}</div><p>The notebooks record the "
            f"weather and the catch of the boats.</p></article></body></html>".encode())
    else:
        from qa.ingest.formats import read_pdf

        content = read_pdf(make_pdf([paragraph.replace("\n", " ") + " The notebooks are in the archive."]))
    record = content.records[0]
    sentences = _sentences(record.text, code=record.code)
    assert any(" ".join(s.split()) == " ".join(paragraph.split()) for s in sentences), sentences


def test_an_interactive_session_and_its_output_are_one_code_span():
    text = ("The run function returns the number of values it discarded.\n"
            "\n"
            ">>> import frob\n"
            ">>> frob.run(42)\n"
            "294\n"
            "\n"
            "2024-01-01 12:00:00 INFO done in 42 s\n"
            "\n"
            "That is all there is to it.\n")
    assert _kinds(text) == [
        ("prose", "The run function returns the number of values it discarded."),
        ("code", ">>> import frob\n>>> frob.run(42)\n294"),
        ("code", "2024-01-01 12:00:00 INFO done in 42 s"),
        ("prose", "That is all there is to it."),
    ]


def test_an_indented_block_and_a_table_are_code_but_an_indented_paragraph_is_not():
    text = ("Call it like this:\n\n"
            "    result = frob.run(n)\n"
            "    print(result)\n\n"
            "name     size    owner\n"
            "alpha    12      root\n\n"
            "    An indented paragraph of ordinary prose is still prose, and it says so.\n")
    kinds = _kinds(text)
    assert ("code", "result = frob.run(n)\n    print(result)") in kinds
    assert ("code", "name     size    owner\nalpha    12      root") in kinds
    assert ("prose", "An indented paragraph of ordinary prose is still prose, and it says so.") in kinds


def test_markdown_fences_and_html_pre_blocks_are_code_whatever_they_hold():
    md = read_markdown(b"Some prose comes first here.\n\n```\nThe quick brown fox jumps over the dog.\n```\n")
    record = md.records[0]
    assert _kinds(record.text, code=record.code)[-1] == ("code", "The quick brown fox jumps over the dog.")
    html = (b"<html><body><article><p>Run the frobnicator n times and it returns a number that is "
            b"always a multiple of seven.</p><div class='highlight'><pre><span>&gt;&gt;&gt; </span>frob.run(42)\n"
            b"294\n</pre></div><p>The number is then printed on the screen for you to read.</p>"
            b"</article></body></html>")
    record = read_html(html).records[0]
    assert record.code and record.text[record.code[0][0]:record.code[0][1]].endswith("294")
    kinds = _kinds(record.text, code=record.code)
    assert [k for k, _ in kinds] == ["prose", "code", "prose"]


def test_code_kinds_survive_the_index_and_code_never_answers_a_prose_question(tmp_path, hash_embedder):
    from qa import answer
    from qa.index.build import build_index
    from qa.index.load import load_index

    # The log line is the only sentence with the question's words: without the filter, it answers.
    corpus = make_corpus(tmp_path / "c", {"run.txt": (
        "Frobnicator release notes\n\n"
        "The frobnicator was released in March by the tools team of the company.\n\n"
        "2024-01-01 12:00:00 INFO nightly job finished in 42 minutes\n"
        "2024-01-01 12:00:01 INFO nightly job cleaned 17 files\n")})
    index_dir = tmp_path / "i"
    build_index(corpus, index_dir, embedder=hash_embedder)
    index = load_index(index_dir)
    kinds = [index.sentence(r).kind for r in range(len(index.sentence_table))]
    assert kinds.count("code") == 1
    result = answer("How many files did the nightly job clean?", index_dir=index_dir,
                    embedder=hash_embedder)
    assert not any("INFO" in c.quote for c in (*result.citations, *result.alternatives))
    assert "INFO" not in result.text
    # Asking for the log itself may cite it; the citation says it is code, and the app shows it so.
    result = answer("What does the log print?", index_dir=index_dir, embedder=hash_embedder)
    cited = [c for c in (*result.citations, *result.alternatives, *result.passages)]
    assert any("INFO" in c.quote for c in cited)
    for c in cited:
        assert c.kind == ("code" if c.quote.startswith("2024-01-01") else "prose")
    log = next(c for c in cited if c.kind == "code")
    from qa.app.render import quote_html
    from qa.types import Answer

    prose = next(c for c in cited if c.kind == "prose")
    assert quote_html(log).startswith('<code class="qa-code">') and "<code" not in quote_html(prose)
    assert Answer.from_dict(result.to_dict()) == result  # the kind survives JSON


def test_two_document_corpus_sentences_are_exact_spans(tmp_path):
    corpus = read_corpus(make_corpus(tmp_path / "c", {"ilse.txt": ILSE_WRAPPED, "archive.txt": ILSE_OTHER}))
    for doc in corpus.documents:
        for s in document_sentences(doc):
            assert doc.text[s.start:s.end].strip() == doc.text[s.start:s.end]
            assert "\n\n" not in doc.text[s.start:s.end]


@pytest.mark.slow
def test_the_wrapped_journal_sentence_answers_with_the_real_model(tmp_path, real_embedder):
    """The case of the issue: a two-document corpus, one file hard-wrapped; the answer sentence is
    wrapped after "kept a". Cut per line, it abstained (0.353)."""
    from qa import answer
    from qa.index.build import build_index

    corpus = make_corpus(tmp_path / "c", {"ilse.txt": ILSE_WRAPPED, "archive.txt": ILSE_OTHER})
    build_index(corpus, tmp_path / "i", embedder=real_embedder)
    result = answer("How long did Ilse Varndal keep a journal?", index_dir=tmp_path / "i",
                    embedder=real_embedder)
    assert not result.abstained, result.reason
    assert "kept a\njournal for forty-one years" in result.text
    for c in (*result.citations, *result.passages, *result.alternatives):
        assert (corpus / f"{c.doc_id}.txt").read_text(encoding="utf-8")[c.start:c.end] == c.quote


def test_wraps_after_a_bracket_or_an_abbreviation_and_lines_that_only_look_like_code():
    # Lines cut where scientific abstracts wrap (SciFact, at 79 columns).
    text = ("A line scan diffusion-weighted magnetic resonance imaging (MRI)\n"
            "sequence was applied to infants with the yeast C.\n"
            "albicans in culture. Ageing was studied in Caenorhabditis elegans.\n"
            "daf-2 and age-1 encode components of one pathway (OR = 3.8;\n"
            "95% CI 1.2 to 3.1, P < 0.05):\n"
            "% CI 0.77 and 1.00 in the subgroup without folate fortification.\n")
    kinds = _kinds(text)
    assert all(k == "prose" for k, _ in kinds)
    assert [s for _, s in kinds][:2] == [
        "A line scan diffusion-weighted magnetic resonance imaging (MRI)\nsequence was applied to infants "
        "with the yeast C.\nalbicans in culture.", "Ageing was studied in Caenorhabditis elegans."]
    for title in ("CRITICAL REVIEW Cutaneous Vasculitis Update: Diagnostic Criteria",
                  "AIR-2: An Aurora Kinase Is  Required for Polar Body Extrusion  in Embryos",
                  "cysteine recognition domain in the cell membrane.(ABSTRACT TRUNCATED AT 400 WORDS)"):
        assert _kinds(title + "\n") == [("prose", title)]
