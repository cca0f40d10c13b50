"""StatsStore: the bot's SQLite database (statistics, language choices, subscribers, announcements).

One `StatsStore` puts the storage parts together over one `Database` connection and satisfies
`bot.storage.ports.Storage`; each method hands the call to the part that owns it. Nothing here
knows about Telegram: the handlers turn an update into a `StatsEvent` and call
`store.record(event)`, which only appends to a queue in memory (see bot/storage/events.py).

    store = StatsStore(Path("data/bot.sqlite3"), settings.stats_secret)
    await store.open()
    store.record(StatsEvent(store.user_key(user.id), "text", "human-rights", "answer", 87.5))
    report = await store.report(days=30)
    print(format_report(report))
    await store.close()

Privacy: a user appears only as `user_key(user_id)` (bot/storage/keys.py); no name, username,
chat id or message text is stored with events. Questions the bot could not answer are kept
scrubbed (`bot.scrub`) and capped, with the user key so that `/forget` deletes them too:
scrubbing cannot find names, so the asker must be able to erase them. Subscribers are the one
place a chat id is stored, because announcements must be sent to it; `/forget` deletes that row
as well.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bot.storage.cases import CaseStore
from bot.storage.connection import DEFAULT_BUSY_TIMEOUT, Database
from bot.storage.events import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_FLUSH_INTERVAL,
    DEFAULT_MAX_PENDING,
    EventLog,
)
from bot.storage.forget import (
    DEFAULT_EVENT_RETENTION_DAYS,
    DEFAULT_UNMATCHED_RETENTION_DAYS,
    Forgetting,
)
from bot.storage.keys import UserKeys
from bot.storage.languages import LanguageTable
from bot.storage.records import (
    Announcement,
    RetentionResult,
    SchemaTooNew,
    StatsEvent,
    StatsReport,
    StoreClosed,
    utcnow,
)
from bot.storage.subscribers import Announcements, Subscribers

log = logging.getLogger("bot.stats")


class StatsStore:
    """The SQLite storage: migrations, batched event writes, queries, small tables.

    Args:
        path: the SQLite file; it and its folder are created on first use.
        secret: the HMAC key for user keys (STATS_SECRET). When None, a random one is generated
            once and kept beside the database in `<path>.secret` (mode 0600).
        flush_interval: seconds between background writes of the queue (also written at close).
        unmatched_retention_days: unanswered questions are deleted after this many days.
        event_retention_days: raw events are deleted after this many days (their counts stay).
        clock: returns the current time (UTC); tests inject a fixed one.
        batch_size: events per write transaction; a full batch wakes the writer early.
        max_pending: events kept in memory while the database is unavailable; beyond, dropped.
        busy_timeout: seconds to wait for another process's lock before giving up for now.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        secret: str | bytes | None = None,
        *,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
        unmatched_retention_days: int = DEFAULT_UNMATCHED_RETENTION_DAYS,
        event_retention_days: int = DEFAULT_EVENT_RETENTION_DAYS,
        clock: Callable[[], datetime] = utcnow,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_pending: int = DEFAULT_MAX_PENDING,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    ) -> None:
        if flush_interval <= 0 or batch_size <= 0 or max_pending <= 0 or busy_timeout < 0:
            raise ValueError(
                "flush_interval, batch_size, max_pending must be > 0, busy_timeout >= 0"
            )
        if unmatched_retention_days <= 0 or event_retention_days <= 0:
            raise ValueError("retention periods must be at least one day")
        self.path = Path(path)
        self.database = Database(self.path, clock=clock, busy_timeout=busy_timeout)
        self.keys = UserKeys(self.path, secret)
        self.events = EventLog(
            self.database,
            flush_interval=flush_interval,
            batch_size=batch_size,
            max_pending=max_pending,
        )
        self.languages = LanguageTable(self.database)
        self.subscriptions = Subscribers(self.database)
        self.announcements = Announcements(self.database)
        self.cases = CaseStore(self.database, clock)  # the help desk's open cases
        self.forgetting = Forgetting(
            self.database,
            self.events,
            self.languages,
            unmatched_retention_days=unmatched_retention_days,
            event_retention_days=event_retention_days,
        )

    # --- lifecycle ---

    async def open(self) -> None:
        """Load the secret, open (or create) the database, migrate it, start the writer.

        A corrupt database file is moved aside to `<name>.corrupt-<timestamp>` and a fresh one
        started. Any other failure (locked, read-only, no space) is logged and the store runs
        degraded: it keeps accepting records and retries the database on later flushes.

        Raises:
            SchemaTooNew: the database comes from a newer version of the bot.
            StoreClosed: the store was already closed (stores cannot be reopened).
        """
        database = self.database
        if database.state == "closed":
            raise StoreClosed("this StatsStore was closed; create a new one")
        if database.state == "open":
            return
        self.keys.load()
        try:
            await database.connect()
        except SchemaTooNew:
            database.state = "closed"
            raise
        except (sqlite3.Error, OSError) as exc:
            database.retry_later("open", exc)
        database.state = "open"
        if database.available:
            await self.forgetting.apply_retention()
        self.events.start(self.forgetting.retention_if_due)

    async def close(self) -> None:
        """Write everything still queued, then close the database. Safe to call twice."""
        database = self.database
        if database.state == "closed":
            return
        was_open = database.state == "open"
        database.state = "closed"
        await self.events.stop(was_open=was_open)
        async with database.lock:
            lost = self.events.discard_pending()
            if lost:
                log.error("stats: %d events could not be saved before closing", lost)
            await database.disconnect()

    async def __aenter__(self) -> StatsStore:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def is_open(self) -> bool:
        """Whether open() ran and close() did not (the database itself may still be down)."""
        return self.database.state == "open"

    @property
    def available(self) -> bool:
        """Whether the database connection is up right now."""
        return self.database.available

    @property
    def pending(self) -> int:
        """Events waiting in memory for the next flush."""
        return self.events.pending

    @property
    def dropped(self) -> int:
        """Events lost: queue full, database unavailable at close, or invalid."""
        return self.events.dropped

    @property
    def migrations_applied(self) -> tuple[str, ...]:
        """Names of the migrations the last successful connect applied (empty when up to date)."""
        return self.database.migrations_applied

    # --- user keys ---

    def user_key(self, user_id: int) -> str:
        """The pseudonymous key for a Telegram user (see bot/storage/keys.py)."""
        return self.keys.user_key(user_id)

    @property
    def secret_path(self) -> Path:
        """Where a generated secret is kept: `<database>.secret`, beside the database."""
        return self.keys.secret_path

    # --- events and reports ---

    def record(self, event: StatsEvent) -> None:
        """Queue one event for the next batch write. Never blocks, never raises."""
        self.events.record(event)

    async def flush(self) -> int:
        """Write every queued event now; return how many were written (0 if the database failed)."""
        return await self.events.flush()

    async def report(self, days: int | None = 30, now: datetime | None = None) -> StatsReport:
        """Asks in the last `days` whole UTC days including today (None: everything kept)."""
        return await self.events.report(days, now)

    async def unanswered(
        self, days: int = 30, limit: int = 20, now: datetime | None = None
    ) -> list[tuple[str, int]]:
        """The most frequent unanswered questions of the last `days` days, with counts."""
        return await self.events.unanswered(days, limit, now)

    async def daily_counts_csv(self, days: int | None = None, now: datetime | None = None) -> str:
        """CSV `day,section,count` per UTC day and section, rolled-up days included."""
        return await self.events.daily_counts_csv(days, now)

    # --- language choices ---

    async def get_language(self, user_key: str) -> str | None:
        """The language this user chose, or None (also when the database is unavailable)."""
        return await self.languages.get_language(user_key)

    async def set_language(self, user_key: str, lang: str) -> bool:
        """Remember this user's language; False if it could not be saved."""
        return await self.languages.set_language(user_key, lang)

    # --- subscribers and announcements ---

    async def add_subscriber(self, chat_id: int) -> bool:
        """Opt a chat in to announcements; False if it could not be saved."""
        return await self.subscriptions.add_subscriber(chat_id)

    async def remove_subscriber(self, chat_id: int) -> bool:
        """Opt a chat out of announcements; True if it was subscribed."""
        return await self.subscriptions.remove_subscriber(chat_id)

    async def move_subscriber(self, old_chat_id: int, new_chat_id: int) -> bool:
        """A group became a supergroup: keep its subscription and deliveries."""
        return await self.subscriptions.move_subscriber(old_chat_id, new_chat_id)

    async def subscribers(self) -> list[int]:
        """Chat ids that opted in, in ascending order (empty if the database is unavailable)."""
        return await self.subscriptions.subscribers()

    async def subscriber_count(self) -> int:
        """How many chats opted in to announcements (0 if the database is unavailable)."""
        return await self.subscriptions.subscriber_count()

    async def create_announcement(
        self, announcement_id: str, payload: str, *, offered: bool = False
    ) -> bool:
        """Start an announcement, or with `offered` keep it until an admin accepts it."""
        return await self.announcements.create_announcement(
            announcement_id, payload, offered=offered
        )

    async def accept_offer(self, announcement_id: str) -> bool:
        """Start an offered announcement; True only for the first acceptance of a live offer."""
        return await self.announcements.accept_offer(announcement_id)

    async def pending_recipients(self, announcement_id: str) -> list[int]:
        """Subscribers who have not had this announcement yet (current subscribers only)."""
        return await self.announcements.pending_recipients(announcement_id)

    async def mark_delivered(self, announcement_id: str, chat_id: int) -> bool:
        """Record that this chat got the announcement (idempotent); False if not saved."""
        return await self.announcements.mark_delivered(announcement_id, chat_id)

    async def unfinished_announcements(self) -> list[Announcement]:
        """Announcements still being sent (to resume after a restart), oldest first."""
        return await self.announcements.unfinished_announcements()

    async def finish_announcement(self, announcement_id: str) -> bool:
        """Mark an announcement as sent to everyone; False if unknown or not saved."""
        return await self.announcements.finish_announcement(announcement_id)

    # --- forget and retention ---

    async def forget(self, user_key: str, chat_id: int | None = None) -> int:
        """Delete everything kept about one user; -1 if the database is unavailable."""
        return await self.forgetting.forget(user_key, chat_id)

    async def apply_retention(self, now: datetime | None = None) -> RetentionResult:
        """Delete raw events and unanswered questions past their retention period."""
        return await self.forgetting.apply_retention(now)


__all__ = ["StatsStore"]
