"""The database schema: named migrations, applied in order when the store connects.

Each migration runs in one transaction with its record in `schema_migrations`, so re-running
applies nothing and two processes starting at once apply each migration once. A database
written by any earlier version upgrades in place; one from a newer version is refused.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import aiosqlite

from bot.storage import cases
from bot.storage.records import SchemaTooNew

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
    cases.MIGRATION,  # the help desk's open cases (bot/storage/cases.py)
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
            await rollback(db)
            raise
        done.append(name)
    return done


async def rollback(db: aiosqlite.Connection) -> None:
    """Roll back if a transaction is open; a failed rollback is not worth a second error."""
    try:
        if db.in_transaction:
            await db.execute("ROLLBACK")
    except (sqlite3.Error, ValueError):
        pass
