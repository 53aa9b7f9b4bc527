"""Incremental builds: only new or changed text is parsed and embedded, and the index written is the
same, file for file, as a full build of the same corpus."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import make_corpus

import qa.ingest.corpus
from qa.embed import HashEmbedder
from qa.errors import QAIndexError
from qa.index.build import build_index
from qa.index.load import load_index

TABLES = ("documents.jsonl", "chunks.npy", "sentences.npy", "sentence_vectors.npy", "chunk_vectors.npy",
          "index.faiss")

FILES = {
    "a.txt": "Alpha Corp makes red widgets. It sells them in Paris.\nThe widgets cost ten euros.\n",
    "b.md": "---\ntitle: Boats\nauthor: Bea\n---\n# Beta Ltd\n\nBeta Ltd builds blue boats. Boats float on water.\n",
    "c.txt": "Gamma Inc grows green grapes in Chile. Grapes need a lot of sun. The harvest is in March.\n",
    "d.jsonl": ('{"id": "1", "text": "Delta Air flies to Oslo every day. Tickets are cheap in winter."}\n'
                'not json at all\n'
                '{"id": "2", "text": "Delta Air was founded in 1950 by two pilots. It has forty planes."}\n'),
    "e.html": ("<html><head><title>Echo news</title></head><body><article><h1>Echo opens a plant</h1>"
               "<p>Echo Motors opened a battery plant in Lyon on Monday. The plant employs 900 people "
               "and will build 200,000 batteries a year.</p></article></body></html>"),
    "sub/f.txt": "Foxtrot Bank lends money to farmers. Its loans last five years at most.\n",
}


class CountingEmbedder(HashEmbedder):
    """The fake embedder, remembering every text it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def encode(self, texts, progress=None):
        self.seen.extend(texts)
        return super().encode(texts, progress)


@pytest.fixture()
def parsed(monkeypatch):
    """The number of files whose bytes went through a format reader."""
    calls = []
    real = qa.ingest.corpus.reader_for

    def counting_reader_for(suffix):
        reader = real(suffix)
        return lambda data: (calls.append(suffix), reader(data))[1]

    monkeypatch.setattr(qa.ingest.corpus, "reader_for", counting_reader_for)
    return calls


def assert_same_index(a: Path, b: Path) -> None:
    """Two index folders hold the same tables, vectors, lexical index and manifest (but ids)."""
    import faiss

    for name in TABLES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    fa, fb = faiss.read_index(str(a / "index.faiss")), faiss.read_index(str(b / "index.faiss"))
    assert np.array_equal(fa.reconstruct_n(0, fa.ntotal), fb.reconstruct_n(0, fb.ntotal))
    lexical = sorted(p.name for p in (a / "lexical").iterdir())
    assert lexical == sorted(p.name for p in (b / "lexical").iterdir())
    for name in lexical:
        assert (a / "lexical" / name).read_bytes() == (b / "lexical" / name).read_bytes(), name
    ma, mb = (json.loads((x / "manifest.json").read_text(encoding="utf-8")) for x in (a, b))
    for m in (ma, mb):
        del m["build_id"], m["created"]
    assert ma == mb


def full_build(corpus: Path, tmp_path: Path) -> Path:
    """A fresh full build next to the incremental one (so the recorded corpus path is the same)."""
    fresh = tmp_path / "full"
    shutil.rmtree(fresh, ignore_errors=True)
    report = build_index(corpus, fresh, embedder=HashEmbedder())
    assert report.status == "built" and report.note == ""
    return fresh


def test_change_add_and_remove_embed_only_new_text_and_equal_a_full_build(tmp_path, parsed):
    corpus = make_corpus(tmp_path / "corpus", FILES)
    index_dir = tmp_path / "inc"
    first = build_index(corpus, index_dir, embedder=HashEmbedder())
    assert (first.status, first.added, first.changed, first.removed, first.unchanged) == ("built", 6, 0, 0, 0)
    assert first.embedded == first.chunks + first.sentences

    new_texts = {"c.txt": "Gamma Inc grows green grapes in Peru now. Grapes need sun.\n",
                 "b2.txt": "Bravo Shoes sells running shoes online. Returns are free.\n"}
    make_corpus(corpus, new_texts)
    (corpus / "sub" / "f.txt").unlink()
    parsed.clear()
    embedder = CountingEmbedder()
    report = build_index(corpus, index_dir, embedder=embedder)

    assert report.status == "updated" and report.note == ""
    assert (report.added, report.changed, report.removed, report.unchanged) == (1, 1, 1, 4)
    assert sorted(parsed) == [".txt", ".txt"]  # only c.txt and b2.txt were parsed again
    assert report.embedded == len(embedder.seen) > 0
    assert all(any(t in new for new in new_texts.values()) for t in embedder.seen)
    assert report.embedded < first.embedded
    assert_same_index(index_dir, full_build(corpus, tmp_path))
    index = load_index(index_dir, embedder.name, corpus_dir=corpus)  # not stale
    assert [d.doc_id for d in index.documents] == ["a", "b", "b2", "c", "d/1", "d/2", "e"]
    assert [(w.path, w.message) for w in report.warnings] == [("d.jsonl", "line 2: skipped: not valid JSON (Expecting value)")]


def test_nothing_changed_is_up_to_date_and_force_embeds_everything(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", FILES)
    first = build_index(corpus, tmp_path / "inc", embedder=HashEmbedder())
    again = build_index(corpus, tmp_path / "inc", embedder=HashEmbedder())
    assert (again.status, again.unchanged, again.embedded, again.documents) == ("up to date", 6, 0, first.documents)
    forced = build_index(corpus, tmp_path / "inc", embedder=HashEmbedder(), force=True)
    assert (forced.status, forced.embedded, forced.unchanged) == ("built", first.embedded, 6)
    assert "forced" in forced.note


def test_a_renamed_file_is_parsed_but_its_text_is_not_embedded_again(tmp_path, parsed):
    corpus = make_corpus(tmp_path / "corpus", FILES)
    build_index(corpus, tmp_path / "inc", embedder=HashEmbedder())
    (corpus / "a.txt").rename(corpus / "z.txt")
    parsed.clear()
    embedder = CountingEmbedder()
    report = build_index(corpus, tmp_path / "inc", embedder=embedder)
    assert (report.status, report.added, report.removed, report.embedded) == ("updated", 1, 1, 0)
    assert parsed == [".txt"] and embedder.seen == []
    assert_same_index(tmp_path / "inc", full_build(corpus, tmp_path))


@pytest.mark.parametrize("change", [
    "new earlier copy of an unchanged file",  # the unchanged file becomes the duplicate
    "original of a duplicate removed",  # the duplicate is now indexed
    "new file with the same text as an unchanged jsonl record",
    "new notes.md renames notes.txt",  # two files with one stem keep their suffix in the doc id
    "jsonl record moved to another line",
    "file removed whose text an unchanged jsonl record repeated",  # that record is now indexed
])
def test_changes_that_affect_unchanged_files_give_what_a_full_build_gives(tmp_path, change):
    notes = "Notes say the meeting is on Friday at ten.\n"
    files = dict(FILES, **{"m_copy.txt": FILES["c.txt"], "notes.txt": notes,
                           "w.jsonl": json.dumps({"id": "1", "text": notes}) + "\n"
                           + json.dumps({"id": "2", "text": "Whisky ages twelve years in oak."}) + "\n"})
    corpus = make_corpus(tmp_path / "corpus", files)
    build_index(corpus, tmp_path / "inc", embedder=HashEmbedder())
    if change == "new earlier copy of an unchanged file":
        (corpus / "0first.txt").write_text(FILES["a.txt"], encoding="utf-8")
    elif change == "original of a duplicate removed":
        (corpus / "c.txt").unlink()
    elif change == "new file with the same text as an unchanged jsonl record":
        (corpus / "0delta.txt").write_text("Delta Air flies to Oslo every day. Tickets are cheap in winter.",
                                           encoding="utf-8")
    elif change == "new notes.md renames notes.txt":
        (corpus / "notes.md").write_text("# Notes\n\nThe meeting moved to Monday at nine.\n", encoding="utf-8")
    elif change == "file removed whose text an unchanged jsonl record repeated":
        (corpus / "notes.txt").unlink()
    else:
        lines = FILES["d.jsonl"].splitlines(keepends=True)
        (corpus / "d.jsonl").write_text(lines[2] + lines[1] + lines[0], encoding="utf-8")
    report = build_index(corpus, tmp_path / "inc", embedder=HashEmbedder())
    assert report.status == "updated"
    fresh = full_build(corpus, tmp_path)
    assert_same_index(tmp_path / "inc", fresh)
    assert report.warnings == build_index(corpus, fresh, embedder=HashEmbedder()).warnings


@pytest.mark.parametrize("damage", ["vectors altered in place", "documents altered in place",
                                    "faiss truncated", "manifest garbage", "chunks missing"])
def test_a_damaged_previous_index_gives_a_full_build_that_says_so(tmp_path, damage):
    corpus = make_corpus(tmp_path / "corpus", FILES)
    index_dir = tmp_path / "inc"
    first = build_index(corpus, index_dir, embedder=HashEmbedder())
    if damage == "vectors altered in place":  # same size: only the checksum tells
        data = bytearray((index_dir / "sentence_vectors.npy").read_bytes())
        data[-8:] = b"\x00" * 8
        (index_dir / "sentence_vectors.npy").write_bytes(bytes(data))
    elif damage == "documents altered in place":
        path = index_dir / "documents.jsonl"
        path.write_text(path.read_text(encoding="utf-8").replace("widgets", "gadgets"), encoding="utf-8")
    elif damage == "faiss truncated":
        data = (index_dir / "index.faiss").read_bytes()
        (index_dir / "index.faiss").write_bytes(data[: len(data) // 2])
    elif damage == "manifest garbage":
        (index_dir / "manifest.json").write_text("{not json", encoding="utf-8")
    else:
        (index_dir / "chunks.npy").unlink()
    (corpus / "c.txt").write_text("Gamma Inc grows green grapes in Peru now.\n", encoding="utf-8")
    report = build_index(corpus, index_dir, embedder=HashEmbedder())
    assert report.status == "built" and "previous index could not be" in report.note
    assert report.embedded == report.chunks + report.sentences
    assert report.documents == first.documents
    assert_same_index(index_dir, full_build(corpus, tmp_path))


def test_an_index_written_before_incremental_builds_is_updated_without_re_embedding(tmp_path, parsed):
    corpus = make_corpus(tmp_path / "corpus", FILES)
    index_dir = tmp_path / "inc"
    build_index(corpus, index_dir, embedder=HashEmbedder())
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    del manifest["checksums"]
    for record in manifest["sources"].values():
        record.pop("records", None), record.pop("problems", None)
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (corpus / "c.txt").write_text("Gamma Inc grows green grapes in Peru now.\n", encoding="utf-8")
    parsed.clear()
    embedder = CountingEmbedder()
    report = build_index(corpus, index_dir, embedder=embedder)
    assert report.status == "updated" and len(parsed) == 6  # every file parsed once more
    assert embedder.seen and all("Peru" in t for t in embedder.seen)
    assert_same_index(index_dir, full_build(corpus, tmp_path))


def test_other_chunking_settings_or_model_rebuild_everything(tmp_path):
    from qa.config import ChunkConfig, Settings

    corpus = make_corpus(tmp_path / "corpus", FILES)
    build_index(corpus, tmp_path / "inc", embedder=HashEmbedder())
    (corpus / "c.txt").write_text("Gamma Inc grows green grapes in Peru now.\n", encoding="utf-8")
    report = build_index(corpus, tmp_path / "inc", embedder=HashEmbedder(),
                         settings=Settings(chunk=ChunkConfig(sentences_per_chunk=2)))
    assert (report.status, report.note) == ("built", "chunking settings differ: everything was embedded again")
    report = build_index(corpus, tmp_path / "inc", embedder=HashEmbedder(dim=64))
    assert (report.status, report.note) == ("built", "embedding model differs: everything was embedded again")


def test_an_incremental_build_that_cannot_write_keeps_the_old_index(tmp_path, monkeypatch):
    corpus = make_corpus(tmp_path / "corpus", FILES)
    build_index(corpus, tmp_path / "inc", embedder=HashEmbedder())
    before = load_index(tmp_path / "inc").build_id
    (corpus / "c.txt").write_text("Gamma Inc grows green grapes in Peru now.\n", encoding="utf-8")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", disk_full)
    with pytest.raises(QAIndexError, match="No space left on device"):
        build_index(corpus, tmp_path / "inc", embedder=HashEmbedder())
    monkeypatch.undo()
    assert load_index(tmp_path / "inc", check_stale=False).build_id == before
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []
    assert build_index(corpus, tmp_path / "inc", embedder=HashEmbedder()).status == "updated"


#: Enough passages for an IVF index (64 lists need 64 training points).
MANY = dict(FILES, **{f"item{i:03d}.txt": f"Item {i} is a widget of colour {i % 7}. It weighs {i} grams."
                      for i in range(80)})


def test_an_ivf_index_is_updated_without_re_embedding_and_equals_a_full_build(tmp_path, monkeypatch):
    """IVF-SQ8 cannot give exact vectors back; ``chunk_vectors.npy`` does, whatever the store."""
    from qa.vectors import ann

    monkeypatch.setattr(ann, "EXACT_LIMIT", 5)
    corpus = make_corpus(tmp_path / "corpus", MANY)
    first = build_index(corpus, tmp_path / "inc", embedder=HashEmbedder())
    assert load_index(tmp_path / "inc").manifest["vector_index"]["factory"].startswith("IVF")
    (corpus / "c.txt").write_text("Gamma Inc grows green grapes in Peru now.\n", encoding="utf-8")
    embedder = CountingEmbedder()
    report = build_index(corpus, tmp_path / "inc", embedder=embedder)
    assert (report.status, report.note) == ("updated", "")
    assert 0 < report.embedded < first.embedded and all("Peru" in t for t in embedder.seen)
    assert_same_index(tmp_path / "inc", full_build(corpus, tmp_path))


def _as_written_before_chunk_vectors(index_dir: Path) -> None:
    """Make ``index_dir`` look like an index written before ``chunk_vectors.npy`` and stores."""
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    del manifest["store"], manifest["files"]["chunk_vectors.npy"], manifest["checksums"]["chunk_vectors.npy"]
    (index_dir / "chunk_vectors.npy").unlink()
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_an_index_written_before_chunk_vectors_still_answers_and_is_updated(tmp_path):
    from qa.answer import answer

    corpus = make_corpus(tmp_path / "corpus", FILES)
    build_index(corpus, tmp_path / "inc", embedder=HashEmbedder())
    _as_written_before_chunk_vectors(tmp_path / "inc")
    result = answer("Where does Alpha Corp sell widgets?", index_dir=tmp_path / "inc", embedder=HashEmbedder(),
                    threshold=0.0)
    assert result.citations and result.citations[0].doc_id == "a"
    (corpus / "c.txt").write_text("Gamma Inc grows green grapes in Peru now.\n", encoding="utf-8")
    embedder = CountingEmbedder()
    report = build_index(corpus, tmp_path / "inc", embedder=embedder)
    # The flat FAISS index gives the old vectors back; the new build writes chunk_vectors.npy.
    assert report.status == "updated" and all("Peru" in t for t in embedder.seen)
    assert_same_index(tmp_path / "inc", full_build(corpus, tmp_path))


def test_an_old_ivf_index_without_chunk_vectors_is_rebuilt_and_says_why(tmp_path, monkeypatch):
    from qa.vectors import ann

    monkeypatch.setattr(ann, "EXACT_LIMIT", 5)
    corpus = make_corpus(tmp_path / "corpus", MANY)
    build_index(corpus, tmp_path / "inc", embedder=HashEmbedder())
    _as_written_before_chunk_vectors(tmp_path / "inc")
    (corpus / "c.txt").write_text("Gamma Inc grows green grapes in Peru now.\n", encoding="utf-8")
    report = build_index(corpus, tmp_path / "inc", embedder=HashEmbedder())
    assert report.status == "built" and "does not keep its vectors" in report.note
    assert report.embedded == report.chunks + report.sentences
    assert_same_index(tmp_path / "inc", full_build(corpus, tmp_path))
