"""Talk to a person, on Telegram: the help desk's callbacks (case logic in bot/helpdesk.py).

Two chats meet here: a person's private chat with the bot, and the NGO caseworkers' group
(HELPDESK_CHAT_ID). `bot/tg/app.py` wires these callbacks:

- `person_message` (group -1, private chats): while the person has an open case, their text,
  photos and files go to the group as new messages from the bot, "Case 17 · th · <text>";
  otherwise the update goes on to the ordinary handlers.
- `desk_message` (group -1, groups): in the caseworkers' group, a reply to any message of a
  case goes to the person under HELPDESK_NAME; /cases lists open cases; /close closes one.
  Nothing else in that group is answered.
- `close_before_forget` (group -1): /forget first closes the person's case.
- `human`, `end` and `button` (payloads "h..."): the consent screen and its answers.

Nothing of a message (text, caption, file id) is stored or logged; logs hold counts only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import (
    Bot,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import helpdesk
from bot.distress import is_distress
from bot.helpdesk import Case, HelpdeskConfig
from bot.replies import split_message
from bot.storage.records import StatsUnavailable
from bot.tg import handlers, sending
from bot.tg.context import Context, user_language
from bot.tg.desks import HelpDesk, post_to_group, tell

logger = logging.getLogger(__name__)

# --- the person's side ----------------------------------------------------------------------


async def human(update: Update, context: Context) -> None:
    """/human: the consent screen (or why not: off, not private, already connected)."""
    await _offer(update, context)


async def _offer(update: Update, context: Context) -> None:
    desk = context.bot_data.helpdesk
    chat = update.effective_chat
    if chat is None:
        return
    lang = await user_language(update, context)
    config = desk.live
    if config is None:
        reply = helpdesk.notice("helpdesk_unavailable", lang)
    elif chat.type != ChatType.PRIVATE:  # never reveal in a group who talks to the desk
        reply = helpdesk.notice("helpdesk_private_only", lang, bot=context.bot.username)
    elif (number := await desk.cases.case_number(chat.id)) is not None:
        reply = helpdesk.notice("helpdesk_already_open", lang, number=number, end_button=number)
    else:
        reply = helpdesk.consent(config, lang)
    await handlers.send(update, context, reply)


async def end(update: Update, context: Context) -> None:
    """/end: the person closes their case."""
    desk = context.bot_data.helpdesk
    user = update.effective_user
    if user is None:
        return
    lang = await user_language(update, context)
    if desk.live is None:
        await handlers.send(update, context, helpdesk.notice("helpdesk_unavailable", lang))
        return
    number = await desk.cases.case_number(user.id)
    if number is None or await desk.close(context.bot, number, "user") is None:
        await handlers.send(update, context, helpdesk.notice("helpdesk_no_case", lang))


async def close_before_forget(update: Update, context: Context) -> None:
    """/forget closes the person's case first (its rows go); /forget itself then runs as
    usual. In a group nothing is said there: the group must not learn who had a case."""
    desk = context.bot_data.helpdesk
    user = update.effective_user
    if user is None or desk.config is None:
        return
    desk.openings.forget(user.id)
    number = await desk.cases.case_number(user.id)
    if number is not None:
        await desk.close(context.bot, number, "forget")


async def button(update: Update, context: Context) -> None:
    """The help desk's buttons: "h" offer, "h:yes" / "h:no" consent, "h:end:<case>"."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    # Answer first, always: until the query is answered the person's app shows a spinner.
    with contextlib.suppress(BadRequest):
        await query.answer()
    desk = context.bot_data.helpdesk
    lang = await user_language(update, context)
    if desk.live is None or update.effective_chat is None:
        await handlers.send(update, context, context.bot_data.service.press("?", lang))
        return
    if query.data == helpdesk.PAYLOAD_OFFER:
        # A new message: the answer above it (an urgent-help note) stays on screen.
        await _offer(update, context)
    elif query.data == helpdesk.PAYLOAD_YES:
        await _connect(update, context, lang)
    elif query.data == helpdesk.PAYLOAD_NO:
        await handlers.send(update, context, helpdesk.notice("helpdesk_declined", lang), edit=True)
    elif query.data.startswith(f"{helpdesk.PAYLOAD_END}:"):
        number = await desk.cases.case_number(update.effective_chat.id)
        wanted = query.data.rpartition(":")[2]
        if number is None or str(number) != wanted:
            await handlers.send(update, context, helpdesk.notice("helpdesk_no_case", lang))
        else:
            await desk.close(context.bot, number, "user")
    else:
        await handlers.send(update, context, context.bot_data.service.press("?", lang))


async def _connect(update: Update, context: Context, lang: str) -> None:
    """ "Yes, connect me": open the case and tell the group (nothing was relayed before)."""
    desk = context.bot_data.helpdesk
    chat = update.effective_chat
    config = desk.live
    if chat is None or config is None:
        return
    if chat.type != ChatType.PRIVATE:
        await handlers.send(
            update,
            context,
            helpdesk.notice("helpdesk_private_only", lang, bot=context.bot.username),
        )
        return
    if await desk.cases.case_number(chat.id) is None:
        now = asyncio.get_running_loop().time()
        if desk.openings.admit(chat.id, now) != "relay":
            reply = helpdesk.notice("helpdesk_too_many_cases", lang)
            await handlers.send(update, context, reply, edit=True)
            return
    opened = await desk.cases.open_case(chat.id, lang)
    if opened == "exists":
        number = await desk.cases.case_number(chat.id)
        reply = helpdesk.notice("helpdesk_already_open", lang, number=number, end_button=number)
        await handlers.send(update, context, reply)
        return
    if opened == "full":
        await handlers.send(update, context, helpdesk.notice("helpdesk_busy", lang))
        return
    posted = await post_to_group(
        context.bot, config.chat_id, helpdesk.case_opened(opened.number, lang)
    )
    if posted is None:  # the group cannot be reached: no case the desk cannot see
        await desk.cases.close(opened.number, "desk")
        await handlers.send(update, context, helpdesk.notice("helpdesk_not_delivered", lang))
        return
    await desk.cases.add_messages(opened.number, [(posted.message_id, None)])
    logger.info("Help desk: a case opened; %d open", await desk.cases.open_count())
    reply = helpdesk.notice(
        "helpdesk_connected", lang, number=opened.number, name=config.name, end_button=opened.number
    )
    await handlers.send(update, context, reply, edit=True)


async def person_message(update: Update, context: Context) -> None:
    """A message in a private chat: to the desk if the person has an open case (then no other
    handler sees it); otherwise on to the ordinary handlers."""
    desk = context.bot_data.helpdesk
    message = update.effective_message
    config = desk.live
    if config is None or message is None:
        return
    try:
        number = await desk.cases.case_number(message.chat.id)
        case = None if number is None else await desk.cases.get(number)
    except StatsUnavailable:
        return  # cannot tell: answer as the bot (the store logged why)
    if case is None:
        return
    try:
        await _relay_to_desk(message, context, desk, config, case)
    except StatsUnavailable:
        await tell(context.bot, case.chat_id, helpdesk.notice("helpdesk_not_delivered", case.lang))
    raise ApplicationHandlerStop


async def _relay_to_desk(
    message: Message, context: Context, desk: HelpDesk, config: HelpdeskConfig, case: Case
) -> None:
    """The person's text, photo or file as new messages from the bot in the group."""
    lang, number = case.lang, case.number
    media: helpdesk.MediaKind | None = None
    if message.text is not None:
        urgent = is_distress(message.text)
        parts = helpdesk.group_messages(number, lang, message.text, urgent=urgent)
    elif message.photo:
        media, size = "photo", message.photo[-1].file_size
        parts = helpdesk.group_caption(number, lang, media, message.caption)
    elif message.document is not None:
        media, size = "document", message.document.file_size
        parts = helpdesk.group_caption(number, lang, media, message.caption)
    else:  # stickers, voice, locations, contacts (a contact holds a phone number): not relayed
        await tell(context.bot, case.chat_id, helpdesk.notice("helpdesk_kind_unsupported", lang))
        return
    admission: helpdesk.Admission = desk.limiter.admit(number, asyncio.get_running_loop().time())
    if admission == "relay":
        admission = helpdesk.admit_waiting(case)
    if admission == "relay" and media is not None:
        admission = helpdesk.admit_media(case, media, size)
    if admission != "relay":
        await _refuse(context.bot, config, case, admission, media)
        return
    # A reply to one of the desk's answers is threaded under that answer in the group.
    thread = None
    if message.reply_to_message is not None:
        thread = await desk.cases.group_message_for(number, message.reply_to_message.message_id)
    try:
        sent = await _send_parts(context.bot, config.chat_id, message, media, parts, thread)
    except TelegramError as error:
        logger.warning("Help desk: a message could not be posted in the group: %s", error.message)
        await tell(context.bot, case.chat_id, helpdesk.notice("helpdesk_not_delivered", lang))
        return
    pairs: list[tuple[int | None, int | None]] = [(sent[0].message_id, message.message_id)]
    pairs += [(part.message_id, None) for part in sent[1:]]
    await desk.cases.add_messages(number, pairs, side="user", media=media is not None)
    # The desk may answer late: someone who may be in danger gets the urgent-help note now.
    if message.text is not None and number not in desk.urgent_told:
        note = context.bot_data.service.urgent_note(message.text, lang)
        if note is not None:
            desk.urgent_told.add(number)
            await tell(context.bot, case.chat_id, note)


async def _refuse(
    bot: Bot,
    config: HelpdeskConfig,
    case: Case,
    admission: str,
    media: helpdesk.MediaKind | None,
) -> None:
    """Tell the person, once, why a message was not passed on."""
    keys = {
        "slow_down": "helpdesk_slow_down",
        "wait": "helpdesk_wait_for_answer",
        "media_limit": "helpdesk_media_limit",
        "too_big": "helpdesk_too_big",
    }
    key = keys.get(admission)
    if key is None:  # "dropped": the person was already asked to slow down
        return
    limit = helpdesk.MAX_PHOTO_BYTES if media == "photo" else helpdesk.MAX_DOCUMENT_BYTES
    reply = helpdesk.notice(key, case.lang, name=config.name, megabytes=limit // (1024 * 1024))
    await tell(bot, case.chat_id, reply)


async def _send_parts(
    bot: Bot,
    chat_id: int,
    message: Message,
    media: helpdesk.MediaKind | None,
    parts: list[str],
    thread: int | None,
) -> list[Message]:
    """Send a relayed message: the photo or file (by file id: nothing is downloaded) with the
    first part as caption, or the first part as text; then the other parts as text."""
    # Plain text, as the person typed it (parse_mode=None instead of the bot's HTML).
    reply_to = ReplyParameters(thread, allow_sending_without_reply=True) if thread else None
    first, rest = parts[0], parts[1:]
    if media == "photo" and message.photo:
        sent = [
            await bot.send_photo(
                chat_id,
                message.photo[-1].file_id,
                caption=first,
                parse_mode=None,
                reply_parameters=reply_to,
            )
        ]
    elif media == "document" and message.document is not None:
        sent = [
            await bot.send_document(
                chat_id,
                message.document.file_id,
                caption=first,
                parse_mode=None,
                reply_parameters=reply_to,
            )
        ]
    else:
        rest = parts
        sent = []
    for index, part in enumerate(rest):
        quoted = thread if not sent and index == 0 else None
        sent.append(await sending.send_plain(bot, chat_id, part, reply_to=quoted))
    return sent


# --- the caseworkers' group -----------------------------------------------------------------


async def desk_message(update: Update, context: Context) -> None:
    """A message in a group: in the caseworkers' group, the desk's (and nothing else answers
    there); in any other group, on to the ordinary handlers."""
    desk = context.bot_data.helpdesk
    message = update.effective_message
    config = desk.live
    if config is None or message is None or message.chat.id != config.chat_id:
        return
    command = _command(message, context.bot.username)
    if command == "cases":
        listing = helpdesk.cases_list(await desk.cases.all_open(), desk.cases.now())
        for part in split_message(listing):  # 1,000 cases do not fit in one message
            await post_to_group(context.bot, config.chat_id, part)
    elif command == "close":
        await _close_from_desk(message, context, desk, config)
    elif command == "help":
        await post_to_group(context.bot, config.chat_id, helpdesk.DESK_HELP)
    elif command is None and message.reply_to_message is not None:
        await _relay_to_person(message, context, desk, config)
    raise ApplicationHandlerStop


def _command(message: Message, username: str) -> str | None:
    """The command a message starts with ('cases' for '/cases@this_bot'), or None; a command
    for another bot counts as none of ours ('' )."""
    commands = message.parse_entities([MessageEntity.BOT_COMMAND])
    for entity, text in commands.items():
        if entity.offset != 0:
            continue
        name, _, bot = text[1:].partition("@")
        return name.lower() if not bot or bot.lower() == username.lower() else ""
    return None


async def _close_from_desk(
    message: Message, context: Context, desk: HelpDesk, config: HelpdeskConfig
) -> None:
    """/close as a reply to a message of a case: close it and tell the person."""
    replied = message.reply_to_message
    if replied is None:
        await post_to_group(
            context.bot, config.chat_id, helpdesk.CLOSE_USAGE, reply_to=message.message_id
        )
        return
    found = await desk.cases.by_group_message(replied.message_id)
    if found is None:
        number = helpdesk.parse_case_number(replied.text or replied.caption)
        text = helpdesk.closed_case_reply(number)
        await post_to_group(context.bot, config.chat_id, text, reply_to=message.message_id)
        return
    await desk.close(context.bot, found[0].number, "desk")


async def _relay_to_person(
    message: Message, context: Context, desk: HelpDesk, config: HelpdeskConfig
) -> None:
    """A caseworker's reply to a message of a case: to the person, under the desk's name."""
    replied = message.reply_to_message
    assert replied is not None
    found = await desk.cases.by_group_message(replied.message_id)
    if found is None:
        if replied.from_user is not None and replied.from_user.id == context.bot.id:
            number = helpdesk.parse_case_number(replied.text or replied.caption)
            text = helpdesk.closed_case_reply(number)
            await post_to_group(context.bot, config.chat_id, text, reply_to=message.message_id)
        return  # a reply to a colleague outside any case: the staff's own talk
    case, counterpart = found
    reply_to = (
        ReplyParameters(counterpart, allow_sending_without_reply=True) if counterpart else None
    )
    end_markup = sending.keyboard((helpdesk.end_row(case.lang, case.number),))
    bot = context.bot
    try:
        if message.text is not None:
            parts = helpdesk.delivered_text(config, message.text)
            sent = []
            for index, part in enumerate(parts):
                last = index == len(parts) - 1
                sent.append(
                    await bot.send_message(
                        case.chat_id,
                        part,
                        reply_parameters=reply_to if index == 0 else None,
                        reply_markup=end_markup if last else None,
                    )
                )
        elif message.photo or message.document is not None:
            captions = helpdesk.delivered_caption(config, message.caption)
            markup = end_markup if len(captions) == 1 else None
            if message.photo:
                first = await bot.send_photo(
                    case.chat_id,
                    message.photo[-1].file_id,
                    caption=captions[0],
                    reply_parameters=reply_to,
                    reply_markup=markup,
                )
            else:
                assert message.document is not None
                first = await bot.send_document(
                    case.chat_id,
                    message.document.file_id,
                    caption=captions[0],
                    reply_parameters=reply_to,
                    reply_markup=markup,
                )
            sent = [first]
            for index, part in enumerate(captions[1:], start=2):
                sent.append(
                    await bot.send_message(
                        case.chat_id,
                        part,
                        reply_markup=end_markup if index == len(captions) else None,
                    )
                )
        else:
            await post_to_group(
                bot, config.chat_id, helpdesk.NOT_RELAYED_KIND, reply_to=message.message_id
            )
            return
    except Forbidden:  # the person blocked the bot: nothing can reach them any more
        await desk.close(bot, case.number, "blocked")
        return
    except TelegramError as error:
        logger.warning("Help desk: an answer could not be delivered: %s", error.message)
        await post_to_group(
            bot, config.chat_id, helpdesk.NOT_DELIVERED, reply_to=message.message_id
        )
        return
    pairs: list[tuple[int | None, int | None]] = [(message.message_id, sent[0].message_id)]
    pairs += [(None, part.message_id) for part in sent[1:]]
    await desk.cases.add_messages(case.number, pairs, side="desk")
