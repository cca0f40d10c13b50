"""Small talk recognised word for word, without the model: every kind in every language."""

from __future__ import annotations

import pytest

from bot.content.models import SUPPORTED_LANGUAGES
from bot.matching.intents import (
    EMOJI,
    SMALLTALK_KINDS,
    PhraseBook,
    SmallTalk,
    load_exemplars,
    normalise,
)

EXEMPLARS = load_exemplars()
BOOK = PhraseBook.build(EXEMPLARS)


def test_every_language_has_every_kind_of_small_talk_off_topic_and_danger() -> None:
    for lang in SUPPORTED_LANGUAGES:
        mine = [e for e in EXEMPLARS if e.lang == lang]
        classes = {e.cls for e in mine}
        assert set(SMALLTALK_KINDS) <= classes, lang
        assert {"offtopic", "danger", "calm"} <= classes, lang
        # Enough variety per class for the model to generalise from.
        assert sum(e.cls == "offtopic" for e in mine) >= 20, lang
        assert sum(e.cls == "danger" for e in mine) >= 25, lang


@pytest.mark.parametrize(
    ("message", "kind", "lang"),
    [
        ("Hello!!", "greeting", None),
        ("hiiiii 👋", "greeting", None),
        ("thx", "thanks", "en"),
        ("Спасибо большое!", "thanks", "ru"),
        ("makasih ya", "thanks", "id"),
        ("salamat po", "thanks", "tl"),
        ("ধন্যবাদ", "thanks", "bn"),
        ("धन्यवाद", "thanks", "ne"),
        ("ขอบคุณครับ", "thanks", "th"),
        ("cảm ơn", "thanks", "vi"),
        ("cam on", "thanks", "vi"),
        ("ok thanks bye", "thanks", "en"),
        ("hi, who are you?", "who", "en"),
        ("tao ka ba", "who", "tl"),
        ("what can you do", "capabilities", "en"),
        ("help", "help", "en"),
        ("ок", "ack", "ru"),
        ("okay po", "ack", "tl"),
        ("wkwkwk", "laughter", "id"),
        ("55555", "laughter", "th"),
        ("bye bye", "bye", "en"),
        ("assalamualaikum", "greeting", None),
    ],
)
def test_small_talk_is_recognised_with_its_language(
    message: str, kind: str, lang: str | None
) -> None:
    found = BOOK.intent(message)
    assert found is not None
    assert found.kind == kind
    if lang is not None:
        assert found.lang == lang


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("kind", SMALLTALK_KINDS)
def test_every_small_talk_phrase_of_every_language_is_small_talk(lang: str, kind: str) -> None:
    phrases = [e.text for e in EXEMPLARS if e.lang == lang and e.cls == kind]
    assert phrases
    for phrase in phrases:
        found = BOOK.intent(phrase)
        assert found is not None, phrase
        # A phrase shared with a kind that wins ("help me" is also asked as a question about
        # the bot) may be that kind; otherwise it is its own.
        assert SMALLTALK_KINDS.index(found.kind) <= SMALLTALK_KINDS.index(kind), phrase


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("🙏🙏", SmallTalk(EMOJI, None)),
        ("😂😂😂", SmallTalk("laughter", None)),
        ("!!!", SmallTalk(EMOJI, None)),
    ],
)
def test_a_message_without_letters_is_emoji(message: str, expected: SmallTalk) -> None:
    assert BOOK.intent(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   ",
        "hi, can my boss keep my passport?",
        "thanks, what about remittances",
        "ok so what did they say about trafficking",
        "help my boss beats me",
        "hello " * 20,
    ],
)
def test_a_message_with_more_than_small_talk_is_not_small_talk(message: str) -> None:
    assert BOOK.intent(message) is None


def test_normalise_ignores_case_accents_punctuation_and_stretched_letters() -> None:
    assert normalise("  Cảm ƠN!!! ") == "cam on"
    assert normalise("Hiiiiii") == "hii"
    assert normalise("ขอบคุณครับ") == "ขอบคุณครับ"  # Thai vowel signs are letters, they stay
    assert normalise("ধন্যবাদ") == "ধন্যবাদ"
