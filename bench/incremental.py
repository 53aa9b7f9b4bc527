"""Time a full build against an incremental one after one document changed.

Usage: ``.venv/bin/python -m bench.incremental [--docs 5000] [--real-docs 2000] [--no-real]``

The corpus is SciFact abstracts (``/work/shared/datasets/scifact/corpus.jsonl``, or
``$SCIFACT_CORPUS``) written as ``.txt`` files into a temporary folder. For each embedder (the
deterministic ``HashEmbedder``, which shows the cost of everything but the model, then the real
model as `qa index` runs it, ``qa.embed.default_index_embedder()``) it times a full build, changes one document, times
the incremental build, then builds the changed corpus from scratch into another folder and checks
that both indexes hold the same tables and vectors. Figures are printed and written to
``docs/incremental.md`` (between the ``bench:start``/``bench:end`` markers).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SCIFACT = Path(os.environ.get("SCIFACT_CORPUS", "/work/shared/datasets/scifact/corpus.jsonl"))
DOC = ROOT / "docs" / "incremental.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
TABLES = ("documents.jsonl", "chunks.npy", "sentences.npy", "sentence_vectors.npy")


def write_corpus(folder: Path, n: int) -> list[Path]:
    """``n`` SciFact abstracts as ``<id>.txt`` files (title line, then the abstract)."""
    folder.mkdir(parents=True)
    paths = []
    with open(SCIFACT, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            text = row.get("text") or ""
            if not text.strip():
                continue
            path = folder / f"{row['_id']}.txt"
            path.write_text(f"{row.get('title', '').strip()}\n{text.strip()}\n", encoding="utf-8")
            paths.append(path)
            if len(paths) == n:
                break
    return paths


def compare(a: Path, b: Path) -> dict:
    """How two index folders differ: equal tables, and the largest vector difference."""
    import faiss

    out = {name: (a / name).read_bytes() == (b / name).read_bytes() for name in TABLES}
    fa, fb = faiss.read_index(str(a / "index.faiss")), faiss.read_index(str(b / "index.faiss"))
    va, vb = fa.reconstruct_n(0, fa.ntotal), fb.reconstruct_n(0, fb.ntotal)
    out["faiss vectors equal"] = va.shape == vb.shape and bool(np.array_equal(va, vb))
    out["faiss max |diff|"] = float(np.abs(va - vb).max()) if va.shape == vb.shape else float("nan")
    sa = np.load(a / "sentence_vectors.npy", allow_pickle=False).astype(np.float32)
    sb = np.load(b / "sentence_vectors.npy", allow_pickle=False).astype(np.float32)
    out["sentence max |diff|"] = float(np.abs(sa - sb).max()) if sa.shape == sb.shape else float("nan")
    return out


def run(embedder, n_docs: int, work: Path, label: str, check: bool = True) -> dict:
    from qa.index.build import build_index

    corpus = work / f"corpus-{label}"
    paths = write_corpus(corpus, n_docs)
    index_dir, fresh_dir = work / f"index-{label}", work / f"fresh-{label}"

    def progress(stage, done, total):
        if done == total or done % 5000 < 512:
            print(f"  [{label}] {stage} {done}/{total}", flush=True)

    print(f"{label}: {len(paths)} documents; full build...", flush=True)
    full = build_index(corpus, index_dir, embedder=embedder, progress=progress)
    print(f"  full: {full.seconds:.1f} s ({full.embedded} texts embedded)", flush=True)
    changed = paths[len(paths) // 2]
    changed.write_text(changed.read_text(encoding="utf-8")
                       + "This sentence was added to test incremental indexing.\n", encoding="utf-8")
    inc = build_index(corpus, index_dir, embedder=embedder, progress=progress)
    print(f"  incremental: {inc.status} in {inc.seconds:.2f} s ({inc.embedded} texts embedded; "
          f"added {inc.added}, changed {inc.changed}, removed {inc.removed}, unchanged {inc.unchanged})",
          flush=True)
    if check:
        print("  full build of the changed corpus, for comparison...", flush=True)
        again = build_index(corpus, fresh_dir, embedder=embedder, progress=progress)
        equal = compare(index_dir, fresh_dir)
        print(f"  second full: {again.seconds:.1f} s; comparison: {equal}", flush=True)
    else:
        again, equal = None, None
    precision = getattr(embedder, "precision", None)
    return {"label": label, "model": f"{embedder.name} ({precision})" if precision else embedder.name, "documents": full.documents, "chunks": full.chunks,
            "sentences": full.sentences, "full_s": full.seconds, "full_again_s": again.seconds if again else None,
            "incremental_s": inc.seconds, "status": inc.status, "embedded_full": full.embedded,
            "embedded_incremental": inc.embedded, "ratio": inc.seconds / full.seconds, "equal": equal}


def report(rows: list[dict], notes: list[str]) -> str:
    lines = [START, "", f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
             f"{os.cpu_count()} cores shared with other jobs (`bench/incremental.py`).", "",
             "| embedder | docs | passages | sentences | full build | incremental (1 doc changed) "
             "| ratio | texts embedded (full / incr.) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        again = f" (again: {r['full_again_s']:.1f} s)" if r["full_again_s"] is not None else ""
        lines.append(f"| `{r['model']}` | {r['documents']} | {r['chunks']} | {r['sentences']} "
                     f"| {r['full_s']:.1f} s{again} | {r['incremental_s']:.2f} s "
                     f"| {100 * r['ratio']:.1f} % | {r['embedded_full']} / {r['embedded_incremental']} |")
    lines.append("")
    lines.append("Incremental index against a full build of the changed corpus:")
    lines.append("")
    for r in rows:
        eq = r["equal"]
        if eq is None:
            lines.append(f"- `{r['model']}`: not compared in this run (`--no-real-check`: a second full "
                         "build with the real model takes as long as the first).")
            continue
        tables = ", ".join(f"{name} {'identical' if eq[name] else 'DIFFERENT'}" for name in TABLES)
        lines.append(f"- `{r['model']}`: {tables}; FAISS vectors "
                     f"{'identical' if eq['faiss vectors equal'] else 'max |diff| %.2g' % eq['faiss max |diff|']}"
                     f" (sentence vectors max |diff| {eq['sentence max |diff|']:.2g}).")
    lines += [""] + [f"- {n}" for n in notes] + ["", END]
    return "\n".join(lines)


def write_doc(section: str) -> None:
    from bench.common import replace_marked_section

    replace_marked_section(DOC, START, END, section, "# Incremental indexing", lead="\n\n## Measured\n\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000, help="documents for the HashEmbedder run")
    parser.add_argument("--real-docs", type=int, default=5000, help="documents for the real-model run")
    parser.add_argument("--no-real", action="store_true", help="skip the real model")
    parser.add_argument("--no-real-check", action="store_true",
                        help="skip the real model's second full build (the equality check)")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/incremental.md")
    args = parser.parse_args()
    if not SCIFACT.exists():
        print(f"skipped: {SCIFACT} is missing (set SCIFACT_CORPUS to a SciFact corpus.jsonl)")
        return 0
    from qa.embed import HashEmbedder, default_index_embedder

    rows, notes = [], []
    with tempfile.TemporaryDirectory(prefix="qa-bench-incremental-") as tmp:
        work = Path(tmp)
        rows.append(run(HashEmbedder(), args.docs, work, "hash"))
        if not args.no_real:
            embedder = default_index_embedder()  # what `qa index` builds with
            embedder.warm_up() if hasattr(embedder, "warm_up") else None
            rows.append(run(embedder, args.real_docs, work, "real", check=not args.no_real_check))
            if args.real_docs < args.docs:
                notes.append(f"The real model ran on {args.real_docs} documents, not {args.docs}: two full "
                             f"builds of {args.docs} abstracts take too long on this shared machine.")
        shutil.rmtree(work, ignore_errors=True)
    for r in rows:
        print(f"{r['model']}: full {r['full_s']:.1f} s, incremental {r['incremental_s']:.2f} s "
              f"= {100 * r['ratio']:.1f} % of a full build (target < 5 %)")
    if not args.no_write:
        write_doc(report(rows, notes))
        print(f"figures written to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
