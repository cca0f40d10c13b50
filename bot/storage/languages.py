"""Language choices: one row per user key, and all of them in memory while they fit.

Answering a message needs the user's language; reading it from the cache costs no database
round trip. Only this process writes choices, so a cached answer (also "no choice") is never
stale.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

import aiosqlite

from bot.storage.connection import Database

# Language choices remembered in memory, so answering a message needs no database read. Up to
# this many choices the whole table is held, and a user who never chose costs no read either.
LANGUAGE_CACHE_SIZE = 20_000
SHORT_TEXT = 64  # language codes longer than this are cut


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


class LanguageTable:
    """The `languages` table behind a `LanguageChoices` cache (loaded at every connect)."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self.cache = LanguageChoices()
        database.on_connect.append(self._load)

    async def get_language(self, user_key: str) -> str | None:
        """The language this user chose, or None (also when the database is unavailable)."""
        if self.cache.known(user_key):
            return self.cache.lookup(user_key)

        async def run(db: aiosqlite.Connection) -> tuple[bool, str | None]:
            async with db.execute(
                "SELECT lang FROM languages WHERE user_key = ?", (user_key,)
            ) as cursor:
                row = await cursor.fetchone()
            return True, None if row is None else str(row[0])

        unread: tuple[bool, str | None] = (False, None)
        read, lang = await self._db.call("get_language", run, unread)
        if read:  # a failed read is not remembered: the database may be back next time
            self.cache.remember(user_key, lang)
        return lang

    async def set_language(self, user_key: str, lang: str) -> bool:
        """Remember this user's language; False if it could not be saved."""

        async def run(db: aiosqlite.Connection) -> bool:
            await db.execute(
                "INSERT INTO languages (user_key, lang, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_key) DO UPDATE SET lang = excluded.lang, "
                "updated_at = excluded.updated_at",
                (user_key, lang[:SHORT_TEXT], self._db.now_epoch()),
            )
            return True

        saved = await self._db.call("set_language", run, False)
        if saved:
            self.cache.remember(user_key, lang[:SHORT_TEXT])
        return saved

    async def _load(self, db: aiosqlite.Connection) -> None:
        """Hold every language choice in memory if they fit: one read per connect, not one per
        message. Of a bigger table, the most recent; the others are read as their users write."""
        async with db.execute(
            "SELECT user_key, lang FROM languages ORDER BY updated_at DESC LIMIT ?",
            (self.cache.capacity + 1,),
        ) as cursor:
            rows = [(str(key), str(lang)) for key, lang in await cursor.fetchall()]
        fits = len(rows) <= self.cache.capacity
        # Oldest first, so the most recent choices are the last to be evicted.
        self.cache.load(reversed(rows[: self.cache.capacity]), complete=fits)
