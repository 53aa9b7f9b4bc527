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
from qa.app.cli_eval import eval_questions, print_ranking
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


def _progress_bar(unit: str = "text"):
    from tqdm import tqdm

    bar = {"tqdm": None, "drawn": 0.0}

    def update(stage: str, done: int, total: int) -> None:
        if bar["tqdm"] is None:
            bar["tqdm"] = tqdm(total=total, desc=stage, unit=unit, file=sys.stderr, leave=False)
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
@click.option("--sentence-vectors", type=click.Choice(["build", "lazy"]), default=None,
              help="Embed every sentence now (build, the default) or each when a question first "
                   "reads it (lazy: a build about 40% faster; default: what the index does now).")
@collection_option
def index_command(corpus_dir: Path | None, index_dir: Path | None, force: bool, no_onnx: bool,
                  store: str | None, uri: str | None, engine: str, sentence_vectors: str | None,
                  collection: str | None) -> None:
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
                             engine=engine, sentence_vectors=sentence_vectors)
    finally:
        close()
    for w in report.warnings:
        click.echo(f"warning: {w.path}: {w.message}", err=True)
    click.echo(f"{report.status}: {report.documents} documents, {report.chunks} passages, "
               f"{report.sentences} sentences in {index_dir} ({report.seconds:.1f} s)")
    click.echo(f"  files: {report.files_indexed} indexed, {report.files_skipped} skipped; "
               f"since the last build: added {report.added}, changed {report.changed}, "
               f"removed {report.removed}, unchanged {report.unchanged}")
    click.echo(f"  embedded {report.embedded} texts ({report.embedded_passages} passages, "
               f"{report.embedded_sentences} sentences)")
    if report.note:
        click.echo(f"  note: {report.note}")


@main.command("status")
@click.argument("corpus_dir", required=False, type=click.Path(path_type=Path))
@click.option("--index-dir", type=click.Path(path_type=Path), default=None)
@click.option("--verify", is_flag=True,
              help="Also hash every file of the index (vectors, FAISS, lexical index) and compare "
                   "with the checksums its manifest recorded.")
@collection_option
def status_command(corpus_dir: Path | None, index_dir: Path | None, verify: bool,
                   collection: str | None) -> None:
    """Exit 0 if the index is up to date with CORPUS_DIR (and, with --verify, intact), 1 (and
    say why) if not."""
    from qa.config import DEFAULT_MODEL_NAME
    from qa.index.build import index_is_current

    corpus_dir, index_dir = _collection_dirs(collection, corpus_dir, index_dir)
    index_dir = index_dir or default_index_dir()
    if verify:
        from qa.index.integrity import verify_index

        click.echo(verify_index(index_dir).summary())  # a damaged file: error, exit status 1
    ok, why = index_is_current(index_dir, corpus_dir or default_corpus_dir(), DEFAULT_MODEL_NAME)
    click.echo(why)
    sys.exit(0 if ok else 1)


def _print_answer(result) -> None:
    from qa.app.render import reason_shown
    if result.abstained:
        click.echo(result.text)
        reason = "" if result.choices else reason_shown(result)  # the reading above said so
        if reason:
            click.echo(f"(why: {reason})")
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
        kind = {"answer": "", "disagreement": " (states another value)"}.get(c.role, " (also says so)")
        page = f", page {c.page}" if c.page else ""
        if c.copies:
            page += f" (also in {', '.join(c.copies)})"
        click.echo(f"[{i}] {c.title}{kind}\n    {c.doc_id}{page}, characters {c.start}-{c.end}, score {c.score:.3f}")
    if result.agreeing > 1:
        click.echo(f"\n{result.agreeing} sources agree.")


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
@click.option("--doc", "docs", multiple=True, help="Only this document, by its id (repeat for several).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@collection_option
def ask_command(question: str, k: int, index_dir: Path | None, mode: str | None,
                threshold: float | None, source: str | None, date_from: str | None,
                date_to: str | None, docs: tuple[str, ...], as_json: bool, collection: str | None) -> None:
    """Answer QUESTION from the index."""
    from qa.answer import answer

    result = answer(question, k=k, index_dir=index_dir, mode=mode, threshold=threshold,
                    source=source, date_from=date_from, date_to=date_to, collection=collection,
                    documents=list(docs) or None)
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
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option("--index-dir", type=click.Path(path_type=Path), default=None)
@click.option("-k", "k", default=5, show_default=True, help="Passages read per question.")
@click.option("--mode", "modes", type=click.Choice(MODES), multiple=True,
              help="Retrieval mode (default hybrid); repeat it to compare modes.")
@click.option("--compare", is_flag=True, help="Evaluate every retrieval mode side by side.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics and per-question rows as JSON.")
@click.option("--details", is_flag=True, help="Also print one line per question (a per-query table).")
@click.option("--calibrate", is_flag=True,
              help="Choose the abstention threshold on this question set and print it.")
@click.option("--max-false-abstention", default=0.05, show_default=True, type=click.FloatRange(0, 1),
              help="With --calibrate: the share of answerable questions that may be abstained on.")
@click.option("--split", default="test", show_default=True,
              help="BEIR folder: which qrels/SPLIT.tsv to use.")
@click.option("--queries", "queries_file", type=click.Path(path_type=Path), default=None,
              help="Queries: BEIR queries.jsonl or QUERY_ID<TAB>TEXT lines (with --qrels).")
@click.option("--qrels", "qrels_file", type=click.Path(path_type=Path), default=None,
              help="Relevance judgements: TREC qrels or a BEIR qrels .tsv (graded).")
@click.option("--runs", "score_runs", is_flag=True,
              help="SOURCES are TREC run files: score them with --qrels and compare them.")
@click.option("--run-out", type=click.Path(path_type=Path), default=None,
              help="Write the ranking as a TREC run file (one per mode: FILE.MODE.run when several).")
@click.option("--metrics", "metric_spec", default=None, metavar="LIST",
              help="Ranking metrics for qrels, e.g. ndcg@10,recall@100,mrr@10 (the default).")
@click.option("--depth", default=None, type=click.IntRange(1, 10000),
              help="Documents ranked per query for qrels (default 100).")
@click.option("--history", "history_mode", type=click.Choice(HISTORY_MODES), default="rules", show_default=True,
              help="How follow-up questions use their history: the rules of answer(history=...), none, "
                   "the previous question concatenated, a history-weighted query vector, or both.")
@click.option("--compare-history", is_flag=True, help="Evaluate every history mode side by side.")
@click.option("--unrelated", is_flag=True,
              help="Ask each question without a history after an unrelated one too; report how many answers change.")
@collection_option
def eval_command(sources: tuple[Path, ...], index_dir: Path | None, k: int, modes: tuple[str, ...],
                 compare: bool, as_json: bool, details: bool, calibrate: bool,
                 max_false_abstention: float, split: str, queries_file: Path | None,
                 qrels_file: Path | None, score_runs: bool, run_out: Path | None,
                 metric_spec: str | None, depth: int | None, history_mode: str, compare_history: bool,
                 unrelated: bool, collection: str | None) -> None:
    """Evaluate retrieval and answers on SOURCES.

    \b
    qa eval QUESTIONS.jsonl                   the project's question file (answers, abstention;
                                              lines with a "history" are follow-ups, scored apart too)
    qa eval DATASET_DIR --split test          a BEIR folder (corpus.jsonl, queries.jsonl, qrels/)
    qa eval --queries Q --qrels QRELS         TREC-style queries and graded judgements
    qa eval --runs A.run B.run --qrels QRELS  score run files and test their difference
    """
    from qa.collections import resolve_index_dir

    ir = score_runs or qrels_file is not None or queries_file is not None or any(p.is_dir() for p in sources)
    if not ir:
        if len(sources) != 1:
            raise click.UsageError("give one question file, a BEIR folder, or --queries/--qrels")
        for name, value in (("--run-out", run_out), ("--metrics", metric_spec), ("--depth", depth)):
            if value is not None:
                raise click.UsageError(f"{name} goes with a BEIR folder or --qrels, not a question file")
        eval_questions(sources[0], resolve_index_dir(index_dir, collection), k, modes, compare,
                        as_json, details, calibrate, max_false_abstention, history_mode, compare_history,
                        unrelated)
        return
    if calibrate:
        raise click.UsageError("--calibrate needs a question file with answerable and unanswerable questions")
    if score_runs:
        if not sources or qrels_file is None:
            raise click.UsageError("--runs needs run files and --qrels FILE")
        if run_out is not None or modes or compare:
            raise click.UsageError("--runs scores files already written: no --run-out, --mode or --compare")
        from qa.eval.suite import score_run_files

        reports, comparisons = score_run_files(sources, qrels_file, metric_spec)
        print_ranking(reports, comparisons, details, as_json, f"runs scored with {qrels_file}")
        return
    if len(sources) > 1:
        raise click.UsageError("give one BEIR folder")
    from qa.eval.suite import evaluate_modes, load_judged

    queries, qrels, label = load_judged(sources[0] if sources else None, split, queries_file, qrels_file)
    chosen = list(MODES) if compare else list(dict.fromkeys(modes)) or ["hybrid"]

    reports, comparisons, written = evaluate_modes(
        queries, qrels, chosen, index_dir=resolve_index_dir(index_dir, collection),
        metric_spec=metric_spec, depth=depth, run_out=run_out, progress_bars=lambda: _progress_bar("query"))
    for path in written:
        click.echo(f"run file written: {path}", err=True)
    print_ranking(reports, comparisons, details, as_json, label)


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
