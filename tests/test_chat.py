"""The conversation in the web app's handlers (``qa.app.chat``) and the ``/chat`` API endpoint,
without a browser, over an index of the shipped corpus built with the fake ``HashEmbedder``."""

import html
import re
import socket
from urllib.parse import unquote

import pytest

import ui
from qa.app import chat
from qa.errors import QuestionError
from qa.types import Answer

FIRST = "Which Chinese internet company developed the Kling video generator?"
FOLLOW = "Where is it headquartered?"


def turn(question, chat_history, conversation, index, embedder, alone=False):
    shown, box, conversation = chat.conversation_turn(question, chat_history, conversation, "hybrid", 5, None,
                                                      index_dir=index, embedder=embedder, alone=alone)
    assert box == ""
    return shown, conversation


def text_of(bubble: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", bubble))


def test_a_follow_up_in_the_chat_says_how_it_was_read_and_offers_it_alone(hash_index, hash_embedder):
    shown, conversation = turn(FIRST, [], [], hash_index, hash_embedder)
    assert len(conversation) == 1 and isinstance(conversation[0], Answer)
    assert "Understood as" not in shown[-1]["content"]  # a first question is answered as asked
    shown, conversation = turn(FOLLOW, shown, conversation, hash_index, hash_embedder)
    assert len(shown) == 4 and len(conversation) == 2
    bubble = shown[-1]["content"]
    assert f"Understood as: {conversation[-1].question_used}" in text_of(bubble)
    [href] = re.findall(r'class="qa-alone" href="([^"]*)"', bubble)
    assert unquote(html.unescape(href)) == chat.ALONE_PREFIX + FOLLOW
    # Asked on its own, the same question is read as typed.
    shown, conversation = turn(FOLLOW, shown, conversation, hash_index, hash_embedder, alone=True)
    assert "Understood as" not in shown[-1]["content"]
    assert conversation[-1].question_used == FOLLOW and conversation[-1].context_turn is None


def test_an_unclear_reference_is_asked_back_with_one_link_per_reading(hash_index, hash_embedder):
    shown, conversation = turn("What roles do Nick Clegg and Andrew Ng have?", [], [], hash_index, hash_embedder)
    shown, conversation = turn("What did he say?", shown, conversation, hash_index, hash_embedder)
    bubble = shown[-1]["content"]
    assert "Which one do you mean?" in text_of(bubble)
    links = [unquote(html.unescape(h)) for h in re.findall(r'class="qa-ask" href="([^"]*)"', bubble)]
    assert links == ["#ask:What did Nick Clegg say?", "#ask:What did Andrew Ng say?"]


def test_the_conversation_keeps_the_latest_turns_and_survives_errors(hash_index, hash_embedder, monkeypatch):
    monkeypatch.setattr(chat, "MAX_HISTORY", 2)
    shown, conversation = [], []
    for q in ("Who co-founded 01.AI?", FIRST, "Where did Wang Changhu found AIsphere?"):
        shown, conversation = turn(q, shown, conversation, hash_index, hash_embedder)
    assert [a.question for a in conversation] == [FIRST, "Where did Wang Changhu found AIsphere?"]
    shown, after = turn("   ", shown, conversation, hash_index, hash_embedder)
    assert after == conversation and "Type a question" in shown[-1]["content"]


def test_a_chat_request_history_is_questions_or_answer_dicts():
    a = Answer("Who founded 01.AI?", "Kai-Fu Lee founded it.", False, ())
    got = chat.history_from_request(["Which startup released Yi-Large?", a.to_dict()])
    assert got == ["Which startup released Yi-Large?", a]
    assert chat.history_from_request(None) == []
    for bad in ("Who?", [3], [{"text": "no question"}]):
        with pytest.raises(QuestionError):
            chat.history_from_request(bad)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def client(hash_index, hash_embedder):
    from gradio_client import Client

    demo = ui.launch("127.0.0.1", _free_port(), hash_index, hash_embedder, block=False)
    try:
        yield Client(demo.local_url, verbose=False)
    finally:
        demo.close()


def test_the_chat_endpoint_reads_a_follow_up_against_its_history(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert "/chat" in endpoints
    assert len(endpoints["/answer"]["parameters"]) == 4  # /answer keeps its four inputs
    first = client.predict(FIRST, api_name="/answer")
    follow = client.predict(FOLLOW, [first], api_name="/chat")
    assert follow["question"] == FOLLOW and follow["context_turn"] == 0
    assert follow["question_used"] != FOLLOW
    again = client.predict(FOLLOW, [FIRST], "hybrid", 5, None, api_name="/chat")
    assert again["question_used"] == follow["question_used"]
    alone = client.predict("Who co-founded 01.AI?", None, api_name="/chat")
    assert alone["context_turn"] is None and alone["question_used"] == "Who co-founded 01.AI?"


# --- qa chat and qa eval ---------------------------------------------------------------------------

@pytest.fixture
def cli(monkeypatch, hash_embedder):
    from click.testing import CliRunner

    from qa import embed
    from qa.app.cli import main

    monkeypatch.setattr(embed, "default_embedder", lambda: hash_embedder)
    runner = CliRunner()
    return lambda args, text="": runner.invoke(main, args, input=text)


def test_qa_chat_keeps_the_conversation_until_cleared(cli, hash_index):
    out = cli(["chat", "--index-dir", str(hash_index)], f"{FIRST}\n{FOLLOW}\n/clear\n{FOLLOW}\n")
    assert out.exit_code == 0, out.output
    lines = [line for line in out.output.splitlines() if line.startswith("Understood as:")]
    assert len(lines) == 1  # the second asking follows a /clear


def test_qa_chat_json_prints_one_object_per_turn(cli, hash_index):
    import json

    out = cli(["chat", "--json", "--index-dir", str(hash_index)], f"{FIRST}\n{FOLLOW}\n/alone {FOLLOW}\n")
    rows = [json.loads(line) for line in out.output.splitlines()]
    assert [r["question"] for r in rows] == [FIRST, FOLLOW, FOLLOW]
    assert [r["context_turn"] for r in rows] == [None, 0, None]


def test_qa_eval_scores_follow_ups_apart_in_every_history_mode(cli, hash_index, tmp_path):
    import json

    from qa.errors import EvaluationError
    from qa.eval.evaluate import load_questions

    path = tmp_path / "follow.jsonl"
    rows = [{"id": "a", "question": "Who co-founded 01.AI?", "answers": ["Kai-Fu Lee"]},
            {"id": "b", "history": [FIRST], "question": FOLLOW, "answers": [], "answerable": False},
            {"id": "c", "history": ["When was ChatGPT released?"], "question": "What did she estimate?",
             "answers": [], "answerable": False}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert load_questions(path)[1].history == (FIRST,)
    out = cli(["eval", str(path), "--index-dir", str(hash_index), "--compare-history", "--json"])
    assert out.exit_code == 0, out.output
    reports = json.loads(out.output)
    assert [r["history"] for r in reports] == ["rules", "none", "concat", "vector", "both"]
    rules = reports[0]["metrics"]
    assert rules["follow_ups"] == 2 and rules["follow_up_abstention_recall"] == 1.0
    assert rules["standalone_hit@1"] is not None
    assert [r["follow_up"] for r in reports[0]["rows"]] == [False, True, True]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"question": "Who?", "history": "not a list"}) + "\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match="history"):
        load_questions(bad)


def test_qa_eval_unrelated_counts_answers_an_earlier_turn_changes(cli, hash_index, tmp_path):
    import json

    path = tmp_path / "alone.jsonl"
    rows = [{"id": "a", "question": "Who co-founded 01.AI?", "relevant_docs": ["x"]},
            {"id": "b", "question": "Where did Wang Changhu found AIsphere?", "relevant_docs": ["y"]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = cli(["eval", str(path), "--index-dir", str(hash_index), "--unrelated", "--json"])
    check = json.loads(out.output)
    assert (check["questions"], check["changed"], check["context_used"]) == (2, 0, 0)


def test_the_evaluate_tab_scores_the_bundled_follow_ups_apart(hash_index, hash_embedder):
    from qa.app import handlers

    summary, metrics, _, rows, _ = handlers.run_evaluation("followups", None, ["hybrid"], 5, hash_index,
                                                           hash_embedder)
    labels = [row[0] for row in metrics]
    assert "follow-up hit@1" in labels and "follow-up abstention recall" in labels
    assert any(" → " in row[2] for row in rows)  # how a follow-up was read, beside it
    _, plain, _, _, _ = handlers.run_evaluation("upload", str(handlers.BUNDLED_QUESTIONS), ["hybrid"], 5,
                                                hash_index, hash_embedder)
    assert "follow-up hit@1" not in [row[0] for row in plain]


def test_qa_chat_says_how_a_follow_up_was_read_once(cli, hash_index):
    out = cli(["chat", "--index-dir", str(hash_index)],
              "Which Chinese internet company developed the Kling video generator?\nWhere is it headquartered?\n"
              "When was ChatGPT released?\nWhat did she estimate?\n")
    assert out.exit_code == 0, out.output
    assert out.output.count("Understood as:") == 1
    assert out.output.count("It is not clear who “she” means") == 1
