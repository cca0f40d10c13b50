"""The one aiosqlite connection: opening, migrating, recovering, and running operations on it.

`Database` owns the connection and the lock that lets one operation (or transaction) use it at a
time. Every storage part runs its SQL through `query` (raises `StatsUnavailable` when the
database fails) or `call` (returns a default instead), so faults are handled in one place: a
locked, read-only or full database is logged at most once a minute and retried later; a corrupt
one is moved aside to `<name>.corrupt-<timestamp>` and a fresh one started.
"""

from __future__ import annotations

import asyncio
import glob
import logging
import os
import re
import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import aiosqlite

from bot.storage.migrations import abandon, migrate, rollback
from bot.storage.records import StatsError, StatsUnavailable, StoreClosed, as_utc

log = logging.getLogger("bot.stats")

DEFAULT_BUSY_TIMEOUT = 0.2  # seconds to wait for another process's lock before giving up
FAULT_LOG_INTERVAL = 60.0  # seconds: database errors are logged at most this often
RECONNECT_INTERVAL = 5.0  # seconds between attempts to reopen an unavailable database
# Page cache. SQLite grows it with the file up to this size; 4 MiB keeps the bot's memory flat
# (bench_startup) while batched inserts stay fast (bench_stats).
CACHE_SIZE_KIB = 4 * 1024

# SQLite result codes that mean the file itself is damaged (not locked, not full).
_CORRUPTION_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}

# `<name>.corrupt-<stamp>[-serial][-wal|-shm]`, as `_move_aside` names them.
_MOVED_ASIDE = re.compile(r"\.corrupt-(\d{8}T\d{6}Z)(?:-\d+)?(?:-wal|-shm)?")

T = TypeVar("T")
State = Literal["new", "open", "closed"]
OnConnect = Callable[[aiosqlite.Connection], Awaitable[None]]


def is_corruption(exc: BaseException) -> bool:
    """Whether an SQLite error says the file itself is damaged."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _CORRUPTION_CODES
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


class _Corrupt(Exception):
    """The integrity check found damage (raised inside connect, handled there)."""


class Database:
    """One SQLite file behind one aiosqlite connection, shared by every storage part.

    Args:
        path: the SQLite file; it and its folder are created on first use.
        clock: returns the current time (UTC); names a corrupt file moved aside.
        busy_timeout: seconds to wait for another process's lock before giving up for now.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime],
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    ) -> None:
        self.path = Path(path)
        self.clock = clock
        self._busy_timeout_ms = int(busy_timeout * 1000)
        self.state: State = "new"
        self.connection: aiosqlite.Connection | None = None
        self.lock = asyncio.Lock()  # one operation (or transaction) on the connection at a time
        self.next_connect = 0.0  # monotonic time of the next reconnect attempt
        self._last_fault_log: float | None = None
        self._silenced = 0  # faults not logged since the last logged one
        self._failing = False
        self._corruption: sqlite3.Error | None = None  # seen while running; reconnect acts on it
        #: Run on every new connection, after the migrations (e.g. to load a cache).
        self.on_connect: list[OnConnect] = []
        #: (events waiting, events dropped) for the fault log; set by the event log.
        self.backlog: Callable[[], tuple[int, int]] = lambda: (0, 0)
        #: Rows were deleted and the write-ahead log still holds them: `checkpoint_if_due`.
        self.checkpoint_due = False
        #: Names of the migrations the last successful connect applied (empty when up to date).
        self.migrations_applied: tuple[str, ...] = ()

    @property
    def available(self) -> bool:
        """Whether the database connection is up right now."""
        return self.connection is not None

    def now_epoch(self) -> int:
        """The clock's current Unix time in seconds."""
        return int(as_utc(self.clock()).timestamp())

    # --- connecting ---

    async def connect(self) -> None:
        """Open and migrate the database; move a corrupt file aside and start afresh."""
        try:
            if self._corruption is not None:
                raise _Corrupt(str(self._corruption))
            self.connection = await self._open_connection()
        except (sqlite3.DatabaseError, _Corrupt) as exc:
            if not isinstance(exc, _Corrupt) and not is_corruption(exc):
                raise
            moved = self._move_aside()
            self._corruption = None
            log.warning(
                "stats: the database %s was corrupt (%s); moved it to %s and started a fresh one",
                self.path,
                exc,
                moved,
            )
            self.connection = await self._open_connection()

    async def _open_connection(self) -> aiosqlite.Connection:
        self._create_private_file()
        # Autocommit mode: every transaction here is an explicit BEGIN ... COMMIT.
        db = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            await db.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            await db.execute(f"PRAGMA cache_size = -{CACHE_SIZE_KIB}")
            # Deleted rows are overwritten with zeros, not left in free pages: forgotten means
            # gone (with `checkpoint` after a delete, also from the write-ahead log).
            await db.execute("PRAGMA secure_delete = ON")
            # Temporary tables (a migration's key mapping) stay in memory, never in a file.
            await db.execute("PRAGMA temp_store = MEMORY")
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
                await checkpoint(db)  # what a migration replaced must not stay in the WAL
            for hook in self.on_connect:
                await hook(db)
        except BaseException:
            await db.close()
            raise
        return db

    def _create_private_file(self) -> None:
        """The folder (if new) readable by the bot's user only, and the file 0600: SQLite gives
        the -wal and -shm files the database's permissions."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            mode = self.path.stat().st_mode
            if mode & 0o077:
                self.path.chmod(0o600)
                log.warning(
                    "stats: %s was readable by others; set its permissions to 0600", self.path
                )
            return
        os.close(fd)  # an empty file is an empty database

    def _move_aside(self) -> Path:
        """Rename the database (and its -wal/-shm files) to `<name>.corrupt-<timestamp>`."""
        stamp = as_utc(self.clock()).strftime("%Y%m%dT%H%M%SZ")
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

    async def checkpoint_if_due(self) -> None:
        """Empty the write-ahead log if a delete left that for later (see `checkpoint_due`)."""
        if not self.checkpoint_due:
            return

        async def run(db: aiosqlite.Connection) -> None:
            await checkpoint(db)
            self.checkpoint_due = False

        await self.call("checkpoint", run, None)

    def delete_moved_aside(self, older_than: datetime) -> int:
        """Delete corrupt copies moved aside before `older_than` (with their -wal and -shm);
        return how many files went. They may hold anything the database held, so they are
        kept no longer than the unanswered questions in them would have been."""
        deleted = 0
        for path in self.path.parent.glob(f"{glob.escape(self.path.name)}.corrupt-*"):
            found = _MOVED_ASIDE.fullmatch(path.name[len(self.path.name) :])
            if found is None:
                continue
            moved = datetime.strptime(found[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            if moved < older_than:
                try:
                    path.unlink()
                except OSError as exc:
                    log.warning("stats: cannot delete the old corrupt copy %s: %s", path, exc)
                    continue
                deleted += 1
        if deleted:
            log.info("stats: deleted %d files of corrupt databases moved aside", deleted)
        return deleted

    async def disconnect(self) -> None:
        """Close the connection if it is open (errors are logged, not raised)."""
        db, self.connection = self.connection, None
        if db is not None:
            try:
                await db.close()
            except (sqlite3.Error, ValueError) as exc:
                log.warning("stats: error while closing the database: %s", exc)

    async def ready(self, *, allow_closed: bool = False) -> aiosqlite.Connection | None:
        """The connection, reconnecting if it is down and the last attempt was long enough ago.

        Call with the lock held.
        """
        if self.state != "open" and not (allow_closed and self.state == "closed"):
            return None
        if self.connection is not None:
            return self.connection
        if self.state != "open" or time.monotonic() < self.next_connect:
            return None
        try:
            await self.connect()
        except (sqlite3.Error, OSError, StatsError) as exc:
            self.retry_later("reconnect", exc)
            return None
        log.warning("stats: the database %s is available again", self.path)
        return self.connection

    def retry_later(self, op: str, exc: BaseException) -> None:
        """Connecting failed: log it, and try again after RECONNECT_INTERVAL."""
        self.next_connect = time.monotonic() + RECONNECT_INTERVAL
        self.fault(op, exc)

    # --- running operations ---

    async def call(
        self, op: str, run: Callable[[aiosqlite.Connection], Awaitable[T]], default: T
    ) -> T:
        """Run one operation; if the database is unavailable, log it and return `default`."""
        try:
            return await self.query(op, run)
        except StatsUnavailable:
            return default

    async def query(self, op: str, run: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Run one operation under the lock; raise StatsUnavailable if the database fails."""
        async with self.lock:
            db = await self.ready()
            if db is None:
                if self.state != "open":
                    self.fault(op, StoreClosed("the store is not open"))
                raise StatsUnavailable(f"the statistics database {self.path} is unavailable")
            try:
                result = await run(db)
            except sqlite3.Error as exc:
                await rollback(db)
                await self.db_fault(op, exc)
                raise StatsUnavailable(
                    f"the statistics database {self.path} is unavailable: {exc}"
                ) from exc
            except BaseException:
                # Cancelled (a shutdown) between BEGIN and COMMIT: a transaction left open
                # would swallow every later write on this connection until it closes.
                await abandon(db)
                raise
            self.recovered()
            return result

    async def db_fault(self, op: str, exc: sqlite3.Error) -> None:
        """Log a database error; drop the connection if the file is corrupt (reopen checks it)."""
        self._failing = True
        self.fault(op, exc)
        if is_corruption(exc):
            # SQLite says the file is damaged: reconnecting moves it aside (nothing is deleted).
            self._corruption = exc
            await self.disconnect()
            self.next_connect = 0.0

    def fault(self, op: str, exc: BaseException) -> None:
        """Log an error at most once per FAULT_LOG_INTERVAL; count the ones kept quiet."""
        now = time.monotonic()
        if self._last_fault_log is not None and now - self._last_fault_log < FAULT_LOG_INTERVAL:
            self._silenced += 1
            return
        silenced, self._silenced = self._silenced, 0
        self._last_fault_log = now
        waiting, dropped = self.backlog()
        log.error(
            "stats database %s: %s failed: %s (%s); %d events waiting, %d dropped so far, "
            "%d similar errors not logged; the bot keeps answering",
            self.path,
            op,
            exc,
            type(exc).__name__,
            waiting,
            dropped,
            silenced,
        )

    def recovered(self) -> None:
        """Note a successful operation; say so once if the database was failing."""
        if self._failing:
            self._failing = False
            log.warning(
                "stats database %s: writing again (%d dropped)", self.path, self.backlog()[1]
            )


async def checkpoint(db: aiosqlite.Connection) -> None:
    """Copy the write-ahead log into the database and truncate it to zero bytes.

    Run after deleting someone's rows: until then the WAL file still holds the pages as they
    were before the delete. Must run outside a transaction.
    """
    async with db.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
        row = await cursor.fetchone()
    if row is not None and row[0]:
        # Another connection is reading: the next checkpoint (after the next delete or the
        # daily retention) finishes the job.
        log.warning("stats: the write-ahead log could not be emptied yet (database busy)")


async def scalar(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> int:
    """The first column of the first row as an int (0 when there is none)."""
    async with db.execute(sql, params) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row is not None and row[0] is not None else 0


async def column(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> list[int]:
    """The first column of every row, as ints."""
    async with db.execute(sql, params) as cursor:
        return [int(row[0]) for row in await cursor.fetchall()]
