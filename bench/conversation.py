"""Latency of a follow-up with a 10-turn history against the same question asked alone (warm).

    .venv/bin/python -m bench.conversation [--rounds N]

For every follow-up of ``eval/followups.jsonl``, the history is its own earlier turns preceded by
unrelated turns of ``eval/corpus_qa.jsonl`` up to 10 turns, given as the earlier ``Answer``s (as the
web app and ``qa chat`` keep them). Measured in the same run, interleaved: ``answer(question,
history=those 10 turns)`` against ``answer(q)`` where ``q`` is the self-contained question the
follow-up was read as (the single question a user would otherwise type). Prints p50 / p95 / mean of
both and their ratios; and, for information, the worst case where the 10 earlier turns are question
strings (the turns the question points back at must then be answered again).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from bench.common import QUESTIONS_FILE, ROOT

FOLLOWUPS = ROOT / "eval" / "followups.jsonl"
TURNS = 10


def _percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the follow-ups")
    args = parser.parse_args()
    from qa import answer

    rows = [json.loads(line) for line in FOLLOWUPS.read_text(encoding="utf-8").splitlines() if line.strip()]
    fillers = [json.loads(line)["question"] for line in QUESTIONS_FILE.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    cases = []
    for n, row in enumerate(rows):
        earlier: list = []
        for q in row["history"]:
            earlier.append(answer(q, history=list(earlier)))
        pad = [answer(fillers[(n * 7 + i) % len(fillers)]) for i in range(TURNS - len(earlier))]
        history = pad + earlier
        read = answer(row["question"], history=history)
        strings = [a.question for a in pad] + list(row["history"])
        cases.append((row["question"], history, read.question_used or row["question"], strings))
    single, followed, worst = [], [], []
    for _ in range(args.rounds):
        for question, history, alone, strings in cases:
            t0 = time.perf_counter()
            answer(alone)
            t1 = time.perf_counter()
            answer(question, history=history)
            t2 = time.perf_counter()
            answer(question, history=strings)
            t3 = time.perf_counter()
            single.append((t1 - t0) * 1e3)
            followed.append((t2 - t1) * 1e3)
            worst.append((t3 - t2) * 1e3)

    def line(name, xs):
        return (f"{name:<44} p50 {_percentile(xs, 0.5):7.1f} ms  p95 {_percentile(xs, 0.95):7.1f} ms  "
                f"mean {statistics.fmean(xs):7.1f} ms")
    print(f"{len(cases)} follow-ups x {args.rounds} rounds, warm")
    print(line("single question (as read), alone", single))
    print(line(f"follow-up, {TURNS}-turn history of Answers", followed))
    print(line(f"follow-up, {TURNS}-turn history of strings", worst))
    print(f"ratio, history of Answers / single: p50 {_percentile(followed, 0.5) / _percentile(single, 0.5):.2f}x, "
          f"mean {statistics.fmean(followed) / statistics.fmean(single):.2f}x")
    print(f"ratio, history of strings / single: p50 {_percentile(worst, 0.5) / _percentile(single, 0.5):.2f}x, "
          f"mean {statistics.fmean(worst) / statistics.fmean(single):.2f}x")


if __name__ == "__main__":
    main()
