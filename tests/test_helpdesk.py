"""Talk to a person: the help desk, end to end and in its pure parts.

The Telegram tests run the real PTB Application against tests/fake_bot_api.py with a person in a
private chat and a caseworkers' supergroup (DESK), and assert what each side received: the group
never sees who wrote, the person never sees which caseworker answered, and the database never
holds what was said.
"""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot import helpdesk
from bot.config import ConfigError, Settings
from bot.content.models import Library
from bot.helpdesk import Case, CaseTimes, HelpdeskConfig, RateLimiter
from bot.i18n import t
from bot.matching import Matcher
from bot.service import Service
from bot.stats import StatsStore
from tests.fake_bot_api import TOKEN, Call, FakeBotApi
from tests.support.matching import ScriptedMatcher

if TYPE_CHECKING:
    from tests.support.bot import RunningBot, StartBot

ROOT = Path(__file__).resolve().parent.parent
PERSON = 5005
CASEWORKER = 7007
DESK = -1009876543210
DESK_NAME = "Migrant Help Desk, Bangkok"
HOURS = "Mon-Fri 9:00-17:00"
# Who the person and the caseworker are on Telegram: none of it may reach the other side.
PERSON_FROM = {
    "id": PERSON,
    "is_bot": False,
    "first_name": "Malee",
    "last_name": "Srisuk",
    "username": "malee_s",
    "language_code": "en",
}
CASEWORKER_FROM = {
    "id": CASEWORKER,
    "is_bot": False,
    "first_name": "Anna",
    "last_name": "Caseworker",
    "username": "anna_ngo",
}


def desk_chat(chat_type: str = "supergroup", username: str | None = None) -> dict[str, Any]:
    """What getChat answers for the caseworkers' group."""
    chat: dict[str, Any] = {
        "id": DESK,
        "type": chat_type,
        "title": "Help desk staff",
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }
    if username is not None:
        chat["username"] = username
    return chat


@pytest.fixture
def service(library: Library, matcher: Matcher) -> Service:
    """The real content, with test_telegram's scripted questions ('q none', 'q danger')."""
    return Service(library, ScriptedMatcher(matcher))  # type: ignore[arg-type]


@pytest.fixture
async def desk_bot(start_bot: StartBot, fake_api: FakeBotApi) -> AsyncIterator[RunningBot]:
    """The bot with the help desk on: a private supergroup the bot is in."""
    fake_api.chats[DESK] = desk_chat()
    async with start_bot(
        helpdesk_chat_id=DESK, helpdesk_name=DESK_NAME, helpdesk_hours=HOURS
    ) as running:
        yield running


# --- helpers -----------------------------------------------------------------------------------


async def answered(call: Call, fake: FakeBotApi) -> dict[str, Any]:
    """The message the fake 'sent' for this call (as Telegram returns it)."""
    await fake.wait_until(lambda: call.result is not None)
    result: dict[str, Any] = call.result
    return result


async def from_person(
    bot: RunningBot, text: str | None = None, *, message_id: int | None = None, **fields: Any
) -> None:
    """A message from the person in their private chat."""
    extra = {"message_id": message_id} if message_id is not None else {}
    await bot.fake.push_message(text, user_id=PERSON, **{"from": PERSON_FROM}, **extra, **fields)


async def from_caseworker(
    bot: RunningBot, text: str | None = None, *, reply_to: dict[str, Any] | None, **fields: Any
) -> None:
    """A caseworker's message in the group, as a reply to `reply_to` (a message dict)."""
    if reply_to is not None:
        fields["reply_to_message"] = reply_to
    await bot.fake.push_message(
        text,
        user_id=CASEWORKER,
        chat_id=DESK,
        chat_type="supergroup",
        **{"from": CASEWORKER_FROM},
        **fields,
    )


def sent_to(bot: RunningBot, chat_id: int, since: int, *methods: str) -> list[Call]:
    """Calls that sent something to `chat_id` since `since`."""
    wanted = methods or ("sendMessage", "sendPhoto", "sendDocument", "editMessageText")
    return [
        call
        for call in bot.fake.calls[since:]
        if call.method in wanted and call.ok and int(call.params.get("chat_id", 0)) == chat_id
    ]


async def wait_sent(
    bot: RunningBot, chat_id: int, since: int, count: int = 1, *methods: str
) -> list[Call]:
    """Wait until `count` things were sent to `chat_id` since `since`; return them."""
    await bot.fake.wait_until(lambda: len(sent_to(bot, chat_id, since, *methods)) >= count)
    return sent_to(bot, chat_id, since, *methods)


async def connect(bot: RunningBot) -> dict[str, Any]:
    """/human, then 'Yes, connect me'; returns the group's 'new case' message."""
    since = bot.fake.mark()
    await from_person(bot, "/human")
    [consent] = await wait_sent(bot, PERSON, since)
    assert helpdesk.PAYLOAD_YES in consent.payloads
    since = bot.fake.mark()
    await bot.fake.push_callback(helpdesk.PAYLOAD_YES, user_id=PERSON)
    [opened] = await wait_sent(bot, DESK, since)
    await wait_sent(bot, PERSON, since)
    return await answered(opened, bot.fake)


async def relay(bot: RunningBot, text: str, **kwargs: Any) -> Call:
    """The person writes `text`; return the group's message."""
    since = bot.fake.mark()
    await from_person(bot, text, **kwargs)
    [posted] = await wait_sent(bot, DESK, since)
    return posted


def no_identity(params: dict[str, Any], *identities: Any) -> None:
    """None of the names, usernames or ids appear anywhere in the call's parameters."""
    flat = repr(params)
    for identity in identities:
        assert str(identity) not in flat, identity


# --- configuration and the start-up check -------------------------------------------------------


def test_settings_read_the_helpdesk_variables() -> None:
    settings = Settings.from_env(
        {
            "HELPDESK_CHAT_ID": "-1001234567890",
            "HELPDESK_NAME": DESK_NAME,
            "HELPDESK_HOURS": HOURS,
            "HELPDESK_LANGUAGES": "th, en,th",
        }
    )
    assert settings.helpdesk == HelpdeskConfig(-1001234567890, DESK_NAME, HOURS, ("th", "en"))
    assert Settings.from_env({}).helpdesk is None


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"HELPDESK_CHAT_ID": "@our_group", "HELPDESK_NAME": "X"}, "HELPDESK_CHAT_ID"),
        ({"HELPDESK_CHAT_ID": "-100123"}, "HELPDESK_NAME"),
        ({"HELPDESK_CHAT_ID": "-1", "HELPDESK_NAME": "X", "HELPDESK_LANGUAGES": "de"}, "LANG"),
    ],
)
def test_bad_helpdesk_settings_name_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(environ)


@pytest.mark.parametrize(
    ("chat", "reason"),
    [
        (desk_chat("private"), "private chat"),
        (desk_chat("channel"), "channel chat"),
        (desk_chat("supergroup", username="public_help"), "public group"),
        (None, "Chat not found"),
    ],
)
async def test_the_start_up_check_refuses_a_chat_that_cannot_be_the_desk(
    start_bot: StartBot,
    fake_api: FakeBotApi,
    caplog: pytest.LogCaptureFixture,
    chat: dict[str, Any] | None,
    reason: str,
) -> None:
    if chat is not None:
        fake_api.chats[DESK] = chat
    caplog.set_level(logging.WARNING, logger="bot.tg.desks")
    async with start_bot(helpdesk_chat_id=DESK, helpdesk_name=DESK_NAME) as bot:
        [check] = bot.fake.calls_of("getChat", failed=True)
        assert int(check.params["chat_id"]) == DESK
        [warning] = [r.getMessage() for r in caplog.records if "Help desk is off" in r.message]
        assert reason in warning
        await _assert_off(bot)


async def test_unset_means_off_and_no_button_mentions_it(bot: RunningBot) -> None:
    assert bot.fake.calls_of("getChat") == []
    await _assert_off(bot)


async def _assert_off(bot: RunningBot) -> None:
    """No 'Talk to a person' anywhere; /human says it is not possible; nothing reaches DESK."""
    since = bot.fake.mark()
    for text, messages in (("q none", 1), ("q danger", 2), ("/help", 1)):
        await from_person(bot, text)
        *_, reply = await wait_sent(bot, PERSON, since, messages)  # danger: the note first
        assert helpdesk.PAYLOAD_OFFER not in reply.payloads
        assert "/human" not in reply.params["text"]
        since = bot.fake.mark()
    await from_person(bot, "/human")
    [reply] = await wait_sent(bot, PERSON, since)
    assert reply.params["text"] == t("helpdesk_unavailable", "en")
    menu = bot.fake.calls_of("setMyCommands")[0].params["commands"]
    assert "human" not in [command["command"] for command in menu]
    assert sent_to(bot, DESK, 0) == []


# --- entry points and consent ------------------------------------------------------------------


async def test_talk_to_a_person_is_offered_under_urgent_help_and_cant_answer(
    desk_bot: RunningBot,
) -> None:
    for text, messages in (("q none", 1), ("q danger", 2)):
        since = desk_bot.fake.mark()
        await from_person(desk_bot, text)
        *_, reply = await wait_sent(desk_bot, PERSON, since, messages)  # danger: the note first
        assert helpdesk.PAYLOAD_OFFER in reply.payloads, text
    since = desk_bot.fake.mark()
    await from_person(desk_bot, "q answer")  # an ordinary answer: no offer
    [reply] = await wait_sent(desk_bot, PERSON, since)
    assert helpdesk.PAYLOAD_OFFER not in reply.payloads
    since = desk_bot.fake.mark()
    await from_person(desk_bot, "/help")
    [reply] = await wait_sent(desk_bot, PERSON, since)
    assert f"/human - Talk to a person at {DESK_NAME}" in reply.params["text"]
    menu = desk_bot.fake.calls_of("setMyCommands")[0].params["commands"]
    assert {"human", "end"} <= {command["command"] for command in menu}


async def test_consent_comes_first_in_the_persons_language_and_is_required(
    desk_bot: RunningBot,
) -> None:
    since = desk_bot.fake.mark()
    await desk_bot.fake.push_callback(helpdesk.PAYLOAD_OFFER, user_id=PERSON, language_code="th")
    [consent] = await wait_sent(desk_bot, PERSON, since)
    text = consent.params["text"]
    assert DESK_NAME in text
    assert HOURS in text
    assert "เจ้าหน้าที่" in text  # Thai, the person's language
    assert "/end" in text
    assert consent.payloads == [helpdesk.PAYLOAD_YES, helpdesk.PAYLOAD_NO]
    # Before "Yes, connect me" nothing is relayed: a message is answered by the bot as usual.
    since = desk_bot.fake.mark()
    await from_person(desk_bot, "q none")
    await wait_sent(desk_bot, PERSON, since)
    # "No, thanks": still nothing reaches the group.
    await desk_bot.fake.push_callback(helpdesk.PAYLOAD_NO, user_id=PERSON)
    [_, declined] = await wait_sent(desk_bot, PERSON, since, 2)
    assert sent_to(desk_bot, DESK, 0) == []
    assert declined.params["text"] != consent.params["text"]


# --- the relay ---------------------------------------------------------------------------------


async def test_a_message_reaches_the_group_with_case_number_and_language_and_no_identity(
    desk_bot: RunningBot,
) -> None:
    opened = await connect(desk_bot)
    assert opened["text"].startswith("Case 1 · en · new case")
    posted = await relay(desk_bot, "Can you explain my contract?")
    assert posted.params["text"] == "Case 1 · en · Can you explain my contract?"
    no_identity(posted.params, PERSON, "Malee", "Srisuk", "malee_s")
    assert desk_bot.fake.calls_of("forwardMessage") == []
    assert desk_bot.fake.calls_of("copyMessage") == []


async def test_a_caseworker_reply_reaches_the_person_under_the_desks_name_only(
    desk_bot: RunningBot,
) -> None:
    await connect(desk_bot)
    posted = await relay(desk_bot, "Where can I get help?", message_id=555)
    since = desk_bot.fake.mark()
    await from_caseworker(
        desk_bot, "Come to our office on Monday.", reply_to=await answered(posted, desk_bot.fake)
    )
    [delivered] = await wait_sent(desk_bot, PERSON, since)
    assert delivered.params["text"] == f"<b>{DESK_NAME}</b>\nCome to our office on Monday."
    assert delivered.params["reply_parameters"]["message_id"] == 555  # under their question
    no_identity(delivered.params, CASEWORKER, "Anna", "anna_ngo", "Caseworker")
    assert delivered.payloads == [f"{helpdesk.PAYLOAD_END}:1"]


async def test_a_reply_to_any_message_of_the_case_is_delivered(desk_bot: RunningBot) -> None:
    opened = await connect(desk_bot)
    await relay(desk_bot, "Hello?")
    # The reply is to the bot's "new case" notice, not to the person's message.
    since = desk_bot.fake.mark()
    await from_caseworker(desk_bot, "We are here.", reply_to=opened)
    [delivered] = await wait_sent(desk_bot, PERSON, since)
    assert delivered.params["text"].endswith("We are here.")


async def test_photos_and_files_go_both_ways(desk_bot: RunningBot) -> None:
    await connect(desk_bot)
    since = desk_bot.fake.mark()
    await from_person(desk_bot, attachment="photo", caption="my contract")
    [photo] = await wait_sent(desk_bot, DESK, since, 1, "sendPhoto")
    assert photo.params["photo"] == "photo-1"  # resent by file id: nothing is downloaded
    assert photo.params["caption"] == "Case 1 · en · photo · my contract"
    no_identity(photo.params, PERSON, "Malee", "malee_s")
    since = desk_bot.fake.mark()
    await from_person(desk_bot, attachment="document")
    [document] = await wait_sent(desk_bot, DESK, since, 1, "sendDocument")
    assert document.params["document"] == "document-1"
    assert document.params["caption"] == "Case 1 · en · document"
    assert desk_bot.fake.calls_of("getFile") == []

    since = desk_bot.fake.mark()
    reply_photo = {"photo": [{"file_id": "desk-photo", "file_unique_id": "u-dp", "width": 9}]}
    reply_photo["photo"][0]["height"] = 9
    await from_caseworker(
        desk_bot,
        reply_to=await answered(photo, desk_bot.fake),
        caption="the office map",
        **reply_photo,
    )
    [back] = await wait_sent(desk_bot, PERSON, since, 1, "sendPhoto")
    assert back.params["photo"] == "desk-photo"
    assert back.params["caption"] == f"<b>{DESK_NAME}</b>\nthe office map"
    no_identity(back.params, CASEWORKER, "Anna", "anna_ngo")


async def test_other_kinds_are_not_relayed_and_the_person_is_told(desk_bot: RunningBot) -> None:
    await connect(desk_bot)
    since = desk_bot.fake.mark()
    await from_person(desk_bot, attachment="contact")  # holds a phone number
    [told] = await wait_sent(desk_bot, PERSON, since)
    assert told.params["text"] == t("helpdesk_kind_unsupported", "en")
    assert sent_to(desk_bot, DESK, since) == []


async def test_cases_lists_the_open_cases(desk_bot: RunningBot) -> None:
    await connect(desk_bot)
    since = desk_bot.fake.mark()
    await from_caseworker(desk_bot, "/cases", reply_to=None)
    [listing] = await wait_sent(desk_bot, DESK, since)
    assert listing.params["text"].startswith("Open cases: 1\nCase 1 · en · opened 0 min ago")
    assert "not answered yet" in listing.params["text"]


async def test_close_tells_the_person_and_later_replies_reach_nobody(desk_bot: RunningBot) -> None:
    await connect(desk_bot)
    posted = await answered(await relay(desk_bot, "Thank you."), desk_bot.fake)
    since = desk_bot.fake.mark()
    await from_caseworker(desk_bot, "/close", reply_to=posted)
    [told] = await wait_sent(desk_bot, PERSON, since)
    assert told.params["text"] == t("helpdesk_closed_by_desk", "en", name=DESK_NAME)
    [notice] = await wait_sent(desk_bot, DESK, since)
    assert notice.params["text"] == "Case 1 · en · closed. The person was told."

    since = desk_bot.fake.mark()
    await from_caseworker(desk_bot, "One more thing", reply_to=posted)
    [closed] = await wait_sent(desk_bot, DESK, since)
    assert closed.params["text"] == "Case 1 is closed. Nothing was sent."
    assert sent_to(desk_bot, PERSON, since) == []
    # The person's messages are questions for the bot again.
    await from_person(desk_bot, "q none")
    [answer] = await wait_sent(desk_bot, PERSON, since)
    assert answer.params["text"].endswith(t("cannot_answer", "en"))


async def test_the_person_ends_with_end_or_the_button(desk_bot: RunningBot) -> None:
    await connect(desk_bot)
    since = desk_bot.fake.mark()
    await from_person(desk_bot, "/end")
    [ended] = await wait_sent(desk_bot, PERSON, since)
    assert ended.params["text"] == t("helpdesk_ended", "en", name=DESK_NAME)
    [notice] = await wait_sent(desk_bot, DESK, since)
    assert notice.params["text"] == "Case 1 · en · closed by the person."

    await connect(desk_bot)  # a new case gets a new number
    since = desk_bot.fake.mark()
    await desk_bot.fake.push_callback(f"{helpdesk.PAYLOAD_END}:1", user_id=PERSON)  # an old one
    [stale] = await wait_sent(desk_bot, PERSON, since)
    assert stale.params["text"] == t("helpdesk_no_case", "en")
    await desk_bot.fake.push_callback(f"{helpdesk.PAYLOAD_END}:2", user_id=PERSON)
    [notice] = await wait_sent(desk_bot, DESK, since)
    assert notice.params["text"] == "Case 2 · en · closed by the person."


async def test_one_open_case_per_person(desk_bot: RunningBot) -> None:
    await connect(desk_bot)
    since = desk_bot.fake.mark()
    await from_person(desk_bot, "/human")
    [already] = await wait_sent(desk_bot, PERSON, since)
    assert already.params["text"] == t("helpdesk_already_open", "en", number=1)
    await desk_bot.fake.push_callback(helpdesk.PAYLOAD_YES, user_id=PERSON)
    await wait_sent(desk_bot, PERSON, since, 2)
    assert sent_to(desk_bot, DESK, since) == []


async def test_forget_closes_the_case_and_a_later_reply_reaches_nobody(
    desk_bot: RunningBot,
) -> None:
    await connect(desk_bot)
    posted = await answered(await relay(desk_bot, "Please help."), desk_bot.fake)
    since = desk_bot.fake.mark()
    await from_person(desk_bot, "/forget")
    [notice] = await wait_sent(desk_bot, DESK, since)
    assert notice.params["text"] == "Case 1 · en · closed: the person deleted their data (/forget)."
    await wait_sent(desk_bot, PERSON, since, 2)  # "closed", then /forget's own answer
    since = desk_bot.fake.mark()
    await from_caseworker(desk_bot, "Are you still there?", reply_to=posted)
    [closed] = await wait_sent(desk_bot, DESK, since)
    assert closed.params["text"] == "Case 1 is closed. Nothing was sent."
    assert sent_to(desk_bot, PERSON, since) == []
    assert _rows(desk_bot, "SELECT * FROM helpdesk_cases") == []
    assert _rows(desk_bot, "SELECT * FROM helpdesk_messages") == []


async def test_the_database_and_its_wal_never_hold_what_was_said(desk_bot: RunningBot) -> None:
    said = [
        "MARKER-person-Somchai-0812345678 my employer took my passport",
        "q none MARKER-unanswered-words",  # would be kept as an unanswered question if asked
    ]
    answer = "MARKER-caseworker-answer call us"
    caption = "MARKER-photo-caption"
    await connect(desk_bot)
    posted = None
    for text in said:
        posted = await answered(await relay(desk_bot, text), desk_bot.fake)
    since = desk_bot.fake.mark()
    await from_person(desk_bot, attachment="photo", caption=caption)
    await wait_sent(desk_bot, DESK, since, 1, "sendPhoto")
    await from_caseworker(desk_bot, answer, reply_to=posted)
    await wait_sent(desk_bot, PERSON, since)
    await desk_bot.store.flush()
    _assert_not_stored(desk_bot, [*said, answer, caption])
    await from_person(desk_bot, "/end")
    await wait_sent(desk_bot, DESK, since, 2)
    await desk_bot.store.flush()
    _assert_not_stored(desk_bot, [*said, answer, caption, "Malee", "malee_s"])


def _assert_not_stored(bot: RunningBot, texts: list[str]) -> None:
    path = bot.settings.database_path
    files = [p for p in (path, Path(f"{path}-wal")) if p.exists()]
    assert path in files
    for file in files:
        data = file.read_bytes()
        for text in texts:
            # The whole text, and each of its longer words on its own.
            for piece in (text, *(word for word in text.split() if len(word) > 8)):
                assert piece.encode() not in data, (file.name, piece)


def _rows(bot: RunningBot, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(bot.settings.database_path)) as db:
        return db.execute(sql).fetchall()


async def test_a_flood_is_limited_per_case(desk_bot: RunningBot) -> None:
    await connect(desk_bot)
    since = desk_bot.fake.mark()
    for number in range(helpdesk.RATE_MESSAGES + 3):
        await from_person(desk_bot, f"message {number}")
    await from_person(desk_bot, "/help")  # answered after every message before it
    await wait_sent(desk_bot, PERSON, since, 2)
    relayed = sent_to(desk_bot, DESK, since)
    assert len(relayed) == helpdesk.RATE_MESSAGES
    told = sent_to(desk_bot, PERSON, since)
    assert [call.params["text"] for call in told[:1]] == [t("helpdesk_slow_down", "en")]
    assert len(told) == 2  # one notice for the flood, then /help


async def test_privacy_describes_the_help_desk_when_it_is_on(desk_bot: RunningBot) -> None:
    since = desk_bot.fake.mark()
    await from_person(desk_bot, "/privacy")
    [reply] = await wait_sent(desk_bot, PERSON, since)
    assert "Talking to a person" in reply.params["text"]
    assert "30 days" in reply.params["text"]


async def test_admin_stats_include_the_help_desk(desk_bot: RunningBot) -> None:
    from tests.support.bot import ADMIN_ID

    opened = await connect(desk_bot)
    await from_caseworker(desk_bot, "Hello from the desk", reply_to=opened)
    since = desk_bot.fake.mark()
    await desk_bot.fake.push_message("/stats", user_id=ADMIN_ID)
    await desk_bot.fake.wait_until(
        lambda: any(
            "Help desk" in c.params.get("text", "") for c in sent_to(desk_bot, ADMIN_ID, since)
        )
    )
    [text] = [
        c.params["text"]
        for c in sent_to(desk_bot, ADMIN_ID, since)
        if "Help desk" in c.params["text"]
    ]
    assert "Opened 1 (en 1)" in text
    assert "Closed 0" in text
    assert "First answer, median: 0 min" in text
    assert "Answered within 24 h: 100%" in text


# --- the pure parts ----------------------------------------------------------------------------


def test_the_case_logic_imports_neither_telegram_nor_sqlite() -> None:
    code = (
        "import sys, bot.helpdesk\n"
        "print(','.join(m for m in ('telegram', 'aiosqlite', 'sqlite3') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == ""


@pytest.mark.parametrize(
    ("chat_type", "username", "refused"),
    [
        ("group", False, False),
        ("supergroup", False, False),
        ("supergroup", True, True),
        ("private", False, True),
        ("channel", False, True),
    ],
)
def test_refusal(chat_type: str, username: bool, refused: bool) -> None:
    assert (helpdesk.refusal(chat_type, has_username=username) is not None) == refused


def test_long_texts_are_split_below_telegrams_limit_and_every_part_names_the_case() -> None:
    parts = helpdesk.group_messages(17, "th", "ก" * 9000)
    assert len(parts) == 3
    assert all(part.startswith("Case 17 · th · ") for part in parts)
    assert all(len(part) <= helpdesk.TEXT_LIMIT for part in parts)
    assert "".join(part.removeprefix("Case 17 · th · ") for part in parts) == "ก" * 9000
    assert helpdesk.parse_case_number(parts[1]) == 17
    assert helpdesk.parse_case_number("Case seventeen") is None


def test_the_rate_limiter_warns_once_then_drops_until_the_window_frees() -> None:
    limiter = RateLimiter(messages=2, window=60)
    assert [limiter.admit(1, 0), limiter.admit(1, 1)] == ["relay", "relay"]
    assert [limiter.admit(1, 2), limiter.admit(1, 3)] == ["slow_down", "dropped"]
    assert limiter.admit(2, 3) == "relay"  # another case is not held back
    assert limiter.admit(1, 61) == "relay"


def test_media_limits_per_case_and_size() -> None:
    case = Case(1, PERSON, "en", 0, 0)
    assert helpdesk.admit_media(case, "photo", 1000) == "relay"
    assert helpdesk.admit_media(case, "photo", helpdesk.MAX_PHOTO_BYTES + 1) == "too_big"
    assert helpdesk.admit_media(case, "document", helpdesk.MAX_PHOTO_BYTES + 1) == "relay"
    full = Case(1, PERSON, "en", 0, 0, media_count=helpdesk.MAX_MEDIA_PER_CASE)
    assert helpdesk.admit_media(full, "document", None) == "media_limit"
    waiting = Case(1, PERSON, "en", 0, 0, waiting=helpdesk.MAX_WAITING_MESSAGES)
    assert helpdesk.admit_waiting(waiting) == "wait"


def test_statistics_median_and_share_answered_within_a_day() -> None:
    hour, day = 3600, 86_400
    now = 10 * day
    cases = [
        CaseTimes("th", now - 5 * day, now - 5 * day + 2 * hour, now - 4 * day),
        CaseTimes("th", now - 5 * day, now - 5 * day + 30 * hour, None),
        CaseTimes("en", now - 3 * day, None, now - day),  # never answered, over a day old
        CaseTimes("en", now - hour, None, None),  # too young to judge
        CaseTimes("ru", now - 20 * day, now - 20 * day + hour, now - 2 * day),  # opened before
    ]
    stats = helpdesk.summarize(cases, since=now - 7 * day, now=now)
    assert stats.opened == (("en", 2), ("th", 2))
    assert stats.closed == (("en", 1), ("ru", 1), ("th", 1))
    assert stats.answered == 2
    assert stats.median_first_answer == 16 * hour
    assert stats.within_day == pytest.approx(100 / 3)
    text = helpdesk.format_stats(stats)
    assert "Opened 4 (en 2, th 2)" in text
    assert all(len(line) <= 40 for line in text.splitlines())


async def test_idle_cases_close_after_thirty_days(tmp_path: Path) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    async with StatsStore(tmp_path / "bot.sqlite3", "secret", clock=lambda: now[0]) as store:
        cases = store.cases
        case = await cases.open_case(PERSON, "th")
        assert isinstance(case, Case)
        assert await cases.open_case(PERSON, "th") == "exists"
        await cases.add_messages(case.number, [(10, 20)], side="user")
        now[0] += timedelta(days=helpdesk.IDLE_DAYS - 1)
        [still] = await cases.all_open()
        assert not helpdesk.is_idle(still, cases.now())
        now[0] += timedelta(days=1)
        assert helpdesk.is_idle(still, cases.now())
        closed = await cases.close(case.number, "idle")
        assert closed is not None
        assert closed.waiting == 1
        assert await cases.all_open() == []
        assert await cases.by_group_message(10) is None
        [times] = await cases.times(None)
        assert times.lang == "th"
        assert times.first_answer_at is None
        # Numbers are never given twice: "Case 1 is closed" stays true.
        again = await cases.open_case(PERSON, "th")
        assert isinstance(again, Case)
        assert again.number == 2


async def test_a_file_over_telegrams_limit_is_not_relayed_and_the_person_is_told(
    desk_bot: RunningBot,
) -> None:
    await connect(desk_bot)
    big = {
        "file_id": "big-1",
        "file_unique_id": "u-big-1",
        "file_name": "scan.pdf",
        "file_size": helpdesk.MAX_DOCUMENT_BYTES + 1,
    }
    since = desk_bot.fake.mark()
    await from_person(desk_bot, document=big)
    [told] = await wait_sent(desk_bot, PERSON, since)
    assert told.params["text"] == t("helpdesk_too_big", "en", megabytes=50)
    assert sent_to(desk_bot, DESK, since) == []


async def test_an_idle_case_is_closed_and_both_sides_are_told(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    from telegram import Bot

    from bot.tg.desks import HelpDesk

    fake_api.chats[DESK] = desk_chat()
    now = [datetime.now(UTC)]
    config = HelpdeskConfig(DESK, DESK_NAME)
    async with (
        StatsStore(tmp_path / "bot.sqlite3", "secret", clock=lambda: now[0]) as store,
        Bot(TOKEN, base_url=fake_api.base_url) as bot,
    ):
        desk = HelpDesk(config, store.cases)
        assert await desk.start(bot)
        try:
            case = await store.cases.open_case(PERSON, "vi")
            assert isinstance(case, Case)
            now[0] += timedelta(days=helpdesk.IDLE_DAYS - 1)
            assert await desk.close_idle(bot) == 0
            now[0] += timedelta(days=1)
            since = fake_api.mark()
            assert await desk.close_idle(bot) == 1
        finally:
            await desk.stop()
    told = [call for call in fake_api.calls_of("sendMessage", since=since)]
    assert [call.chat_id for call in told] == [PERSON, DESK]
    assert told[0].params["text"] == t("helpdesk_closed_idle", "vi", days=helpdesk.IDLE_DAYS)
    assert (
        told[1].params["text"]
        == f"Case 1 · vi · closed after {helpdesk.IDLE_DAYS} days without messages."
    )


async def test_opening_and_ending_in_a_loop_cannot_flood_the_group(desk_bot: RunningBot) -> None:
    for _ in range(helpdesk.MAX_OPENINGS):
        await connect(desk_bot)
        since = desk_bot.fake.mark()
        await from_person(desk_bot, "/end")
        await wait_sent(desk_bot, DESK, since)
    since = desk_bot.fake.mark()
    await desk_bot.fake.push_callback(helpdesk.PAYLOAD_YES, user_id=PERSON)
    [told] = await wait_sent(desk_bot, PERSON, since)
    assert told.params["text"] == t("helpdesk_too_many_cases", "en")
    assert sent_to(desk_bot, DESK, since) == []


async def test_a_message_that_sounds_like_danger_is_marked_and_the_person_gets_help_first(
    desk_bot: RunningBot,
) -> None:
    await connect(desk_bot)
    since = desk_bot.fake.mark()
    posted = await relay(desk_bot, "My employer locked me in and took my passport")
    assert posted.params["text"] == (
        "Case 1 · en · ⚠️ may be in danger · My employer locked me in and took my passport"
    )
    # The person gets the urgent-help note at once, in their language (once per case).
    note = desk_bot.service.urgent_note("My employer locked me in and took my passport", "en")
    assert note is not None
    [told] = await wait_sent(desk_bot, PERSON, since)
    assert told.params["text"] == note.text
    since = desk_bot.fake.mark()
    await relay(desk_bot, "He locked me in again")
    calm = await relay(desk_bot, "Thank you for the address")
    assert helpdesk.URGENT_MARK not in calm.params["text"]
    assert sent_to(desk_bot, PERSON, since) == []


def test_a_long_answer_full_of_markup_characters_fits_telegrams_limit() -> None:
    config = HelpdeskConfig(DESK, "Desk <&>")
    parts = helpdesk.delivered_text(config, "<b>" * 3000)
    assert parts[0].startswith("<b>Desk &lt;&amp;&gt;</b>\n&lt;b&gt;")
    assert all(len(part) <= helpdesk.TEXT_LIMIT for part in parts)
    assert "".join(parts).count("&lt;b&gt;") == 3000
