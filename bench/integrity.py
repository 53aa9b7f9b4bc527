"""What verifying an index's checksums costs: on every load (the files answers quote from) and in
full (``qa status --verify``), on synthetic tables of a large index.

    .venv/bin/python -m bench.integrity [--passages 1000000] [--rounds 3] [--no-doc]

Writes, once (re-used while the size matches), ``documents.jsonl``, ``sentences.npy`` and
``chunks.npy`` of an index of ``--passages`` passages in the format ``qa.index.build`` writes:
documents of 31 sentences (10 passages of 4 sentences overlapping by one), 8-34 words each, drawn
from the words of ``corpus/``. These are the files every load verifies (``VERIFIED_ON_LOAD``).

Each round, in this process and alternating the order:

- **load**: what ``qa.index.load`` does with these files: parse the documents, map the two
  tables, run the range checks (no hashing: the naive baseline);
- **then hash** (shipped): the same, then SHA-256 of the three files one after the other;
- **overlapped** (an alternative, not shipped): the three files hashed on another thread while
  they are parsed;
- **hashing alone**: SHA-256 over the same bytes, from which the full check of the heavier files
  (vectors, FAISS, lexical index) at this size is projected with the per-passage file sizes
  measured by ``bench/memory.py``.

The figures that matter: each variant against the naive load, and the hashing time against the
whole-index load time at 1M passages that ``bench/memory.py`` measured. Writes the marked section
of docs/reliability.md (not with ``--no-doc``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

from bench.common import CORPUS_DIR, RESULTS, ROOT, cpu_model, replace_marked_section

import numpy as np

DOC = ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- integrity:begin -->", "<!-- integrity:end -->"
PASSAGES_PER_DOC = 10
SENTENCES_PER_DOC = 3 * PASSAGES_PER_DOC + 1
#: Bytes per passage of the files ``qa status --verify`` hashes beyond the load-verified ones, at
#: 1M passages with IVF-SQ8 (docs/scaling.md, bench/memory.py): sentence vectors 2,347, lexical/
#: 632, chunk vectors 1,536, index.faiss ~400.
HEAVY_BYTES_PER_PASSAGE = 2347 + 632 + 1536 + 400
#: The whole-index load at 1M passages measured by bench/memory.py (docs/benchmarks.md), seconds.
FULL_LOAD_1M_S = 4.8


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def write_tables(folder: Path, n_passages: int, seed: int = 0) -> dict:
    """The three files of a ``n_passages`` index in ``folder``; their sizes in bytes."""
    from qa.index.manifest import CHUNKS, DOCUMENTS, SENTENCES

    folder.mkdir(parents=True, exist_ok=True)
    words = sorted({w for p in CORPUS_DIR.glob("*.txt")
                    for w in re.findall(r"[A-Za-z]{2,}", p.read_text(encoding="utf-8"))})
    vocab = np.array(words)
    rng = np.random.default_rng(seed)
    n_docs = -(-n_passages // PASSAGES_PER_DOC)
    sent = np.empty((n_docs * SENTENCES_PER_DOC, 3), dtype=np.int64)
    chunks = np.empty((n_docs * PASSAGES_PER_DOC, 3), dtype=np.int64)
    t0 = time.perf_counter()
    with open(folder / DOCUMENTS, "w", encoding="utf-8") as fh:
        for d in range(n_docs):
            lengths = rng.integers(8, 35, SENTENCES_PER_DOC)
            drawn = vocab[rng.integers(0, len(vocab), int(lengths.sum()))]
            pos, offset, parts = 0, 0, []
            for i, n in enumerate(lengths):
                s = " ".join(drawn[pos:pos + n]) + "."
                pos += n
                sent[d * SENTENCES_PER_DOC + i] = (d, offset, offset + len(s))
                parts.append(s)
                offset += len(s) + 1
            text = " ".join(parts)
            for c in range(PASSAGES_PER_DOC):
                a = d * SENTENCES_PER_DOC + 3 * c
                chunks[d * PASSAGES_PER_DOC + c] = (d, a, a + 4)
            doc_id = f"{d:07d}"
            fh.write(json.dumps({"doc_id": doc_id, "title": parts[0][:60], "path": f"{doc_id}.txt",
                                 "sha256": hashlib.sha256(text.encode()).hexdigest(), "date": None,
                                 "url": None, "source": None, "author": None, "pages": [], "copies": [],
                                 "text": text, "segments": [[0, len(text), 1, ""]]}, ensure_ascii=False) + "\n")
            if d % 20_000 == 0:
                log(f"  documents {d:,}/{n_docs:,} ({time.perf_counter() - t0:.0f} s)")
    np.save(folder / SENTENCES, sent)
    np.save(folder / CHUNKS, chunks)
    sizes = {name: (folder / name).stat().st_size for name in (DOCUMENTS, SENTENCES, CHUNKS)}
    (folder / "params.json").write_text(json.dumps({"passages": n_passages, "sizes": sizes}))
    return sizes


def hash_in_background(index_dir: Path, names):
    """The alternative measured: hash ``names`` on another thread while the caller parses (SHA-256
    releases the GIL); a future of ``{name: sha256 or None}``."""
    from qa.checksums import file_sha256

    def digests() -> dict:
        out = {}
        for name in names:
            try:
                out[name] = file_sha256(index_dir / name)
            except OSError:
                out[name] = None
        return out

    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qa-verify")
    future = pool.submit(digests)
    pool.shutdown(wait=False)  # the submitted hashing still runs; the pool goes when it ends
    return future


def one_load(folder: Path, verify: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, every thread) to read the three files as the loader does; ``verify``: "no" (the naive baseline),
    "after" (then hash them, one after the other, as ``qa.index.load`` does) or "overlapped" (hashed
    on another thread while they are parsed)."""
    from qa.checksums import file_sha256
    from qa.index.load import _load_documents, _table_range_problems
    from qa.index.manifest import CHUNKS, DOCUMENTS, SENTENCES, VERIFIED_ON_LOAD

    t0, c0 = time.perf_counter(), time.process_time()
    hashing = hash_in_background(folder, VERIFIED_ON_LOAD) if verify == "overlapped" else None
    documents = _load_documents(folder / DOCUMENTS)
    sentences = np.load(folder / SENTENCES, allow_pickle=False, mmap_mode="r")
    chunks = np.load(folder / CHUNKS, allow_pickle=False, mmap_mode="r")
    assert not _table_range_problems(documents, sentences, chunks)
    if verify == "after":
        [file_sha256(folder / name) for name in VERIFIED_ON_LOAD]
    elif hashing is not None:
        assert all(hashing.result().values())
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    del documents
    return seconds, cpu


def hash_seconds(folder: Path) -> float:
    """Seconds of SHA-256 over the three files (read from the page cache)."""
    from qa.checksums import file_sha256

    t0 = time.perf_counter()
    for p in folder.iterdir():
        if p.suffix in (".jsonl", ".npy"):
            file_sha256(p)
    return time.perf_counter() - t0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=None, help="default bench/results/integrity-N")
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args(argv)
    folder = args.folder or RESULTS / f"integrity-{args.passages}"
    params = folder / "params.json"
    if params.exists() and json.loads(params.read_text())["passages"] == args.passages:
        sizes = json.loads(params.read_text())["sizes"]
    else:
        log(f"writing the tables of {args.passages:,} passages into {folder} ...")
        sizes = write_tables(folder, args.passages)
    load0 = os.getloadavg()[0]
    one_load(folder, "no")  # warm the page cache: every variant reads from memory
    variants = ("no", "after", "overlapped")
    times: dict = {v: [] for v in variants}
    for r in range(args.rounds):
        for verify in (variants if r % 2 == 0 else variants[::-1]):
            times[verify].append(one_load(folder, verify))
            log(f"  round {r + 1}: verify {verify}: {times[verify][-1][0]:.2f} s wall, {times[verify][-1][1]:.2f} s CPU")
    hashing = statistics.median(hash_seconds(folder) for _ in range(5))
    mb = sum(sizes.values()) / 1e6
    rate = mb / hashing
    p, after, v = (statistics.median(w for w, _ in times[x]) for x in variants)
    pc, afterc, vc = (statistics.median(c for _, c in times[x]) for x in variants)
    heavy_s = args.passages * HEAVY_BYTES_PER_PASSAGE / 1e6 / rate
    full_load = FULL_LOAD_1M_S * args.passages / 1_000_000
    lines = [
        BEGIN,
        "## Integrity checks: what they cost",
        "",
        f"`python -m bench.integrity --passages {args.passages}` ({time.strftime('%Y-%m-%d %H:%M')}, "
        f"{cpu_model() or 'CPU'}, {os.cpu_count()} shared cores, load average {load0:.1f} -> "
        f"{os.getloadavg()[0]:.1f}): the three files every load verifies, for {args.passages:,} passages "
        f"({', '.join(f'{k} {s / 1e6:,.0f} MB' for k, s in sizes.items())}; {mb:,.0f} MB), read as "
        f"`qa.index.load` reads them, median of {args.rounds} rounds (alternating) from the page cache.",
        "",
        "| | wall s | CPU s |",
        "|---|---:|---:|",
        f"| load: parse the documents, map the tables, range checks (no hashing: the naive baseline) | {p:.2f} | {pc:.2f} |",
        f"| load, then hash the three files (shipped) | {after:.2f} ({after / p - 1:+.0%}) | {afterc:.2f} ({afterc / pc - 1:+.0%}) |",
        f"| load with the files hashed on another thread meanwhile (not shipped) | {v:.2f} ({v / p - 1:+.0%}) | {vc:.2f} ({vc / pc - 1:+.0%}) |",
        f"| SHA-256 of the same {mb:,.0f} MB alone (median of 5; {rate:,.0f} MB/s) | {hashing:.2f} | |",
        f"| the whole index's load at this size (4.8 s at 1M passages, bench/memory.py, scaled) | {full_load:.1f} | |",
        "",
        f"Verifying what answers quote from costs what hashing it costs: {hashing:.2f} s here, "
        f"{after / p - 1:+.0%} wall and {afterc / pc - 1:+.0%} CPU over the naive load of these files, and "
        f"{hashing / full_load:.0%} of the whole index's load at this size. Hashing on a second thread "
        f"while parsing (SHA-256 releases Python's GIL) measured {v / p - 1:+.0%} wall against "
        f"{after / p - 1:+.0%}: no better on this busy machine (in one earlier run worse), so the loader keeps "
        "the simpler order and hashes only tables that passed their range checks. "
        f"The files only `qa status --verify` hashes (vectors, FAISS, lexical index: about "
        f"{HEAVY_BYTES_PER_PASSAGE:,} bytes per passage) would add about {heavy_s:.0f} s to every load at "
        f"this size ({heavy_s / full_load:.1f}x the load itself), which is why they are left to the full "
        "check; they decide which passages are read, never what a quote says.",
        END,
    ]
    block = "\n".join(lines)
    print(block)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "integrity-last-run.json").write_text(json.dumps(
        {"passages": args.passages, "sizes": sizes, "seconds": times,
         "hash_s": hashing, "load_avg_start": load0}, indent=1))
    if not args.no_doc:
        replace_marked_section(DOC, BEGIN, END, block, "# Reliability")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
