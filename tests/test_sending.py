"""bot/tg/sending.py: the defaults every message uses, and the fast path through PTB's private
`Bot._post`, checked through the real PTB stack against the fake Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
import telegram
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.replies import Button
from bot.tg import sending
from tests.fake_bot_api import TOKEN, FakeBotApi
from tests.support.bot import ADMIN_ID

if TYPE_CHECKING:
    from tests.support.bot import RunningBot

CHAT = 555
BUTTONS = ((Button("Money sent home", "s:contributions"), Button("Menu", "m")),)
NO_PREVIEW = {"is_disabled": True}


@pytest.fixture
async def ext_bot(fake_api: FakeBotApi) -> AsyncIterator[ExtBot[None]]:
    """PTB's ExtBot, as the Application builds it (the bot's Defaults), talking to the fake."""
    bot: ExtBot[None] = ExtBot(
        TOKEN,
        base_url=fake_api.base_url,
        base_file_url=fake_api.base_file_url,
        defaults=sending.DEFAULTS,
    )
    async with bot:
        yield bot


def test_the_fast_path_was_checked_against_the_installed_ptb() -> None:
    assert telegram.__version__ == sending.PTB_CHECKED, (
        f"python-telegram-bot is {telegram.__version__}, but bot/tg/sending.py's fast path was "
        f"read against {sending.PTB_CHECKED}: read Bot._post and ExtBot._do_post of the new "
        "version (explicit values left alone? rate limiter still used?), then update PTB_CHECKED"
    )


async def test_send_text_posts_html_without_preview_with_buttons_and_a_quote(
    ext_bot: ExtBot[None], fake_api: FakeBotApi
) -> None:
    await sending.send_text(
        ext_bot, CHAT, "<b>Remittances</b> &amp; fees", buttons=BUTTONS, reply_to=9
    )
    [call] = await fake_api.wait_for_call("sendMessage")
    assert call.ok
    assert call.chat_id == CHAT
    assert call.params["text"] == "<b>Remittances</b> &amp; fees"
    assert call.params["parse_mode"] == "HTML"
    assert call.params["link_preview_options"] == NO_PREVIEW
    assert call.buttons == [
        [
            {"text": "Money sent home", "callback_data": "s:contributions"},
            {"text": "Menu", "callback_data": "m"},
        ]
    ]
    assert call.params["reply_parameters"] == {"message_id": 9, "allow_sending_without_reply": True}


async def test_send_text_without_buttons_sends_no_keyboard(
    ext_bot: ExtBot[None], fake_api: FakeBotApi
) -> None:
    await sending.send_text(ext_bot, CHAT, "Thank you")
    [call] = await fake_api.wait_for_call("sendMessage")
    assert "reply_markup" not in call.params
    assert "reply_parameters" not in call.params


async def test_edit_text_replaces_text_and_buttons_in_the_same_mode(
    ext_bot: ExtBot[None], fake_api: FakeBotApi
) -> None:
    await sending.edit_text(ext_bot, CHAT, 31, "<i>Topics</i>", buttons=BUTTONS)
    [call] = await fake_api.wait_for_call("editMessageText")
    assert call.ok
    assert (call.chat_id, call.params["message_id"]) == (CHAT, "31")
    assert call.params["parse_mode"] == "HTML"
    assert call.params["link_preview_options"] == NO_PREVIEW
    assert call.payloads == ["s:contributions", "m"]


async def test_the_fast_path_sends_what_ptbs_own_method_sends_with_the_defaults(
    ext_bot: ExtBot[None], fake_api: FakeBotApi
) -> None:
    await ext_bot.send_message(CHAT, "<b>hello</b>", reply_markup=sending.keyboard(BUTTONS))
    await sending.send_text(ext_bot, CHAT, "<b>hello</b>", buttons=BUTTONS)
    ordinary, fast = await fake_api.wait_for_call("sendMessage", 2)
    assert fast.params == ordinary.params


async def test_send_plain_sends_text_as_typed_without_preview(
    ext_bot: ExtBot[None], fake_api: FakeBotApi
) -> None:
    sent = await sending.send_plain(ext_bot, CHAT, "Case 3 · th · <not a tag> & more", reply_to=4)
    [call] = await fake_api.wait_for_call("sendMessage")
    assert "parse_mode" not in call.params
    assert call.params["text"] == "Case 3 · th · <not a tag> & more"
    assert call.params["link_preview_options"] == NO_PREVIEW
    assert call.params["reply_parameters"]["message_id"] == 4
    assert sent.message_id > 0


async def test_html_telegram_cannot_read_is_refused_as_telegram_would(
    ext_bot: ExtBot[None],
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await sending.send_text(ext_bot, CHAT, "Use /poster <section>")


async def test_the_applications_own_sends_use_the_same_defaults(bot: RunningBot) -> None:
    since = bot.fake.mark()
    await bot.fake.push_message("/stats", user_id=ADMIN_ID)
    [table] = await bot.fake.wait_for_call("sendMessage", since=since)
    assert table.params["text"].startswith("<pre>")
    assert table.params["parse_mode"] == "HTML"
    assert table.params["link_preview_options"] == NO_PREVIEW
