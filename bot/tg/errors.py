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
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from telegram import Update
from telegram.error import NetworkError
from telegram.request import HTTPXRequest

logger = logging.getLogger(__name__)

REDACTED = "<redacted>"


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


def configure_logging(level: str, secrets: Iterable[str | None]) -> None:
    """Log to stderr at `level`, with secrets redacted from every line."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    redact = RedactSecrets(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    quiet_url_loggers()


def quiet_url_loggers() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the token."""
    for name in ("httpx", "httpcore"):
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
