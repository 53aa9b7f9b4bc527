"""The bodies of ``qa eval``: a question file's answer metrics, and a ranking report's output.
(The command and its options live in ``qa.app.cli``.)"""

from __future__ import annotations

import json
from pathlib import Path

import click

from qa.config import MODES
from qa.eval.conversation import HISTORY_MODES


def print_ranking(reports, comparisons, details: bool, as_json: bool, title: str) -> None:
    if as_json:
        click.echo(json.dumps({"title": title, "reports": [r.to_dict() for r in reports],
                               "comparisons": [c.to_dict() for c in comparisons]},
                              ensure_ascii=False, indent=1))
        return
    from qa.eval.ranking_report import format_ranking

    click.echo(format_ranking(reports, comparisons, details=details, title=title))


def eval_questions(questions_file: Path, index_dir, k: int, modes: tuple[str, ...], compare: bool,
                    as_json: bool, details: bool, calibrate: bool, max_false_abstention: float,
                    history_mode: str = "rules", compare_history: bool = False, unrelated: bool = False) -> None:
    """``qa eval QUESTIONS.jsonl``: answers, abstention and ranking on the project's question file."""
    from qa.eval.evaluate import (
        calibrate_threshold,
        evaluate,
        format_report,
        load_questions,
    )

    questions = load_questions(questions_file)
    if calibrate:
        report = evaluate(questions, index_dir=index_dir, k=k, mode=modes[0] if modes else "hybrid",
                          threshold=-1e9)
        cal = calibrate_threshold(report.rows, max_false_abstention)
        fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
        click.echo(f"threshold {cal.threshold:.4f}: abstains on {fmt(cal.abstention_recall)} of "
                   f"{cal.unanswerable} unanswerable questions, wrongly on {fmt(cal.false_abstention_rate)} "
                   f"of {cal.answerable} answerable ones")
        click.echo(f"use it with `qa ask --threshold {cal.threshold:.4f}` or answer(..., threshold=...)")
        return
    if unrelated:
        from qa.embed import default_embedder
        from qa.eval.conversation import unrelated_turn_check

        check = unrelated_turn_check(questions, k=k, index_dir=index_dir, mode=modes[0] if modes else "hybrid",
                                     embedder=default_embedder())
        if as_json:
            click.echo(json.dumps(check, ensure_ascii=False, indent=1))
            return
        click.echo(f"{check['questions']} questions asked alone and after an unrelated question: "
                   f"{check['changed']} answers changed ({check['changed_share']:.1%}); "
                   f"the earlier turn was used to read {check['context_used']}")
        for ex in check["examples"][:20]:
            click.echo(f"  {ex['id']} {ex['question'][:70]!r} after {ex['after'][:50]!r}: read as {ex['understood_as'][:70]!r}")
        return
    chosen = list(MODES) if compare else list(dict.fromkeys(modes)) or ["hybrid"]
    histories = list(HISTORY_MODES) if compare_history else [history_mode]
    reports = [evaluate(questions, index_dir=index_dir, k=k, mode=m, history=h) for m in chosen for h in histories]
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=1))
        return
    click.echo(format_report(reports, details=details))
