"""The out-of-domain set's construction (bench/ood_faq.py) on a tiny page shaped like the Debian FAQ:
question headings never reach the indexed text, and the held-out questions are not indexed."""

from __future__ import annotations

from bench.ood_faq import build_set, heading_leaks, hold_out, parse_dlist_faq, parse_faq_page, parse_numbered_faq

PAGE = """<html><head><title>Chapter 3. Tea</title></head><body>
<div class="chapter"><div class="titlepage"><h1 class="title"><a id="tea"></a>Chapter 3. Tea and kettles</h1></div>
<div class="toc"><dl><dt><a href="#brew">3.1. How long should green tea brew?</a></dt>
<dt><a href="#kettle">3.2. Which kettle boils fastest?</a></dt></dl></div>
<div class="section"><div class="titlepage"><div><div><h2 class="title"><a id="brew"></a>3.1.&#160;How long should
 green tea brew?</h2></div></div></div>
<p>Green tea brews for two minutes
   at eighty degrees.</p>
<div class="section"><div class="titlepage"><div><div><h3 class="title"><a id="cups"></a>3.1.1.&#160;Cups</h3></div></div></div>
<pre>pour slowly
stir once</pre></div>
<div class="section"><div class="titlepage"><div><div><h3 class="title"><a id="black"></a>3.1.2.&#160;And black tea?</h3></div></div></div>
<p>Black tea brews for four minutes; see <a class="xref" href="#kettle" title="3.2. Which kettle boils fastest?">Section&#160;3.2,
 &#8220;Which kettle boils fastest?&#8221;</a> for the water.</p></div>
</div>
<div class="section"><div class="titlepage"><div><div><h2 class="title"><a id="kettle"></a>3.2.&#160;Which kettle boils fastest?</h2></div></div></div>
<p>An electric kettle of two kilowatts boils a litre in under three minutes.</p></div>
<div class="section"><div class="titlepage"><div><div><h2 class="title"><a id="thanks"></a>3.3.&#160;Thanks</h2></div></div></div>
<p>Thanks to everyone who sent us their favourite brewing times.</p></div>
</div></body></html>"""


def sections():
    return {s.key: s for s in parse_faq_page(PAGE, "tea")}


def test_question_sections_lose_their_heading_and_keep_their_answer():
    by_key = sections()
    assert list(by_key) == ["tea/brew", "tea/black", "tea/kettle", "tea/thanks"]
    brew = by_key["tea/brew"]
    assert brew.question and brew.heading == "How long should green tea brew?"
    assert brew.chapter == "Tea and kettles"  # the title is the chapter, not the question
    assert "brew?" not in brew.text and "How long" not in brew.text
    assert brew.text.startswith("Green tea brews for two minutes at eighty degrees.")
    # A non-question subsection is part of the answer (its heading kept), <pre> lines kept apart.
    assert "Cups\n\npour slowly\nstir once" in brew.text
    # A question subsection is its own section, not part of its parent's answer.
    assert "Black tea" not in brew.text
    black = by_key["tea/black"]
    assert black.question and black.heading == "And black tea?"
    # A cross-reference keeps its number, not the heading it quotes.
    assert black.text == "Black tea brews for four minutes; see Section 3.2 for the water."
    assert not by_key["tea/kettle"].text.startswith("Which")
    thanks = by_key["tea/thanks"]
    assert not thanks.question and thanks.text.startswith("Thanks\n\n")


def test_no_question_heading_reaches_the_indexed_documents():
    docs, questions = build_set(list(sections().values()), [], fraction=0.0, seed=1, corpus_stem="c")
    assert len(questions) == 3
    assert heading_leaks(docs, questions) == []
    assert heading_leaks([{"text": "FAQ 3.2: Which kettle   boils fastest? is asked often"}],
                         questions) == ["Which kettle boils fastest?"]


def test_held_out_questions_are_unanswerable_and_not_indexed():
    secs = list(sections().values())
    docs, questions = build_set(secs, [{"id": "other/page", "text": "Coffee.", "title": "Coffee"}],
                                fraction=0.34, seed=7, corpus_stem="c")
    held = [q for q in questions if not q["answerable"]]
    kept = [q for q in questions if q["answerable"]]
    assert len(held) == 1 and len(kept) == 2
    ids = {d["id"] for d in docs}
    assert held[0]["id"] not in ids and held[0]["relevant_docs"] == [] and held[0]["answers"] == []
    for q in kept:
        assert q["id"] in ids and q["relevant_docs"] == [f"c/{q['id']}"]
        text = next(d["text"] for d in docs if d["id"] == q["id"])
        assert q["answers"] and q["answers"][0] in text
    assert "other/page" in ids and "faq/tea/thanks" in ids  # distractors and non-questions are indexed
    assert all(d["title"] in ("Tea and kettles", "Coffee") for d in docs)


def test_the_hold_out_is_seeded_and_sized():
    secs = list(sections().values())
    assert hold_out(secs, 0.34, seed=7) == hold_out(secs, 0.34, seed=7)
    indexed, held = hold_out(secs, 0.67, seed=3)
    assert len(held) == 2 and len(indexed) == 1 and not indexed & held
    assert {k for k in indexed | held} == {"tea/brew", "tea/black", "tea/kettle"}


NUMBERED = """<html><head><title>Tea FAQ</title></head><body><ol><li><a href="#q1">How long should tea brew?</a></li>
<li><a href="#q2">Is a kettle needed?</a></li></ol>
<a name="q1"></a>
<p><b>(1) How long should
  tea brew?</b></p>
<blockquote><p>Green tea brews for two minutes.</p><pre>pour slowly
stir once</pre></blockquote>
<a name="q2"></a>
<p><b>(2) Is a kettle needed?</b></p>
<blockquote><p>No.</p></blockquote>
<a name="top"></a><p>Back to the top</p></body></html>"""

DLIST = """<html><body><div class="sect1"><h2 id="_brewing">Brewing</h2><div class="sectionbody">
<div class="dlist" id="brew-time"><dl>
<dt class="hdlist1">How long should <code>green</code> tea brew?</dt>
<dd><p>Green tea brews for two minutes at eighty degrees.</p>
<div class="paragraph"><p>Black tea brews for four.</p></div></dd>
<dt class="hdlist1">Kettles</dt>
<dd><p>An electric kettle boils a litre in under three minutes.</p></dd>
</dl></div></div></div></body></html>"""


def test_a_numbered_faq_gives_one_question_per_anchor_without_its_number():
    secs = parse_numbered_faq(NUMBERED, "faq")
    assert [s.key for s in secs] == ["faq/q1", "faq/q2"]
    brew = secs[0]
    assert brew.heading == "How long should tea brew?" and brew.chapter == "Tea FAQ"
    assert brew.question and brew.text == "Green tea brews for two minutes.\n\npour slowly\nstir once"
    # An answer too short to cite ("No.") is no question unit; the table of contents is never read.
    assert not secs[1].question
    docs, questions = build_set(secs, [], fraction=0.0, seed=1, corpus_stem="c", source="tea-doc")
    assert heading_leaks(docs, questions) == [] and docs[0]["source"] == "tea-doc"


def test_a_definition_list_faq_gives_one_question_per_term():
    secs = parse_dlist_faq(DLIST, "teafaq")
    assert [s.heading for s in secs] == ["How long should green tea brew?", "Kettles"]
    brew, kettles = secs
    assert brew.question and brew.chapter == "Brewing" and brew.key.startswith("teafaq/brew-time")
    assert brew.text == "Green tea brews for two minutes at eighty degrees.\n\nBlack tea brews for four."
    assert not kettles.question and kettles.key != brew.key


def test_headings_can_be_kept_as_a_user_indexing_the_faq_would():
    docs, questions = build_set(list(sections().values()), [], fraction=0.0, seed=1, corpus_stem="c",
                                keep_headings=True)
    brew = next(d for d in docs if d["id"] == "faq/tea/brew")
    assert brew["text"].startswith("How long should green tea brew?\n\nGreen tea brews")
    assert heading_leaks(docs, questions) == [q["question"] for q in questions]
    thanks = next(d for d in docs if d["id"] == "faq/tea/thanks")
    assert thanks["text"].startswith("Thanks\n\n")  # not a question: as before
