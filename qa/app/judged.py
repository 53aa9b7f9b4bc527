"""The Evaluate tab's judged-query evaluation: a BEIR zip, or queries + qrels, uploaded and scored.

Like ``qa.app.handlers``, a plain function from what the user gave to HTML, table rows and a chart
table; it calls the same library functions as ``qa eval DATASET_DIR`` (``qa.eval.suite``) and turns
a ``QAError`` into a message.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Sequence

from qa.app.render import escape_text, render_error
from qa.config import MODES
from qa.errors import QAError

#: What the judged-query upload accepts.
JUDGED_FILE_TYPES = [".zip", ".jsonl", ".tsv", ".txt", ".qrels"]
JUDGED_FORMAT = (
    "Upload a **BEIR zip** (`queries.jsonl`, `qrels/SPLIT.tsv`; its `corpus.jsonl` must be the "
    "collection's documents, indexed with `qa index`), or **two files**: queries (`.jsonl` or "
    "`ID<TAB>TEXT`) and TREC or BEIR qrels (graded). Each mode after the first is compared with "
    "the first by a paired randomization test.")


def _paths(upload: Any) -> list[str]:
    items = upload if isinstance(upload, (list, tuple)) else [upload] if upload else []
    # Gradio gives paths; older versions gave temporary-file objects with the path in ``.name``.
    return [str(item if isinstance(item, (str, Path)) else getattr(item, "name", item))
            for item in items if item]


def run_judged_evaluation(upload: Any, split: str, metric_spec: str, modes: Sequence[str],
                          index_dir=None, embedder=None, progress=None, collection: str | None = None
                          ) -> tuple[str, list[list], Any, list[list], list[str]]:
    """Rank the uploaded judged queries with each mode and score them.

    Returns (summary HTML with the paired tests, metrics rows [metric, *modes, p-values...],
    chart DataFrame (metric and run, value, run), per-query rows [query, *one column per run and metric],
    the per-query headers).
    """
    import pandas as pd

    from qa.eval.suite import evaluate_modes, judged_from_files

    empty = pd.DataFrame({"metric": [], "value": [], "run": []})
    paths = _paths(upload)
    if not paths:
        return render_error("Upload a BEIR .zip, or a queries file and a qrels file, first."), [], empty, [], []
    modes = [m for m in MODES if m in (modes or [])]
    if not modes:
        return render_error("Pick at least one retrieval mode."), [], empty, [], []

    def bars():
        def update(stage: str, done: int, total: int) -> None:
            if progress is not None:
                progress((done, total), desc=stage, unit="queries")
        return update, lambda: None

    from qa.app.handlers import app_index_dir

    try:
        index_dir = app_index_dir(collection, index_dir)
        with tempfile.TemporaryDirectory(prefix="qa-judged-") as work:
            queries, qrels, label = judged_from_files(paths, (split or "test").strip(), work)
        reports, comparisons, _ = evaluate_modes(queries, qrels, modes, index_dir=index_dir,
                                                 metric_spec=metric_spec or None, embedder=embedder,
                                                 progress_bars=bars)
    except QAError as exc:
        return render_error(str(exc)), [], empty, [], []
    metrics = reports[0].metrics
    rows = []
    for m in metrics:
        row = [m, *(r.means[m] for r in reports)]
        row += [c.p_randomization for c in comparisons if c.metric == m]
        rows.append(row)
    # One bar per run and metric, side by side (a colour alone would stack the runs' bars).
    chart = pd.DataFrame([{"metric": f"{m} {r.tag}", "value": r.means[m], "run": r.tag}
                          for m in metrics for r in reports])
    headers = ["query", *(f"{r.tag} {m}" for r in reports for m in metrics)]
    per_query = [[qid, *(round(r.per_query[qid][m], 4) for r in reports for m in metrics)]
                 for qid in reports[0].per_query]
    return _summary(label, reports, comparisons), rows, chart, per_query, headers


def metric_headers(modes: Sequence[str]) -> list[str]:
    """The metrics table's headers: metric, one column per mode, one p-value per later mode."""
    chosen = [m for m in MODES if m in (modes or [])]
    return ["metric", *chosen, *(f"p ({m} vs {chosen[0]})" for m in chosen[1:])]


def _summary(label: str, reports, comparisons) -> str:
    from qa.eval.ranking_report import report_notes

    first = reports[0]
    parts = [f'<div class="qa-status">{escape_text(label)}; {len(first.per_query)} judged queries '
             f'scored, {sum(r.seconds for r in reports):.1f} s</div>']
    if comparisons:
        items = "".join(
            f"<li>{escape_text(c.metric)}: {escape_text(c.b)} − {escape_text(c.a)} = {c.difference:+.4f}, "
            f"p = {c.p_randomization:.4f} (randomization), {c.p_ttest:.4f} (t-test)</li>"
            for c in comparisons)
        parts.append(f'<div class="qa-meta">Paired two-sided tests over the same queries:<ul>{items}</ul></div>')
    notes = report_notes(first)
    if notes:
        parts.append('<div class="qa-meta">' + "<br>".join(escape_text(n) for n in notes) + "</div>")
    return "".join(parts)
