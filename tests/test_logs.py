"""Logs hold no user data at any level: the bot runs at DEBUG and its log is scanned."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from bot.tg.errors import LIBRARY_LOGGERS, URL_LOGGERS, Safe, configure_logging
from tests.fake_bot_api import FakeBotApi
from tests.support.process import bot_env, spawn_bot, stop_bot

# Someone writing to the bot: every one of these must stay out of the log.
USER_ID = 918273645
FIRST_NAME = "Zebulon"
LAST_NAME = "Quarrington"
USERNAME = "zq_secret_user"
QUESTION = "does my landlord Grapefruitson need my passport number zqxv"
USER_DATA = (str(USER_ID), FIRST_NAME, LAST_NAME, USERNAME, QUESTION, "Grapefruitson", "zqxv")


async def _talk_to_the_bot(fake: FakeBotApi) -> None:
    """What a user does in a few seconds: start, ask, press a button, change language."""
    person = {
        "id": USER_ID,
        "is_bot": False,
        "first_name": FIRST_NAME,
        "last_name": LAST_NAME,
        "username": USERNAME,
        "language_code": "en",
    }
    chat = {
        "id": USER_ID,
        "type": "private",
        "first_name": FIRST_NAME,
        "last_name": LAST_NAME,
        "username": USERNAME,
    }
    for text in ("/start", QUESTION, "/language", "remittance fees"):
        await fake.push_message(text, user_id=USER_ID, **{"from": person, "chat": chat})
    await fake.push_callback("t", user_id=USER_ID)
    await fake.wait_for_call("sendMessage", count=4, timeout=20)
    await fake.wait_until(lambda: bool(fake.calls_of("editMessageText")), timeout=10)


async def _debug_log(fake: FakeBotApi, tmp_path: Path, **extra: str) -> str:
    """Run `python -m bot run` at DEBUG against the fake server; its whole log."""
    log = tmp_path / "stderr.log"
    process = await spawn_bot(bot_env(fake, tmp_path, LOG_LEVEL="DEBUG", **extra), log)
    try:
        await fake.wait_for_call("getUpdates", timeout=30)
        await _talk_to_the_bot(fake)
    finally:
        await stop_bot(process)
    assert process.returncode == 0
    return log.read_text(encoding="utf-8")


async def test_a_debug_log_holds_no_user_data(fake_api: FakeBotApi, tmp_path: Path) -> None:
    output = await _debug_log(fake_api, tmp_path)
    # It really logged at DEBUG: the question's own line is there, in its redacted shape.
    assert f"from user <id>: <text: {len(QUESTION)} chars>" in output
    found = [secret for secret in USER_DATA if secret in output]
    assert not found, f"user data in a DEBUG log: {found}"
    assert fake_api.token.split(":")[1] not in output


async def test_log_unsafe_debug_logs_what_the_readme_warns_of(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    # The scan above finds user data when it is there: with LOG_UNSAFE_DEBUG=1 it is.
    output = await _debug_log(fake_api, tmp_path, LOG_UNSAFE_DEBUG="1")
    assert str(USER_ID) in output
    assert USERNAME in output
    assert fake_api.token.split(":")[1] not in output  # the token never, even then


@pytest.fixture
def log_to_buffer() -> Iterator[io.StringIO]:
    """`configure_logging("DEBUG", ...)` into a buffer; the logging set-up restored after."""
    names = ("", *LIBRARY_LOGGERS, *URL_LOGGERS)
    levels = {name: logging.getLogger(name).level for name in names}
    buffer = io.StringIO()
    handler = configure_logging("DEBUG", ["123:secret-token-part"], stream=buffer)
    try:
        yield buffer
    finally:
        logging.getLogger().removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def test_our_debug_lines_keep_the_shape_of_values_only(log_to_buffer: io.StringIO) -> None:
    logging.getLogger("bot.tg.handlers").debug(
        "user %s wrote %r in message %s (%s, %s) about %s: %s",
        USER_ID,
        QUESTION,
        1234,
        True,
        0.5,
        Safe("remittances"),
        ValueError(USERNAME),
    )
    line = log_to_buffer.getvalue()
    assert "user <id> wrote '<text: 59 chars>' in message 1234 (True, 0.5)" in line
    assert "about remittances: <ValueError>" in line
    assert not [secret for secret in USER_DATA if secret in line]


def test_info_lines_and_other_loggers_are_left_as_written(log_to_buffer: io.StringIO) -> None:
    logging.getLogger("bot.tg.app").info("Webhook on port %s, path /%s", 8443, "tg/hook")
    logging.getLogger("botany").debug("not ours: %s", "kept")
    assert "Webhook on port 8443, path /tg/hook" in log_to_buffer.getvalue()
    assert "not ours: kept" in log_to_buffer.getvalue()


def test_libraries_stay_at_info_when_the_bot_logs_at_debug(log_to_buffer: io.StringIO) -> None:
    for name in ("telegram.ext.Application", "telegram.Bot", "aiosqlite", "httpx"):
        logging.getLogger(name).debug("Processing update from user %s", USER_ID)
    logging.getLogger("httpx").info("HTTP Request: POST .../bot123:secret-token-part/getMe")
    logging.getLogger("telegram.ext.Application").info("Application started")
    assert log_to_buffer.getvalue().count("\n") == 1
    assert "Application started" in log_to_buffer.getvalue()


@pytest.mark.parametrize(("raw", "unsafe"), [("1", True), ("0", False), ("", False)])
def test_log_unsafe_debug_is_0_or_1(raw: str, unsafe: bool) -> None:
    assert Settings.from_env({"LOG_UNSAFE_DEBUG": raw}).log_unsafe_debug is unsafe


def test_log_unsafe_debug_refuses_other_values() -> None:
    with pytest.raises(ConfigError, match="LOG_UNSAFE_DEBUG"):
        Settings.from_env({"LOG_UNSAFE_DEBUG": "yes please"})
