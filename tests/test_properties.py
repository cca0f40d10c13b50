"""Property tests of the conversation core and the matcher on any text a user can send.

Hypothesis feeds `Service.ask`, `press`, `start` (deep-link payloads), `inline` and
`Matcher.match` arbitrary Unicode up to Telegram's 4,096 characters: emoji, right-to-left
scripts, zero-width and control characters, text that is only whitespace, and real content
words in noise (so that answers, not only "no answer", are checked). Surrogates are left out:
Telegram cannot send them. Every reply must be sendable as it is:

* no exception, whatever the input;
* each part of `split_message(reply.text)` is non-empty, at most 4,096 characters (counted in
  UTF-16 code units too, as Telegram counts) and HTML that Telegram's parser accepts;
* every button has a label and a payload of 1-64 bytes; every score is within 0-100.

Runs are derandomized (the same examples every run) and kept short: the whole file < 20 s.
"""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.content.loader import load_library
from bot.content.models import SUPPORTED_LANGUAGES, Library, pick
from bot.replies import MAX_PAYLOAD_BYTES, Reply, split_message
from bot.service import Service, build_matcher
from tests.conftest import ROOT
from tests.html_check import assert_valid_telegram_html

TELEGRAM_MESSAGE_LIMIT = 4096
TELEGRAM_CALLBACK_LIMIT = 64  # bytes of callback data
TELEGRAM_INLINE_ID_LIMIT = 64  # bytes of an inline result id

# Derandomized: the same examples on every run, no example database written to the repository.
FAST = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(FAST, max_examples=40)  # the 4,096-character texts

# --- strategies ------------------------------------------------------------------------------

# Every code point a Telegram message can hold: all categories but surrogates (Cs).
ANY_CHARACTER = st.characters(exclude_categories=("Cs",))
# Characters that break naive code: zero-width, direction marks, controls, odd spaces, markup.
TRICKY = (
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width space, non-joiner, joiner, word joiner, BOM
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # direction controls
    "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\r\n\t"  # control characters
    "\u00a0\u1680\u2000\u2003\u2028\u2029\u3000"  # other spaces, line and paragraph separators
    "<>&\"';/\\`*_~|[](){}#@:"  # what HTML and Markdown care about
    "\u0301\u0308\u20dd"  # combining marks, alone
)
EMOJI = "👋😀🙏🏽👨‍👩‍👧‍👦🇹🇭🇵🇭⚠️❤️‍🔥🏳️‍🌈💸📄🧕🏿"
RIGHT_TO_LEFT = "مرحبا كيف حالك هل يمكنني العمل שלום עולם اردو میں سوال"
OTHER_SCRIPTS = "ภาษาไทย Tiếng Việt 中文 日本語 한국어 ქართული ᐃᓄᒃᑎᑐᑦ ꦗꦮ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𓀀"
WHITESPACE = " \t\n\r\u00a0\u2000\u2003\u2028\u2029\u3000\u200b\ufeff\x0b\x0c"
# People in trouble, so that replies with the urgent-help note are checked too.
DISTRESS = (
    "my boss took my passport and will not give it back",
    "help me please they locked me in the house",
    "my employer hits me and has not paid me for 4 months",
    "меня заперли и забрали паспорт",
    "majikan saya mengambil paspor saya",
    "kinuha ng amo ko ang pasaporte ko at sinasaktan ako",
)


@cache
def content() -> Library:
    """The real content (strategies are built at import, before any fixture exists)."""
    return load_library(ROOT / "content", ROOT / "seeds")


@cache
def content_section_ids() -> tuple[str, ...]:
    """The real sections' ids."""
    return tuple(section.id for section in content().sections)


@cache
def content_words() -> tuple[str, ...]:
    """Words of the real titles and example questions in every language, so that noise
    sometimes matches a section and answers are checked, not only "no answer"."""
    words: set[str] = set()
    for section in content().sections:
        for lang in SUPPORTED_LANGUAGES:
            words.update(pick(section.title, lang).value.split())
            if section.questions:
                for question in pick(section.questions, lang).value:
                    words.update(question.split())
    return tuple(sorted(words))


@cache
def content_phrases() -> tuple[str, ...]:
    """Whole example questions and keywords in every language, and distress messages."""
    phrases: set[str] = set(DISTRESS)
    for section in content().sections:
        for lang in SUPPORTED_LANGUAGES:
            for field in (section.questions, section.keywords):
                if field:
                    phrases.update(pick(field, lang).value)
    return tuple(sorted(phrases))


def texts(max_size: int) -> st.SearchStrategy[str]:
    """Any text a user can send, up to `max_size` characters, in several shapes."""
    words = st.one_of(st.sampled_from(content_words()), st.sampled_from(content_phrases()))
    noise = st.text(st.sampled_from(TRICKY + EMOJI + RIGHT_TO_LEFT), max_size=8)
    mixed = st.lists(st.one_of(words, noise, st.text(ANY_CHARACTER, max_size=6)), max_size=60)
    distress = st.tuples(noise, st.sampled_from(DISTRESS), noise).map(" ".join)
    # Two topics in one message: near-ties, so "which did you mean?" replies are checked.
    phrases = st.sampled_from(content_phrases())
    two_topics = st.tuples(phrases, noise, phrases).map(" ".join)
    return st.one_of(
        st.text(ANY_CHARACTER, max_size=max_size),
        st.text(st.sampled_from(TRICKY + EMOJI + RIGHT_TO_LEFT + OTHER_SCRIPTS), max_size=max_size),
        st.text(st.sampled_from(WHITESPACE), max_size=max_size),
        mixed.map(" ".join).map(lambda text: text[:max_size]),
        distress.map(lambda text: text[:max_size]),
        two_topics.map(lambda text: text[:max_size]),
    )


def long_texts() -> st.SearchStrategy[str]:
    """Texts of 3,000-4,096 characters, Telegram's longest messages."""
    alphabet = st.sampled_from(TRICKY + EMOJI + RIGHT_TO_LEFT + OTHER_SCRIPTS + " abcxyz")
    words = st.sampled_from(content_words())
    return st.one_of(
        st.text(ANY_CHARACTER, min_size=3000, max_size=TELEGRAM_MESSAGE_LIMIT),
        st.text(alphabet, min_size=3000, max_size=TELEGRAM_MESSAGE_LIMIT),
        st.lists(words, min_size=600, max_size=900)
        .map(" ".join)
        .map(lambda text: text[:TELEGRAM_MESSAGE_LIMIT]),
    )


def payloads() -> st.SearchStrategy[str]:
    """Callback data as Telegram delivers it (1-64 bytes): ours, stale, forged or random."""
    ids = st.one_of(st.sampled_from(content_section_ids()), st.text(ANY_CHARACTER, max_size=20))
    langs = st.one_of(st.sampled_from(SUPPORTED_LANGUAGES), st.text(ANY_CHARACTER, max_size=4))
    kinds = st.sampled_from(["s", "k", "o", "t", "l", "x", ""])
    structured = st.builds(
        lambda kind, sid, lang, parts: ":".join([kind, sid, lang][:parts]),
        kinds,
        ids,
        langs,
        st.integers(1, 3),
    )
    ours = st.builds(
        lambda kind, sid, lang: f"{kind}:{sid}{lang}",
        st.sampled_from("sko"),
        st.sampled_from(content_section_ids()),
        st.sampled_from(["", *(f":{code}" for code in SUPPORTED_LANGUAGES)]),
    )
    data = st.one_of(ours, structured, st.text(ANY_CHARACTER, min_size=1, max_size=64))
    return data.filter(lambda text: 1 <= len(text.encode()) <= TELEGRAM_CALLBACK_LIMIT)


languages = st.sampled_from(SUPPORTED_LANGUAGES)

# --- what every reply must be ----------------------------------------------------------------


def assert_sendable(reply: Reply) -> None:
    """The reply can be sent to Telegram as it is, in one or more parts."""
    parts = split_message(reply.text)
    assert parts, "a reply with nothing to send"
    for part in parts:
        assert part.strip(), "Telegram refuses an empty message"
        assert len(part) <= TELEGRAM_MESSAGE_LIMIT
        assert len(part.encode("utf-16-le")) // 2 <= TELEGRAM_MESSAGE_LIMIT
        assert_valid_telegram_html(part)
    for row in reply.buttons:
        assert row, "an empty row of buttons"
        for button in row:
            assert button.label.strip(), "Telegram refuses a button without a label"
            size = len(button.payload.encode())
            assert 1 <= size <= min(MAX_PAYLOAD_BYTES, TELEGRAM_CALLBACK_LIMIT), button.payload
    if reply.outcome is not None:
        assert 0.0 <= reply.outcome.score <= 100.0
    assert reply.lang in SUPPORTED_LANGUAGES


@pytest.fixture(scope="module")
def core(library: Library) -> Service:
    """One Service for the module: hypothesis re-runs a test's body, not its fixtures."""
    return Service(library, build_matcher(library))


# --- the conversation core -------------------------------------------------------------------


@FAST
@given(text=texts(600), lang=languages)
# Near-ties with today's content ("which did you mean?"); random text rarely makes one.
@example(text="maid savings", lang="en")
@example(text="skills shortages ano ang sinabi ng civil society sa pulong?", lang="tl")
@example(text="pemantauan sponsor", lang="id")
def test_ask_answers_any_text_with_a_sendable_reply(core: Service, text: str, lang: str) -> None:
    reply = core.ask(text, lang)
    assert_sendable(reply)
    if reply.outcome is not None and reply.outcome.question is not None:
        assert len(reply.outcome.question) <= len(text)


@SLOW
@given(text=long_texts(), lang=languages)
def test_ask_answers_the_longest_messages(core: Service, text: str, lang: str) -> None:
    assert_sendable(core.ask(text, lang))


@FAST
@given(payload=payloads(), lang=languages)
def test_press_answers_any_payload_with_a_sendable_reply(
    core: Service, payload: str, lang: str
) -> None:
    assert_sendable(core.press(payload, lang))


@FAST
@given(payload=st.one_of(st.none(), texts(200), st.sampled_from(content_section_ids())))
def test_start_answers_any_deep_link_payload(core: Service, payload: str | None) -> None:
    for lang in SUPPORTED_LANGUAGES:
        assert_sendable(core.start(lang, payload))


@FAST
@given(query=texts(300), lang=languages)
def test_inline_offers_sendable_articles(core: Service, query: str, lang: str) -> None:
    results = core.inline(query, lang)
    assert len(results) <= 10
    assert len({result.section_id for result in results}) == len(results)
    for result in results:
        assert 1 <= len(result.section_id.encode()) <= TELEGRAM_INLINE_ID_LIMIT
        assert result.title.strip()
        first = split_message(result.text)[0]  # what the handler sends
        assert first.strip()
        assert len(first) <= TELEGRAM_MESSAGE_LIMIT
        assert_valid_telegram_html(first)


# --- the matcher -----------------------------------------------------------------------------


@FAST
@given(
    query=texts(TELEGRAM_MESSAGE_LIMIT),
    lang=st.one_of(st.none(), languages, st.text(ANY_CHARACTER, max_size=5)),
)
def test_match_ranks_within_bounds_and_decides_consistently(
    core: Service, query: str, lang: str | None
) -> None:
    result = core.matcher.match(query, lang)
    ids = set(content_section_ids())
    scores = [candidate.score for candidate in result.candidates]
    assert all(0.0 <= score <= 100.0 for score in scores)
    assert scores == sorted(scores, reverse=True)
    assert len(result.candidates) <= 5
    assert {candidate.section_id for candidate in result.candidates} <= ids
    assert set(result.alternatives) <= ids
    assert result.lang in SUPPORTED_LANGUAGES
    assert (result.answer is not None) == (result.decision == "answer")
    if result.answer is not None:
        assert result.answer == result.candidates[0].section_id
        assert result.answer not in result.alternatives
    if result.decision == "clarify":
        assert len(result.alternatives) >= 2


@SLOW
@given(query=long_texts(), lang=languages)
def test_match_handles_the_longest_messages(core: Service, query: str, lang: str) -> None:
    result = core.matcher.match(query, lang)
    assert all(0.0 <= candidate.score <= 100.0 for candidate in result.candidates)
