"""Measure retrieval and answers on a question file (JSON lines).

Each line: ``{"id", "question", "answers": [gold substrings], "relevant_docs": [doc ids],
"answerable": bool}``, and optionally ``"history"``: the earlier turns of a conversation (question
strings, oldest first) that the question follows up on. Ranking metrics (recall@k, MRR@10, nDCG@10 over documents) come from
ir-measures (the reference pytrec_eval implementation); answer metrics are computed here:

- answer hit@1: the answer text contains a gold string (case-insensitive), not abstained;
- answer hit@3: a gold string is in one of the three best distinct candidate sentences;
- abstention: rate on unanswerable questions (recall), share of abstentions that were right
  (precision), and the false-abstention rate on answerable questions;
- follow-ups (questions with a history) are also scored apart: ``follow_up_hit@1`` and
  ``follow_up_abstention_recall`` (a reference no turn settles must be abstained on), beside
  ``standalone_hit@1``.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from qa.errors import EvaluationError

RANK_DEPTH = 20  # passages retrieved to rank documents for recall/MRR/nDCG


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answers: tuple[str, ...]
    relevant_docs: tuple[str, ...]
    answerable: bool
    #: Earlier turns of the conversation, oldest first (a follow-up question); () for a question alone.
    history: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuestionResult:
    """Per-question diagnostics: what was retrieved, what was chosen, and why."""

    id: str
    question: str
    answerable: bool
    abstained: bool
    hit_at_1: bool
    hit_at_3: bool
    first_relevant_rank: int | None
    retrieved_docs: tuple[str, ...]
    answer: str
    answer_doc: str | None
    confidence: float
    reason: str
    latency_ms: float
    #: The question had a history; ``question_used`` is how it was read (the question itself if alone).
    follow_up: bool = False
    question_used: str = ""


@dataclass(frozen=True)
class EvalReport:
    mode: str
    k: int
    metrics: dict
    rows: tuple[QuestionResult, ...] = field(default_factory=tuple)
    #: How follow-ups used their history (``qa.eval.conversation.HISTORY_MODES``).
    history: str = "rules"

    @property
    def label(self) -> str:
        """The column name of this run: its mode, and how history was used when not by the rules."""
        return self.mode if self.history == "rules" else f"{self.mode}/{self.history}"

    def to_dict(self) -> dict:
        return {"mode": self.mode, "k": self.k, "history": self.history, "metrics": self.metrics,
                "rows": [asdict(r) for r in self.rows]}


def load_questions(path: str | os.PathLike) -> list[EvalQuestion]:
    """Parse a question file; ``EvaluationError`` names the first bad line and what is wrong."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"cannot read {path}: {exc}") from exc
    out, seen = [], set()
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvaluationError(f"{path}:{n}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or not isinstance(row.get("question"), str):
            raise EvaluationError(f"{path}:{n}: needs an object with a \"question\" string")
        qid = str(row.get("id", f"line{n}"))
        if qid in seen:
            raise EvaluationError(f"{path}:{n}: duplicate id {qid!r}")
        seen.add(qid)
        answers = row.get("answers", [])
        docs = row.get("relevant_docs", [])
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            raise EvaluationError(f"{path}:{n}: \"answers\" must be a list of strings")
        if not isinstance(docs, list) or not all(isinstance(d, str) for d in docs):
            raise EvaluationError(f"{path}:{n}: \"relevant_docs\" must be a list of strings")
        history = row.get("history", [])
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            raise EvaluationError(f"{path}:{n}: \"history\" must be a list of earlier questions (strings)")
        answerable = bool(row.get("answerable", bool(answers or docs)))
        out.append(EvalQuestion(qid, row["question"], tuple(answers), tuple(docs), answerable, tuple(history)))
    if not out:
        raise EvaluationError(f"{path} has no questions")
    return out


def contains_answer(text: str, answers: Sequence[str]) -> bool:
    """True when ``text`` contains any gold string, ignoring case and runs of whitespace."""
    norm = " ".join(text.casefold().split())
    return any(" ".join(a.casefold().split()) in norm for a in answers if a.strip())


def ranked_documents(hits) -> list[str]:
    """Distinct document ids in the order their best passage was retrieved."""
    return list(dict.fromkeys(h.chunk.doc_id for h in hits))


def ranking_metrics(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]) -> dict:
    """Recall@1/5/10, MRR@10 and nDCG@10, averaged over the questions in ``qrels``."""
    import ir_measures
    from ir_measures import RR, R, nDCG

    if not qrels:
        return {}
    measures = [R @ 1, R @ 5, R @ 10, RR @ 10, nDCG @ 10]
    # Questions with no retrieved document still count (as zeros).
    run = {q: (run.get(q) or {"__none__": 0.0}) for q in qrels}
    agg = ir_measures.calc_aggregate(measures, qrels, run)
    names = {R @ 1: "recall@1", R @ 5: "recall@5", R @ 10: "recall@10", RR @ 10: "mrr@10",
             nDCG @ 10: "ndcg@10"}
    return {names[m]: round(float(agg[m]), 4) for m in measures}


def evaluate(questions: Sequence[EvalQuestion], index_dir=None, k: int = 5, mode: str = "hybrid",
             threshold: float | None = None, embedder=None, history: str = "rules") -> EvalReport:
    """Run every question through retrieval and ``answer()``; return metrics and per-question rows.

    A question with a history is answered as ``history`` says (``qa.eval.conversation``): "rules"
    (``answer(..., history=...)``, the default), "none", "concat", "vector" or "both"; its
    documents are ranked for the question as it was read."""
    from qa.answer import answer, validate_question
    from qa.embed import default_embedder
    from qa.eval.conversation import answer_follow_up
    from qa.index.cache import get_index
    from qa.retrieve.retrievers import make_retriever

    embedder = embedder or default_embedder()
    index = get_index(index_dir, embedder.name)
    retriever = make_retriever(mode, index, embedder)
    qrels, run, rows = {}, {}, []
    for q in questions:
        t0 = time.perf_counter()
        if q.history:
            result, asked, query_vector = answer_follow_up(
                q.question, q.history, history, k=k, index_dir=index.path, mode=mode, threshold=threshold,
                embedder=embedder)
        else:
            # One encoding of the question serves the answer and the document ranking.
            query_vector = embedder.encode([validate_question(q.question)])[0]
            result = answer(q.question, k=k, index_dir=index.path, mode=mode, threshold=threshold,
                            embedder=embedder, query_vector=query_vector)
            asked = result.question
        latency = (time.perf_counter() - t0) * 1e3
        hits = retriever.search(asked, RANK_DEPTH, vector=query_vector)
        docs = ranked_documents(hits)
        if q.answerable and q.relevant_docs:
            qrels[q.id] = {d: 1 for d in q.relevant_docs}
            run[q.id] = {d: float(RANK_DEPTH - i) for i, d in enumerate(docs)}
        first = next((i + 1 for i, d in enumerate(docs) if d in q.relevant_docs), None)
        hit1 = (not result.abstained) and contains_answer(result.text, q.answers)
        top3 = [] if result.abstained else [c.quote for c in result.alternatives[:3]] or [result.text]
        hit3 = (not result.abstained) and any(contains_answer(t, q.answers) for t in [result.text, *top3])
        rows.append(QuestionResult(
            q.id, q.question, q.answerable, result.abstained, hit1, hit3, first, tuple(docs[:5]),
            result.text, result.citations[0].doc_id if result.citations else None,
            result.confidence, result.reason, round(latency, 2), bool(q.history), asked))
    return EvalReport(mode, k, summarize(rows, ranking_metrics(qrels, run)), tuple(rows), history)


def summarize(rows: Sequence[QuestionResult], ranking: dict) -> dict:
    """Answer and abstention metrics from per-question rows, merged with ranking metrics."""
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]
    abstained = [r for r in rows if r.abstained]
    lat = sorted(r.latency_ms for r in rows)

    def rate(part, whole):
        return round(len(part) / len(whole), 4) if whole else None

    metrics = {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        **ranking,
        "answer_hit@1": rate([r for r in answerable if r.hit_at_1], answerable),
        "answer_hit@3": rate([r for r in answerable if r.hit_at_3], answerable),
        "abstention_recall": rate([r for r in unanswerable if r.abstained], unanswerable),
        "abstention_precision": rate([r for r in abstained if not r.answerable], abstained),
        "false_abstention_rate": rate([r for r in answerable if r.abstained], answerable),
        **_follow_up_metrics(rows, rate),
        "latency_p50_ms": round(lat[len(lat) // 2], 2) if lat else None,
        "latency_p95_ms": round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 2) if lat else None,
    }
    return metrics


def _follow_up_metrics(rows: Sequence[QuestionResult], rate) -> dict:
    """Follow-ups scored apart from questions asked alone (empty when the set has none)."""
    follow = [r for r in rows if r.follow_up]
    if not follow:
        return {}
    alone = [r for r in rows if not r.follow_up and r.answerable]
    answerable = [r for r in follow if r.answerable]
    unanswerable = [r for r in follow if not r.answerable]
    return {"follow_ups": len(follow),
            "follow_up_hit@1": rate([r for r in answerable if r.hit_at_1], answerable),
            "follow_up_abstention_recall": rate([r for r in unanswerable if r.abstained], unanswerable),
            "standalone_hit@1": rate([r for r in alone if r.hit_at_1], alone)}


@dataclass(frozen=True)
class Calibration:
    """An abstention threshold chosen on a question set, and what it achieves there."""

    threshold: float
    abstention_recall: float | None
    false_abstention_rate: float | None
    answerable: int
    unanswerable: int


def calibrate_threshold(rows: Sequence[QuestionResult], max_false_abstention: float = 0.05
                        ) -> Calibration:
    """The highest threshold whose false-abstention rate stays within ``max_false_abstention``.

    ``rows`` must come from a run with abstention by threshold switched off (a very low
    threshold), so that ``confidence`` is the answerability probability of every question; rows that
    abstained anyway (e.g. a name the corpus never mentions) abstain at every threshold. A higher
    threshold abstains more, so the highest admissible one abstains most on unanswerable questions.
    """
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]

    def rates(t: float) -> tuple[float | None, float | None]:
        fa = [r for r in answerable if r.abstained or r.confidence < t]
        ab = [r for r in unanswerable if r.abstained or r.confidence < t]
        return (len(ab) / len(unanswerable) if unanswerable else None,
                len(fa) / len(answerable) if answerable else None)

    best = 0.0
    for t in sorted({round(r.confidence, 4) for r in rows if not r.abstained}):
        if (rates(t)[1] or 0.0) <= max_false_abstention:
            best = t
        else:
            break
    recall, false_rate = rates(best)
    return Calibration(round(best, 4), recall, false_rate, len(answerable), len(unanswerable))


_TABLE_ROWS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "answer_hit@1",
               "answer_hit@3", "abstention_recall", "abstention_precision", "false_abstention_rate",
               "follow_ups", "follow_up_hit@1", "follow_up_abstention_recall", "standalone_hit@1",
               "latency_p50_ms", "latency_p95_ms")


def format_report(reports: Sequence[EvalReport], details: bool = False) -> str:
    """A plain-text table with one column per report (retrieval mode)."""
    first = reports[0].metrics
    lines = [f"{first['questions']} questions ({first['answerable']} answerable, "
             f"{first['unanswerable']} unanswerable), k={reports[0].k}", ""]
    header = f"{'metric':<28}" + "".join(f"{r.label:>14}" for r in reports)
    lines += [header, "-" * len(header)]
    for name in _TABLE_ROWS:
        if all(name not in r.metrics for r in reports):
            continue  # follow-up rows when the set has no follow-ups
        cells = []
        for r in reports:
            v = r.metrics.get(name)
            cells.append(f"{'-' if v is None else (f'{v:.3f}' if isinstance(v, float) else v):>14}")
        lines.append(f"{name:<28}" + "".join(cells))
    if details:
        for r in reports:
            lines += ["", f"per question ({r.label}):"]
            for row in r.rows:
                mark = ("ok  " if row.hit_at_1 else "MISS") if row.answerable else (
                    "ok  " if row.abstained else "MISS")
                what = "abstained" if row.abstained else f"{row.answer_doc}: {row.answer[:90]}"
                lines.append(f"  {mark} {row.id} rank={row.first_relevant_rank} {row.question[:60]!r} -> {what}")
                if row.follow_up and row.question_used != row.question:
                    lines.append(f"       understood as {row.question_used[:90]!r}")
    return "\n".join(lines)


def success_at_k(rows: Sequence, questions: Sequence[EvalQuestion], max_k: int = 10) -> list[float]:
    """For k = 1..max_k, the share of answerable questions with relevant documents whose first
    relevant document is ranked within the top k (``rows`` are ``QuestionResult``s, or anything with
    ``id`` and ``first_relevant_rank``; rows of other questions are ignored). All zeros if no
    question qualifies."""
    judged = {q.id for q in questions if q.answerable and q.relevant_docs}
    ranks = [r.first_relevant_rank for r in rows if r.id in judged]
    if not ranks:
        return [0.0] * max_k
    return [sum(1 for x in ranks if x is not None and x <= k) / len(ranks) for k in range(1, max_k + 1)]
