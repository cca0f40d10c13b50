"""The help desk's open cases in SQLite: only what routing needs, only while a case is open.

A case row holds its number, the person's chat id, their language, times and counts; a message
row pairs a message of the case in the caseworkers' group with its counterpart in the person's
chat (either may be missing), so a reply to any message of the case finds the case. No message
text, caption or file is ever written here. Closing a case deletes its rows and keeps one line
for the statistics: language and times, nothing that names anyone.

`CaseStore` runs its SQL on the store's `Database` (bot/storage/connection.py: one connection,
one lock, one place that handles database faults), through its `query` method; `StatsStore`
builds it as `store.cases`, behind `bot.storage.ports.CasesPort`.

    cases = store.cases                 # after store.open()
    case = await cases.open_case(chat_id=7, lang="th")
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, TypeVar

import aiosqlite

from bot.helpdesk import MAX_OPEN_CASES, Case, CaseTimes, CloseReason

log = logging.getLogger(__name__)

T = TypeVar("T")

# The migration that creates the help desk's tables (appended to the store's MIGRATIONS).
MIGRATION: tuple[str, tuple[str, ...]] = (
    "0004_helpdesk_cases",
    (
        # AUTOINCREMENT: a number is never given twice, so "Case 17 is closed" stays true.
        """CREATE TABLE helpdesk_cases (
            number INTEGER PRIMARY KEY AUTOINCREMENT,
            chat_id INTEGER NOT NULL UNIQUE,
            lang TEXT NOT NULL,
            opened_at INTEGER NOT NULL,
            last_message_at INTEGER NOT NULL,
            first_answer_at INTEGER,
            media_count INTEGER NOT NULL DEFAULT 0,
            waiting INTEGER NOT NULL DEFAULT 0
        )""",
        # One row per message of a case: its id in the caseworkers' group and in the person's
        # chat. Either is NULL for a message that exists on one side only (a notice).
        """CREATE TABLE helpdesk_messages (
            case_number INTEGER NOT NULL,
            group_message_id INTEGER,
            user_message_id INTEGER
        )""",
        "CREATE UNIQUE INDEX helpdesk_messages_group ON helpdesk_messages (group_message_id)",
        "CREATE INDEX helpdesk_messages_user ON helpdesk_messages (case_number, user_message_id)",
        # What the statistics keep of a closed case: no number, no chat, no message.
        """CREATE TABLE helpdesk_closed (
            lang TEXT NOT NULL,
            opened_at INTEGER NOT NULL,
            first_answer_at INTEGER,
            closed_at INTEGER NOT NULL,
            reason TEXT NOT NULL
        )""",
        "CREATE INDEX helpdesk_closed_at ON helpdesk_closed (closed_at)",
    ),
)

_CASE_COLUMNS = (
    "number, chat_id, lang, opened_at, last_message_at, first_answer_at, media_count, waiting"
)
Side = Literal["user", "desk"]


class Runner(Protocol):
    """Runs one operation on the shared connection, raising StatsUnavailable when it fails."""

    async def query(self, op: str, run: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Run `run(connection)` under the connection's lock."""
        ...


def _case(row: Iterable[Any]) -> Case:
    number, chat_id, lang, opened, last, first, media, waiting = row
    return Case(number, chat_id, lang, opened, last, first, media, waiting)


class CaseStore:
    """Open cases and their message-id pairs; an in-memory index of who has an open case, so a
    person's every message needs no database read to know whether it goes to the desk."""

    def __init__(self, runner: Runner, clock: Callable[[], datetime] | None = None) -> None:
        self._runner = runner
        self._clock = clock or (lambda: datetime.now(UTC))
        self._by_chat: dict[int, int] = {}  # the person's chat id -> their open case number
        self.loaded = False

    def now(self) -> int:
        """The store's clock in Unix seconds."""
        return int(self._clock().timestamp())

    async def load(self) -> None:
        """Read which chats have an open case (once the database is open).

        Raises:
            StatsUnavailable: the database cannot be read now (the next lookup tries again).
        """

        async def run(db: aiosqlite.Connection) -> dict[int, int]:
            async with db.execute("SELECT chat_id, number FROM helpdesk_cases") as cursor:
                return {int(chat): int(number) for chat, number in await cursor.fetchall()}

        self._by_chat = await self._runner.query("helpdesk load", run)
        self.loaded = True

    async def case_number(self, chat_id: int) -> int | None:
        """The open case of this person's chat, if any (from memory once loaded)."""
        if not self.loaded:
            await self.load()
        return self._by_chat.get(chat_id)

    async def open_count(self) -> int:
        """How many cases are open."""
        if not self.loaded:
            await self.load()
        return len(self._by_chat)

    async def open_case(self, chat_id: int, lang: str) -> Case | Literal["exists", "full"]:
        """Open a case for this chat: the new case, "exists" (one open case per person) or
        "full" (MAX_OPEN_CASES are open)."""
        if await self.case_number(chat_id) is not None:
            return "exists"
        if len(self._by_chat) >= MAX_OPEN_CASES:
            return "full"
        now = self.now()

        async def run(db: aiosqlite.Connection) -> Case:
            cursor = await db.execute(
                "INSERT INTO helpdesk_cases (chat_id, lang, opened_at, last_message_at) "
                "VALUES (?, ?, ?, ?)",
                (chat_id, lang, now, now),
            )
            assert cursor.lastrowid is not None
            return Case(cursor.lastrowid, chat_id, lang, now, now)

        case = await self._runner.query("helpdesk open", run)
        self._by_chat[chat_id] = case.number
        return case

    async def get(self, number: int) -> Case | None:
        """The open case with this number, or None."""

        async def run(db: aiosqlite.Connection) -> Case | None:
            async with db.execute(
                f"SELECT {_CASE_COLUMNS} FROM helpdesk_cases WHERE number = ?", (number,)
            ) as cursor:
                row = await cursor.fetchone()
            return None if row is None else _case(row)

        return await self._runner.query("helpdesk get", run)

    async def all_open(self) -> list[Case]:
        """Every open case, by number."""

        async def run(db: aiosqlite.Connection) -> list[Case]:
            async with db.execute(
                f"SELECT {_CASE_COLUMNS} FROM helpdesk_cases ORDER BY number"
            ) as cursor:
                return [_case(row) for row in await cursor.fetchall()]

        return await self._runner.query("helpdesk list", run)

    async def by_group_message(self, group_message_id: int) -> tuple[Case, int | None] | None:
        """The open case a message of the caseworkers' group belongs to, and the id of its
        counterpart in the person's chat (None if it has none)."""

        async def run(db: aiosqlite.Connection) -> tuple[Case, int | None] | None:
            async with db.execute(
                f"SELECT {', '.join('c.' + c for c in _CASE_COLUMNS.split(', '))}, "
                "m.user_message_id FROM helpdesk_messages AS m JOIN helpdesk_cases AS c "
                "ON c.number = m.case_number WHERE m.group_message_id = ?",
                (group_message_id,),
            ) as cursor:
                row = await cursor.fetchone()
            return None if row is None else (_case(row[:8]), row[8])

        return await self._runner.query("helpdesk route", run)

    async def group_message_for(self, number: int, user_message_id: int) -> int | None:
        """The group's counterpart of a message in the person's chat (to thread a reply)."""

        async def run(db: aiosqlite.Connection) -> int | None:
            async with db.execute(
                "SELECT group_message_id FROM helpdesk_messages "
                "WHERE case_number = ? AND user_message_id = ?",
                (number, user_message_id),
            ) as cursor:
                row = await cursor.fetchone()
            return None if row is None or row[0] is None else int(row[0])

        return await self._runner.query("helpdesk thread", run)

    async def add_messages(
        self,
        number: int,
        pairs: Iterable[tuple[int | None, int | None]],
        *,
        side: Side | None = None,
        media: bool = False,
    ) -> None:
        """Record (group message id, person's message id) pairs of a case. With `side`, one
        message went from that side to the other: "user" adds to the desk's queue (and to the
        media count), "desk" empties the queue and notes the first answer."""
        now = self.now()
        rows = [(number, group, user) for group, user in pairs]

        async def run(db: aiosqlite.Connection) -> None:
            await db.execute("BEGIN IMMEDIATE")
            await db.executemany(
                "INSERT OR IGNORE INTO helpdesk_messages "
                "(case_number, group_message_id, user_message_id) VALUES (?, ?, ?)",
                rows,
            )
            if side == "user":
                await db.execute(
                    "UPDATE helpdesk_cases SET last_message_at = ?, waiting = waiting + 1, "
                    "media_count = media_count + ? WHERE number = ?",
                    (now, int(media), number),
                )
            elif side == "desk":
                await db.execute(
                    "UPDATE helpdesk_cases SET last_message_at = ?, waiting = 0, "
                    "first_answer_at = COALESCE(first_answer_at, ?) WHERE number = ?",
                    (now, now, number),
                )
            await db.execute("COMMIT")

        await self._runner.query("helpdesk record", run)

    async def close(self, number: int, reason: CloseReason) -> Case | None:
        """Close a case: delete its rows, keep its statistics line. The closed case, or None if
        it was not open."""

        async def run(db: aiosqlite.Connection) -> Case | None:
            await db.execute("BEGIN IMMEDIATE")
            async with db.execute(
                f"SELECT {_CASE_COLUMNS} FROM helpdesk_cases WHERE number = ?", (number,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                await db.execute("ROLLBACK")
                return None
            case = _case(row)
            await db.execute("DELETE FROM helpdesk_messages WHERE case_number = ?", (number,))
            await db.execute("DELETE FROM helpdesk_cases WHERE number = ?", (number,))
            await db.execute(
                "INSERT INTO helpdesk_closed (lang, opened_at, first_answer_at, closed_at, "
                "reason) VALUES (?, ?, ?, ?, ?)",
                (case.lang, case.opened_at, case.first_answer_at, self.now(), reason),
            )
            await db.execute("COMMIT")
            return case

        case = await self._runner.query("helpdesk close", run)
        if case is not None:
            self._by_chat.pop(case.chat_id, None)
        return case

    async def times(self, since: int | None) -> list[CaseTimes]:
        """Language and times of the cases opened or closed from `since` (None: all), open ones
        included, for the statistics."""
        start = 0 if since is None else since

        async def run(db: aiosqlite.Connection) -> list[CaseTimes]:
            async with db.execute(
                "SELECT lang, opened_at, first_answer_at, closed_at FROM helpdesk_closed "
                "WHERE closed_at >= ? OR opened_at >= ? "
                "UNION ALL SELECT lang, opened_at, first_answer_at, NULL FROM helpdesk_cases",
                (start, start),
            ) as cursor:
                return [CaseTimes(*row) for row in await cursor.fetchall()]

        return await self._runner.query("helpdesk stats", run)
