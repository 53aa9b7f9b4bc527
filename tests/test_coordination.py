"""A question about two named things at once is asked part by part when no sentence answers for
both, and the two answers are cited together (``qa.reader.coordination``, ``qa.answer``)."""

from __future__ import annotations

import pytest

from qa.answer import answer
from qa.index.build import build_index
from qa.reader.coordination import coordinated
from tests.conftest import make_corpus


@pytest.mark.parametrize("question, parts", [
    ("Who founded 01.AI and AIsphere?", ("Who founded 01.AI?", "Who founded AIsphere?")),
    ("What did Kai-Fu Lee and Robin Li say about open source?",
     ("What did Kai-Fu Lee say about open source?", "What did Robin Li say about open source?")),
    ("Who are 01.AI's and AIsphere's founders?", ("Who are 01.AI's founders?", "Who are AIsphere's founders?")),
    ("What can Kling & Sora do?", ("What can Kling do?", "What can Sora do?")),
    ("Who founded Acme Robotics and Beta Labs in Europe?",
     ("Who founded Acme Robotics in Europe?", "Who founded Beta Labs in Europe?")),
])
def test_two_names_joined_by_and_are_asked_one_at_a_time(question, parts):
    assert coordinated(question)[2:] == parts


@pytest.mark.parametrize("question", [
    "How do Kling and Sora differ?",                 # how they relate: the answer must speak of both
    "What do Baidu and 01.AI have in common?",
    "Which is better, Kling and its rivals or Sora?",
    "Is there a partnership between Baidu and 01.AI?",
    "Who founded 01.AI, AIsphere and Baidu?",        # a list of three is left whole
    "Who founded 01.AI?",                            # one name
    "Who founded 01.AI and when?",                   # "and" joins no second name
])
def test_a_question_about_how_two_things_relate_or_about_one_is_not_split(question):
    assert coordinated(question) is None


DOCS = {
    "acme.txt": "Acme Robotics news\n\nAcme Robotics was founded by Jane Smith in Berlin. It makes robot arms.",
    "beta.txt": "Beta Labs report\n\nBeta Labs was founded by Tom Jones in Oslo. It designs drones for farms.",
    "garden.txt": "Gardening notes\n\nTomatoes need sun and water every day to grow well.",
}


@pytest.fixture(scope="module")
def two_companies(tmp_path_factory, hash_embedder):
    base = tmp_path_factory.mktemp("coordination")
    build_index(make_corpus(base / "c", DOCS), base / "i", embedder=hash_embedder)
    return base / "i"


def test_each_part_is_answered_and_both_answers_are_cited(two_companies, hash_embedder):
    from qa.index.cache import get_index

    got = answer("Who founded Acme Robotics and Beta Labs?", index_dir=two_companies, embedder=hash_embedder,
                 threshold=0.0)
    assert not got.abstained
    answers = [c for c in got.citations if c.role == "answer"]
    assert {c.doc_id for c in answers} == {"acme", "beta"}
    assert "Jane Smith" in got.text and "Tom Jones" in got.text
    index = get_index(two_companies, hash_embedder.name)
    for c in got.citations:
        assert index.document(c.doc_id).text[c.start:c.end] == c.quote
    assert "asked on its own" in got.reason and "'Who founded Beta Labs?'" in got.reason
    assert got.question_used == "Who founded Acme Robotics and Beta Labs?"
    # Two documents are cited, each for its own part: they answer different things, not the same.
    from qa.app.render import render_answer

    assert got.sources == 2 and got.agreeing == 0 and "sources agree" not in render_answer(got, 5)
    # A sentence that answers for both is kept whole: nothing is asked again.
    both = answer("Who founded Acme Robotics and Berlin?", index_dir=two_companies, embedder=hash_embedder,
                  threshold=0.0)
    assert "asked on its own" not in both.reason


def test_when_a_part_is_not_answered_the_question_is_answered_whole(two_companies, hash_embedder):
    whole = answer("Who founded Acme Robotics and Gamma Corp?", index_dir=two_companies, embedder=hash_embedder)
    assert "asked on its own" not in whole.reason
    assert whole.abstained  # the corpus never names Gamma Corp


def test_only_documents_that_say_the_same_count_as_agreeing():
    from qa.types import Answer, Citation

    def cite(doc, role):
        return Citation(doc, doc, 0, 4, "text", 0.9, role)
    one = Answer("q", "text", False, (cite("a", "answer"), cite("b", "corroboration"), cite("c", "disagreement")))
    assert one.sources == 3 and one.agreeing == 2
    two_parts = Answer("q", "text text", False, (cite("a", "answer"), cite("b", "answer")))
    assert two_parts.sources == 2 and two_parts.agreeing == 0
