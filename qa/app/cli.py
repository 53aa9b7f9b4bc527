"""The ``qa`` command: ``index``, ``ask``, ``eval``, ``status``, ``serve``.

A thin edge over the library: it parses arguments, calls the same functions a Python user calls,
and turns ``QAError``s into one-line messages (exit status 1) instead of tracebacks.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from qa.config import MODES, default_corpus_dir, default_index_dir
from qa.errors import QAError
from qa.eval.conversation import HISTORY_MODES


class _Group(click.Group):
    """Turns library errors into a one-line message and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except QAError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.version_option(package_name="qa")
def main() -> None:
    """Ask questions of a document corpus; get extracted, cited answers."""


def collection_option(func):
    """``--collection NAME``: use a named collection's folders instead of ``--index-dir``."""
    return click.option("--collection", default=None, metavar="NAME",
                        help="Use the named collection (see the web app's Corpus tab) "
                             "instead of --index-dir.")(func)


def _collection_dirs(collection: str | None, corpus_dir: Path | None,
                     index_dir: Path | None) -> tuple[Path | None, Path | None]:
    """The corpus and index folders of ``collection``, or the ones given when it is ``None``."""
    if collection is None:
        return corpus_dir, index_dir
    if corpus_dir is not None:
        raise click.UsageError("give either CORPUS_DIR or --collection, not both")
    if index_dir is not None:
        raise click.UsageError("give either --index-dir or --collection, not both")
    from qa.collections import existing_collection

    paths = existing_collection(collection)  # an unknown name is an error; an empty collection is not
    return paths.corpus_dir, paths.index_dir


def _progress_bar():
    from tqdm import tqdm

    bar = {"tqdm": None, "drawn": 0.0}

    def update(stage: str, done: int, total: int) -> None:
        if bar["tqdm"] is None:
            bar["tqdm"] = tqdm(total=total, desc=stage, unit="text", file=sys.stderr, leave=False)
        bar["tqdm"].n = done
        # Builds report every text: redraw at most ten times a second (and at the end), as
        # tqdm.update() would, so a log does not fill with one line per text.
        now = time.monotonic()
        if done >= total or now - bar["drawn"] >= 0.1:
            bar["tqdm"].refresh()
            bar["drawn"] = now

    def close() -> None:
        if bar["tqdm"] is not None:
            bar["tqdm"].close()

    return update, close


@main.command("index")
@click.argument("corpus_dir", required=False, type=click.Path(path_type=Path))
@click.option("--index-dir", type=click.Path(path_type=Path), default=None,
              help="Where to write the index (default: index/ or $QA_INDEX_DIR).")
@click.option("--force", is_flag=True, help="Rebuild even if the index is up to date.")
@click.option("--no-onnx", is_flag=True, help="Do not export the model to ONNX (queries then use torch).")
@click.option("--store", type=click.Choice(["faiss", "milvus"]), default=None,
              help="Where the passage vectors go (default: what the index uses, else faiss).")
@click.option("--uri", default=None, metavar="URI",
              help="Milvus: a Milvus Lite file (*.db) or a server (http://HOST:19530); "
                   "default: a Milvus Lite file inside the index folder.")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="Embed in this process or with Ray Data (a local Ray, or $RAY_ADDRESS).")
@collection_option
def index_command(corpus_dir: Path | None, index_dir: Path | None, force: bool, no_onnx: bool,
                  store: str | None, uri: str | None, engine: str, collection: str | None) -> None:
    """Build or refresh the index of CORPUS_DIR (default: corpus/ or $QA_CORPUS_DIR)."""
    from qa.index.build import build_index

    if store == "faiss" and uri:
        raise click.UsageError("--uri goes with --store milvus (FAISS lives in the index folder)")

    corpus_dir, index_dir = _collection_dirs(collection, corpus_dir, index_dir)
    corpus_dir = corpus_dir or default_corpus_dir()
    index_dir = index_dir or default_index_dir()
    if not no_onnx:
        from qa.embed import ensure_onnx_encoder, onnx_export_complete

        if not onnx_export_complete():
            click.echo("exporting the model to ONNX once, for fast answers without torch...", err=True)
            click.echo(f"  {ensure_onnx_encoder()}", err=True)
    update, close = _progress_bar()
    try:
        report = build_index(corpus_dir, index_dir, force=force, progress=update, store=store, uri=uri,
                             engine=engine)
    finally:
        close()
    for w in report.warnings:
        click.echo(f"warning: {w.path}: {w.message}", err=True)
    click.echo(f"{report.status}: {report.documents} documents, {report.chunks} passages, "
               f"{report.sentences} sentences in {index_dir} ({report.seconds:.1f} s)")
    click.echo(f"  added {report.added}, changed {report.changed}, removed {report.removed}, "
               f"unchanged {report.unchanged}; {report.embedded} texts embedded")
    if report.note:
        click.echo(f"  note: {report.note}")


@main.command("status")
@click.argument("corpus_dir", required=False, type=click.Path(path_type=Path))
@click.option("--index-dir", type=click.Path(path_type=Path), default=None)
@collection_option
def status_command(corpus_dir: Path | None, index_dir: Path | None, collection: str | None) -> None:
    """Exit 0 if the index is up to date with CORPUS_DIR, 1 (and say why) if not."""
    from qa.config import DEFAULT_MODEL_NAME
    from qa.index.build import index_is_current

    corpus_dir, index_dir = _collection_dirs(collection, corpus_dir, index_dir)
    ok, why = index_is_current(index_dir or default_index_dir(), corpus_dir or default_corpus_dir(),
                               DEFAULT_MODEL_NAME)
    click.echo(why)
    sys.exit(0 if ok else 1)


def _print_answer(result) -> None:
    if result.abstained:
        click.echo(result.text)
        if result.reason:
            click.echo(f"(why: {result.reason})")
        if result.did_you_mean:
            click.echo(f"Did you mean: {result.did_you_mean}")
        if result.passages:
            click.echo("\nClosest passages (not an answer):")
            for p in result.passages[:3]:
                click.echo(f"  - {p.title} [{p.doc_id} {p.start}-{p.end}]: {_short(p.quote)}")
        return
    click.echo(result.text)
    click.echo("")
    for i, c in enumerate(result.citations, start=1):
        kind = "" if c.role == "answer" else " (also says so)"
        page = f", page {c.page}" if c.page else ""
        if c.copies:
            page += f" (also in {', '.join(c.copies)})"
        click.echo(f"[{i}] {c.title}{kind}\n    {c.doc_id}{page}, characters {c.start}-{c.end}, score {c.score:.3f}")
    if result.sources > 1:
        click.echo(f"\n{result.sources} sources agree.")


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1] + "…"


@main.command("ask")
@click.argument("question")
@click.option("-k", "k", default=5, show_default=True, help="Passages to read.")
@click.option("--index-dir", type=click.Path(path_type=Path), default=None)
@click.option("--mode", type=click.Choice(MODES), default=None, help="Retrieval mode (default hybrid).")
@click.option("--threshold", type=float, default=None, help="Abstention threshold override.")
@click.option("--source", default=None, help="Only documents from this source (or URL host).")
@click.option("--date-from", default=None, help="Only documents dated on or after (e.g. 2024-07-01).")
@click.option("--date-to", default=None, help="Only documents dated on or before.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@collection_option
def ask_command(question: str, k: int, index_dir: Path | None, mode: str | None,
                threshold: float | None, source: str | None, date_from: str | None,
                date_to: str | None, as_json: bool, collection: str | None) -> None:
    """Answer QUESTION from the index."""
    from qa.answer import answer

    result = answer(question, k=k, index_dir=index_dir, mode=mode, threshold=threshold,
                    source=source, date_from=date_from, date_to=date_to, collection=collection)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        _print_answer(result)


def _print_reading(result) -> None:
    """How a follow-up was read, or the question back when a reference is unclear."""
    if result.choices:
        click.echo(result.reason)
        click.echo("Which one do you mean?")
        for option in result.choices:
            click.echo(f"  - {option}")
    elif result.context_turn is not None and result.question_used and result.question_used != result.question:
        click.echo(f"Understood as: {result.question_used}  (/alone {result.question} asks it on its own)")


def _line_editing() -> None:
    """Line editing and recall of earlier lines for ``input()`` (GNU readline, where Python has it)."""
    try:
        import readline  # noqa: F401  (importing it is what turns line editing on)
    except ImportError:  # pragma: no cover - Python built without readline (e.g. Windows)
        pass


@main.command("chat")
@click.option("-k", "k", default=5, show_default=True, help="Passages to read.")
@click.option("--index-dir", type=click.Path(path_type=Path), default=None)
@click.option("--mode", type=click.Choice(MODES), default=None, help="Retrieval mode (default hybrid).")
@click.option("--threshold", type=float, default=None, help="Abstention threshold override.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per turn (JSON lines).")
@collection_option
def chat_command(k: int, index_dir: Path | None, mode: str | None, threshold: float | None, as_json: bool,
                 collection: str | None) -> None:
    """Ask questions one after another; a follow-up ("Who founded it?", "And when?", "What about
    Baidu?") is read against the earlier turns. /clear starts a new conversation, /alone QUESTION
    asks without it, /quit or Ctrl-D ends. Reads stdin line by line when it is not a terminal."""
    from qa.answer import answer
    from qa.app.chat import MAX_HISTORY

    interactive = sys.stdin.isatty()
    if interactive:
        _line_editing()
        click.echo("Ask a question (/clear: new conversation, /alone Q: ask on its own, /quit: end).", err=True)
    conversation: list = []
    while True:
        try:
            line = input("? " if interactive else "")
        except EOFError:
            break
        except KeyboardInterrupt:
            click.echo("", err=True)
            continue
        line = line.strip()
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        if line == "/clear":
            conversation = []
            if interactive:
                click.echo("(new conversation)", err=True)
            continue
        alone = line.startswith("/alone ")
        question = line[len("/alone "):] if alone else line
        try:
            result = answer(question, k=k, index_dir=index_dir, mode=mode, threshold=threshold,
                            collection=collection, history=None if alone else conversation)
        except QAError as exc:
            if as_json:
                click.echo(json.dumps({"question": question, "error": str(exc)}, ensure_ascii=False))
            else:
                click.echo(f"error: {exc}", err=True)
            continue
        conversation = (conversation + [result])[-MAX_HISTORY:]
        if as_json:
            click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            _print_reading(result)
            _print_answer(result)
            click.echo("")


@main.command("eval")
@click.argument("questions_file", type=click.Path(path_type=Path))
@click.option("--index-dir", type=click.Path(path_type=Path), default=None)
@click.option("-k", "k", default=5, show_default=True, help="Passages read per question.")
@click.option("--mode", type=click.Choice(MODES), default=None)
@click.option("--compare", is_flag=True, help="Evaluate every retrieval mode side by side.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics and per-question rows as JSON.")
@click.option("--details", is_flag=True, help="Also print one line per question.")
@click.option("--calibrate", is_flag=True,
              help="Choose the abstention threshold on this question set and print it.")
@click.option("--max-false-abstention", default=0.05, show_default=True, type=click.FloatRange(0, 1),
              help="With --calibrate: the share of answerable questions that may be abstained on.")
@click.option("--history", "history_mode", type=click.Choice(HISTORY_MODES), default="rules", show_default=True,
              help="How follow-up questions use their history: the rules of answer(history=...), none, "
                   "the previous question concatenated, a history-weighted query vector, or both.")
@click.option("--compare-history", is_flag=True, help="Evaluate every history mode side by side.")
@click.option("--unrelated", is_flag=True,
              help="Ask each question without a history after an unrelated one too; report how many answers change.")
@collection_option
def eval_command(questions_file: Path, index_dir: Path | None, k: int, mode: str | None,
                 compare: bool, as_json: bool, details: bool, calibrate: bool,
                 max_false_abstention: float, history_mode: str, compare_history: bool, unrelated: bool,
                 collection: str | None) -> None:
    """Evaluate retrieval and answers on a JSONL question file (lines with a "history" are
    follow-ups, scored apart too)."""
    from qa.collections import resolve_index_dir
    from qa.eval.evaluate import (
        calibrate_threshold,
        evaluate,
        format_report,
        load_questions,
    )

    index_dir = resolve_index_dir(index_dir, collection)
    questions = load_questions(questions_file)
    if calibrate:
        report = evaluate(questions, index_dir=index_dir, k=k, mode=mode or "hybrid", threshold=-1e9)
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

        check = unrelated_turn_check(questions, k=k, index_dir=index_dir, mode=mode or "hybrid",
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
    modes = list(MODES) if compare else [mode or "hybrid"]
    histories = list(HISTORY_MODES) if compare_history else [history_mode]
    reports = [evaluate(questions, index_dir=index_dir, k=k, mode=m, history=h) for m in modes for h in histories]
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=1))
        return
    click.echo(format_report(reports, details=details))


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to bind; 127.0.0.1 keeps the app private to this machine.")
@click.option("--port", default=7860, show_default=True, type=int)
@click.option("--index-dir", type=click.Path(path_type=Path), default=None)
def serve_command(host: str, port: int, index_dir: Path | None) -> None:
    """Start the web app."""
    from ui import launch

    launch(host=host, port=port, index_dir=index_dir)


if __name__ == "__main__":  # pragma: no cover
    main()
