"""BEIR and TREC files in, TREC runs out, paired tests between runs (fake embedder, small data)."""

import json
import math

import pytest
from click.testing import CliRunner

from qa.app.cli import main
from qa.errors import EvaluationError
from qa.eval.ranking import parse_metrics, per_query_scores, score_run
from qa.eval.trec import load_beir, load_qrels, load_queries, load_run, write_run

DOCS = [
    ("101", "Glaciers", "Glaciers in the Alps lost forty metres of ice thickness since 1990."),
    ("102", "Tides", "The tides are caused by the gravity of the moon and the sun."),
    ("103", "Bees", "Honey bees dance to tell other bees where flowers are."),
    ("104", "Volcanoes", "Volcanoes erupt when magma rises through cracks in the crust."),
    ("105", "Owls", "Owls hunt at night and their hearing is very sharp."),
    ("106", "Ice", "Alpine glacier ice melts faster in hot summers with little snow."),
]
QUERIES = {"q1": "How much ice did Alpine glaciers lose?", "q2": "What causes the tides?",
           "q3": "How do bees tell where flowers are?", "q4": "When do volcanoes erupt?",
           "q9": "A query nobody judged about owls"}
# q1 has two graded documents; q5 is judged but has no query text; "999" is not in the corpus.
QRELS = [("q1", "101", 2), ("q1", "106", 1), ("q2", "102", 1), ("q3", "103", 1), ("q4", "104", 1),
         ("q4", "999", 1), ("q5", "105", 1)]


def make_beir(root, split="test"):
    root.mkdir(parents=True)
    (root / "corpus.jsonl").write_text("".join(
        json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, t, x in DOCS))
    (root / "queries.jsonl").write_text("".join(
        json.dumps({"_id": q, "text": t, "metadata": {}}) + "\n" for q, t in QUERIES.items()))
    (root / "qrels").mkdir()
    (root / "qrels" / f"{split}.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t{g}\n" for q, d, g in QRELS))
    return root


@pytest.fixture()
def beir_index(tmp_path, monkeypatch):
    from qa import embed

    fake = embed.HashEmbedder()
    monkeypatch.setattr(embed, "default_embedder", lambda: fake)
    data = make_beir(tmp_path / "mini")
    index_dir = tmp_path / "idx"
    res = CliRunner().invoke(main, ["index", str(data), "--index-dir", str(index_dir), "--no-onnx"])
    assert res.exit_code == 0, res.output
    return data, index_dir


def test_a_beir_folder_is_indexed_by_raw_ids_without_its_queries(beir_index):
    from qa.index.load import load_index

    data, index_dir = beir_index
    index = load_index(index_dir, "hash-bow-384")
    # The corpus's _id is the document id (qrels name it so); queries.jsonl is not a document.
    assert sorted(d.doc_id for d in index.documents) == [i for i, _, _ in DOCS]
    assert index.document("102").title == "Tides"


def test_qrels_are_read_graded_from_beir_and_trec_files(tmp_path):
    beir = tmp_path / "b.tsv"
    beir.write_text("query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t1\nq2\td3\t0\n")
    trec = tmp_path / "t.qrels"
    trec.write_text("q1 0 d1 2\nq1 0 d2 1\n\nq2 0 d3 0\n")
    assert load_qrels(beir) == load_qrels(trec) == {"q1": {"d1": 2, "d2": 1}, "q2": {"d3": 0}}


@pytest.mark.parametrize("line, what", [
    ("q2 0 d3", "3 columns where line 1 has 4"),
    ("q2 0 d3 high", "relevance 'high' is not a whole number"),
    ("q2 d3 1 0 extra", "got 5 columns"),
])
def test_a_malformed_qrels_line_is_an_error_naming_its_line(tmp_path, line, what):
    path = tmp_path / "bad.qrels"
    path.write_text(f"q1 0 d1 1\nq1 0 d2 0\n{line}\nq3 0 d4 1\n")
    with pytest.raises(EvaluationError, match=rf"bad.qrels:3: .*{what}"):
        load_qrels(path)


def test_queries_files_and_their_errors(tmp_path):
    tsv = tmp_path / "topics.tsv"
    tsv.write_text("1\tWhat causes tides?\n2\tWhen do volcanoes erupt?\n")
    assert load_queries(tsv) == {"1": "What causes tides?", "2": "When do volcanoes erupt?"}
    tsv.write_text("1\tWhat causes tides?\n2 no tab here\n")
    with pytest.raises(EvaluationError, match="topics.tsv:2: expected QUERY_ID<TAB>TEXT"):
        load_queries(tsv)
    beir = make_beir(tmp_path / "d", split="train")
    with pytest.raises(EvaluationError, match="no 'test' split; it has: train"):
        load_beir(beir, "test")


def test_graded_relevance_sets_the_ndcg_gain():
    qrels = {"q": {"a": 2, "b": 1}}
    metrics = parse_metrics("ndcg@10,recall@100,mrr@10")
    low_first = per_query_scores(qrels, {"q": {"b": 2.0, "a": 1.0}}, metrics)["q"]
    high_first = per_query_scores(qrels, {"q": {"a": 2.0, "b": 1.0}}, metrics)["q"]
    # Linear gains (trec_eval's): DCG = 1 + 2/log2(3), ideal = 2 + 1/log2(3).
    assert low_first["ndcg@10"] == pytest.approx((1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3)), abs=1e-4)
    assert high_first["ndcg@10"] == pytest.approx(1.0)
    assert low_first["recall@100"] == high_first["recall@100"] == 1.0


def test_missing_queries_and_unknown_documents_are_reported_not_fatal():
    qrels = {"q1": {"a": 1}, "q2": {"zzz": 1}, "q3": {"b": 1}}
    report = score_run(qrels, {"q1": {"a": 1.0}, "q2": {"a": 1.0}}, parse_metrics("recall@10"),
                       missing_queries=["q3"], known_docs={"a", "b"}.__contains__)
    assert report.missing_queries == ("q3",) and report.unknown_docs == ("zzz",)
    assert report.per_query == {"q1": {"recall@10": 1.0}, "q2": {"recall@10": 0.0}}
    assert report.means["recall@10"] == 0.5
    with pytest.raises(EvaluationError, match="unknown metric 'bleu@4'"):
        parse_metrics("ndcg@10,bleu@4")


def test_run_files_round_trip_with_ranks_as_written(tmp_path):
    path = write_run(tmp_path / "r.run", {"q1": {"a": 3.0, "b": 5.0}, "q2": {"c": 1.0}}, "qa-test")
    assert path.read_text().splitlines() == ["q1 Q0 b 1 5.000000 qa-test", "q1 Q0 a 2 3.000000 qa-test",
                                             "q2 Q0 c 1 1.000000 qa-test"]
    assert load_run(path) == ({"q1": {"b": 5.0, "a": 3.0}, "q2": {"c": 1.0}}, "qa-test")
    (tmp_path / "bad.run").write_text("q1 Q0 a 1 0.5 t\nq1 Q0 b 2 t\n")
    with pytest.raises(EvaluationError, match="bad.run:2: expected QUERY_ID Q0 DOC_ID RANK SCORE TAG"):
        load_run(tmp_path / "bad.run")


def test_beir_eval_writes_run_files_that_ir_measures_scores_the_same(beir_index, tmp_path):
    import ir_measures

    data, index_dir = beir_index
    out = tmp_path / "runs" / "mini.run"
    res = CliRunner().invoke(main, ["eval", str(data), "--index-dir", str(index_dir), "--mode", "hybrid",
                                    "--mode", "lexical", "--run-out", str(out), "--json",
                                    "--metrics", "ndcg@10,recall@100,mrr@10"])
    assert res.exit_code == 0, res.output
    data_json = json.loads(res.output[res.output.index("{"):])
    hybrid, lexical = data_json["reports"]
    assert set(hybrid["per_query"]) == {"q1", "q2", "q3", "q4"}
    assert hybrid["missing_queries"] == ["q5"] and hybrid["unknown_docs"] == ["999"]
    assert hybrid["unjudged_queries"] == 1
    # ir-measures reads TREC qrels only: the judgements as it would read them from one.
    qrels = [ir_measures.Qrel(q, d, g) for q, d, g in QRELS]
    for mode, report in (("hybrid", hybrid), ("lexical", lexical)):
        run = list(ir_measures.read_trec_run(str(tmp_path / "runs" / f"mini.{mode}.run")))
        judged = [q for q in qrels if q.query_id != "q5"]
        agg = ir_measures.calc_aggregate([ir_measures.nDCG @ 10], judged, run)
        assert report["metrics"]["ndcg@10"] == pytest.approx(agg[ir_measures.nDCG @ 10], abs=1e-4)
    assert {c["metric"] for c in data_json["comparisons"]} == {"ndcg@10", "recall@100", "mrr@10"}

    res = CliRunner().invoke(main, ["eval", "--runs", str(tmp_path / "runs" / "mini.hybrid.run"),
                                    str(tmp_path / "runs" / "mini.lexical.run"),
                                    "--qrels", str(data / "qrels" / "test.tsv"), "--details"])
    assert res.exit_code == 0, res.output
    assert "qa-lexical - qa-hybrid" in res.output and "p (rand.)" in res.output
    assert "per query:" in res.output and "\nq1 " in res.output


def test_cli_text_reports_what_was_left_out_and_clear_errors(beir_index, tmp_path):
    data, index_dir = beir_index
    runner = CliRunner()
    res = runner.invoke(main, ["eval", str(data), "--index-dir", str(index_dir)])
    assert res.exit_code == 0, res.output
    assert "1 judged queries have no query text and were left out: q5" in res.output
    assert "1 relevant documents are not in the index (they count as not found): 999" in res.output
    assert "ndcg@10" in res.output and "recall@100" in res.output
    res = runner.invoke(main, ["eval", str(data), "--split", "dev", "--index-dir", str(index_dir)])
    assert res.exit_code == 1 and "has no 'dev' split; it has: test (use --split test)" in res.output
    bad = tmp_path / "bad.qrels"
    bad.write_text("q1 0 101 1\nq2 0 102\tx y\n")
    res = runner.invoke(main, ["eval", "--queries", str(data / "queries.jsonl"), "--qrels", str(bad),
                               "--index-dir", str(index_dir)])
    assert res.exit_code == 1 and "bad.qrels:2:" in res.output and "Traceback" not in res.output


def test_evaluate_tab_scores_an_uploaded_beir_zip_with_two_runs(beir_index, tmp_path):
    import zipfile

    from qa.app.judged import metric_headers, run_judged_evaluation
    from qa.embed import HashEmbedder

    data, index_dir = beir_index
    archive = tmp_path / "mini.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name in ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv"):
            z.write(data / name, f"mini/{name}")
        z.writestr("../../escape/qrels/test.tsv", "q1\t101\t1\n")  # never written outside
    html, rows, chart, per_query, headers = run_judged_evaluation(
        archive, "test", "ndcg@10,recall@100", ["dense", "hybrid"], index_dir=index_dir,
        embedder=HashEmbedder())
    from html import unescape

    assert "mini (BEIR, split test)" in unescape(html) and "p = " in html and "q5" in html
    assert metric_headers(["dense", "hybrid"]) == ["metric", "hybrid", "dense", "p (dense vs hybrid)"]
    assert [r[0] for r in rows] == ["ndcg@10", "recall@100"] and len(rows[0]) == 4
    assert list(chart["metric"]) == ["ndcg@10 hybrid", "ndcg@10 dense", "recall@100 hybrid", "recall@100 dense"]
    assert headers[:2] == ["query", "hybrid ndcg@10"] and [r[0] for r in per_query] == ["q1", "q2", "q3", "q4"]
    assert not (tmp_path.parent / "escape").exists()

    # Two plain files work too; a broken qrels file is a message, not a crash.
    qrels = tmp_path / "judged.qrels"
    qrels.write_text("q2 0 102 1\nq3 0 103 1\n")
    html, rows, *_ = run_judged_evaluation([qrels, data / "queries.jsonl"], "test", "", ["hybrid"],
                                           index_dir=index_dir, embedder=HashEmbedder())
    assert "2 judged queries" in html and rows[0][0] == "ndcg@10"
    qrels.write_text("q2 0 102 1\nq3 0 103\n")
    html, rows, *_ = run_judged_evaluation([qrels, data / "queries.jsonl"], "test", "", ["hybrid"],
                                           index_dir=index_dir, embedder=HashEmbedder())
    assert "judged.qrels:2:" in html and rows == []


def test_rankings_are_over_distinct_documents_to_the_asked_depth(tmp_path):
    from qa.embed import HashEmbedder
    from qa.eval.ranking import run_queries
    from qa.index.build import build_index

    # Long documents: several passages each, so passages must be gathered per document.
    root = tmp_path / "long"
    root.mkdir()
    rows = [{"_id": f"d{n}", "title": topic, "text": " ".join(
        f"Sentence {i} of the report about {topic} and its many findings." for i in range(40))}
            for n, topic in enumerate(["glaciers", "tides", "bees", "owls"])]
    (root / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    embedder = HashEmbedder()
    build_index(root, tmp_path / "idx", embedder=embedder)
    run, index = run_queries({"q": "report about glaciers findings"}, tmp_path / "idx", "dense", 3, embedder)
    assert index.n_chunks > 4 * len(index.documents) / 2  # several passages per document
    assert list(run["q"].values()) == [3.0, 2.0, 1.0] and len(set(run["q"])) == 3
    run, _ = run_queries({"q": "report about glaciers findings"}, tmp_path / "idx", "dense", 10, embedder)
    assert sorted(run["q"]) == ["d0", "d1", "d2", "d3"]  # every document, each once
