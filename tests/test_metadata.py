"""Questions about a document itself (author, translator, outlet, date), and questions that name
a document's outlet: found where the document states them, cited verbatim."""

import pytest
from conftest import make_corpus

from qa import answer
from qa.index.build import build_index
from qa.ingest.corpus import make_document
from qa.ingest.metadata import document_fields
from qa.reader.metadata_questions import metadata_question


def fields(text: str) -> dict[str, list[tuple[str, str]]]:
    doc = make_document("d", text)
    out: dict[str, list[tuple[str, str]]] = {}
    for f in document_fields(doc.text, doc.segments, doc.title):
        out.setdefault(f.name, []).append((doc.text[f.start:f.end], doc.text[f.value_start:f.value_end]))
    return out


def test_labelled_statements_bylines_dates_and_outlet_lines_are_found_with_exact_spans():
    text = ("Harbour seals return to the estuary\n"
            "Coastal Wildlife Weekly\n"
            "By Jane Doe\n"
            "2024-03-05\n\n"
            "Seals were counted on the sandbanks this spring. Counts rose for the third year.\n"
            "The survey team thanks the volunteers. (Author: Ana Ruiz, translated by Li Wei)\n")
    found = fields(text)
    assert found["source"] == [("Coastal Wildlife Weekly", "Coastal Wildlife Weekly")]
    assert ("By Jane Doe", "Jane Doe") in found["author"]
    assert ("(Author: Ana Ruiz, translated by Li Wei)", "Ana Ruiz") in found["author"]
    assert found["translator"] == [("(Author: Ana Ruiz, translated by Li Wei)", "Li Wei")]
    assert found["date"] == [("2024-03-05", "2024-03-05")]


def test_a_breadcrumb_ending_in_the_headline_names_the_site_and_plain_text_names_nothing():
    text = ("• Tide Notes\n  • Posts\n  • Why estuaries matter\n\nWhy estuaries matter\n\n"
            "Estuaries shelter young fish. They filter water.\n")
    assert fields(text) == {"source": [("Tide Notes", "Tide Notes")]}
    # A body sentence mentioning a publisher, a second paragraph, a short sentence: no metadata.
    assert fields("Seals rest on sandbanks at low tide.\nThe report was published by the council in May.\n"
                  "They are counted every year.\n") == {}


@pytest.mark.parametrize("question, field", [
    ("Who wrote the article about harbour seals?", "author"),
    ("Who is the author of the report on seal counts?", "author"),
    ("Who translated the piece on estuaries?", "translator"),
    ("In the seal survey story, who is credited as the author?", "author"),
    ("Who did the English translation of the seal survey?", "translator"),
    ("The report was translated by whom?", "translator"),
    ("Who did the counting of the seals?", None),
    ("Which outlet carried the report 'Harbour seals return'?", "source"),
    ("What is the name of the newsletter that published 'Why estuaries matter'?", "source"),
    ("Which media group published the seal survey story?", "source"),
    ("Which outlet is credited as the source of the piece 'Harbour seals return'?", "source"),
    ("When was the article on seal counts published?", "date"),
    ("How many seals were counted?", None),
    ("Who wrote to the council about the seals?", None),        # no document is meant
    ("When was the survey published by the council?", None),     # a fact of the text, not of the document
    ("On which day did the first story appear, according to the newsletter?", None),
    ("what date is on the article about harbour seals", "date"),
    ("What is the publication date of the seal survey story?", "date"),
    ("What is the date of the otter report?", "date"),
    ("What date did the article say the seals returned?", None),  # a date the text states
    ("publisher of harbour seals return to the estuary", "source"),  # keywords
])
def test_questions_about_the_document_itself_are_recognised(question, field):
    assert metadata_question(question) == field


@pytest.fixture(scope="module")
def news_index(tmp_path_factory, hash_embedder):
    corpus = make_corpus(tmp_path_factory.mktemp("news") / "corpus", {
        "seals.txt": ("Harbour seals return to the estuary\nCoastal Wildlife Weekly\nBy Jane Doe\n2024-03-05\n\n"
                      "Volunteers counted four hundred harbour seals on the sandbanks this spring. "
                      "Counts of harbour seals rose for the third year.\n"),
        "otters.txt": ("Otters are back in the river valley\nRiver Valley Gazette\n2024-04-11\n\n"
                       "Volunteers counted twelve otters along the river valley this spring. "
                       "Otters eat fish and crayfish.\n"),
    })
    index_dir = tmp_path_factory.mktemp("news-index") / "index"
    build_index(corpus, index_dir, embedder=hash_embedder)
    return corpus, index_dir


def _check_quotes(result, corpus):
    for c in result.citations:
        assert (corpus / f"{c.doc_id}.txt").read_text()[c.start:c.end] == c.quote


def test_metadata_questions_are_answered_from_the_byline_and_cited(news_index, hash_embedder):
    corpus, index_dir = news_index
    result = answer("Who wrote the article about harbour seals counted on the sandbanks?",
                    index_dir=index_dir, embedder=hash_embedder, threshold=0.0)
    assert not result.abstained and result.text == "By Jane Doe"
    c = result.citations[0]
    assert c.doc_id == "seals" and c.highlight and corpus.joinpath("seals.txt").read_text()[
        c.highlight[0]:c.highlight[1]] == "Jane Doe"
    assert "document's author" in result.reason
    _check_quotes(result, corpus)
    result = answer("Which outlet published the story about otters in the river valley?",
                    index_dir=index_dir, embedder=hash_embedder, threshold=0.0)
    assert result.text == "River Valley Gazette" and result.citations[0].doc_id == "otters"


def test_a_question_naming_an_outlet_reads_only_that_outlets_document(news_index, hash_embedder):
    corpus, index_dir = news_index
    question = "How many animals did volunteers count this spring, according to Coastal Wildlife Weekly?"
    result = answer(question, index_dir=index_dir, embedder=hash_embedder, threshold=0.0)
    assert {p.doc_id for p in result.passages} == {"seals"}
    assert "four hundred" in result.text
    _check_quotes(result, corpus)
    result = answer(question.replace("Coastal Wildlife Weekly", "the River Valley Gazette"),
                    index_dir=index_dir, embedder=hash_embedder, threshold=0.0)
    assert {p.doc_id for p in result.passages} == {"otters"} and "twelve otters" in result.text


def test_an_outlet_named_by_its_first_word_before_a_document_noun(news_index, hash_embedder):
    corpus, index_dir = news_index
    question = "How many animals did volunteers count this spring, per the Coastal article?"
    result = answer(question, index_dir=index_dir, embedder=hash_embedder, threshold=0.0)
    assert {p.doc_id for p in result.passages} == {"seals"}
    # Or after a word that attributes what follows to it.
    for other in ("per Coastal Wildlife?", "according to Coastal?"):
        result = answer(question.replace("per the Coastal article?", other), index_dir=index_dir,
                        embedder=hash_embedder, threshold=0.0)
        assert {p.doc_id for p in result.passages} == {"seals"}
    # Written in lower case, or without a word for a document, the first word names nothing.
    for other in ("per the coastal article?", "near the Coastal path?", "per coastal wildlife?"):
        result = answer(question.replace("per the Coastal article?", other), index_dir=index_dir,
                        embedder=hash_embedder, threshold=0.0)
        assert {p.doc_id for p in result.passages} == {"seals", "otters"}


def test_an_outlet_named_by_a_word_nothing_else_uses_wherever_it_stands(tmp_path, hash_embedder):
    from qa.index.cache import get_index
    from qa.reader.metadata_answers import distinctive_leads

    corpus = make_corpus(tmp_path / "corpus", {
        "seals.txt": ("Harbour seals return to the estuary\nKestrix Wildlife Weekly\n2024-03-05\n\n"
                      "Volunteers counted four hundred harbour seals this spring, and wildlife groups cheered.\n"),
        "otters.txt": ("Otters are back\nRiver Valley Gazette\n2024-04-11\n\n"
                       "Volunteers counted twelve otters along the river valley this spring.\n"),
    })
    build_index(corpus, tmp_path / "index", embedder=hash_embedder)
    index = get_index(tmp_path / "index", hash_embedder.name)
    # "Kestrix" is written only where the document states its outlet; "River" is written elsewhere.
    assert distinctive_leads(index) == {"Kestrix Wildlife Weekly": ("Kestrix", "Kestrix Wildlife"),
                                        "River Valley Gazette": ()}
    for question in ("How many animals did volunteers count this spring, does Kestrix say?",
                     "Under Kestrix's account, how many animals did volunteers count this spring?",
                     "kestrix volunteers count animals spring"):
        result = answer(question, index_dir=tmp_path / "index", embedder=hash_embedder, threshold=0.0)
        assert {p.doc_id for p in result.passages} == {"seals"}, question
    # A word the other outlet's name shares with the text names nothing by itself.
    result = answer("How many animals did volunteers count this spring by the River?",
                    index_dir=tmp_path / "index", embedder=hash_embedder, threshold=0.0)
    assert {p.doc_id for p in result.passages} == {"seals", "otters"}


def test_a_question_quoting_a_title_reads_that_document_without_the_title_words(news_index, hash_embedder):
    from qa.index.cache import get_index
    from qa.reader.metadata_answers import titled_sources

    corpus, index_dir = news_index
    question = "In the article 'Otters are back in the river valley', how many animals were counted?"
    index = get_index(index_dir, hash_embedder.name)
    assert titled_sources(index, question, ["seals", "otters"]) == (
        {"otters"}, "In the article , how many animals were counted?")
    assert titled_sources(index, "How many otters were counted?", ["seals", "otters"]) == (
        set(), "How many otters were counted?")
    result = answer(question, index_dir=index_dir, embedder=hash_embedder, threshold=0.0)
    assert {p.doc_id for p in result.passages} == {"otters"} and "twelve otters" in result.text


def test_a_title_given_in_its_own_words_unquoted_identifies_the_document(news_index, hash_embedder):
    from qa.index.cache import get_index
    from qa.reader.metadata_answers import titled_sources

    corpus, index_dir = news_index
    index = get_index(index_dir, hash_embedder.name)
    question = "In the article about otters being back in the river valley, how many animals were counted?"
    assert titled_sources(index, question, ["seals", "otters"]) == (
        {"otters"}, "In the article about , how many animals were counted?")
    # A few of the title's words are a topic, not a title.
    topic = "In the article about otters, how many animals were counted?"
    assert titled_sources(index, topic, ["seals", "otters"]) == (set(), topic)
    result = answer("what date is on the article about otters being back in the river valley",
                    index_dir=index_dir, embedder=hash_embedder, threshold=0.0)
    assert result.text == "2024-04-11" and result.citations[0].doc_id == "otters"
    _check_quotes(result, corpus)
    # As keywords: "publisher of <the title's words>".
    result = answer("publisher of harbour seals return to the estuary", index_dir=index_dir,
                    embedder=hash_embedder, threshold=0.0)
    assert result.text == "Coastal Wildlife Weekly" and result.citations[0].doc_id == "seals"


def test_a_metadata_question_quoting_another_works_title_is_read_from_the_text(tmp_path, hash_embedder):
    """The question asks when a report the document retells was published, not the document."""
    from qa.reader.metadata_questions import quotes_other_title

    assert quotes_other_title("When was the report 'Seal numbers climb again' published?", "Seals return")
    assert not quotes_other_title("When was the report 'Seals return to the bay' published?", "Seals return")
    assert not quotes_other_title("When was the seal report published?", "Seals return")
    other, own = answers_on(tmp_path, hash_embedder, (
        "Seals return to the bay\nCoastal Wildlife Weekly\n2024-03-05\n\n"
        "A March 3rd report in the Harbour Times, titled: Seal numbers climb again, counted four "
        "hundred seals.\nVolunteers will count again in May.\n"),
        "On what date was the Harbour Times report titled 'Seal numbers climb again' published?",
        "When was the report 'Seals return to the bay' published?")
    assert "March 3rd" in other.text and "document's date" not in other.reason
    assert own.text == "2024-03-05"  # its own title: the document's date


def answers_on(tmp_path, embedder, text: str, *questions: str):
    """The answers to ``questions`` from an index of ``text`` as one document, with no threshold."""
    build_index(make_corpus(tmp_path / "c", {"doc.txt": text}), tmp_path / "i", embedder=embedder)
    return [answer(q, index_dir=tmp_path / "i", embedder=embedder, threshold=0.0) for q in questions]


def test_a_date_question_about_another_outlets_piece_is_read_from_the_text(tmp_path, hash_embedder):
    """A piece the document translates or retells has a date of its own; its outlet is named with
    capitals in the document's text and is not the document's outlet."""
    from qa.reader.metadata_questions import names_other_work

    text = "Source: Coastal Wildlife Weekly\nA March 3rd report in the Harbour Times counted seals.\n"
    own = {"Coastal Wildlife Weekly"}
    assert names_other_work("When was the harbour times report published?", text, own)
    assert not names_other_work("When was the Coastal Wildlife Weekly report published?", text, own)
    assert not names_other_work("When was the report published?", text, own)
    assert not names_other_work("When was the seal report published?", text, own)
    # A word capitalised only where a sentence opens is no outlet: "A report ...".
    assert not names_other_work("When was a report published?", text, own)
    other, own = answers_on(tmp_path, hash_embedder, (
        "Seals return to the bay\nSource: Coastal Wildlife Weekly\n2024-03-05\n\n"
        "A March 3rd report in the Harbour Times counted four hundred seals on the sandbanks.\n"
        "Volunteers will count again in May.\n"),
        "On what date was the Harbour Times report that Coastal Wildlife Weekly retold published?",
        "On what date was the Coastal Wildlife Weekly report published?")
    assert "March 3rd" in other.text and "document's date" not in other.reason
    assert own.text == "2024-03-05"


def test_a_named_outlet_identifies_the_document_a_metadata_question_asks_about(news_index, hash_embedder):
    corpus, index_dir = news_index
    question = "In the Coastal Wildlife Weekly article, who is credited as the author?"
    result = answer(question, index_dir=index_dir, embedder=hash_embedder, threshold=5.0)
    assert not result.abstained and result.text == "By Jane Doe"
    assert "the question names it" in result.reason
    # Without the outlet, the same strict threshold abstains.
    assert answer("Who is credited as the author of the seal article?", index_dir=index_dir,
                  embedder=hash_embedder, threshold=5.0).abstained


def test_a_quoted_title_identifies_the_document_even_under_a_strict_threshold(news_index, hash_embedder):
    corpus, index_dir = news_index
    question = "When was the article 'Otters are back in the river valley' published?"
    result = answer(question, index_dir=index_dir, embedder=hash_embedder, threshold=5.0)
    assert not result.abstained and result.text == "2024-04-11"
    assert result.citations[0].doc_id == "otters" and "quotes its title" in result.reason
    # Without the quoted title, the same strict threshold abstains.
    assert answer("When was the article about otters published?", index_dir=index_dir,
                  embedder=hash_embedder, threshold=5.0).abstained


def test_a_plain_text_documents_outlet_and_byline_become_its_metadata_and_filter(news_index, hash_embedder):
    corpus, index_dir = news_index
    doc = make_document("seals", (corpus / "seals.txt").read_text())
    assert (doc.source, doc.author, doc.date) == ("Coastal Wildlife Weekly", "Jane Doe", "2024-03-05")
    result = answer("How many animals did volunteers count?", index_dir=index_dir, embedder=hash_embedder,
                    source="River Valley Gazette", threshold=0.0)
    assert {p.doc_id for p in result.passages} == {"otters"}
