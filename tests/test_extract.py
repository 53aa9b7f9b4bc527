import pytest
from conftest import make_corpus

from qa import answer
from qa.config import ExtractConfig, Settings
from qa.index.build import build_index
from qa.reader.context import continues_quote, needs_context
from qa.reader.highlight import answer_span, value_spans
from qa.reader.kinds import (
    asked_role,
    counted_action,
    counted_words,
    expected_type,
    value_kind,
)
from qa.reader.names import asked_names, unmentioned, without_document_references
from qa.reader.scoring import coverage, term_weights
from qa.reader.states import states_role, states_value
from qa.reader.values import values_disagree


def test_rare_question_terms_weigh_more_and_unknown_terms_weigh_most():
    w = term_weights(["china", "kling", "zzz"], {"china": 40, "kling": 3}, n_docs=50)
    assert w["zzz"] > w["kling"] > w["china"]
    assert coverage(w, {"kling", "china"}) == pytest.approx((w["kling"] + w["china"]) / sum(w.values()))
    assert coverage({}, {"x"}) == 0.0


def test_sentences_that_lean_on_the_previous_one_are_detected():
    assert needs_context("It can produce two-minute videos.")
    assert needs_context("The company said so.")
    assert needs_context("In November, the startup launched PixVerse.")  # after a phrase of time
    assert needs_context("The Chinese company 01.AI had only been around for eight months.")
    assert not needs_context("Kuaishou built Kling.")
    assert not needs_context("In November, Kuaishou launched Kling.")


@pytest.mark.parametrize("question, sentence, expected", [
    ("Who founded 01.AI?", "The company was founded by a well-known investor, Kai-Fu Lee.", "Kai-Fu Lee"),
    ("When did OpenAI launch ChatGPT?", "OpenAI launched ChatGPT in November 2022, to wide acclaim.", "November 2022"),
    ("How much was the startup valued at?", "It was around for eight months and had a valuation of US$1 billion.", "US$1 billion"),
    ("What was 01.AI valued at?", "It was around for eight months and had a valuation of US$1 billion.", "US$1 billion"),
    ("Which company made Kling?", "Kling is a video generator created by the Chinese internet company Kuaishou.", "Kuaishou"),
    # "Who ...?": the agent a passive names, though another name stands nearer the question's words.
    ("Who makes Kling?", "China's AI prowess shows in Kling, a video generator created by the Chinese internet "
     "company Kuaishou.", "Kuaishou"),
    # A year before 1900 is a date too, and so are a century, a time of day and a day of the week.
    ("In what year was Fort Coligny destroyed?", "Fort Coligny was destroyed in 1560 by the Portuguese.", "1560"),
    ("When were the French wars of religion?", "The wars of religion tore France apart in the 16th century.",
     "16th century"),
    ("At what time did Luther die?", "Luther died at 2:45 a.m. in Eisleben.", "2:45 a.m"),
    ("On what day was Opening Night held?", "Opening Night was held on Monday at the arena.", "Monday"),
    ("year chatgpt came out", "In 2022, OpenAI released ChatGPT, setting off an AI boom.", "2022"),  # keywords
    # A name made mostly of the question's words is what it asks about, not the answer ...
    ("What city is tied with Miami for hosting the Super Bowl?",
     "New Orleans has hosted ten games, as many as Miami; the last was Super Bowl XLIV.", "New Orleans"),
    # ... unless those words are the class it asks for.
    ("Which media group published the article?", "Published by ICARO Media Group in July.", "ICARO Media Group"),
    ("Which university employs Oren Etzioni?", "Oren Etzioni, a professor at the University of Washington, said so.",
     "University of Washington"),
    # The value right after the class the question asks for ("firm Page One Ventures").
    ("At which venture capital firm does the investor work?",
     "“Firms are under pressure,” said Chris Nicholson, an investor at venture capital firm Page One Ventures.",
     "Page One Ventures"),
    # A count may be a number word alone; a year is seldom a count; the counted noun marks it.
    ("How many fumbles did Von Miller force?", "Von Miller forced two fumbles in the game.", "two"),
    ("How many seasons did the show last?", "The show premiered in 1994 and ran for twelve seasons.", "twelve"),
    ("How many hymns did Luther write?", "The 1524 hymnal had 8 songs by others and 4 hymns by Luther.", "4"),
    # A possessive names two things: the owner and what it owns.
    ("Which OpenAI product is Kling likened to?", "Kling resembles OpenAI’s Sora, a video generator.", "Sora"),
])
def test_answer_span_finds_the_value_the_question_asks_for(question, sentence, expected):
    span = answer_span(question, sentence)
    assert span and sentence[span[0]:span[1]] == expected


def test_numbers_and_dates_are_not_names():
    from qa.reader.highlight import value_spans

    s = "The Carolina Panthers 24 lost a 1-yard run in 1538 and on 30 November 1963 to 01.AI."
    assert [s[a:b] for a, b in value_spans(s, "name")] == ["Carolina Panthers", "01.AI"]


@pytest.mark.parametrize("sentence, names", [
    # A closed-class word is capitalised because it opens the sentence, a quotation or a clause.
    ("Within just six months, 01.AI unveiled a new version.", ["01.AI"]),
    ("“It’s simply not possible,” said Andrew Ng.", ["Andrew Ng"]),
    ("Lee said: Among the firms, Baidu won.", ["Lee", "Baidu"]),
    # Inside a sentence the same word starts a title; a name may open a sentence.
    ("The film Inside Out won.", ["Inside Out"]),
    ("Kuaishou said so.", ["Kuaishou"]),
    # An acronym in brackets after the words it abbreviates names nothing new; alone it does.
    ("It used artificial intelligence (AI) from Kuaishou.", ["Kuaishou"]),
    ("The Command Module (CM) was the cabin.", ["Command Module"]),
    ("He joined the (NFL) in 2010.", ["NFL"]),
])
def test_a_word_capitalised_only_because_it_opens_a_sentence_is_no_name(sentence, names):
    assert [sentence[a:b] for a, b in value_spans(sentence, "name")] == names
    if "six months" in sentence:
        assert answer_span("What is the name of the ranking 01.AI topped?", sentence) is None


@pytest.mark.parametrize("sentence, names", [
    # A name joined by a hyphen to a lower-case word is an adjective: the name is what comes before.
    ("Lawmakers limit U.S.-built A.I. software and Chinese-developed models.", ["Lawmakers", "U.S", "A.I"]),
    ("The Beijing-based startup AIsphere", ["Beijing", "AIsphere"]),
    # A capital after the hyphen, or a digit, keeps the name whole.
    ("Yi-Large beat GPT-4o, said Kai-Fu Lee.", ["Yi-Large", "GPT-4o", "Kai-Fu Lee"]),
])
def test_a_name_made_into_an_adjective_by_a_hyphen_is_cut_there(sentence, names):
    assert [sentence[a:b] for a, b in value_spans(sentence, "name")] == names


@pytest.mark.parametrize("sentence, states", [
    ("The government promised billions to researchers and companies.", True),  # a sum without currency
    ("The startup raised 40 million from investors.", True),
    ("It raised US$40 million.", True),
    ("The app has billions of users.", False),  # billions of something else
    ("The government promised support to researchers.", False),
])
def test_a_sum_of_money_may_go_without_its_currency(sentence, states):
    assert states_value("money", sentence, "How much money did the government promise?") is states


@pytest.mark.parametrize("sentence, describes", [
    ("“It is not possible,” said Andrew Ng, a professor of computer science at Stanford University.", True),
    ("In an emailed statement, Ng, a former Baidu executive, said so.", True),  # the surname
    ("01.AI was co-founded by tech industry veteran Andrew Ng.", True),  # a noun for a person before it
    ("Andrew Ng is a professor at Stanford.", True),
    ("Andrew Ng said chatbots are hard to control.", False),
    ("Chatbots are hard to control.", False),
])
def test_a_sentence_describes_a_person_by_an_apposition_or_a_noun_before_the_name(sentence, describes):
    assert states_value("description", sentence, "What was andrew ng's previous job?") is describes


def test_an_abbreviation_with_periods_is_the_question_s_own_name():
    # "U.S." is the question's "US" and "A.I." its "AI": neither is a name the question lacks.
    q = "What is the name of the bill US lawmakers drafted to control exports of AI software?"
    assert not states_value("name", "Lawmakers introduced bills on the export of U.S.-built A.I. software.", q)
    assert states_value("name", "Lawmakers introduced the CHIPS Act on U.S. software.", q)
    sentence = "Chips come from the U.S. company Nvidia."
    span = answer_span("Which US company makes the chips?", sentence)
    assert span and sentence[span[0]:span[1]] == "Nvidia"


def test_a_name_of_the_question_s_own_words_in_another_form_is_not_the_answer():
    q = "Who was the MVP of Super Bowl XLI?"
    s = "Bart Starr was MVP of Super Bowls I and II."
    span = answer_span(q, s)
    assert span and s[span[0]:span[1]] == "Bart Starr"


def test_an_apposition_describes_the_name_before_it():
    from qa.reader.highlight import _APPOSITION

    assert _APPOSITION.fullmatch(", a Chinese internet ")  # "Kuaishou, a Chinese internet company"
    assert _APPOSITION.fullmatch(", the ")  # "Baidu, the company"
    assert not _APPOSITION.fullmatch(", an investor at venture capital ")  # describes someone else
    assert not _APPOSITION.fullmatch(" and a ")


def test_no_highlight_for_questions_without_an_expected_type():
    assert expected_type("Why is open source important?") is None
    assert answer_span("Why is open source important?", "Because it is free.") is None


def test_value_disagreement():
    assert values_disagree("It was founded in 2019.", "It was founded in 2021.", "date")
    assert not values_disagree("Valued at $1 billion.", "A valuation of US$1 billion.", "number")
    assert not values_disagree("No number here.", "Founded in 2021.", "date")
    # Dates are compared by year; relative ones cannot be told to differ.
    assert not values_disagree("ChatGPT came out in late 2022.", "It launched in November 2022.", "date")
    assert not values_disagree("It was founded last year.", "It launched this year.", "date")
    # A number inside a name ("01.AI", "GPT-4o") is no value of it.
    assert values_disagree("Within just six months, 01.AI unveiled a model.",
                           "01.AI had only been around for eight months.", "number")
    text = "GPT-4o and 01.AI raised US$1 billion"
    assert [text[s:e] for s, e in value_spans(text, "number")] == ["US$1 billion"]


def test_sources_that_agree_are_all_cited_and_disagreement_is_shown(tmp_path, hash_embedder):
    corpus = make_corpus(tmp_path / "c", {
        "a.txt": "Acme Robotics news report\nAcme Robotics was founded in 2019 by Jane Smith in Berlin. It makes robot arms.",
        "b.txt": "Robot makers of Europe\nAcme Robotics was founded in 2021 by Jane Smith in Berlin. Its arms are cheap.",
        "c.txt": "Unrelated gardening notes\nTomatoes need sun and water every day to grow well.",
    })
    build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    result = answer("When was Acme Robotics founded?", index_dir=tmp_path / "i", embedder=hash_embedder)
    assert not result.abstained
    assert {c.doc_id for c in result.citations} == {"a", "b"}
    assert result.disagreement
    roles = {c.doc_id: c.role for c in result.citations}
    assert sorted(roles.values()) == ["answer", "disagreement"]
    for c in result.citations:
        text = (corpus / f"{c.doc_id}.txt").read_text()
        assert text[c.start:c.end] == c.quote
        assert c.highlight and text[c.highlight[0]:c.highlight[1]] in ("2019", "2021")


def test_questions_about_names_the_corpus_never_uses_abstain(hash_index, hash_embedder):
    from qa.reader.names import unknown_names

    vocab = {"kling", "kuaishou", "openai", "sora", "01", "ai"}
    assert unknown_names("Which models has Tencent released?", vocab) == ["Tencent"]
    assert unknown_names("What did DeepSeek release?", vocab) == ["DeepSeek"]
    assert unknown_names("What did Kuaishou's Kling and 01.AI release?", vocab) == []
    assert unknown_names("DeepSeek: what did it release?", vocab) == ["DeepSeek"]
    assert unknown_names("Describe Kling's videos", vocab) == []  # ordinary first word
    assert unknown_names("When did Zhipu release GLM-4?", vocab) == ["Zhipu", "GLM-4"]
    # A month or a weekday names a time ("the February piece": a document's date), not a thing.
    assert unknown_names("Per the February piece, what did Kling do on Monday?", vocab) == []
    # Another form of a name the corpus uses is not unknown: "America" where it says "American".
    peoples = {"american", "chines", "japanes", "deep", "ai"}
    assert unknown_names("Which firms are catching up with America in AI?", peoples) == []
    assert unknown_names("How do China and Japan compare?", peoples) == []
    assert unknown_names("What did DeepSeek release?", peoples) == ["DeepSeek"]  # "deep" is not it
    result = answer("Which video generator has Tencent released to compete with Kling?",
                    index_dir=hash_index, embedder=hash_embedder)
    assert result.abstained and "Tencent" in result.reason
    assert result.alternatives  # the closest sentences are still shown as such
    assert "did you mean" not in result.reason  # nothing in the corpus is spelt like "Tencent"
    # A misspelt name still abstains, but the reason offers the corpus's spelling.
    result = answer("Which video generator did Kuaishu release?", index_dir=hash_index,
                    embedder=hash_embedder)
    assert result.abstained
    assert "never mentions 'Kuaishu' (did you mean 'Kuaishou'?)" in result.reason
    assert result.did_you_mean == "Which video generator did Kuaishou release?"
    assert answer("Which video generator has Tencent released?", index_dir=hash_index,
                  embedder=hash_embedder).did_you_mean == ""  # nothing to offer


def test_an_acronym_the_passages_write_out_is_mentioned_and_read_in_full():
    from qa.reader.names import expand_acronyms, spelled_out, unknown_names

    read = ["It was reported by the New York Times in July.",
            "At the World Artificial Intelligence Conference in Shanghai, Kling was shown."]
    assert spelled_out("NYT", read) == "New York Times"
    assert spelled_out("WAIC", read) == "World Artificial Intelligence Conference"
    assert spelled_out("IBM", read) is None
    vocab = {"report", "new", "york", "time", "kling", "shanghai", "ai"}
    assert unknown_names("What did the NYT say about Kling?", vocab, read) == []
    assert unknown_names("What did the NYT say about Kling?", vocab) == ["NYT"]  # nothing read spells it
    assert unknown_names("What did IBM say about Kling?", vocab, read) == ["IBM"]
    assert (expand_acronyms("Where was WAIC held?", vocab, read)
            == "Where was World Artificial Intelligence Conference held?")
    assert expand_acronyms("Where is AI used?", vocab, read) == "Where is AI used?"  # a corpus term
    # Written out in lower case, as many content words as letters.
    assert spelled_out("VC", ["an investor at venture capital firm Page One Ventures"]) == "venture capital"
    assert spelled_out("VC", ["it was very cheap"]) is None  # "very" is a function word
    # The word after a colon opens a sentence: "Name" is no name there.
    assert unknown_names("Quiz: Name one AI model Kling competes with.", vocab | {"one", "model"}) == []
    assert unknown_names("Quiz: What did IBM say?", vocab) == ["IBM"]


def test_what_a_question_quotes_is_not_its_answer():
    from qa.reader.metadata_answers import quoted_by

    q = "In the article 'Otters are back in the river valley', how many otters were counted?"
    assert quoted_by(q, "Otters are back in the river valley")  # the title line itself
    assert quoted_by(q, "Otters are back in the river valley – 04/11/2024 – Nature")  # a heading
    # A sentence that only starts with the quoted words may well answer: "Who said ...?"
    q = "Who said 'Open source AI is the foundation of AI development'?"
    assert not quoted_by(q, "Open source AI is the foundation of AI development, said Clement Delangue.")
    assert not quoted_by("How many otters were counted?", "Otters are back in the river valley")


def test_values_with_qualifiers_agree():
    assert not values_disagree("In 2022, OpenAI released ChatGPT.", "It began with ChatGPT in late 2022.", "date")


def test_headings_are_told_from_statements():
    from qa.reader.context import is_heading

    assert is_heading("Practical Tips: Maximizing Open-Source AI for Your Business:")
    assert is_heading("The Rise of Chinese AI Models")
    assert not is_heading("Kling can produce two-minute videos.")
    assert not is_heading("“This gives us a significant advantage.”")
    # One notion of "closes like a sentence" with cleaning: any script, closers after the stop.
    assert not is_heading("快手发布了可灵视频生成模型。")
    assert not is_heading("He said 'we are open.'")
    # A headline is short; a long line of prose that lacks its full stop is a sentence.
    assert is_heading("US media: China is more willing to share AI technology than the United States")
    assert not is_heading("July 24th article in the New York Times, titled: China is narrowing the gap with the "
                          "United States in the field of artificial intelligence")


@pytest.mark.parametrize("question, kind", [
    ("Which Chinese internet firm supplied the AI?", "name"),
    ("Which Baidu executive favors a restricted rollout?", "name"),
    ("What video generator did OpenAI launch?", "name"),  # a product: "Sora"
    ("What kind of company is Baidu described as?", None),
    ("What does Kling produce for touchy subjects?", None),
])
def test_which_with_a_named_noun_a_few_words_later_expects_a_name(question, kind):
    assert expected_type(question) == kind


@pytest.mark.parametrize("question, kind", [
    ("When did 01.AI reach the top of the ranking?", "date"),
    ("Since when has Kling been available?", "date"),
    ("Who founded it, and when was it launched?", "date"),
    # "when" inside a clause is a conjunction: the question asks for something else.
    ("What does Kling produce when a user asks about touchy subjects?", None),
    ("How old was 01.AI when it climbed to the top?", "number"),
    # An opening "When ..., " clause before the question word.
    ("When John Fox left, who replaced him?", "name"),
    ("When violence is used, what is civil disobedience called?", None),
])
def test_when_asks_for_a_date_only_as_a_question_word(question, kind):
    assert expected_type(question) == kind


def test_a_month_on_its_own_is_a_date_but_the_verbs_may_and_march_are_not():
    sentence = "In November, a year after ChatGPT, the startup may march to the top."
    assert [sentence[s:e] for s, e in value_spans(sentence, "date")] == ["November"]
    span = answer_span("When did the startup reach the top?", sentence)
    assert span and sentence[span[0]:span[1]] == "November"


def test_an_adjective_of_nationality_is_not_a_name():
    sentence = "The video was made with technology from Kuaishou, a Chinese internet company."
    assert [sentence[s:e] for s, e in value_spans(sentence, "name")] == ["Kuaishou"]
    # Nothing in the sentence names a company the question does not already name.
    assert answer_span("What is the name of the video generator made by Kuaishou?", sentence) is None
    # A multi-word name that starts with one is still a name.
    other = "He studied at the Chinese Academy of Sciences."
    assert [other[s:e] for s, e in value_spans(other, "name")] == ["Chinese Academy of Sciences"]


@pytest.mark.parametrize("sentence, following, expected", [
    ("Kling's capabilities are truly impressive.", "It can produce two-minute videos at 1080p.", True),
    ("The implications are immense.", "These technologies could raise productivity.", True),
    # A long sentence says enough on its own; a next sentence about something else is not read.
    ("Kling, launched by Kuaishou in June, can produce two-minute videos at 1080p resolution and "
     "30 frames per second.", "It is already open to the public.", False),
    ("Kling's capabilities are truly impressive.", "OpenAI launched Sora in February.", False),
])
def test_a_short_lead_is_read_with_the_sentence_that_goes_on_about_its_subject(sentence, following, expected):
    from qa.reader.context import introduces

    assert introduces(sentence, following) is expected


def sentence_features(tmp_path, embedder, text: str, question: str) -> dict[str, dict[str, float]]:
    """Index ``text`` as one document; each sentence's reader features for ``question``, by the
    sentence's first six characters."""
    from qa.answer import retrieve_passages
    from qa.index.cache import get_index
    from qa.reader.extract import read_candidates
    from qa.reader.features import FEATURES

    build_index(make_corpus(tmp_path / "c", {"doc.txt": text}), tmp_path / "i", embedder=embedder)
    index = get_index(tmp_path / "i", embedder.name)
    qv = embedder.encode([question])[0]
    hits, asked, _ = retrieve_passages(question, 2, index, embedder, "hybrid", qv)
    _, cset = read_candidates(asked, qv, hits, index, full_question=question)
    return {text[c.start:c.start + 6]: dict(zip(FEATURES, map(float, row)))
            for c, row in zip(cset.candidates, cset.features)}


def test_a_quotation_is_scored_with_the_sentence_that_names_its_speaker(tmp_path, hash_embedder):
    text = ("Firms are under pressure, said Chris Nicholson, an investor at Page One Ventures. "
            "The launch of ChatGPT was “yet another Sputnik moment that China felt it needed to answer.”\n")
    question = "What comparison did the Page One Ventures investor use for the launch of ChatGPT?"
    quote = sentence_features(tmp_path, hash_embedder, text, question)["The la"]
    # "Page One Ventures investor" is found in the speaker's sentence, read with the quotation.
    assert quote["leans_back"] == 1.0
    assert quote["coverage_context"] > quote["coverage"] + 0.2


def test_a_sentence_read_with_its_antecedent_is_no_echo(tmp_path, hash_embedder):
    """The answer is in the sentence before ("These were the main determinants..."): the pair is
    read together, so the second sentence brings the first one's new terms."""
    text = ("Lee said the startup relied on its own data and algorithms. "
            "These were the main determinants of the excellent performance of the model, Lee said.\n")
    question = "According to Lee, what mainly determined the excellent performance of the model?"
    second = sentence_features(tmp_path, hash_embedder, text, question)["These "]
    assert second["leans_back"] == 1.0 and second["novelty"] > 0.4


def test_a_sentence_that_adds_a_number_to_the_questions_words_is_no_echo(tmp_path, hash_embedder):
    """"Within just six months, 01.AI unveiled a new version ..." repeats most of "How quickly did
    01.AI unveil a new version ...?", but "six months" is the answer; a sentence that repeats it
    with nothing new adds no value."""
    text = ("Within just six months, the startup unveiled a new version near the top of global rankings. "
            "Observers say the startup unveiled a new version near the top of global rankings.\n")
    question = "How quickly did the startup unveil a new version near the top of global rankings?"
    feats = sentence_features(tmp_path, hash_embedder, text, question)
    assert feats["Within"]["new_value"] == 1.0 and feats["Observ"]["new_value"] == 0.0


@pytest.mark.parametrize("sentence, following, expected", [
    ("“We build our models from scratch,” Wang said.", "“This gives us an edge as true pioneers.”", True),
    ('"We have a better solution here," said Mr. Qu.', '"It is already available."', True),
    # No quotation attributed, or the next sentence is not a quotation leaning on it.
    ("Wang said the company builds its own models.", "“This gives us an edge.”", False),
    ("“We build our models from scratch,” Wang said.", "The company was founded in 2023.", False),
    ("“We build our models from scratch,” Wang said.", "“Kling is fast,” Qu said.", False),
    # Reported speech that goes on: the next sentence is the same speaker's ("She estimated ...").
    ("Jenny Xiao, a partner at Leonis Capital, said the models are not very good.",
     "She estimated that China was two to three years behind.", True),
    ("“We build our models from scratch,” Wang said.", "He added that the firm is profitable.", True),
    ("The company released a model last year.", "She estimated that it cost a lot.", False),
    ("Lee said the model is good.", "The firm was founded in 2023.", False),
])
def test_a_quotation_that_goes_on_in_the_next_sentence_is_detected(sentence, following, expected):
    assert continues_quote(sentence, following) is expected


@pytest.mark.parametrize("sentence, previous, expected", [
    ("The launch of ChatGPT was “yet another Sputnik moment that China felt it needed to answer.”",
     "“Firms are under pressure,” said Chris Nicholson, an investor at Page One Ventures.", True),
    # The sentence says who speaks, or the one before names no speaker, or nothing long is quoted.
    ("“It was another Sputnik moment for the whole country,” Nicholson said.",
     "“Firms are under pressure,” said Chris Nicholson.", False),
    ("The launch was “yet another Sputnik moment that China felt it needed to answer.”",
     "ChatGPT was launched in 2022.", False),
    ("The models were “not very good”.", "Jenny Xiao said Chinese firms rely on Western models.", False),
])
def test_a_quotation_whose_speaker_is_named_in_the_sentence_before(sentence, previous, expected):
    from qa.reader.context import quotes_speaker_before

    assert quotes_speaker_before(sentence, previous) is expected


@pytest.mark.parametrize("text, question, starts, ends", [
    # The attributed sentence answers best, but what the speaker said goes on in the next one.
    ("Wang founded AIsphere in Beijing last year. "
     "“We move forward, building our models from scratch,” Wang said. "
     "“This gives us a significant advantage as true pioneers in video generation.”\n"
     "The company launched PixVerse in November.\n",
     "What did Wang say about building models from scratch?", "“We move forward", "in video generation.”"),
    # The quoted sentence answers best but names no speaker; the one before does.
    ("Chinese firms are under pressure to keep up, said Chris Nicholson, an investor at the "
     "venture firm Page One Ventures. "
     "The launch of ChatGPT was “yet another Sputnik moment that China felt it needed to "
     "respond to.”\nThe company launched PixVerse in November.\n",
     "Who called the launch of ChatGPT yet another Sputnik moment?", "Chinese firms are under pressure",
     "respond to.”"),
    # A short lead answers best; the sentence after it says what it leads to.
    ("Kling's capabilities are truly impressive. It can produce two-minute videos at 1080p "
     "resolution and 30 frames per second.\nOpenAI launched Sora in February.\n",
     "How impressive are Kling's capabilities?", "Kling's capabilities", "30 frames per second."),
], ids=["quotation-goes-on", "speaker-before", "short-lead"])
def test_the_citation_covers_the_sentences_the_answer_needs(tmp_path, hash_embedder, text, question,
                                                            starts, ends):
    """The speaker and all their words, or a short lead and what it leads to: still verbatim."""
    from qa.answer import answer

    corpus = make_corpus(tmp_path / "c", {"speech.txt": text})
    build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    result = answer(question, index_dir=tmp_path / "i", embedder=hash_embedder, threshold=-1.0)
    cited = result.citations[0]
    assert cited.quote.startswith(starts) and cited.quote.endswith(ends)
    assert text[cited.start:cited.end] == cited.quote


@pytest.mark.parametrize("question, words", [
    ("How many employees does 01.AI have?", ("employees",)),
    ("How many visitors attended the conference?", ("visitors", "attended")),
    ("Experts from how many Chinese tech companies said so?", ("Chinese", "tech", "companies")),
    ("How many frames per second does Kling output?", ("frames",)),
    # A bare quantity names nothing to look for.
    ("How much money did Hugging Face raise?", ()),
    ("How many times did it win?", ()),
    ("How many people attended the fair?", ()),  # a general noun, for "4,000 visitors"
    ("How much older was Manning than Newton?", ()),  # a difference, not a thing
    ("How much does Kling cost?", ()),
    ("Who founded 01.AI?", ()),
])
def test_what_a_how_many_question_counts(question, words):
    assert counted_words(question) == words


def indexed(tmp_path, embedder, files: dict[str, str]):
    """A corpus of ``files`` indexed with ``embedder``, and a function that asks it with abstention
    by threshold switched off (so that only the rule under test abstains)."""
    corpus = make_corpus(tmp_path / "c", files)
    build_index(corpus, tmp_path / "i", embedder=embedder)
    return corpus, lambda q, threshold=-1.0: answer(q, index_dir=tmp_path / "i", embedder=embedder,
                                                    threshold=threshold)


def test_a_count_of_something_no_passage_mentions_is_not_in_the_corpus(tmp_path, hash_embedder):
    corpus, ask = indexed(tmp_path, hash_embedder, {"acme.txt": (
        "Acme Robotics builds 300 robot arms a year in Berlin. Its robot arms weld car bodies.\n")})
    # The fitted model decides whether to abstain; when it does, the reason says what was not read.
    # (The fake embedder's cosines mean nothing to it, so its threshold is set out of reach here.)
    result = ask("How many employees does Acme Robotics have?", threshold=0.9999)
    assert result.abstained and "counts 'employees'" in result.reason
    assert "counts" not in ask("How many robot arms does Acme Robotics build a year?", threshold=0.9999).reason
    # A typo is not taken for something the passages never mention.
    corpus.joinpath("staff.txt").write_text("Acme Robotics pays 40 welders in Berlin.\n", encoding="utf-8")
    build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    assert "counts" not in ask("How many wedlers does Acme Robotics pay in Berlin?", threshold=0.9999).reason
    assert "counts 'engineers'" in ask("How many engineers does Acme Robotics pay in Berlin?", threshold=0.9999).reason


@pytest.mark.parametrize("question, kind", [
    ("What was Andrew Ng's previous job?", "description"),
    ("What is Clément Delangue’s role?", "description"),
    ("What does Jenny Xiao do?", "description"),
    ("Who is Kai-Fu Lee?", "description"),
    ("Who is Baidu’s CEO?", None),  # a role's holder, not a description
    ("What did Kai-Fu Lee do after the criticism?", None),  # something done
    ("How much does a subscription to Kling cost?", "money"),
    ("What is the monthly subscription price of Kling?", "money"),
    ("How much venture funding has AIsphere raised?", "money"),
    ("what was 01.AI valued at", "money"),
    ("What is the comparison in price between A and B?", None),  # a comparison, not a sum
    ("Which is cheaper for users, Kling or PixVerse?", "money"),
    ("In what year did Nick Clegg join Meta?", "year"),
    ("year chatgpt came out", "year"),
    ("How old is Qu Dongqi?", "age"),
    ("How long had 01.AI existed when it topped the ranking?", "age"),
    ("How long has Kling been around?", "age"),
    ("How long did it take 01.AI to top the ranking?", "length of time"),
    ("What percentage of the vote did she get?", "percentage"),
    ("What's the maximum video resolution PixVerse can generate?", "measurement"),
    ("How long are the clips Kling makes?", "length of time"),
    ("On what date did OpenAI release Sora?", "day"),
    ("In which month did OpenAI release Sora?", "date"),
    ("When was Hugging Face founded?", "date"),
    # A time, or an event that places it: "after the end of the Mexican War".
    ("When was Thoreau's essay published?", "time"),
    ("When are subject committees established?", "time"),  # "at the beginning of each session"
    ("When did Andrew Ng leave Baidu?", "time"),
    ("When many people are arrested, what is a common tactic?", None),  # a condition, not a time
    ("How many people attended the conference?", "number"),
    ("Roughly how many people attended?", "number"),
    ("kling video length", "measurement"),  # a keyword query
    ("pixverse frame rate", "measurement"),
    ("kling subscription price", "money"),
    ("price war in China", None),  # what the query is about, not what it asks for
    ("Case complexities provide three likelihoods of what variable that remains the same size?", None),
    ("What material's weight gain was an early clue?", None),  # asks for a material
    ("What is Kling's resolution?", "measurement"),
    ("Since NASA didn't know how many attempts it would take, what did it use?", None),
    ("Which university did Kai-Fu Lee graduate from?", "university"),
    ("At what university's facility did the team practice?", None),
    ("Where is Hugging Face headquartered?", "headquarters"),
    ("Who founded 01.AI?", None),
    ("On what exact date did Kling open to users outside China?", "day"),
    ("In which specific year was it released?", "year"),
    ("What is the name of Baidu's chatbot?", "name"),
    ("What is Kuaishou's video-generation technology called?", "name"),
    ("Oren Etzioni founded a non-profit. What is it called?", "name"),
    ("What was the company's name?", "name"),
    ("What's the name of that Kuaishou app?", "name"),  # a contraction, as typed on a phone
    ("How long 01.AI was existing when it reach the top?", "age"),  # a learner's English
    ("What’s Kuaishou's video tool called?", "name"),
    ("Who named the company?", None),  # asks for a person, not a name given
])
def test_the_narrow_kind_of_value_a_question_asks_for(question, kind):
    assert value_kind(question) == kind


@pytest.mark.parametrize("kind, text, states", [
    ("money", "It charges US$10 a month.", True),
    ("money", "Revenue rose almost 500% between 1953 and 1958.", True),
    ("money", "Kling is available to users worldwide.", False),
    ("money", "Private schools are always more expensive than public ones.", True),
    ("year", "ChatGPT was launched in November 2022.", True),
    ("year", "The company was founded last year.", True),
    ("year", "Nick Clegg, head of global affairs at Meta, said so.", False),
    ("number", "A dinner attended by 2000 guests.", True),
    ("number", "The plague reduced the population by half.", True),
    ("measurement", "One of the most striking examples is Kling.", False),
    ("number", "On July 24th, in 2023, the conference opened.", False),  # dates are no counts
    ("age", "Qu Dongqi showed off a video this month.", False),
    ("age", "He played in the Super Bowl at age 39.", True),
    ("age", "01.AI had only been around for eight months.", True),
    ("age", "Qu Dongqi showed two videos.", False),
    ("age", "Within just six months, 01.AI unveiled a new model.", False),  # how long it took
    ("age", "Hugging Face has been in business for eight years.", True),
    ("age", "Kling was announced just over a month ago.", False),
    ("length of time", "It can produce two-minute videos.", True),
    ("length of time", "It has been published since 1979.", True),
    ("length of time", "The outcome is known in seconds.", True),
    ("length of time", "It launched this month.", False),
    ("date", "The duchy began in 911 as a fiefdom.", True),
    ("day", "The event was held on February 1, 2016.", True),
    ("day", "It takes place on a Thursday.", True),
    ("day", "A July 24th article in the New York Times.", True),
    ("day", "OpenAI unveiled Sora last week.", False),
    ("time", "The essay was published after the end of the Mexican War.", True),
    ("time", "Committees are established at the beginning of each session.", True),
    ("time", "Luther woke at 1 a.m. with chest pains.", True),
    ("time", "It may work, and critics march on.", False),  # verbs, not months
    ("time", "In recent weeks, several companies released models.", True),
    ("time", "It is not possible to control what chatbots say, said Andrew Ng, a former Baidu executive.", False),
    ("university", "He studied computer science at Columbia University.", True),
    ("university", "Kai-Fu Lee founded 01.AI.", False),
    ("headquarters", "The network is headquartered in Manhattan.", True),
    ("headquarters", "Hugging Face is an open source model library company.", False),
])
def test_what_states_a_value_of_each_kind(kind, text, states):
    assert states_value(kind, text) is states


@pytest.mark.parametrize("question, text, states", [
    # A number that measures something else is no count of what the question asks about ...
    ("How many users has Kling attracted?", "It makes two-minute videos at 1080p and 30 frames per second.", False),
    ("How many employees does Acme have?", "Acme raised $40 million in two weeks.", False),
    ("How many users has Kling attracted?", "Kling has attracted 2 million users.", True),
    ("How many people attended?", "A dinner attended by 2000 guests.", True),
    # ... unless it is what the question counts.
    ("How many frames per second can Kling make?", "It makes videos at 30 frames per second.", True),
    ("How many minutes long can a Kling video be?", "It makes two-minute videos.", True),
    ("How many years did the war last?", "The war lasted 12 years.", True),
    ("How many users does it have?", "It has 300k users.", True),
    ("How many users does it have?", "It has 5m users.", True),
    # Digits inside a name or a code count nothing.
    ("How many chips did 01.AI use?", "01.AI trained GPT-4o and Llama-3 rivals on 5G phones.", False),
    ("How many members does the team have?", "It is a 10-member team.", True),
    # So does a number word capitalised inside a name ("Page One Ventures", "Formula One").
    ("How many years behind is China?", "said Chris Nicholson, an investor at Page One Ventures.", False),
    ("How many races did he win?", "He drove in Formula One for years.", False),
    ("How many races did he win?", "He drove in Formula One and won two races.", True),
    ("How many players scored?", "The team won. Two players scored.", True),
])
def test_a_count_is_a_number_that_counts_not_one_that_measures(question, text, states):
    assert states_value("number", text, question) is states


@pytest.mark.parametrize("question, text, states", [
    ("What is the name of the video generator made by Kuaishou?", "Kuaishou’s Kling AI technology is public.", True),
    # Only the question's own names ("AI", "Kuaishou"), a word capitalised because it comes
    # first, or a year: no name given.
    ("What is the name of the AI video generator made by Kuaishou?",
     "The video was made using AI technology from Kuaishou, a Chinese internet company.", False),
    ("What is the name of Baidu's chatbot?", "Within two years of 2023, Baidu said so.", False),
    # A name that differs from the question's, a code or a number, or words that give a name.
    ("What was the name of the upgraded Saturn I called?", "The Saturn IB was an upgraded Saturn I.", True),
    ("What is the name of the charitable fund?", "The committee created the 50 fund.", True),
    ("What is the property of being prime called?", "The property of being prime is called primality.", True),
])
def test_a_name_is_one_the_question_does_not_hold(question, text, states):
    assert states_value("name", text, question) is states


def test_a_question_for_a_kind_of_value_no_sentence_states_is_not_in_the_corpus(tmp_path, hash_embedder):
    corpus, ask = indexed(tmp_path, hash_embedder, {
        "kling.txt": ("Kuaishou released Kling, a video generator, to users worldwide. "
                      "Kling can produce two-minute videos at 1080p resolution.\n")})
    result = ask("How much does a subscription to Kling cost?")
    assert result.abstained and "asks for an amount of money, which no sentence read states" in result.reason
    assert result.alternatives  # what was read is still shown
    assert ask("Where is Kuaishou headquartered?").abstained
    corpus.joinpath("acme.txt").write_text(
        "Acme Robotics builds robot arms in Berlin. It raised US$40 million last year.\n", encoding="utf-8")
    build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    # The best sentence that states a value of the kind asked answers, not the closest one.
    raised = ask("How much money did Acme Robotics raise?")
    assert not raised.abstained and "US$40 million" in raised.text
    long = ask("How long are Kling's videos?")
    assert not long.abstained and "two-minute" in long.text
    users = ask("How many users has Kling attracted?")
    assert users.abstained and "asks for a number" in users.reason


def test_quantities_of_the_same_unit_that_differ_disagree():
    from qa.reader.values import quantities_disagree

    assert quantities_disagree("Within just six months, 01.AI unveiled a model.",
                               "01.AI had only been around for eight months.")
    assert not quantities_disagree("It took six months.", "Within six months it was done.")
    # Different units, or bare numbers, are not the same fact.
    assert not quantities_disagree("It holds 90,790 tonnes of plants.", "It is over half the forest.")
    assert not quantities_disagree("In 2019 it grew.", "In 2021 it grew.")


def test_another_source_giving_a_quantity_differently_is_cited_as_disagreeing(tmp_path, hash_embedder):
    from qa.config import Settings

    corpus = make_corpus(tmp_path / "c", {
        "a.txt": "Within just six months, Acme reached the top of the robotics ranking.\n",
        "b.txt": "Acme had only been around for eight months when it topped the robotics ranking.\n"})
    build_index(corpus, tmp_path / "i", embedder=hash_embedder)
    # Pairing whole sentences (corroboration) is switched off: the rival rule alone must find it.
    settings = Settings(extract=ExtractConfig(corroboration_cosine=1.01, rival_margin=1.0))
    result = answer("How long did it take Acme to top the robotics ranking?", index_dir=tmp_path / "i",
                    embedder=hash_embedder, threshold=-1.0, settings=settings)
    roles = {c.doc_id: c.role for c in result.citations}
    assert set(roles) == {"a", "b"} and sorted(roles.values()) == ["answer", "disagreement"]
    # Its age is stated only by the sentence that says how long it had been around; the other
    # still gives the same span differently.
    age = answer("How old was Acme when it topped the robotics ranking?", index_dir=tmp_path / "i",
                 embedder=hash_embedder, threshold=-1.0, settings=settings)
    assert [(c.doc_id, c.role) for c in age.citations] == [("b", "answer"), ("a", "disagreement")]
    # Without a margin, nothing is flagged.
    plain = answer("How long did it take Acme to top the robotics ranking?", index_dir=tmp_path / "i",
                   embedder=hash_embedder, threshold=-1.0,
                   settings=Settings(extract=ExtractConfig(corroboration_cosine=1.01, rival_margin=-1.0)))
    assert [c.role for c in plain.citations] == ["answer"]


@pytest.mark.parametrize("question, role", [
    ("Who is the CEO of Alibaba?", ("CEO", "Alibaba")),
    ("Who was the head coach of the Broncos in Super Bowl XLVIII?", ("head coach", "Broncos")),
    ("Who is the chief executive of the open source model company?", None),  # no organisation named
    ("Who founded 01.AI?", None),
    ("Who is the chief technology officer of Kuaishou?", ("chief technology officer", "Kuaishou")),
    ("Who is the CTO of Kuaishou?", ("CTO", "Kuaishou")),
    # The same as keywords typed in a search box.
    ("openai ceo name", ("ceo", "openai")),
    ("Baidu's CEO", ("CEO", "Baidu")),
    ("the company founder", None),  # no organisation named
    ("kling max video length", None),
])
def test_who_holds_a_role_in_a_named_organisation(question, role):
    assert asked_role(question) == role


def test_a_sentence_states_a_role_when_it_names_the_role_and_the_organisation():
    assert states_role("ceo", "Hugging Face", "Clement De Lange, CEO of Hugging Face, said so.")
    assert states_role("chief executive", "Hugging Face", "Clement De Lange, CEO of Hugging Face.")
    assert states_role("head coach", "Broncos", "The Broncos were coached by John Fox.")
    assert not states_role("CEO", "Alibaba", "Baidu CEO Robin Li prefers limited distribution.")
    assert not states_role("chief executive", "ByteDance", "Wang Changhu, former head of ByteDance's AI lab.")
    # A chief officer by title or acronym; an acronym only as a whole word.
    assert states_role("CTO", "Kuaishou", "Zhang Wei, chief technology officer of Kuaishou, said so.")
    assert states_role("chief technology officer", "Kuaishou", "Kuaishou CTO Zhang Wei said so.")
    assert not states_role("chief technology officer", "Kuaishou", "Qu Dongqi, founder of Kuaishou, said so.")
    assert not states_role("CTO", "Kuaishou", "The director of Kuaishou's lab said so.")
    assert not states_role("COO", "Kuaishou", "Kuaishou sought cooperation with Baidu.")
    assert not states_role("chief science officer", "Kuaishou", "A Kuaishou officer said so.")


def test_who_holds_a_role_no_sentence_names_is_not_in_the_corpus(tmp_path, hash_embedder):
    _, ask = indexed(tmp_path, hash_embedder, {"ai.txt": (
        "Robin Li, the CEO of Baidu, prefers limited distribution. Alibaba released an open model.\n")})
    result = ask("Who is the CEO of Alibaba?")
    assert result.abstained and "asks for the CEO of Alibaba" in result.reason
    assert "Robin Li" in ask("Who is the CEO of Baidu?").text


@pytest.mark.parametrize("question, names", [
    ("In what year was Kuaishou founded?", ["Kuaishou"]),
    ("What resolution does AIsphere's PixVerse generate?", ["AIsphere", "PixVerse"]),
    # A number, an adjective of nationality or a two-letter abbreviation says little of what the
    # question is about: a text may leave it unsaid or write it otherwise.
    ("How much did a 1/2 minute commercial cost?", []),
    ("Which US newspaper reported that Chinese firms are catching up?", []),
    ("how many users does kling have", []),  # lower case: no name is read
    ("What did the February article say about Kling?", ["Kling"]),  # a month is a time
])
def test_the_names_a_question_is_about(question, names):
    assert asked_names(question) == names


def test_a_name_is_mentioned_in_any_of_its_forms():
    text = "The New York Times says American firms lead. Kuaishou's Kling makes videos."
    assert unmentioned(["Kuaishou", "America", "NYT"], text) == []
    # A capital written for its country's government: "Washington" where the text says "United States".
    assert unmentioned(["Washington", "Beijing"], "The United States restricts chips for Chinese firms.") == []
    assert unmentioned(["Washington"], "The state of the art is a unit of work.") == ["Washington"]
    assert unmentioned(["PixVerse", "Kling"], text) == ["PixVerse"]


def test_an_answer_from_a_document_that_never_names_what_is_asked_about_abstains(tmp_path, hash_embedder):
    _, ask = indexed(tmp_path, hash_embedder, {
        "kling.txt": "Kling video\nKuaishou built Kling. Kling makes two-minute videos at 1080p resolution.\n",
        "pixverse.txt": "AIsphere\nWang Changhu founded AIsphere last year. In November it launched PixVerse.\n",
    })
    result = ask("What resolution do Kuaishou's Kling videos have?")
    assert not result.abstained and "1080p" in result.text
    # The document names one of the question's names: answered.
    other = ask("What resolution do the Kling videos of AIsphere's rival have?")
    assert not other.abstained and "1080p" in other.text
    missing = ask("What resolution does AIsphere's PixVerse generate its videos at?")
    assert missing.abstained and "never mentions 'AIsphere', 'PixVerse'" in missing.reason
    # A corpus of fragments that leave their subject implicit may switch the rule off.
    relaxed = answer("What resolution does AIsphere's PixVerse generate its videos at?", index_dir=tmp_path / "i",
                     embedder=hash_embedder, threshold=-1.0,
                     settings=Settings(extract=ExtractConfig(require_named_document=False)))
    assert not relaxed.abstained and "1080p" in relaxed.text


@pytest.mark.parametrize("question, action", [
    ("How many people attended the World Artificial Intelligence Conference?", ("attended",)),
    ("Roughly how many people attended the WAIC?", ("attended",)),
    ("How many people has Kling attracted?", ()),  # the phrase ends at the auxiliary
    ("How many employees does 01.AI have?", ()),  # a noun of its own: counted_words' business
    ("How much money did Kuaishou raise?", ()),
])
def test_what_the_people_a_question_counts_did(question, action):
    assert counted_action(question) == action


@pytest.mark.parametrize("text, states", [
    ("At the conference, Qu Dongqi showed an old photo of a woman leading two toddlers.", False),
    ("The conference was attended by 4,000 guests.", True),
    ("Attendance reached 300,000 this year.", True),
])
def test_a_count_of_people_who_did_something_must_say_what_they_did(text, states):
    assert states_value("number", text, "How many people attended the conference?") is states


def test_a_short_verb_is_found_at_the_start_of_longer_forms():
    assert states_value("number", "About 700 staff worked there.", "How many people work there?")
    assert not states_value("number", "About 700 staff ate there.", "How many people work there?")


@pytest.mark.parametrize("question, scored", [
    ("In which city was the conference that the articles talk about held?", "In which city was the conference held?"),
    ("Which startup is mentioned in the article as the top of the ranking?", "Which startup is as the top of the ranking?"),
    ("According to the report, who founded 01.AI?", ", who founded 01.AI?"),
    ("Who wrote the article?", "Who wrote the article?"),  # about the document itself: kept
])
def test_words_pointing_at_the_corpus_itself_are_not_scored(question, scored):
    assert without_document_references(question) == scored


def test_a_lead_ending_with_a_colon_is_cited_with_the_list_it_introduces(tmp_path, hash_embedder):
    from qa.index.cache import get_index
    from qa.reader.candidate import Candidate
    from qa.reader.context import with_context

    text = ("Tips for gardeners\n\nWater early and often in summer. Practical tips for growing tomatoes:\n\n"
            "  1. Plant them in full sun.\n\n  2. Water them every morning.\n\n"
            "Tomatoes came to Europe in the sixteenth century.\n")
    build_index(make_corpus(tmp_path / "c", {"doc.txt": text}), tmp_path / "i", embedder=hash_embedder)
    index = get_index(tmp_path / "i", hash_embedder.name)
    spans = {text[s:e]: r for r, (d, s, e) in enumerate(index.sentence_table.tolist())}
    row = spans["Practical tips for growing tomatoes:"]
    _, s, e = index.sentence_table[row].tolist()
    start, end = with_context(index, Candidate(row, "doc", s, e, 0.0, 0.0, 0.0, 0.0))
    assert text[start:end] == "Practical tips for growing tomatoes:\n\n  1. Plant them in full sun.\n\n" \
                              "  2. Water them every morning."
    # A sentence that ends like one is cited alone.
    row = spans["Water early and often in summer."]
    _, s, e = index.sentence_table[row].tolist()
    assert with_context(index, Candidate(row, "doc", s, e, 0.0, 0.0, 0.0, 0.0)) == (s, e)


def test_a_name_only_in_a_part_cleaning_left_out_is_still_mentioned(tmp_path, hash_embedder):
    text = ("Garden notes\n\nTomatoes need sun and water every day to grow well.\n\nZorblat Digest:\n\n"
            "Today's tip: water the tomatoes early in the morning.\n")
    build_index(make_corpus(tmp_path / "c", {"doc.txt": text}), tmp_path / "i", embedder=hash_embedder)
    from qa.index.cache import get_index

    index = get_index(tmp_path / "i", hash_embedder.name)
    left_out = [text[s.start:s.end] for s in index.document("doc").segments if not s.kept]
    assert "Zorblat Digest:" in left_out  # a heading read as a fragment: not in any passage
    got = answer("Per the Zorblat Digest, when should tomatoes be watered?", index_dir=tmp_path / "i",
                 embedder=hash_embedder, threshold=0.0)
    assert "never mentions" not in got.reason
    got = answer("Per the Quuxly Digest, when should tomatoes be watered?", index_dir=tmp_path / "i",
                 embedder=hash_embedder, threshold=0.0)
    assert got.abstained and "never mentions 'Quuxly'" in got.reason


def test_a_capitalised_word_the_corpus_writes_in_lower_case_is_no_name(tmp_path, hash_embedder):
    from qa.index.cache import get_index
    from qa.reader.spelling import is_ordinary, ordinary_words

    _, ask = indexed(tmp_path, hash_embedder, {
        "tracking.txt": "Tracking\nThe sources.list line names the distribution the system is tracking.\n",
        "desktop.txt": "Desktop\nA desktop runs a window manager. Every desktop reads its panel at start, "
                       "and a cluster has no desktop.\n",
        "kernel.txt": "Kernel\nThe boot loader starts linux from disk. Debian ships Linux kernels, and "
                      "the kernels of Linux are packaged.\n",
    })
    ordinary = ordinary_words(get_index(tmp_path / "i", hash_embedder.name))
    question = "Which distribution is my Desktop tracking with Debian?"
    assert is_ordinary("Desktop", ordinary, question)
    # Written capitalised inside sentences more often than in lower case ("linux-image"): a name.
    assert not is_ordinary("Linux", ordinary, "Which distribution does Linux track?")
    # Part of a run of capitalised words: a name's word, not an ordinary one.
    assert not is_ordinary("Desktop", ordinary, "Is the Desktop Edition tracking it?")
    # The named-document rule does not ask the answer's document to mention an ordinary word.
    result = ask("Which distribution is my Desktop tracking?")
    assert not result.abstained and "sources.list" in result.text


@pytest.mark.parametrize("question, matched", [
    ("What was 01.AI faulted for, in the newsletter's telling?", "What was 01.AI faulted for, ?"),
    ("Which professors does the February article quote?", "Which professors does quote?"),
    ("According to the brief write-up, what do Chinese firms share?", ", what do Chinese firms share?"),
    ("What does open source let firms do?", "What does open source let firms do?"),  # nothing to leave out
    ("Who wrote the story?", "Who wrote ?"),
    ("the newsletter", "the newsletter"),  # nothing would be left: kept whole
])
def test_the_words_that_point_at_a_document_are_left_out_of_the_word_by_word_match(question, matched):
    from qa.reader.names import without_document_mentions

    assert without_document_mentions(question) == matched


def test_the_best_sentence_is_matched_word_by_word_against_the_question_without_its_document_words(
        tmp_path, hash_embedder, monkeypatch):
    import importlib

    answer_module = importlib.import_module("qa.answer")
    _, ask = indexed(tmp_path, hash_embedder, {"seals.txt": "Seals\nVolunteers counted four hundred seals.\n"})
    seen = []
    real = answer_module.extract

    def spy(*args, **kwargs):
        align = kwargs["align"]
        kwargs["align"] = lambda q, s: seen.append(q) or align(q, s)
        return real(*args, **kwargs)

    monkeypatch.setattr(answer_module, "extract", spy)
    ask("How many seals were counted, in the newsletter's telling?")
    assert seen == ["How many seals were counted, ?"]


def test_a_sentence_that_asks_a_question_is_no_answer_however_closely_it_repeats_it(tmp_path, hash_embedder):
    from qa.reader.context import asks

    assert asks("(1) How do I create an AUTOINCREMENT field?") and asks('He asked: "why not?"')
    assert not asks("A column declared INTEGER PRIMARY KEY will autoincrement.")
    _, ask = indexed(tmp_path, hash_embedder, {"faq.txt": (
        "SQLite FAQ\n(1) How do I create an AUTOINCREMENT field?\n\n"
        "A column declared INTEGER PRIMARY KEY will autoincrement when a NULL is inserted into it.\n")})
    result = ask("How do I create an AUTOINCREMENT field?")
    assert not result.abstained and result.text.startswith("A column declared INTEGER PRIMARY KEY")


def test_the_premise_of_a_why_question_is_what_it_says_happened():
    from qa.reader.asking import premise_terms

    assert premise_terms("Why did Kuaishou decide to keep Kling closed?") == ("kuaishou", "keep", "kling", "close")
    assert premise_terms("nick clegg sharing models why") == ("nick", "clegg", "share", "model")
    assert premise_terms("What did Kuaishou keep closed?") == ()  # asks no reason


def test_a_why_question_whose_answer_says_nothing_of_what_happened_abstains(tmp_path, hash_embedder):
    _, ask = indexed(tmp_path, hash_embedder, {"chips.txt": (
        "Chips\nThe White House has implemented a trade embargo on advanced chips for Chinese companies. "
        "Washington imposed the embargo to keep its lead in computing.\n")})
    reason = ask("Why did the White House impose the chip embargo on Chinese companies?")
    assert not reason.abstained
    # Nothing the question says happened ("stop", "selling", "phones") is in the sentence read.
    unsaid = ask("Why did the White House stop selling phones to Chinese firms?")
    assert unsaid.abstained and "shares none of its words (stop, selling, phones, firms)" in unsaid.reason
    relaxed = answer("Why did the White House stop selling phones to Chinese firms?", index_dir=tmp_path / "i",
                     embedder=hash_embedder, threshold=-1.0,
                     settings=Settings(extract=ExtractConfig(gate_premise_unstated=False)))
    assert not relaxed.abstained


def test_where_the_corpus_asks_the_question_itself_the_answer_is_what_follows_it(tmp_path, hash_embedder):
    _, ask = indexed(tmp_path, hash_embedder, {
        "faq.txt": ("SQLite FAQ\n(1) How do I create an AUTOINCREMENT field?\n\n"
                    "Short answer: declare the column INTEGER PRIMARY KEY.\n\n"
                    "(2) Is SQLite threadsafe?\n\nYes, when compiled with mutexes.\n"),
        "format.txt": ("File format\nThe sqlite_sequence field of an AUTOINCREMENT table is updated when you "
                       "create a row: the field holds the largest key.\n"),
    })
    question = "How do I create an AUTOINCREMENT field?"
    result = ask(question, threshold=0.999)  # answered though the model alone would abstain
    assert not result.abstained and result.text == "Short answer: declare the column INTEGER PRIMARY KEY."
    assert "faq asks this question itself" in result.reason
    off = answer(question, index_dir=tmp_path / "i", embedder=hash_embedder, threshold=-1.0,
                 settings=Settings(extract=ExtractConfig(answer_after_echo=False)))
    assert off.citations[0].doc_id == "format"


def test_a_name_typed_in_lower_case_is_still_a_person_to_describe(hash_index, hash_embedder):
    from qa.index.cache import get_index
    from qa.reader.analysis import analyze_question

    index = get_index(hash_index, hash_embedder.name)
    assert analyze_question("who is andrew ng", index, []).value_kind == "description"
    assert analyze_question("who is the ceo of baidu", index, []).value_kind is None
