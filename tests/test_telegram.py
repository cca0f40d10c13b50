"""The Telegram front end, end to end: the real PTB Application polling a fake Bot API server.

Every test runs `build_application` against tests/fake_bot_api.py on 127.0.0.1, with the real
content and a real SQLite file in tmp_path, and asserts what the bot sent. Expected texts come
from the Service itself, so these tests check the wiring, not the matcher's tuning.

Updates are processed one at a time, in order; "the bot ignored X" is checked by pushing X and
then a message that is answered, and seeing that only that one was.
"""

from __future__ import annotations

import asyncio
import csv
import logging
import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from bot.commands import ADMIN_COMMANDS, USER_COMMANDS
from bot.config import Settings
from bot.content.models import SUPPORTED_LANGUAGES, Library
from bot.i18n import t
from bot.matching import Matcher
from bot.replies import escape, split_message
from bot.service import Service
from bot.storage.store import StatsStore
from bot.tg.app import ADMIN_COMMAND_CALLBACKS, ALLOWED_UPDATES
from bot.tg.errors import REDACTED, RedactSecrets
from tests.fake_bot_api import BOT_USERNAME, FakeBotApi, Fault
from tests.html_check import assert_valid_telegram_html
from tests.support.bot import TOO_SLOW
from tests.support.chat import admin, assert_sent, press, say
from tests.support.matching import ScriptedMatcher
from tests.support.process import bot_env, free_port, spawn_bot, stop_bot, until_listening

if TYPE_CHECKING:
    from tests.support.bot import RunningBot, StartBot

ROOT = Path(__file__).resolve().parent.parent
USER = 1001
OTHER_USER = 2002


# --- helpers ---------------------------------------------------------------------------------


async def assert_ignored(bot: RunningBot, **message: Any) -> None:
    """Push a message the bot must not answer, then one it answers: only that one is."""
    since = bot.fake.mark()
    await bot.fake.push_message(**message)
    answer = await say(bot, "/help", user_id=OTHER_USER)
    assert answer.chat_id == OTHER_USER
    assert [c.chat_id for c in bot.fake.calls_of("sendMessage", since=since)] == [OTHER_USER]


@pytest.fixture
def service(library: Library, matcher: Matcher) -> Service:
    """The Service over the real content, with the scripted questions above."""
    return Service(library, ScriptedMatcher(matcher))  # type: ignore[arg-type]


async def recorded(bot: RunningBot) -> list[tuple[Any, ...]]:
    """Every event row the store wrote (after flushing what is queued).

    Read from the table itself: no query of the store shows user keys or chat types.
    """
    await bot.store.flush()
    with closing(sqlite3.connect(bot.settings.database_path)) as db:
        return db.execute(
            "SELECT user_key, route, section_id, decision, lang, chat_type FROM events"
        ).fetchall()


# --- start-up --------------------------------------------------------------------------------


async def test_start_up_publishes_the_command_menu_in_every_language(bot: RunningBot) -> None:
    calls = [call for call in bot.fake.calls_of("setMyCommands") if "scope" not in call.params]
    assert len(calls) == len(SUPPORTED_LANGUAGES)
    default = next(call for call in calls if "language_code" not in call.params)
    assert [(c["command"], c["description"]) for c in default.params["commands"]] == (
        bot.service.commands("en")
    )
    languages = {call.params.get("language_code", "en") for call in calls}
    assert languages == set(SUPPORTED_LANGUAGES)


async def test_each_admin_gets_a_menu_with_the_admin_commands_in_their_own_chat(
    bot: RunningBot,
) -> None:
    scoped = [call for call in bot.fake.calls_of("setMyCommands") if "scope" in call.params]
    assert [call.params["scope"] for call in scoped] == [
        {"type": "chat", "chat_id": admin_id} for admin_id in sorted(bot.settings.admin_ids)
    ]
    names = [command["command"] for command in scoped[0].params["commands"]]
    assert names == [name for name, _ in bot.service.commands("en")] + list(ADMIN_COMMANDS)


async def test_polling_asks_for_the_updates_it_handles_and_drops_nothing(
    bot: RunningBot,
) -> None:
    assert bot.fake.calls_of("deleteWebhook")[0].params["drop_pending_updates"] == "false"
    await say(bot, "/start")
    polls = bot.fake.calls_of("getUpdates")
    assert set(polls[-1].params["allowed_updates"]) == set(ALLOWED_UPDATES)
    assert {"message", "callback_query", "inline_query"} <= set(ALLOWED_UPDATES)


# --- commands --------------------------------------------------------------------------------


async def test_start_welcomes_with_the_topic_menu(bot: RunningBot) -> None:
    call = await say(bot, "/start")
    assert call.chat_id == USER
    assert_sent(call, bot.service.start("en"))
    assert call.params["link_preview_options"] == {"is_disabled": True}


async def test_deep_link_opens_the_section(bot: RunningBot) -> None:
    call = await say(bot, "/start trafficking")
    assert_sent(call, bot.service.start("en", "trafficking"))
    assert [row[1:4] for row in await recorded(bot)] == [("deeplink", "trafficking", "answer")]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/topics", lambda service: service.topics("en")),
        ("/help", lambda service: service.help("en")),
        ("/about", lambda service: service.about("en")),
        ("/privacy", lambda service: service.privacy("en")),
        ("/language", lambda service: service.language_menu("en")),
        ("/nonsense", lambda service: service.unknown_command("en")),
    ],
)
async def test_each_command_sends_the_services_reply(
    bot: RunningBot, command: str, expected: Any
) -> None:
    assert_sent(await say(bot, command), expected(bot.service))


async def test_help_lists_every_command_of_the_menu(bot: RunningBot) -> None:
    text = (await say(bot, "/help")).params["text"]
    menu = bot.fake.calls_of("setMyCommands")[0].params["commands"]
    for entry in menu:
        assert f"/{entry['command']} - {entry['description']}" in text
    assert [entry["command"] for entry in menu] == [command.name for command in USER_COMMANDS]


async def test_forget_deletes_what_was_kept_and_says_so(bot: RunningBot) -> None:
    await say(bot, "/start trafficking")
    await press(bot, "l:ru")
    await bot.store.flush()

    call = await say(bot, "/forget")  # answered in Russian, the language chosen above
    assert call.params["text"].startswith(t("forget_done", "ru", count=999).split("999")[0])
    assert await recorded(bot) == []
    assert await bot.store.get_language(bot.store.user_key(USER)) is None

    again = await say(bot, "/forget")  # the choice is gone: English again
    assert again.params["text"] == t("forget_nothing", "en")
    assert await recorded(bot) == []


async def test_subscribe_and_unsubscribe(bot: RunningBot) -> None:
    assert (await say(bot, "/subscribe")).params["text"] == t("subscribed", "en")
    assert await bot.store.subscribers() == [USER]
    assert (await say(bot, "/unsubscribe")).params["text"] == t("unsubscribed", "en")
    assert await bot.store.subscribers() == []


async def test_a_subscribed_group_that_becomes_a_supergroup_stays_subscribed(
    bot: RunningBot,
) -> None:
    group, supergroup = -USER, -1_001_234_567_890
    await say(bot, "/subscribe", chat_type="group")
    assert await bot.store.subscribers() == [group]
    # Telegram tells the old group, then the new supergroup; both messages are handled.
    await bot.fake.push_message(None, chat_type="group", migrate_to_chat_id=supergroup)
    await bot.fake.push_message(
        None, chat_type="supergroup", chat_id=supergroup, migrate_from_chat_id=group
    )
    await say(bot, "/help")  # updates are handled in order: these two are done by now
    assert await bot.store.subscribers() == [supergroup]


# --- free text -------------------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["answer", "clarify", "none"])
async def test_free_text_gets_the_services_answer(bot: RunningBot, decision: str) -> None:
    question = f"q {decision}"
    reply = bot.service.ask(question, "en")
    assert reply.outcome is not None
    assert reply.outcome.decision == decision
    assert_sent(await say(bot, question), reply)
    [row] = await recorded(bot)
    assert row[1:] == ("text", reply.outcome.section_id, decision, "en", "private")
    assert row[0] == bot.store.day_key(USER)  # today's key, never the id


async def test_distress_gets_the_urgent_help_note_first(bot: RunningBot) -> None:
    question = "q danger"
    since = bot.fake.mark()
    await bot.fake.push_message(question)
    note, answer = await bot.fake.wait_for_call("sendMessage", 2, since=since)
    reply = bot.service.ask(question, "en")
    assert note.params["text"] == reply.before[0]
    assert note.params["text"].startswith(f"<b>⚠️ {t('urgent_title', 'en')}</b>")
    assert_sent(answer, reply)


async def test_a_4096_character_message_is_answered(bot: RunningBot) -> None:
    text = ("remittance fees " * 300)[:4096]
    assert len(text) == 4096
    call = await say(bot, text)
    assert_sent(call, bot.service.ask(text, "en"))


async def test_the_raw_user_id_is_never_stored(bot: RunningBot) -> None:
    await say(bot, "/start", user_id=987654321)
    await say(bot, "q none", user_id=987654321)
    await bot.store.flush()
    database = bot.settings.database_path
    files = list(database.parent.glob(f"{database.name}*"))  # with the -wal and -shm files
    assert database in files
    assert not [file for file in files if b"987654321" in file.read_bytes()]


# --- buttons ---------------------------------------------------------------------------------


async def test_button_press_is_answered_then_edits_the_menu(bot: RunningBot) -> None:
    call = await press(bot, "k:human-rights", message_id=555)
    assert call.method == "editMessageText"
    assert call.params["message_id"] == "555"
    assert_sent(call, bot.service.press("k:human-rights", "en"))
    assert len(bot.fake.calls_of("answerCallbackQuery")) == 1
    first = bot.fake.calls.index(bot.fake.calls_of("answerCallbackQuery")[0])
    assert first < bot.fake.calls.index(call)  # the spinner stops before the work is done
    assert [row[1:4] for row in await recorded(bot)] == [("button", "human-rights", "answer")]


@pytest.mark.parametrize(
    "data", ["s:no-such-section", "k:", "zzz", "s:human-rights:xx", "l:xx", "o:" + "x" * 62]
)
async def test_stale_or_forged_buttons_get_a_fresh_menu(bot: RunningBot, data: str) -> None:
    call = await press(bot, data)
    assert_sent(call, bot.service.press(data, "en"))
    assert call.params["text"] == t("stale_menu", "en")
    assert len(bot.fake.calls_of("answerCallbackQuery")) == 1


async def test_the_same_view_pressed_twice_is_not_an_error(bot: RunningBot) -> None:
    bot.fake.inject(
        "editMessageText",
        Fault.error(
            400,
            "Bad Request: message is not modified: specified new message content "
            "and reply markup are exactly the same",
        ),
    )
    since = bot.fake.mark()
    await bot.fake.push_callback("s:trafficking")
    await say(bot, "/help")  # processed after the press
    assert bot.fake.calls_of("sendMessage", since=since)[0].params["text"].startswith("<b>")
    assert len(bot.fake.calls_of("sendMessage", since=since)) == 1  # only /help's answer


async def test_a_menu_too_old_to_edit_gets_a_new_message(bot: RunningBot) -> None:
    bot.fake.inject("editMessageText", Fault.error(400, "Bad Request: message can't be edited"))
    since = bot.fake.mark()
    await bot.fake.push_callback("s:trafficking")
    [call] = await bot.fake.wait_for_call("sendMessage", since=since)
    assert_sent(call, bot.service.press("s:trafficking", "en"))


async def test_a_reply_too_long_for_one_message_is_split(bot: RunningBot) -> None:
    reply = bot.service.press("o:cooperation", "en")
    parts = split_message(reply.text)
    assert len(parts) == 2  # the original wording of this section is over 4000 characters

    since = bot.fake.mark()
    await bot.fake.push_callback("o:cooperation")
    calls = await bot.fake.wait_for_call("sendMessage", count=2, since=since)
    assert [call.params["text"] for call in calls] == parts
    assert "reply_markup" not in calls[0].params
    assert calls[1].payloads == [button.payload for row in reply.buttons for button in row]
    for call in calls:
        assert len(call.params["text"]) <= 4096
        assert_valid_telegram_html(call.params["text"])
    assert not bot.fake.calls_of("editMessageText", since=since)


async def test_choosing_a_language_is_remembered(bot: RunningBot) -> None:
    call = await press(bot, "l:ru")
    assert call.params["text"].startswith(t("language_set", "ru"))
    assert await bot.store.get_language(bot.store.user_key(USER)) == "ru"
    await say(bot, "/start trafficking", language_code="en")
    assert [row[4] for row in await recorded(bot)] == ["ru"]


@pytest.mark.parametrize(
    ("language_code", "lang"),
    [("ru", "ru"), ("ru-RU", "ru"), ("fil", "tl"), ("de", "en"), (None, "en")],
)
async def test_telegram_language_is_used_when_none_was_chosen(
    bot: RunningBot, language_code: str | None, lang: str
) -> None:
    call = await say(bot, "/start trafficking", language_code=language_code)
    assert_sent(call, bot.service.start(lang, "trafficking"))
    assert [row[4] for row in await recorded(bot)] == [lang]


# --- inline mode -----------------------------------------------------------------------------


async def test_inline_query_offers_sections_that_link_back_to_the_bot(bot: RunningBot) -> None:
    await bot.fake.push_inline("remittance fees")
    [call] = await bot.fake.wait_for_call("answerInlineQuery")
    results = call.params["results"]
    expected = bot.service.inline("remittance fees", "en")
    assert [result["id"] for result in results] == [item.section_id for item in expected]
    assert results[0]["id"] == "contributions"
    for result in results:
        [[button]] = result["reply_markup"]["inline_keyboard"]
        assert button["url"] == f"https://t.me/{BOT_USERNAME}?start={result['id']}"
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        assert len(content["message_text"]) <= 4096
        assert_valid_telegram_html(content["message_text"])


async def test_an_empty_inline_query_offers_every_topic(bot: RunningBot) -> None:
    await bot.fake.push_inline("")
    [call] = await bot.fake.wait_for_call("answerInlineQuery")
    assert len(call.params["results"]) == min(10, len(bot.service.library.sections))


async def test_a_chosen_inline_result_is_counted(bot: RunningBot) -> None:
    await bot.fake.push_update(
        "chosen_inline_result",
        {
            "result_id": "contributions",
            "from": {"id": USER, "is_bot": False, "first_name": "Test"},
            "query": "remittance",
        },
    )
    await say(bot, "/help")
    assert [row[1:4] for row in await recorded(bot)] == [("inline", "contributions", "answer")]


# --- groups and other messages ---------------------------------------------------------------


async def test_group_messages_not_meant_for_the_bot_are_ignored(bot: RunningBot) -> None:
    await assert_ignored(bot, text="remittance fees", chat_type="supergroup")
    await assert_ignored(bot, text="/help@some_other_bot", chat_type="group")
    await assert_ignored(bot, text="/nonsense", chat_type="group")
    await assert_ignored(bot, text=None, attachment="sticker", chat_type="group")


async def test_group_mention_is_answered_as_a_reply(bot: RunningBot) -> None:
    text = f"@{BOT_USERNAME.upper()} remittance fees"
    since = bot.fake.mark()
    message_id = await bot.fake.push_message(text, chat_type="group")
    [call] = await bot.fake.wait_for_call("sendMessage", since=since)
    assert call.chat_id == -USER
    assert call.params["reply_parameters"]["allow_sending_without_reply"] is True
    assert call.params["reply_parameters"]["message_id"] != message_id  # a message id, not update
    assert_sent(call, bot.service.ask("remittance fees", "en"))
    assert [row[5] for row in await recorded(bot)] == ["group"]


async def test_group_reply_to_the_bot_is_answered(bot: RunningBot) -> None:
    call = await say(bot, "remittance fees", chat_type="group", reply_to_bot=True)
    assert_sent(call, bot.service.ask("remittance fees", "en"))


async def test_group_commands_are_answered(bot: RunningBot) -> None:
    assert_sent(await say(bot, "/help", chat_type="group"), bot.service.help("en"))
    assert_sent(
        await say(bot, f"/topics@{BOT_USERNAME}", chat_type="group"), bot.service.topics("en")
    )
    assert_sent(
        await say(bot, f"/nonsense@{BOT_USERNAME}", chat_type="group"),
        bot.service.unknown_command("en"),
    )


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "location", "contact", "document"])
async def test_non_text_messages_get_a_short_pointer(bot: RunningBot, kind: str) -> None:
    call = await say(bot, None, attachment=kind)
    assert_sent(call, bot.service.text_only("en"))


async def test_edited_messages_are_ignored(bot: RunningBot) -> None:
    await assert_ignored(bot, text="remittance fees", edited=True)


# --- admin commands --------------------------------------------------------------------------


async def test_stats_sends_a_table_then_a_chart_and_a_trend(bot: RunningBot) -> None:
    await say(bot, "/start trafficking")
    since = bot.fake.mark()
    await bot.fake.push_message("/stats 7d", user_id=admin(bot))
    [table] = await bot.fake.wait_for_call("sendMessage", since=since)
    chart, trend = await bot.fake.wait_for_call("sendPhoto", 2, since=since)
    assert table.params["text"].startswith("<pre>Stats: last 7 days")
    section = bot.service.library.section("trafficking")
    assert section is not None
    assert escape(section.title["en"][:17]) in table.params["text"]  # the title, not the id
    assert_valid_telegram_html(table.params["text"])
    assert chart.files["photo"][1].startswith(b"\x89PNG")
    assert trend.params["caption"] == "Top topics per week, last 8 weeks"


async def test_stats_explains_its_periods(bot: RunningBot) -> None:
    call = await say(bot, "/stats yesterday", user_id=admin(bot))
    assert call.params["text"] == "Use /stats with one of: 30d, 7d, 90d, all"


async def test_unanswered_lists_scrubbed_questions(bot: RunningBot) -> None:
    question = "q none"
    await say(bot, question)
    call = await say(bot, "/unanswered", user_id=admin(bot))
    assert call.params["text"].startswith("<pre>Unanswered, last 30 days")
    assert f"   1  [en]  {question}" in call.params["text"]


async def test_export_sends_the_counts_as_csv(bot: RunningBot) -> None:
    await say(bot, "/start trafficking")
    since = bot.fake.mark()
    await bot.fake.push_message("/export", user_id=admin(bot))
    [call] = await bot.fake.wait_for_call("sendDocument", since=since)
    name, content = call.files["document"]
    assert name == "bot-counts.csv"
    lines = content.decode().splitlines()
    assert lines[0] == "date,topic_id,topic_title,language,route,outcome,count"
    section = bot.service.library.section("trafficking")
    assert section is not None
    [row] = [row for row in csv.reader(lines) if row[1] == "trafficking"]
    today = str(datetime.now(UTC).date())
    assert row == [today, "trafficking", section.title["en"], "en", "deeplink", "answered", "1"]


@pytest.mark.parametrize("command", sorted(ADMIN_COMMAND_CALLBACKS))
async def test_admin_commands_look_unknown_to_everyone_else(bot: RunningBot, command: str) -> None:
    # Same username as an admin might have, different numeric id: still not an admin.
    call = await say(bot, f"/{command}", user_id=OTHER_USER, username="outreach_admin")
    assert_sent(call, bot.service.unknown_command("en"))
    group = await say(bot, f"/{command}@{BOT_USERNAME}", user_id=admin(bot), chat_type="group")
    assert_sent(group, bot.service.unknown_command("en"))
    assert not bot.fake.calls_of("sendPhoto")
    assert not bot.fake.calls_of("sendDocument")


# --- failures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault.too_many_requests(retry_after=1),
        Fault.server_error(500),
        Fault.server_error(502),
        Fault.drop(),
        Fault.malformed(),
        Fault.raw(200, '{"ok": true, "result": {"not": "a list"}}'),
    ],
    ids=["429", "500", "502", "dropped", "not-json", "not-a-list"],
)
async def test_polling_survives_a_telegram_outage(
    bot: RunningBot, fault: Fault, caplog: pytest.LogCaptureFixture
) -> None:
    await say(bot, "/start")  # polling is under way
    bot.fake.inject("getUpdates", fault)
    await bot.fake.wait_until(
        lambda: any(not call.ok for call in bot.fake.calls_of("getUpdates", failed=True))
    )
    assert_sent(await say(bot, "/help"), bot.service.help("en"))
    # Not PTB's traceback per failed poll (telegram.ext.Updater), but one line from us.
    assert not [
        r
        for r in caplog.records
        if r.name.startswith(("bot", "telegram.ext")) and r.levelno >= logging.ERROR
    ]
    if fault.status != 429:  # flood control is waited out quietly
        [warning] = [r for r in caplog.records if r.message.startswith("Polling Telegram failed")]
        assert warning.exc_info is None


@pytest.mark.short_client_timeouts
async def test_polling_survives_a_request_that_times_out(bot: RunningBot) -> None:
    await say(bot, "/start")
    # Longer than the client's read timeout for a poll (its timeout plus the long poll).
    bot.fake.inject("getUpdates", Fault.delay(TOO_SLOW))
    await bot.fake.wait_until(lambda: any(c.fault for c in bot.fake.calls_of("getUpdates")))
    assert_sent(await say(bot, "/help", wait=10), bot.service.help("en"))


async def test_an_update_ptb_cannot_read_is_skipped_not_retried_forever(
    bot: RunningBot,
) -> None:
    polls_before = len(bot.fake.calls_of("getUpdates"))
    await bot.fake.push_update("message", {"message_id": "not a number", "chat": "?"})
    call = await say(bot, "/help")
    assert_sent(call, bot.service.help("en"))
    # The next poll confirms both updates (the answer may be sent before it asks).
    await bot.fake.wait_until(lambda: bot.fake.pending_updates == 0)
    assert len(bot.fake.calls_of("getUpdates")) - polls_before < 5


async def test_flood_control_on_a_reply_is_waited_out(bot: RunningBot) -> None:
    bot.fake.inject("sendMessage", Fault.too_many_requests(retry_after=1))
    started = time.monotonic()
    call = await say(bot, "/help")
    assert time.monotonic() - started >= 1
    assert_sent(call, bot.service.help("en"))
    assert len(bot.fake.calls_of("sendMessage", failed=True)) == 2


async def test_a_failing_update_is_logged_and_the_user_told_briefly(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.fake.inject("sendMessage", Fault.error(400, "Bad Request: can't parse entities"))
    since = bot.fake.mark()
    update_id = await bot.fake.push_message("/help")
    [call] = await bot.fake.wait_for_call("sendMessage", since=since)
    assert_sent(call, bot.service.error("en"))
    [record] = [r for r in caplog.records if r.message == f"Update {update_id} failed"]
    assert record.exc_info is not None


async def test_a_user_who_blocked_the_bot_is_not_written_to_again(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.fake.inject("sendMessage", Fault.error(403, "Forbidden: bot was blocked by the user"))
    since = bot.fake.mark()
    await bot.fake.push_message("/help")
    await say(bot, "/help", user_id=OTHER_USER)
    assert len(bot.fake.calls_of("sendMessage", since=since, failed=True)) == 2
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)


async def test_each_update_is_answered_exactly_once(
    start_bot: StartBot, fake_api: FakeBotApi
) -> None:
    async with start_bot() as first:
        await say(first, "/start")
        await say(first, "/help")
    assert fake_api.pending_updates == 0  # confirmed to Telegram on the way out
    # A restart gets nothing that was already answered.
    async with start_bot() as second:
        await say(second, "/about")
    assert [call.params["text"][:20] for call in fake_api.calls_of("sendMessage")] == [
        second.service.start("en").text[:20],
        second.service.help("en").text[:20],
        second.service.about("en").text[:20],
    ]


async def test_flush_on_shutdown_keeps_what_was_queued(
    start_bot: StartBot, bot_settings: Settings
) -> None:
    async with start_bot() as running:
        await say(running, "/start trafficking")
    store = StatsStore(bot_settings.database_path, bot_settings.stats_secret)
    async with store:
        assert (await store.report(None)).total == 1


# --- secrets ---------------------------------------------------------------------------------


async def test_the_token_is_not_logged_at_info_level(
    start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    # httpx logs each URL (with the token) at INFO; build_application quiets it. At DEBUG, PTB
    # itself logs the base URL: RedactSecrets covers that (see the `python -m bot run` test).
    caplog.set_level(logging.INFO)
    async with start_bot() as bot:
        await say(bot, "/start")
        await press(bot, "k:trafficking")
    secret = bot.fake.token.split(":")[1]
    assert caplog.records
    assert not [r for r in caplog.records if secret in r.getMessage()]


def test_log_lines_and_tracebacks_never_show_the_token() -> None:
    token = "123456789:AAHsecretPARTofTHEtoken_0123456789ab"
    redact = RedactSecrets([token, None])
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{token}/getMe failed")
    except RuntimeError as error:
        record = logging.LogRecord(
            "httpx", logging.INFO, __file__, 1, "HTTP Request: %s", (f"/bot{token}/x",), None
        )
        record.exc_info = (type(error), error, error.__traceback__)
    assert redact.filter(record)
    text = logging.Formatter().format(record)
    assert "AAHsecretPARTofTHEtoken" not in text
    assert REDACTED in record.getMessage()
    assert REDACTED in text.splitlines()[-1]


# --- the real process: python -m bot run -----------------------------------------------------


async def test_run_polls_answers_and_stops_on_sigterm_with_stats_saved(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    log = tmp_path / "stderr.log"
    process = await spawn_bot(bot_env(fake_api, tmp_path), log)
    try:
        await fake_api.wait_for_call("getUpdates", timeout=30)
        await fake_api.push_message("/start trafficking")
        await fake_api.push_message("remittance fees")
        await fake_api.wait_for_call("sendMessage", count=2, timeout=10)
    finally:
        elapsed = await stop_bot(process)
    assert process.returncode == 0
    assert elapsed < 5
    output = log.read_text()
    assert fake_api.token.split(":")[1] not in output
    assert "Traceback" not in output
    async with StatsStore(tmp_path / "bot.sqlite3", "process-secret") as store:
        assert (await store.report(None)).total == 2


@pytest.mark.parametrize("method", ["getMe", "deleteWebhook"])
async def test_run_stops_at_once_when_signalled_during_start_up(
    fake_api: FakeBotApi, tmp_path: Path, method: str
) -> None:
    # PTB 22.8's run_polling hangs when the signal arrives while it deletes the webhook.
    fake_api.inject(method, Fault.delay(10))
    process = await spawn_bot(bot_env(fake_api, tmp_path), tmp_path / "stderr.log")
    try:
        await fake_api.wait_until(lambda: any(call.method == method for call in fake_api.calls), 30)
    finally:
        elapsed = await stop_bot(process)
    assert elapsed < 3
    assert process.returncode == 0
    assert "Traceback" not in (tmp_path / "stderr.log").read_text()


async def test_run_serves_a_webhook_when_webhook_url_is_set(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    port = free_port()
    url = "https://bot.example.org/tg/hook"
    env = bot_env(fake_api, tmp_path, WEBHOOK_URL=url, PORT=str(port))
    process = await spawn_bot(env, tmp_path / "stderr.log")
    try:
        [hook] = await fake_api.wait_for_call("setWebhook", timeout=30)
        secret = Settings.from_env(env).webhook_secret
        assert hook.params["url"] == url
        assert hook.params["secret_token"] == secret
        assert set(hook.params["allowed_updates"]) == set(ALLOWED_UPDATES)
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": USER, "type": "private"},
                "from": {"id": USER, "is_bot": False, "first_name": "Test"},
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        endpoint = f"http://127.0.0.1:{port}/tg/hook"
        await until_listening(port)  # PTB sets the webhook first, then starts its server
        async with aiohttp.ClientSession() as session:
            async with session.post(endpoint, json=update) as refused:
                assert refused.status == 403  # no secret: not from Telegram
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
            async with session.post(endpoint, json=update, headers=headers) as accepted:
                assert accepted.status == 200
        [call] = await fake_api.wait_for_call("sendMessage", timeout=10)
        assert call.chat_id == USER
    finally:
        elapsed = await stop_bot(process)
    assert process.returncode == 0
    assert elapsed < 5


async def test_run_with_a_token_telegram_refuses_exits_2_in_one_line(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    wrong = "987654321:AAHthisTOKENisNOTknownTOtheFAKE_12345"
    log = tmp_path / "stderr.log"
    env = {**bot_env(fake_api, tmp_path), "BOT_TOKEN": wrong, "LOG_LEVEL": "WARNING"}
    process = await spawn_bot(env, log)
    try:
        async with asyncio.timeout(30):
            await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = log.read_text()
    assert process.returncode == 2
    [line] = output.splitlines()
    assert line.endswith("Telegram refused BOT_TOKEN: copy it again from @BotFather")
    assert wrong.split(":")[1] not in output
