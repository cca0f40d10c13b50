"""Privacy promises under a running bot: forgotten means gone, down to the bytes on disk.

These tests scan the raw bytes of the database, its write-ahead log (-wal) and shared-memory
index (-shm) while the bot is running, the way someone who copied the data folder would. Each
scan first checks that the words are there before the delete (so a scan that can never find
anything does not pass by accident).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.i18n import t
from bot.replies import escape
from bot.storage.keys import keyed
from bot.storage.migrations import MIGRATIONS
from bot.storage.records import StatsError, StatsEvent
from bot.storage.store import StatsStore
from tests.fake_bot_api import BOT_USERNAME

if TYPE_CHECKING:
    from tests.support.bot import RunningBot

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


# --- nothing linkable: keys that change every day -------------------------------------------

DAY = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)
SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
CANDIDATES = range(1, 20_001)  # a brute force over Telegram ids (the real one has ~10^10)
USERS = (17, 4_242, 19_999)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def stored_keys(database: Path) -> set[str]:
    """Every user key in the tables that say what someone did or asked."""
    with closing(sqlite3.connect(database)) as db:
        return {
            row[0]
            for table in ("events", "unmatched", "user_days")
            for row in db.execute(f"SELECT user_key FROM {table}")
        }


def brute_force(data_folder: Path, secret: bytes) -> set[int]:
    """What an attacker holding the data folder (and the secret) learns: which candidate ids
    match a stored key, under the secret and under every salt still in the database."""
    database = data_folder / "bot.sqlite3"
    with closing(sqlite3.connect(database)) as db:
        salts = [bytes(row[0]) for row in db.execute("SELECT salt FROM day_salts")]
    stored = stored_keys(database)
    return {user for user in CANDIDATES for key in (secret, *salts) if keyed(key, user) in stored}


async def record_a_day(store: StatsStore) -> None:
    """USERS each press a button and ask something the bot cannot answer."""
    for user in USERS:
        key = store.day_key(user)
        store.record(StatsEvent(key, "button", "remittances", "answer", 100.0))
        store.record(StatsEvent(key, "text", None, "none", 0.0, question=f"where is {user}"))
    await store.flush()


async def test_a_copy_of_the_data_folder_links_no_one_once_the_day_is_over(
    tmp_path: Path,
) -> None:
    clock = Clock(DAY)
    store = StatsStore(tmp_path / "bot.sqlite3", SECRET, clock=clock, flush_interval=0.01)
    async with store:
        await record_a_day(store)
        await store.set_language(store.user_key(USERS[0]), "th")
        # The same day, today's salt links today's rows: that is what /forget needs.
        assert brute_force(tmp_path, SECRET.encode()) == set(USERS)

        clock.now = DAY + timedelta(days=1)
        await store.day_keys.rotate()  # what the writer does after its next flush
        assert brute_force(tmp_path, SECRET.encode()) == set()
        # Still counted: the day's users, its questions.
        assert (await store.report(2)).unique_users == len(USERS)
        assert len(await store.unanswered(days=7)) == len(USERS)
        # The language choice keeps its long-lived key, the one thing that needs it.
        assert await store.get_language(store.user_key(USERS[0])) == "th"


async def test_the_writer_deletes_yesterdays_salt_from_every_file(tmp_path: Path) -> None:
    clock = Clock(DAY)
    database = tmp_path / "bot.sqlite3"
    async with StatsStore(database, SECRET, clock=clock, flush_interval=0.01) as store:
        await record_a_day(store)
        with closing(sqlite3.connect(database)) as db:
            [(salt,)] = db.execute("SELECT salt FROM day_salts").fetchall()
        assert traces(database, [salt])

        clock.now = DAY + timedelta(days=1)
        store.record(StatsEvent(store.day_key(1), "button", "about", "answer"))
        await store.flush()
        for _ in range(100):  # the writer runs every 10 ms
            if not traces(database, [salt]):
                break
            await asyncio.sleep(0.01)
        assert traces(database, [salt]) == []


async def test_forget_finds_todays_rows_not_earlier_ones(tmp_path: Path) -> None:
    clock = Clock(DAY)
    database = tmp_path / "bot.sqlite3"
    async with StatsStore(database, SECRET, clock=clock) as store:
        await record_a_day(store)
        clock.now = DAY + timedelta(days=1)
        await store.day_keys.rotate()
        await record_a_day(store)
        before = len(stored_keys(database))
        # Today's two events, question and active day; yesterday's link to no one any more.
        assert await store.forget_user(USERS[0]) == 4
        assert len(stored_keys(database)) == before - 1


async def test_a_restart_the_same_day_keeps_the_days_keys(tmp_path: Path) -> None:
    clock = Clock(DAY)
    database = tmp_path / "bot.sqlite3"
    async with StatsStore(database, SECRET, clock=clock) as first:
        key = first.day_key(USERS[0])
    async with StatsStore(database, SECRET, clock=clock) as second:
        assert second.day_key(USERS[0]) == key
        clock.now = DAY + timedelta(days=1)
        assert second.day_key(USERS[0]) != key


# --- the secret ---------------------------------------------------------------------------


async def test_a_secret_beside_the_database_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.stats")
    async with StatsStore(tmp_path / "data" / "bot.sqlite3"):
        pass
    assert any("sits beside the database" in r.getMessage() for r in caplog.records)


async def test_a_secret_kept_elsewhere_is_used_without_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.stats")
    elsewhere = tmp_path / "keys" / "stats.secret"
    async with StatsStore(tmp_path / "data" / "bot.sqlite3", secret_path=elsewhere) as store:
        key = store.user_key(USERS[0])
    assert elsewhere.stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "data" / "bot.sqlite3.secret").exists()
    assert keyed(elsewhere.read_bytes().strip(), USERS[0]) == key
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_weak_secret_file_is_refused(tmp_path: Path) -> None:
    weak = tmp_path / "weak.secret"
    weak.write_text("hunter2\n")
    with pytest.raises(StatsError, match="too weak"):
        await StatsStore(tmp_path / "bot.sqlite3", secret_path=weak).open()


# --- a database from the schema before day keys upgrades in place --------------------------


def old_database(path: Path, secret: bytes) -> None:
    """A database as the bot wrote it before day keys: rows under the long-lived key."""
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        before = [name for name, _ in MIGRATIONS].index("0005_day_keys")
        for name, statements in MIGRATIONS[:before]:
            for statement in statements:
                db.execute(statement)
            db.execute(
                "INSERT INTO schema_migrations VALUES (?, '2025-01-01T00:00:00+00:00')", (name,)
            )
        db.execute(f"PRAGMA user_version = {before}")
        for day in (DAY - timedelta(days=2), DAY - timedelta(days=1)):
            at, name = int(day.timestamp()), day.date().isoformat()
            for user in USERS:
                key = keyed(secret, user)
                db.execute(
                    "INSERT INTO events VALUES (?, ?, 'text', NULL, 'none', 0, 'en', 'private')",
                    (at, key),
                )
                db.execute(
                    "INSERT INTO unmatched VALUES (?, ?, 'none', 'en', ?)", (at, key, f"q {user}")
                )
                db.execute("INSERT INTO user_days VALUES (?, ?)", (name, key))
            db.execute(
                "INSERT INTO daily_counts VALUES (?, '', 'text', 'en', 'none', ?)",
                (name, len(USERS)),
            )
        db.execute(
            "INSERT INTO languages VALUES (?, 'ru', ?)",
            (keyed(secret, USERS[0]), int(DAY.timestamp())),
        )


async def test_a_database_from_the_previous_schema_upgrades_and_is_unlinked(
    tmp_path: Path,
) -> None:
    database = tmp_path / "bot.sqlite3"
    old_database(database, SECRET.encode())
    async with StatsStore(database, SECRET, clock=Clock(DAY)) as store:
        assert store.migrations_applied[0] == "0005_day_keys"  # and any later ones
        report = await store.report(7)
        assert report.total == 2 * len(USERS)
        assert report.unique_users == 2 * len(USERS)  # each user on each of the two days
        assert sorted(await store.unanswered(days=7)) == sorted((f"q {user}", 2) for user in USERS)
        assert await store.get_language(store.user_key(USERS[0])) == "ru"
        with closing(sqlite3.connect(database)) as db:
            # The same person the same day keeps one key: events match their active day.
            assert db.execute(
                "SELECT COUNT(*) FROM events WHERE NOT EXISTS (SELECT 1 FROM user_days "
                "WHERE user_days.user_key = events.user_key)"
            ).fetchone() == (0,)
    assert brute_force(tmp_path, SECRET.encode()) == set()
    # No old key is left in the file, its WAL or free pages (the language row keeps its own).
    old_keys = [keyed(SECRET.encode(), user).encode() for user in USERS[1:]]
    assert traces(database, old_keys) == []


# --- robust edges ------------------------------------------------------------------------------


def good_events(store: StatsStore, count: int) -> None:
    for user in range(count):
        store.record(StatsEvent(store.day_key(user), "text", None, "none", question=f"q{user}"))


async def test_a_lone_surrogate_is_repaired_and_the_batch_kept(tmp_path: Path) -> None:
    async with StatsStore(tmp_path / "bot.sqlite3", SECRET, clock=Clock(DAY)) as store:
        good_events(store, 40)
        store.record(StatsEvent("k", "text", "x\udc00", "none", question="half an emoji \ud83d"))
        assert await store.flush() == 41
        assert store.dropped == 0
        assert store.events.sanitised == 2  # the section and the question
        questions = dict(await store.unanswered(days=1, limit=100))
        assert questions["half an emoji \ufffd"] == 1


async def test_an_event_sqlite_cannot_store_is_dropped_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with StatsStore(tmp_path / "bot.sqlite3", SECRET, clock=Clock(DAY)) as store:
        # Were the repair ever to miss something, only that event would be lost.
        monkeypatch.setattr(store.events, "_text", lambda text: text)
        good_events(store, 20)
        store.record(StatsEvent("k", "button", "broken \ud800 id", "answer"))
        good_events(store, 20)
        assert await store.flush() == 40
        assert store.dropped == 1
        assert (await store.report(1)).total == 40


def corrupt_copies(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("*.corrupt-*"))


async def test_a_corrupt_copy_moved_aside_goes_with_the_question_retention(
    tmp_path: Path,
) -> None:
    database = tmp_path / "bot.sqlite3"
    days = 90
    old = (DAY - timedelta(days=days + 1)).strftime("%Y%m%dT%H%M%SZ")
    recent = (DAY - timedelta(days=days - 1)).strftime("%Y%m%dT%H%M%SZ")
    names = [f"bot.sqlite3.corrupt-{old}", f"bot.sqlite3.corrupt-{old}-1-wal"]
    kept = [f"bot.sqlite3.corrupt-{recent}", "other.sqlite3.corrupt-20000101T000000Z"]
    for name in names + kept:
        (tmp_path / name).write_bytes(b"what the database held")
    async with StatsStore(database, SECRET, clock=Clock(DAY), unmatched_retention_days=days):
        pass  # retention runs at open
    assert corrupt_copies(tmp_path) == sorted(kept)


async def test_the_database_folder_and_files_are_private(tmp_path: Path) -> None:
    database = tmp_path / "data" / "bot.sqlite3"
    async with StatsStore(database, SECRET, clock=Clock(DAY)) as store:
        store.record(StatsEvent("k", "button", "about", "answer"))
        await store.flush()
        assert database.parent.stat().st_mode & 0o777 == 0o700
        for path in files_on_disk(database):
            assert (database.parent / path).stat().st_mode & 0o777 == 0o600, path


async def test_a_database_readable_by_others_is_made_private(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    async with StatsStore(database, SECRET, clock=Clock(DAY)):
        pass
    database.chmod(0o644)
    async with StatsStore(database, SECRET, clock=Clock(DAY)):
        assert database.stat().st_mode & 0o777 == 0o600


async def test_a_blocked_chat_leaves_the_disk_at_the_writers_next_round(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    async with StatsStore(database, SECRET, clock=Clock(DAY), flush_interval=0.01) as store:
        assert await store.add_subscriber(USER)
        assert await store.create_announcement("a", "{}")
        assert await store.mark_delivered("a", USER)
        assert traces(database, id_forms(USER)[:3])
        # What the announcer does for a chat that blocked the bot (many may come in a row).
        assert await store.remove_subscriber(USER, promptly=False)
        for _ in range(100):
            if not traces(database, id_forms(USER)[:3]):
                break
            await asyncio.sleep(0.01)
        assert traces(database, id_forms(USER)[:3]) == []
