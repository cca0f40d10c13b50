"""What we add to PTB's own failure handling: secrets kept out of logs, unreadable updates skipped.

PTB's polling loop already survives flood control (429), 5xx answers, dropped connections,
timeouts and answers that are not JSON: it logs, waits and polls again (tests/test_telegram.py
checks each against the fake server). Two gaps remain, and this module closes them:

* An update PTB cannot parse (a field it does not expect in the shape it expects) makes
  `get_updates` raise on every poll. The offset never moves past it, so the bot polls in a tight
  loop, flooding the log, and never sees another message. `ReadableUpdatesRequest` replaces
  such an update with an empty one (just its id), which no handler matches and PTB confirms.
* URLs contain the token (`/bot<token>/getMe`); `RedactSecrets` scrubs it from every log line
  and traceback, whatever logger wrote it.

Logs hold no user data at any level (`configure_logging`). At DEBUG, PTB logs every update
(user ids, names, usernames, message text), httpx every request and aiosqlite every SQL
parameter; so those libraries stay at INFO or above (httpx at WARNING: its INFO lines carry the
token) unless `LOG_UNSAFE_DEBUG=1`. Our own DEBUG lines pass `RedactUserData`, which keeps only
the shape of their values.
"""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any, TextIO

from telegram import Update
from telegram.error import NetworkError
from telegram.request import HTTPXRequest

logger = logging.getLogger(__name__)

REDACTED = "<redacted>"
# Libraries whose DEBUG lines carry user data (PTB: updates; aiosqlite: SQL parameters) or are
# only noise; they log at INFO or above unless LOG_UNSAFE_DEBUG=1.
LIBRARY_LOGGERS = ("telegram", "aiosqlite", "asyncio", "matplotlib", "PIL", "apscheduler")
# Libraries whose INFO lines print request URLs, which contain the token.
URL_LOGGERS = ("httpx", "httpcore")
# Our own loggers: `bot` and everything under it.
OWN_LOGGER = "bot"
# Numbers this long may be a Telegram user or chat id; shorter ones (message ids, counts) are not.
ID_DIGITS = 6


class RedactSecrets(logging.Filter):
    """A handler filter that replaces secrets (the bot token) in messages and tracebacks."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        # The part after the colon is the secret one; redacting it also covers the whole token.
        self._secrets = tuple(
            part for secret in secrets if secret for part in {secret, secret.split(":")[-1]}
        )

    def redact(self, text: str) -> str:
        """`text` with every secret replaced."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class Safe:
    """A log argument that is known to hold no user data (a section id, a file name), so that
    `RedactUserData` shows it at DEBUG: `logger.debug("Opened %s", Safe(section_id))`."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:
        return repr(self.value)


class RedactUserData(logging.Filter):
    """A handler filter for our own DEBUG lines: every argument that could be user data becomes
    its shape. Text is `<text: N chars>`, numbers long enough to be a user or chat id `<id>`;
    small numbers, booleans, enums, error types and `Safe(...)` values are shown as they are.

    INFO and above are left alone: those lines are written to hold no user data, and tests scan
    them. The message template itself is ours, so it is kept.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's arguments in place; never drops it."""
        if record.levelno >= logging.INFO or not _is_own(record.name) or not record.args:
            return True
        args = record.args if isinstance(record.args, tuple) else (record.args,)
        record.args = tuple(redacted_value(arg) for arg in args)
        return True


def redacted_value(value: object) -> object:
    """What `RedactUserData` shows of one log argument."""
    if isinstance(value, Safe | bool | enum.Enum | float | type(None)):
        return value
    if isinstance(value, int):
        return "<id>" if len(str(abs(value))) >= ID_DIGITS else value
    if isinstance(value, BaseException):
        # The type only: Telegram's descriptions are safe, but an error may quote what it read.
        return f"<{type(value).__name__}>"
    return f"<text: {len(str(value))} chars>"


def _is_own(name: str) -> bool:
    return name == OWN_LOGGER or name.startswith(OWN_LOGGER + ".")


def configure_logging(
    level: str,
    secrets: Iterable[str | None],
    *,
    unsafe_debug: bool = False,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Log to `stream` (stderr) at `level`: secrets redacted from every line, user data from our
    DEBUG lines, libraries' DEBUG lines left out unless `unsafe_debug`. Returns the handler."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    if not unsafe_debug:
        handler.addFilter(RedactUserData())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    library_level = logging.NOTSET if unsafe_debug else logging.INFO
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(library_level)
    if unsafe_debug:
        for name in URL_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
    else:
        quiet_url_loggers()
    return handler


def quiet_url_loggers() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the token."""
    for name in URL_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


class ReadableUpdatesRequest(HTTPXRequest):
    """The getUpdates connection: passes on only what PTB can read (see the module docstring)."""

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        """Make the request; clean up a successful getUpdates answer."""
        code, payload = await super().do_request(url, method, *args, **kwargs)
        if code == HTTPStatus.OK and url.endswith("/getUpdates"):
            return code, readable_updates(payload)
        return code, payload


def readable_updates(payload: bytes) -> bytes:
    """A getUpdates answer with every update PTB cannot parse reduced to its bare id.

    Raises:
        NetworkError: the result is not a list of updates; PTB's polling loop backs off.
    """
    try:
        answer = json.loads(payload)
    except ValueError:
        return payload  # not JSON: PTB reports that itself, and its polling loop backs off
    if not isinstance(answer, dict) or not answer.get("ok"):
        return payload
    result = answer.get("result")
    if not isinstance(result, list) or not all(_has_id(update) for update in result):
        raise NetworkError("Telegram's getUpdates answer is not a list of updates")
    cleaned = [_readable(update) for update in result]
    if cleaned == result:
        return payload
    return json.dumps({**answer, "result": cleaned}).encode()


def _has_id(update: object) -> bool:
    return isinstance(update, dict) and isinstance(update.get("update_id"), int)


def _readable(update: dict[str, Any]) -> dict[str, Any]:
    try:
        Update.de_json(update, None)
    except Exception as error:  # whatever PTB raises while parsing, the update is unusable
        # The type of the error only: the update itself is someone's message.
        logger.error(
            "Skipped update %s: it could not be read (%s)",
            update["update_id"],
            type(error).__name__,
        )
        return {"update_id": update["update_id"]}
    return update
