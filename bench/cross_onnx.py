"""The cross-encoder of ``bench/cross_reader.py`` in ONNX Runtime: export (fused, then int8) and timing."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np


def onnx_scorer(path: Path, tokenizer_file: Path, threads: int, max_length: int):
    """``score(question, texts) -> logits`` with an exported cross-encoder in ONNX Runtime (no torch),
    tokenised by the model's ``tokenizers`` file as ``qa.embed.onnx`` does."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    tok = Tokenizer.from_file(str(tokenizer_file))
    tok.enable_truncation(max_length, strategy="only_second")
    tok.enable_padding()

    def score(question: str, texts: list[str]) -> np.ndarray:
        enc = tok.encode_batch([(question, t) for t in texts])
        feed = {"input_ids": np.array([e.ids for e in enc], np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], np.int64),
                "token_type_ids": np.array([e.type_ids for e in enc], np.int64)}
        return sess.run(None, feed)[0].astype(np.float64)
    return score


def export_int8(model, sample: dict, out_dir: Path) -> dict:
    """``out_dir/cross.onnx`` (fp32, fused) and ``cross.int8.onnx``; ``sample`` is a tokenised batch."""
    import warnings

    import torch

    from qa.embed.onnx import fuse_transformer_graph, quantize_int8

    out_dir.mkdir(parents=True, exist_ok=True)
    fp32, int8 = out_dir / "cross.onnx", out_dir / "cross.int8.onnx"
    args = (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, args, str(fp32), dynamo=False, input_names=names, output_names=["logit"],
                          dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, "logit": {0: "batch"}},
                          opset_version=17, do_constant_folding=True)
    traced = out_dir / "cross.traced.onnx"
    fp32.rename(traced)
    # ONNX Runtime's transformer fusions (one attention kernel per layer), as the bi-encoder's export.
    fuse_transformer_graph(traced, fp32, model.bert.config.num_attention_heads, model.bert.config.hidden_size)
    traced.unlink()
    quantize_int8(fp32, int8)
    return {"fp32_bytes": fp32.stat().st_size, "int8_bytes": int8.stat().st_size, "int8": int8, "fp32": fp32}


def time_scorer(score, cases) -> dict:
    """p50/p95 ms to tokenise and score each (question, candidate texts) of ``cases``."""
    times, logits = [], []
    for question, texts in cases:
        t0 = time.perf_counter()
        logits.append(score(question, texts))
        times.append((time.perf_counter() - t0) * 1000)
    t = np.array(times[5:])  # the first calls warm the session up
    return {"questions": len(t), "p50_ms": round(float(np.percentile(t, 50)), 2),
            "p95_ms": round(float(np.percentile(t, 95)), 2), "logits": logits[5:]}
