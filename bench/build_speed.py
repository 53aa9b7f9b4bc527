"""Where an index build spends its time on a real corpus, and texts/s and MB/min.

    .venv/bin/python -m bench.build_speed [--docs 600] [--keep DIR] [--questions 30]

The corpus: the first ``--docs`` SciFact abstracts (public data, ``../shared/datasets``; skipped
when missing), each written as an HTML page whose paragraph keeps ~80-column source wraps, the
shape of generated documentation. ``qa.index.build.build_index`` then indexes it with the build's
default encoder (ONNX int8), once, with every stage timed by wrapping the functions the build
calls: reading (parsing HTML, cleaning), splitting into sentences and passages, embedding passages,
embedding sentences, writing (FAISS, BM25, tables). Prints a table and the share of each stage.

Then the same corpus is built with ``sentence_vectors="lazy"`` (passages only; a sentence vector
is embedded when a question first reads it), and ``--questions`` SciFact claims are asked of both
indexes in turn: the build-time ratio, the answer latency of each (every question asked once, so
the lazy index embeds the sentences it reads) and how many answers are the same.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import textwrap
import time
from html import escape
from pathlib import Path

from bench.common import DATA_DIR


def write_corpus(folder: Path, docs: int) -> int:
    """Write ``docs`` SciFact abstracts as wrapped HTML pages into ``folder``; return their bytes."""
    source = DATA_DIR / "scifact" / "corpus.jsonl"
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    with open(source, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= docs:
                break
            row = json.loads(line)
            body = "\n".join(textwrap.wrap(escape(row["text"]), 79))
            page = (f"<html><head><title>{escape(row['title'])}</title></head><body><main>"
                    f"<h1>{escape(row['title'])}</h1>\n<div class=\"abstract\">\n{body}\n</div>"
                    f"</main></body></html>\n")
            path = folder / f"{row['_id']}.html"
            path.write_text(page, encoding="utf-8")
            total += len(page.encode("utf-8"))
    return total


def timed_build(corpus: Path, index_dir: Path, sentence_vectors: str = "build") -> dict:
    """Build the index of ``corpus`` and return the seconds spent in each stage and the counts."""
    import qa.index.build as build
    from qa.embed import default_index_embedder, ensure_onnx_encoder

    ensure_onnx_encoder()
    embedder = default_index_embedder()
    embedder.encode(["warm up the encoder"])
    seconds: dict[str, float] = {}
    texts: dict[str, int] = {}

    def wrap(owner, name, stage):
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - t0
        setattr(owner, name, timed)
        return original

    encode = embedder.encode
    calls = []

    def timed_encode(batch, progress=None):
        stage = "embed passages" if not calls else "embed sentences"
        calls.append(stage)
        texts[stage] = len(batch)
        t0 = time.perf_counter()
        try:
            return encode(batch, progress)
        finally:
            seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - t0

    saved = [(build, "read_corpus", wrap(build, "read_corpus", "read + clean")),
             (build, "chunk_documents", wrap(build, "chunk_documents", "split sentences + passages")),
             (build, "_write_index_atomically", wrap(build, "_write_index_atomically", "write (FAISS, BM25, tables)"))]
    embedder.encode = timed_encode
    try:
        t0 = time.perf_counter()
        report = build.build_index(corpus, index_dir, embedder=embedder, force=True,
                                   sentence_vectors=sentence_vectors)
        total = time.perf_counter() - t0
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)
        del embedder.encode
    seconds["other"] = total - sum(seconds.values())
    return {"seconds": seconds, "total": total, "texts": texts, "report": report}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=600)
    parser.add_argument("--keep", type=Path, default=None, help="keep the corpus and index here")
    parser.add_argument("--questions", type=int, default=30)
    args = parser.parse_args()
    if not (DATA_DIR / "scifact" / "corpus.jsonl").is_file():
        print(f"skipped: {DATA_DIR / 'scifact'} not found")
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="qa-build-speed-"))
    try:
        size = write_corpus(work / "corpus", args.docs)
        result = timed_build(work / "corpus", work / "index")
        lazy = timed_build(work / "corpus", work / "lazy", "lazy")
        asked = ask_both(work, args.questions)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    report, total, seconds = result["report"], result["total"], result["seconds"]
    embedded = report.embedded_passages + report.embedded_sentences
    print(f"{args.docs} HTML pages, {size / 1e6:.2f} MB: {report.documents} documents, "
          f"{report.chunks} passages, {report.sentences} sentences; {total:.1f} s")
    print(f"  {embedded / total:.1f} texts/s, {size / 1e6 / (total / 60):.2f} MB/min")
    print("| stage | s | share | texts | texts/s |")
    print("|---|---|---|---|---|")
    for stage, s in seconds.items():
        n = result["texts"].get(stage)
        print(f"| {stage} | {s:.1f} | {s / total:.0%} | {n or ''} | {f'{n / s:.0f}' if n else ''} |")
    print(f"lazy sentence vectors: build {lazy['total']:.1f} s ({lazy['total'] / total:.2f}x the full "
          f"build's time; {size / 1e6 / (lazy['total'] / 60):.2f} MB/min)")
    for mode, times in asked["ms"].items():
        times = sorted(times)
        print(f"  answer() with {mode} sentence vectors: p50 {times[len(times) // 2]:.0f} ms, "
              f"p90 {times[int(0.9 * (len(times) - 1))]:.0f} ms ({len(times)} questions, each asked once)")
    print(f"  same answer text and citations: {asked['same']} of {asked['n']}")


def ask_both(work: Path, n: int) -> dict:
    """Ask ``n`` SciFact claims of the built and the lazy index, taking turns, each once."""
    from qa import answer
    from qa.embed import default_embedder

    embedder = default_embedder()
    with open(DATA_DIR / "scifact" / "queries.jsonl", encoding="utf-8") as fh:
        questions = [json.loads(line)["text"] for _, line in zip(range(n), fh)]
    for folder in ("index", "lazy"):  # load both indexes before timing
        answer("warm up", index_dir=work / folder, embedder=embedder)
    ms: dict[str, list[float]] = {"built": [], "lazy": []}
    same = 0
    for q in questions:
        out = {}
        for mode, folder in (("built", "index"), ("lazy", "lazy")):
            t0 = time.perf_counter()
            out[mode] = answer(q, index_dir=work / folder, embedder=embedder)
            ms[mode].append(1000 * (time.perf_counter() - t0))
        a, b = out["built"], out["lazy"]
        same += (a.text, [(c.doc_id, c.start, c.end) for c in a.citations]) == \
                (b.text, [(c.doc_id, c.start, c.end) for c in b.citations])
    return {"ms": ms, "same": same, "n": len(questions)}


if __name__ == "__main__":
    main()
