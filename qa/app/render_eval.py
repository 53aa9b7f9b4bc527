"""Evaluation results as safe HTML and table rows: the summary line, the metrics table, the
recall@k chart's points and the per-question table (pure functions of ``EvalReport`` values)."""

from __future__ import annotations

from typing import Sequence

from qa.app.render import escape_text, shorten

#: The evaluation chart's x axis: k = 1..MAX_CHART_K.
MAX_CHART_K = 10

#: Metrics shown in the table, in order, with their labels.
METRIC_LABELS = {
    "recall@1": "recall@1", "recall@5": "recall@5", "recall@10": "recall@10",
    "mrr@10": "MRR@10", "ndcg@10": "nDCG@10",
    "answer_hit@1": "answer hit@1", "answer_hit@3": "answer hit@3",
    "abstention_recall": "abstention recall", "abstention_precision": "abstention precision",
    "false_abstention_rate": "false abstention rate",
    "follow_ups": "follow-up questions", "follow_up_hit@1": "follow-up hit@1",
    "follow_up_abstention_recall": "follow-up abstention recall", "standalone_hit@1": "standalone hit@1",
    "latency_p50_ms": "latency p50 (ms)", "latency_p95_ms": "latency p95 (ms)",
}
QUESTION_COLUMNS = ["mode", "id", "question", "expected", "outcome", "rank",
                    "answer document", "answer", "confidence", "latency ms"]
#: Relative widths of those columns in the per-question table.
QUESTION_WIDTHS = ["6%", "5%", "20%", "8%", "8%", "5%", "11%", "19%", "9%", "9%"]


def render_eval_summary(metrics: dict, file_name: str, k: int) -> str:
    """One line: how many questions (answerable / unanswerable) from ``file_name``, at ``k``."""
    plural = "" if metrics["questions"] == 1 else "s"
    return (f'<div class="qa-status">{metrics["questions"]} question{plural} '
            f'({metrics["answerable"]} answerable, {metrics["unanswerable"]} unanswerable) '
            f'from <code>{escape_text(file_name)}</code>, '
            f'{int(k)} passages read per question</div>')


def format_metric(key: str, value) -> str:
    """A metric value as table text: "–" if undefined, milliseconds to 0.1, shares to 0.001."""
    if value is None:
        return "–"
    if key.endswith("_ms"):
        return f"{value:.1f}"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def metrics_rows(reports: Sequence) -> list[list[str]]:
    """One row per metric of ``METRIC_LABELS``: [label, value in reports[0], value in reports[1], ...]."""
    return [[label] + [format_metric(key, r.metrics.get(key)) for r in reports]
            for key, label in METRIC_LABELS.items()
            if not key.startswith(("follow_up", "standalone")) or any(key in r.metrics for r in reports)]


def chart_points(reports: Sequence, questions: Sequence, max_k: int = MAX_CHART_K) -> list[dict]:
    """The chart's points: ``{"k", "share", "mode"}`` for k = 1..max_k in each report, where share
    is ``success_at_k`` (answerable questions with a relevant document in the top k)."""
    from qa.eval.evaluate import success_at_k

    return [{"k": k, "share": share, "mode": r.mode}
            for r in reports for k, share in enumerate(success_at_k(r.rows, questions, max_k), start=1)]


def outcome(row) -> str:
    """A question's result in words: hit / hit@3 / miss / abstained, marked right (✓) or wrong (✗)."""
    if row.answerable:
        if row.abstained:
            return "✗ abstained"
        return "✓ hit" if row.hit_at_1 else ("~ hit@3" if row.hit_at_3 else "✗ miss")
    return "✓ abstained" if row.abstained else "✗ answered"


def question_rows(reports: Sequence, answer_limit: int = 120) -> tuple[list[list], list[list]]:
    """Per-question rows in ``QUESTION_COLUMNS`` order, every report's rows in turn:
    (for the table, with the answer shortened to ``answer_limit`` characters; for a CSV, in full)."""
    table, full = [], []
    for r in reports:
        for row in r.rows:
            asked = row.question if row.question_used in ("", row.question) else f"{row.question} → {row.question_used}"
            cells = [r.mode, row.id, asked, "answer" if row.answerable else "abstain",
                     outcome(row), row.first_relevant_rank if row.first_relevant_rank else "",
                     row.answer_doc or "", row.answer, round(row.confidence, 3), round(row.latency_ms, 1)]
            full.append(cells)
            table.append(cells[:7] + [shorten(row.answer, answer_limit)] + cells[8:])
    return table, full
