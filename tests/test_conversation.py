"""Follow-up questions read against earlier turns (``qa.reader.conversation``, ``references``,
``turns``) and ``answer(..., history=...)``: pure readings over hand-made turns, then the library
over an index of the shipped corpus built with the fake ``HashEmbedder``."""

from dataclasses import replace

import pytest

from qa import answer
from qa.errors import QuestionError
from qa.reader.conversation import complete_ellipsis, read_question
from qa.reader.asking import asks_for_several, person_like
from qa.reader.references import Mention, Turn, references
from qa.reader.turns import answer_in_context, answer_mention, make_turn
from qa.types import Answer, Citation

#: Words the shipped corpus writes in lower case (what ``common_words`` finds there), enough for
#: ``person_like`` to tell "Hugging Face" and "Page One Ventures" from "Robin Li".
COMMON = frozenset("face one ventures capital world university of times".split())


def turn(question, answer=None, person=False, names=(), value="", plural=None, index=0):
    mention = Mention(answer, person, index) if answer else None
    named = tuple(Mention(n, p, index) for n, p in names)
    return Turn(index, question, mention, value, named,
                asks_for_several(question) if plural is None else plural)


def read(question, *turns):
    return read_question(question, list(turns), COMMON)


# --- what a question points back at --------------------------------------------------------------

@pytest.mark.parametrize("question", [
    "What did Kuaishou say about its model?",                      # "its": Kuaishou, said before
    "How long did it take 01.AI to release a new version?",       # "it" stands for nothing
    "Which US newspaper reported that Chinese firms are closing in?",   # "that" is a conjunction
    "Why are many American companies cautious about opening up their AI technology?",
    "What's the name of that Kuaishou app that can turn a photo into a video?",
    "Oren Etzioni is quoted: at which university is he a professor?",
    "What Cold War-era event did the Page One Ventures investor compare the launch to?",
    "What made it difficult for Chinese firms to buy chips?",     # "made it ... for": a dummy "it"
])
def test_a_question_that_says_what_its_words_mean_points_back_at_nothing(question):
    assert references(question) == []


@pytest.mark.parametrize("question, kind", [
    ("Who founded it?", "thing"),
    ("According to him, what did sharing models help spread?", "person"),
    ("How is that company described?", "thing"),
    ("Which Stanford professor is a former executive there?", "place"),
    ("Which OpenAI tool is it similar to?", "thing"),   # a name in the wh-phrase is no antecedent
    ("Which Kuaishou tool is that similar to?", "thing"),
    ("Who makes it?", "thing"),                          # "makes it" with nothing after: a thing made
    ("Who made it available worldwide?", "thing"),
])
def test_pronouns_and_demonstratives_with_nothing_before_them_point_back(question, kind):
    assert [r.kind for r in references(question)] == [kind]


def test_a_persons_name_is_words_the_corpus_never_writes_in_lower_case():
    assert person_like("Robin Li", COMMON) and person_like("Kai-Fu Lee", COMMON)
    assert not person_like("Hugging Face", COMMON) and not person_like("Page One Ventures", COMMON)
    assert not person_like("Kling", COMMON)


# --- readings --------------------------------------------------------------------------------------

def test_it_takes_the_thing_the_previous_turn_answered_with():
    earlier = turn("Which startup released the Yi-Large model?", "01.AI", names=[("Yi-Large", False)])
    [reading] = read("Who founded it?", earlier)
    assert (reading.question, reading.turn, reading.problem) == ("Who founded 01.AI?", 0, "")


def test_a_pronoun_agrees_in_kind_with_what_it_stands_for():
    earlier = turn("Who founded 01.AI?", "Kai-Fu Lee", person=True, names=[("01.AI", False)])
    assert read("And which Meta model was its system built on?", earlier)[0].question == \
        "Which Meta model was 01.AI’s system built on?"
    assert read("What did he say about open source?", earlier)[0].question == \
        "What did Kai-Fu Lee say about open source?"


def test_a_name_replaces_only_the_first_reference_to_it():
    earlier = turn("Who is Qu Dongqi?", None, names=[("Qu Dongqi", True)])
    assert read("What did he say about his friends in America?", earlier)[0].question == \
        "What did Qu Dongqi say about his friends in America?"


def test_a_turn_that_asks_who_a_name_is_answered_with_no_other_name():
    a = cited("Who is Andrew Ng?", "Andrew Ng, a professor at Stanford University, said so.")
    made = make_turn(0, a, COMMON)
    assert made.answer is None and [m.text for m in made.names] == ["Andrew Ng"]
    assert read("Where does he teach?", made)[0].question == "Where does Andrew Ng teach?"
    b = cited("Who is the CEO of Baidu?", "Some leaders, like Baidu CEO Robin Li, prefer it.", "Robin Li")
    assert make_turn(0, b, COMMON).answer.text == "Robin Li"


def test_a_reference_reaches_back_over_a_turn_that_offers_nothing_of_its_kind():
    first = turn("Which company developed Kling?", "Kuaishou", names=[("Kling", False)], index=0)
    second = turn("Who founded it?", "Qu Dongqi", person=True, index=1)
    [reading] = read("Where is it based?", second, first)
    assert (reading.question, reading.turn) == ("Where is Kuaishou based?", 0)
    [reading] = read("What did she say?", turn("How much is Kuaishou worth?", None, value="US$1 billion",
                                                names=[("Kuaishou", False)], index=1), first)
    assert reading.problem  # no person anywhere: asked back, not guessed


def test_a_reference_no_turn_settles_is_reported_not_guessed():
    earlier = turn("When was ChatGPT released?", None, value="late 2022", names=[("ChatGPT", False)])
    [reading] = read("What did she estimate?", earlier)
    assert reading.problem and "she" in reading.problem and reading.choices == ()


def test_a_reference_to_one_of_several_asks_which_one_is_meant():
    earlier = turn("What roles do Nick Clegg and Andrew Ng have?", None,
                   names=[("Nick Clegg", True), ("Andrew Ng", True)])
    assert earlier.plural
    [reading] = read("What did he say?", earlier)
    assert reading.problem
    assert reading.choices == ("What did Nick Clegg say?", "What did Andrew Ng say?")
    # Even when the answer quoted names one of them: the question asked for several.
    earlier = turn("Which companies developed Kling and PixVerse?", "Kuaishou",
                   names=[("Kling", False), ("PixVerse", False)])
    [reading] = read("Who founded it?", earlier)
    assert reading.choices == ("Who founded Kling?", "Who founded PixVerse?")


def test_a_question_that_stands_on_its_own_is_left_as_asked():
    earlier = turn("Which startup released the Yi-Large model?", "01.AI")
    for question in ("Who is the CEO of Baidu?", "kling video length", "hugging face ceo"):
        assert read(question, earlier) == [read(question)[0]]
        assert read(question, earlier)[0].turn is None


@pytest.mark.parametrize("previous, answer, fragment, expected", [
    ("Where did Wang Changhu found AIsphere?", None, "When?", "When did Wang Changhu found AIsphere?"),
    ("At which conference did Qu Dongqi show a video?", None, "In which city?",
     "In which city did Qu Dongqi show a video?"),
    ("How many of the top players did AlphaGo defeat?", "two", "In which years?",
     "In which years did AlphaGo defeat two of the top players?"),
    ("Which company released ChatGPT?", "OpenAI", "When?", "When was it that OpenAI released ChatGPT?"),
    ("Did 01.AI release a better version?", None, "How quickly?", "How quickly did 01.AI release a better version?"),
    ("Did 01.AI release a better version?", None, "Whose, exactly?", "Whose, exactly did 01.AI release a better version?"),
])
def test_an_ellipsis_is_the_previous_question_with_the_new_question_word(previous, answer, fragment, expected):
    earlier = turn(previous, answer) if answer and not answer.isdigit() and answer != "two" else \
        turn(previous, None, value=answer or "")
    assert complete_ellipsis(fragment, earlier) == expected
    assert read(fragment, earlier)[0].question == expected


def test_what_about_swaps_the_name_of_the_same_kind():
    earlier = turn("Which university is Oren Etzioni a professor at?", "University of Washington",
                   names=[("Oren Etzioni", True)])
    assert [r.question for r in read("And Andrew Ng?", earlier)] == \
        ["Which university is Andrew Ng a professor at?"]
    earlier = turn("Who founded 01.AI?", "Kai-Fu Lee", person=True, names=[("01.AI", False)])
    assert [r.question for r in read("What about AIsphere?", earlier)] == ["Who founded AIsphere?"]
    earlier = turn("What is Nick Clegg's role at Meta?", None, names=[("Nick Clegg", True), ("Meta", False)])
    assert [r.question for r in read("What about Jenny Xiao?", earlier)] == ["What is Jenny Xiao's role at Meta?"]


# --- the name an answer answered with --------------------------------------------------------------

def cited(question, quote, highlight=None):
    start = 100
    hl = (start + quote.index(highlight), start + quote.index(highlight) + len(highlight)) if highlight else None
    c = Citation("d", "t", start, start + len(quote), quote, 1.0, "answer", hl)
    return Answer(question, quote, False, (c,), question_used=question)


def test_the_answer_name_is_of_the_asked_kind_and_not_in_the_question():
    a = cited("Who founded AIsphere?",
              "Wang Changhu, former head of ByteDance’s AI lab, founded a company called AIsphere in Beijing.")
    assert answer_mention(a.question, a, 0, COMMON)[0].text == "Wang Changhu"
    b = cited("Which startup launched PixVerse?",
              "Wang Changhu, former head of ByteDance’s AI lab, founded a company called AIsphere in Beijing.",
              highlight="AI")
    assert answer_mention(b.question, b, 0, COMMON)[0].text == "AIsphere"
    c = cited("Who is the CEO of Baidu?", "Some leaders, like Baidu CEO Robin Li, prefer it.", "Baidu CEO Robin Li")
    assert answer_mention(c.question, c, 0, COMMON)[0] == Mention("Robin Li", True, 0)


def test_an_ordinary_word_that_opens_a_sentence_or_a_quote_is_no_answer_name():
    common = COMMON | {"open", "initially"}
    a = cited("Who is the CEO of Hugging Face?",
              "Clément Delangue, CEO of Hugging Face, said: “Open source AI is the foundation.”")
    assert answer_mention(a.question, a, 0, common)[0] == Mention("Clément Delangue", True, 0)
    b = cited("Which Meta model did 01.AI build its system on?",
              "Initially criticized for building its system on technology from Meta, the company turned it around.")
    assert answer_mention(b.question, b, 0, common)[0] is None


def test_a_persons_name_may_be_written_in_any_script():
    assert person_like("Clément Delangue", COMMON) and person_like("Jean-Luc Picard", COMMON)
    assert not person_like("ROBIN Li", COMMON) and not person_like("Hugging Face", COMMON)


def test_an_abstention_answers_with_no_name():
    a = cited("Who founded Tencent?", "Pony Ma and Zhang Zhidong founded the firm.")
    assert make_turn(0, replace(a, abstained=True), COMMON).answer is None
    assert make_turn(0, a, COMMON).answer.text in ("Pony Ma", "Zhang Zhidong")


# --- answer(..., history=...) ----------------------------------------------------------------------

class _Index:
    """Just what ``answer_in_context`` reads of an index."""

    def __init__(self):
        from qa.index.load import DerivedData

        self.documents = ()
        self.derived = DerivedData()


def test_a_standalone_question_never_answers_the_earlier_turns():
    asked = []

    def ask(q, earlier):
        asked.append(q)
        return replace(cited(q, "01.AI, a startup co-founded by Kai-Fu Lee, released a model."), confidence=0.9)
    assert answer_in_context("Who is the CEO of Baidu?", ["Which startup released Yi-Large?"] * 10,
                             _Index(), ask) is None
    assert asked == []
    # "the newsletter" alone is the corpus's: nothing makes it the earlier turn's document.
    answer_in_context("Which frameworks does the newsletter recommend?", ["Which startup released Yi-Large?"],
                      _Index(), ask)
    assert asked == ["Which frameworks does the newsletter recommend?"]
    asked.clear()
    got = answer_in_context("Who founded it?", ["Which startup released Yi-Large?"], _Index(), ask)
    assert asked == ["Which startup released Yi-Large?", "Who founded 01.AI?"]
    assert (got.question, got.question_used, got.context_turn) == ("Who founded it?", "Who founded 01.AI?", 0)
    assert got.reason.startswith("Understood as: Who founded 01.AI?")


def _asking(confidence):
    """A fake ``ask`` that answers each question with ``confidence[question]`` (abstaining where it
    is None; 0.9 for a question not listed) and records what it was asked."""
    asked = []

    def ask(q, earlier):
        asked.append(q)
        p = confidence.get(q, 0.9)
        if p is None:
            return Answer(q, "The corpus does not say.", True, (), confidence=0.05, question_used=q)
        return replace(cited(q, "01.AI, a startup co-founded by Kai-Fu Lee, released a model."), confidence=p)
    return ask, asked


def test_a_resolved_reading_stands_however_little_the_reader_is_sure_of_it():
    history = ["Which startup released Yi-Large?"]
    together = "Which startup released Yi-Large? Who founded it?"
    # Plainer readings the reader would be surer of are not asked: they answer other questions.
    ask, asked = _asking({"Who founded 01.AI?": 0.3, together: 0.8, "Who founded it?": 0.9})
    got = answer_in_context("Who founded it?", history, _Index(), ask)
    assert (got.question_used, got.context_turn) == ("Who founded 01.AI?", 0)
    assert asked[1:] == ["Who founded 01.AI?"]


def test_a_resolved_reading_the_reader_abstains_on_stands():
    history = ["Which startup released Yi-Large?"]
    ask, asked = _asking({"Who founded 01.AI?": None})
    got = answer_in_context("Who founded it?", history, _Index(), ask)
    assert got.abstained and got.question_used == "Who founded 01.AI?"
    assert asked[1:] == ["Who founded 01.AI?"]


def test_a_fragment_that_names_nothing_is_read_with_the_previous_question():
    history = ["Could these AI technologies power military advancements?"]
    together = "Could these AI technologies power military advancements? Such as?"
    # However sure the reader is of the fragment alone: it says too little to stand alone.
    ask, asked = _asking({"Such as?": 0.9, together: 0.3})
    got = answer_in_context("Such as?", history, _Index(), ask)
    assert (got.question_used, got.context_turn) == (together, 0) and not got.abstained
    assert asked == [together] and got.reason.startswith(f"Understood as: {together}")
    # Read together, abstained on: the fragment is answered alone, as without history.
    ask, asked = _asking({together: None})
    assert answer_in_context("Such as?", history, _Index(), ask) is None
    # A short question that names something stands alone, as without history.
    ask, asked = _asking({})
    assert answer_in_context("Who founded Baidu?", history, _Index(), ask) is None and asked == []


def test_a_thing_no_turn_names_is_what_the_previous_question_was_about_when_the_reader_is_sure():
    history = ["If an AI system is open source, can anyone fundamentally change it?"]
    together = f"{history[0]} What does it still take?"
    ask, asked = _asking({together: 0.8})
    got = answer_in_context("What does it still take?", history, _Index(), ask)
    assert not got.abstained and (got.question_used, got.context_turn) == (together, 0)
    assert asked[1:] == [together] and got.reason.startswith(f"Understood as: {together}")
    # Read together with little confidence, or abstained on: asked back as before.
    for p in (0.3, None):
        ask, asked = _asking({together: p})
        got = answer_in_context("What does it still take?", history, _Index(), ask)
        assert got.abstained and got.reason.startswith("It is not clear what “it” means")
    # Also when an older turn asked about several things: the latest question is read first.
    older = ["Which companies released Kling and Yi-Large?", history[0]]
    ask, asked = _asking({together: 0.8})
    got = answer_in_context("What does it still take?", older, _Index(), ask)
    assert not got.abstained and got.question_used == together
    # A person no turn names is never what a question was about: "she" is asked back, unread.
    ask, asked = _asking({})
    got = answer_in_context("What did she estimate?", ["When was ChatGPT released?"], _Index(), ask)
    assert got.abstained and got.reason.startswith("It is not clear who “she” means")
    assert asked == ["When was ChatGPT released?"]
    # Nor is a thing one of several names could be.
    ask, asked = _asking({})
    got = answer_in_context("When was it founded?", ["Which companies released Kling and Yi-Large?"], _Index(), ask)
    assert got.abstained and got.choices and not any(" When was it founded?" in q for q in asked)


def test_an_it_no_turn_explains_in_a_question_that_says_enough_is_its_own():
    # "is it basically ... for China to ...": nothing earlier is meant; answered as without history.
    q = "is it basically a walk in the park for china to grab the ai lead thru open source"
    ask, asked = _asking({f"kling model parameter count {q}": None})
    assert answer_in_context(q, ["kling model parameter count"], _Index(), ask) is None
    # A short one says too little to stand alone: asked back.
    ask, asked = _asking({"kling model parameter count When did it come out?": None})
    got = answer_in_context("When did it come out?", ["kling model parameter count"], _Index(), ask)
    assert got.abstained and got.reason.startswith("It is not clear what “it” means")


def test_they_no_turn_names_may_be_a_plural_noun_of_the_previous_question():
    history = ["What kind of tests did Yi-Large score well on?"]
    together = f"{history[0]} What do they actually measure?"
    ask, asked = _asking({together: 0.8})
    got = answer_in_context("What do they actually measure?", history, _Index(), ask)
    assert not got.abstained and got.question_used == together
    # Nothing plural before it: "they" stands for nobody, and is asked back unread.
    history = ["Where was the World Artificial Intelligence Conference held?"]
    ask, asked = _asking({})
    got = answer_in_context("What did they say about it?", history, _Index(), ask)
    assert got.abstained and got.reason.startswith("It is not clear who “they” means") and asked == history


class _Texts(_Index):
    """An index of ``texts`` (only what the conversation reader reads of one)."""

    def __init__(self, *texts):
        super().__init__()
        from types import SimpleNamespace

        self.documents = tuple(SimpleNamespace(text=t) for t in texts)


_NEWS = _Texts(
    "In 2016 the tool defeated two of the top players in the board game Go in a match, and the "
    "professor said so. It was a shock to the professor, who teaches at Stanford University in "
    "the US, where he has worked, said Andrew Ng, who was an executive at Baidu, the search "
    "company. Analysts in China and officials in China and investors in China said Clément "
    "Delangue was right. Where would they go next, asked the university, a place people go. "
    "Where Robin Li works, people listen. Analysts said Kling was fast. The lists are called "
    "Packages, and Packages and Packages name the packages, such as the Locally Created Packages. "
    "Files created locally stay.")


def test_names_typed_in_lower_case_are_read_as_the_corpus_writes_them():
    from qa.reader.spelling import corpus_names, truecase

    names = corpus_names(_NEWS)
    assert truecase("who's andrew ng?", names) == "who's Andrew Ng?"
    # A name that is no ordinary English word, however rare; accents or not.
    assert truecase("and what about baidu?", names) == "and what about Baidu?"
    assert truecase("what did clement delangue say?", names) == "what did Clément Delangue say?"
    # An ordinary word the corpus capitalises once ("the board game Go") is not taken for a name;
    # one it capitalises alone, often, is ("China"); what the user capitalised stays as typed.
    assert truecase("where did he go to university in china?", names) == "where did he go to university in China?"
    assert truecase("Who is ANDREW Ng?", names) == "Who is ANDREW Ng?"
    # A word that opens a sentence is no part of the name after it.
    assert truecase("where robin li works", names) == "where Robin Li works"
    # Words the corpus also writes in lower case are no name, alone or as a title met once.
    assert truecase("which packages are locally created packages?", names) == "which packages are locally created packages?"


def test_a_follow_up_typed_in_lower_case_finds_the_names_of_the_turn_before():
    ask, asked = _asking({})
    got = answer_in_context("what subject does he teach?", ["who's andrew ng?"], _NEWS, ask)
    assert got.question_used == "What subject does Andrew Ng teach?"
    got = answer_in_context("and what about baidu?", ["Who is the CEO of Hugging Face?"], _NEWS, ask)
    assert got.question_used == "Who is the CEO of Baidu?"
    # A short question that names something stands alone, typed in lower case or not.
    assert answer_in_context("kling fps", ["Who is the CEO of Hugging Face?"], _NEWS, ask) is None


@pytest.fixture(scope="module")
def ask(hash_index, hash_embedder):
    def run(question, history=None):
        return answer(question, index_dir=hash_index, embedder=hash_embedder, history=history)
    return run


def test_history_reads_a_follow_up_and_says_how(ask):
    first = ask("Which Chinese internet company developed the Kling video generator?")
    follow = ask("Where is it headquartered?", [first])
    assert follow.question == "Where is it headquartered?"
    assert follow.question_used != follow.question and follow.context_turn == 0
    # Earlier turns given as questions work the same way.
    again = ask("Where is it headquartered?", [first.question])
    assert again.question_used == follow.question_used


def test_history_leaves_a_standalone_answer_exactly_as_without_it(ask):
    alone = ask("Who co-founded 01.AI?")
    after = ask("Who co-founded 01.AI?", ["When did OpenAI release ChatGPT?"])
    assert replace(after, timings={}) == replace(alone, timings={})
    assert after.question_used == after.question and after.context_turn is None


def test_an_unresolvable_reference_abstains_with_the_reason(ask):
    result = ask("What did she estimate?", ["When was ChatGPT released?"])
    assert result.abstained and "she" in result.reason and result.citations == ()


@pytest.mark.parametrize("history", ["Who founded 01.AI?", [3], [None]])
def test_history_that_is_not_a_list_of_turns_is_a_question_error(ask, history):
    with pytest.raises(QuestionError, match="history"):
        ask("Who founded it?", history)


def test_an_answer_survives_the_round_trip_through_a_dict(ask):
    import json

    a = ask("Who co-founded 01.AI?")
    assert Answer.from_dict(json.loads(json.dumps(a.to_dict()))) == a


def test_the_company_in_a_question_that_names_nothing_is_the_earlier_one():
    earlier = turn("Which company developed the Kling video generator?", "Kuaishou", names=[("Kling", False)])
    assert read("When was the company founded?", earlier)[0].question == "When was Kuaishou founded?"
    # Nouns for the corpus's own documents are no reference; nor is a noun a phrase describes.
    for question in ("Which frameworks does the newsletter recommend?", "Who wrote the article?",
                     "When was the company that makes Kling founded?"):
        assert read(question, earlier)[0].turn is None


def test_they_may_stand_for_an_organisation_an_earlier_turn_answered_with():
    earlier = make_turn(0, cited("Which company developed Kling?", "Kling was made by Kuaishou, a Chinese firm."),
                        COMMON)
    assert earlier.answer.org
    assert read("When did they release it?", earlier)[0].question == "When did Kuaishou release Kling?"
    place = make_turn(0, cited("Where was the conference held?", "It was held in Shanghai."), COMMON)
    assert read("What did they say?", place)[0].problem


@pytest.mark.parametrize("question", [
    "How much did it cost to train DeepSeek-R1?",
    "What did the old photograph in the demo video depict before it was animated?",
    "If an AI system is open source, can anyone fundamentally change it?",
    "Before founding his video startup, which company's AI lab did Wang Changhu lead?",
    "In his email, whom did Kai-Fu Lee say had also built on top of LLaMA?",
])
def test_an_it_the_question_itself_explains_points_back_at_nothing(question):
    assert references(question) == []


def test_what_about_swaps_a_name_of_the_same_category_when_the_corpus_tells():
    from qa.index.load import DerivedData
    from qa.reader.turns import name_category
    from qa.types import Document

    index = _Index()
    index.documents = (Document("d", "t", "A company called AIsphere launched PixVerse, an AI-powered generator. "
                                          "OpenAI released the online chatbot ChatGPT.", "d.txt", "", ()),)
    index.derived = DerivedData()
    category = lambda name: name_category(name, index)  # noqa: E731
    assert [category(n) for n in ("AIsphere", "PixVerse", "ChatGPT", "Tencent")] == \
        ["organisation", "product", "product", None]
    earlier = turn("When did AIsphere launch PixVerse?", None, names=[("AIsphere", False), ("PixVerse", False)])
    assert [r.question for r in read_question("What about ChatGPT?", [earlier], COMMON, category)] == \
        ["When did AIsphere launch ChatGPT?"]
    assert len(read_question("What about ChatGPT?", [earlier], COMMON)) == 2  # unknown: the reader chooses


def test_what_about_keeps_a_title_and_swaps_the_name_it_is_of():
    earlier = make_turn(0, cited("Who is the CEO of Hugging Face?", "Clement De Lange, CEO of Hugging Face, said so.",
                                 "Clement De Lange"), COMMON)
    assert [m.text for m in earlier.names] == ["Hugging Face"]
    assert read("What about Baidu?", earlier)[0].question == "Who is the CEO of Baidu?"


def test_a_noun_for_a_made_thing_is_not_the_organisation_that_made_it():
    earlier = Turn(0, "Which startup put out Yi-Large?", Mention("01.AI", False, 0, org=True), "",
                   (Mention("Yi-Large", False, 0),), False)
    assert read("What's the model meant for?", earlier)[0].question == "What's Yi-Large meant for?"
    assert read("Who founded the startup?", earlier)[0].question == "Who founded 01.AI?"
    assert read("Who founded it?", earlier)[0].question == "Who founded 01.AI?"  # no noun: the answer
    category = {"Kling": "product", "Kuaishou": "organisation"}.get
    earlier = turn("Who makes Kling?", None, names=[("Kling", False), ("Kuaishou", False)])
    assert read_question("Where is that company based?", [earlier], COMMON, category)[0].question == \
        "Where is Kuaishou based?"


def test_a_date_is_neither_a_name_of_the_question_nor_an_antecedent():
    earlier = turn("Who founded AIsphere?", "Wang Changhu", person=True, names=[("AIsphere", False)])
    assert read("What did the startup put out in November?", earlier)[0].question == \
        "What did AIsphere put out in November?"
    made = make_turn(0, cited("What did AIsphere put out in November?", "In November, the startup launched it."),
                     COMMON)
    assert [m.text for m in made.names] == ["AIsphere"]


def test_a_contracted_question_word_is_a_question_word():
    a = cited("Who's Jenny Xiao?", "Jenny Xiao, partner at Leonis Capital, said the United States leads.")
    made = make_turn(0, a, COMMON)
    assert made.answer is None and [m.text for m in made.names] == ["Jenny Xiao"]
    assert read("So what does she say?", made)[0].question == "What does Jenny Xiao say?"
    earlier = turn("Why are China's tech giants giving away their AI?", None, names=[("China", False)])
    assert read("and what's Beijing's end goal?", earlier)[0].turn is None  # a question, not "And Sora?"


# --- stop 31: what a turn answered with ---------------------------------------------------------

def test_a_question_word_inside_a_clause_does_not_make_a_question_ask_for_several():
    assert not asks_for_several("Which Chinese startup was only eight months old when it topped a ranking?")
    assert not asks_for_several("What does Kling do when you prompt it with sensitive topics?")
    assert not asks_for_several("Which tool did OpenAI reveal last week, which turns text into clips?")
    assert asks_for_several("Who founded AIsphere, and who founded 01.AI?")
    assert asks_for_several("Who founded AIsphere and when?")


def test_a_turn_read_with_the_question_before_it_asks_what_its_own_words_ask():
    # "Who started that one?" read as "Which startup ...? Who started that one?": it asked for a
    # person, one, whatever the question before it asked for.
    together = "Which Chinese startup topped a ranking of open-source AI systems? Who started that one?"
    got = replace(cited(together, "Kai-Fu Lee, who founded 01.AI, said the startup was proud."),
                  question="Who started that one?", context_turn=0)
    made = make_turn(1, got, COMMON)
    assert made.answer == Mention("Kai-Fu Lee", True, 1) and not made.plural
    assert read("What did he say in his email?", made)[0].question == "What did Kai-Fu Lee say in his email?"


def test_an_organisation_that_answers_who_may_be_they():
    earlier = make_turn(0, cited("Who launched the video generator Sora?",
                                 "It was reminiscent of Sora, a video generator launched this year by OpenAI, "
                                 "an American start-up."), COMMON)
    assert earlier.answer == Mention("OpenAI", False, 0, org=True)
    assert read("What sort of company are they?", earlier)[0].question == "What sort of company are OpenAI?"


def test_a_word_opening_a_sentence_is_a_name_only_when_the_corpus_writes_it_as_one():
    a = cited("Which newsletter is the Closing the Gap piece from?",
              "Today, we explore how open-source technology is closing the AI gap.")
    assert answer_mention(a.question, a, 0, COMMON, {})[0] is None
    assert answer_mention(a.question, a, 0, COMMON, {"today": "Today"})[0].text == "Today"


def test_what_asks_for_the_one_thing_its_answer_names_besides_the_question():
    a = cited("What did OpenAI launch in 2022?", "When OpenAI launched ChatGPT in November 2022, firms were hurt.")
    assert answer_mention(a.question, a, 0, COMMON)[0] == Mention("ChatGPT", False, 0)
    b = cited("What did Qu Dongqi show in Shanghai?",
              "At the World Artificial Intelligence Conference, Qu Dongqi showed Kling AI videos in Shanghai.")
    assert answer_mention(b.question, b, 0, COMMON)[0] is None  # two things: which one is unknown
    c = cited("Did OpenAI launch it in 2022?", "When OpenAI launched ChatGPT in November 2022, firms were hurt.")
    assert answer_mention(c.question, c, 0, COMMON)[0] is None  # a yes-or-no question names nothing


def test_a_place_is_no_model_or_company():
    from qa.reader.turns import name_category
    from qa.types import Document

    index = _Index()
    index.documents = (Document("d", "t", "The conference was held in Shanghai. Many firms are based in Shanghai. "
                                          "The startup 01.AI released a model called Yi-Large.", "d.txt", "", ()),)
    category = lambda name: name_category(name, index)  # noqa: E731
    assert [category(n) for n in ("Shanghai", "Yi-Large", "01.AI")] == ["place", "product", "organisation"]
    earlier = turn("What did 01.AI release before the Shanghai conference?", None,
                   names=[("01.AI", False), ("Shanghai", False)])
    got = read_question("What's the full name of that model?", [earlier], COMMON, category)[0]
    assert got.problem and "Shanghai" not in got.question


@pytest.mark.parametrize("question, names", [
    ("Which has more users, Kling or Sora?", ("Kling", "Sora")),
    ("Is 01.AI valued higher than AIsphere?", ("01.AI", "AIsphere")),
    ("01.AI vs AIsphere valuation which is higher", ("01.AI", "AIsphere")),
    ("Which government spends more on AI, China's or America's?", ("China", "America")),
    ("Was AIsphere founded in Beijing or Shanghai?", ()),           # a choice, not a comparison
    ("Who translated the piece saying China shares more than America?", ()),  # asks for a person
    ("Who founded AIsphere?", ()),
])
def test_the_names_a_question_compares(question, names):
    from qa.reader.asking import compared_names

    assert compared_names(question) == names


def test_a_sentence_speaks_of_a_name_whole_by_its_last_word_or_its_initials():
    from qa.reader.asking import speaks_of

    text = "Nicholson, an investor, said the U.S. leads."
    assert speaks_of(text, "Chris Nicholson") and speaks_of(text, "Nicholson") and speaks_of(text, "United States")
    assert not speaks_of(text, "China") and not speaks_of("Kingston is far.", "Kling")


def test_a_quoted_title_is_one_name_and_no_head_of_the_question():
    from qa.reader.asking import name_runs, wh_head

    q = "Which outlet published 'Chinese Tech Companies Accelerate A.I. Development'?"
    assert [q[s:e] for s, e in name_runs(q)] == ["Chinese Tech Companies Accelerate A.I. Development"]
    assert wh_head(q)[1] == "outlet" and not asks_for_several(q)  # not the title's "Companies"
    apostrophes = "What's China's stake in Kai-Fu Lee's firm?"  # no quotation marks
    assert [apostrophes[s:e] for s, e in name_runs(apostrophes)] == ["China", "Kai-Fu Lee"]
    made = make_turn(0, cited(q, "ICARO Media Group published the piece on open source."), COMMON)
    assert read("According to that outlet, what does it still take?", made)[0].question.startswith(
        "According to ICARO Media Group")


def test_it_is_not_a_place_when_the_earlier_question_names_something_else():
    category = {"China": "place", "ICARO": "organisation"}.get
    earlier = turn("According to ICARO, what debate is there in China?", None,
                   names=[("ICARO", False), ("China", False)])
    assert read_question("What does it conclude?", [earlier], COMMON, category)[0].question == \
        "What does ICARO conclude?"
    # Without anything telling what the names are, it is still not clear which one is meant.
    assert read_question("What does it conclude?", [earlier], COMMON)[0].problem


def test_a_definite_description_of_what_the_last_turn_spoke_of_reads_with_it_when_alone_it_is_not_answered():
    history = ["What was happening to Chinese firms when ChatGPT launched?"]
    question = "What kind of activity did the crackdown put a damper on?"
    together = f"{history[0]} {question}"

    def asking(alone_answered, together_confidence=0.8):
        asked = []

        def ask(q, earlier):
            asked.append(q)
            if q == history[0]:
                return cited(q, "Firms were hurt by a crackdown from Beijing that discouraged open experiments.")
            if not q.startswith(history[0]) and not alone_answered:  # any question asked alone
                return Answer(q, "The corpus does not say.", True, (), confidence=0.05, question_used=q)
            return replace(cited(q, "The crackdown discouraged experiments with chatbots."), confidence=together_confidence)
        return ask, asked

    ask, asked = asking(alone_answered=False)
    got = answer_in_context(question, history, _Index(), ask)
    assert (got.question_used, got.context_turn) == (together, 0) and not got.abstained
    # Answered on its own, it stands on its own; read together without confidence, it abstains as alone.
    ask, asked = asking(alone_answered=True)
    got = answer_in_context(question, history, _Index(), ask)
    assert (got.question_used, got.context_turn, got.abstained) == (question, None, False) and together not in asked
    ask, asked = asking(alone_answered=False, together_confidence=0.3)
    got = answer_in_context(question, history, _Index(), ask)
    assert got.abstained and got.question_used == question
    # A description of something the last turn never spoke of, or "now that its ...", is no reference.
    for other in ("What kind of activity did the regulation put a damper on?",
                  "How many countries can use Kling now that its open worldwide?"):
        ask, asked = asking(alone_answered=False)
        got = answer_in_context(other, history, _Index(), ask)
        assert got is None or (got.question_used, got.context_turn) == (other, None)
        assert not any(q.endswith(other) and q != other for q in asked)
    # A question answered on its own never has the earlier turn answered.
    ask, asked = asking(alone_answered=True)
    answer_in_context(question, history, _Index(), ask)
    assert asked == [question]


def test_a_question_for_a_place_answers_with_the_name_the_sentence_puts_after_in():
    a = cited("Which country did the AI boom begin in?",
              "The AI boom began in the United States with the release of ChatGPT in late 2022.")
    assert answer_mention(a.question, a, 0, COMMON)[0] == Mention("United States", False, 0)
    earlier = make_turn(0, a, COMMON)
    assert read("Is it still ahead in research?", earlier)[0].question == "Is United States still ahead in research?"


def test_one_thing_of_a_question_that_asked_for_several_is_asked_back_not_read_together():
    history = ["Which two Chinese companies does the article name as prominent firms?"]
    together = f"{history[0]} What else does the piece say about that company?"

    def ask(q, earlier):
        if q == history[0]:  # the answer names no company the rules can take
            return cited(q, "Prominent firms emerged despite authoritarian controls.")
        return replace(cited(q, "The firms emerged despite controls."), confidence=0.9)
    got = answer_in_context("What else does the piece say about that company?", history, _Index(), ask)
    assert got.abstained and got.question_used != together and got.reason.startswith("It is not clear")
    # One thing of a question about one thing is still read with it when the reader is sure.
    history = ["Which Chinese company does the article name as a prominent firm?"]
    got = answer_in_context("What else does the piece say about that company?", history, _Index(), ask)
    assert not got.abstained and got.context_turn == 0


# --- "that article": the document the conversation spoke of ---------------------------------------

ICARO, GLOBAL, SHORT = "001_dc3372c3a139c97d", "000_aa6b97cd1c7a8afa", "002_b678760983a1a762"


def _in(doc_id, question, abstained=False):
    """An earlier turn's answer, cited from ``doc_id`` (or an abstention)."""
    if abstained:
        return Answer(question, "The corpus does not say.", True, (), question_used=question)
    c = Citation(doc_id, "t", 0, 5, "Qu Do", 1.0, "answer")
    return Answer(question, "Qu Do", False, (c,), question_used=question)


def _scoped_asking():
    """A fake ``ask`` that records each question with the documents it was confined to."""
    asked = []

    def ask(q, earlier, scope=None):
        asked.append((q, scope))
        return replace(cited(q, "Kuaishou, a Chinese internet company, made Kling."), confidence=0.9)
    return ask, asked


@pytest.fixture(scope="module")
def news_index(hash_index, hash_embedder):
    from qa.index.cache import get_index

    return get_index(hash_index, hash_embedder.name)


def test_that_article_is_the_document_the_latest_turn_was_answered_from(news_index):
    ask, asked = _scoped_asking()
    history = [_in(ICARO, "Which rules must Kling follow at the conference?")]
    got = answer_in_context("What does that article say about Sora?", history, news_index, ask)
    assert asked == [("What does that article say about Sora?", frozenset({ICARO}))]
    assert got.question_used == "What does the ICARO Media Group article say about Sora?"
    assert got.context_turn == 0 and got.reason.startswith("Understood as: What does the ICARO Media Group")
    # "the same piece", "this post": any word for a document; "the newsletter" in a question
    # that points back otherwise too ("those rules"). Alone, it is the corpus's newsletter.
    for question in ("Per the same piece, who is Qu Dongqi?", "What does this post say about Sora?",
                     "What does the newsletter say those rules are for?"):
        ask, asked = _scoped_asking()
        answer_in_context(question, history, news_index, ask)
        assert asked[-1][1] == frozenset({ICARO}), question
    for question in ("Which frameworks does the newsletter recommend?", "What does the text-to-video tool do?",
                     "What is open source, as the articles explain it?"):
        ask, asked = _scoped_asking()
        got = answer_in_context(question, history, news_index, ask)
        assert all(scope is None for _, scope in asked), question
        assert got is None or "ICARO" not in got.question_used, question


def test_a_document_without_an_outlet_is_named_by_its_title(news_index):
    ask, asked = _scoped_asking()
    got = answer_in_context("When was that report published?", [_in(SHORT, "Who made Kling?")], news_index, ask)
    assert asked[-1][1] == frozenset({SHORT})
    assert "the report “In recent weeks, Chinese technology companies have unveiled…”" in got.question_used


def test_an_unanswered_turn_gives_the_document_its_question_named(news_index):
    ask, asked = _scoped_asking()
    history = [_in(None, "Per the Global Times, what is Kling's frame rate?", abstained=True)]
    answer_in_context("What else does that article say about Kling?", history, news_index, ask)
    assert asked[-1][1] == frozenset({GLOBAL})
    # One that named no document gives none.
    ask, asked = _scoped_asking()
    history = [_in(None, "What is Kling's frame rate?", abstained=True)]
    answer_in_context("What else does that article say about Kling?", history, news_index, ask)
    assert asked and all(scope is None for _, scope in asked)


def test_a_question_naming_its_own_document_or_none_is_not_confined(news_index):
    history = [_in(ICARO, "Who showed a Kling video at the conference?")]
    for question in ("Per the Global Times, what does the article say about Sora?", "What did OpenAI release?"):
        ask, asked = _scoped_asking()
        answer_in_context(question, history, news_index, ask)
        assert all(scope is None for _, scope in asked)


def test_documents_confines_an_answer_and_unknown_ids_are_refused(ask, hash_index, hash_embedder):
    free = ask("What did Kuaishou release?")
    assert {c.doc_id for c in free.passages} != {ICARO}
    confined = answer("What did Kuaishou release?", index_dir=hash_index, embedder=hash_embedder,
                      documents=[ICARO])
    assert confined.passages and {c.doc_id for c in confined.passages + confined.citations} == {ICARO}
    for bad in (["no-such-document"], ICARO, [3]):
        with pytest.raises(QuestionError, match="document"):
            answer("What did Kuaishou release?", index_dir=hash_index, embedder=hash_embedder, documents=bad)


@pytest.mark.parametrize("question, person, head", [
    ("In the ICARO piece, who presented a Kling-made video?", True, ""),
    ("In the Global Times version, which startup founder played the video?", True, "founder"),
    ("Per Future Forward, which company released Kling?", False, "company"),
    ("Which company released Kling, per Future Forward?", False, "company"),
])
def test_a_phrase_set_before_the_question_word_does_not_hide_what_it_asks(question, person, head):
    from qa.reader.asking import asks_for_person, wh_head

    assert asks_for_person(question) is person and wh_head(question)[1] == head


def test_and_a_quoted_title_is_the_previous_question_about_that_title():
    earlier = turn("Which outlet published 'Chinese Tech Companies Accelerate A.I. Development'?")
    for question in ("And the piece titled 'China's AI Revolution: Closing the Gap'?",
                     "What about 'China's AI Revolution: Closing the Gap'?"):
        assert read(question, earlier)[0].question == "Which outlet published 'China's AI Revolution: Closing the Gap'?"
        assert read(question, earlier)[0].turn == 0
    # A question of its own about the title, or an earlier question quoting none, is left alone.
    assert read("Who wrote 'China's AI Revolution: Closing the Gap'?", earlier)[0].turn is None
    assert read("And the piece titled 'China's AI Revolution'?", turn("Which outlet ran it?"))[0].question != \
        "Which outlet ran 'China's AI Revolution'?"


@pytest.mark.parametrize("question, expected", [
    ("When was that?", "When did 01.AI top a ranking of open-source AI systems?"),
    ("And where did this happen?", "Where did 01.AI top a ranking of open-source AI systems?"),
])
def test_when_was_that_asks_the_question_word_of_what_the_previous_turn_told(question, expected):
    earlier = turn("Did 01.AI top a ranking of open-source AI systems?", names=[("01.AI", False)])
    got = read(question, earlier)[0]
    assert (got.question, got.turn) == (expected, 0)
    # "that" with more to say is a reference, as before.
    assert read("When was that company founded?", earlier)[0].question == "When was 01.AI founded?"



@pytest.mark.parametrize("question, earlier, names, expected", [
    # A possessive swaps the name whose thing was asked about, which keeps its own "’s".
    ("And Andrew Ng's?", "What was Wang Changhu's previous job?", [("Wang Changhu", True)],
     "What was Andrew Ng's previous job?"),
    ("And Clément Delangue's?", "What is Nick Clegg's role at Meta?", [("Nick Clegg", True), ("Meta", False)],
     "What is Clément Delangue's role at Meta?"),
    ("And Robin Li's?", "What did Andrew Ng say about Nick Clegg's plan?", [("Andrew Ng", True), ("Nick Clegg", True)],
     "What did Andrew Ng say about Robin Li's plan?"),
    # "the X one" is X.
    ("And the Future Forward one?", "What is the ICARO Media Group article's headline?",
     [("ICARO Media Group", False)], "What is the Future Forward article's headline?"),
])
def test_what_about_a_possessive_or_the_x_one_swaps_the_name_alone(question, earlier, names, expected):
    assert read(question, turn(earlier, names=names))[0].question == expected


@pytest.mark.parametrize("question, expected", [
    ("And Baidu's Robin Li, why is he cautious?", "Why is Baidu's Robin Li cautious?"),
    ("what about PixVerse - what does it make videos from?", "What does PixVerse make videos from?"),
    ("And Andrew Ng, what was his earlier role?", "What was Andrew Ng’s earlier role?"),
])
def test_a_name_set_before_the_question_is_what_its_pronoun_stands_for(question, expected):
    got = read(question, turn("Which company made Kling?", "Kuaishou"))[0]
    assert (got.question, got.turn) == (expected, 0)
    # An opening phrase gives its pronoun nothing of the kind: it is read as before.
    assert read("In his email, what did he say?", turn("Who founded 01.AI?", "Kai-Fu Lee", person=True))[0].question \
        == "In Kai-Fu Lee’s email, what did he say?"
