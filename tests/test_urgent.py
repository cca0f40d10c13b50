"""People in danger, end to end through the fake Bot API (issue 12): the urgent-help note as a
message of its own in the language the person wrote in, the reply after it, the variants by
kind of danger, and "Find help in your country" from a sample referrals pack.

The real PTB Application polls tests/fake_bot_api.py; the content is the real content/ (plus,
where named, tests/data/referrals/sample-referrals.yaml) and the matcher is the real one, so
these messages are detected as danger and read in their language exactly as in production.
"""

from __future__ import annotations

import html
import shutil
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.config import Settings
from bot.console import ConsoleChat
from bot.content.loader import load_library
from bot.content.models import SUPPORTED_LANGUAGES, Library
from bot.i18n import t
from bot.service import Service, build_matcher
from tests.fake_bot_api import Call, FakeBotApi
from tests.html_check import assert_valid_telegram_html
from tests.support.bot import ADMIN_ID, RunningBot, run_bot
from tests.support.chat import press
from tests.test_cli import run

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_REFERRALS = Path(__file__).parent / "data" / "referrals" / "sample-referrals.yaml"
USER = 1001

# One message per language that the real matcher reads as danger in that language.
DANGER: dict[str, str] = {
    "en": "help me, my boss took my passport and locks me in",
    "ru": "меня бьёт хозяин",
    "id": "tolong saya, majikan mengambil paspor saya",
    "tl": "tulungan mo ako, kinuha ng amo ko ang pasaporte ko",
    "bn": "মালিক আমার পাসপোর্ট নিয়ে গেছে, আমাকে সাহায্য করুন",
    "ne": "मालिकले मेरो राहदानी लियो, मलाई बचाउनुहोस्",
    "th": "นายจ้างยึดพาสปอร์ตฉัน ช่วยด้วย",
    "vi": "chủ không trả lương 3 tháng rồi, giữ hộ chiếu của tôi",
}
SELF_HARM = "i want to die"
CANT_ANSWER = ("no_answer", "cannot_answer", "cannot_answer_related")
SEXUAL_VIOLENCE = "the supervisor comes into my room at night and i am scared"


async def tell(bot: RunningBot, text: str, count: int = 2, **kwargs: object) -> list[Call]:
    """Send a message as a user (app language English); return the bot's `count` messages."""
    since = bot.fake.mark()
    await bot.fake.push_message(text, **kwargs)  # type: ignore[arg-type]
    calls = await bot.fake.wait_for_call("sendMessage", count, since=since)
    for call in calls:
        assert_valid_telegram_html(call.params["text"])
    return calls


def cant_answer(call: Call, lang: str) -> bool:
    """Whether the message says "I can't answer that" (in any of its wordings)."""
    text = html.unescape(call.params["text"])
    return any(t(key, lang).split(":")[0] in text for key in CANT_ANSWER)


def first_line(library: Library, kind: str, lang: str) -> str:
    """The first sentence of the note: "I am an automatic bot..." in that language."""
    note = library.urgent_note(kind, lang)
    assert note is not None
    return note.value.splitlines()[0]


@pytest.fixture(scope="module")
def referral_library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """The real content plus the sample referrals pack."""
    folder = tmp_path_factory.mktemp("content-with-referrals")
    shutil.copytree(ROOT / "content", folder, dirs_exist_ok=True)
    shutil.copy(SAMPLE_REFERRALS, folder / SAMPLE_REFERRALS.name)
    return load_library(folder, ROOT / "seeds")


@pytest.fixture
async def referral_bot(
    bot_settings: Settings, referral_library: Library, fake_api: FakeBotApi
) -> AsyncIterator[RunningBot]:
    """The bot serving the real content and the sample referrals."""
    shutil.copy(SAMPLE_REFERRALS, bot_settings.content_dir / SAMPLE_REFERRALS.name)
    service = Service(referral_library, build_matcher(referral_library))
    async with run_bot(bot_settings, service, fake_api) as running:
        yield running


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_urgent_note_comes_first_in_the_language_written_in(
    bot: RunningBot, lang: str
) -> None:
    note, answer = await tell(bot, DANGER[lang], language_code="en")
    library = bot.service.library
    assert note.params["text"].startswith(f"<b>⚠️ {t('urgent_title', lang)}</b>")
    assert first_line(library, "general", lang) in note.params["text"]
    assert "reply_markup" not in note.params  # no button can edit the note away
    assert answer.payloads  # the topic, with its buttons, is the second message
    assert not cant_answer(answer, lang)
    if lang != "en":  # the answer is in that language too, not the app's English
        assert t("btn_menu", lang) in str(answer.buttons)


async def test_a_button_under_a_danger_reply_leaves_the_note_on_screen(bot: RunningBot) -> None:
    note, answer = await tell(bot, DANGER["en"])
    key_points = next(p for p in answer.payloads if p.startswith("k:"))
    since = bot.fake.mark()
    edit = await press(bot, key_points, message_id=777)  # the id of the second message
    assert edit.method == "editMessageText"
    assert edit.params["message_id"] == "777"
    touched = [c.method for c in bot.fake.calls[since:] if c.method not in ("getUpdates",)]
    assert "deleteMessage" not in touched
    assert touched.count("editMessageText") == 1
    assert "⚠️" not in edit.params["text"]
    assert "⚠️" in note.params["text"]


async def test_self_harm_gets_caring_words_and_something_to_do(bot: RunningBot) -> None:
    note, after = await tell(bot, SELF_HARM)
    assert "you do not have to carry this alone" in note.params["text"]
    assert "emergency number" in note.params["text"]
    assert not cant_answer(after, "en")
    assert after.params["text"] == t("urgent_follow_up", "en")
    assert {"s:human-rights", "s:trafficking", "t"} <= set(after.payloads)


async def test_sexual_violence_note_says_it_is_not_their_fault(bot: RunningBot) -> None:
    note, _ = await tell(bot, SEXUAL_VIOLENCE)
    assert "What happened is not your fault." in note.params["text"]
    assert first_line(bot.service.library, "sexual_violence", "en") in note.params["text"]


async def test_danger_with_no_topic_in_russian_never_says_cant_answer(bot: RunningBot) -> None:
    note, after = await tell(bot, "меня бьёт хозяин", language_code="en")
    assert "Я автоматический бот" in note.params["text"]
    assert after.params["text"] == t("urgent_follow_up", "ru")
    assert not cant_answer(after, "ru")


async def test_urgent_replies_are_counted_by_language_and_kind(bot: RunningBot) -> None:
    await tell(bot, SELF_HARM)
    await tell(bot, DANGER["th"])
    await bot.store.flush()
    with closing(sqlite3.connect(bot.settings.database_path)) as db:
        rows = db.execute("SELECT lang, kind, count FROM urgent_counts ORDER BY lang").fetchall()
        texts = db.execute("SELECT count(*) FROM unmatched WHERE question LIKE '%die%'").fetchone()
    assert rows == [("en", "self_harm", 1), ("th", "trafficking", 1)]
    assert texts == (1,)  # only as an unanswered question (scrubbed, with its retention)
    report = await bot.store.report(7)
    assert report.urgent_by_kind == (("self_harm", 1), ("trafficking", 1))

    since = bot.fake.mark()
    await bot.fake.push_message("/stats", user_id=ADMIN_ID)
    [table] = await bot.fake.wait_for_call("sendMessage", since=since)
    assert "Safeguarding: 2 urgent-help replies" in table.params["text"]
    assert "by kind: self_harm 1, trafficking 1" in table.params["text"]
    assert "by lang: en 1, th 1" in table.params["text"]

    # The operators' command line shows the same line.
    env = {
        "DATABASE_PATH": str(bot.settings.database_path),
        "STATS_SECRET": "0123456789abcdef" * 4,  # the report reads counts only
    }
    result = run("stats", "--days", "7", env=env)
    assert result.returncode == 0, result.stdout
    assert "Safeguarding: 2 urgent-help replies" in result.stdout


def test_the_console_shows_the_note_before_the_reply(service: Service) -> None:
    chat = ConsoleChat(service)
    shown = chat.render(chat.handle(SELF_HARM))
    note, rest = shown.split(t("urgent_follow_up", "en"))
    assert note.startswith(f"⚠️ {t('urgent_title', 'en')}\nI am an automatic bot.")
    assert "[1]" not in note  # the buttons belong to the reply after it
    assert "[1]" in rest


# --- referrals -------------------------------------------------------------------------------


async def test_find_help_in_your_country_lists_the_sample_referrals(
    referral_bot: RunningBot,
) -> None:
    _, after = await tell(referral_bot, SELF_HARM)
    assert after.payloads[0] == "r:en"
    assert after.buttons[0][0]["text"] == t("btn_find_help", "en")
    countries = await press(referral_bot, "r:en", message_id=900)
    assert countries.params["text"] == t("referrals_choose_country", "en")
    assert countries.payloads == ["r:MY:en", "r:TH:en", "t"]
    listing = await press(referral_bot, "r:TH:en", message_id=900)
    text = listing.params["text"]
    for shown in ("Example Migrant Workers Centre", "+000 0000 0001", "@example_mw_centre"):
        assert shown in text
    assert "https://example.org/th" in text
    assert "Contact checked on 2026-11-01" in text
    assert listing.payloads == ["r:en", "t"]


async def test_referrals_follow_the_language_of_the_danger_message(
    referral_bot: RunningBot,
) -> None:
    _, after = await tell(referral_bot, DANGER["th"], language_code="en")
    assert "r:th" in after.payloads
    countries = await press(referral_bot, "r:th", message_id=901)
    assert [b["text"] for row in countries.buttons for b in row][:2] == ["Malaysia", "ประเทศไทย"]
    listing = await press(referral_bot, "r:TH:th", message_id=901)
    assert "ศูนย์แรงงานข้ามชาติตัวอย่าง" in listing.params["text"]
    assert "ทุกวัน 8:00 ถึง 20:00" in listing.params["text"]


async def test_cant_answer_offers_find_help_too(referral_bot: RunningBot) -> None:
    since = referral_bot.fake.mark()
    await referral_bot.fake.push_message("how many calories in a cup of rice")
    [reply] = await referral_bot.fake.wait_for_call("sendMessage", since=since)
    assert reply.payloads[0] == "r:en"


async def test_a_forged_country_gets_a_fresh_menu(referral_bot: RunningBot) -> None:
    reply = await press(referral_bot, "r:ZZ:en")
    assert "out of date" in reply.params["text"]
