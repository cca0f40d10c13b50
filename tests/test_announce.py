"""Announcements to subscribers: exactly once, blocked chats removed, resumable, paced."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.announce import (
    AnnounceError,
    Announcement,
    Announcer,
    DeliveryReport,
    NothingToAnnounce,
    Pace,
    SendStatus,
    Topic,
    UnknownAnnouncement,
    announcement_topics,
)
from bot.content.loader import load_library
from bot.content.models import Library
from bot.content.updates import UpdateResult
from bot.storage.store import StatsStore

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-secret"
# Fast enough for tests; the pacing test sets its own rates.
FAST = Pace(per_second=1_000_000, per_chat_interval=0, progress_every=100, retry_delay=0)
AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CHANGE = UpdateResult(
    True,
    "chair-summary-2017.yaml",
    added=["trafficking"],
    changed={"human-rights": ["summary", "keywords"], "drivers": ["keywords", "questions"]},
    removed=["old-topic"],
    at=AT,
)


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(ROOT / "content", ROOT / "seeds")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[StatsStore]:
    async with StatsStore(db_path, SECRET, flush_interval=60) as opened:
        yield opened


class FakeTelegram:
    """Stands in for the front end's send: remembers every message each chat received."""

    def __init__(
        self, blocked: set[int] = frozenset(), flaky: set[int] = frozenset(), delay: float = 0
    ) -> None:
        self.delay = delay  # seconds a send takes
        self.blocked = set(blocked)
        self.flaky = set(flaky)  # these fail once, then work
        self.received: Counter[int] = Counter()
        self.attempts: Counter[int] = Counter()
        self.times: dict[int, list[float]] = {}
        self.announcements: list[Announcement] = []
        self.on_send = None  # called after each delivered message (the test may cancel here)

    async def send(self, chat_id: int, announcement: Announcement) -> SendStatus:
        self.attempts[chat_id] += 1
        self.times.setdefault(chat_id, []).append(time.monotonic())
        await asyncio.sleep(self.delay)  # the request to Telegram
        if chat_id in self.blocked:
            return "blocked"
        if chat_id in self.flaky and self.attempts[chat_id] == 1:
            return "failed"
        self.received[chat_id] += 1
        self.announcements.append(announcement)
        if self.on_send is not None:
            self.on_send()
        return "sent"


async def subscribe(store: StatsStore, chat_ids) -> None:
    for chat_id in chat_ids:
        assert await store.add_subscriber(chat_id)


# --- preparing ---------------------------------------------------------------------------------


def test_only_new_topics_and_changed_text_are_announced(library):
    topics = announcement_topics(CHANGE, library)
    assert [(t.section_id, t.change) for t in topics] == [
        ("trafficking", "added"),
        ("human-rights", "changed"),  # drivers: only search fields changed, not news
    ]
    assert topics[0].payload == "s:trafficking"
    title = library.section("trafficking").title
    assert topics[0].title_in("ru") == title["ru"]
    assert topics[0].title_in("xx") == title["en"]  # no translation: English


async def test_prepare_records_the_announcement_once(store, library):
    announcer = Announcer(store, FakeTelegram().send, pace=FAST)
    announcement = await announcer.prepare(CHANGE, library)
    assert announcement.id.startswith("a-")
    assert announcement.created_at == AT
    assert [t.section_id for t in announcement.added] == ["trafficking"]
    assert [t.section_id for t in announcement.changed] == ["human-rights"]
    (stored,) = await store.unfinished_announcements()
    assert stored.id == announcement.id
    assert Announcement.from_json(stored.payload) == announcement
    assert json.loads(stored.payload)["topics"][0]["title"]["en"]

    # A double press prepares the same announcement, not a second one.
    again = await Announcer(store, FakeTelegram().send, pace=FAST).prepare(CHANGE, library)
    assert again == announcement
    assert len(await store.unfinished_announcements()) == 1

    # The same topics changed again later are a new announcement.
    later = await announcer.prepare(
        UpdateResult(True, CHANGE.file_name, added=CHANGE.added, at=AT + timedelta(hours=1)),
        library,
    )
    assert later.id != announcement.id


async def test_a_change_with_no_news_is_not_announced(store, library):
    announcer = Announcer(store, FakeTelegram().send, pace=FAST)
    search_only = UpdateResult(True, "x.yaml", changed={"drivers": ["keywords"]}, at=AT)
    with pytest.raises(NothingToAnnounce):
        await announcer.prepare(search_only, library)
    with pytest.raises(NothingToAnnounce):
        await announcer.prepare(UpdateResult(True, "x.yaml", removed=["about"], at=AT), library)
    assert await store.unfinished_announcements() == []


async def test_prepare_fails_loudly_when_the_store_is_down(db_path, library):
    store = StatsStore(db_path, SECRET)  # never opened: every call fails
    with pytest.raises(AnnounceError, match="could not be saved"):
        await Announcer(store, FakeTelegram().send, pace=FAST).prepare(CHANGE, library)


def test_payload_round_trip_and_garbage():
    announcement = Announcement("a-1", (Topic("x", {"en": "X", "ru": "Икс"}, "added"),), AT, None)
    assert Announcement.from_json(announcement.to_json()) == announcement
    for garbage in ["", "[]", "{}", '{"id": "a", "topics": [{"change": "zzz"}]}']:
        with pytest.raises(ValueError, match="not an announcement payload"):
            Announcement.from_json(garbage)


# --- sending -----------------------------------------------------------------------------------


async def test_500_subscribers_get_it_exactly_once_and_blocked_ones_are_removed(store, library):
    chats = list(range(1000, 1500))
    blocked = set(chats[::10])  # 50 blocked the bot
    flaky = set(chats[3::37]) - blocked  # fail once, then work on the retry pass
    await subscribe(store, chats)
    telegram = FakeTelegram(blocked, flaky)
    progress: list[tuple[int, int]] = []

    async def report(done: int, total: int) -> None:
        progress.append((done, total))

    announcer = Announcer(store, telegram.send, pace=FAST)
    announcement = await announcer.prepare(CHANGE, library)
    result = await announcer.run(announcement.id, progress=report)

    assert result == DeliveryReport(announcement.id, 500, 450, 50, 0, True)
    assert set(telegram.received) == set(chats) - blocked
    assert set(telegram.received.values()) == {1}
    assert all(telegram.attempts[chat] == 2 for chat in flaky)
    assert set(await store.subscribers()) == set(chats) - blocked
    assert await store.pending_recipients(announcement.id) == []
    assert await store.unfinished_announcements() == []
    assert progress == [(100, 500), (200, 500), (300, 500), (400, 500), (500, 500)]
    assert all(sent == announcement for sent in telegram.announcements)
    assert result.describe() == (
        "Announcement: sent to 450 of 500 subscribers. "
        "50 had blocked the bot and were unsubscribed."
    )
    # Running it again sends nothing: it is finished.
    with pytest.raises(UnknownAnnouncement):
        await announcer.run(announcement.id)


@pytest.mark.parametrize("shutdown", ["cancel the run", "cancel every task"])
async def test_a_restart_midway_resumes_without_sending_anyone_twice(db_path, library, shutdown):
    """Stop after 200 messages, restart on the same database: everyone gets it exactly once.

    "cancel every task" is what `asyncio.run` does at exit: the sends under way are cancelled
    too, and a message already sent must still be recorded.
    """
    chats = list(range(1, 501))
    blocked = set(chats[5::25])
    telegram = FakeTelegram(blocked, delay=0.002)
    async with StatsStore(db_path, SECRET, flush_interval=60) as store:
        await subscribe(store, chats)
        announcer = Announcer(store, telegram.send, pace=FAST)
        announcement = await announcer.prepare(CHANGE, library)
        task = asyncio.create_task(announcer.run(announcement.id))
        stop_at = 200

        def maybe_stop() -> None:
            if sum(telegram.received.values()) != stop_at:
                return
            task.cancel()  # the bot is being shut down
            if shutdown == "cancel every task":
                for other in asyncio.all_tasks():
                    if other.get_name().startswith("announce-"):
                        other.cancel()

        telegram.on_send = maybe_stop
        with pytest.raises(asyncio.CancelledError):
            await task
        first_run = sum(telegram.received.values())
        assert stop_at <= first_run < stop_at + FAST.concurrency
        assert len(await store.unfinished_announcements()) == 1

    telegram.on_send = None
    async with StatsStore(db_path, SECRET, flush_interval=60) as store:  # the restart
        reports = await Announcer(store, telegram.send, pace=FAST).resume_unfinished()
        assert len(reports) == 1
        assert reports[0].sent == 500 - len(blocked) - first_run
        assert reports[0].finished
        assert await store.unfinished_announcements() == []
        assert set(await store.subscribers()) == set(chats) - blocked
    assert set(telegram.received) == set(chats) - blocked
    assert max(telegram.received.values()) == 1  # nobody got it twice


async def test_sends_stop_when_deliveries_cannot_be_recorded(db_path, library):
    chats = list(range(1, 101))
    telegram = FakeTelegram()
    store = StatsStore(db_path, SECRET, flush_interval=60)
    await store.open()
    await subscribe(store, chats)
    announcer = Announcer(store, telegram.send, pace=FAST)
    announcement = await announcer.prepare(CHANGE, library)
    closing: list[asyncio.Task[None]] = []

    def database_goes_away() -> None:
        if sum(telegram.received.values()) == 30 and not closing:
            closing.append(asyncio.ensure_future(store.close()))

    telegram.on_send = database_goes_away
    report = await announcer.run(announcement.id)
    await closing[0]
    assert not report.finished
    assert sum(telegram.received.values()) < 30 + 2 * FAST.concurrency  # stopped early
    assert "continues after a restart" in report.describe()


async def test_failed_sends_are_retried_and_left_for_later(store, library):
    chats = [1, 2, 3]
    await subscribe(store, chats)
    calls: Counter[int] = Counter()

    async def send(chat_id: int, announcement: Announcement) -> SendStatus:
        calls[chat_id] += 1
        if chat_id == 2:
            raise TimeoutError("Telegram did not answer")  # counts as failed
        return "sent"

    announcer = Announcer(store, send, pace=FAST)
    announcement = await announcer.prepare(CHANGE, library)
    report = await announcer.run(announcement.id)
    assert (report.sent, report.failed, report.finished) == (2, 1, False)
    assert calls == Counter({1: 1, 2: 1 + FAST.retries, 3: 1})
    assert "1 could not be reached" in report.describe()
    assert await store.pending_recipients(announcement.id) == [2]
    assert [a.id for a in await store.unfinished_announcements()] == [announcement.id]
    assert await store.subscribers() == chats  # a failure is not a block


async def test_progress_errors_do_not_stop_the_announcement(store, library):
    await subscribe(store, range(1, 11))
    telegram = FakeTelegram()

    async def broken_progress(done: int, total: int) -> None:
        raise RuntimeError("message to edit was deleted")

    announcer = Announcer(store, telegram.send, pace=replace(FAST, progress_every=2))
    announcement = await announcer.prepare(CHANGE, library)
    report = await announcer.run(announcement.id, progress=broken_progress)
    assert (report.sent, report.finished) == (10, True)


async def test_two_runs_of_one_announcement_never_double_send(store, library):
    chats = range(1, 201)
    await subscribe(store, chats)
    telegram = FakeTelegram()
    announcer = Announcer(store, telegram.send, pace=FAST)
    announcement = await announcer.prepare(CHANGE, library)
    first, second = await asyncio.gather(
        announcer.run(announcement.id), announcer.run(announcement.id)
    )
    assert first.sent + second.sent == 200
    assert set(telegram.received) == set(chats)
    assert max(telegram.received.values()) == 1


async def test_unknown_announcements_cannot_be_run(store):
    with pytest.raises(UnknownAnnouncement):
        await Announcer(store, FakeTelegram().send, pace=FAST).run("a-nope")


async def test_resume_gives_up_on_old_and_unreadable_announcements(store, library):
    await subscribe(store, [1, 2])
    telegram = FakeTelegram()
    await Announcer(store, telegram.send, pace=FAST).prepare(CHANGE, library)
    assert await store.create_announcement("a-garbage", "not json")
    next_week = lambda: datetime.now(UTC) + timedelta(days=8)  # noqa: E731
    reports = await Announcer(store, telegram.send, pace=FAST, clock=next_week).resume_unfinished()
    assert reports == []
    assert telegram.attempts == Counter()
    assert await store.unfinished_announcements() == []


# --- pacing ------------------------------------------------------------------------------------


async def test_sends_are_paced_overall_and_per_chat(store, library):
    chats = list(range(1, 41))
    await subscribe(store, chats)
    telegram = FakeTelegram(flaky={1, 2})
    pace = Pace(per_second=200, per_chat_interval=0.25, concurrency=4, retry_delay=0)
    announcer = Announcer(store, telegram.send, pace=pace)
    announcement = await announcer.prepare(CHANGE, library)
    report = await announcer.run(announcement.id)
    assert (report.sent, report.finished) == (40, True)

    starts = sorted(moment for times in telegram.times.values() for moment in times)
    assert len(starts) == 42
    # 42 sends at 200 a second take at least 41 intervals of 5 ms (a little timer slack).
    assert starts[-1] - starts[0] >= 41 / 200 * 0.9
    for chat in (1, 2):  # the retry waited for the chat's own interval
        first, second = telegram.times[chat]
        assert second - first >= 0.25 * 0.9


@pytest.mark.parametrize(
    "changes",
    [
        {"per_second": 0},
        {"concurrency": 0},
        {"progress_every": 0},
        {"retries": -1},
        {"retry_delay": -1},
        {"per_chat_interval": -1},
    ],
)
def test_pace_refuses_nonsense(changes):
    with pytest.raises(ValueError, match=r"must be positive|cannot be negative"):
        Pace(**changes)
