"""Evaluation with qrels from end to end: load judged queries, rank with one or more modes, write
run files, score run files, and test each run against the first.

What ``qa eval DATASET_DIR``, ``qa eval --queries Q --qrels R``, ``qa eval --runs A B --qrels R`` and
the web app's Evaluate tab call; each returns data (``RankingReport``s and ``Comparison``s) and
leaves printing to its caller.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Sequence

from qa.errors import EvaluationError
from qa.eval.ranking import DEFAULT_DEPTH, DEFAULT_METRICS, evaluate_ranking, parse_metrics, score_run
from qa.eval.significance import compare_reports
from qa.eval.trec import load_beir, load_qrels, load_queries, load_run, write_run

ProgressBars = Callable[[], tuple[Callable[[str, int, int], None], Callable[[], None]]]


def load_judged(dataset_dir: str | os.PathLike | None, split: str = "test",
                queries_file: str | os.PathLike | None = None,
                qrels_file: str | os.PathLike | None = None) -> tuple[dict, dict, str]:
    """``(queries, qrels, label)`` from a BEIR folder (``split`` names its qrels) or from a queries
    file and a qrels file; a file given explicitly replaces the folder's."""
    if dataset_dir is not None:
        root = Path(dataset_dir)
        if not root.is_dir():
            raise EvaluationError(f"not a folder: {root}")
        if qrels_file is None or queries_file is None:
            queries, qrels = load_beir(root, split)
        queries = load_queries(queries_file) if queries_file is not None else queries
        qrels = load_qrels(qrels_file) if qrels_file is not None else qrels
        label = f"{root.name} (BEIR, split {split}): {len(queries)} queries, " \
                f"{sum(len(d) for d in qrels.values())} judgements"
        return queries, qrels, label
    if queries_file is None or qrels_file is None:
        raise EvaluationError("give a BEIR folder, or both --queries FILE and --qrels FILE")
    queries, qrels = load_queries(queries_file), load_qrels(qrels_file)
    return queries, qrels, (f"{Path(queries_file).name} + {Path(qrels_file).name}: {len(queries)} "
                            f"queries, {sum(len(d) for d in qrels.values())} judgements")


def run_file_path(run_out: str | os.PathLike, mode: str, several: bool) -> Path:
    """Where ``mode``'s run goes: ``run_out`` itself, or ``NAME.MODE.SUFFIX`` when several modes run."""
    path = Path(run_out)
    return path.with_name(f"{path.stem}.{mode}{path.suffix or '.run'}") if several else path


def evaluate_modes(queries: dict, qrels: dict, modes: Sequence[str], index_dir=None,
                   metric_spec: str | None = None, depth: int | None = None,
                   run_out: str | os.PathLike | None = None, embedder=None,
                   progress_bars: ProgressBars | None = None) -> tuple[list, list, list[Path]]:
    """Rank and score the judged queries with every mode; ``(reports, comparisons, run files)``.

    Each mode after the first is compared with the first (paired tests on every metric). With
    ``run_out`` each mode's ranking is written as a TREC run tagged ``qa-MODE``.
    """
    metrics = parse_metrics(metric_spec or DEFAULT_METRICS)
    reports, written = [], []
    for mode in modes:
        update, close = progress_bars() if progress_bars else (None, lambda: None)
        try:
            report = evaluate_ranking(queries, qrels, metrics, index_dir=index_dir, mode=mode,
                                      depth=depth or DEFAULT_DEPTH, embedder=embedder, progress=update)
        finally:
            close()
        reports.append(report)
        if run_out is not None:
            written.append(write_run(run_file_path(run_out, mode, len(modes) > 1), report.run, f"qa-{mode}"))
    comparisons = [c for r in reports[1:] for c in compare_reports(reports[0], r)]
    return reports, comparisons, written


def score_run_files(paths: Sequence[str | os.PathLike], qrels_file: str | os.PathLike,
                    metric_spec: str | None = None) -> tuple[list, list]:
    """Score TREC run files against a qrels file and compare each with the first.

    A judged query a run did not rank scores 0 in it; runs are named by their tag (or file name
    when two share a tag).
    """
    metrics = parse_metrics(metric_spec or DEFAULT_METRICS)
    qrels = load_qrels(qrels_file)
    reports, tags = [], set()
    for path in paths:
        run, tag = load_run(path)
        if not set(run) & set(qrels):
            raise EvaluationError(f"{path}: none of its queries is judged in {qrels_file}")
        tag = Path(path).stem if tag in tags else tag
        tags.add(tag)
        reports.append(score_run(qrels, run, metrics, tag))
    comparisons = [c for r in reports[1:] for c in compare_reports(reports[0], r)]
    return reports, comparisons


#: Largest queries or qrels file taken from an upload (a BEIR zip's corpus is never unpacked).
MAX_JUDGEMENT_BYTES = 20 * 1024 * 1024


def unpack_beir_zip(zip_path: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Copy a BEIR zip's ``queries.jsonl`` and ``qrels/*.tsv`` into ``dest``; return ``dest``.

    Only those members of the shallowest folder holding a ``queries.jsonl`` are read (the corpus is
    already indexed), each written under its own base name, so a member named ``../x`` cannot land
    outside ``dest``. A zip without them, or with one
    over ``MAX_JUDGEMENT_BYTES``, is an ``EvaluationError``.
    """
    import zipfile

    dest = Path(dest)
    try:
        archive = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise EvaluationError(f"{Path(zip_path).name} is not a readable zip file ({exc})") from exc
    with archive:
        members = [(info, info.filename.replace("\\", "/").split("/")) for info in archive.infolist()]
        queries = sorted((m for m in members if m[1][-1] == "queries.jsonl"), key=lambda m: len(m[1]))
        if not queries:
            raise EvaluationError(f"{Path(zip_path).name} has no queries.jsonl: not a BEIR data set")
        root = queries[0][1][:-1]  # the data set's folder inside the zip (the shallowest one)
        wanted = [queries[0]] + [(info, parts) for info, parts in members
                                 if parts[:-2] == root and len(parts) == len(root) + 2
                                 and parts[-2] == "qrels" and parts[-1].endswith(".tsv")]
        for info, parts in wanted:
            if info.file_size > MAX_JUDGEMENT_BYTES:
                raise EvaluationError(f"{info.filename} is {info.file_size} bytes, over the "
                                      f"{MAX_JUDGEMENT_BYTES}-byte limit")
            target = dest / ("qrels" if parts[-1] != "queries.jsonl" else "") / parts[-1]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
    return dest


def judged_from_files(paths: Sequence[str | os.PathLike], split: str, workdir: str | os.PathLike
                      ) -> tuple[dict, dict, str]:
    """``(queries, qrels, label)`` from uploaded files: one BEIR ``.zip``, or a queries file and a
    qrels file (the ``.jsonl`` is the queries; else the file that reads as qrels is the qrels)."""
    paths = [Path(p) for p in paths]
    zips = [p for p in paths if p.suffix.lower() == ".zip"]
    if zips:
        if len(paths) != 1:
            raise EvaluationError("upload one BEIR .zip, or a queries file and a qrels file")
        folder = unpack_beir_zip(zips[0], Path(workdir) / zips[0].stem)
        queries, qrels, label = load_judged(folder, split)
        return queries, qrels, label
    if len(paths) != 2:
        raise EvaluationError("upload one BEIR .zip, or two files: the queries and the qrels")
    a, b = paths
    if b.suffix.lower() == ".jsonl" and a.suffix.lower() != ".jsonl":
        a, b = b, a
    if a.suffix.lower() != ".jsonl":
        try:
            load_qrels(a)
            a, b = b, a  # the first one reads as judgements: it is the qrels
        except EvaluationError:
            pass
    return load_judged(None, split, a, b)
