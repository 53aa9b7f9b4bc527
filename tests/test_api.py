"""The JSON API (``qa.app.api``): ``POST /v1/answer`` answers like ``answer()``, refuses a bad
request with a 400 and a clear message, reports index problems as 503 with the command that fixes
them, and answers requests in parallel."""

from __future__ import annotations

import shutil
import threading

import pytest
from conftest import make_corpus
from fastapi.testclient import TestClient

from qa.app.api import AnswerModel, create_api
from qa.embed import HashEmbedder
from qa.index.build import build_index
from qa.index.cache import clear_cache
from qa.index.load import load_index

QUESTION = "How many hours do cats sleep?"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("api")
    corpus = make_corpus(base / "corpus", {
        "cats.txt": "Cats sleep sixteen hours a day. They hunt at dusk.",
        "dogs.txt": "Dogs bark at strangers. Dogs were domesticated long ago.",
    })
    build_index(corpus, base / "index", embedder=HashEmbedder())
    return corpus, base / "index"


@pytest.fixture()
def api(built):
    clear_cache()
    with TestClient(create_api(built[1], HashEmbedder()), raise_server_exceptions=False) as client:
        yield client
    clear_cache()


def post(client, body):
    return client.post("/v1/answer", json=body)


def test_answer_with_only_the_question_is_answer_to_dict(api, built):
    res = post(api, {"question": QUESTION})
    assert res.status_code == 200
    data = res.json()
    AnswerModel.model_validate(data)  # the schema the API publishes is the reply's
    assert set(data) == set(AnswerModel.model_fields)
    assert not data["abstained"] and "sixteen hours" in data["text"]
    docs = {d.doc_id: d.text for d in load_index(built[1], "hash-bow-384").documents}
    for c in data["citations"] + data["passages"]:
        assert docs[c["doc_id"]][c["start"]:c["end"]] == c["quote"]
    full = post(api, {"question": QUESTION, "k": 3, "mode": "lexical", "threshold": None, "collection": None})
    assert full.status_code == 200 and full.json()["mode"] == "lexical"


@pytest.mark.parametrize("k", ["5", 5.0])
def test_k_as_a_form_or_a_json_client_sends_it(api, k):
    assert post(api, {"question": QUESTION, "k": k}).status_code == 200


@pytest.mark.parametrize("body,message", [
    ({"question": QUESTION, "k": "abc"}, "k: k must be a whole number of passages to read, not 'abc'"),
    ({"question": QUESTION, "k": None}, "k: k must be a whole number of passages to read, not None"),
    ({"question": QUESTION, "k": 2.7}, "k: k must be a whole number of passages to read, not 2.7"),
    ({"question": QUESTION, "k": True}, "k: k must be a whole number of passages to read, not True"),
    ({"question": QUESTION, "k": 0}, "k: Input should be greater than or equal to 1"),
    ({"k": 3}, "question: Field required"),
    ({"question": 42}, "question: Input should be a valid string"),
    ({"question": "   "}, "the question is empty"),
    ({"question": QUESTION, "mode": "magic"}, "mode: Input should be 'hybrid', 'dense' or 'lexical'"),
    ({"question": QUESTION, "top_k": 3}, "top_k: Extra inputs are not permitted"),
    ({"question": QUESTION, "threshold": "high"}, "threshold: Input should be a valid number"),
])
def test_a_bad_request_is_a_400_with_a_clear_message(api, body, message):
    res = post(api, body)
    assert res.status_code == 400
    assert message in res.json()["message"]
    assert "Traceback" not in res.text and "object at 0x" not in res.text


def test_a_body_that_is_not_json(api):
    res = api.post("/v1/answer", content=b"{question", headers={"content-type": "application/json"})
    assert res.status_code == 400 and res.json()["message"] == "the body is not valid JSON"


def test_an_unknown_collection_is_a_404(api, tmp_path, monkeypatch):
    monkeypatch.setenv("QA_COLLECTIONS_DIR", str(tmp_path / "cols"))
    res = post(api, {"question": QUESTION, "collection": "nope"})
    assert res.status_code == 404 and "no collection named 'nope'" in res.json()["message"]


def test_a_missing_index_is_a_503_with_the_fix(tmp_path):
    with TestClient(create_api(tmp_path / "none", HashEmbedder())) as client:
        res = post(client, {"question": QUESTION})
    assert res.status_code == 503
    assert res.json()["error"] == "IndexNotFoundError" and "qa index" in res.json()["message"]


@pytest.mark.parametrize("damage", ["stale", "altered"])
def test_a_stale_or_altered_index_is_a_503_with_the_fix(built, tmp_path, damage):
    corpus = tmp_path / "corpus"
    shutil.copytree(built[0], corpus)
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, embedder=HashEmbedder())
    if damage == "stale":
        (corpus / "new.txt").write_text("Birds sing at dawn.", encoding="utf-8")
    else:
        path = index_dir / "documents.jsonl"
        path.write_text(path.read_text(encoding="utf-8").replace("sixteen", "fifteen"), encoding="utf-8")
    clear_cache()
    with TestClient(create_api(index_dir, HashEmbedder())) as client:
        res = post(client, {"question": QUESTION})
    assert res.status_code == 503
    assert res.json()["error"] == {"stale": "IndexStaleError", "altered": "IndexChecksumError"}[damage]
    assert "qa index" in res.json()["message"]


def test_messages_do_not_name_the_servers_folders():
    from qa.app.render import public_message
    from qa.config import PROJECT_ROOT

    message = f"no index at {PROJECT_ROOT}/index: build one with `qa index --index-dir {PROJECT_ROOT}/index`"
    assert public_message(message) == "no index at index: build one with `qa index --index-dir index`"


def test_the_openapi_schema_describes_the_endpoint(api):
    schema = api.get("/openapi.json").json()
    op = schema["paths"]["/v1/answer"]["post"]
    body = schema["components"]["schemas"]["AnswerRequest"]
    assert body["required"] == ["question"]
    assert {"question", "k", "mode", "threshold", "collection"} == set(body["properties"])
    assert {"200", "400", "503"} <= set(op["responses"])
    assert api.get("/docs").status_code == 200


def test_requests_are_answered_in_parallel(api, monkeypatch):
    """Two requests are inside answer() at once: nothing serializes them behind one lock."""
    import importlib

    module = importlib.import_module("qa.answer")  # the module, not the function qa exports
    real = module.answer
    both_inside = threading.Barrier(2, timeout=10)

    def answer(*args, **kwargs):
        both_inside.wait()  # raises BrokenBarrierError if the other request never arrives
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "answer", answer)
    codes = []
    threads = [threading.Thread(target=lambda: codes.append(post(api, {"question": QUESTION}).status_code))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert codes == [200, 200]


def test_fill_defaults_completes_a_short_gradio_call():
    """A raw Gradio call with the question alone gets the function's defaults for the rest."""
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    from qa.app.api import FillDefaults

    async def echo(request):
        return JSONResponse(await request.json())

    app = FastAPI()
    app.add_route("/gradio_api/call/answer", echo, methods=["POST"])
    app.add_middleware(FillDefaults, path="/gradio_api/call/answer", defaults=["", "hybrid", 5, None])
    with TestClient(app) as client:
        assert client.post("/gradio_api/call/answer", json={"data": ["q"]}).json() == {"data": ["q", "hybrid", 5, None]}
        full = {"data": ["q", "dense", 3, 0.5]}
        assert client.post("/gradio_api/call/answer", json=full).json() == full


def test_chat_reads_a_follow_up_against_its_history(api):
    first = post(api, {"question": QUESTION}).json()
    res = api.post("/v1/chat", json={"question": "What about dogs?", "history": [QUESTION]})
    assert res.status_code == 200
    data = res.json()
    AnswerModel.model_validate(data)
    assert data["context_turn"] == 0 and data["question_used"] != "What about dogs?"
    # An earlier reply of the API is a turn too; a reference nothing settles is not guessed.
    unclear = api.post("/v1/chat", json={"question": "When do they migrate?", "history": [first]}).json()
    assert unclear["abstained"] and "not clear" in unclear["reason"]
    # No history: the same as /v1/answer.
    alone = api.post("/v1/chat", json={"question": QUESTION, "history": None}).json()
    assert alone["text"] == first["text"] and alone["question_used"] in ("", QUESTION)


@pytest.mark.parametrize("history", ["abc", [3], [{"text": "no question"}]])
def test_chat_refuses_a_history_it_cannot_read(api, history):
    res = api.post("/v1/chat", json={"question": QUESTION, "history": history})
    assert res.status_code == 400 and "history" in res.json()["message"]


def test_the_schema_publishes_both_routes(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/v1/answer", "/v1/chat"} <= set(paths)
