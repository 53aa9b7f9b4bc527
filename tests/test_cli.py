import json

import pytest
from click.testing import CliRunner
from conftest import make_corpus

from qa.app.cli import main


def test_index_ask_and_errors_through_the_cli(tmp_path, monkeypatch):
    from qa import embed

    fake = embed.HashEmbedder()
    monkeypatch.setattr(embed, "default_embedder", lambda: fake)
    corpus = make_corpus(tmp_path / "c", {
        "cats.txt": "Cats sleep sixteen hours a day. They purr when happy.",
        "dogs.txt": "Dogs bark at strangers. Dogs need daily walks.",
        "bin.txt": b"\x00\x00binary",
    })
    index_dir = tmp_path / "idx"
    runner = CliRunner()
    res = runner.invoke(main, ["index", str(corpus), "--index-dir", str(index_dir), "--no-onnx"])
    assert res.exit_code == 0, res.output
    assert "built: 2 documents" in res.output
    assert "bin.txt: skipped: binary file" in res.output
    res = runner.invoke(main, ["index", str(corpus), "--index-dir", str(index_dir), "--no-onnx"])
    assert "up to date" in res.output

    res = runner.invoke(main, ["ask", "How many hours do cats sleep?", "--index-dir", str(index_dir), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert not data["abstained"]
    assert "sixteen hours" in data["text"]
    c = data["citations"][0]
    assert (corpus / "cats.txt").read_text()[c["start"]:c["end"]] == c["quote"]
    assert "total_ms" in data["timings"]

    res = runner.invoke(main, ["ask", "How many hours do cats sleep?", "--index-dir", str(index_dir)])
    assert "Cats sleep sixteen hours a day." in res.output and "cats" in res.output

    res = runner.invoke(main, ["ask", "How many kittens does a cat have?", "--index-dir", str(index_dir)])
    assert res.exit_code == 0 and res.output.startswith("The corpus does not say.")
    assert "(why: the question counts 'kittens', which no passage read mentions)" in res.output
    assert "Closest passages (not an answer):" in res.output
    res = runner.invoke(main, ["ask", "Why do dogs bark at Strangrs?", "--index-dir", str(index_dir)])
    assert "(why: the corpus never mentions 'Strangrs' (did you mean 'strangers'?))" in res.output
    assert "Did you mean: Why do dogs bark at strangers?" in res.output

    res = runner.invoke(main, ["ask", "   ", "--index-dir", str(index_dir)])
    assert res.exit_code == 1
    assert res.output.strip().startswith("error: the question is empty")
    assert "Traceback" not in res.output

    res = runner.invoke(main, ["ask", "cats", "--index-dir", str(tmp_path / "missing")])
    assert res.exit_code == 1 and "no index at" in res.output

    res = runner.invoke(main, ["status", str(corpus), "--index-dir", str(index_dir)])
    assert res.exit_code == 1  # the fake model is not the default model: status says so
    assert "model differs" in res.output

    qfile = tmp_path / "q.jsonl"
    qfile.write_text(json.dumps({"id": "1", "question": "How long do cats sleep?", "answers": ["sixteen"],
                                 "relevant_docs": ["cats"], "answerable": True}) + "\n")
    res = runner.invoke(main, ["eval", str(qfile), "--index-dir", str(index_dir), "--compare"])
    assert res.exit_code == 0, res.output
    assert "hybrid" in res.output and "lexical" in res.output and "answer_hit@1" in res.output


def test_collection_option_indexes_and_answers_a_named_collection(tmp_path, monkeypatch):
    from qa import embed
    from qa.answer import answer
    from qa.collections import create_collection
    from qa.errors import IndexNotFoundError, QuestionError

    fake = embed.HashEmbedder()
    monkeypatch.setattr(embed, "default_embedder", lambda: fake)
    monkeypatch.setenv("QA_COLLECTIONS_DIR", str(tmp_path / "cols"))
    paths = create_collection("notes")
    (paths.corpus_dir / "owls.txt").write_text("Owls hunt at night. Their hearing is very sharp.")
    runner = CliRunner()
    res = runner.invoke(main, ["index", "--collection", "notes", "--no-onnx"])
    assert res.exit_code == 0, res.output
    assert "built: 1 documents" in res.output and str(paths.index_dir) in res.output

    res = runner.invoke(main, ["ask", "When do owls hunt?", "--collection", "notes", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["citations"][0]["doc_id"] == "owls" and "at night" in data["text"]
    assert answer("When do owls hunt?", collection="notes").citations[0].doc_id == "owls"

    res = runner.invoke(main, ["ask", "When do owls hunt?", "--collection", "birds"])
    assert res.exit_code == 1
    assert "no collection named 'birds'" in res.output and "notes" in res.output
    with pytest.raises(IndexNotFoundError, match="known collections: default, notes"):
        answer("When do owls hunt?", collection="birds")
    with pytest.raises(QuestionError, match="not both"):
        answer("When do owls hunt?", collection="notes", index_dir=paths.index_dir)
    res = runner.invoke(main, ["index", str(tmp_path), "--collection", "notes", "--no-onnx"])
    assert res.exit_code != 0 and "not both" in res.output
