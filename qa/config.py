"""Every tunable of the pipeline, typed, in one place, with defaults that work.

Paths are resolved here and nowhere else. Environment variables (read when a function is called,
not at import) let a deployment move things without code changes:

- ``QA_INDEX_DIR``: the default index folder used by ``answer()`` and the CLI.
- ``QA_CORPUS_DIR``: the default corpus folder used by ``qa index``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

#: Bumped whenever the on-disk layout of an index changes; loading checks it.
INDEX_FORMAT_VERSION = 2

#: Name recorded in the manifest for the bundled embedding model.
DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_MODEL_DIM = 384

#: Precision of the encoder that embeds an index's passages and sentences by default: "int8"
#: (ONNX Runtime, dynamically quantised; about twice as fast) or "fp32". Questions are always
#: embedded in fp32. ``$QA_INDEX_PRECISION`` overrides it; figures in docs/benchmarks.md.
DEFAULT_INDEX_PRECISION = "int8"
#: ONNX Runtime threads per question encode (the shared query embedder). A question is one short
#: text: splitting it over two threads costs more in hand-offs and spinning than it saves, and a
#: server gets its parallelism from concurrent requests. Measured on 2 shared cores: 1 thread
#: 98-102 encodes/s at 4.8 ms CPU each, 1 or 8 callers; 2 threads 41-69/s at 6-9 ms.
QUERY_ENCODER_THREADS = 1
INDEX_PRECISION_ENV = "QA_INDEX_PRECISION"

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ChunkConfig:
    """How documents are cut into passages."""

    #: Sentences per chunk.
    sentences_per_chunk: int = 4
    #: Sentences shared by two consecutive chunks of a document.
    overlap: int = 1
    #: A chunk stops growing once it reaches this many characters (the model reads ~256 tokens).
    max_chars: int = 1000

    def __post_init__(self) -> None:
        if self.sentences_per_chunk < 1:
            raise ValueError("sentences_per_chunk must be >= 1")
        if not 0 <= self.overlap < self.sentences_per_chunk:
            raise ValueError("overlap must be >= 0 and smaller than sentences_per_chunk")
        if self.max_chars < 50:
            raise ValueError("max_chars must be >= 50")


@dataclass(frozen=True)
class ExtractConfig:
    """How sentences are scored, grouped and when the answer abstains."""

    #: The answerability probability under which the answer abstains ("not in the corpus"); None:
    #: the threshold fitted with the reader's weights (``qa/reader/weights/reader.json``), chosen on
    #: held-out questions for a stated false-abstention rate (docs/reader_model.md).
    abstain_threshold: float | None = None
    #: Two sentences from different documents with at least this cosine state the same fact.
    corroboration_cosine: float = 0.72
    #: ... and is at least this fraction as close to the question as the answer sentence is.
    corroboration_relevance: float = 0.85
    #: How many corroborating sentences (other documents) are cited at most.
    max_corroborating: int = 4
    #: For a question asking for a quantity, another document's sentence within this much of the
    #: answer's score that gives it differently ("six months" / "eight months") is cited as a
    #: disagreement, though the two are not similar enough to pair as a whole.
    rival_margin: float = 0.08
    #: Named gates: each abstains on its own, whatever the answerability model says; each can be
    #: switched off. Their measured effect on held-out questions is in the model card
    #: (qa/reader/weights/MODEL_CARD.md); two former gates that did not pay there (a count of
    #: something no passage mentions, a name asked of a thing left unnamed) are features now.
    #: The question uses a name the corpus never does ("Who founded Tencent?").
    gate_unknown_names: bool = True
    #: The question asks for a kind of value (a year, a sum, who holds a role) and no sentence read
    #: states one; when some do, the answer is the best of those.
    gate_kind_unstated: bool = True
    #: The answer's document mentions none of the names the question is about ("In what year was
    #: Kuaishou founded?" answered from an article that never names Kuaishou). Right for documents
    #: that name their subject (articles, reports); a corpus of short fragments that leave it
    #: implicit may want it off.
    require_named_document: bool = True
    #: The question compares two named things ("Which has more users, Kling or Sora?", "Is 01.AI
    #: valued higher than AIsphere?") and the answer sentence does not speak of both: it cannot
    #: state the comparison. Measured in docs/evaluation.md ("A gate for comparisons").
    gate_comparison_unstated: bool = True
    #: The question asks why something happened ("Why did the White House lift its chip
    #: embargo?") and the answer sentence shares no word with what it says happened (names and
    #: the words of asking aside): it cannot give the reason. Measured in docs/evaluation.md
    #: ("A gate for premises").
    gate_premise_unstated: bool = True
    #: A sentence read asks the question itself (a FAQ's heading "How do I create an AUTOINCREMENT
    #: field?", matched by meaning and by words: ``qa.reader.extract.ECHO_DENSE``/``ECHO_COVERAGE``):
    #: the answer is the best sentence that follows it. Measured in docs/evaluation.md.
    answer_after_echo: bool = True


@dataclass(frozen=True)
class Settings:
    """Top-level configuration: limits and the pieces above."""

    chunk: ChunkConfig = field(default_factory=ChunkConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    #: Questions longer than this (in characters, after trimming) are refused.
    max_question_chars: int = 2000
    #: Upper bound on ``k`` (passages read per question).
    max_k: int = 100
    #: Files larger than this are skipped at indexing time, with a warning.
    max_file_bytes: int = 50 * 1024 * 1024
    #: Default retrieval mode.
    mode: str = "hybrid"


DEFAULT_SETTINGS = Settings()

#: How the hybrid mode fuses its dense and BM25 candidates: "convex" (alpha * min-max dense +
#: (1 - alpha) * min-max BM25) or "rrf" (reciprocal rank, k=60). Chosen by ``bench/fusion.py``:
#: convex 0.5 beat RRF on SQuAD (recall@1 0.767 vs 0.716, answer hit@1 0.712 vs 0.694), SciFact
#: (nDCG@10 0.846 vs 0.836) and the shipped set (MRR@10 0.961 vs 0.933).
HYBRID_FUSION = "convex"
HYBRID_ALPHA = 0.5
#: Candidates each side of the hybrid retriever contributes before fusion, and reciprocal-rank
#: fusion's k (pyserini's and the RRF paper's 60).
HYBRID_CANDIDATES = 50
RRF_K = 60
#: Seconds between two checks of the corpus folder for changes while an index is cached in memory.
STALE_CHECK_SECONDS = 2.0
#: Requests the web app answers at the same time; the library is thread-safe, and with 2-4 cores
#: a few parallel answers keep every user responsive without oversubscribing the CPU.
APP_CONCURRENCY = 4

#: Retrieval modes understood by ``answer()`` and the CLI.
MODES = ("hybrid", "dense", "lexical")


#: Largest document a user may add to a collection (``qa.collections.add_documents``), in bytes.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
#: Largest question file (.jsonl) the web app evaluates, in bytes.
MAX_QUESTION_FILE_BYTES = 5 * 1024 * 1024


def default_index_dir() -> Path:
    """The index folder used when none is given: ``$QA_INDEX_DIR`` or ``<project>/index``."""
    env = os.environ.get("QA_INDEX_DIR")
    return Path(env) if env else PROJECT_ROOT / "index"


def cache_dir() -> Path:
    """Where derived, model-specific files live (the ONNX export of the model):
    ``$QA_CACHE_DIR``, else ``$XDG_CACHE_HOME/qa``, else ``~/.cache/qa``."""
    env = os.environ.get("QA_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "qa"


def default_corpus_dir() -> Path:
    """The corpus folder used when none is given: ``$QA_CORPUS_DIR`` or ``<project>/corpus``."""
    env = os.environ.get("QA_CORPUS_DIR")
    return Path(env) if env else PROJECT_ROOT / "corpus"
#: The document viewer shows at most this many characters of a document at once: a window around
#: the cited span, with links that load the text before and after it (a 50 MB document took 23.5 s
#: to open when sent whole).
VIEWER_WINDOW_CHARS = 60_000
