"""How the bot's messages reach the Bot API: the defaults every send uses, and the fast path.

Every message is HTML without a link preview. `DEFAULTS` says so once, for PTB's ordinary
methods (`app.py` gives it to the ApplicationBuilder); the fast path below says the same with
the same constants, because PTB applies its Defaults only to arguments left unset, and the fast
path sets every argument itself. Text that must reach Telegram exactly as a person typed it
(the help desk's group, `send_plain`) says `parse_mode=None` instead.

The fast path, `send_text` and `edit_text`: Telegram answers sendMessage and editMessageText
with the message itself. Replies never read it, and turning it (keyboard included) into PTB
objects was over a third of the cost of a reply (bench_bot profile). So they post through PTB's
private `Bot._post`, which keeps everything else of PTB's request path: the rate limiter, the
retries and the errors (Forbidden, BadRequest, RetryAfter). This module is the only user of
PTB's private API; tests/test_telegram.py pins the PTB version it was checked against
(`PTB_CHECKED`) and checks through the real stack that the requests carry every field.
"""

from __future__ import annotations

import json
from functools import lru_cache

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.ext import Defaults

from bot.replies import Row

# The PTB release whose `Bot._post(endpoint, data)` the fast path was read against. On an
# upgrade, read `Bot._post` and `ExtBot._do_post` again (do they still insert nothing into
# explicit values, still go through the rate limiter?), then change this.
PTB_CHECKED = "22.8"

PARSE_MODE = ParseMode.HTML
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# For the ApplicationBuilder (app.py): what PTB's methods use when a call does not say.
DEFAULTS = Defaults(parse_mode=PARSE_MODE, link_preview_options=NO_PREVIEW)

# Rows of inline buttons, as a Reply holds them (hashable: their JSON is cached).
Buttons = tuple[Row, ...]

# The same two settings as Bot API parameters, as PTB would encode them.
_FIXED_PARAMETERS: dict[str, object] = {
    "parse_mode": PARSE_MODE.value,
    "link_preview_options": json.dumps(NO_PREVIEW.to_dict()),
}


async def send_text(
    bot: Bot,
    chat_id: int,
    text: str,
    *,
    buttons: Buttons = (),
    reply_to: int | None = None,
) -> None:
    """Send one HTML message (at most Telegram's 4,096 characters) with inline buttons under
    it; `reply_to` quotes that message if it still exists. Raises what PTB raises."""
    data = _message_parameters(text, buttons)
    data["chat_id"] = chat_id
    if reply_to is not None:
        data["reply_parameters"] = json.dumps(
            {"message_id": reply_to, "allow_sending_without_reply": True}
        )
    await bot._post("sendMessage", data)


async def edit_text(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    *,
    buttons: Buttons = (),
) -> None:
    """Replace the text and buttons of one of the bot's messages. Raises what PTB raises
    (BadRequest "message is not modified" when nothing changed)."""
    data = _message_parameters(text, buttons)
    data.update(chat_id=chat_id, message_id=message_id)
    await bot._post("editMessageText", data)


async def send_plain(bot: Bot, chat_id: int, text: str, *, reply_to: int | None = None) -> Message:
    """Send text exactly as written, not read as HTML (what a person typed, passed on to the
    help desk's group); no link preview. Raises what PTB raises."""
    return await bot.send_message(
        chat_id,
        text,
        parse_mode=None,
        reply_parameters=(
            ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        ),
    )


def keyboard(buttons: Buttons) -> InlineKeyboardMarkup | None:
    """Inline buttons as PTB's markup, for PTB's ordinary methods; None for no buttons."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.payload) for b in row] for row in buttons]
    )


def _message_parameters(text: str, buttons: Buttons) -> dict[str, object]:
    data: dict[str, object] = {"text": text, **_FIXED_PARAMETERS}
    if buttons:
        data["reply_markup"] = _markup_json(buttons)
    return data


@lru_cache(maxsize=512)
def _markup_json(buttons: Buttons) -> str:
    """The reply_markup parameter for a set of buttons, as Telegram reads it (JSON)."""
    rows = [[{"text": b.label, "callback_data": b.payload} for b in row] for row in buttons]
    return json.dumps({"inline_keyboard": rows}, ensure_ascii=False)
