import json

import pytest
from conftest import make_corpus

from qa import answer
from qa.errors import QuestionError
from qa.index.build import build_index
from qa.reader.values import iso_date


def test_iso_dates_from_the_ways_documents_write_them():
    assert iso_date("2024-07-27") == "2024-07-27"
    assert iso_date("2024-07-27T10:00:00Z") == "2024-07-27"
    assert iso_date("02/29/2024") == "2024-02-29"
    assert iso_date("July 24th, 2024") == "2024-07-24"
    assert iso_date("24 Jul 2024") == "2024-07-24"
    assert iso_date("2024") == "2024"
    assert iso_date("soon") is None and iso_date(None) is None


@pytest.fixture()
def news(tmp_path, hash_embedder):
    rows = [
        {"id": "a", "title": "Old robots", "date": "2023-03-01", "source": "Daily Planet",
         "text": "Acme Robotics builds robot arms in Berlin for car factories."},
        {"id": "b", "title": "New robots", "date": "2024-05-10", "source": "Metro News",
         "text": "Acme Robotics builds robot arms in Munich for farms now."},
        {"id": "c", "title": "Undated", "source": "Metro News",
         "text": "Acme Robotics builds robot arms in Hamburg for ships."},
    ]
    corpus = make_corpus(tmp_path / "c", {"news.jsonl": "\n".join(json.dumps(r) for r in rows) + "\n"})
    build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    return tmp_path / "i"


def test_answers_can_be_restricted_by_source_and_date(news, hash_embedder):
    ask = lambda **kw: answer("Where does Acme Robotics build robot arms?", index_dir=news,  # noqa: E731
                              embedder=hash_embedder, **kw)
    assert {c.doc_id for c in ask().passages} == {"news/a", "news/b", "news/c"}
    metro = ask(source="metro news")
    assert {c.doc_id for c in metro.passages} == {"news/b", "news/c"}
    assert metro.citations[0].doc_id in {"news/b", "news/c"}
    assert {c.doc_id for c in ask(date_from="2024-01-01").passages} == {"news/b"}
    assert {c.doc_id for c in ask(date_to="2023").passages} == {"news/a"}
    assert [h.doc_id for h in ask(source="Nowhere").passages] == []
    assert ask(source="Nowhere").abstained
    with pytest.raises(QuestionError, match="date_from"):
        ask(date_from="last tuesday")


def test_answers_can_be_restricted_to_documents_with_the_other_filters(news, hash_embedder):
    from qa.app.cli import main

    ask = lambda **kw: answer("Where does Acme Robotics build robot arms?", index_dir=news,  # noqa: E731
                              embedder=hash_embedder, **kw)
    assert {c.doc_id for c in ask(documents=["news/a", "news/c"]).passages} == {"news/a", "news/c"}
    assert {c.doc_id for c in ask(documents=["news/a", "news/c"], source="metro news").passages} == {"news/c"}
    with pytest.raises(QuestionError, match="no such document in the index: 'news/z'"):
        ask(documents=["news/z"])
    # The command line's --doc, repeated.
    from click.testing import CliRunner

    from qa import embed
    old, embed.default_embedder = embed.default_embedder, lambda: hash_embedder
    try:
        res = CliRunner().invoke(main, ["ask", "Where does Acme Robotics build robot arms?", "--index-dir", str(news),
                                        "--doc", "news/b", "--json"])
    finally:
        embed.default_embedder = old
    assert res.exit_code == 0, res.output
    assert {p["doc_id"] for p in json.loads(res.output)["passages"]} == {"news/b"}


def test_the_date_table_keeps_exactly_the_documents_whose_date_cut_to_the_bound_is_within_it():
    """The sorted table (a lookup per question) keeps what a pass over every document would."""
    import itertools
    from types import SimpleNamespace

    from qa.answer import MetadataTable

    days = ["2023", "2023-12-31", "2024", "2024-01-01", "July 2024", "2024-07-15", "07/31/2024", "2025-02-03"]
    docs = [SimpleNamespace(doc_id=f"d{i}", date=d, source=None, url=None) for i, d in enumerate(days)]
    docs.append(SimpleNamespace(doc_id="undated", date=None, source=None, url=None))
    table = MetadataTable.of(docs)
    bounds = [None, "2023", "2024", "2024-07", "2024-07-15", "2024-08", "2026"]
    for lo, hi in itertools.product(bounds, bounds):
        expected = {d.doc_id for d in docs if (day := iso_date(d.date))
                    and (lo is None or day[:len(lo)] >= lo) and (hi is None or day[:len(hi)] <= hi)}
        assert table.between(lo, hi) == expected, (lo, hi)


def test_sources_are_looked_up_by_name_or_url_host_and_a_blank_one_is_refused(news, hash_embedder):
    from qa.answer import document_filter
    from qa.index.cache import get_index

    index = get_index(news, hash_embedder.name)
    assert document_filter(index, source="  DAILY planet ") == {"news/a"}
    assert document_filter(index, source="Metro News", date_from="2024") == {"news/b"}
    with pytest.raises(QuestionError, match="source"):
        document_filter(index, source="  ")


def test_cli_ask_takes_the_same_filters(news, hash_embedder, monkeypatch):
    from click.testing import CliRunner

    from qa import embed
    from qa.app.cli import main

    monkeypatch.setattr(embed, "default_embedder", lambda: hash_embedder)
    res = CliRunner().invoke(main, ["ask", "Where does Acme Robotics build robot arms?", "--index-dir",
                                    str(news), "--date-from", "2024-01-01", "--json"])
    assert res.exit_code == 0, res.output
    assert {p["doc_id"] for p in json.loads(res.output)["passages"]} == {"news/b"}


def test_exact_duplicates_are_indexed_once_and_every_copy_is_cited(tmp_path, hash_embedder):
    from qa.app.render import render_answer

    text = "Acme Robotics builds robot arms in Berlin for car factories.\n"
    corpus = make_corpus(tmp_path / "c", {"a.txt": text, "mirror/a-copy.txt": text,
                                          "other.txt": "Tomatoes need sun and water every day.\n",
                                          "feed.jsonl": json.dumps({"id": "x", "text": text}) + "\n"})
    report = build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    assert report.documents == 2
    result = answer("Where does Acme Robotics build robot arms?", index_dir=tmp_path / "i",
                    embedder=hash_embedder)
    cited = result.citations[0]
    assert cited.doc_id == "a" and set(cited.copies) == {"mirror/a-copy.txt", "feed.jsonl:1"}
    assert "same text also in" in render_answer(result, 5) and "mirror/a-copy.txt" in render_answer(result, 5)
    # The list survives an incremental update and is dropped when the copy goes away.
    (corpus / "mirror" / "a-copy.txt").unlink()
    build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    result = answer("Where does Acme Robotics build robot arms?", index_dir=tmp_path / "i",
                    embedder=hash_embedder)
    assert result.citations[0].copies == ("feed.jsonl:1",)
