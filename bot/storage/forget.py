"""Forgetting: /forget deletes one user's rows; retention deletes everyone's old ones.

Anonymous daily counts stay in both cases: they were added when the events were written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import aiosqlite

from bot.storage.connection import Database, checkpoint
from bot.storage.events import EventLog
from bot.storage.languages import LanguageTable
from bot.storage.records import RetentionResult, as_utc, day_start, epoch_minute
from bot.storage.subscribers import OFFER_LIFETIME

log = logging.getLogger("bot.stats")

DEFAULT_UNMATCHED_RETENTION_DAYS = 90
DEFAULT_EVENT_RETENTION_DAYS = 365
RETENTION_INTERVAL = timedelta(days=1)


class Forgetting:
    """Deletes what one user asked to forget, and what is older than its retention period.

    Args:
        database: the shared connection.
        events: the event log (its queue holds events not yet written).
        languages: the language table (its cache holds choices).
        unmatched_retention_days: unanswered questions are deleted after this many days.
        event_retention_days: raw events are deleted after this many days (their counts stay).
    """

    def __init__(
        self,
        database: Database,
        events: EventLog,
        languages: LanguageTable,
        *,
        unmatched_retention_days: int = DEFAULT_UNMATCHED_RETENTION_DAYS,
        event_retention_days: int = DEFAULT_EVENT_RETENTION_DAYS,
    ) -> None:
        self._db = database
        self._events = events
        self._languages = languages
        self._unmatched_days = unmatched_retention_days
        self._event_days = event_retention_days
        self._next_retention: datetime | None = None

    async def retention_if_due(self) -> None:
        """Apply retention if a day has passed since it last ran (the writer calls this)."""
        now = as_utc(self._db.clock())
        if self._next_retention is None or now >= self._next_retention:
            await self.apply_retention(now)

    async def forget(self, user_keys: Sequence[str], chat_id: int | None = None) -> int:
        """Delete everything kept under these keys; return how many rows (and queued events) went.

        Deletes their events, active days, unanswered questions and language choice, and, with
        `chat_id`, their subscription and announcement deliveries. Events still queued in
        memory are discarded too. Anonymous daily counts stay. Returns -1 if the database is
        unavailable (nothing could be deleted there; tell the user to try again later).
        """
        queued = sum(self._events.purge(key) for key in user_keys)
        for key in user_keys:
            self._languages.cache.forget(key)

        async def run(db: aiosqlite.Connection) -> int:
            nonlocal queued
            # A failed batch may have been put back in the queue meanwhile.
            queued += sum(self._events.purge(key) for key in user_keys)
            await db.execute("BEGIN IMMEDIATE")
            deleted = 0
            for key in user_keys:
                deleted += await self._delete_keyed(db, key)
            if chat_id is not None:
                for table in ("subscribers", "announcement_deliveries"):
                    cursor = await db.execute(f"DELETE FROM {table} WHERE chat_id = ?", (chat_id,))
                    deleted += cursor.rowcount
            await db.execute("COMMIT")
            await checkpoint(db)
            return deleted

        deleted = await self._db.call("forget", run, -1)
        return deleted if deleted < 0 else deleted + queued

    @staticmethod
    async def _delete_keyed(db: aiosqlite.Connection, user_key: str) -> int:
        """Delete every row under one key (inside the caller's transaction); return how many."""
        # Every event has its (day, user_key) row in user_days, written in the same
        # transaction and deleted with it: the user's days bound where their events are.
        async with db.execute(
            "SELECT day FROM user_days WHERE user_key = ?", (user_key,)
        ) as cursor:
            days = [date.fromisoformat(row[0]) for row in await cursor.fetchall()]
        spans = [(day_start(day), day_start(day + timedelta(days=1)), user_key) for day in days]
        cursor = await db.executemany(
            "DELETE FROM events WHERE at >= ? AND at < ? AND user_key = ?", spans
        )
        deleted = max(cursor.rowcount, 0)
        for table in ("user_days", "unmatched", "languages"):
            cursor = await db.execute(f"DELETE FROM {table} WHERE user_key = ?", (user_key,))
            deleted += cursor.rowcount
        return deleted

    async def apply_retention(self, now: datetime | None = None) -> RetentionResult:
        """Delete raw events and unanswered questions past their retention period.

        Events older than `event_retention_days` (whole UTC days) are deleted with their
        `user_days`; their counts stay in `daily_counts`, where they were added when written.
        Unanswered questions go after `unmatched_retention_days`. Runs at open() and daily.
        """
        now = as_utc(now or self._db.clock())
        first_kept = now.date() - timedelta(days=self._event_days)
        event_cutoff = day_start(first_kept)
        unmatched_cutoff = epoch_minute(now - timedelta(days=self._unmatched_days))
        offer_cutoff = int((now - OFFER_LIFETIME).timestamp())
        await self._events.flush()

        async def run(db: aiosqlite.Connection) -> RetentionResult:
            await db.execute("BEGIN IMMEDIATE")
            events = await db.execute("DELETE FROM events WHERE at < ?", (event_cutoff,))
            days = await db.execute(
                "DELETE FROM user_days WHERE day < ?", (first_kept.isoformat(),)
            )
            unmatched = await db.execute("DELETE FROM unmatched WHERE at < ?", (unmatched_cutoff,))
            await db.execute(
                "DELETE FROM announcements WHERE state = 'offered' AND created_at < ?",
                (offer_cutoff,),
            )
            await db.execute("COMMIT")
            await checkpoint(db)
            return RetentionResult(events.rowcount, days.rowcount, unmatched.rowcount)

        result = await self._db.call("retention", run, None)
        # A corrupt database moved aside holds questions too: it goes when they would have.
        self._db.delete_moved_aside(now - timedelta(days=self._unmatched_days))
        if result is None:
            return RetentionResult()
        self._next_retention = now + RETENTION_INTERVAL
        if result.events or result.unmatched:
            log.info(
                "stats retention: deleted %d events older than %s and %d unanswered questions",
                result.events,
                first_kept,
                result.unmatched,
            )
        return result

    # --- language, subscribers, announcements, forget ---
