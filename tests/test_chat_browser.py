"""The conversation in headless Chromium: a three-turn conversation, "ask on its own", Clear, and two
browser sessions side by side that never share a history. Same app and index as
``test_ui_browser.py`` (the shipped corpus, the fake ``HashEmbedder``)."""

import pytest

from test_ui_browser import _open, app_url, ask, browser, page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

FIRST = "Which Chinese internet company developed the Kling video generator?"
FOLLOW = "Where is it headquartered?"


def understood(reply) -> str:
    box = reply.locator(".qa-understood")
    return box.inner_text() if box.count() else ""


def test_a_three_turn_conversation_says_how_each_follow_up_was_read(page):  # noqa: F811
    first = ask(page, FIRST)
    assert understood(first) == ""
    second = ask(page, FOLLOW)
    assert understood(second).startswith("Understood as:") and "ask on its own" in understood(second)
    third = ask(page, "And who founded it?")
    assert understood(third).startswith("Understood as:")
    assert page.locator("#qa-chat .qa-q").count() == 3


def test_ask_on_its_own_answers_the_question_as_typed(page):  # noqa: F811
    ask(page, FIRST)
    follow = ask(page, FOLLOW)
    before = page.locator("#qa-chat .qa-answer, #qa-chat .qa-error").count()
    follow.locator("a.qa-alone").click()
    page.wait_for_function(
        "n => document.querySelectorAll('#qa-chat .qa-answer, #qa-chat .qa-error').length > n", arg=before)
    alone = page.locator("#qa-chat .qa-answer").last
    assert understood(alone) == ""
    assert page.locator("#qa-chat .qa-q").last.inner_text() == FOLLOW


def test_clear_starts_a_new_conversation(page):  # noqa: F811
    ask(page, FIRST)
    page.click("#qa-clear")
    page.wait_for_function("() => document.querySelectorAll('#qa-chat .qa-q').length === 0")
    after = ask(page, FOLLOW)
    assert understood(after) == ""  # nothing earlier to read "it" against


def test_two_browser_sessions_keep_their_own_conversations(browser, app_url):  # noqa: F811
    a_context, a = _open(browser, app_url)
    b_context, b = _open(browser, app_url)
    try:
        ask(a, FIRST)
        ask(b, "Who co-founded 01.AI?")
        read_b = understood(ask(b, FOLLOW))
        read_a = understood(ask(a, FOLLOW))
        assert "01.AI" in read_b
        assert read_a.startswith("Understood as:") and "01.AI" not in read_a
    finally:
        a_context.close()
        b_context.close()
