"""Talking to the running bot (tests/support/bot.py) through the fake Bot API server, as a
user or an admin, and checking what it sent."""

from __future__ import annotations

from typing import Any

from bot.replies import Reply
from tests.fake_bot_api import Call
from tests.html_check import assert_valid_telegram_html
from tests.support.bot import RunningBot


async def say(bot: RunningBot, text: str | None, wait: float = 5.0, **kwargs: Any) -> Call:
    """Send a message as a user; return the bot's answer (fails if there is none). A message
    that sounds like danger gets the urgent-help note first: then the answer is the second."""
    since = bot.fake.mark()
    await bot.fake.push_message(text, **kwargs)
    [call] = await bot.fake.wait_for_call("sendMessage", since=since, timeout=wait)
    if call.params["text"].startswith("<b>⚠️"):
        call = (await bot.fake.wait_for_call("sendMessage", 2, since=since, timeout=wait))[1]
    return call


async def press(bot: RunningBot, data: str, **kwargs: Any) -> Call:
    """Press a button; return the edit or message that answered it."""
    since = bot.fake.mark()
    await bot.fake.push_callback(data, **kwargs)

    def answers() -> list[Call]:
        methods = ("editMessageText", "sendMessage")
        return [call for call in bot.fake.calls[since:] if call.method in methods and call.ok]

    await bot.fake.wait_until(lambda: bool(answers()))
    return answers()[0]


def assert_sent(call: Call, reply: Reply) -> None:
    """The call shows exactly this one-part reply: text, HTML mode, buttons."""
    assert call.params["text"] == reply.text
    assert call.params["parse_mode"] == "HTML"
    assert call.payloads == [button.payload for row in reply.buttons for button in row]
    assert_valid_telegram_html(call.params["text"])


def admin(bot: RunningBot) -> int:
    """The numeric id of the bot's one admin."""
    [admin_id] = bot.settings.admin_ids
    return admin_id
