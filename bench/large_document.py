"""One very large document: what the viewer sends, and what one question costs in memory.

    .venv/bin/python -m bench.large_document [--mb 50]

The document: SciFact abstracts (public data, ``../shared/datasets``; skipped when missing) one
after another, hard-wrapped at 79 columns, paragraphs separated by blank lines, repeated up to
``--mb`` megabytes. Cleaning and ``make_document`` run on it once. Then, each in a fresh process
so that peaks do not mix:

- the viewer: ``render_document`` of a span in the middle, whole (the naive baseline: every
  character sent to the browser) and windowed (``qa.app.viewer``): HTML size and time;
- the per-question check "does the answer's document mention the names asked about": the
  naive ``set(analyze(title + text))`` on every question, against ``text_terms`` read in pieces
  (once per loaded index; later questions reuse the set): peak RSS above the text itself, and time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
import time

from bench.common import DATA_DIR, ROOT


def make_text(mb: float) -> str:
    paragraphs, size = [], 0
    with open(DATA_DIR / "scifact" / "corpus.jsonl", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    i = 0
    while size < mb * 1e6:
        row = rows[i % len(rows)]
        paragraph = row["title"] + "\n\n" + "\n".join(textwrap.wrap(row["text"], 79)) + "\n\n"
        paragraphs.append(paragraph)
        size += len(paragraph)
        i += 1
    return "".join(paragraphs)


def probe(kind: str, mb: float) -> dict:
    """Run in a child process: build the document, then measure one thing."""
    import resource

    from qa.ingest.corpus import make_document

    text = make_text(mb)
    t0 = time.perf_counter()
    doc = make_document("big", text)
    clean_s = time.perf_counter() - t0
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    out: dict = {"chars": len(text), "clean_s": clean_s}
    if kind in ("view-whole", "view-window"):
        from qa.app.render import render_document

        start = len(text) // 2
        end = start + 200
        html = render_document(doc, start, end, "[1]", window=len(text) if kind == "view-whole" else 60_000)
        out["html_bytes"] = len(html.encode("utf-8"))
    elif kind == "terms-naive":
        from qa.lexicon.terms import analyze

        out["terms"] = len(set(analyze(f"{doc.title}\n{doc.text}")))
    else:
        from qa.reader.names import text_terms

        out["terms"] = len(text_terms(doc.title) | text_terms(doc.text))
    out["seconds"] = time.perf_counter() - t0
    out["peak_mib_above_document"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - base
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50)
    parser.add_argument("--probe", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe(args.probe, args.mb)))
        return
    if not (DATA_DIR / "scifact" / "corpus.jsonl").is_file():
        print(f"skipped: {DATA_DIR / 'scifact'} not found")
        return
    results = {}
    for kind in ("view-whole", "view-window", "terms-naive", "terms-pieces"):
        run = subprocess.run([sys.executable, "-m", "bench.large_document", "--mb", str(args.mb), "--probe", kind],
                             cwd=ROOT, capture_output=True, text=True, check=True)
        results[kind] = json.loads(run.stdout.strip().splitlines()[-1])
    whole, window = results["view-whole"], results["view-window"]
    naive, pieces = results["terms-naive"], results["terms-pieces"]
    print(f"document: {whole['chars']:,} characters; cleaning (lines, wraps, code) {whole['clean_s']:.1f} s")
    print("| measure | naive | ours | ratio |")
    print("|---|---|---|---|")
    print(f"| viewer HTML for a citation (MB) | {whole['html_bytes'] / 1e6:.1f} | {window['html_bytes'] / 1e6:.3f} "
          f"| {window['html_bytes'] / whole['html_bytes']:.4f}x |")
    print(f"| viewer render time (s) | {whole['seconds']:.2f} | {window['seconds']:.3f} "
          f"| {window['seconds'] / whole['seconds']:.3f}x |")
    print(f"| names check: peak RSS above the document (MiB) | {naive['peak_mib_above_document']:.0f} "
          f"| {pieces['peak_mib_above_document']:.0f} | {pieces['peak_mib_above_document'] / max(naive['peak_mib_above_document'], 1):.3f}x |")
    print(f"| names check: time, first question (s) | {naive['seconds']:.1f} | {pieces['seconds']:.1f} "
          f"| later questions: 0 (kept per loaded index) |")
    assert naive["terms"] == pieces["terms"], "the two ways must find the same terms"


if __name__ == "__main__":
    main()
