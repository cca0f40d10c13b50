"""StatsStore: the bot's SQLite database (statistics, language choices, subscribers, announcements).

One `StatsStore` owns one aiosqlite connection. Nothing here knows about Telegram: the handlers
turn an update into a `StatsEvent` and call `store.record(event)`, which only appends to a queue
in memory; a background task writes the queue in batches. If the database breaks (locked,
read-only, disk full, corrupt) the bot keeps answering: events wait in a bounded backlog, errors
are logged at most once a minute, and writes are retried on the next flush.

    store = StatsStore(Path("data/bot.sqlite3"), settings.stats_secret)
    await store.open()
    store.record(StatsEvent(store.user_key(user.id), "text", "human-rights", "answer", 87.5))
    report = await store.report(days=30)
    print(format_report(report))
    await store.close()

Privacy: a user appears only as `user_key(user_id)`, an HMAC of the Telegram user id under a
secret (STATS_SECRET, or a random one kept in `<database>.secret`); no name, username, chat id or
message text is stored with events. Questions the bot could not answer are kept scrubbed
(`bot.scrub`) and capped, with the user key so that `/forget` deletes them too: scrubbing cannot
find names, so the asker must be able to erase them. Subscribers are the one place a chat id is
stored, because announcements must be sent to it; `/forget` deletes that row as well.

Counting: every flush also adds its events to `daily_counts` (day, section, route, language,
decision) and `user_days` (day, user key), in the same transaction. Reports read only those two
small tables, so a report over millions of events stays fast, and the raw `events` rows can be
deleted after `event_retention_days` without changing any total (the roll-up happens as events
are written, not when they expire).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import hashlib
import hmac
import io
import logging
import os
import secrets
import sqlite3
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

import aiosqlite

from bot.scrub import scrub

log = logging.getLogger("bot.stats")

# The same values as `bot.replies.Route` / `Decision`; kept here so storage needs no reply code.
Route = Literal["command", "button", "text", "deeplink", "inline"]
Decision = Literal["answer", "clarify", "none"]
ChatType = Literal["private", "group"]
ROUTES: tuple[str, ...] = get_args(Route)
DECISIONS: tuple[str, ...] = get_args(Decision)
UNMATCHED_DECISIONS = ("none", "clarify")

# Named defaults (see the StatsStore docstring for what each one bounds).
DEFAULT_FLUSH_INTERVAL = 1.0  # seconds between background flushes
DEFAULT_BATCH_SIZE = 5_000  # events per write transaction; a full batch wakes the flusher
DEFAULT_MAX_PENDING = 50_000  # events held in memory while the database is unavailable
DEFAULT_BUSY_TIMEOUT = 0.2  # seconds to wait for another process's lock before giving up
DEFAULT_UNMATCHED_RETENTION_DAYS = 90
DEFAULT_EVENT_RETENTION_DAYS = 365
QUESTION_MAX_LENGTH = 200
USER_KEY_LENGTH = 16  # hex characters of the HMAC kept: 64 bits, no collisions at our scale
FAULT_LOG_INTERVAL = 60.0  # seconds: database errors are logged at most this often
RECONNECT_INTERVAL = 5.0  # seconds between attempts to reopen an unavailable database
RETENTION_INTERVAL = timedelta(days=1)
# An announcement offered to an admin (the "Announce to N subscribers" button) can be accepted
# this long; older offers are deleted by retention.
OFFER_LIFETIME = timedelta(days=7)
SHORT_PERIOD_DAYS = 31  # reports up to this long read a day range; longer ones scan indexes
# Page cache. SQLite grows it with the file up to this size; 4 MiB keeps the bot's memory flat
# (bench_startup) while batched inserts stay fast (bench_stats).
CACHE_SIZE_KIB = 4 * 1024
# Language choices remembered in memory, so answering a message needs no database read. Only
# this process writes them, so a cached answer (also "no choice") is never stale. Up to this
# many choices the whole table is held, and a user who never chose costs no read either.
LANGUAGE_CACHE_SIZE = 20_000
SECRET_SUFFIX = ".secret"
_SHORT_TEXT = 64  # section ids and language codes longer than this are cut

# SQLite result codes that mean the file itself is damaged (not locked, not full).
_CORRUPTION_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}

T = TypeVar("T")


class LanguageChoices:
    """The users' language choices in memory: all of them while they fit, else the most recent.

    Complete (every saved choice is here) after `load` of a table that fits: a user not here has
    made no choice, and answering them needs no database read. Past `capacity` the oldest are
    evicted and the store reads the database for users not here; None is then remembered too.
    """

    def __init__(self, capacity: int | None = None) -> None:
        self.capacity = LANGUAGE_CACHE_SIZE if capacity is None else capacity
        self.complete = False
        self._choices: OrderedDict[str, str | None] = OrderedDict()

    def load(self, rows: Iterable[tuple[str, str]], *, complete: bool) -> None:
        """Replace what is held with `rows` (user key, language) read from the database."""
        self._choices = OrderedDict(rows)
        self.complete = complete and len(self._choices) <= self.capacity
        self._trim()

    def known(self, user_key: str) -> bool:
        """Whether `lookup` can answer for this user without the database."""
        return self.complete or user_key in self._choices

    def lookup(self, user_key: str) -> str | None:
        """The user's choice (None: none made). Only meaningful when `known(user_key)`."""
        if user_key not in self._choices:
            return None
        self._choices.move_to_end(user_key)
        return self._choices[user_key]

    def remember(self, user_key: str, lang: str | None) -> None:
        """Note a choice just saved, or one read from the database (None: none made)."""
        if lang is None and self.complete:
            self._choices.pop(user_key, None)  # absence already means "no choice"
            return
        self._choices[user_key] = lang
        self._choices.move_to_end(user_key)
        self._trim()

    def forget(self, user_key: str) -> None:
        """The user's choice was deleted (or is about to be)."""
        self._choices.pop(user_key, None)

    def __len__(self) -> int:
        return len(self._choices)

    def _trim(self) -> None:
        while len(self._choices) > self.capacity:
            self._choices.popitem(last=False)
            self.complete = False  # an evicted user's choice is now only in the database


class StatsError(Exception):
    """The statistics database cannot do what was asked."""


class SchemaTooNew(StatsError):
    """The database was written by a newer version of the bot; refusing to touch it."""


class StatsUnavailable(StatsError):
    """The statistics database is unavailable right now (see the log for why)."""


class StoreClosed(StatsError):
    """This StatsStore was closed; create a new one instead of reopening it."""


# --- Schema -------------------------------------------------------------------------------------

# Named migrations, applied in order at open(), each in one transaction with its record in
# `schema_migrations`. Never edit or reorder an applied one: append a new one.
MIGRATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "0001_events",
        (
            # `at` is Unix time in seconds, truncated to the minute (UTC).
            """CREATE TABLE events (
                at INTEGER NOT NULL,
                user_key TEXT NOT NULL,
                route TEXT NOT NULL,
                section_id TEXT,
                decision TEXT NOT NULL,
                score REAL NOT NULL,
                lang TEXT NOT NULL,
                chat_type TEXT NOT NULL
            )""",
            "CREATE INDEX events_at ON events (at)",
            # No index on user_key: inserting random keys into it halved ingest (76,000 ->
            # 39,000 events/s) and took 28 MB per million events. forget() finds a user's
            # events through their days in `user_days` and the `at` index instead.
            """CREATE TABLE unmatched (
                at INTEGER NOT NULL,
                user_key TEXT NOT NULL,
                decision TEXT NOT NULL,
                lang TEXT NOT NULL,
                question TEXT NOT NULL
            )""",
            "CREATE INDEX unmatched_at ON unmatched (at)",
            "CREATE INDEX unmatched_user ON unmatched (user_key)",
            # Counts per day, kept forever; '' stands for "no section" (keys cannot be NULL).
            """CREATE TABLE daily_counts (
                day TEXT NOT NULL,
                section_id TEXT NOT NULL,
                route TEXT NOT NULL,
                lang TEXT NOT NULL,
                decision TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (day, section_id, route, lang, decision)
            ) WITHOUT ROWID""",
            # Grouping over long periods walks this index instead of sorting (see report()).
            "CREATE INDEX daily_counts_keys ON daily_counts "
            "(section_id, route, lang, decision, day, count)",
            # Who was active on which day, for "unique users"; deleted with the events.
            """CREATE TABLE user_days (
                day TEXT NOT NULL,
                user_key TEXT NOT NULL,
                PRIMARY KEY (day, user_key)
            ) WITHOUT ROWID""",
            "CREATE INDEX user_days_user ON user_days (user_key, day)",
        ),
    ),
    (
        "0002_languages_subscribers",
        (
            """CREATE TABLE languages (
                user_key TEXT PRIMARY KEY,
                lang TEXT NOT NULL,
                updated_at INTEGER NOT NULL
            ) WITHOUT ROWID""",
            """CREATE TABLE subscribers (
                chat_id INTEGER PRIMARY KEY,
                since INTEGER NOT NULL
            )""",
        ),
    ),
    (
        "0003_announcements",
        (
            """CREATE TABLE announcements (
                id TEXT PRIMARY KEY,
                created_at INTEGER NOT NULL,
                payload TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'sending'
            )""",
            """CREATE TABLE announcement_deliveries (
                announcement_id TEXT NOT NULL REFERENCES announcements (id),
                chat_id INTEGER NOT NULL,
                sent_at INTEGER NOT NULL,
                PRIMARY KEY (announcement_id, chat_id)
            ) WITHOUT ROWID""",
        ),
    ),
)
MIGRATIONS += (
    (
        "0004_urgent_counts",
        (
            # Urgent-help replies per day, language and kind of danger (safeguarding figures):
            # counts only, never who or what; kept forever like daily_counts.
            """CREATE TABLE urgent_counts (
                day TEXT NOT NULL,
                lang TEXT NOT NULL,
                kind TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (day, lang, kind)
            ) WITHOUT ROWID""",
        ),
    ),
)
MIGRATION_NAMES: tuple[str, ...] = tuple(name for name, _ in MIGRATIONS)


async def migrate(db: aiosqlite.Connection) -> list[str]:
    """Apply the migrations this database lacks; return their names (empty when up to date).

    The connection must be in autocommit mode (`isolation_level=None`).

    Raises:
        SchemaTooNew: the database has migrations this code does not know.
    """
    await db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
    )
    async with db.execute("SELECT name FROM schema_migrations") as cursor:
        applied = {row[0] for row in await cursor.fetchall()}
    unknown = sorted(applied - set(MIGRATION_NAMES))
    if unknown:
        raise SchemaTooNew(
            "the database schema is newer than this version of the bot knows (unknown "
            f"migrations: {', '.join(unknown)}); upgrade the bot or use another DATABASE_PATH"
        )
    done: list[str] = []
    for name, statements in MIGRATIONS:
        if name in applied:
            continue
        await db.execute("BEGIN IMMEDIATE")
        try:
            # Checked again inside the write lock: another process may have just applied it.
            async with db.execute("SELECT 1 FROM schema_migrations WHERE name = ?", (name,)) as c:
                if await c.fetchone() is not None:
                    await db.execute("ROLLBACK")
                    continue
            for statement in statements:
                await db.execute(statement)
            await db.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                (name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
            await db.execute(f"PRAGMA user_version = {MIGRATION_NAMES.index(name) + 1}")
            await db.execute("COMMIT")
        except BaseException:
            await _rollback(db)
            raise
        done.append(name)
    return done


async def _rollback(db: aiosqlite.Connection) -> None:
    """Roll back if a transaction is open; a failed rollback is not worth a second error."""
    try:
        if db.in_transaction:
            await db.execute("ROLLBACK")
    except (sqlite3.Error, ValueError):
        pass


# --- Records and reports ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatsEvent:
    """One thing the bot did for someone: an answered question, a button, a deep link, a query.

    `question` is the raw text, only for decisions "none" and "clarify"; the store scrubs and caps
    it before keeping it and ignores it for "answer". `at` defaults to the store's clock.
    """

    user_key: str
    route: Route
    section_id: str | None
    decision: Decision
    score: float = 0.0
    lang: str = "en"
    chat_type: ChatType = "private"
    question: str | None = None
    at: datetime | None = None
    # Set when the reply began with an urgent-help note: the kind of danger (counted per day
    # and language in `urgent_counts`, nothing else about it is kept).
    distress_kind: str | None = None


@dataclass(frozen=True)
class SectionStat:
    """How often one section was served in the period, and how that compares."""

    section_id: str
    count: int
    share: float  # percent of the period's asks that reached a section
    previous: int | None  # count in the previous period of the same length (None for 'all')
    change: float | None  # percent change vs `previous`; None for 'all' or when it was 0


@dataclass(frozen=True)
class StatsReport:
    """What the admins see: the period's asks by section, language, route and decision."""

    period: str  # "last 7 days" or "all time"
    days: int | None
    start: date | None  # first day counted (UTC); None for 'all'
    end: date  # last day counted (UTC), today
    total: int  # every recorded event: questions, buttons, deep links, inline queries
    previous_total: int | None
    unique_users: int  # distinct user keys among events still kept (not the rolled-up past)
    sections: tuple[SectionStat, ...]  # most asked first
    by_lang: tuple[tuple[str, int], ...]
    by_route: tuple[tuple[str, int], ...]
    by_decision: tuple[tuple[str, int], ...]
    unmatched: int  # decision "none" or "clarify"
    unmatched_rate: float  # percent of `total`
    # Safeguarding: urgent-help replies in the period, by kind and by language, most first.
    urgent_by_kind: tuple[tuple[str, int], ...] = ()
    urgent_by_lang: tuple[tuple[str, int], ...] = ()

    @property
    def urgent(self) -> int:
        """Urgent-help replies in the period."""
        return sum(count for _, count in self.urgent_by_kind)

    @property
    def total_change(self) -> float | None:
        """Percent change of all asks vs the previous period (None for 'all' or from 0)."""
        return _change(self.total, self.previous_total)


@dataclass(frozen=True)
class RetentionResult:
    """Rows deleted by one `apply_retention` run."""

    events: int = 0
    user_days: int = 0
    unmatched: int = 0


@dataclass(frozen=True)
class Announcement:
    """An announcement being sent to subscribers; `payload` is the caller's (e.g. JSON)."""

    id: str
    created_at: datetime
    payload: str
    state: str


# An event as it waits in memory: already scrubbed, already reduced to the stored columns.
# (at, user_key, route, section_id, decision, score, lang, chat_type, question)
_Row = tuple[int, str, str, str | None, str, float, str, str, str | None, str | None]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _as_utc(moment: datetime) -> datetime:
    """Aware UTC datetime; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _epoch_minute(moment: datetime) -> int:
    seconds = int(_as_utc(moment).timestamp())
    return seconds - seconds % 60


def _day_start(day: date) -> int:
    return int(datetime.combine(day, datetime.min.time(), UTC).timestamp())


def _day(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d")


def _change(current: int, previous: int | None) -> float | None:
    if not previous:
        return None
    return (current - previous) / previous * 100.0


def _percent(part: int, whole: int) -> float:
    return part / whole * 100.0 if whole else 0.0


def _is_corruption(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _CORRUPTION_CODES
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


class _Corrupt(Exception):
    """The integrity check found damage (raised inside open, handled there)."""


# --- The store ----------------------------------------------------------------------------------


class StatsStore:
    """Owns the database connection: migrations, batched event writes, queries, small tables.

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
        clock: Callable[[], datetime] = _utcnow,
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
        self._secret: bytes | None = secret.encode() if isinstance(secret, str) else secret
        if not self._secret:
            self._secret = None
        self._flush_interval = flush_interval
        self._unmatched_days = unmatched_retention_days
        self._event_days = event_retention_days
        self._clock = clock
        self._batch_size = batch_size
        self._max_pending = max_pending
        self._busy_timeout_ms = int(busy_timeout * 1000)

        self._state: Literal["new", "open", "closed"] = "new"
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()  # one operation (or transaction) on the connection at a time
        self._languages = LanguageChoices()
        self._pending: deque[_Row] = deque()
        self._wake = asyncio.Event()
        self._closing = False
        self._flusher: asyncio.Task[None] | None = None
        self._next_retention: datetime | None = None
        self._next_connect = 0.0  # monotonic time of the next reconnect attempt
        self._last_fault_log: float | None = None
        self._silenced = 0  # faults not logged since the last logged one
        self._failing = False
        self._corruption: sqlite3.Error | None = None  # seen while running; reconnect acts on it
        #: Events lost: queue full, database unavailable at close, or invalid.
        self.dropped = 0
        #: Names of the migrations the last successful connect applied (empty when up to date).
        self.migrations_applied: tuple[str, ...] = ()

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
        if self._state == "closed":
            raise StoreClosed("this StatsStore was closed; create a new one")
        if self._state == "open":
            return
        self._load_secret()
        try:
            await self._connect()
        except SchemaTooNew:
            self._state = "closed"
            raise
        except (sqlite3.Error, OSError) as exc:
            self._next_connect = time.monotonic() + RECONNECT_INTERVAL
            self._fault("open", exc)
        self._state = "open"
        if self._db is not None:
            await self.apply_retention()
        self._flusher = asyncio.create_task(self._run_flusher(), name="stats-flusher")

    async def close(self) -> None:
        """Write everything still queued, then close the database. Safe to call twice."""
        if self._state == "closed":
            return
        was_open = self._state == "open"
        self._state = "closed"
        self._closing = True
        flusher, self._flusher = self._flusher, None
        if flusher is not None:
            self._wake.set()
            # wait() rather than await: a flusher cancelled at loop shutdown must not stop close.
            await asyncio.wait([flusher])
        if was_open:
            await self._flush(allow_closed=True)
        async with self._lock:
            if self._pending:
                lost = len(self._pending)
                self.dropped += lost
                self._pending.clear()
                log.error("stats: %d events could not be saved before closing", lost)
            await self._disconnect()

    async def __aenter__(self) -> StatsStore:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def is_open(self) -> bool:
        """Whether open() ran and close() did not (the database itself may still be down)."""
        return self._state == "open"

    @property
    def available(self) -> bool:
        """Whether the database connection is up right now."""
        return self._db is not None

    @property
    def pending(self) -> int:
        """Events waiting in memory for the next flush."""
        return len(self._pending)

    # --- user keys ---

    def user_key(self, user_id: int) -> str:
        """The pseudonymous key for a Telegram user: HMAC-SHA256(secret, str(id)), 16 hex chars."""
        if self._secret is None:
            raise StatsError("no stats secret yet: pass one to StatsStore or call open() first")
        digest = hmac.new(self._secret, str(user_id).encode(), hashlib.sha256)
        return digest.hexdigest()[:USER_KEY_LENGTH]

    @property
    def secret_path(self) -> Path:
        """Where a generated secret is kept: `<database>.secret`, beside the database."""
        return self.path.with_name(self.path.name + SECRET_SUFFIX)

    def _load_secret(self) -> None:
        """Read the secret file, or create it once (0600). Falls back to a secret in memory."""
        if self._secret is not None:
            return
        path = self.secret_path
        try:
            self._secret = _read_or_create_secret(path)
        except OSError as exc:
            # User keys will not match after a restart (language choices are forgotten), but
            # the bot keeps working and nothing identifying is written anywhere.
            log.error(
                "stats: cannot read or create the secret file %s (%s); using a temporary "
                "secret, so user keys change at the next start. Set STATS_SECRET to avoid this.",
                path,
                exc,
            )
            self._secret = secrets.token_hex(32).encode()

    # --- recording ---

    def record(self, event: StatsEvent) -> None:
        """Queue one event for the next batch write. Never blocks, never raises."""
        try:
            if self._state == "closed" or len(self._pending) >= self._max_pending:
                self.dropped += 1
                return
            row = self._row(event)
        except Exception as exc:  # a bad event must not cost the user their answer
            self.dropped += 1
            self._fault("record", exc)
            return
        self._pending.append(row)
        if len(self._pending) >= self._batch_size:
            self._wake.set()

    def _row(self, event: StatsEvent) -> _Row:
        if event.route not in ROUTES or event.decision not in DECISIONS:
            raise ValueError(f"invalid event: route {event.route!r}, decision {event.decision!r}")
        at = _epoch_minute(event.at or self._clock())
        question = None
        if event.decision in UNMATCHED_DECISIONS and event.question:
            question = scrub(event.question, QUESTION_MAX_LENGTH) or None
        section = event.section_id[:_SHORT_TEXT] if event.section_id else None
        chat_type = "private" if event.chat_type == "private" else "group"
        return (
            at,
            str(event.user_key)[:USER_KEY_LENGTH],
            event.route,
            section,
            event.decision,
            # Whole points are precise enough for tuning, and SQLite stores them in 1 byte, not 8.
            round(float(event.score)),
            str(event.lang)[:_SHORT_TEXT],
            chat_type,
            question,
            str(event.distress_kind)[:_SHORT_TEXT] if event.distress_kind else None,
        )

    async def flush(self) -> int:
        """Write every queued event now; return how many were written (0 if the database failed)."""
        return await self._flush()

    async def _flush(self, *, allow_closed: bool = False) -> int:
        written = 0
        while True:
            async with self._lock:
                if not self._pending:
                    return written
                db = await self._ready(allow_closed=allow_closed)
                if db is None:
                    return written
                count = min(len(self._pending), self._batch_size)
                batch = [self._pending.popleft() for _ in range(count)]
                try:
                    await self._write(db, batch)
                except sqlite3.Error as exc:
                    await _rollback(db)
                    self._requeue(batch)
                    await self._db_fault("flush", exc)
                    return written
                written += count
                self._recovered()

    def _requeue(self, batch: list[_Row]) -> None:
        """Put a failed batch back at the front; what no longer fits (the newest) is dropped."""
        self._pending.extendleft(reversed(batch))
        while len(self._pending) > self._max_pending:
            self._pending.pop()
            self.dropped += 1

    async def _write(self, db: aiosqlite.Connection, batch: list[_Row]) -> None:
        """One transaction: the raw events, unanswered questions, and the daily counts."""
        counts: Counter[tuple[str, str, str, str, str]] = Counter()
        users: set[tuple[str, str]] = set()
        unmatched = []
        urgent: Counter[tuple[str, str, str]] = Counter()
        day_of: dict[int, str] = {}
        for at, user_key, route, section, decision, _, lang, _, question, kind in batch:
            day = day_of.get(at // 86400)
            if day is None:
                day = day_of[at // 86400] = _day(at)
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

    async def _run_flusher(self) -> None:
        """Background writer: flush every `flush_interval` (sooner when a batch is full)."""
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._flush_interval)
            self._wake.clear()
            if self._closing:
                return
            try:
                await self._flush()
                now = _as_utc(self._clock())
                if self._next_retention is None or now >= self._next_retention:
                    await self.apply_retention(now)
            except Exception as exc:  # the writer must outlive any surprise
                self._fault("background flush", exc)

    # --- retention ---

    async def apply_retention(self, now: datetime | None = None) -> RetentionResult:
        """Delete raw events and unanswered questions past their retention period.

        Events older than `event_retention_days` (whole UTC days) are deleted with their
        `user_days`; their counts stay in `daily_counts`, where they were added when written.
        Unanswered questions go after `unmatched_retention_days`. Runs at open() and daily.
        """
        now = _as_utc(now or self._clock())
        first_kept = now.date() - timedelta(days=self._event_days)
        event_cutoff = _day_start(first_kept)
        unmatched_cutoff = _epoch_minute(now - timedelta(days=self._unmatched_days))
        offer_cutoff = int((now - OFFER_LIFETIME).timestamp())
        await self.flush()

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
            return RetentionResult(events.rowcount, days.rowcount, unmatched.rowcount)

        result = await self._call("retention", run, None)
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

    async def get_language(self, user_key: str) -> str | None:
        """The language this user chose, or None (also when the database is unavailable)."""
        if self._languages.known(user_key):
            return self._languages.lookup(user_key)

        async def run(db: aiosqlite.Connection) -> tuple[bool, str | None]:
            async with db.execute(
                "SELECT lang FROM languages WHERE user_key = ?", (user_key,)
            ) as cursor:
                row = await cursor.fetchone()
            return True, None if row is None else str(row[0])

        unread: tuple[bool, str | None] = (False, None)
        read, lang = await self._call("get_language", run, unread)
        if read:  # a failed read is not remembered: the database may be back next time
            self._languages.remember(user_key, lang)
        return lang

    async def set_language(self, user_key: str, lang: str) -> bool:
        """Remember this user's language; False if it could not be saved."""

        async def run(db: aiosqlite.Connection) -> bool:
            await db.execute(
                "INSERT INTO languages (user_key, lang, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_key) DO UPDATE SET lang = excluded.lang, "
                "updated_at = excluded.updated_at",
                (user_key, lang[:_SHORT_TEXT], self._now_epoch()),
            )
            return True

        saved = await self._call("set_language", run, False)
        if saved:
            self._languages.remember(user_key, lang[:_SHORT_TEXT])
        return saved

    async def add_subscriber(self, chat_id: int) -> bool:
        """Opt a chat in to announcements; False if it could not be saved."""

        async def run(db: aiosqlite.Connection) -> bool:
            await db.execute(
                "INSERT OR IGNORE INTO subscribers (chat_id, since) VALUES (?, ?)",
                (chat_id, self._now_epoch()),
            )
            return True

        return await self._call("add_subscriber", run, False)

    async def remove_subscriber(self, chat_id: int) -> bool:
        """Opt a chat out of announcements; True if it was subscribed."""

        async def run(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute("DELETE FROM subscribers WHERE chat_id = ?", (chat_id,))
            return cursor.rowcount > 0

        return await self._call("remove_subscriber", run, False)

    async def move_subscriber(self, old_chat_id: int, new_chat_id: int) -> bool:
        """A group became a supergroup (a new chat id): keep its subscription and deliveries.
        True if the old id was subscribed and is moved; idempotent."""

        async def run(db: aiosqlite.Connection) -> bool:
            await db.execute("BEGIN IMMEDIATE")  # _query rolls back if a statement fails
            # The supergroup keeps the group's subscription date.
            await db.execute(
                "INSERT OR IGNORE INTO subscribers (chat_id, since) "
                "SELECT ?, since FROM subscribers WHERE chat_id = ?",
                (new_chat_id, old_chat_id),
            )
            cursor = await db.execute("DELETE FROM subscribers WHERE chat_id = ?", (old_chat_id,))
            moved = cursor.rowcount > 0
            # Announcements already delivered to the group count for the supergroup.
            await db.execute(
                "INSERT OR IGNORE INTO announcement_deliveries (announcement_id, chat_id, "
                "sent_at) SELECT announcement_id, ?, sent_at FROM announcement_deliveries "
                "WHERE chat_id = ?",
                (new_chat_id, old_chat_id),
            )
            await db.execute("COMMIT")
            return moved

        return await self._call("move_subscriber", run, False)

    async def subscribers(self) -> list[int]:
        """Chat ids that opted in, in ascending order (empty if the database is unavailable)."""

        async def run(db: aiosqlite.Connection) -> list[int]:
            return await self._column(db, "SELECT chat_id FROM subscribers ORDER BY chat_id")

        return await self._call("subscribers", run, [])

    async def subscriber_count(self) -> int:
        """How many chats opted in to announcements (0 if the database is unavailable)."""

        async def run(db: aiosqlite.Connection) -> int:
            return await self._scalar(db, "SELECT COUNT(*) FROM subscribers")

        return await self._call("subscriber_count", run, 0)

    async def create_announcement(
        self, announcement_id: str, payload: str, *, offered: bool = False
    ) -> bool:
        """Start an announcement, or with `offered` keep it until an admin accepts it
        (`accept_offer`); False if the id exists already or it could not be saved."""

        async def run(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "INSERT OR IGNORE INTO announcements (id, created_at, payload, state) "
                "VALUES (?, ?, ?, ?)",
                (announcement_id, self._now_epoch(), payload, "offered" if offered else "sending"),
            )
            return cursor.rowcount > 0

        return await self._call("create_announcement", run, False)

    async def accept_offer(self, announcement_id: str) -> bool:
        """Start an offered announcement; True only for the first acceptance of an offer
        younger than OFFER_LIFETIME (False also if the database is unavailable)."""
        now = self._now_epoch()
        oldest = now - int(OFFER_LIFETIME.total_seconds())

        async def run(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "UPDATE announcements SET state = 'sending', created_at = ? "
                "WHERE id = ? AND state = 'offered' AND created_at >= ?",
                (now, announcement_id, oldest),
            )
            return cursor.rowcount > 0

        return await self._call("accept_offer", run, False)

    async def pending_recipients(self, announcement_id: str) -> list[int]:
        """Subscribers who have not had this announcement yet (current subscribers only)."""

        async def run(db: aiosqlite.Connection) -> list[int]:
            return await self._column(
                db,
                "SELECT chat_id FROM subscribers WHERE chat_id NOT IN (SELECT chat_id FROM "
                "announcement_deliveries WHERE announcement_id = ?) ORDER BY chat_id",
                (announcement_id,),
            )

        return await self._call("pending_recipients", run, [])

    async def mark_delivered(self, announcement_id: str, chat_id: int) -> bool:
        """Record that this chat got the announcement (idempotent); False if not saved."""

        async def run(db: aiosqlite.Connection) -> bool:
            await db.execute(
                "INSERT OR IGNORE INTO announcement_deliveries (announcement_id, chat_id, "
                "sent_at) VALUES (?, ?, ?)",
                (announcement_id, chat_id, self._now_epoch()),
            )
            return True

        return await self._call("mark_delivered", run, False)

    async def unfinished_announcements(self) -> list[Announcement]:
        """Announcements still being sent (to resume after a restart), oldest first."""

        async def run(db: aiosqlite.Connection) -> list[Announcement]:
            async with db.execute(
                "SELECT id, created_at, payload, state FROM announcements "
                "WHERE state = 'sending' ORDER BY created_at, id"
            ) as cursor:
                rows = await cursor.fetchall()
            return [
                Announcement(row[0], datetime.fromtimestamp(row[1], UTC), row[2], row[3])
                for row in rows
            ]

        return await self._call("unfinished_announcements", run, [])

    async def finish_announcement(self, announcement_id: str) -> bool:
        """Mark an announcement as sent to everyone; False if unknown or not saved."""

        async def run(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "UPDATE announcements SET state = 'done' WHERE id = ?", (announcement_id,)
            )
            return cursor.rowcount > 0

        return await self._call("finish_announcement", run, False)

    async def forget(self, user_key: str, chat_id: int | None = None) -> int:
        """Delete everything kept about one user; return how many rows (and queued events) went.

        Deletes their events, active days, unanswered questions and language choice, and, with
        `chat_id`, their subscription and announcement deliveries. Events still queued in
        memory are discarded too. Anonymous daily counts stay. Returns -1 if the database is
        unavailable (nothing could be deleted there; tell the user to try again later).
        """
        queued = self._purge(user_key)
        self._languages.forget(user_key)

        async def run(db: aiosqlite.Connection) -> int:
            nonlocal queued
            queued += self._purge(user_key)  # a failed batch may have been put back meanwhile
            await db.execute("BEGIN IMMEDIATE")
            # Every event has its (day, user_key) row in user_days, written in the same
            # transaction and deleted with it: the user's days bound where their events are.
            async with db.execute(
                "SELECT day FROM user_days WHERE user_key = ?", (user_key,)
            ) as cursor:
                days = [date.fromisoformat(row[0]) for row in await cursor.fetchall()]
            spans = [
                (_day_start(day), _day_start(day + timedelta(days=1)), user_key) for day in days
            ]
            cursor = await db.executemany(
                "DELETE FROM events WHERE at >= ? AND at < ? AND user_key = ?", spans
            )
            deleted = max(cursor.rowcount, 0)
            for table in ("user_days", "unmatched", "languages"):
                cursor = await db.execute(f"DELETE FROM {table} WHERE user_key = ?", (user_key,))
                deleted += cursor.rowcount
            if chat_id is not None:
                for table in ("subscribers", "announcement_deliveries"):
                    cursor = await db.execute(f"DELETE FROM {table} WHERE chat_id = ?", (chat_id,))
                    deleted += cursor.rowcount
            await db.execute("COMMIT")
            return deleted

        deleted = await self._call("forget", run, -1)
        return deleted if deleted < 0 else deleted + queued

    def _purge(self, user_key: str) -> int:
        """Drop one user's events from the queue; return how many there were."""
        kept = deque(row for row in self._pending if row[1] != user_key)
        purged = len(self._pending) - len(kept)
        if purged:
            self._pending = kept
        return purged

    # --- admin queries ---

    async def report(self, days: int | None = 30, now: datetime | None = None) -> StatsReport:
        """Asks in the last `days` whole UTC days including today (None: everything kept).

        Raises:
            StatsUnavailable: the database cannot be read right now.
        """
        if days is not None and days <= 0:
            raise ValueError("days must be positive (or None for all time)")
        today = _as_utc(now or self._clock()).date()
        await self.flush()  # include what is still queued
        start = None if days is None else today - timedelta(days=days - 1)
        where, params = _day_range(start, today)
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
                prev_where, prev_params = _day_range(
                    start - timedelta(days=days), start - timedelta(days=1)
                )
                async with db.execute(
                    f"SELECT section_id, SUM(count) FROM {counts}{prev_where} GROUP BY section_id",
                    prev_params,
                ) as cursor:
                    previous = Counter({row[0]: row[1] for row in await cursor.fetchall()})
            users = await self._scalar(
                db, f"SELECT COUNT(DISTINCT user_key) FROM {users_table}{where}", params
            )
            async with db.execute(
                f"SELECT lang, kind, SUM(count) FROM urgent_counts{where} GROUP BY lang, kind",
                params,
            ) as cursor:
                urgent = await cursor.fetchall()
            report = _build_report(days, start, today, rows, previous, users)
            return _with_urgent(report, urgent)

        return await self._query("report", run)

    async def unanswered(
        self, days: int = 30, limit: int = 20, now: datetime | None = None
    ) -> list[tuple[str, int]]:
        """The most frequent unanswered questions of the last `days` days (scrubbed), with counts.

        Questions differing only in case are counted together.

        Raises:
            StatsUnavailable: the database cannot be read right now.
        """
        since = _epoch_minute(_as_utc(now or self._clock()) - timedelta(days=days))
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

        return await self._query("unanswered", run)

    async def daily_counts_csv(self, days: int | None = None, now: datetime | None = None) -> str:
        """CSV `day,section,count` per UTC day and section, rolled-up days included.

        Events without a section (unanswered, menus) have an empty section field.

        Raises:
            StatsUnavailable: the database cannot be read right now.
        """
        today = _as_utc(now or self._clock()).date()
        start = None if days is None else today - timedelta(days=days - 1)
        where, params = _day_range(start, today)
        await self.flush()

        async def run(db: aiosqlite.Connection) -> str:
            async with db.execute(
                f"SELECT day, section_id, SUM(count) FROM daily_counts{where} "
                "GROUP BY day, section_id ORDER BY day, section_id",
                params,
            ) as cursor:
                rows = await cursor.fetchall()
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(("day", "section", "count"))
            writer.writerows(rows)
            return out.getvalue()

        return await self._query("daily_counts_csv", run)

    # --- connection and faults ---

    def _now_epoch(self) -> int:
        return int(_as_utc(self._clock()).timestamp())

    async def _connect(self) -> None:
        """Open and migrate the database; move a corrupt file aside and start afresh."""
        try:
            if self._corruption is not None:
                raise _Corrupt(str(self._corruption))
            self._db = await self._open_connection()
        except (sqlite3.DatabaseError, _Corrupt) as exc:
            if not isinstance(exc, _Corrupt) and not _is_corruption(exc):
                raise
            moved = self._move_aside()
            self._corruption = None
            log.warning(
                "stats: the database %s was corrupt (%s); moved it to %s and started a fresh one",
                self.path,
                exc,
                moved,
            )
            self._db = await self._open_connection()

    async def _load_languages(self, db: aiosqlite.Connection) -> None:
        """Hold every language choice in memory if they fit: one read per connect, not one per
        message. Of a bigger table, the most recent; the others are read as their users write."""
        async with db.execute(
            "SELECT user_key, lang FROM languages ORDER BY updated_at DESC LIMIT ?",
            (self._languages.capacity + 1,),
        ) as cursor:
            rows = [(str(key), str(lang)) for key, lang in await cursor.fetchall()]
        fits = len(rows) <= self._languages.capacity
        # Oldest first, so the most recent choices are the last to be evicted.
        self._languages.load(reversed(rows[: self._languages.capacity]), complete=fits)

    async def _open_connection(self) -> aiosqlite.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: every transaction here is an explicit BEGIN ... COMMIT.
        db = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            await db.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            await db.execute(f"PRAGMA cache_size = -{CACHE_SIZE_KIB}")
            # Check before anything writes: switching to WAL rewrites header bytes of a corrupt
            # file that is about to be moved aside for someone to look at.
            async with db.execute("PRAGMA quick_check(1)") as cursor:
                row = await cursor.fetchone()
            if row is None or row[0] != "ok":
                found = " ".join(str(row[0]).split()) if row else "no answer"
                raise _Corrupt(f"integrity check: {found}")
            async with db.execute("PRAGMA journal_mode = WAL") as cursor:
                await cursor.fetchone()
            # In WAL mode NORMAL cannot corrupt the file; a power cut may lose the last writes.
            await db.execute("PRAGMA synchronous = NORMAL")
            self.migrations_applied = tuple(await migrate(db))
            if self.migrations_applied:
                log.info("stats: applied migrations %s", ", ".join(self.migrations_applied))
            await self._load_languages(db)
        except BaseException:
            await db.close()
            raise
        return db

    def _move_aside(self) -> Path:
        """Rename the database (and its -wal/-shm files) to `<name>.corrupt-<timestamp>`."""
        stamp = _as_utc(self._clock()).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        serial = 1
        while target.exists():
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{serial}")
            serial += 1
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.rename(target.with_name(target.name + suffix))
        self.path.rename(target)
        return target

    async def _disconnect(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            try:
                await db.close()
            except (sqlite3.Error, ValueError) as exc:
                log.warning("stats: error while closing the database: %s", exc)

    async def _ready(self, *, allow_closed: bool = False) -> aiosqlite.Connection | None:
        """The connection, reconnecting if it is down and the last attempt was long enough ago.

        Call with the lock held.
        """
        if self._state != "open" and not (allow_closed and self._state == "closed"):
            return None
        if self._db is not None:
            return self._db
        if self._state != "open" or time.monotonic() < self._next_connect:
            return None
        try:
            await self._connect()
        except (sqlite3.Error, OSError, StatsError) as exc:
            self._next_connect = time.monotonic() + RECONNECT_INTERVAL
            self._fault("reconnect", exc)
            return None
        log.warning("stats: the database %s is available again", self.path)
        return self._db

    async def _call(
        self, op: str, run: Callable[[aiosqlite.Connection], Awaitable[T]], default: T
    ) -> T:
        """Run one operation; if the database is unavailable, log it and return `default`."""
        try:
            return await self._query(op, run)
        except StatsUnavailable:
            return default

    async def _query(self, op: str, run: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Run one operation under the lock; raise StatsUnavailable if the database fails."""
        async with self._lock:
            db = await self._ready()
            if db is None:
                if self._state != "open":
                    self._fault(op, StoreClosed("the store is not open"))
                raise StatsUnavailable(f"the statistics database {self.path} is unavailable")
            try:
                result = await run(db)
            except sqlite3.Error as exc:
                await _rollback(db)
                await self._db_fault(op, exc)
                raise StatsUnavailable(
                    f"the statistics database {self.path} is unavailable: {exc}"
                ) from exc
            self._recovered()
            return result

    async def _db_fault(self, op: str, exc: sqlite3.Error) -> None:
        """Log a database error; drop the connection if the file is corrupt (reopen checks it)."""
        self._failing = True
        self._fault(op, exc)
        if _is_corruption(exc):
            # SQLite says the file is damaged: reconnecting moves it aside (nothing is deleted).
            self._corruption = exc
            await self._disconnect()
            self._next_connect = 0.0

    def _fault(self, op: str, exc: BaseException) -> None:
        """Log an error at most once per FAULT_LOG_INTERVAL; count the ones kept quiet."""
        now = time.monotonic()
        if self._last_fault_log is not None and now - self._last_fault_log < FAULT_LOG_INTERVAL:
            self._silenced += 1
            return
        silenced, self._silenced = self._silenced, 0
        self._last_fault_log = now
        log.error(
            "stats database %s: %s failed: %s (%s); %d events waiting, %d dropped so far, "
            "%d similar errors not logged; the bot keeps answering",
            self.path,
            op,
            exc,
            type(exc).__name__,
            len(self._pending),
            self.dropped,
            silenced,
        )

    def _recovered(self) -> None:
        if self._failing:
            self._failing = False
            log.warning("stats database %s: writing again (%d dropped)", self.path, self.dropped)

    @staticmethod
    async def _scalar(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> int:
        async with db.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row is not None and row[0] is not None else 0

    @staticmethod
    async def _column(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> list[int]:
        async with db.execute(sql, params) as cursor:
            return [int(row[0]) for row in await cursor.fetchall()]


def _read_or_create_secret(path: Path) -> bytes:
    """The secret kept in `path`; created once with 0600 permissions if missing or empty."""
    try:
        secret = path.read_bytes().strip()
    except FileNotFoundError:
        secret = b""
    if secret:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
            log.warning("stats: %s was readable by others; set its permissions to 0600", path)
        return secret
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = secrets.token_hex(32).encode()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, fresh + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        if path.exists():  # an empty file left by a crash
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if another process created it meanwhile
    except FileExistsError:
        return path.read_bytes().strip()
    finally:
        tmp.unlink(missing_ok=True)
    log.info("stats: generated a new secret for user keys in %s", path)
    return fresh


def _day_range(start: date | None, end: date) -> tuple[str, tuple[str, ...]]:
    """A WHERE clause on `day` for [start, end]; everything up to `end` when start is None."""
    if start is None:
        return " WHERE day <= ?", (end.isoformat(),)
    return " WHERE day BETWEEN ? AND ?", (start.isoformat(), end.isoformat())


def _build_report(
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
    for section, route, lang, decision, count in rows:
        if section:
            sections[section] += count
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
            share=_percent(sections[section], served),
            previous=None if previous is None else previous[section],
            change=None if previous is None else _change(sections[section], previous[section]),
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
        unmatched_rate=_percent(unmatched, total),
    )


def _with_urgent(report: StatsReport, rows: Iterable[Sequence[Any]]) -> StatsReport:
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


# --- Formatting ---------------------------------------------------------------------------------

REPORT_WIDTH = 40  # characters per line: a phone shows about this many in monospace
_NAME_WIDTH = 18


def _signed_percent(value: float | None) -> str:
    return "-" if value is None else f"{value:+.0f}%"


def _wrap(parts: list[str], title: str) -> list[str]:
    """`Title: a, b, c` over as many lines as needed, never splitting a part."""
    lines = [f"{title}:"]
    for index, part in enumerate(parts):
        part += "," if index < len(parts) - 1 else ""
        if len(lines[-1]) + 1 + len(part) > REPORT_WIDTH:
            lines.append(" ")
        lines[-1] += " " + part
    return lines


def format_report(report: StatsReport) -> str:
    """The report as a compact monospace table, at most 40 characters a line.

    Plain text: wrap it in <pre> (HTML-escaped) to send it on Telegram.
    """
    lines = [
        f"Stats: {report.period}",
        f"{report.start} to {report.end} (UTC)" if report.start else f"until {report.end} (UTC)",
    ]
    change = report.total_change
    asks = f"Asks {report.total:,}"
    if report.previous_total is not None:
        asks += f" ({_signed_percent(change) if report.previous_total else 'new'})"
    lines.append(f"{asks}, users {report.unique_users:,}")
    lines.append(f"Unanswered {report.unmatched_rate:.1f}% ({report.unmatched:,})")
    lines.append(f"Safeguarding: {report.urgent:,} urgent-help replies")
    if report.urgent:
        for title, pairs in (
            ("  by kind", report.urgent_by_kind),
            ("  by lang", report.urgent_by_lang),
        ):
            lines.extend(_wrap([f"{key} {count:,}" for key, count in pairs], title))
    if report.sections:
        lines.append("")
        with_change = report.previous_total is not None
        header = f"{'Section':<{_NAME_WIDTH}} {'Asks':>7} {'%':>4}"
        lines.append(header + (f" {'Change':>7}" if with_change else ""))
        for stat in report.sections:
            name = stat.section_id
            if len(name) > _NAME_WIDTH:
                name = name[: _NAME_WIDTH - 1] + "…"
            line = f"{name:<{_NAME_WIDTH}} {stat.count:>7,} {stat.share:>3.0f}%"
            if with_change:
                shown = "new" if not stat.previous else _signed_percent(stat.change)
                line += f" {shown:>7}"
            lines.append(line)
    for title, pairs in (("Languages", report.by_lang), ("Routes", report.by_route)):
        if pairs:
            lines.append("")
            lines.extend(
                _wrap([f"{key} {_percent(n, report.total):.0f}%" for key, n in pairs], title)
            )
    return "\n".join(lines)


__all__ = [
    "MIGRATIONS",
    "Announcement",
    "RetentionResult",
    "SchemaTooNew",
    "SectionStat",
    "StatsError",
    "StatsEvent",
    "StatsReport",
    "StatsStore",
    "StatsUnavailable",
    "StoreClosed",
    "format_report",
    "migrate",
]
