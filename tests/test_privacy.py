"""Privacy promises under a running bot: forgotten means gone, down to the bytes on disk.

These tests scan the raw bytes of the database, its write-ahead log (-wal) and shared-memory
index (-shm) while the bot is running, the way someone who copied the data folder would. Each
scan first checks that the words are there before the delete (so a scan that can never find
anything does not pass by accident).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.i18n import t
from bot.replies import escape
from tests.fake_bot_api import BOT_USERNAME

if TYPE_CHECKING:
    from tests.conftest import RunningBot

# A user id wider than 32 bits, so its stored forms are distinctive byte strings.
USER = 7_345_678_901
GROUP = -4_455_667_788
# Nonsense the matcher cannot answer, so it is kept as an unanswered question.
QUESTION = "zqxv wrelkth pomdarith"


def varint(value: int) -> bytes:
    """SQLite's variable-length integer (how a rowid, e.g. a subscriber's chat id, is stored)."""
    value &= (1 << 64) - 1
    if value > 0x00FFFFFFFFFFFFFF:  # nine bytes: eight of 7 bits, then a full last byte
        out = [value & 0xFF]
        value >>= 8
        for _ in range(8):
            out.append((value & 0x7F) | 0x80)
            value >>= 7
        return bytes(reversed(out))
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(out))


def id_forms(number: int) -> list[bytes]:
    """Every way SQLite may store this integer: as a record field (big-endian, 6 or 8 bytes),
    as a rowid (varint), and as text."""
    return [
        number.to_bytes(6, "big", signed=True),
        number.to_bytes(8, "big", signed=True),
        varint(number),
        str(number).encode(),
    ]


def files_on_disk(database: Path) -> dict[str, bytes]:
    """The database, its WAL and its SHM as they are on disk right now."""
    found = {}
    for suffix in ("", "-wal", "-shm"):
        path = database.with_name(database.name + suffix)
        if path.exists():
            found[path.name] = path.read_bytes()
    return found


def traces(database: Path, needles: list[bytes]) -> list[str]:
    """Which needles appear in which file (empty: none anywhere)."""
    return [
        f"{needle!r} in {name}"
        for name, data in files_on_disk(database).items()
        for needle in needles
        if needle in data
    ]


async def say(bot: RunningBot, text: str, **kwargs: object) -> str:
    """Send a message as USER (in private unless told); return the text of the one answer."""
    since = bot.fake.mark()
    await bot.fake.push_message(text, user_id=USER, **kwargs)  # type: ignore[arg-type]
    [call] = await bot.fake.wait_for_call("sendMessage", since=since, timeout=5.0)
    return str(call.params["text"])


async def deliver_announcement(bot: RunningBot, chat_id: int) -> None:
    """As if an announcement reached this chat: its id is now in the deliveries table."""
    assert await bot.store.create_announcement("a-test", "{}")
    assert await bot.store.mark_delivered("a-test", chat_id)


async def test_forget_leaves_no_trace_in_the_database_its_wal_or_shm(bot: RunningBot) -> None:
    database = bot.settings.database_path
    await say(bot, "/subscribe")
    await say(bot, QUESTION)
    await say(bot, "/language")
    await deliver_announcement(bot, USER)
    await bot.store.set_language(bot.store.user_key(USER), "th")
    await bot.store.flush()
    needles = [QUESTION.encode(), bot.store.user_key(USER).encode(), *id_forms(USER)[:3]]
    assert traces(database, needles), "the scan must see the data before /forget"

    answer = await say(bot, "/forget")
    assert answer.startswith(escape(t("forget_done", "th", count=999).split("999")[0]))
    assert traces(database, needles) == []
    assert len(files_on_disk(database)[database.name + "-wal"]) == 0  # truncated


async def test_unsubscribe_leaves_no_chat_id_on_disk(bot: RunningBot) -> None:
    database = bot.settings.database_path
    await say(bot, "/subscribe")
    await deliver_announcement(bot, USER)
    assert traces(database, id_forms(USER)[:3])

    assert await say(bot, "/unsubscribe") == escape(t("unsubscribed", "en"))
    assert traces(database, id_forms(USER)[:3]) == []
    with closing(sqlite3.connect(database)) as db:
        assert db.execute("SELECT COUNT(*) FROM announcement_deliveries").fetchone() == (0,)


async def test_a_delivery_that_lands_after_unsubscribe_is_not_written(bot: RunningBot) -> None:
    await say(bot, "/subscribe")
    assert await bot.store.create_announcement("a-late", "{}")
    await say(bot, "/unsubscribe")
    assert await bot.store.mark_delivered("a-late", USER)  # the send was already on its way
    with closing(sqlite3.connect(bot.settings.database_path)) as db:
        assert db.execute("SELECT COUNT(*) FROM announcement_deliveries").fetchone() == (0,)


async def test_retention_leaves_no_expired_question_on_disk(bot: RunningBot) -> None:
    database = bot.settings.database_path
    await say(bot, QUESTION)
    await bot.store.flush()
    assert traces(database, [QUESTION.encode()])

    later = bot.store.database.clock() + timedelta(days=bot.settings.unmatched_retention_days + 1)
    result = await bot.store.apply_retention(later)
    assert result.unmatched == 1
    assert traces(database, [QUESTION.encode()]) == []


async def test_forget_in_a_group_deletes_the_same_as_in_private_and_says_so(
    bot: RunningBot,
) -> None:
    await say(bot, "/subscribe")  # the user's private subscription
    await say(bot, f"/subscribe@{BOT_USERNAME}", chat_type="group", chat_id=GROUP)
    await say(bot, QUESTION)
    await bot.store.flush()

    answer = await say(bot, f"/forget@{BOT_USERNAME}", chat_type="group", chat_id=GROUP)
    assert escape(t("forget_in_group", "en")) in answer
    assert await bot.store.subscribers() == [GROUP]  # the group's own subscription stays
    with closing(sqlite3.connect(bot.settings.database_path)) as db:
        assert db.execute("SELECT COUNT(*) FROM unmatched").fetchone() == (0,)
    assert traces(bot.settings.database_path, [QUESTION.encode(), *id_forms(USER)[:3]]) == []
