"""StatsStore against real SQLite files: migrations, counting, retention, privacy and faults."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import stat
import struct
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

import bot.storage.connection
import bot.storage.languages
import bot.storage.migrations
from bot.reports import format_report
from bot.storage.languages import LanguageChoices
from bot.storage.migrations import MIGRATIONS, migrate
from bot.storage.records import (
    RetentionResult,
    SchemaTooNew,
    StatsError,
    StatsEvent,
    StatsUnavailable,
    StoreClosed,
)
from bot.storage.store import StatsStore
from bot.storage.subscribers import OFFER_LIFETIME

NOW = datetime(2024, 5, 15, 12, 30, 45, tzinfo=UTC)
SECRET = "pepper"
MIGRATION_NAMES = tuple(name for name, _ in MIGRATIONS)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def rows(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read with a separate plain sqlite3 connection (closed at once)."""
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql, params).fetchall()


def count(path: Path, table: str) -> int:
    return int(rows(path, f"SELECT COUNT(*) FROM {table}")[0][0])


def event(
    user: str = "u1",
    section: str | None = "human-rights",
    *,
    route: Any = "text",
    decision: Any = "answer",
    lang: str = "en",
    at: datetime | None = None,
    question: str | None = None,
    chat_type: Any = "private",
) -> StatsEvent:
    return StatsEvent(user, route, section, decision, 80.0, lang, chat_type, question, at)


def write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def scribble(path: Path, offset: int, length: int | None = None) -> None:
    """Overwrite part of a file (to its end without `length`) with junk, as a bad disk would."""
    data = bytearray(path.read_bytes())
    length = len(data) - offset if length is None else length
    assert len(data) >= offset + length > offset
    data[offset : offset + length] = b"\xa5" * length
    path.write_bytes(bytes(data))


def stats_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.stats" and r.levelno >= logging.ERROR]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bot.sqlite3"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(db_path: Path, clock: Clock) -> AsyncIterator[StatsStore]:
    # A long flush interval: tests flush by hand, the background writer stays out of the way.
    store = StatsStore(db_path, SECRET, clock=clock, flush_interval=60, busy_timeout=0.05)
    await store.open()
    yield store
    await store.close()


@pytest.fixture(autouse=True)
def fast_fault_timers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.storage.connection, "RECONNECT_INTERVAL", 0.0)


# --- lifecycle and migrations --------------------------------------------------------------------


async def test_open_creates_the_folder_in_wal_mode_with_every_migration(
    db_path: Path, clock: Clock
) -> None:
    async with StatsStore(db_path, SECRET, clock=clock) as store:
        assert store.migrations_applied == MIGRATION_NAMES
    assert rows(db_path, "PRAGMA journal_mode") == [("wal",)]
    assert [r[0] for r in rows(db_path, "SELECT name FROM schema_migrations ORDER BY name")] == (
        list(MIGRATION_NAMES)
    )
    assert rows(db_path, "PRAGMA user_version") == [(len(MIGRATIONS),)]

    async with StatsStore(db_path, SECRET, clock=clock) as again:
        assert again.migrations_applied == ()
    assert count(db_path, "schema_migrations") == len(MIGRATIONS)


async def test_a_failing_migration_leaves_neither_its_tables_nor_its_record(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = (*MIGRATIONS, ("9000_broken", ("CREATE TABLE half (a)", "SELECT * FROM nowhere")))
    monkeypatch.setattr(bot.storage.migrations, "MIGRATIONS", broken)
    monkeypatch.setattr(
        bot.storage.migrations, "MIGRATION_NAMES", tuple(name for name, _ in broken)
    )
    db_path.parent.mkdir()
    async with aiosqlite.connect(db_path, isolation_level=None) as db:
        with pytest.raises(sqlite3.OperationalError, match="nowhere"):
            await migrate(db)
    names = [r[0] for r in rows(db_path, "SELECT name FROM schema_migrations")]
    assert sorted(names) == list(MIGRATION_NAMES)
    assert not rows(db_path, "SELECT name FROM sqlite_master WHERE name = 'half'")


async def test_a_newer_schema_is_refused(db_path: Path, clock: Clock) -> None:
    async with StatsStore(db_path, SECRET, clock=clock):
        pass
    with closing(sqlite3.connect(db_path)) as db, db:
        db.execute("INSERT INTO schema_migrations VALUES ('9999_from_the_future', '2030-01-01')")
    store = StatsStore(db_path, SECRET, clock=clock)
    with pytest.raises(SchemaTooNew, match="newer than this version"):
        await store.open()
    await store.close()  # harmless after a refused open
    store.record(event())  # and recording still never raises
    assert store.dropped == 1


async def test_a_closed_store_cannot_be_reopened(store: StatsStore) -> None:
    await store.close()
    with pytest.raises(StoreClosed):
        await store.open()
    store.record(event())
    assert store.dropped == 1
    assert await store.get_language("u1") is None
    with pytest.raises(StatsUnavailable):
        await store.report(7)


async def test_close_writes_what_is_queued(db_path: Path, clock: Clock) -> None:
    store = StatsStore(db_path, SECRET, clock=clock, flush_interval=60)
    await store.open()
    for _ in range(3):
        store.record(event())
    await store.close()
    assert count(db_path, "events") == 3


async def test_the_background_writer_flushes_on_its_own(db_path: Path, clock: Clock) -> None:
    async with StatsStore(db_path, SECRET, clock=clock, flush_interval=0.02) as store:
        store.record(event())
        for _ in range(100):
            await asyncio.sleep(0.01)
            if count(db_path, "events"):
                break
        assert count(db_path, "events") == 1
        assert store.pending == 0


async def test_a_full_batch_wakes_the_writer_early(db_path: Path, clock: Clock) -> None:
    async with StatsStore(db_path, SECRET, clock=clock, flush_interval=60, batch_size=10) as s:
        for _ in range(10):
            s.record(event())
        for _ in range(100):
            await asyncio.sleep(0.01)
            if count(db_path, "events") == 10:
                break
        assert count(db_path, "events") == 10


# --- user keys and the secret --------------------------------------------------------------------


async def test_user_key_is_a_truncated_hmac(store: StatsStore) -> None:
    import hashlib
    import hmac

    key = store.user_key(987654321)
    assert key == hmac.new(b"pepper", b"987654321", hashlib.sha256).hexdigest()[:16]
    assert len(key) == 16
    assert store.user_key(987654321) == key
    assert store.user_key(987654322) != key
    assert StatsStore("x.db", "salt").user_key(987654321) != key


async def test_a_generated_secret_is_private_and_reused(db_path: Path, clock: Clock) -> None:
    async with StatsStore(db_path, clock=clock) as first:
        key = first.user_key(42)
        secret_file = first.secret_path
    assert secret_file == db_path.with_name("bot.sqlite3.secret")
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    async with StatsStore(db_path, clock=clock) as second:
        assert second.user_key(42) == key
    with pytest.raises(StatsError):
        StatsStore(db_path).user_key(42)  # no secret before open()


# --- recording and reports -----------------------------------------------------------------------


async def test_record_flush_and_report_numbers(store: StatsStore) -> None:
    today = NOW - timedelta(hours=1)
    for _ in range(6):
        store.record(event("a", "human-rights", at=today))
    for _ in range(3):
        store.record(event("b", "trafficking", route="button", lang="ru", at=today))
    store.record(event("c", None, decision="none", question="visa?", at=today))
    assert store.pending == 10
    assert await store.flush() == 10
    assert store.pending == 0

    report = await store.report(7)
    assert report.period == "last 7 days"
    assert (report.start, report.end) == (NOW.date() - timedelta(days=6), NOW.date())
    assert report.total == 10
    assert [(s.section_id, s.count) for s in report.sections] == [
        ("human-rights", 6),
        ("trafficking", 3),
    ]
    assert [round(s.share, 1) for s in report.sections] == [66.7, 33.3]
    assert dict(report.by_lang) == {"en": 7, "ru": 3}
    assert dict(report.by_route) == {"text": 7, "button": 3}
    assert dict(report.by_decision) == {"answer": 9, "clarify": 0, "none": 1}
    assert report.unmatched == 1
    assert report.unmatched_rate == pytest.approx(10.0)
    assert report.unique_users == 3


async def test_unique_users_count_distinct_user_keys(store: StatsStore) -> None:
    for day in range(3):
        for user in ("a", "b", "a", "c"):
            store.record(event(user, at=NOW - timedelta(days=day)))
    store.record(event("old", at=NOW - timedelta(days=20)))
    report = await store.report(7)
    assert report.total == 12
    assert report.unique_users == 3
    assert (await store.report(None)).unique_users == 4


async def test_change_against_the_previous_period(store: StatsStore) -> None:
    this_week, last_week = NOW - timedelta(days=2), NOW - timedelta(days=9)
    for section, now_n, before_n in (("a", 6, 3), ("b", 2, 4), ("c", 1, 0), ("d", 0, 5)):
        for _ in range(now_n):
            store.record(event(section=section, at=this_week))
        for _ in range(before_n):
            store.record(event(section=section, at=last_week))
    store.record(event(section="a", at=NOW - timedelta(days=30)))  # before both periods

    report = await store.report(7)
    by_id = {s.section_id: s for s in report.sections}
    assert (by_id["a"].count, by_id["a"].previous, by_id["a"].change) == (6, 3, 100.0)
    assert by_id["b"].change == pytest.approx(-50.0)
    assert (by_id["c"].previous, by_id["c"].change) == (0, None)
    assert (by_id["d"].count, by_id["d"].change) == (0, -100.0)
    assert (report.total, report.previous_total) == (9, 12)
    assert report.total_change == pytest.approx(-25.0)

    everything = await store.report(None)
    assert everything.period == "all time"
    assert everything.previous_total is None
    assert all(s.change is None and s.previous is None for s in everything.sections)
    assert everything.total == 22


async def test_retention_rolls_old_events_up_and_deletes_them(
    store: StatsStore, db_path: Path
) -> None:
    old, recent = NOW - timedelta(days=400), NOW - timedelta(days=10)
    store.record(event("x", "about", at=old))
    store.record(event("x", "about", at=old))
    store.record(event("y", "about", at=recent))
    store.record(event("x", None, decision="none", question="old question", at=old))
    store.record(event("y", None, decision="clarify", question="month-old", at=NOW - timedelta(30)))
    await store.flush()

    result = await store.apply_retention(NOW)
    assert (result.events, result.unmatched) == (3, 1)
    assert count(db_path, "events") == 2
    assert [r[0] for r in rows(db_path, "SELECT question FROM unmatched")] == ["month-old"]
    assert await store.apply_retention(NOW) == RetentionResult()  # nothing left to do

    everything = await store.report(None)
    assert everything.total == 5  # the rolled-up days still count
    assert {s.section_id: s.count for s in everything.sections} == {"about": 3}
    assert everything.unique_users == 1  # only users of days still kept
    csv_text = await store.daily_counts_csv()
    assert f"{old.date()},about,2" in csv_text.splitlines()


async def test_retention_runs_at_open(db_path: Path, clock: Clock) -> None:
    async with StatsStore(db_path, SECRET, clock=clock) as store:
        store.record(event(at=NOW - timedelta(days=3)))
    clock.now = NOW + timedelta(days=366)
    async with StatsStore(db_path, SECRET, clock=clock):
        pass
    assert count(db_path, "events") == 0
    assert count(db_path, "daily_counts") == 1


async def test_the_background_writer_applies_retention_daily(db_path: Path, clock: Clock) -> None:
    async with StatsStore(db_path, SECRET, clock=clock, flush_interval=0.01) as store:
        store.record(event(at=NOW - timedelta(days=364)))
        await store.flush()
        clock.now = NOW + timedelta(days=2)  # the event is now past its 365 days
        for _ in range(200):
            await asyncio.sleep(0.01)
            if not count(db_path, "events"):
                break
        assert count(db_path, "events") == 0
        assert count(db_path, "daily_counts") == 1


async def test_direct_calls_and_batch_writes_do_not_mix_transactions(store: StatsStore) -> None:
    for i in range(12_000):
        store.record(event(f"user{i % 100}", at=NOW - timedelta(minutes=i)))
    results = await asyncio.gather(
        store.flush(),
        *(store.set_language(f"k{i}", "ru") for i in range(50)),
        *(store.add_subscriber(i) for i in range(50)),
    )
    assert results[0] > 0  # the background writer, woken by full batches, wrote the rest
    assert all(results[1:])
    assert (await store.report(None)).total == 12_000
    assert await store.subscriber_count() == 50


async def test_unanswered_questions_ranked_and_scrubbed(store: StatsStore) -> None:
    for text, times in (("Where is my visa?", 3), ("where is my visa?", 1), ("call 0812345678", 2)):
        for _ in range(times):
            store.record(event(None, decision="none", question=text, at=NOW - timedelta(days=1)))
    store.record(event(None, decision="clarify", question="rights?", at=NOW - timedelta(days=1)))
    store.record(event(None, decision="none", question="ancient", at=NOW - timedelta(days=60)))
    store.record(event("u", decision="answer", question="answered one"))

    assert await store.unanswered(days=30, limit=2) == [
        ("Where is my visa?", 4),
        ("call <phone>", 2),
    ]
    assert ("rights?", 1) in await store.unanswered()
    assert ("ancient", 1) not in await store.unanswered(days=30)
    assert ("ancient", 1) in await store.unanswered(days=90)


async def test_daily_counts_csv(store: StatsStore) -> None:
    store.record(event(section="b", at=NOW - timedelta(days=1)))
    store.record(event(section="a", at=NOW - timedelta(days=1)))
    store.record(event(section="a", at=NOW - timedelta(days=1), route="button"))
    store.record(event(section=None, decision="none", at=NOW))
    yesterday = (NOW - timedelta(days=1)).date()
    assert await store.daily_counts_csv() == (
        f"day,section,count\n{yesterday},a,2\n{yesterday},b,1\n{NOW.date()},,1\n"
    )
    assert await store.daily_counts_csv(days=1) == f"day,section,count\n{NOW.date()},,1\n"


async def test_format_report_fits_a_phone(store: StatsStore) -> None:
    for section, n in (("human-rights", 120), ("regular-pathways", 30), ("a" * 40, 1)):
        for _ in range(n):
            store.record(event(section=section, at=NOW - timedelta(days=1)))
            store.record(event(section=section, at=NOW - timedelta(days=9)))
    store.record(event(section=None, decision="none", lang="ne", route="inline"))
    text = format_report(await store.report(7))
    print(text)
    assert all(len(line) <= 40 for line in text.splitlines())
    assert "human-rights" in text
    assert "Unanswered 0.7% (1)" in text
    assert "+0%" in text
    assert all(len(line) <= 40 for line in format_report(await store.report(None)).splitlines())


async def test_render_chart_is_a_png(store: StatsStore) -> None:
    from bot.charts import render_chart

    for section, n in (("human-rights", 5), ("trafficking", 2)):
        for _ in range(n):
            store.record(event(section=section))
    png = render_chart(await store.report(30))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert width == 800
    assert 100 < height < 1000
    empty = render_chart(await store.report(1, now=NOW + timedelta(days=100)))
    assert empty[:8] == b"\x89PNG\r\n\x1a\n"


# --- per-user tables -----------------------------------------------------------------------------


async def test_language_preferences(store: StatsStore) -> None:
    key = store.user_key(1)
    assert await store.get_language(key) is None
    assert await store.set_language(key, "ru")
    assert await store.set_language(key, "tl")
    assert await store.get_language(key) == "tl"
    assert await store.get_language(store.user_key(2)) is None


async def test_saved_language_choices_are_known_again_after_a_restart(
    db_path: Path, clock: Clock
) -> None:
    async with StatsStore(db_path, SECRET, clock=clock) as first:
        for user_id, lang in ((1, "ru"), (2, "bn"), (3, "ne")):
            assert await first.set_language(first.user_key(user_id), lang)
        assert await first.forget(first.user_key(3)) == 1
    async with StatsStore(db_path, SECRET, clock=clock) as second:
        assert await second.get_language(second.user_key(1)) == "ru"
        assert await second.get_language(second.user_key(2)) == "bn"
        assert await second.get_language(second.user_key(3)) is None  # forgotten stays forgotten
        assert await second.get_language(second.user_key(4)) is None


async def test_users_who_never_chose_are_answered_without_reading_the_database(
    store: StatsStore,
) -> None:
    await store.set_language(store.user_key(1), "id")
    await private_connection(store).execute("DROP TABLE languages")  # any read would now fail
    assert await store.get_language(store.user_key(1)) == "id"
    assert await store.get_language(store.user_key(2)) is None


async def test_more_choices_than_memory_holds_are_read_from_the_database(
    db_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.storage.languages, "LANGUAGE_CACHE_SIZE", 5)
    languages = ("ru", "id", "tl", "bn", "ne")
    async with StatsStore(db_path, SECRET, clock=clock) as first:
        for user_id in range(12):
            clock.now += timedelta(seconds=1)
            assert await first.set_language(first.user_key(user_id), languages[user_id % 5])
    async with StatsStore(db_path, SECRET, clock=clock) as second:
        for user_id in range(12):
            assert await second.get_language(second.user_key(user_id)) == languages[user_id % 5]
        assert await second.get_language(second.user_key(99)) is None


def test_language_memory_keeps_the_most_recent_and_stops_claiming_completeness() -> None:
    memory = LanguageChoices(capacity=2)
    memory.load([("a", "ru"), ("b", "id")], complete=True)
    assert memory.known("nobody")
    assert memory.lookup("nobody") is None
    memory.lookup("a")  # "a" is now the most recently used
    memory.remember("c", "tl")
    assert len(memory) == 2
    assert not memory.complete  # "b" was evicted: a miss must now go to the database
    assert not memory.known("b")
    assert memory.lookup("a") == "ru"
    assert memory.lookup("c") == "tl"
    memory.remember("d", None)  # a read that found no choice is remembered as such
    assert memory.known("d")
    assert memory.lookup("d") is None
    memory.forget("d")
    assert not memory.known("d")


def test_a_complete_language_memory_holds_no_empty_entries() -> None:
    memory = LanguageChoices(capacity=10)
    memory.load([], complete=True)
    memory.remember("a", None)
    assert len(memory) == 0
    assert memory.known("a")
    assert memory.lookup("a") is None


async def test_a_group_that_becomes_a_supergroup_keeps_its_subscription_and_deliveries(
    store: StatsStore,
) -> None:
    assert await store.add_subscriber(-5)
    assert await store.add_subscriber(7)
    assert await store.create_announcement("a1", "{}")
    assert await store.mark_delivered("a1", -5)
    assert await store.move_subscriber(-5, -1005)
    assert await store.subscribers() == [-1005, 7]
    assert await store.pending_recipients("a1") == [7]  # the supergroup already had it
    assert not await store.move_subscriber(-5, -1005)  # told twice (old and new chat): no-op
    assert not await store.move_subscriber(-6, -1006)  # never subscribed: nothing to move
    assert await store.subscribers() == [-1005, 7]


async def test_an_offered_announcement_waits_is_accepted_once_and_expires(
    store: StatsStore, clock: Clock
) -> None:
    assert await store.create_announcement("offer", "{}", offered=True)
    assert await store.unfinished_announcements() == []  # not sent before the admin says yes
    assert await store.accept_offer("offer")
    assert [a.id for a in await store.unfinished_announcements()] == ["offer"]
    assert not await store.accept_offer("offer")  # a second press
    assert not await store.accept_offer("unknown")

    assert await store.create_announcement("old", "{}", offered=True)
    clock.now += OFFER_LIFETIME + timedelta(seconds=1)
    assert not await store.accept_offer("old")
    await store.apply_retention()
    assert rows(store.path, "SELECT id FROM announcements") == [("offer",)]


async def test_subscribers(store: StatsStore) -> None:
    for chat in (30, 10, 20, 10):
        assert await store.add_subscriber(chat)
    assert await store.subscribers() == [10, 20, 30]
    assert await store.subscriber_count() == 3
    assert await store.remove_subscriber(20)
    assert not await store.remove_subscriber(20)
    assert await store.subscribers() == [10, 30]


async def test_announcements(store: StatsStore) -> None:
    for chat in (1, 2, 3):
        await store.add_subscriber(chat)
    assert await store.create_announcement("a1", '{"text": "hello"}')
    assert not await store.create_announcement("a1", "again")
    assert await store.pending_recipients("a1") == [1, 2, 3]
    assert await store.mark_delivered("a1", 2)
    assert await store.mark_delivered("a1", 2)  # idempotent
    assert await store.pending_recipients("a1") == [1, 3]
    [unfinished] = await store.unfinished_announcements()
    assert (unfinished.id, unfinished.payload, unfinished.state) == (
        "a1",
        '{"text": "hello"}',
        "sending",
    )
    assert unfinished.created_at == NOW.replace(microsecond=0)
    assert await store.finish_announcement("a1")
    assert not await store.finish_announcement("nope")
    assert await store.unfinished_announcements() == []


async def test_forget_deletes_every_row_of_one_user(store: StatsStore, db_path: Path) -> None:
    me, other = store.user_key(111), store.user_key(222)
    for key in (me, other):
        store.record(event(key, at=NOW - timedelta(days=1)))
        store.record(event(key, None, decision="none", question="my boss took my passport"))
        await store.set_language(key, "id")
    await store.add_subscriber(111)
    await store.add_subscriber(222)
    await store.create_announcement("a", "{}")
    await store.mark_delivered("a", 111)
    await store.flush()
    store.record(event(me))  # still queued when /forget comes

    # 2 events + 2 user days + 1 question + 1 language + subscriber + delivery + 1 queued event
    assert await store.forget(me, chat_id=111) == 9
    for table in ("events", "unmatched", "languages", "user_days"):
        assert not rows(db_path, f"SELECT 1 FROM {table} WHERE user_key = ?", (me,)), table
        assert rows(db_path, f"SELECT 1 FROM {table} WHERE user_key = ?", (other,)), table
    assert await store.subscribers() == [222]
    await store.flush()
    assert not rows(db_path, "SELECT 1 FROM events WHERE user_key = ?", (me,))
    assert await store.forget(me, chat_id=111) == 0


# --- privacy -------------------------------------------------------------------------------------


async def test_the_database_holds_no_ids_names_or_matched_questions(
    db_path: Path, clock: Clock
) -> None:
    user_id, username = 987654321, "maria_santos_ph"
    matched = "what does the compact say about domestic workers"
    store = StatsStore(db_path, SECRET, clock=clock)
    await store.open()
    key = store.user_key(user_id)
    store.record(event(key, "human-rights", question=matched, chat_type="private"))
    store.record(
        event(
            key, None, decision="none", question=f"I am @{username}, id {user_id}, +63 917 1234567"
        )
    )
    store.record(event(key, None, decision="clarify", question=f"{username} here"))
    await store.set_language(key, "tl")
    await store.flush()

    def raw_bytes() -> bytes:
        files = [db_path, db_path.with_name(db_path.name + "-wal")]
        return b"".join(path.read_bytes() for path in files if path.exists())

    for data in (raw_bytes(),):
        assert str(user_id).encode() not in data
        assert b"@" + username.encode() not in data
        assert matched.encode() not in data
        assert b"1234567" not in data
        assert key.encode() in data  # the pseudonym is what links a user's rows
    await store.close()
    data = raw_bytes()
    assert str(user_id).encode() not in data
    assert matched.encode() not in data
    assert SECRET.encode() not in data
    # What was kept of the unanswered question: placeholders only.
    assert rows(db_path, "SELECT question FROM unmatched ORDER BY decision") == [
        (f"{username} here",),  # a bare name cannot be recognised: /forget removes it
        ("I am <handle>, id <number>, <phone>",),
    ]


# --- faults --------------------------------------------------------------------------------------


def private_connection(store: StatsStore) -> Any:
    """The store's own connection, to break it on purpose (as root, chmod cannot)."""
    assert store.database.connection is not None
    return store.database.connection


async def test_read_only_database_keeps_records_logs_once_and_catches_up(
    store: StatsStore, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store.record(event())
    await store.flush()
    # Running as root, chmod 0444 changes nothing; query_only gives SQLite's read-only error.
    await private_connection(store).execute("PRAGMA query_only = ON")
    caplog.set_level(logging.INFO, logger="bot.stats")
    for _ in range(5):
        for _ in range(20):
            store.record(event())
        assert await store.flush() == 0
    assert not await store.set_language("u1", "ru")
    assert await store.get_language("u1") is None  # reads still work, writes degrade
    assert store.pending == 100
    assert store.dropped == 0
    [error] = stats_errors(caplog)
    assert "readonly" in error.getMessage() or "read-only" in error.getMessage()

    await private_connection(store).execute("PRAGMA query_only = OFF")
    assert await store.flush() == 100
    assert count(db_path, "events") == 101
    assert any("writing again" in r.getMessage() for r in caplog.records)


async def test_full_disk_keeps_a_bounded_backlog_and_counts_drops(
    db_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    async with StatsStore(db_path, SECRET, clock=clock, flush_interval=60, max_pending=50) as s:
        s.record(event())
        await s.flush()
        db = private_connection(s)
        async with db.execute("PRAGMA page_count") as cursor:
            (pages,) = await cursor.fetchone()  # type: ignore[misc]
        # The file may not grow: every new page is "database or disk is full".
        await db.execute(f"PRAGMA max_page_count = {pages}")
        for i in range(80):
            s.record(event(f"user{i}", question="x" * 150, decision="none"))
        assert await s.flush() == 0
        assert s.pending == 50
        assert s.dropped == 30
        assert len(stats_errors(caplog)) == 1
        assert "full" in stats_errors(caplog)[0].getMessage()

        await db.execute("PRAGMA max_page_count = 1073741823")
        assert await s.flush() == 50
    assert count(db_path, "events") == 51


async def test_locked_by_another_process_keeps_serving(
    store: StatsStore, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await store.set_language("k", "bn")
    with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        store.record(event())
        assert await store.flush() == 0  # gave up after the short busy timeout
        assert await store.get_language("k") == "bn"  # WAL: reading still works
        assert not await store.add_subscriber(5)
        other.execute("ROLLBACK")
    assert await store.flush() == 1
    assert await store.add_subscriber(5)
    assert len(stats_errors(caplog)) == 1
    assert "locked" in stats_errors(caplog)[0].getMessage()


async def test_a_garbage_file_is_moved_aside_at_open(
    db_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    write_file(db_path, b"this is not a database, just text " * 200)
    async with StatsStore(db_path, SECRET, clock=clock) as store:
        store.record(event())
    aside = db_path.with_name("bot.sqlite3.corrupt-20240515T123045Z")
    assert aside.read_bytes().startswith(b"this is not a database")
    assert count(db_path, "events") == 1
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING and "corrupt" in r.msg]
    assert str(aside) in warning.getMessage()


async def test_a_damaged_database_is_moved_aside_at_open(
    db_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    async with StatsStore(db_path, SECRET, clock=clock) as store:
        for i in range(3000):
            store.record(event(f"user{i}", question="q" * 100, decision="none"))
    scribble(db_path, 8192, 16384)  # a few pages after the header
    async with StatsStore(db_path, SECRET, clock=clock) as fresh:
        assert fresh.migrations_applied == MIGRATION_NAMES
    assert len(list(db_path.parent.glob("bot.sqlite3.corrupt-*"))) == 1
    assert any("moved it to" in r.getMessage() for r in caplog.records)


async def test_corruption_found_while_running_moves_the_file_aside(
    store: StatsStore, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for i in range(2000):
        store.record(event(f"user{i}"))
    await store.flush()
    db = private_connection(store)
    await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    await db.execute("PRAGMA cache_size = 1")  # so the damage is read back from the file
    scribble(db_path, 4096)  # everything after the first page
    store.record(event("after"))
    assert await store.flush() == 0  # "database disk image is malformed"
    assert store.pending == 1
    assert (await store.report(None)).total == 1  # reopened on a fresh file, backlog written
    assert len(list(db_path.parent.glob("bot.sqlite3.corrupt-*"))) == 1
    assert len(stats_errors(caplog)) == 1
    assert any("moved it to" in r.getMessage() for r in caplog.records)


async def test_an_unusable_path_degrades_then_recovers(
    tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    path = blocker / "bot.sqlite3"
    store = StatsStore(path, SECRET, clock=clock, flush_interval=60)
    await store.open()  # does not raise: the bot must start and answer
    assert store.is_open
    assert not store.available
    store.record(event())
    assert await store.flush() == 0
    assert await store.get_language("u") is None
    assert await store.subscribers() == []
    assert await store.forget("u") == -1
    with pytest.raises(StatsUnavailable):
        await store.report(7)
    assert len(stats_errors(caplog)) == 1

    blocker.unlink()
    assert await store.flush() == 1
    assert store.available
    await store.close()
    assert count(path, "events") == 1


async def test_record_never_raises(db_path: Path, clock: Clock) -> None:
    async with StatsStore(db_path, SECRET, clock=clock, flush_interval=60, max_pending=3) as s:
        s.record(event(route="carrier-pigeon"))
        s.record(StatsEvent("u", "text", None, "none", question=12345))  # type: ignore[arg-type]
        assert s.dropped == 2
        s.record(event(chat_type="supergroup"))  # Telegram's kinds of group count as "group"
        for _ in range(5):
            s.record(event())
        assert (s.pending, s.dropped) == (3, 5)
    assert count(db_path, "events") == 3
    assert rows(db_path, "SELECT chat_type, COUNT(*) FROM events GROUP BY 1") == [
        ("group", 1),
        ("private", 2),
    ]


def test_the_module_does_not_import_telegram() -> None:
    modules = "bot.storage.store, bot.storage.ports, bot.reports, bot.scrub, bot.charts"
    code = f"import sys, {modules}; print('telegram' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
