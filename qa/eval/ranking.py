"""Rank documents for judged queries and score the ranking with standard IR measures.

A query's ranking is over *documents*: each document takes the rank of its best passage. Measures
come from ir-measures (which runs pytrec_eval, the reference trec_eval code), so a figure printed
here is the one trec_eval, ir-measures or ranx give on the run file ``qa eval --run-out`` writes.
nDCG uses the qrels' grades as gains; recall, MRR, MAP and precision count a grade >= 1 as relevant.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from qa.errors import EvaluationError

#: Documents ranked per query unless told otherwise (enough for recall@100).
DEFAULT_DEPTH = 100
DEFAULT_METRICS = "ndcg@10,recall@100,mrr@10"
#: Queries embedded together.
QUERY_BATCH = 64
#: Spelling on the command line -> ir-measures measure name.
_MEASURE_NAMES = {"ndcg": "nDCG", "recall": "R", "r": "R", "mrr": "RR", "rr": "RR", "map": "AP",
                  "ap": "AP", "p": "P", "precision": "P", "success": "Success"}


@dataclass(frozen=True)
class Metric:
    """One measure as the user named it (``ndcg@10``) and as ir-measures computes it."""

    name: str
    measure: object


def parse_metrics(spec: str) -> list[Metric]:
    """``"ndcg@10,recall@100,mrr@10"`` as measures; also ``map``, ``p@5``, ``success@1`` and any name
    ir-measures understands (``nDCG@10``, ``R@1000``). An unknown name is an ``EvaluationError``."""
    import ir_measures

    out: list[Metric] = []
    for raw in (part.strip() for part in spec.split(",")):
        if not raw:
            continue
        base, at, cutoff = raw.partition("@")
        native = _MEASURE_NAMES.get(base.lower(), base) + (f"@{cutoff}" if at else "")
        try:
            measure = ir_measures.parse_measure(native)
        except (ValueError, NameError, SyntaxError, TypeError, AttributeError) as exc:
            raise EvaluationError(f"unknown metric {raw!r}: use e.g. ndcg@10, recall@100, mrr@10, "
                                  f"map, p@5 ({exc})") from None
        out.append(Metric(raw.lower() if base.lower() in _MEASURE_NAMES else raw, measure))
    if not out:
        raise EvaluationError("no metric given: use e.g. --metrics ndcg@10,recall@100,mrr@10")
    return out


@dataclass(frozen=True)
class RankingReport:
    """Scores of one run over the judged queries.

    ``per_query`` maps each judged query id to its value of every metric (a judged query the run
    did not rank scores 0, as with trec_eval ``-c``); ``means`` averages them. ``missing_queries``
    are judged queries with no query text (not run, left out of every average);
    ``unjudged_queries`` counts queries with text but no judgement (not scored);
    ``unknown_docs`` are judged relevant document ids that are not in the index (they still count
    against recall: the index cannot find them).
    """

    tag: str
    metrics: tuple[str, ...]
    means: dict[str, float]
    per_query: dict[str, dict[str, float]]
    missing_queries: tuple[str, ...] = ()
    unjudged_queries: int = 0
    unknown_docs: tuple[str, ...] = ()
    seconds: float = 0.0
    run: dict = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict:
        return {"tag": self.tag, "metrics": self.means, "queries": len(self.per_query),
                "missing_queries": list(self.missing_queries), "unjudged_queries": self.unjudged_queries,
                "unknown_docs": list(self.unknown_docs), "seconds": round(self.seconds, 2),
                "per_query": self.per_query}


def per_query_scores(qrels: Mapping[str, Mapping[str, int]], run: Mapping[str, Mapping[str, float]],
                     metrics: Sequence[Metric]) -> dict[str, dict[str, float]]:
    """Each judged query's value of every metric; a query ``run`` lacks scores 0 on all of them."""
    import ir_measures

    by_measure = {m.measure: m.name for m in metrics}
    out = {qid: {m.name: 0.0 for m in metrics} for qid in qrels}
    judged = {q: dict(d) for q, d in qrels.items()}
    ranked = {q: dict(docs) for q, docs in run.items() if q in judged and docs}
    if ranked:
        for value in ir_measures.iter_calc(list(by_measure), judged, ranked):
            out[value.query_id][by_measure[value.measure]] = float(value.value)
    return out


def score_run(qrels: Mapping[str, Mapping[str, int]], run: Mapping[str, Mapping[str, float]],
              metrics: Sequence[Metric], tag: str = "run", *, missing_queries: Sequence[str] = (),
              unjudged_queries: int = 0, known_docs: Callable[[str], bool] | None = None,
              seconds: float = 0.0) -> RankingReport:
    """Score ``run`` against ``qrels`` (queries in ``missing_queries`` are left out of both)."""
    skip = set(missing_queries)
    qrels = {q: d for q, d in qrels.items() if q not in skip}
    if not qrels:
        raise EvaluationError("no judged query to score: the qrels name none of the queries")
    per_query = per_query_scores(qrels, run, metrics)
    means = {m.name: round(sum(row[m.name] for row in per_query.values()) / len(per_query), 4)
             for m in metrics}
    unknown = () if known_docs is None else tuple(sorted(
        {d for docs in qrels.values() for d, g in docs.items() if g > 0 and not known_docs(d)}))
    return RankingReport(tag, tuple(m.name for m in metrics), means, per_query, tuple(sorted(skip)),
                         unjudged_queries, unknown, seconds, dict(run))


def rank_documents(hits, depth: int) -> dict[str, float]:
    """The first ``depth`` distinct documents of ``hits`` (best first), each at its best passage's
    rank, as ``{doc_id: score}`` with score ``depth - rank + 1``.

    The score is derived from the rank, not the retrieval score, so that every tool reads exactly
    this order back from a run file (trec_eval breaks ties in score by document id).
    """
    docs = list(dict.fromkeys(h.chunk.doc_id for h in hits))[:depth]
    return {d: float(depth - i) for i, d in enumerate(docs)}


def run_queries(queries: Mapping[str, str], index_dir=None, mode: str = "hybrid",
                depth: int = DEFAULT_DEPTH, embedder=None,
                progress: Callable[[str, int, int], None] | None = None) -> tuple[dict, object]:
    """Rank ``depth`` documents for every query; return ``(run, loaded index)``.

    Queries are embedded in batches; each is searched for passages until ``depth`` distinct
    documents are found (or the index has no more). ``progress(stage, done, total)`` is called
    after each query.
    """
    from qa.embed import default_embedder
    from qa.index.cache import get_index
    from qa.retrieve.retrievers import make_retriever

    if depth < 1:
        raise EvaluationError(f"the ranking depth must be at least 1, not {depth}")
    embedder = embedder or default_embedder()
    index = get_index(index_dir, embedder.name)
    retriever = make_retriever(mode, index, embedder)
    ids = list(queries)
    # Passages to fetch for ``depth`` documents: twice the mean passages per document, to start.
    per_doc = index.n_chunks / max(1, len(index.documents))
    first_want = min(index.n_chunks, max(depth, math.ceil(2 * depth * per_doc)))
    run: dict[str, dict[str, float]] = {}
    with _one_faiss_thread():
        _rank_batches(queries, ids, mode, depth, embedder, index, retriever, first_want, run, progress)
    return run, index


@contextmanager
def _one_faiss_thread():
    """Search with one FAISS thread while the evaluation runs, then restore the setting.

    One query at a time gains nothing from a second thread, and on a busy machine its OpenMP
    threads wait for each other: 300 searches of SciFact's 15,128 passages took 7.9 s with two
    threads and 0.6 s with one (docs/evaluation.md).
    """
    try:
        import faiss
    except ImportError:  # another vector store: nothing to set
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _rank_batches(queries, ids, mode, depth, embedder, index, retriever, first_want, run, progress):
    """Fill ``run`` with the ranking of every query in ``ids`` (see ``run_queries``)."""
    for start in range(0, len(ids), QUERY_BATCH):
        batch = ids[start:start + QUERY_BATCH]
        # Embedded a batch at a time, so that the progress bar moves from the start.
        vectors = (embedder.encode([queries[q] for q in batch]) if mode != "lexical"
                   else [None] * len(batch))
        for qid, vector in zip(batch, vectors):
            want = first_want
            while True:
                hits = retriever.search(queries[qid], want, vector=vector)
                docs = rank_documents(hits, depth)
                if len(docs) >= depth or want >= index.n_chunks or len(hits) < want:
                    break
                want = min(index.n_chunks, 2 * want)  # long documents: more passages per document
            run[qid] = docs
            if progress:
                progress(f"ranking ({mode})", len(run), len(ids))


def evaluate_ranking(queries: Mapping[str, str], qrels: Mapping[str, Mapping[str, int]],
                     metrics: Sequence[Metric], index_dir=None, mode: str = "hybrid",
                     depth: int = DEFAULT_DEPTH, embedder=None,
                     progress: Callable[[str, int, int], None] | None = None) -> RankingReport:
    """Rank documents for every judged query with ``mode`` and score them against ``qrels``.

    Judged queries without text and queries without judgements are reported, not run; relevant
    documents the index does not hold are reported (``RankingReport.unknown_docs``).
    """
    missing = [q for q in qrels if q not in queries]
    judged = {q: t for q, t in queries.items() if q in qrels}
    if not judged:
        raise EvaluationError("no judged query to run: the qrels name none of the query ids "
                              f"(first qrels ids: {', '.join(list(qrels)[:3])}; first query ids: "
                              f"{', '.join(list(queries)[:3])})")
    t0 = time.perf_counter()
    run, index = run_queries(judged, index_dir, mode, depth, embedder, progress)
    known = {d.doc_id for d in index.documents} if hasattr(index, "documents") else None
    return score_run(qrels, run, metrics, mode, missing_queries=missing,
                     unjudged_queries=len(queries) - len(judged),
                     known_docs=None if known is None else known.__contains__,
                     seconds=time.perf_counter() - t0)
