import json

import pytest

from conftest import make_corpus
from qa import answer
from qa.errors import QuestionError
from qa.index import build_index
from qa.spans import iso_date


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


def test_cli_ask_takes_the_same_filters(news, hash_embedder, monkeypatch):
    from click.testing import CliRunner

    from qa import embed
    from qa.cli import main

    monkeypatch.setattr(embed, "default_embedder", lambda: hash_embedder)
    res = CliRunner().invoke(main, ["ask", "Where does Acme Robotics build robot arms?", "--index-dir",
                                    str(news), "--date-from", "2024-01-01", "--json"])
    assert res.exit_code == 0, res.output
    assert {p["doc_id"] for p in json.loads(res.output)["passages"]} == {"news/b"}
