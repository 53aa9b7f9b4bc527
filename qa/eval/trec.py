"""Read and write the files information-retrieval tools share: BEIR data sets, TREC qrels and runs.

- queries: BEIR ``queries.jsonl`` (``{"_id", "text"}`` a line; ``id``/``query``/``question`` are read
  too) or a TREC topics file of ``QUERY_ID<TAB>TEXT`` lines;
- qrels: TREC (``QUERY_ID ITERATION DOC_ID RELEVANCE``) or BEIR TSV (``query-id corpus-id score``,
  with or without its header line); relevance is an integer grade, 0 meaning judged not relevant;
- runs: TREC (``QUERY_ID Q0 DOC_ID RANK SCORE TAG``), which trec_eval, ir-measures and ranx read.

Every reader raises ``EvaluationError`` naming the file and the 1-based line that is wrong.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

from qa.errors import EvaluationError

#: What each query id asks, in file order.
Queries = dict[str, str]
#: query id -> document id -> relevance grade.
Qrels = dict[str, dict[str, int]]
#: query id -> document id -> score (higher is better).
Run = dict[str, dict[str, float]]

_QUERY_TEXT_FIELDS = ("text", "query", "question")


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"cannot read {path}: {exc}") from exc


def load_queries(path: str | os.PathLike) -> Queries:
    """The queries of a ``.jsonl`` file (BEIR) or of a ``QUERY_ID<TAB>TEXT`` file (anything else)."""
    path = Path(path)
    out: Queries = {}
    jsonl = path.suffix.lower() == ".jsonl"
    for n, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        if jsonl:
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvaluationError(f"{path}:{n}: not JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise EvaluationError(f"{path}:{n}: not a JSON object")
            qid = row.get("_id", row.get("id"))
            text = next((row[f] for f in _QUERY_TEXT_FIELDS if isinstance(row.get(f), str)), None)
            if qid is None or isinstance(qid, (bool, dict, list)) or text is None:
                raise EvaluationError(f"{path}:{n}: needs \"_id\" and \"text\" (BEIR queries)")
        else:
            qid, sep, text = line.partition("\t")
            if not sep:
                raise EvaluationError(f"{path}:{n}: expected QUERY_ID<TAB>TEXT, got {line[:60]!r}")
        qid, text = str(qid).strip(), " ".join(text.split())
        if not qid or not text:
            raise EvaluationError(f"{path}:{n}: empty query id or text")
        if qid in out:
            raise EvaluationError(f"{path}:{n}: duplicate query id {qid!r}")
        out[qid] = text
    if not out:
        raise EvaluationError(f"{path} has no queries")
    return out


def load_qrels(path: str | os.PathLike) -> Qrels:
    """Graded judgements from a TREC qrels file (4 columns) or a BEIR ``qrels/*.tsv`` (3 columns).

    A BEIR header line (``query-id corpus-id score``) is skipped; any other line whose relevance is
    not an integer, or whose column count is neither 3 nor 4 nor that of the file's first
    judgement, is an error naming its line. A
    document judged twice for one query keeps the last grade (as trec_eval does).
    """
    path = Path(path)
    out: Qrels = {}
    width, first = 0, 0  # the column count of the file's first judgement, and its line
    for n, line in enumerate(_lines(path), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = line.split()
        if not out and len(cols) == 3 and _is_header(cols):
            continue  # the BEIR header, before any judgement
        if len(cols) not in (3, 4):
            raise EvaluationError(
                f"{path}:{n}: expected QUERY_ID 0 DOC_ID RELEVANCE (TREC) or QUERY_ID DOC_ID SCORE "
                f"(BEIR), got {len(cols)} column{'s' if len(cols) != 1 else ''}: {line[:80]!r}")
        if width and len(cols) != width:
            raise EvaluationError(f"{path}:{n}: {len(cols)} columns where line {first} has {width}: "
                                  f"{line[:80]!r}")
        width, first = width or len(cols), first or n
        qid, doc, grade = (cols[0], cols[2], cols[3]) if len(cols) == 4 else cols
        try:
            value = int(grade)
        except ValueError:
            raise EvaluationError(f"{path}:{n}: relevance {grade!r} is not a whole number") from None
        out.setdefault(qid, {})[doc] = value
    if not out:
        raise EvaluationError(f"{path} has no judgements")
    return out


def _is_header(cols: list[str]) -> bool:
    return any(c.lower() in ("query-id", "query_id", "qid", "corpus-id", "score") for c in cols)


def beir_splits(dataset_dir: str | os.PathLike) -> list[str]:
    """The qrels splits a BEIR folder has (``qrels/train.tsv`` gives ``train``), sorted."""
    qrels_dir = Path(dataset_dir) / "qrels"
    return sorted(p.stem for p in qrels_dir.glob("*.tsv")) if qrels_dir.is_dir() else []


def load_beir(dataset_dir: str | os.PathLike, split: str = "test") -> tuple[Queries, Qrels]:
    """The queries and the ``split`` qrels of a BEIR folder (``queries.jsonl``, ``qrels/SPLIT.tsv``)."""
    root = Path(dataset_dir)
    if not (root / "queries.jsonl").is_file():
        raise EvaluationError(f"{root} is not a BEIR data set: no queries.jsonl in it")
    qrels_path = root / "qrels" / f"{split}.tsv"
    if not qrels_path.is_file():
        have = beir_splits(root)
        hint = f"it has: {', '.join(have)} (use --split {have[0]})" if have else "it has no qrels/*.tsv"
        raise EvaluationError(f"{root} has no {split!r} split; {hint}")
    return load_queries(root / "queries.jsonl"), load_qrels(qrels_path)


def write_run(path: str | os.PathLike, run: Mapping[str, Mapping[str, float]], tag: str) -> Path:
    """Write ``run`` as a TREC run file (``QUERY_ID Q0 DOC_ID RANK SCORE TAG``), best first per query.

    Queries keep ``run``'s order; documents are sorted by score, highest first (ties keep their
    order), and ranked from 1. ``tag`` must be one word.
    """
    if not tag or any(c.isspace() for c in tag):
        raise EvaluationError(f"a run tag is one word, not {tag!r}")
    path = Path(path)
    lines = []
    for qid, docs in run.items():
        ranked = sorted(docs.items(), key=lambda kv: -kv[1])
        lines += [f"{qid} Q0 {doc} {rank} {score:.6f} {tag}" for rank, (doc, score) in enumerate(ranked, 1)]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    except OSError as exc:
        raise EvaluationError(f"cannot write {path}: {exc}") from exc
    return path


def load_run(path: str | os.PathLike) -> tuple[Run, str]:
    """A TREC run file as ``(run, tag)``; the tag is the first line's (or the file name's stem)."""
    path = Path(path)
    run: Run = {}
    tag = ""
    for n, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        cols = line.split()
        if len(cols) != 6:
            raise EvaluationError(f"{path}:{n}: expected QUERY_ID Q0 DOC_ID RANK SCORE TAG, "
                                  f"got {len(cols)} columns: {line[:80]!r}")
        qid, _, doc, _, score, line_tag = cols
        try:
            value = float(score)
        except ValueError:
            raise EvaluationError(f"{path}:{n}: score {score!r} is not a number") from None
        run.setdefault(qid, {})[doc] = value
        tag = tag or line_tag
    if not run:
        raise EvaluationError(f"{path} has no ranked documents")
    return run, tag or path.stem
