"""Events: what the bot did for whom, queued in memory, written in batches, read as reports.

`record(event)` only appends to a queue in memory; a background task writes the queue in
batches. If the database breaks (locked, read-only, disk full, corrupt) the bot keeps answering:
events wait in a bounded backlog and writes are retried on the next flush.

Counting: every flush also adds its events to `daily_counts` (day, section, route, language,
decision) and `user_days` (day, user key), in the same transaction. Reports read only those two
small tables, so a report over millions of events stays fast, and the raw `events` rows can be
deleted after `event_retention_days` without changing any total (the roll-up happens as events
are written, not when they expire).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import aiosqlite

from bot.scrub import scrub
from bot.storage.connection import Database, scalar
from bot.storage.keys import USER_KEY_LENGTH
from bot.storage.migrations import abandon, rollback
from bot.storage.records import (
    DECISIONS,
    OUTCOMES,
    ROUTES,
    UNMATCHED_DECISIONS,
    SectionStat,
    StatsEvent,
    StatsReport,
    as_utc,
    change,
    day_name,
    epoch_minute,
    outcome_of,
    percent,
)

DEFAULT_FLUSH_INTERVAL = 1.0  # seconds between background flushes
DEFAULT_BATCH_SIZE = 5_000  # events per write transaction; a full batch wakes the flusher
DEFAULT_MAX_PENDING = 50_000  # events held in memory while the database is unavailable
QUESTION_MAX_LENGTH = 200
SHORT_PERIOD_DAYS = 31  # reports up to this long read a day range; longer ones scan indexes
SHORT_TEXT = 64  # section ids and language codes longer than this are cut
_SURROGATE = re.compile("[\ud800-\udfff]")
# What sqlite3 raises for a value it cannot bind (not a database fault): bad text, an integer
# too big, a type it does not know.
_UNSTORABLE = (UnicodeError, OverflowError, ValueError, TypeError, sqlite3.InterfaceError)

# An event as it waits in memory: already scrubbed, already reduced to the stored columns.
# (at, user_key, route, section_id, decision, score, lang, chat_type, question)
Row = tuple[int, str, str, str | None, str, float, str, str, str | None, str | None]
AfterFlush = Callable[[], Awaitable[None]]


def with_urgent(report: StatsReport, rows: Iterable[Sequence[Any]]) -> StatsReport:
    """The report with its safeguarding figures: urgent replies by kind and by language."""
    kinds: Counter[str] = Counter()
    langs: Counter[str] = Counter()
    for lang, kind, count in rows:
        kinds[kind] += count
        langs[lang] += count
    return replace(
        report,
        urgent_by_kind=tuple(sorted(kinds.items(), key=lambda item: (-item[1], item[0]))),
        urgent_by_lang=tuple(sorted(langs.items(), key=lambda item: (-item[1], item[0]))),
    )


class EventLog:
    """The event queue, its background writer, and the report queries over what it wrote.

    Args:
        database: the shared connection.
        flush_interval: seconds between background writes of the queue (also written at close).
        batch_size: events per write transaction; a full batch wakes the writer early.
        max_pending: events kept in memory while the database is unavailable; beyond, dropped.
    """

    def __init__(
        self,
        database: Database,
        *,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_pending: int = DEFAULT_MAX_PENDING,
    ) -> None:
        self._db = database
        self._flush_interval = flush_interval
        self._batch_size = batch_size
        self._max_pending = max_pending
        self._pending: deque[Row] = deque()
        self._wake = asyncio.Event()
        self._closing = False
        self._flusher: asyncio.Task[None] | None = None
        #: Events lost: queue full, database unavailable at close, or invalid.
        self.dropped = 0
        #: Texts repaired before storing (lone surrogates SQLite cannot encode); events kept.
        self.sanitised = 0
        database.backlog = lambda: (len(self._pending), self.dropped)

    @property
    def pending(self) -> int:
        """Events waiting in memory for the next flush."""
        return len(self._pending)

    def start(self, after_flush: AfterFlush) -> None:
        """Start the background writer; it awaits `after_flush()` after every flush."""
        self._flusher = asyncio.create_task(self._run_flusher(after_flush), name="stats-flusher")

    async def stop(self, *, was_open: bool) -> None:
        """Stop the writer and write what is queued (also after the store was marked closed)."""
        self._closing = True
        flusher, self._flusher = self._flusher, None
        if flusher is not None:
            self._wake.set()
            # wait() rather than await: a flusher cancelled at loop shutdown must not stop close.
            await asyncio.wait([flusher])
        if was_open:
            await self._flush(allow_closed=True)

    def discard_pending(self) -> int:
        """Drop what could not be written (call with the lock held); return how many."""
        lost = len(self._pending)
        self.dropped += lost
        self._pending.clear()
        return lost

    def record(self, event: StatsEvent) -> None:
        """Queue one event for the next batch write. Never blocks, never raises."""
        try:
            if self._db.state == "closed" or len(self._pending) >= self._max_pending:
                self.dropped += 1
                return
            row = self._row(event)
        except Exception as exc:  # a bad event must not cost the user their answer
            self.dropped += 1
            self._db.fault("record", exc)
            return
        self._pending.append(row)
        if len(self._pending) >= self._batch_size:
            self._wake.set()

    def _row(self, event: StatsEvent) -> Row:
        if event.route not in ROUTES or event.decision not in DECISIONS:
            raise ValueError(f"invalid event: route {event.route!r}, decision {event.decision!r}")
        at = epoch_minute(event.at or self._db.clock())
        question = None
        if event.decision in UNMATCHED_DECISIONS and event.question:
            question = scrub(self._text(event.question), QUESTION_MAX_LENGTH) or None
        section = self._text(event.section_id[:SHORT_TEXT]) if event.section_id else None
        chat_type = "private" if event.chat_type == "private" else "group"
        return (
            at,
            self._text(str(event.user_key)[:USER_KEY_LENGTH]),
            event.route,
            section,
            event.decision,
            # Whole points are precise enough for tuning, and SQLite stores them in 1 byte, not 8.
            round(float(event.score)),
            self._text(str(event.lang)[:SHORT_TEXT]),
            chat_type,
            question,
            str(event.distress_kind)[:SHORT_TEXT] if event.distress_kind else None,
        )

    def _text(self, text: str) -> str:
        """`text` as SQLite can store it: a lone surrogate (half of an emoji cut in two, or a
        broken client) cannot be encoded as UTF-8 and becomes U+FFFD; the event is counted."""
        if text.isascii():
            return text
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            self.sanitised += 1
            return _SURROGATE.sub("\ufffd", text)
        return text

    async def flush(self) -> int:
        """Write every queued event now; return how many were written (0 if the database failed)."""
        return await self._flush()

    async def _flush(self, *, allow_closed: bool = False) -> int:
        written = 0
        while True:
            async with self._db.lock:
                if not self._pending:
                    return written
                db = await self._db.ready(allow_closed=allow_closed)
                if db is None:
                    return written
                count = min(len(self._pending), self._batch_size)
                batch = [self._pending.popleft() for _ in range(count)]
                try:
                    await self._write(db, batch)
                except _UNSTORABLE as exc:  # before sqlite3.Error: InterfaceError is one
                    # One event SQLite cannot take must not cost the others: write them one
                    # at a time and drop only the bad ones.
                    await rollback(db)
                    self._db.fault("flush (one bad event in a batch)", exc)
                    count = await self._write_one_by_one(db, batch)
                    if count < 0:
                        return written
                except sqlite3.Error as exc:
                    await rollback(db)
                    self._requeue(batch)
                    await self._db.db_fault("flush", exc)
                    return written
                except BaseException:  # cancelled mid-transaction: undo it, keep the events
                    await abandon(db)
                    self._requeue(batch)
                    raise
                written += count
                self._db.recovered()

    async def _write_one_by_one(self, db: aiosqlite.Connection, batch: list[Row]) -> int:
        """Write each event on its own; drop (and count) those that cannot be stored.

        Returns how many were written, or -1 if the database itself failed (the rest of the
        batch is then back in the queue). Call with the lock held.
        """
        written = 0
        for index, row in enumerate(batch):
            try:
                await self._write(db, [row])
            except _UNSTORABLE:
                await rollback(db)
                self.dropped += 1
                continue
            except sqlite3.Error as exc:
                await rollback(db)
                self._requeue(batch[index:])
                await self._db.db_fault("flush", exc)
                return -1
            written += 1
        return written

    def _requeue(self, batch: list[Row]) -> None:
        """Put a failed batch back at the front; what no longer fits (the newest) is dropped."""
        self._pending.extendleft(reversed(batch))
        while len(self._pending) > self._max_pending:
            self._pending.pop()
            self.dropped += 1

    async def _write(self, db: aiosqlite.Connection, batch: list[Row]) -> None:
        """One transaction: the raw events, unanswered questions, and the daily counts."""
        counts: Counter[tuple[str, str, str, str, str]] = Counter()
        users: set[tuple[str, str]] = set()
        unmatched = []
        urgent: Counter[tuple[str, str, str]] = Counter()
        day_of: dict[int, str] = {}
        for at, user_key, route, section, decision, _, lang, _, question, kind in batch:
            day = day_of.get(at // 86400)
            if day is None:
                day = day_of[at // 86400] = day_name(at)
            counts[(day, section or "", route, lang, decision)] += 1
            users.add((day, user_key))
            if question is not None:
                unmatched.append((at, user_key, decision, lang, question))
            if kind is not None:
                urgent[(day, lang, kind)] += 1
        await db.execute("BEGIN IMMEDIATE")
        await db.executemany(
            "INSERT INTO events (at, user_key, route, section_id, decision, score, lang, "
            "chat_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [row[:8] for row in batch],
        )
        if unmatched:
            await db.executemany(
                "INSERT INTO unmatched (at, user_key, decision, lang, question) "
                "VALUES (?, ?, ?, ?, ?)",
                unmatched,
            )
        await db.executemany(
            "INSERT INTO daily_counts (day, section_id, route, lang, decision, count) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (day, section_id, route, lang, decision) "
            "DO UPDATE SET count = count + excluded.count",
            [(*key, n) for key, n in counts.items()],
        )
        await db.executemany("INSERT OR IGNORE INTO user_days (day, user_key) VALUES (?, ?)", users)
        if urgent:
            await db.executemany(
                "INSERT INTO urgent_counts (day, lang, kind, count) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (day, lang, kind) DO UPDATE SET count = count + excluded.count",
                [(*key, n) for key, n in urgent.items()],
            )
        await db.execute("COMMIT")

    async def _run_flusher(self, after_flush: AfterFlush) -> None:
        """Background writer: flush every `flush_interval` (sooner when a batch is full)."""
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._flush_interval)
            self._wake.clear()
            if self._closing:
                return
            try:
                await self._flush()
                await after_flush()
            except Exception as exc:  # the writer must outlive any surprise
                self._db.fault("background flush", exc)

    # --- retention ---

    def purge(self, user_key: str) -> int:
        """Drop one user's events from the queue; return how many there were."""
        kept = deque(row for row in self._pending if row[1] != user_key)
        purged = len(self._pending) - len(kept)
        if purged:
            self._pending = kept
        return purged

    # --- reports ---

    async def report(self, days: int | None = 30, now: datetime | None = None) -> StatsReport:
        """Asks in the last `days` whole UTC days including today (None: everything kept).

        Raises:
            StatsUnavailable: the database cannot be read right now.
        """
        if days is not None and days <= 0:
            raise ValueError("days must be positive (or None for all time)")
        today = as_utc(now or self._db.clock()).date()
        await self.flush()  # include what is still queued
        start = None if days is None else today - timedelta(days=days - 1)
        where, params = day_range(start, today)
        # Short periods: a range on the day-first primary keys, then a small sort. Long ones:
        # one pass over the indexes ordered by the grouped columns, which group and count
        # distinct users without sorting (a year at 1M events: 80 ms -> 15 ms).
        long = days is None or days > SHORT_PERIOD_DAYS
        counts = "daily_counts INDEXED BY daily_counts_keys" if long else "daily_counts"
        users_table = "user_days INDEXED BY user_days_user" if long else "user_days"

        async def run(db: aiosqlite.Connection) -> StatsReport:
            async with db.execute(
                f"SELECT section_id, route, lang, decision, SUM(count) FROM {counts}{where} "
                "GROUP BY section_id, route, lang, decision",
                params,
            ) as cursor:
                rows = await cursor.fetchall()
            previous: Counter[str] | None = None
            if start is not None and days is not None:
                prev_where, prev_params = day_range(
                    start - timedelta(days=days), start - timedelta(days=1)
                )
                async with db.execute(
                    f"SELECT section_id, SUM(count) FROM {counts}{prev_where} GROUP BY section_id",
                    prev_params,
                ) as cursor:
                    previous = Counter({row[0]: row[1] for row in await cursor.fetchall()})
            users = await scalar(
                db, f"SELECT COUNT(DISTINCT user_key) FROM {users_table}{where}", params
            )
            async with db.execute(
                f"SELECT lang, kind, SUM(count) FROM urgent_counts{where} GROUP BY lang, kind",
                params,
            ) as cursor:
                urgent = await cursor.fetchall()
            return with_urgent(build_report(days, start, today, rows, previous, users), urgent)

        return await self._db.query("report", run)

    async def unanswered(
        self, days: int = 30, limit: int = 20, now: datetime | None = None
    ) -> list[tuple[str, int]]:
        """The most frequent unanswered questions of the last `days` days (scrubbed), with counts.

        Questions differing only in case are counted together.

        Raises:
            StatsUnavailable: the database cannot be read right now.
        """
        since = epoch_minute(as_utc(now or self._db.clock()) - timedelta(days=days))
        await self.flush()

        async def run(db: aiosqlite.Connection) -> list[tuple[str, int]]:
            async with db.execute(
                "SELECT question, COUNT(*) FROM unmatched WHERE at >= ? GROUP BY question",
                (since,),
            ) as cursor:
                rows = await cursor.fetchall()
            merged: dict[str, list[Any]] = {}
            for question, count in rows:
                entry = merged.setdefault(question.casefold(), [question, 0, 0])
                entry[1] += count
                if count > entry[2]:  # show the most common spelling
                    entry[0], entry[2] = question, count
            ranked = sorted(merged.values(), key=lambda entry: (-entry[1], entry[0]))
            return [(str(entry[0]), int(entry[1])) for entry in ranked[:limit]]

        return await self._db.query("unanswered", run)

    async def count_rows(
        self, days: int | None = None, now: datetime | None = None
    ) -> list[tuple[str, str, str, str, str, int]]:
        """`(day, section id or '', route, lang, decision, count)` per UTC day, rolled-up days
        included: the rows behind /export, in day order.

        Raises:
            StatsUnavailable: the database cannot be read right now.
        """
        today = as_utc(now or self._db.clock()).date()
        start = None if days is None else today - timedelta(days=days - 1)
        where, params = day_range(start, today)
        await self.flush()

        async def run(db: aiosqlite.Connection) -> list[tuple[str, str, str, str, str, int]]:
            async with db.execute(
                f"SELECT day, section_id, route, lang, decision, SUM(count) FROM daily_counts"
                f"{where} GROUP BY day, section_id, route, lang, decision "
                "ORDER BY day, section_id, route, lang, decision",
                params,
            ) as cursor:
                return [
                    (str(d), str(s), str(r), str(la), str(de), int(n))
                    for d, s, r, la, de, n in await cursor.fetchall()
                ]

        return await self._db.query("count_rows", run)

    async def unanswered_by_lang(
        self, days: int = 30, now: datetime | None = None
    ) -> list[tuple[str, str, int]]:
        """`(question, lang, count)` of the last `days` days' unanswered questions (scrubbed),
        "I can't answer" only: a choice of topics was an answer of sorts.

        Raises:
            StatsUnavailable: the database cannot be read right now.
        """
        since = epoch_minute(as_utc(now or self._db.clock()) - timedelta(days=days))
        await self.flush()

        async def run(db: aiosqlite.Connection) -> list[tuple[str, str, int]]:
            async with db.execute(
                "SELECT question, lang, COUNT(*) FROM unmatched WHERE at >= ? AND decision = ? "
                "GROUP BY question, lang",
                (since, "none"),
            ) as cursor:
                return [(str(q), str(la), int(n)) for q, la, n in await cursor.fetchall()]

        return await self._db.query("unanswered_by_lang", run)


def day_range(start: date | None, end: date) -> tuple[str, tuple[str, ...]]:
    """A WHERE clause on `day` for [start, end]; everything up to `end` when start is None."""
    if start is None:
        return " WHERE day <= ?", (end.isoformat(),)
    return " WHERE day BETWEEN ? AND ?", (start.isoformat(), end.isoformat())


def build_report(
    days: int | None,
    start: date | None,
    end: date,
    rows: Iterable[Sequence[Any]],
    previous: Counter[str] | None,
    users: int,
) -> StatsReport:
    sections: Counter[str] = Counter()
    langs: Counter[str] = Counter()
    routes: Counter[str] = Counter()
    decisions: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    section_langs: Counter[tuple[str, str]] = Counter()
    for section, route, lang, decision, count in rows:
        outcomes[outcome_of(section, route, decision)] += count
        if section:
            sections[section] += count
            section_langs[section, lang] += count
        langs[lang] += count
        routes[route] += count
        decisions[decision] += count
    total = sum(decisions.values())
    served = sum(sections.values())
    ids = set(sections) | {key for key in (previous or {}) if key}
    stats = [
        SectionStat(
            section_id=section,
            count=sections[section],
            share=percent(sections[section], served),
            previous=None if previous is None else previous[section],
            change=None if previous is None else change(sections[section], previous[section]),
        )
        for section in ids
    ]
    stats.sort(key=lambda stat: (-stat.count, -(stat.previous or 0), stat.section_id))
    unmatched = sum(decisions[decision] for decision in UNMATCHED_DECISIONS)
    return StatsReport(
        period="all time" if days is None else f"last {days} day{'s' if days != 1 else ''}",
        days=days,
        start=start,
        end=end,
        total=total,
        previous_total=None if previous is None else sum(previous.values()),
        unique_users=users,
        sections=tuple(stats),
        by_lang=tuple(langs.most_common()),
        by_route=tuple(routes.most_common()),
        by_decision=tuple((decision, decisions[decision]) for decision in DECISIONS),
        unmatched=unmatched,
        unmatched_rate=percent(unmatched, total),
        outcomes=tuple((outcome, outcomes[outcome]) for outcome in OUTCOMES),
        by_section_lang=tuple(
            (section, lang, n)
            for (section, lang), n in sorted(section_langs.items(), key=lambda i: (-i[1], i[0]))
        ),
    )
