"""The cross-encoder experiment's bookkeeping (``bench/cross_reader.py``): which sentences it
trains on and how it counts precision@1. No model is loaded."""

import random

import numpy as np

from bench import cross_reader as cr


def _question(logits, labels):
    return {"question": "q", "logits": np.array(logits, float), "labels": np.array(labels, bool),
            "texts": [f"s{i}" for i in range(len(logits))]}


def test_groups_take_a_positive_and_the_best_ranked_negatives_of_the_top_eight():
    # Ten candidates; the linear order is 9, 8, ..., 0. Positives: 7 (in the top 8) and 0 (not).
    d = _question(list(range(10)), [i in (0, 7) for i in range(10)])
    (question, texts), = cr.groups_of([d], [0], random.Random(0))
    assert question == "q"
    assert texts[0] == "s7"  # candidate 0 is positive but outside the linear top 8
    assert texts[1:] == ["s9", "s8", "s6"]  # the negatives the linear reader ranks highest


def test_a_question_without_a_positive_in_the_top_eight_trains_nothing():
    d = _question(list(range(10)), [i == 0 for i in range(10)])
    assert cr.groups_of([d], [0], random.Random(0)) == []


def test_precision_counts_only_questions_with_a_positive():
    right = _question([2, 1], [True, False])
    wrong = _question([2, 1], [False, True])
    none = _question([2, 1], [False, False])
    p, n = cr.precision([right, wrong, none], [0, 1, 2], lambda i: 0)
    assert (p, n) == (0.5, 2)
