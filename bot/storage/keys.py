"""User keys: who is who in storage, without a Telegram user id, and linkable for as short a time
as each use needs.

Two kinds of key, both a 16-hex-character HMAC-SHA256 of the Telegram user id:

- `user_key(id)`, under a long-lived secret: only for what must be found again on every visit,
  the user's language choice. The secret comes from STATS_SECRET, or a file (SECRET_PATH; by
  default `<database>.secret`, created once with mode 0600). Kept outside the data folder, a
  copy of that folder cannot tell whether a given Telegram id chose a language.
- `day_key(id)`, under a random salt made for each UTC day: for events, active days and
  unanswered questions. The salt is kept in the `day_salts` table so a restart keeps counting
  the same person once that day, and it is deleted (with the write-ahead log checkpointed) as
  soon as the day ends. After that nobody, not even the bot, can tell whose rows they were: a
  brute force over every Telegram id matches nothing, and /forget can only find today's rows.
  This is how privacy-first web analytics count visitors.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

import aiosqlite

from bot.config import secret_problem
from bot.storage.connection import Database, checkpoint
from bot.storage.records import StatsError, as_utc

log = logging.getLogger("bot.stats")

USER_KEY_LENGTH = 16  # hex characters of the HMAC kept: 64 bits, no collisions at our scale
SECRET_SUFFIX = ".secret"


class UserKeys:
    """Turns Telegram user ids into pseudonymous keys under one secret.

    Args:
        database: the SQLite file; by default a generated secret is kept beside it.
        secret: the HMAC key (STATS_SECRET). When None, `load` reads or creates the file.
        secret_path: where the secret file is (SECRET_PATH); `<database>.secret` when None.
    """

    def __init__(
        self, database: Path, secret: str | bytes | None = None, secret_path: Path | None = None
    ) -> None:
        self.database = database
        self._path = secret_path
        self._secret: bytes | None = secret.encode() if isinstance(secret, str) else secret
        if not self._secret:
            self._secret = None

    def user_key(self, user_id: int) -> str:
        """The pseudonymous key for a Telegram user: HMAC-SHA256(secret, str(id)), 16 hex chars."""
        if self._secret is None:
            raise StatsError("no stats secret yet: pass one to StatsStore or call open() first")
        return keyed(self._secret, user_id)

    @property
    def secret_path(self) -> Path:
        """Where the secret file is: SECRET_PATH, or `<database>.secret` beside the database."""
        if self._path is not None:
            return self._path
        return self.database.with_name(self.database.name + SECRET_SUFFIX)

    def load(self) -> None:
        """Read the secret file, or create it once (0600). Falls back to a secret in memory.

        Raises:
            StatsError: the file holds a secret too weak to use.
        """
        if self._secret is not None:
            return
        path = self.secret_path
        try:
            secret = read_or_create_secret(path)
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
            return
        problem = secret_problem(secret)
        if problem:
            raise StatsError(
                f"the secret in {path} is too weak ({problem}); delete the file to have a "
                "strong one made, or set STATS_SECRET"
            )
        self._secret = secret
        if self.database.parent.resolve() in path.resolve().parents:  # in the data folder
            log.warning(
                "stats: the secret %s sits beside the database, so anyone who copies its folder "
                "can tell which Telegram ids chose a language; set SECRET_PATH to a file outside "
                "it, or STATS_SECRET",
                path,
            )


class DayKeys:
    """Keys for events and unanswered questions: an HMAC under a random salt per UTC day.

    The salt of today is made in memory when first needed and saved by `rotate` (the event
    writer calls it after every flush), which also deletes every earlier day's salt. A salt in
    the database when the store connects is adopted, so a restart keeps today's keys.
    """

    def __init__(self, database: Database) -> None:
        self._db = database
        self._day = ""
        self._salt = b""
        self._saved = False
        database.on_connect.append(self._adopt)

    def day_key(self, user_id: int) -> str:
        """This user's key for today (UTC): 16 hex characters, a different one every day."""
        self._refresh()
        return keyed(self._salt, user_id)

    async def rotate(self) -> None:
        """Save today's salt and delete every earlier one (nothing to do most of the time)."""
        self._refresh()
        if self._saved:
            return
        await self._db.call("day salt", self._adopt, None)

    def _refresh(self) -> None:
        today = as_utc(self._db.clock()).date().isoformat()
        if today != self._day:
            self._day, self._salt, self._saved = today, secrets.token_bytes(32), False

    async def _adopt(self, db: aiosqlite.Connection) -> None:
        """Delete earlier days' salts; keep today's salt from the database, or save ours."""
        self._refresh()
        day, salt = self._day, self._salt
        await db.execute("BEGIN IMMEDIATE")
        try:
            deleted = await db.execute("DELETE FROM day_salts WHERE day < ?", (day,))
            await db.execute(
                "INSERT OR IGNORE INTO day_salts (day, salt) VALUES (?, ?)", (day, salt)
            )
            async with db.execute("SELECT salt FROM day_salts WHERE day = ?", (day,)) as cursor:
                row = await cursor.fetchone()
            await db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                await db.execute("ROLLBACK")
            raise
        if self._day == day and row is not None:
            self._salt, self._saved = bytes(row[0]), True
        if deleted.rowcount > 0:
            await checkpoint(db)  # the old salt must not survive in the write-ahead log


def keyed(key: bytes, user_id: int) -> str:
    """HMAC-SHA256(key, str(user_id)) as hex, cut to USER_KEY_LENGTH characters."""
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:USER_KEY_LENGTH]


def read_or_create_secret(path: Path) -> bytes:
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
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
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
