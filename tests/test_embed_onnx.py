"""The ONNX encoders: fp32 gives the same vectors as sentence-transformers, in order, without torch;
int8 (the index-build default) stays close to them and is recorded as such."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa import embed
from qa.config import DEFAULT_MODEL_NAME, INDEX_PRECISION_ENV
from qa.embed import HashEmbedder, embedder_record
from qa.embed.onnx import (
    INT8_MODEL_FILE,
    MODEL_FILE,
    TOKENIZER_FILE,
    OnnxEmbedder,
    length_sorted_batches,
    mean_pool_normalize,
    onnx_model_present,
)
from qa.errors import EmbedderError

ROOT = Path(__file__).resolve().parent.parent

_LONG = ("The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, "
         "a region in France. They were descended from Norse raiders and pirates from Denmark, Iceland "
         "and Norway who, under their leader Rollo, agreed to swear fealty to King Charles III of West "
         "Francia. Through generations of assimilation and mixing with the native Frankish and "
         "Roman-Gaulish populations, their descendants would gradually merge with the Carolingian-based "
         "cultures of West Francia. ")

TEXTS = [
    "What is the capital of France?",
    "who wrote the declaration of independence",
    "How many people live in Tokyo?",
    "When did the Normans arrive in England?",
    "Why is the sky blue?",
    "Which enzyme breaks down starch?",
    "What year was the university founded and by whom?",
    "define photosynthesis",
    "Is coffee bad for you?",
    "Where is the Eiffel Tower?",
    "The quick brown fox jumps over the lazy dog.",
    "Water boils at 100 degrees Celsius at sea level.",
    "Paris is the capital and most populous city of France.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "The mitochondrion is the powerhouse of the cell.",
    "Ünïcödé téxt wïth àccents, 日本語の文章, and emoji 🎉 should still embed.",
    "x",
    "?",
    "1914-1918",
    "e = mc^2 where c is the speed of light in a vacuum",
    "   leading and trailing spaces   ",
    "A B C D E F G H I J K L M N O P Q R S T U V W X Y Z",
    "The committee approved the budget on Tuesday after a long debate about school funding.",
    "Amazon rainforest covers much of the Amazon basin of South America.",
    "In 1066 William the Conqueror won the Battle of Hastings.",
    "Guitars usually have six strings, while bass guitars usually have four.",
    "The stock market fell sharply on news of rising interest rates.",
    "Neural networks learn representations by gradient descent on a loss function.",
    _LONG,                      # about 110 word pieces
    _LONG * 3,                  # well over 256 word pieces: truncated identically by both
    " ".join(["token"] * 600),  # far over the limit
    "Short. " * 40,
]


# --- pure functions: no model --------------------------------------------------------------------

def test_length_sorted_batches_cover_every_position_once_longest_first():
    lengths = [5, 300, 12, 12, 7, 256, 1, 40]
    batches = length_sorted_batches(lengths, batch_size=3, tokens_per_batch=10_000)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(len(lengths)))
    assert [lengths[i] for i in flat] == sorted(lengths, reverse=True)
    assert all(len(b) <= 3 for b in batches)


def test_length_sorted_batches_respect_the_token_budget():
    lengths = [256] * 10 + [8] * 100
    batches = length_sorted_batches(lengths, batch_size=64, tokens_per_batch=1024)
    for b in batches:
        assert len(b) * max(lengths[i] for i in b) <= 1024
    assert len(length_sorted_batches([5000], batch_size=8, tokens_per_batch=10)[0]) == 1


def test_mean_pooling_ignores_padding_and_gives_unit_rows():
    hidden = np.zeros((2, 3, 4), dtype=np.float32)
    hidden[0] = [[1, 0, 0, 0], [3, 0, 0, 0], [100, 100, 100, 100]]  # last token is padding
    hidden[1] = [[0, 2, 0, 0], [0, 2, 0, 0], [0, 2, 0, 0]]
    mask = np.array([[1, 1, 0], [1, 1, 1]])
    out = mean_pool_normalize(hidden, mask)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[1, 0, 0, 0], [0, 1, 0, 0]], atol=1e-6)


def test_missing_model_folder_raises_a_clear_error(tmp_path):
    emb = OnnxEmbedder(tmp_path / "nothing-here")
    assert emb.name == DEFAULT_MODEL_NAME and emb.dim == 384
    assert not onnx_model_present(tmp_path / "nothing-here")
    with pytest.raises(EmbedderError, match="export_onnx"):
        emb.encode(["a question"])


def test_empty_input_needs_no_model(tmp_path):
    out = OnnxEmbedder(tmp_path / "absent").encode([])
    assert out.shape == (0, 384) and out.dtype == np.float32


def test_an_unknown_precision_is_refused_at_once(tmp_path):
    with pytest.raises(ValueError, match="fp32, int8"):
        OnnxEmbedder(tmp_path, precision="fp16")


def test_an_export_without_the_int8_model_serves_fp32_only(tmp_path):
    # An export written before int8 existed: model.onnx + tokenizer.json + its record.
    (tmp_path / MODEL_FILE).write_bytes(b"x" * 10)
    (tmp_path / TOKENIZER_FILE).write_text("{}")
    (tmp_path / "export.json").write_text(json.dumps({"source_model": DEFAULT_MODEL_NAME, "bytes": 10}))
    assert embed.onnx_encoder_ready(tmp_path, "fp32")
    assert not embed.onnx_encoder_ready(tmp_path, "int8")
    assert not embed.onnx_export_complete(tmp_path)  # `qa index` exports again
    assert not onnx_model_present(tmp_path, "int8")
    with pytest.raises(EmbedderError, match=INT8_MODEL_FILE):
        OnnxEmbedder(tmp_path, precision="int8").encode(["a passage"])


def test_the_manifest_record_names_model_dimension_and_precision(tmp_path):
    assert embedder_record(HashEmbedder(16)) == {"name": "hash-bow-16", "dim": 16, "precision": "fp32"}
    assert embedder_record(OnnxEmbedder(tmp_path, precision="int8")) == {
        "name": DEFAULT_MODEL_NAME, "dim": 384, "precision": "int8"}

    class Plain:  # an embedder that does not say: taken as fp32
        name, dim = "plain", 8

    assert embedder_record(Plain())["precision"] == "fp32"


def test_index_builds_fall_back_to_the_query_embedder_without_an_int8_export(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))  # no export there
    fake = HashEmbedder(8)
    monkeypatch.setattr(embed, "default_embedder", lambda: fake)
    monkeypatch.delenv(INDEX_PRECISION_ENV, raising=False)
    assert embed.index_precision() == "int8"
    assert embed.default_index_embedder() is fake
    monkeypatch.setenv(INDEX_PRECISION_ENV, "fp32")
    assert embed.default_index_embedder() is fake
    monkeypatch.setenv(INDEX_PRECISION_ENV, "int4")
    with pytest.raises(EmbedderError, match=INDEX_PRECISION_ENV):
        embed.default_index_embedder()


# --- the real model ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def onnx_dir(tmp_path_factory) -> Path:
    from qa.embed.onnx import export_onnx

    dest = tmp_path_factory.mktemp("onnx") / "model"
    record = export_onnx(dest)
    assert record["file"] == MODEL_FILE and record["opset"] >= 14
    assert record["source_model"] == DEFAULT_MODEL_NAME
    assert len(record["sha256"]) == 64
    json.dumps(record)  # it goes into the manifest as is
    return dest


@pytest.fixture(scope="session")
def onnx_embedder(onnx_dir) -> OnnxEmbedder:
    emb = OnnxEmbedder(onnx_dir)
    emb.warm_up()
    return emb


@pytest.mark.slow
def test_export_writes_the_fp32_and_int8_models_and_the_tokenizer(onnx_dir):
    assert sorted(p.name for p in onnx_dir.iterdir()) == sorted([MODEL_FILE, INT8_MODEL_FILE, TOKENIZER_FILE])
    assert onnx_model_present(onnx_dir) and onnx_model_present(onnx_dir, "int8")
    # int8 weights: about a quarter of the fp32 file.
    assert (onnx_dir / INT8_MODEL_FILE).stat().st_size < 0.3 * (onnx_dir / MODEL_FILE).stat().st_size


@pytest.mark.slow
def test_int8_vectors_stay_close_to_fp32_and_find_the_same_passage(onnx_dir, onnx_embedder):
    int8 = OnnxEmbedder(onnx_dir, precision="int8")
    passages = int8.encode(TEXTS)
    assert passages.shape == (len(TEXTS), 384) and passages.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    reference = onnx_embedder.encode(TEXTS)
    cosines = (passages * reference).sum(axis=1)
    assert cosines.mean() >= 0.98 and cosines.min() >= 0.95, dict(zip(TEXTS, cosines.round(4)))
    # fp32 questions (as answer() embeds them) against int8 passages: the same best passage.
    questions = ["What is the capital city of France?", "Which battle did William the Conqueror win?",
                 "How many strings does a bass guitar have?", "What does photosynthesis produce?"]
    q = onnx_embedder.encode(questions)
    assert ((q @ passages.T).argmax(axis=1) == (q @ reference.T).argmax(axis=1)).all()


@pytest.mark.slow
def test_onnx_vectors_match_sentence_transformers(onnx_embedder, real_embedder):
    ours = onnx_embedder.encode(TEXTS)
    reference = real_embedder.encode(TEXTS)
    assert ours.shape == (len(TEXTS), 384) and ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * reference).sum(axis=1)
    assert cosines.min() >= 0.999, dict(zip(TEXTS, cosines.round(5)))
    assert max(onnx_embedder.token_counts(TEXTS)) == 256  # long texts are truncated, not split


@pytest.mark.slow
def test_a_question_encoded_alone_keeps_its_token_vectors_and_sentences_use_the_int8_twin(onnx_dir):
    from qa.embed.onnx import OnnxEmbedder
    from qa.embed.tokens import token_vectors_of

    embedder = OnnxEmbedder(onnx_dir, threads=1)
    question = "Who launched the Kling video generator?"
    embedder.encode([question])
    assert question in embedder._recent  # the alignment will not run the model on it again
    tokens, vectors = embedder.token_vectors([question])[0]
    session, tokenizer = embedder._load()
    fresh_tokens, fresh = token_vectors_of(session, tokenizer, [question])[0]
    assert tokens == fresh_tokens and np.allclose(vectors, fresh, atol=1e-5)
    embedder.encode([question, "two at once are not kept"])
    assert "two at once are not kept" not in embedder._recent
    s_tokens, s_vectors = embedder.sentence_token_vectors(["Kuaishou released Kling in June."])[0]
    assert embedder._twin.precision == "int8" and s_tokens[0] == "ku"
    assert (s_vectors * embedder.token_vectors(["Kuaishou released Kling in June."])[0][1]).sum(1).min() > 0.95
    assert "Kuaishou released Kling in June." in embedder._twin._recent  # the next question reuses it


@pytest.mark.slow
def test_token_vectors_match_sentence_transformers(onnx_embedder, real_embedder):
    """The reader's token alignment reads the same word pieces and vectors from either runtime."""
    texts = ["Who launched the Kling video generator?", "Kuaishou released Kling in June."]
    for (ours_tokens, ours), (ref_tokens, ref) in zip(onnx_embedder.token_vectors(texts),
                                                      real_embedder.token_vectors(texts)):
        assert ours_tokens == ref_tokens and "[CLS]" not in ours_tokens and "[SEP]" not in ours_tokens
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        assert (ours * ref).sum(axis=1).min() >= 0.999


@pytest.mark.slow
def test_length_sorting_keeps_input_order(onnx_dir, onnx_embedder):
    # A tiny batch size forces many batches, in an order unlike the input's.
    small_batches = OnnxEmbedder(onnx_dir, batch_size=3)
    together = small_batches.encode(TEXTS)
    one_by_one = np.stack([onnx_embedder.encode([t])[0] for t in TEXTS])
    np.testing.assert_allclose(together, one_by_one, atol=2e-5)
    shuffled = list(reversed(TEXTS))
    np.testing.assert_allclose(small_batches.encode(shuffled), together[::-1], atol=2e-5)


@pytest.mark.slow
def test_progress_counts_every_text(onnx_dir):
    seen = []
    OnnxEmbedder(onnx_dir, batch_size=4).encode(TEXTS, progress=seen.append)
    assert sum(seen) == len(TEXTS)


@pytest.mark.slow
@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_repeated_texts_are_embedded_once_with_identical_rows(onnx_dir, precision):
    emb = OnnxEmbedder(onnx_dir, batch_size=4, precision=precision)
    texts = TEXTS[:6] + TEXTS[:3] + ["Source: Xinhua."] * 5
    seen = []
    out = emb.encode(texts, progress=seen.append)
    assert out.shape == (len(texts), 384) and sum(seen) == len(texts)
    np.testing.assert_array_equal(out[6:9], out[:3])
    assert (out[-5:] == out[-1]).all()
    np.testing.assert_allclose(out[:6], emb.encode(TEXTS[:6]), atol=2e-5)


@pytest.mark.slow
def test_an_int8_vector_depends_on_its_text_alone(onnx_dir):
    """The int8 model quantises activations per run: each text runs alone, so its vector is the
    same whatever else is embedded with it (an incremental build then equals a full one)."""
    emb = OnnxEmbedder(onnx_dir, batch_size=64, precision="int8")
    together = emb.encode(TEXTS)
    alone = np.stack([emb.encode([t])[0] for t in TEXTS[:5]])
    np.testing.assert_array_equal(together[:5], alone)
    np.testing.assert_array_equal(emb.encode(TEXTS[::-1])[::-1], together)


@pytest.mark.slow
def test_one_embedder_serves_several_threads(onnx_dir):
    from concurrent.futures import ThreadPoolExecutor

    emb = OnnxEmbedder(onnx_dir)  # not warmed up: the threads race to load it
    expected = OnnxEmbedder(onnx_dir).encode(TEXTS[:8])
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda i: emb.encode([TEXTS[i]])[0], range(8)))
    np.testing.assert_allclose(np.stack(results), expected, atol=2e-5)


@pytest.mark.slow
@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_encoding_imports_neither_torch_nor_sentence_transformers(onnx_dir, precision):
    code = (
        "import sys, json\n"
        "from qa.embed.onnx import OnnxEmbedder\n"
        f"v = OnnxEmbedder({str(onnx_dir)!r}, precision={precision!r}).encode(['What is the capital of France?'])\n"
        "print(json.dumps({'shape': list(v.shape), 'heavy': sorted(m for m in ('torch', "
        "'sentence_transformers', 'transformers') if m in sys.modules)}))\n"
    )
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"shape": [1, 384], "heavy": []}


@pytest.mark.slow
def test_qa_index_exports_the_encoder_once_and_answers_then_skip_torch(tmp_path):
    """`qa index` exports the ONNX encoder into the cache; `qa ask` then never imports torch."""
    import json
    import os
    import subprocess
    import sys

    from conftest import CORPUS

    env = dict(os.environ, QA_CACHE_DIR=str(tmp_path / "cache"), HF_HUB_OFFLINE="1")
    qa_bin = [sys.executable, "-m", "qa.app.cli"]
    out = subprocess.run([*qa_bin, "index", str(CORPUS), "--index-dir", str(tmp_path / "idx")],
                         env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "exporting the model to ONNX" in out.stderr
    code = ("import sys, json; from qa.answer import answer; "
            f"a = answer('Which company made the Kling video generator?', index_dir={str(tmp_path / 'idx')!r}); "
            "print(json.dumps({'torch': 'torch' in sys.modules, 'text': a.text, "
            "'embedder': type(__import__('qa.embed', fromlist=['x']).default_embedder()).__name__}))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data == {"torch": False, "text": data["text"], "embedder": "OnnxEmbedder"}
    assert "Kuaishou" in data["text"]
