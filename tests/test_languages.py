"""Issue 7, "Speak the users' languages", end to end: the real PTB Application against the fake
Bot API server (tests/fake_bot_api.py), with the real content and a real SQLite file.

- A whole conversation in each of the six languages: welcome, topic menu, a question written in
  that language, buttons. Translations are unreviewed, so each answer carries the note and a
  button to the English original.
- The language comes from Telegram's `language_code` until the user picks one with /language; the
  pick is kept in SQLite (across restarts) until /forget.
- A question clearly written in another supported language is answered in that language, and
  the buttons under the answer stay in it. A question in English keeps the user's language.
- Text missing in a language is shown in English, marked as such (content built in tmp_path).

The questions below are our own, written for these tests; the matcher's quality is measured on
a separate question set by scripts/eval_matching.py.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from bot.content.loader import load_library
from bot.content.models import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, Library, Section
from bot.i18n import catalogue, t
from bot.replies import Reply, escape
from bot.service import Service
from tests.fake_bot_api import BOT_USERNAME, Call
from tests.html_check import assert_valid_telegram_html
from tests.support.chat import press as press_button
from tests.support.chat import say as say_text

if TYPE_CHECKING:
    from tests.support.bot import RunningBot, StartBot

ROOT = Path(__file__).resolve().parent.parent
USER = 1001

# Per language: the `language_code` Telegram reports (Filipino is 'fil'), a question written in
# that language, and the section it is about.
CONVERSATIONS: dict[str, tuple[str, str, str]] = {
    "en": (
        "en-GB",
        "How can I send money to my family back home without paying big fees?",
        "contributions",
    ),
    "ru": ("ru", "Может ли работодатель забрать мой паспорт?", "human-rights"),
    "id": (
        "id",
        "Apa yang dikatakan pertemuan tentang perdagangan manusia dan kerja paksa?",
        "trafficking",
    ),
    "tl": (
        "fil",
        "Bakit umaalis ang mga tao sa bansa nila dahil sa pagbabago ng klima at kahirapan?",
        "drivers",
    ),
    "bn": ("bn", "বৈধ পথে বিদেশে কাজ করতে যাব কীভাবে?", "regular-pathways"),
    "ne": ("ne", "धेरै शुल्क नतिरी घरमा परिवारलाई पैसा कसरी पठाउने?", "contributions"),
    "th": ("th", "นายจ้างยึดพาสปอร์ตของฉันได้ไหม", "human-rights"),
    "vi": ("vi", "Hội nghị nói gì về buôn bán người?", "trafficking"),
}


# --- helpers ---------------------------------------------------------------------------------


async def say(bot: RunningBot, text: str, **kwargs: Any) -> Call:
    """Send a message as a user; return the bot's answer (after any urgent-help note)."""
    call = await say_text(bot, text, **kwargs)
    assert_valid_telegram_html(call.params["text"])
    return call


async def press(bot: RunningBot, data: str, **kwargs: Any) -> Call:
    """Press a button; return the edit (or new message) that answered it."""
    call = await press_button(bot, data, **kwargs)
    assert_valid_telegram_html(call.params["text"])
    return call


def assert_sent(call: Call, reply: Reply) -> None:
    """The call shows exactly this reply: text and buttons."""
    assert call.params["text"] == reply.text
    assert call.payloads == [button.payload for row in reply.buttons for button in row]


def labels(call: Call) -> list[str]:
    """Every button's label, in order."""
    return [button["text"] for row in call.buttons for button in row]


def note(key: str, lang: str) -> str:
    """A note line as replies show it (italic, escaped)."""
    return f"<i>{escape(t(key, lang))}</i>"


def forget_prefix(lang: str) -> str:
    """The start of "Done. I deleted ... ({count} records)", whatever the count."""
    return t("forget_done", lang, count=999).split("999")[0]


async def event_languages(bot: RunningBot) -> list[str]:
    """The language of every event recorded so far (read from the table: no query shows it)."""
    await bot.store.flush()
    with closing(sqlite3.connect(bot.settings.database_path)) as db:
        return [lang for (lang,) in db.execute("SELECT lang FROM events ORDER BY rowid")]


# --- a conversation in each language ---------------------------------------------------------


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_a_conversation_in_each_language(bot: RunningBot, lang: str) -> None:
    code, question, section_id = CONVERSATIONS[lang]
    library = bot.service.library
    section = library.section(section_id)
    assert section is not None
    translated = lang != DEFAULT_LANGUAGE

    # First contact: Telegram's language_code decides.
    welcome = await say(bot, "/start", language_code=code)
    assert welcome.params["text"].startswith(escape(catalogue(lang)["welcome"]))
    assert_sent(welcome, bot.service.start(lang))

    topics = await say(bot, "/topics", language_code=code)
    assert topics.params["text"] == escape(catalogue(lang)["topics_title"])
    assert labels(topics) == [s.title[lang] for s in library.sections]

    # A question written in the language: that section, in that language.
    answer = await say(bot, question, language_code=code)
    text = answer.params["text"]
    assert f"<b>{escape(section.title[lang])}</b>" in text  # after the urgent note, if any
    assert escape(section.summary[lang]) in text
    assert escape(section.for_migrants[lang]) in text  # "What it means for you", under it
    assert (note("unreviewed_note", lang) in text) is translated
    assert note("fallback_note", lang) not in text
    assert (f"s:{section_id}:en" in answer.payloads) is translated
    assert t("btn_key_points", lang) in labels(answer)

    # Its buttons answer in the same language.
    points = await press(bot, f"k:{section_id}", language_code=code)
    for point in section.key_points[lang]:
        assert escape(point) in points.params["text"]
    assert (note("unreviewed_note", lang) in points.params["text"]) is translated
    assert (f"k:{section_id}:en" in points.payloads) is translated
    assert t("btn_summary", lang) in labels(points)

    assert await event_languages(bot) == [lang] * 3  # /start, the question, the button


@pytest.mark.parametrize("lang", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"])
async def test_the_english_original_is_one_tap_away(bot: RunningBot, lang: str) -> None:
    code, _, section_id = CONVERSATIONS[lang]
    section = bot.service.library.section(section_id)
    assert section is not None

    summary = await press(bot, f"s:{section_id}:en", language_code=code)
    assert escape(section.summary["en"]) in summary.params["text"]
    assert catalogue("en")["unreviewed_note"] not in summary.params["text"]
    # The buttons under the English view stay in English; the topic menu is the user's.
    assert f"k:{section_id}:en" in summary.payloads
    assert f"s:{section_id}:en" not in summary.payloads
    assert summary.payloads[-1] == "t"

    points = await press(bot, f"k:{section_id}:en", language_code=code)
    for point in section.key_points["en"]:
        assert escape(point) in points.params["text"]
    assert f"s:{section_id}:en" in points.payloads

    menu = await press(bot, "t", language_code=code)
    assert labels(menu) == [s.title[lang] for s in bot.service.library.sections]


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_original_wording_is_always_the_english_source(service: Service, lang: str) -> None:
    for section in service.library.sections:
        reply = service.press(f"o:{section.id}", lang)
        heading, body = reply.text.split("\n\n", 1)
        start, end = section.source_lines
        assert heading == f"<b>{escape(t('original_title', lang))}</b>"
        assert f"{start}-{end}" not in heading  # line numbers are for admins (/content)
        assert body.replace("<b>", "").replace("</b>", "") == escape(section.original)
        assert not [p for p in (b.payload for r in reply.buttons for b in r) if p.endswith(":en")]


# --- questions in another language than the user's -------------------------------------------


@pytest.mark.parametrize(
    ("setting", "question", "section_id", "expected"),
    [
        ("en", "Что говорили о торговле людьми и принудительном труде?", "trafficking", "ru"),
        ("en", "মালিক কি আমার পাসপোর্ট রেখে দিতে পারে?", "human-rights", "bn"),
        ("tl", "Apakah majikan boleh menahan paspor saya?", "human-rights", "id"),
        ("ne", "Puwede bang kunin ng amo ko ang pasaporte ko?", "human-rights", "tl"),
        ("en", "Tôi muốn gửi tiền về nhà mà phí chuyển tiền cao quá", "contributions", "vi"),
        # English words are common in every language's messages: the setting wins.
        ("ru", "Is my employer allowed to keep my passport?", "human-rights", "ru"),
        ("id", "Is my employer allowed to keep my passport?", "human-rights", "id"),
    ],
    ids=[
        "en-asks-ru",
        "en-asks-bn",
        "tl-asks-id",
        "ne-asks-tl",
        "en-asks-vi",
        "ru-asks-en",
        "id-asks-en",
    ],
)
async def test_a_question_is_answered_in_its_language(
    bot: RunningBot, setting: str, question: str, section_id: str, expected: str
) -> None:
    await press(bot, f"l:{setting}")
    section = bot.service.library.section(section_id)
    assert section is not None

    answer = await say(bot, question)  # Telegram says "en"; the choice above wins
    assert f"<b>{escape(section.title[expected])}</b>" in answer.params["text"]
    assert escape(section.summary[expected]) in answer.params["text"]
    assert note("unreviewed_note", expected) in answer.params["text"]
    assert await event_languages(bot) == [expected]

    if expected != setting:  # the buttons under the answer stay in the question's language
        assert f"k:{section_id}:{expected}" in answer.payloads
        points = await press(bot, f"k:{section_id}:{expected}")
        assert escape(section.key_points[expected][0]) in points.params["text"]
        assert t("btn_summary", expected) in labels(points)
    else:
        assert f"k:{section_id}" in answer.payloads
    # The English original is offered in every case, and the setting is unchanged.
    assert f"s:{section_id}:en" in answer.payloads
    assert await bot.store.get_language(bot.store.user_key(USER)) == setting
    menu = await say(bot, "/topics")
    assert labels(menu) == [s.title[setting] for s in bot.service.library.sections]


# --- choosing a language ---------------------------------------------------------------------


async def test_a_chosen_language_is_kept_across_restarts_until_forget(
    start_bot: StartBot,
) -> None:
    async with start_bot() as first:
        menu = await say(first, "/language")
        assert_sent(menu, first.service.language_menu("en"))
        assert menu.payloads == [f"l:{code}" for code in SUPPORTED_LANGUAGES]
        assert labels(menu) == [catalogue(code)["language_name"] for code in SUPPORTED_LANGUAGES]

        chosen = await press(first, "l:bn", message_id=777)
        assert chosen.method == "editMessageText"  # the language menu becomes the topic menu
        assert chosen.params["message_id"] == "777"
        assert_sent(chosen, first.service.language_chosen("bn"))
        assert chosen.params["text"].startswith(escape(t("language_set", "bn")))

        # Telegram still says English; the choice wins.
        assert_sent(await say(first, "/start", language_code="en"), first.service.start("bn"))

    async with start_bot() as second:  # the same database, a new Application
        assert_sent(await say(second, "/topics", language_code="en"), second.service.topics("bn"))
        assert_sent(await press(second, "l:ne"), second.service.language_chosen("ne"))
        assert_sent(await say(second, "/help"), second.service.help("ne"))

        forgot = await say(second, "/forget")
        assert forgot.params["text"].startswith(escape(forget_prefix("ne")))
        assert await second.store.get_language(second.store.user_key(USER)) is None
        assert_sent(await say(second, "/start", language_code="en"), second.service.start("en"))

    async with start_bot() as third:  # nothing kept: Telegram's language again
        assert_sent(await say(third, "/start", language_code="ru"), third.service.start("ru"))
        assert await third.store.get_language(third.store.user_key(USER)) is None


def test_the_language_chosen_reply_is_in_the_new_language(service: Service) -> None:
    for lang in SUPPORTED_LANGUAGES:
        reply = service.language_chosen(lang)
        topics = service.topics(lang)
        assert reply.text == f"{escape(t('language_set', lang))}\n\n{topics.text}"
        assert reply.buttons == topics.buttons
        assert reply.lang == lang


# --- inline mode -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "query", "lang"),
    [
        ("en", "", "en"),
        ("fil", "", "tl"),
        ("bn", "", "bn"),
        ("en", "торговля людьми", "ru"),  # a Russian query by an English user
    ],
    ids=["en", "fil", "bn", "en-asks-ru"],
)
async def test_inline_results_are_in_the_users_or_the_querys_language(
    bot: RunningBot, code: str, query: str, lang: str
) -> None:
    await bot.fake.push_inline(query, language_code=code)
    [call] = await bot.fake.wait_for_call("answerInlineQuery")
    results = call.params["results"]
    assert results
    assert [r["title"] for r in results] == [i.title for i in bot.service.inline(query, lang)]
    for result in results:
        section = bot.service.library.section(result["id"])
        assert section is not None
        assert result["title"] == section.title[lang]
        [[button]] = result["reply_markup"]["inline_keyboard"]
        assert button["text"] == t("btn_open_bot", lang, bot=BOT_USERNAME)
        assert button["url"] == f"https://t.me/{BOT_USERNAME}?start={result['id']}"


# --- text missing in a language: English, marked ---------------------------------------------


def _partial_content(tmp_path: Path) -> Path:
    """The real content, with some text removed from a few languages; returns the folder."""
    source = ROOT / "content" / "chair-summary-2017.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    sections = {section["id"]: section for section in data["sections"]}
    del sections["trafficking"]["key_points"]["ne"]
    del sections["trafficking"]["for_migrants"]["ne"]
    del sections["trafficking"]["summary"]["id"]
    del sections["drivers"]["title"]["bn"]
    del sections["drivers"]["summary"]["bn"]
    del sections["drivers"]["for_migrants"]["bn"]
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / source.name).write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return folder


@pytest.fixture
def partial_library(tmp_path: Path) -> Library:
    """The content of `_partial_content`, loaded as the bot loads it."""
    return load_library(_partial_content(tmp_path), ROOT / "seeds")


def _section(library: Library, section_id: str) -> Section:
    section = library.section(section_id)
    assert section is not None
    return section


def test_a_view_wholly_in_english_has_only_the_fallback_note(partial_library: Library) -> None:
    service = Service(partial_library)
    drivers = _section(partial_library, "drivers")
    reply = service.press("s:drivers", "bn")
    assert reply.text.startswith(f"<b>{escape(drivers.title['en'])}</b>")
    assert escape(drivers.summary["en"]) in reply.text
    assert note("fallback_note", "bn") in reply.text
    assert note("unreviewed_note", "bn") not in reply.text
    assert "s:drivers:en" not in [b.payload for row in reply.buttons for b in row]
    # The parts still translated are shown translated: the key points, the menu.
    points = service.press("k:drivers", "bn")
    assert escape(drivers.key_points["bn"][0]) in points.text
    assert note("fallback_note", "bn") in points.text  # the title is in English


class TestMissingTranslations:
    """The bot serving content where a few translations are missing."""

    @pytest.fixture
    def service(self, partial_library: Library) -> Service:
        """Replaces conftest's `service`, so `bot` serves the partial content."""
        return Service(partial_library)

    async def test_missing_key_points_are_shown_in_english_and_marked(
        self, bot: RunningBot
    ) -> None:
        section = _section(bot.service.library, "trafficking")
        assert "ne" not in section.key_points  # the partial content is served
        summary = await say(bot, "/start trafficking", language_code="ne")
        assert escape(section.summary["ne"]) in summary.params["text"]
        # "What it means for you", under the summary, is missing in Nepali: English, marked.
        assert escape(section.for_migrants["en"]) in summary.params["text"]
        assert note("fallback_note", "ne") in summary.params["text"]

        points = await press(bot, "k:trafficking", language_code="ne")
        text = points.params["text"]
        assert text.startswith(f"<b>{escape(section.title['ne'])}: ")  # still translated
        for point in section.key_points["en"]:
            assert escape(point) in text
        assert note("fallback_note", "ne") in text  # the marker, in the user's language
        assert note("unreviewed_note", "ne") in text  # the title is an unchecked translation
        assert_sent(points, bot.service.press("k:trafficking", "ne"))

    async def test_a_missing_summary_is_shown_in_english_and_marked(self, bot: RunningBot) -> None:
        section = _section(bot.service.library, "trafficking")
        call = await press(bot, "s:trafficking", language_code="id")
        assert call.params["text"].startswith(f"<b>{escape(section.title['id'])}</b>")
        assert escape(section.summary["en"]) in call.params["text"]
        assert note("fallback_note", "id") in call.params["text"]
        assert t("btn_key_points", "id") in labels(call)
        assert_sent(call, bot.service.press("s:trafficking", "id"))
