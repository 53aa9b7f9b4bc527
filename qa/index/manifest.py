"""The manifest of an index folder: what it holds, what it was built from, and whether it still fits.

``manifest.json`` records the format version, the build id, the model (name and dimension), the
chunking settings and a fingerprint of the indexing code, the corpus folder (relative to the index),
and a record (hash, size, mtime) of every source file. This module reads and checks it, compares it
with a corpus folder (``corpus_changes``) and with a model and settings (``incompatibility``), and
writes the records of source files. Of the index's own files it hashes only those every load
verifies (``VERIFIED_ON_LOAD``); ``qa.index.integrity`` hashes the rest on request.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from qa.checksums import file_sha256
from qa.config import DEFAULT_SETTINGS, INDEX_FORMAT_VERSION, Settings
from qa.errors import IndexCorruptError, IndexNotFoundError, IndexUnverifiableError
from qa.ingest.corpus import Corpus, list_corpus_files
from qa.vectors.store import FAISS_FILE

# The files of an index folder. The manifest is written last: a folder without one is no index.
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
SENTENCES = "sentences.npy"
CHUNKS = "chunks.npy"
SENTENCE_VECTORS = "sentence_vectors.npy"
#: float32 passage vectors, row i = chunk i: what a later build re-uses, whatever the store (an
#: IVF index or a Milvus collection cannot give exact vectors back). Indexes written before it
#: existed have none; they are re-used from a flat ``index.faiss``.
CHUNK_VECTORS = "chunk_vectors.npy"
LEXICAL_DIR = "lexical"
#: The files of a FAISS index (``data_files`` gives those of any index).
DATA_FILES = (DOCUMENTS, SENTENCES, CHUNKS, FAISS_FILE, SENTENCE_VECTORS)
#: The files every load verifies against their checksums: the ones a citation's text and offsets
#: come from (``qa.index.integrity`` says why only these).
VERIFIED_ON_LOAD = (DOCUMENTS, SENTENCES, CHUNKS)


@dataclass(frozen=True)
class CorpusChanges:
    """How a corpus folder differs from what an index was built from (paths relative to it)."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]

    @property
    def fresh(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def summary(self) -> str:
        return (f"added {len(self.added)}, changed {len(self.changed)}, "
                f"removed {len(self.removed)}, unchanged {len(self.unchanged)}")


def data_files(manifest: dict) -> tuple[str, ...]:
    """The files the index described by ``manifest`` needs in its folder.

    ``index.faiss`` only when FAISS holds the vectors (a manifest without a ``store`` means FAISS);
    ``chunk_vectors.npy`` when the build recorded one.
    """
    store = manifest.get("store")
    kind = store.get("kind", "faiss") if isinstance(store, dict) else "faiss"
    names = [DOCUMENTS, SENTENCES, CHUNKS] + ([FAISS_FILE] if kind == "faiss" else []) + [SENTENCE_VECTORS]
    files = manifest.get("files")
    if isinstance(files, dict) and CHUNK_VECTORS in files:
        names.append(CHUNK_VECTORS)
    return tuple(names)


# --- checksums of the index's own files --------------------------------------------------------

def rebuild_hint(index_dir: str | os.PathLike, force: bool = True) -> str:
    """The command that rebuilds the index in ``index_dir`` (``force``: from scratch, re-using
    nothing of it)."""
    return f"rebuild with `qa index CORPUS_DIR --index-dir {index_dir}{' --force' if force else ''}`"


def require_checksums(index_dir: str | os.PathLike, manifest: dict) -> None:
    """Raise ``IndexUnverifiableError`` unless ``manifest`` records the size and checksum of every
    data file and of the lexical index (an older index, or a manifest written by hand)."""
    files, checksums = manifest.get("files"), manifest.get("checksums")
    needed = list(data_files(manifest))
    missing = []
    if not isinstance(files, dict) or not isinstance(checksums, dict):
        missing = ["files" if not isinstance(files, dict) else "checksums"]
    else:
        missing = [n for n in needed if not isinstance(checksums.get(n), str) or n not in files]
        if not any(str(n).startswith(LEXICAL_DIR + "/") for n in checksums):
            missing.append(f"{LEXICAL_DIR}/")
    if missing:
        raise IndexUnverifiableError(
            f"{index_dir} records no checksums of its files ({', '.join(missing)}): it was written by "
            f"an older version, so what answers quote cannot be verified; {rebuild_hint(index_dir, force=False)}")


def altered_files(index_dir: Path, manifest: dict, names, known: dict | None = None) -> list[str]:
    """The names among ``names`` whose SHA-256 is not the one ``manifest`` records (a missing file
    counts as altered). ``known`` maps names already hashed by the caller to their digest."""
    checksums = manifest.get("checksums") or {}
    known = known or {}
    altered = []
    for name in names:
        try:
            digest = known.get(name) or file_sha256(index_dir / name)
        except OSError:
            digest = None
        if digest != checksums.get(name):
            altered.append(name)
    return altered


def load_check_problem(index_dir: Path, manifest: dict) -> str | None:
    """Why ``index_dir`` would fail the checksum part of loading (no checksums recorded, or a file
    of ``VERIFIED_ON_LOAD`` altered), or None: a build must not call such an index up to date."""
    try:
        require_checksums(index_dir, manifest)
    except IndexUnverifiableError:
        return "the manifest records no checksums"
    altered = altered_files(index_dir, manifest, VERIFIED_ON_LOAD)
    return f"{', '.join(altered)} altered since written" if altered else None


# --- source files --------------------------------------------------------------------------------

def file_signature(path: Path, link: bool = False) -> dict:
    """``{"size", "mtime_ns"}`` of ``path`` (of the link itself with ``link``); raises ``OSError``."""
    st = path.lstat() if link else path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def skipped_file_record(path: Path) -> dict | None:
    """The manifest record of a file the build skipped, or None if there is nothing to record.

    Skipped symlinks are recorded by the link itself (their target may be outside the corpus,
    missing or a loop) and non-regular or unreadable files without a hash, so that an unchanged
    bad file does not make the index stale and is never read (a FIFO would block).
    """
    try:
        if path.is_symlink():
            return {"doc_id": None, "sha256": None, "link": True, **file_signature(path, link=True)}
        if not path.exists():
            return None
        record = {"doc_id": None, "sha256": None, **file_signature(path)}
        if path.is_file():
            record["sha256"] = file_sha256(path)
        return record
    except OSError:
        try:
            return {"doc_id": None, "sha256": None, **file_signature(path)}
        except OSError:
            return None


def source_records(corpus: Corpus, corpus_dir: str | os.PathLike) -> dict[str, dict]:
    """The manifest's ``sources``: a record of every file of ``corpus``, read or skipped.

    Read files keep what a later build needs to re-use them without parsing (hash, number of
    records, problems); skipped files are recorded too, so that an unchanged bad file does not
    make the index stale.
    """
    root = Path(corpus_dir)
    sources = {}
    for rel, parsed in corpus.files.items():
        sources[rel] = {"doc_id": parsed.documents[-1].doc_id, "sha256": parsed.sha256,
                        **file_signature(root / rel), "records": parsed.records,
                        "problems": list(parsed.problems)}
    for w in corpus.warnings:
        if w.path not in sources:
            record = skipped_file_record(root / w.path)
            if record is not None:
                sources[w.path] = record
    return sources


def corpus_changes(manifest: dict, corpus_dir: str | os.PathLike) -> CorpusChanges:
    """Compare a corpus folder with the documents recorded in ``manifest``.

    Files whose size and modification time match the manifest are taken as unchanged without
    being read; the others are hashed.
    """
    root = Path(corpus_dir)
    recorded: dict[str, dict] = manifest.get("sources", {})
    current = {str(p.relative_to(root)): p for p in list_corpus_files(root)} if root.is_dir() else {}
    added, changed, unchanged = [], [], []
    for rel, path in current.items():
        info = recorded.get(rel)
        if info is None:
            added.append(rel)
            continue
        try:
            sig = file_signature(path, link=bool(info.get("link")))
            if sig["size"] == info.get("size") and sig["mtime_ns"] == info.get("mtime_ns"):
                unchanged.append(rel)
            elif info.get("sha256") is None:
                changed.append(rel)
            elif file_sha256(path) == info["sha256"]:
                unchanged.append(rel)
            else:
                changed.append(rel)
        except OSError:
            changed.append(rel)
    removed = [rel for rel in recorded if rel not in current]
    return CorpusChanges(tuple(added), tuple(changed), tuple(removed), tuple(unchanged))


# --- model, settings and code --------------------------------------------------------------------

def indexing_files() -> list[Path]:
    """The code that decides what an index contains: every module of reading and cleaning
    (``qa.ingest``) and the term analyser whose terms the lexical index holds
    (``qa.lexicon.terms``); not the question-side language data (``qa.lexicon.en``), which an
    index never reads."""
    import qa.ingest
    import qa.lexicon.terms

    return sorted(Path(qa.ingest.__file__).parent.glob("*.py")) + [Path(qa.lexicon.terms.__file__)]


def pipeline_fingerprint() -> str:
    """A hash of ``indexing_files``, in a fixed order, and of the stop words the terms leave out.

    Recorded in the manifest: after an upgrade that changes cleaning or sentence splitting, or
    bm25s's stop-word list (a dependency, not a file of ours), an old index is reported stale and
    rebuilt, instead of silently disagreeing with a fresh one.
    """
    from qa.lexicon.terms import stopwords

    digest = hashlib.sha256()
    for path in indexing_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update("\0".join(sorted(stopwords())).encode())
    return digest.hexdigest()[:16]


def settings_record(settings: Settings) -> dict:
    """The manifest's ``settings``: the chunking parameters and the indexing code's fingerprint."""
    return {"chunking": asdict(settings.chunk), "pipeline": pipeline_fingerprint()}


def incompatibility(manifest: dict, embedder_name: str, settings: Settings,
                    dim: int | None = None, precision: str | None = None) -> str | None:
    """Why an index with ``manifest`` cannot serve (or be re-used for) this model and settings.

    ``precision`` (the build encoder's, ``qa.embed.embedder_record``) is compared when given: an
    index's vectors are never mixed with vectors of another precision. Questions may be embedded
    at any precision of the same model, so the query side passes none.
    """
    if manifest.get("format_version") != INDEX_FORMAT_VERSION:
        return "index format version differs"
    if manifest.get("model", {}).get("name") != embedder_name:
        return "embedding model differs"
    if dim is not None and manifest.get("model", {}).get("dim") != dim:
        return "embedding dimension differs"
    if precision is not None and manifest.get("model", {}).get("precision", "fp32") != precision:
        return "embedding precision differs"
    recorded = manifest.get("settings") or {}
    current = settings_record(settings)
    if recorded.get("chunking") != current["chunking"]:
        return "chunking settings differ"
    if recorded.get("pipeline") != current["pipeline"]:
        return "the indexing code (reading, cleaning, sentence splitting) changed since the build"
    return None


# --- reading -------------------------------------------------------------------------------------

def read_manifest(index_dir: str | os.PathLike) -> dict:
    """The parsed manifest of an index folder; raises ``IndexNotFoundError``/``IndexCorruptError``."""
    path = Path(index_dir) / MANIFEST
    if not path.exists():
        raise IndexNotFoundError(
            f"no index at {Path(index_dir)}: build one with `qa index CORPUS_DIR --index-dir {index_dir}`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(f"unreadable manifest {path} ({exc}); rebuild with `qa index`") from exc
    if not isinstance(manifest, dict) or "format_version" not in manifest:
        raise IndexCorruptError(f"{path} is not an index manifest; rebuild with `qa index`")
    # A hand-edited or foreign manifest must fail here, not as an AttributeError deep in loading.
    expected = {"build_id": str, "model": dict, "counts": dict, "files": dict, "sources": dict,
                "settings": dict, "warnings": list, "corpus_dir": str}
    wrong = [key for key, kind in expected.items()
             if key in manifest and not isinstance(manifest[key], kind)]
    if wrong or not isinstance(manifest.get("build_id"), str):
        raise IndexCorruptError(f"{path} has malformed fields ({', '.join(wrong) or 'build_id'}); "
                                f"rebuild with `qa index`")
    return manifest


def current_build_id(index_dir: Path) -> str | None:
    """The build id of the index now in ``index_dir``, or None if there is no readable one."""
    try:
        return read_manifest(index_dir)["build_id"]
    except (IndexNotFoundError, IndexCorruptError):
        return None


def recorded_corpus_dir(index_dir: str | os.PathLike, manifest: dict) -> Path | None:
    """The corpus folder an index was built from (the manifest stores it relative to the index)."""
    recorded = manifest.get("corpus_dir")
    if not recorded:
        return None
    return (Path(index_dir) / recorded).resolve()


def index_is_current(index_dir: str | os.PathLike, corpus_dir: str | os.PathLike,
                     embedder_name: str, settings: Settings = DEFAULT_SETTINGS) -> tuple[bool, str]:
    """Whether the index in ``index_dir`` can be used as is for ``corpus_dir``, and why not."""
    try:
        manifest = read_manifest(index_dir)
    except (IndexNotFoundError, IndexCorruptError) as exc:
        return False, str(exc)
    why = incompatibility(manifest, embedder_name, settings)
    if why:
        return False, why
    missing = [f for f in data_files(manifest) if not (Path(index_dir) / f).exists()]
    if missing:
        return False, f"missing files: {', '.join(missing)}"
    problem = load_check_problem(Path(index_dir), manifest)
    if problem:
        return False, problem
    changes = corpus_changes(manifest, corpus_dir)
    if not changes.fresh:
        return False, f"corpus changed: {changes.summary()}"
    return True, "up to date"
