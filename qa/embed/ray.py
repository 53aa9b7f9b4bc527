"""Embed with Ray Data: the same vectors as in this process, computed by a pool of Ray actors.

``RayEmbedder(embedder)`` is an embedder (``qa.embed.Embedder``) whose ``encode`` sends the texts
through ``ray.data.from_items(...).map_batches(...)``: each actor loads the model once and encodes
batches of texts; every row carries its position, so the vectors come back in input order
whatever order the actors finish in. ``qa index --engine ray`` (``build_index(engine="ray")``)
uses it; the rest of the build (incremental re-use, the vector store) is unchanged, so the index
is the one the local path writes.

Where Ray runs: ``ray.init()`` is called on first use unless Ray is already initialised. With
``RAY_ADDRESS`` set (e.g. ``ray://head:10001`` or ``auto`` on a cluster node) that connects to a
cluster; otherwise it starts a local Ray on this machine. Every worker must be able to import
``qa`` and load the model (install the project with its ``scale`` extra on every node).

Identical results: each text's fp32 vector does not depend on the texts batched with it (the
fake embedder, sentence-transformers and fp32 ONNX; measured: max |diff| 0 on 1,500 passages), so
the vectors are those of the local path. The int8 ONNX model quantises activations per batch, so
its vectors do depend on the batch (measured: up to 0.019 per component for the same text in
another batch, as large as int8 vs fp32): through Ray, as in an incremental build, they match the
local path only to that precision.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from qa.errors import EmbedderError

INSTALL_HINT = "install the scale-out extra: pip install 'qa[scale]'"
#: Texts per ``map_batches`` call: large enough to amortise Ray's per-batch cost (~ms) against
#: the model's (~0.5 s for 512 passages on one core), small enough to spread over the actors.
BATCH_SIZE = 512


def embedder_source(embedder) -> Callable[[], object]:
    """A picklable zero-argument callable that gives each Ray actor its own copy of ``embedder``.

    The bundled model is re-created in each actor, at the same precision (a loaded model holds
    locks and sessions that do not travel, and its folder is the driver's); any other embedder is
    shipped as is and loads its model (if any) lazily in the actor.
    """
    from qa.config import DEFAULT_MODEL_NAME

    if getattr(embedder, "name", None) == DEFAULT_MODEL_NAME:
        from qa.embed import SentenceTransformerEmbedder

        runtime = "torch" if isinstance(embedder, SentenceTransformerEmbedder) else "onnx"
        return _BundledModel(getattr(embedder, "precision", "fp32"), runtime)
    return _Shipped(embedder)


class _BundledModel:
    """Gives an actor the bundled model at ``precision`` through the driver's runtime: ONNX Runtime
    from the worker's own export, or sentence-transformers (the two agree to cosine >= 0.999, not
    bit for bit, so an index is never embedded half by one and half by the other)."""

    def __init__(self, precision: str, runtime: str = "onnx") -> None:
        self.precision = precision
        self.runtime = runtime

    def __call__(self):
        from qa.embed import (
            SentenceTransformerEmbedder,
            onnx_encoder_dir,
            onnx_encoder_ready,
        )

        if self.runtime == "torch":
            return SentenceTransformerEmbedder()
        if not onnx_encoder_ready(precision=self.precision):
            # Another encoder would give other vectors than the driver's: refuse, do not mix.
            raise EmbedderError(f"this Ray worker has no {self.precision} ONNX export of the model; "
                                f"run `qa index` once on it or share QA_CACHE_DIR")
        from qa.embed.onnx import OnnxEmbedder

        return OnnxEmbedder(onnx_encoder_dir(), precision=self.precision)


class _Shipped:
    def __init__(self, embedder) -> None:
        self.embedder = embedder

    def __call__(self):
        return self.embedder


class _EncodeBatch:
    """The Ray Data actor: one embedder per actor, loaded once, encoding one batch per call."""

    def __init__(self, source: Callable[[], object]) -> None:
        self.embedder = source()

    def __call__(self, batch: dict) -> dict:
        vectors = self.embedder.encode([str(t) for t in batch["text"]])
        return {"row": np.asarray(batch["row"], dtype=np.int64), "vector": vectors}


def ensure_ray(num_cpus: int | None = None):
    """The ``ray`` module, initialised (``RAY_ADDRESS`` or a new local instance); see module notes."""
    try:
        import ray
    except ImportError as exc:
        raise EmbedderError(f"--engine ray needs Ray: {INSTALL_HINT}") from exc
    if not ray.is_initialized():
        try:
            ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False,
                     configure_logging=False)
        except Exception as exc:  # Ray raises a bare Exception when its node fails to start
            raise EmbedderError(f"cannot start or reach Ray ({exc}); check RAY_ADDRESS, or "
                                f"index with --engine local") from exc
    return ray


class RayEmbedder:
    """An embedder that runs ``embedder`` on Ray actors (same ``name`` and ``dim``, same vectors).

    ``actors`` is the size of the actor pool (default: the CPUs Ray reports, at most 8 here;
    on a cluster pass more); ``batch_size`` the texts per batch.
    """

    def __init__(self, embedder, actors: int | None = None, batch_size: int = BATCH_SIZE) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.inner = embedder
        self.name = embedder.name
        self.dim = int(embedder.dim)
        self.actors = actors
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Unit float32 vectors, one row per text, in input order."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ray = ensure_ray()
        actors = self.actors or max(1, min(8, int(ray.cluster_resources().get("CPU", 1))))
        actors = min(actors, -(-len(texts) // self.batch_size))
        rows = ray.data.from_items([{"row": i, "text": t} for i, t in enumerate(texts)])
        encoded = rows.map_batches(_EncodeBatch, fn_constructor_args=(embedder_source(self.inner),),
                                   batch_size=self.batch_size, batch_format="numpy",
                                   compute=ray.data.ActorPoolStrategy(size=actors))
        seen = np.zeros(len(texts), dtype=bool)
        for batch in encoded.iter_batches(batch_size=None, batch_format="numpy"):
            out[batch["row"]] = batch["vector"]
            seen[batch["row"]] = True
            if progress:
                progress(len(batch["row"]))
        if not seen.all():
            raise EmbedderError(f"Ray returned {int(seen.sum())} of {len(texts)} vectors")
        return out
