"""Read a corpus folder into ``Document``s and mark which spans of each are worth indexing.

Each file is read by the reader of its format (``qa.ingest.formats``): ``Document.text`` is the decoded
content of a ``.txt`` file, unchanged, and the extracted plain text of any other format (rendered
markdown, the main text of an HTML page, the text of a PDF's pages, one ``.jsonl`` record).
Cleaning never rewrites that text: it only decides which line spans are indexed (``Segment.kept``)
and which are web boilerplate (ad markers, login/subscribe prompts, language menus, navigation
bullets, repeated headlines). Every offset anywhere in the pipeline is a Python ``str`` index into
``Document.text``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from qa.config import DEFAULT_SETTINGS, Settings
from qa.errors import CorpusError
from qa.ingest.clean import find_date, pick_title, segment_text
from qa.ingest.encoding import unicode_bom
from qa.ingest.capture import captured_messages
from qa.ingest.content import Extracted, FileContent
from qa.ingest.formats import BINARY_SUFFIXES, READERS, reader_for
from qa.types import Document

#: File types read as corpus documents (each has a reader in ``qa.ingest.formats.READERS``).
CORPUS_SUFFIXES = tuple(READERS)
#: Kept for callers of the time when only plain text was read.
TEXT_SUFFIXES = (".txt",)






@dataclass(frozen=True)
class IngestWarning:
    """A file that was skipped or repaired while reading the corpus, and why."""

    path: str
    message: str

    @property
    def skips_file(self) -> bool:
        """True when the whole file was left out of the index (not one record of it, or a repair)."""
        return self.message.startswith("skipped:")


@dataclass(frozen=True)
class ParsedFile:
    """What one corpus file gave: its hash, the documents indexed from it, the reader's problems.

    ``records`` is how many texts the reader found in the file; when every one of them became a
    document (``records == len(documents)``), the documents can stand in for parsing the file again
    while its bytes are unchanged (see ``read_corpus(reuse=...)``).
    """

    sha256: str
    documents: tuple[Document, ...]
    problems: tuple[str, ...] = ()
    records: int = 0


@dataclass(frozen=True)
class Corpus:
    """The documents read from a folder and the warnings raised while reading it.

    ``files`` maps the relative path of every file that gave at least one document to what it
    gave; ``reused`` lists the files whose documents were taken from ``reuse`` without parsing.
    """

    root: str
    documents: tuple[Document, ...]
    warnings: tuple[IngestWarning, ...] = field(default_factory=tuple)
    files: Mapping[str, ParsedFile] = field(default_factory=dict)
    reused: tuple[str, ...] = ()


















def looks_binary(data: bytes) -> bool:
    """True for data that is not text (NUL bytes or mostly control bytes in its first 8 KiB)."""
    head = data[:8192]
    if unicode_bom(head) is not None:
        return False
    if b"\x00" in head:
        return True
    if not head:
        return False
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return control / len(head) > 0.10


def make_document(doc_id: str, text: str, path: str = "", sha256: str | None = None, *,
                  title: str | None = None, date: str | None = None, url: str | None = None,
                  source: str | None = None, author: str | None = None,
                  pages: tuple[int, ...] = (), code: tuple[tuple[int, int], ...] = ()) -> Document:
    """Build a cleaned ``Document`` from text already in memory.

    A ``title``, ``date``, ``source`` or ``author`` not given (from the file's metadata) is found in
    the text: the headline, a date written near the top, an outlet or a byline as
    ``qa.ingest.metadata.document_fields`` finds them. ``code`` spans (from the file's markup) are
    code blocks whatever their lines look like.
    """
    segments = segment_text(text, code)
    digest = sha256 or hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    title = title or pick_title(text, segments, fallback=doc_id)
    date = date or find_date(text, segments)
    if source is None or author is None:
        # A "Source: ..." line, an outlet line under the headline, a byline ("qa.ingest.metadata").
        from qa.ingest.metadata import document_fields

        stated = {}
        for f in document_fields(text, segments, title):
            stated.setdefault(f.name, text[f.value_start:f.value_end])
        source = source or stated.get("source")
        author = author or stated.get("author")
    return Document(doc_id, title, text, path, digest, segments, date, url, source, author, tuple(pages))


def _doc_ids_for(root: Path, files: list[Path]) -> dict[Path, str]:
    """The doc id of each corpus file: its relative path without suffix, with ``/`` separators.

    Files that would share an id (``notes.md`` and ``notes.txt``) keep their suffix instead, so
    that every file has its own id whatever order the files are read in.
    """
    stems = {path: str(path.relative_to(root).with_suffix("")).replace(os.sep, "/") for path in files}
    counts: dict[str, int] = {}
    for stem in stems.values():
        counts[stem] = counts.get(stem, 0) + 1
    return {path: stem if counts[stem] == 1 else str(path.relative_to(root)).replace(os.sep, "/")
            for path, stem in stems.items()}


#: A folder holding these two files is a BEIR data set: only its corpus is documents; its queries
#: and its ``qrels/`` folder are what ``qa eval`` reads.
BEIR_CORPUS, BEIR_QUERIES, BEIR_QRELS = "corpus.jsonl", "queries.jsonl", "qrels"


def _walk_corpus(root: Path) -> tuple[list[Path], list[str]]:
    """Candidate files under ``root``, and the relative paths of those whose name is not UTF-8."""
    files, undecodable = [], []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if BEIR_CORPUS in filenames and BEIR_QUERIES in filenames:
            filenames = [f for f in filenames if f != BEIR_QUERIES]
            dirnames[:] = [d for d in dirnames if d != BEIR_QRELS]
        for name in sorted(filenames):
            if not name.startswith(".") and name.lower().endswith(CORPUS_SUFFIXES):
                path = Path(dirpath) / name
                rel = str(path.relative_to(root))
                try:
                    rel.encode("utf-8")
                except UnicodeEncodeError:
                    # A name that is not UTF-8 cannot be written to the UTF-8 manifest or shown as a
                    # doc id; it is left out here so that the build and the staleness check agree.
                    undecodable.append(os.fsencode(rel).decode("utf-8", "backslashreplace"))
                    continue
                files.append(path)
    return files, undecodable


def list_corpus_files(root: Path) -> list[Path]:
    """Every candidate file under ``root`` (recursively, hidden files and folders excluded), sorted.

    A candidate is a file whose name ends in one of ``CORPUS_SUFFIXES`` (any case). This is the one
    place that decides what a corpus file is: the index's staleness check uses it too.

    Files whose name is not valid UTF-8 are left out (``read_corpus`` warns about them).
    """
    return _walk_corpus(root)[0]


def read_corpus(corpus_dir: str | os.PathLike, settings: Settings = DEFAULT_SETTINGS,
                reuse: Mapping[str, ParsedFile] | None = None) -> Corpus:
    """Read every corpus file under ``corpus_dir``; skip or repair bad files with a warning.

    Each file is read by the reader of its suffix (``qa.ingest.formats.READERS``); a ``.jsonl`` file gives
    one document per line, with id ``"<file id>/<record id>"`` (a BEIR record's ``_id`` as it is). In
    a BEIR data set folder (``corpus.jsonl`` beside ``queries.jsonl``) only the corpus is read. Files with the same bytes, and
    documents with the same extracted text, are indexed once. A warning's ``path`` is always the
    file's path relative to ``corpus_dir``; problems with one part of a file (a ``.jsonl`` line, a
    PDF page) name that part in the message.

    ``reuse`` maps relative paths to what an earlier read of those files gave (``Corpus.files``).
    A file whose bytes still have that hash, all of whose texts became documents then and whose
    documents would all be indexed again (same doc ids, no clash with the files read before it)
    is not parsed: its documents and problems are taken as they are. The result is the same as
    reading every file; only the time differs (parsing PDFs and HTML is the slow part).

    Raises ``CorpusError`` when the folder does not exist or is not a folder. A folder with no
    indexable document gives an empty ``Corpus`` (the caller decides whether that is an error).
    """
    root = Path(corpus_dir)
    if not root.exists():
        raise CorpusError(f"corpus folder not found: {root}")
    if not root.is_dir():
        raise CorpusError(f"corpus path is not a folder: {root}")
    root_real = root.resolve()
    documents: list[Document] = []
    warnings: list[IngestWarning] = []
    by_hash: dict[str, str] = {}  # file bytes -> the file that had them first
    by_text: dict[str, str] = {}  # extracted text -> the document that had it first
    taken: set[str] = set()
    copies: dict[str, list[str]] = {}  # doc id -> files (or file:line) with exactly its content
    parsed: dict[str, ParsedFile] = {}
    reused: list[str] = []
    files, undecodable = _walk_corpus(root)
    doc_ids = _doc_ids_for(root, files)
    warnings.extend(IngestWarning(rel, "skipped: file name is not valid UTF-8") for rel in undecodable)
    for path in files:
        rel = str(path.relative_to(root))
        data = _read_file(root_real, path, rel, settings, warnings)
        if data is None:
            continue
        suffix = path.suffix.lower()
        digest = hashlib.sha256(data).hexdigest()
        earlier = (reuse or {}).get(rel)
        # Bytes that gave documents before are not binary: no need to look again.
        seen_before = earlier is not None and earlier.sha256 == digest and bool(earlier.documents)
        if suffix not in BINARY_SUFFIXES and not seen_before and looks_binary(data):
            warnings.append(IngestWarning(rel, "skipped: binary file"))
            continue
        if digest in by_hash:
            warnings.append(IngestWarning(rel, f"skipped: same content as {by_hash[digest]}"))
            for doc in parsed[by_hash[digest]].documents:
                copies.setdefault(doc.doc_id, []).append(rel)
            continue
        if seen_before and _can_reuse(earlier, digest, doc_ids[path], taken, by_text):
            warnings.extend(IngestWarning(rel, problem) for problem in earlier.problems)
            for doc in earlier.documents:
                by_text[text_key(doc.text)] = doc.doc_id
                taken.add(doc.doc_id)
                documents.append(doc)
            by_hash[digest] = rel
            parsed[rel] = earlier
            reused.append(rel)
            continue
        with captured_messages() as library_messages:  # pypdf's "EOF marker not found", ...
            content = reader_for(suffix)(data)
        if library_messages:
            content = _with_library_messages(content, library_messages)
        warnings.extend(IngestWarning(rel, problem) for problem in content.problems)
        indexed = 0
        for record in content.records:
            doc_id = (doc_ids[path] if record.key is None else record.key if record.key_is_doc_id
                      else f"{doc_ids[path]}/{record.key}")
            where = "" if record.line is None else f"line {record.line}: "
            if doc_id in taken:
                warnings.append(IngestWarning(rel, f"{where}skipped: doc id {doc_id!r} is already used"))
                continue
            doc = _document_from(doc_id, record, rel, digest)
            if not doc.kept_spans:
                warnings.append(IngestWarning(rel, f"{where}skipped: no indexable text"))
                continue
            key = text_key(doc.text)
            if key in by_text:
                warnings.append(IngestWarning(rel, f"{where}skipped: same text as {by_text[key]}"))
                copies.setdefault(by_text[key], []).append(rel if record.line is None else f"{rel}:{record.line}")
                continue
            by_text[key] = doc_id
            taken.add(doc_id)
            documents.append(doc)
            indexed += 1
        if indexed:
            by_hash[digest] = rel
            parsed[rel] = ParsedFile(digest, tuple(documents[-indexed:]), content.problems,
                                     len(content.records))
        elif not content.problems and not content.records:
            warnings.append(IngestWarning(rel, "skipped: no indexable text"))
    # Exact duplicates are indexed once; their paths travel with the document that was kept
    # (set afresh here, so a re-used document never keeps a stale list).
    documents = [replace_copies(d, tuple(copies.get(d.doc_id, ()))) for d in documents]
    return Corpus(str(root), tuple(documents), tuple(warnings), parsed, tuple(reused))


def replace_copies(doc: Document, copies: tuple[str, ...] = ()) -> Document:
    """``doc`` with its list of duplicate files set to ``copies``."""
    if doc.copies == copies:
        return doc
    from dataclasses import replace

    return replace(doc, copies=copies)


def text_key(text: str) -> str:
    """A hash of a document's text (finds the same text in another file or a previous index)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _can_reuse(earlier: ParsedFile, digest: str, file_id: str, taken: set[str],
               by_text: dict[str, str]) -> bool:
    """Whether reading the file again would give exactly ``earlier.documents`` and no new warning.

    Its bytes must be unchanged, every text the reader found then must have become a document,
    and each document must keep its id (a new ``notes.md`` next to ``notes.txt`` renames both) and
    not clash with a document of a file read before it (that one would now win).
    """
    docs = earlier.documents
    if earlier.sha256 != digest or not docs or earlier.records != len(docs):
        return False
    ids = [d.doc_id for d in docs]
    if len(set(ids)) != len(ids) or any(i != file_id and not i.startswith(file_id + "/") for i in ids):
        return False
    keys = [text_key(d.text) for d in docs]
    return (len(set(keys)) == len(keys) and not any(i in taken for i in ids)
            and not any(k in by_text for k in keys) and all(d.kept_spans for d in docs))


def _with_library_messages(content: FileContent, messages: list[str]) -> FileContent:
    """``content`` with what the parsing libraries said while reading it: added to the message of
    a skipped file (one warning per skipped file), else problems of their own."""
    problems = list(content.problems)
    for i, problem in enumerate(problems):
        if problem.startswith("skipped:"):
            problems[i] = f"{problem} [{'; '.join(messages)}]"
            return FileContent(content.records, tuple(problems))
    return FileContent(content.records, tuple(problems) + tuple(messages))


def _document_from(doc_id: str, record: Extracted, rel: str, digest: str) -> Document:
    """The cleaned ``Document`` of one extracted text; ``sha256`` is its file's hash (staleness)."""
    return make_document(doc_id, record.text, rel, digest, title=record.title, date=record.date,
                         url=record.url, source=record.source, author=record.author,
                         pages=record.pages, code=record.code)


def _read_file(root_real: Path, path: Path, rel: str, settings: Settings,
               warnings: list[IngestWarning]) -> bytes | None:
    """The bytes of one corpus file, or None (with a warning) if it must not or cannot be read."""
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):  # Python < 3.13 raises RuntimeError on a symlink loop
            warnings.append(IngestWarning(rel, "skipped: broken symlink (missing target or loop)"))
            return None
        if root_real != target and root_real not in target.parents:
            warnings.append(IngestWarning(rel, "skipped: symlink points outside the corpus folder"))
            return None
    if not path.is_file():  # a FIFO would block the read forever; devices and sockets are not text
        warnings.append(IngestWarning(rel, "skipped: not a regular file"))
        return None
    try:
        size = path.stat().st_size
        if size > settings.max_file_bytes:
            warnings.append(IngestWarning(
                rel, f"skipped: {size} bytes is over the {settings.max_file_bytes}-byte limit"))
            return None
        return path.read_bytes()
    except OSError as exc:
        warnings.append(IngestWarning(rel, f"skipped: cannot read ({exc.strerror or exc})"))
        return None
