"""Scale-out engines, run for real: Milvus Lite (embedded) as the vector store and a local Ray for
embedding, each compared with the FAISS / in-process path on the bundled questions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import EVAL_FILE, make_corpus

from qa.errors import VectorStoreError
from qa.index.build import build_index
from qa.index.load import load_index

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")


def bundled_questions() -> list[str]:
    with open(EVAL_FILE, encoding="utf-8") as fh:
        return [json.loads(line)["question"] for line in fh if line.strip()]


_QUERY_VECTORS: dict[str, np.ndarray] = {}


def top_passages(index_dir: Path, embedder, mode: str, k: int = 5) -> list[list[tuple]]:
    """Per bundled question, the passages answer() reads: ((doc id, start, end), score), best first."""
    from qa.answer import answer

    questions = bundled_questions()
    if embedder.name not in _QUERY_VECTORS:  # each question is encoded once per session
        _QUERY_VECTORS[embedder.name] = embedder.encode(questions)
    vectors = _QUERY_VECTORS[embedder.name]
    return [[((p.doc_id, p.start, p.end), p.score) for p in answer(
        q, k=k, index_dir=index_dir, mode=mode, embedder=embedder, check_stale=False,
        query_vector=v).passages] for q, v in zip(questions, vectors)]


def assert_same_rankings(got: list[list[tuple]], expected: list[list[tuple]]) -> None:
    """The same passages with the same scores, best first, for every question.

    Two engines round inner products differently (last float32 digit), so passages whose scores
    tie (citation scores have 4 decimals) may come in either order, and at the cut-off the tie may
    reach past ``k``.
    """
    assert len(got) == len(expected)
    for question, (a, b) in enumerate(zip(got, expected)):
        assert np.allclose([s for _, s in a], [s for _, s in b], atol=1.01e-4), question
        groups: dict[float, list[set]] = {}
        for ranking, slot in ((a, 0), (b, 1)):
            for passage, score in ranking:
                groups.setdefault(round(score, 4), [set(), set()])[slot].add(passage)
        last = round(a[-1][1], 4) if a else None
        for score, (in_a, in_b) in groups.items():
            assert in_a == in_b or (score == last and len(in_a) == len(in_b)), (question, score)


def overlap(got: list[list[tuple]], expected: list[list[tuple]]) -> float:
    """Mean share of each question's expected passages that were also retrieved."""
    return float(np.mean([len({p for p, _ in a} & {p for p, _ in b}) / max(1, len(b))
                          for a, b in zip(got, expected)]))


@pytest.fixture(scope="module")
def milvus_index(tmp_path_factory, corpus_copy, hash_embedder) -> Path:
    """The shipped corpus indexed with the fake embedder into an in-folder Milvus Lite file."""
    index_dir = tmp_path_factory.mktemp("milvus-index") / "index"
    build_index(corpus_copy, index_dir, embedder=hash_embedder, store="milvus")
    return index_dir


def test_import_qa_loads_no_scale_out_package():
    code = ("import sys, qa, qa.index.build, qa.vectors.store; "
            "print(sorted(m for m in ('pymilvus', 'milvus_lite', 'ray') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_milvus_gives_the_same_top_passages_as_faiss_on_the_bundled_questions(milvus_index, hash_index,
                                                                                hash_embedder):
    manifest = json.loads((milvus_index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["store"]["kind"] == "milvus" and manifest["store"]["uri"] is None
    assert (milvus_index / manifest["store"]["lite_file"]).is_dir() and not (milvus_index / "index.faiss").exists()
    assert_same_rankings(top_passages(milvus_index, hash_embedder, "dense"),
                         top_passages(hash_index, hash_embedder, "dense"))
    # Reciprocal-rank fusion turns a swap of two tied dense scores (the fake embedder makes exact
    # ties) into different fused scores, so hybrid is compared by overlap and top passage.
    got, expected = (top_passages(i, hash_embedder, "hybrid") for i in (milvus_index, hash_index))
    assert [a[0][0] for a in got] == [b[0][0] for b in expected]
    assert overlap(got, expected) >= 0.98


def test_milvus_scores_equal_faiss_scores(milvus_index, hash_index, hash_embedder):
    milvus, faiss_ = load_index(milvus_index, check_stale=False), load_index(hash_index, check_stale=False)
    queries = hash_embedder.encode(bundled_questions()[:20])
    ms, mi = milvus.vector_store.search(queries, 10)
    fs, fi = faiss_.vector_store.search(queries, 10)
    # The same top-10 scores; ids may differ only between passages whose scores tie.
    assert np.allclose(ms, fs, atol=1e-5) and (mi == fi).mean() > 0.95
    true = np.einsum("qd,qkd->qk", queries, np.asarray(milvus.chunk_vectors)[mi])
    assert np.allclose(ms, true, atol=1e-5)
    assert milvus.vector_store.search(queries[:1], milvus.n_chunks + 5)[1][0, -1] == -1  # padded like FAISS


def test_a_milvus_index_is_updated_in_place_and_keeps_answering(tmp_path, hash_embedder):
    from test_incremental import CountingEmbedder

    from qa.answer import answer

    corpus = make_corpus(tmp_path / "c", {"cats.txt": "Cats sleep sixteen hours a day. They purr.",
                                          "dogs.txt": "Dogs bark at strangers. Dogs need walks."})
    index_dir = tmp_path / "i"
    build_index(corpus, index_dir, embedder=hash_embedder, store="milvus")
    first = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))["store"]
    assert "sixteen" in answer("How many hours do cats sleep?", index_dir=index_dir, embedder=hash_embedder,
                               threshold=-1.0).text
    assert build_index(corpus, index_dir, embedder=hash_embedder).status == "up to date"

    (corpus / "owls.txt").write_text("Owls hunt at night. Owls eat mice.", encoding="utf-8")
    counting = CountingEmbedder()
    report = build_index(corpus, index_dir, embedder=counting)  # no --store: keeps Milvus
    assert report.status == "updated" and all("Owls" in t for t in counting.seen)
    second = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))["store"]
    assert second["kind"] == "milvus" and second["lite_file"] != first["lite_file"]
    assert not (index_dir / first["lite_file"]).exists()
    # The same process reloads the new build (a new Milvus Lite server, not the old one's).
    assert answer("What do owls eat at night?", index_dir=index_dir, embedder=hash_embedder,
                  threshold=-1.0).citations[0].doc_id == "owls"


def test_moving_an_index_between_stores_embeds_nothing(tmp_path, hash_embedder):
    from test_incremental import CountingEmbedder, assert_same_index

    corpus = make_corpus(tmp_path / "c", {"cats.txt": "Cats sleep sixteen hours a day. They purr.",
                                          "dogs.txt": "Dogs bark at strangers. Dogs need walks."})
    build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    counting = CountingEmbedder()
    to_milvus = build_index(corpus, tmp_path / "i", embedder=counting, store="milvus")
    assert (to_milvus.status, to_milvus.embedded, counting.seen) == ("updated", 0, [])
    back = build_index(corpus, tmp_path / "i", embedder=counting, store="faiss")
    assert (back.status, back.embedded) == ("updated", 0)
    build_index(corpus, tmp_path / "full", embedder=hash_embedder)
    assert_same_index(tmp_path / "i", tmp_path / "full")


def test_a_shared_milvus_lite_file_gets_one_collection_per_build_and_keeps_two(tmp_path, hash_embedder):
    from pymilvus import MilvusClient

    from qa.answer import answer

    corpus = make_corpus(tmp_path / "c", {"cats.txt": "Cats sleep sixteen hours a day. They purr."})
    uri = str(tmp_path / "shared.db")
    collections = []
    for i in range(3):
        (corpus / "n.txt").write_text(f"Note {i}: the meeting is in room {i}.", encoding="utf-8")
        build_index(corpus, tmp_path / "i", embedder=hash_embedder, uri=uri)
        store = json.loads((tmp_path / "i" / "manifest.json").read_text(encoding="utf-8"))["store"]
        assert store["uri"] == uri
        collections.append(store["collection"])
        assert f"room {i}" in answer("Which room is the meeting in?", index_dir=tmp_path / "i",
                                     embedder=hash_embedder, threshold=-1.0).text
    client = MilvusClient(uri)
    # The current build and the one before it (for readers not yet reloaded); the first is dropped.
    assert sorted(client.list_collections()) == sorted(collections[1:])
    client.close()


def test_an_unreachable_server_or_missing_package_is_a_clear_error(tmp_path, hash_embedder, monkeypatch):
    from click.testing import CliRunner

    from qa import embed
    from qa.app.cli import main

    corpus = make_corpus(tmp_path / "c", {"cats.txt": "Cats sleep sixteen hours a day. They purr."})
    with pytest.raises(VectorStoreError, match="cannot reach Milvus at http://127.0.0.1:9"):
        build_index(corpus, tmp_path / "i", embedder=hash_embedder, uri="http://127.0.0.1:9")
    assert not (tmp_path / "i").exists()
    monkeypatch.setattr(embed, "default_embedder", lambda: hash_embedder)
    res = CliRunner().invoke(main, ["index", str(corpus), "--index-dir", str(tmp_path / "i"), "--no-onnx",
                                    "--store", "milvus", "--uri", "http://127.0.0.1:9"])
    assert res.exit_code == 1 and "error: cannot reach Milvus" in res.output and "Traceback" not in res.output
    monkeypatch.setitem(sys.modules, "pymilvus", None)
    with pytest.raises(VectorStoreError, match=r"pip install 'qa\[scale\]'"):
        build_index(corpus, tmp_path / "i", embedder=hash_embedder, store="milvus")


def test_a_milvus_lite_file_held_by_another_process_is_one_clear_error(tmp_path, capfd):
    """Milvus Lite locks its file; a second process gets our error, naming the cause, and not
    Milvus Lite's own traceback on top of it."""
    from qa.vectors.milvus import _connect

    db = tmp_path / "held.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pymilvus import MilvusClient\n"
         f"MilvusClient(uri={str(db)!r})\nprint('open', flush=True)\nsys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        capfd.readouterr()
        with pytest.raises(VectorStoreError, match="another process holds the lock") as err:
            _connect(str(db))
        assert "one process at a time" in str(err.value)
        out, errors = capfd.readouterr()
        assert "Traceback" not in out + errors
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)


def test_answer_can_point_an_index_at_a_moved_server(milvus_index, hash_embedder):
    from qa.answer import answer
    from qa.errors import IndexMismatchError

    with pytest.raises(VectorStoreError, match="cannot reach Milvus at http://127.0.0.1:9"):
        answer("Who founded 01.AI?", index_dir=milvus_index, embedder=hash_embedder, uri="http://127.0.0.1:9")
    with pytest.raises(IndexMismatchError, match="--store faiss"):
        answer("Who founded 01.AI?", index_dir=milvus_index, embedder=hash_embedder, store="faiss")


# --- Ray ----------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def local_ray():
    """One local Ray instance for the whole session (it takes seconds to start)."""
    ray = pytest.importorskip("ray")
    started = not ray.is_initialized()
    # On two busy cores a node start can time out ("node timed out during startup"): try again.
    for attempt in range(3) if started else ():
        try:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
            break
        except Exception:
            ray.shutdown()
            if attempt == 2:
                raise
    yield ray
    if started:
        ray.shutdown()


def test_ray_embeds_in_order_with_the_local_vectors(local_ray, hash_embedder):
    from qa.embed.ray import RayEmbedder

    texts = [f"Passage {i} says that item {i * 7 % 13} weighs {i} grams." for i in range(50)]
    done = []
    vectors = RayEmbedder(hash_embedder, actors=2, batch_size=7).encode(texts, progress=done.append)
    assert np.array_equal(vectors, hash_embedder.encode(texts)) and sum(done) == 50


def test_a_ray_build_writes_the_same_index_as_a_local_one(local_ray, tmp_path_factory, corpus_copy,
                                                          hash_index, hash_embedder):
    from test_incremental import assert_same_index

    index_dir = tmp_path_factory.mktemp("ray-index") / "index"  # same depth: same relative corpus path
    report = build_index(corpus_copy, index_dir, embedder=hash_embedder, engine="ray")
    assert report.status == "built" and report.embedded == report.chunks + report.sentences
    assert_same_index(index_dir, hash_index)


# --- the real model (slow) -----------------------------------------------------------------------

@pytest.mark.slow
def test_real_model_milvus_and_faiss_read_the_same_passages(tmp_path_factory, corpus_copy, real_index,
                                                            real_embedder):
    index_dir = tmp_path_factory.mktemp("real-milvus") / "index"
    build_index(corpus_copy, index_dir, embedder=real_embedder, store="milvus")
    for mode in ("dense", "hybrid"):
        assert_same_rankings(top_passages(index_dir, real_embedder, mode),
                             top_passages(real_index, real_embedder, mode))


@pytest.mark.slow
def test_real_model_ray_build_reads_the_same_passages_as_local(local_ray, tmp_path_factory, corpus_copy,
                                                               real_index, real_embedder):
    index_dir = tmp_path_factory.mktemp("real-ray") / "index"
    build_index(corpus_copy, index_dir, embedder=real_embedder, engine="ray")
    ray_vectors = np.load(index_dir / "chunk_vectors.npy")
    local_vectors = np.load(real_index / "chunk_vectors.npy")
    assert float(np.abs(ray_vectors - local_vectors).max()) < 1e-4
    for mode in ("dense", "hybrid"):
        assert_same_rankings(top_passages(index_dir, real_embedder, mode),
                             top_passages(real_index, real_embedder, mode))


def test_ray_workers_refuse_an_int8_model_they_do_not_have(tmp_path, monkeypatch):
    """An actor without the driver's int8 export must not fall back to other (fp32) vectors."""
    from qa.embed.ray import embedder_source
    from qa.errors import EmbedderError

    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "empty-cache"))

    class Int8Model:
        name, dim, precision = "sentence-transformers/all-MiniLM-L6-v2", 384, "int8"

    with pytest.raises(EmbedderError, match="no int8 ONNX export"):
        embedder_source(Int8Model())()
