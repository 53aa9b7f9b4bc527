"""Plain-text tables of ranking runs: the means, the paired tests, one line per query."""

from __future__ import annotations

from typing import Sequence


def _cell(value) -> str:
    return "-" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


def format_ranking(reports: Sequence, comparisons: Sequence = (), details: bool = False,
                   title: str = "") -> str:
    """One column per run (``RankingReport``), one row per metric; then each comparison's p-values,
    what was left out or not found, and with ``details`` one row per judged query."""
    first = reports[0]
    width = max(12, *(len(r.tag) + 2 for r in reports))
    lines = [title] if title else []
    lines += [f"{len(first.per_query)} judged queries", ""]
    header = f"{'metric':<14}" + "".join(f"{r.tag:>{width}}" for r in reports)
    lines += [header, "-" * len(header)]
    for metric in first.metrics:
        lines.append(f"{metric:<14}" + "".join(f"{_cell(r.means.get(metric)):>{width}}" for r in reports))
    if any(r.seconds for r in reports):
        lines.append(f"{'seconds':<14}" + "".join(f"{r.seconds:>{width}.1f}" for r in reports))
    if comparisons:
        lines += ["", "paired two-sided tests over the same queries (randomization test, 10,000 swaps; "
                      "t-test):"]
        lines.append(f"{'metric':<14}{'runs':<28}{'difference':>11}{'p (rand.)':>11}{'p (t-test)':>11}")
        for c in comparisons:
            lines.append(f"{c.metric:<14}{(c.b + ' - ' + c.a)[:27]:<28}{c.difference:>+11.4f}"
                         f"{c.p_randomization:>11.4f}{c.p_ttest:>11.4f}")
    notes = [report_notes(r) for r in reports]
    if all(n == notes[0] for n in notes):
        lines += [""] + notes[0] if notes[0] else []
    else:
        lines += [""] + [f"{r.tag}: {line}" for r, n in zip(reports, notes) for line in n]
    if details:
        metrics = first.metrics
        lines += ["", "per query:",
                  f"{'':<16}" + "".join(f"{r.tag[:width * len(metrics) - 2]:<{width * len(metrics)}}"
                                         .rjust(width * len(metrics)) for r in reports),
                  f"{'query':<16}" + "".join(f"{m:>{width}}" for _ in reports for m in metrics)]
        for qid in first.per_query:
            lines.append(f"{qid[:15]:<16}" + "".join(
                f"{_cell(r.per_query.get(qid, {}).get(m)):>{width}}" for r in reports for m in metrics))
    return "\n".join(lines)


def report_notes(report) -> list[str]:
    """What was left out of ``report`` or could not be found, said once per run."""
    out = []
    tag = ""
    if report.missing_queries:
        shown = ", ".join(report.missing_queries[:5]) + (" ..." if len(report.missing_queries) > 5 else "")
        out.append(f"{tag}{len(report.missing_queries)} judged queries have no query text and were "
                   f"left out: {shown}")
    if report.unknown_docs:
        shown = ", ".join(report.unknown_docs[:5]) + (" ..." if len(report.unknown_docs) > 5 else "")
        out.append(f"{tag}{len(report.unknown_docs)} relevant documents are not in the index (they "
                   f"count as not found): {shown}")
    if report.unjudged_queries:
        out.append(f"{tag}{report.unjudged_queries} queries have no judgement in these qrels (not scored)")
    return out
