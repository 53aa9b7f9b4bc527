import numpy as np

from qa.vectors.ann import IndexSpec, build_vector_index, choose_index_spec


def test_small_collections_are_searched_exactly():
    assert choose_index_spec(10) == IndexSpec("Flat")
    assert choose_index_spec(49_999) == IndexSpec("Flat")


def test_large_collections_get_an_ivf_index_with_enough_training_points_per_list():
    spec = choose_index_spec(1_000_000)
    assert spec.factory.startswith("IVF") and spec.factory.endswith(",SQ8")
    nlist = int(spec.factory[3:].split(",")[0])
    assert nlist * 39 <= 1_000_000 and spec.nprobe >= 32
    assert choose_index_spec(60_000).nprobe <= int(choose_index_spec(60_000).factory[3:].split(",")[0])


def test_ivf_index_finds_the_same_neighbours_as_exact_search():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((50, 32)).astype(np.float32)
    x = centres[rng.integers(0, 50, 5000)] + 0.3 * rng.standard_normal((5000, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q = x[:100] + 0.05 * rng.standard_normal((100, 32)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    exact = build_vector_index(x, IndexSpec("Flat"))
    approx = build_vector_index(x, IndexSpec("IVF64,SQ8", nprobe=16))
    _, e = exact.search(q, 10)
    _, a = approx.search(q, 10)
    recall = np.mean([len(set(e[i]) & set(a[i])) / 10 for i in range(len(q))])
    assert recall >= 0.9
    assert approx.ntotal == exact.ntotal == 5000


def test_a_large_collection_is_indexed_with_ivf_and_answers(tmp_path, hash_embedder, monkeypatch):
    """With the exact limit lowered, the build writes an IVF index and loading re-applies nprobe."""
    import faiss
    from conftest import make_corpus

    from qa.answer import answer
    from qa.index.cache import get_index
    from qa.vectors import ann

    monkeypatch.setattr(ann, "EXACT_LIMIT", 50)
    docs = {f"d{i:03d}.txt": f"Item {i} is a widget of colour {i % 7} and weight {i} grams. "
                             f"It ships from warehouse {i % 5}. Buyers rate it {i % 10} stars. It is fine."
            for i in range(300)}
    docs["kling.txt"] = "Kling is a video generator made by Kuaishou. It makes two-minute videos."
    corpus = make_corpus(tmp_path / "c", docs)
    from qa.index.build import build_index

    build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    index = get_index(tmp_path / "i", hash_embedder.name)
    assert index.manifest["vector_index"]["factory"].startswith("IVF")
    assert faiss.extract_index_ivf(index.vector_store.index).nprobe == index.manifest["vector_index"]["nprobe"]
    result = answer("Which company makes the Kling video generator?", index_dir=tmp_path / "i",
                    embedder=hash_embedder)
    assert result.citations and result.citations[0].doc_id == "kling"
