"""Collections: create one, add documents, ask it; refused uploads change nothing."""

import os

import pytest

from qa.answer import answer
from qa.collections import (
    DEFAULT_COLLECTION,
    add_documents,
    collection_paths,
    create_collection,
    list_collections,
)
from qa.config import default_index_dir
from qa.embed import HashEmbedder
from qa.errors import CorpusError


@pytest.fixture
def root(tmp_path, monkeypatch):
    folder = tmp_path / "collections"
    monkeypatch.setenv("QA_COLLECTIONS_DIR", str(folder))
    return folder


@pytest.fixture(scope="module")
def embedder():
    return HashEmbedder()


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_default_collection_is_the_project_index_and_read_only(root, tmp_path, embedder):
    assert list_collections() == [DEFAULT_COLLECTION]
    paths = collection_paths(DEFAULT_COLLECTION)
    assert paths.index_dir == default_index_dir() and paths.read_only
    with pytest.raises(CorpusError, match="read-only"):
        add_documents(DEFAULT_COLLECTION, [write(tmp_path, "a.txt", "Text.")], embedder=embedder)
    with pytest.raises(CorpusError):
        create_collection(DEFAULT_COLLECTION)


@pytest.mark.parametrize("name", ["", "Upper", "a/b", "..", "a b", "x" * 41, "é"])
def test_invalid_collection_names_are_refused(root, name):
    with pytest.raises(CorpusError, match="not a valid collection name"):
        create_collection(name)
    assert not root.exists() or not any(root.iterdir())


def test_create_add_and_answer_from_the_new_documents(root, tmp_path, embedder):
    paths = create_collection("notes-1")
    assert paths.corpus_dir == root / "notes-1" / "corpus"
    assert list_collections() == [DEFAULT_COLLECTION, "notes-1"]
    with pytest.raises(CorpusError, match="already exists"):
        create_collection("notes-1")
    upload = tmp_path / "upload"
    upload.mkdir()
    doc = write(upload, "zebra.txt", "Zebra facts.\n\nThe quagga was a subspecies of plains zebra "
                                     "that lived in South Africa.\n")
    report = add_documents("notes-1", [doc], embedder=embedder)
    assert (report.status, report.added, report.documents) == ("built", 1, 1)
    assert (paths.corpus_dir / "zebra.txt").read_text(encoding="utf-8") == doc.read_text(encoding="utf-8")
    # Threshold 0: the fake embedder's vectors carry no meaning; what is tested is what is cited.
    result = answer("Where did the quagga live?", index_dir=paths.index_dir, embedder=embedder, threshold=0.0)
    assert not result.abstained
    assert result.citations[0].doc_id == "zebra"

    # A second upload is incremental: the first file is unchanged, only the new one is embedded.
    more = write(upload, "lion.md", "# Lions\n\nLions live in prides of up to thirty animals.\n")
    report = add_documents("notes-1", [more], embedder=embedder)
    assert (report.status, report.added, report.unchanged, report.documents) == ("updated", 1, 1, 2)
    result = answer("Lions live in prides of how many animals?", index_dir=paths.index_dir,
                    embedder=embedder)
    assert result.citations[0].doc_id == "lion"


@pytest.mark.parametrize("name, why", [
    (".hidden.txt", "acceptable file name"),
    ("back\\slash.txt", "acceptable file name"),
    ("script.exe", "only"),
    ("noextension", "only"),
])
def test_refused_files_change_nothing(root, tmp_path, embedder, name, why):
    paths = create_collection("c")
    good = write(tmp_path, "good.txt", "A good document.")
    bad = write(tmp_path, name, "Something.")
    with pytest.raises(CorpusError, match=why):
        add_documents("c", [good, bad], embedder=embedder)
    assert list(paths.corpus_dir.iterdir()) == []  # checked before anything is copied
    assert not paths.index_dir.exists()


def test_oversized_file_is_refused(root, tmp_path, embedder):
    create_collection("c")
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(20 * 1024 * 1024 + 1)
    with pytest.raises(CorpusError, match="limit is 20 MB"):
        add_documents("c", [big], embedder=embedder)


def test_a_symlink_in_the_corpus_cannot_redirect_a_write(root, tmp_path, embedder):
    paths = create_collection("c")
    outside = write(tmp_path, "outside.txt", "original")
    os.symlink(outside, paths.corpus_dir / "doc.txt")
    upload = tmp_path / "up"
    upload.mkdir()
    with pytest.raises(CorpusError, match="outside"):
        add_documents("c", [write(upload, "doc.txt", "new text")], embedder=embedder)
    assert outside.read_text() == "original"


def test_missing_collection_and_empty_batch_are_errors(root, embedder):
    with pytest.raises(CorpusError, match="no collection"):
        add_documents("nope", [], embedder=embedder)
    create_collection("c")
    with pytest.raises(CorpusError, match="no files"):
        add_documents("c", [], embedder=embedder)


# --- resolving a name, listing what a collection holds --------------------------------------------

def test_collection_index_dir_resolves_names_and_says_which_exist(root, tmp_path, embedder):
    from qa.collections import collection_index_dir
    from qa.errors import (
        EmptyCollectionError,
        IndexNotFoundError,
        UnknownCollectionError,
    )

    assert collection_index_dir(DEFAULT_COLLECTION) == default_index_dir()
    create_collection("notes")
    with pytest.raises(UnknownCollectionError, match="no collection named 'birds'; known "
                                                     "collections: default, notes"):
        collection_index_dir("birds")
    with pytest.raises(UnknownCollectionError):
        collection_index_dir("Not A Name")
    with pytest.raises(EmptyCollectionError, match="'notes' has no documents yet"):
        collection_index_dir("notes")
    # Both are "no index here" errors, so callers that handle a missing index handle these too.
    assert issubclass(UnknownCollectionError, IndexNotFoundError)
    assert issubclass(EmptyCollectionError, IndexNotFoundError)
    add_documents("notes", [write(tmp_path, "owls.txt", "Owls hunt at night.")], embedder=embedder)
    folder = collection_index_dir("notes")
    assert folder == root / "notes" / "index"
    assert answer("When do owls hunt?", index_dir=folder, embedder=embedder).citations[0].doc_id == "owls"


def test_index_overview_gives_every_file_its_status(root, tmp_path, embedder):
    from qa.collections import CHANGED, INDEXED, NOT_INDEXED, REMOVED, index_overview

    paths = create_collection("c")
    upload = tmp_path / "up"
    upload.mkdir()
    files = [write(upload, "owls.txt", "Owls\n\nOwls hunt at night. Their hearing is sharp.\n"),
             write(upload, "owls-copy.txt", "Owls\n\nOwls hunt at night. Their hearing is sharp.\n"),
             write(upload, "bats.md", "# Bats\n\nBats hang upside down when they rest.\n"),
             write(upload, "blank.txt", "   \n\n  ")]
    report = add_documents("c", files, embedder=embedder)
    overview = index_overview(paths.index_dir, embedder.name)
    assert overview.fresh and overview.corpus_dir == paths.corpus_dir.resolve()
    status = {e.path: e.status for e in overview.documents}
    assert status["bats.md"] == INDEXED
    # Exact duplicates are indexed once (the first file in name order) and the other is a copy.
    assert (status["owls-copy.txt"], status["owls.txt"]) == (INDEXED, "copy of owls-copy")
    assert "no indexable text" in status["blank.txt"]
    indexed = [e for e in overview.documents if e.doc_id]
    assert len(indexed) == report.documents and sum(e.chunks for e in indexed) == report.chunks
    assert all(0 <= e.boilerplate < 1 and e.characters > 0 for e in indexed)
    assert all(e.chunks is None for e in overview.documents if not e.doc_id)

    # Change, remove and add files behind the index's back: each file says what happened to it.
    (paths.corpus_dir / "bats.md").write_text("# Bats\n\nBats sleep by day.\n", encoding="utf-8")
    (paths.corpus_dir / "blank.txt").unlink()
    write(paths.corpus_dir, "moles.txt", "Moles dig tunnels.")
    overview = index_overview(paths.index_dir, embedder.name)
    status = {e.path: e.status for e in overview.documents}
    assert not overview.fresh and "corpus changed" in overview.why
    assert (status["bats.md"], status["blank.txt"], status["moles.txt"]) == (CHANGED, REMOVED,
                                                                            NOT_INDEXED)
    assert [e.doc_id for e in overview.documents][-1] == ""  # files not in the index come last


# --- upload limits: documents 20 MB, question files 5 MB ------------------------------------------

def sized(path, n_bytes):
    with path.open("wb") as f:
        f.truncate(n_bytes)
    return path


def test_each_kind_of_upload_has_its_own_size_limit(root, tmp_path):
    from qa.collections import check_upload
    from qa.errors import EvaluationError
    from qa.ingest.uploads import MAX_UPLOAD_BYTES, check_question_file

    six_mb = 6 * 1024 * 1024
    assert check_upload(sized(tmp_path / "doc.txt", six_mb)) == "doc.txt"  # a document may be 6 MB
    with pytest.raises(EvaluationError, match=r"questions.jsonl is 6 MB; the limit is 5 MB"):
        check_question_file(sized(tmp_path / "questions.jsonl", six_mb))
    small = sized(tmp_path / "small.jsonl", 5 * 1024 * 1024)  # exactly at the limit is fine
    assert check_question_file(small) == small
    with pytest.raises(EvaluationError, match="not a readable file"):
        check_question_file(tmp_path / "missing.jsonl")
    assert MAX_UPLOAD_BYTES == 20 * 1024 * 1024  # what the web server lets through at all
