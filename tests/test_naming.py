"""A question for the name of a thing is not answered by a sentence that speaks of it unnamed."""

import pytest
from conftest import make_corpus

from qa import answer
from qa.config import ExtractConfig, Settings
from qa.index.build import build_index
from qa.reader.naming import asked_class, introduces_unnamed


@pytest.mark.parametrize("question, expected", [
    ("What is the name of Baidu's chatbot?", ("chatbot",)),
    ("What is the official name of the bill US lawmakers drafted to control exports?", ("bill", "lawmakers")),
    ("What is the name of the ranking of open-source AI systems that 01.AI topped?", ("ranking",)),
    ("What is the name of the open-source AI leaderboard that 01.AI topped?", ("open-source", "leaderboard")),
    ("What were the names of the Go players that AlphaGo defeated?", ("players",)),
    ("What is Kuaishou's video tool called?", ("tool",)),  # "video" modifies "tool"
    ("What’s Kuaishou's video tool called?", ("tool",)),
    ("What is the name of Baidu's chatbot mentioned by Robin Li?", ("chatbot",)),  # a participle follows
    ("What was the name of the rock found during the Apollo 15 mission?", ("rock",)),
    ("What are numbers greater than 1 that can be divided by 3 called?", ("numbers",)),  # no comparative
    ("What was the name of the upgraded Saturn I called?", ()),  # names the thing: no class noun
    ("Who founded 01.AI?", ()),
    ("Which company made Kling?", ()),
])
def test_the_noun_whose_name_is_asked_is_read_from_the_question(question, expected):
    assert asked_class(question) == expected


@pytest.mark.parametrize("nouns, text, expected", [
    # Introduced with "a" and never named: the corpus speaks of it unnamed.
    (("bill",), "A group of US lawmakers has drafted a bill that would control software exports.", "bill"),
    (("chatbot",), "No one could be sure what might come out of a chatbot’s digital mouth.", "chatbot"),
    (("players",), "AlphaGo defeated two of the top players in the board game Go in 2016.", "players"),
    # Named where it is introduced: by a name in apposition, before or after, or by "called".
    (("chatbot",), "In 2022, OpenAI released the online chatbot ChatGPT, setting off a boom.", None),
    (("chatbot",), "OpenAI released ChatGPT, a chatbot that talks.", None),
    (("bill",), "Lawmakers drafted a bill called the AI Export Act.", None),
    (("model",), "01.AI released a large language model for creating chatbots, Yi-Large, in May.", None),
    # A predicate describes its subject, which is the name: "orientalism is a view".
    (("view",), "Similarly, orientalism is a view of a people based on their location.", None),
    (("player",), "He won the title with the same team he joined as a player.", None),
    # A vague plural among named people ("several players dove for it ... recovered by Ward").
    (("players",), "Miller stripped the ball, several players dove for it and Ward recovered it.", None),
    # Mentioned definitely, or not at all.
    (("bill",), "The bill was introduced by Senator Smith.", None),
    (("bill",), "Lawmakers met on Tuesday.", None),
])
def test_a_thing_introduced_without_a_name_is_told_from_a_named_one(nouns, text, expected):
    assert introduces_unnamed(nouns, text) == expected


def test_asking_the_name_of_a_thing_the_corpus_leaves_unnamed_abstains(tmp_path, hash_embedder):
    corpus = make_corpus(tmp_path / "c", {
        "a.txt": "Export rules\nA group of US lawmakers has drafted a bill that would control AI software exports. "
                 "Companies fear the rules.",
        "b.txt": "Chatbots\nIn 2022, OpenAI released the online chatbot ChatGPT, setting off an AI boom.",
    })
    build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    # Whether to abstain is the fitted model's call (and a kind gate's); the reason names the
    # unnamed bill. The fake embedder's cosines mean nothing to the model: its threshold is set out
    # of reach, and the kind gate off, so that the reason is the one the model's "no" is given with.
    settings = Settings(extract=ExtractConfig(gate_kind_unstated=False))
    unnamed = answer("What is the name of the bill US lawmakers drafted to control AI software exports?",
                     index_dir=tmp_path / "i", embedder=hash_embedder, threshold=0.9999, settings=settings)
    assert unnamed.abstained
    assert "bill" in unnamed.reason and "without naming" in unnamed.reason
    assert unnamed.alternatives and "drafted a bill" in unnamed.alternatives[0].quote  # the closest evidence
    named = answer("What is the name of the chatbot OpenAI released in 2022?", index_dir=tmp_path / "i",
                   embedder=hash_embedder, threshold=0.0)
    assert not named.abstained and "ChatGPT" in named.text
