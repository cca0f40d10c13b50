"""Subscribers and announcements: the one place a chat id is stored.

A chat that sent /subscribe is kept in `subscribers` so announcements can reach it; each
announcement is a row in `announcements`, and every chat it reached a row in
`announcement_deliveries`, so a restart resumes where sending stopped.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiosqlite

from bot.storage.connection import Database, checkpoint, column, scalar
from bot.storage.records import Announcement

# An announcement offered to an admin (the "Announce to N subscribers" button) can be accepted
# this long; older offers are deleted by retention.
OFFER_LIFETIME = timedelta(days=7)


class Subscribers:
    """The chats that opted in to announcements."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def add_subscriber(self, chat_id: int) -> bool:
        """Opt a chat in to announcements; False if it could not be saved."""

        async def run(db: aiosqlite.Connection) -> bool:
            await db.execute(
                "INSERT OR IGNORE INTO subscribers (chat_id, since) VALUES (?, ?)",
                (chat_id, self._db.now_epoch()),
            )
            return True

        return await self._db.call("add_subscriber", run, False)

    async def remove_subscriber(self, chat_id: int, *, promptly: bool = True) -> bool:
        """Opt a chat out of announcements; True if it was subscribed.

        The chat id goes with its deliveries too (it is kept only while subscribed), and from
        the write-ahead log: at once, or with `promptly=False` (chats found blocked during an
        announcement, many in a row) at the event writer's next round, within a second.
        """

        async def run(db: aiosqlite.Connection) -> bool:
            await db.execute("BEGIN IMMEDIATE")  # query() rolls back if a statement fails
            cursor = await db.execute("DELETE FROM subscribers WHERE chat_id = ?", (chat_id,))
            removed = cursor.rowcount > 0
            deliveries = await db.execute(
                "DELETE FROM announcement_deliveries WHERE chat_id = ?", (chat_id,)
            )
            await db.execute("COMMIT")
            if removed or deliveries.rowcount > 0:
                if promptly:
                    await checkpoint(db)
                else:
                    self._db.checkpoint_due = True
            return removed

        return await self._db.call("remove_subscriber", run, False)

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
            await db.execute(
                "DELETE FROM announcement_deliveries WHERE chat_id = ?", (old_chat_id,)
            )
            await db.execute("COMMIT")
            return moved

        return await self._db.call("move_subscriber", run, False)

    async def subscribers(self) -> list[int]:
        """Chat ids that opted in, in ascending order (empty if the database is unavailable)."""

        async def run(db: aiosqlite.Connection) -> list[int]:
            return await column(db, "SELECT chat_id FROM subscribers ORDER BY chat_id")

        return await self._db.call("subscribers", run, [])

    async def subscriber_count(self) -> int:
        """How many chats opted in to announcements (0 if the database is unavailable)."""

        async def run(db: aiosqlite.Connection) -> int:
            return await scalar(db, "SELECT COUNT(*) FROM subscribers")

        return await self._db.call("subscriber_count", run, 0)


class Announcements:
    """Announcements being sent, and which chats already have each one."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def create_announcement(
        self, announcement_id: str, payload: str, *, offered: bool = False
    ) -> bool:
        """Start an announcement, or with `offered` keep it until an admin accepts it
        (`accept_offer`); False if the id exists already or it could not be saved."""

        state = "offered" if offered else "sending"

        async def run(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "INSERT OR IGNORE INTO announcements (id, created_at, payload, state) "
                "VALUES (?, ?, ?, ?)",
                (announcement_id, self._db.now_epoch(), payload, state),
            )
            return cursor.rowcount > 0

        return await self._db.call("create_announcement", run, False)

    async def accept_offer(self, announcement_id: str) -> bool:
        """Start an offered announcement; True only for the first acceptance of an offer
        younger than OFFER_LIFETIME (False also if the database is unavailable)."""
        now = self._db.now_epoch()
        oldest = now - int(OFFER_LIFETIME.total_seconds())

        async def run(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "UPDATE announcements SET state = 'sending', created_at = ? "
                "WHERE id = ? AND state = 'offered' AND created_at >= ?",
                (now, announcement_id, oldest),
            )
            return cursor.rowcount > 0

        return await self._db.call("accept_offer", run, False)

    async def pending_recipients(self, announcement_id: str) -> list[int]:
        """Subscribers who have not had this announcement yet (current subscribers only)."""

        async def run(db: aiosqlite.Connection) -> list[int]:
            return await column(
                db,
                "SELECT chat_id FROM subscribers WHERE chat_id NOT IN (SELECT chat_id FROM "
                "announcement_deliveries WHERE announcement_id = ?) ORDER BY chat_id",
                (announcement_id,),
            )

        return await self._db.call("pending_recipients", run, [])

    async def mark_delivered(self, announcement_id: str, chat_id: int) -> bool:
        """Record that this chat got the announcement (idempotent); False if not saved.

        Only for a chat still subscribed: one that unsubscribed while the message was on its
        way must not be written back.
        """

        async def run(db: aiosqlite.Connection) -> bool:
            await db.execute(
                "INSERT OR IGNORE INTO announcement_deliveries (announcement_id, chat_id, "
                "sent_at) SELECT ?, ?, ? WHERE EXISTS "
                "(SELECT 1 FROM subscribers WHERE chat_id = ?)",
                (announcement_id, chat_id, self._db.now_epoch(), chat_id),
            )
            return True

        return await self._db.call("mark_delivered", run, False)

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

        return await self._db.call("unfinished_announcements", run, [])

    async def finish_announcement(self, announcement_id: str) -> bool:
        """Mark an announcement as sent to everyone; False if unknown or not saved."""

        async def run(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "UPDATE announcements SET state = 'done' WHERE id = ?", (announcement_id,)
            )
            return cursor.rowcount > 0

        return await self._db.call("finish_announcement", run, False)
