"""User keys: who is who in storage, without a Telegram user id.

A user appears only as `user_key(user_id)`, an HMAC of the Telegram user id under a secret
(STATS_SECRET, or a random one kept in `<database>.secret`, created once with mode 0600).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from bot.storage.records import StatsError

log = logging.getLogger("bot.stats")

USER_KEY_LENGTH = 16  # hex characters of the HMAC kept: 64 bits, no collisions at our scale
SECRET_SUFFIX = ".secret"


class UserKeys:
    """Turns Telegram user ids into pseudonymous keys under one secret.

    Args:
        database: the SQLite file; a generated secret is kept beside it.
        secret: the HMAC key (STATS_SECRET). When None, `load` reads or creates the file.
    """

    def __init__(self, database: Path, secret: str | bytes | None = None) -> None:
        self.database = database
        self._secret: bytes | None = secret.encode() if isinstance(secret, str) else secret
        if not self._secret:
            self._secret = None

    def user_key(self, user_id: int) -> str:
        """The pseudonymous key for a Telegram user: HMAC-SHA256(secret, str(id)), 16 hex chars."""
        if self._secret is None:
            raise StatsError("no stats secret yet: pass one to StatsStore or call open() first")
        digest = hmac.new(self._secret, str(user_id).encode(), hashlib.sha256)
        return digest.hexdigest()[:USER_KEY_LENGTH]

    @property
    def secret_path(self) -> Path:
        """Where a generated secret is kept: `<database>.secret`, beside the database."""
        return self.database.with_name(self.database.name + SECRET_SUFFIX)

    def load(self) -> None:
        """Read the secret file, or create it once (0600). Falls back to a secret in memory."""
        if self._secret is not None:
            return
        path = self.secret_path
        try:
            self._secret = read_or_create_secret(path)
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
