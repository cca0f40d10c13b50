"""Thin Telegram callbacks: guard, ask the service, send the reply, record the outcome.

Every callback has the shape of PTB's examples, `async def name(update, context) -> None`, and
knows nothing the service does not tell it: texts come from `bot.service` (escaped HTML) or the
interface catalogue. `bot/tg/app.py` decides which callback sees which update, in one place.

Who is who: a user's language is looked up by `store.user_key(user.id)` (bot/tg/context.py) and
what they did is recorded under `store.day_key(user.id)` (a key that changes every day), never
by raw id or username; admins are recognised by numeric id only (`ADMIN_IDS`), in `app.py`'s
filters.
"""

from __future__ import annotations

import logging
import re

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TelegramError, TimedOut
from telegram.ext import ApplicationHandlerStop, filters
from telegram.helpers import create_deep_linked_url

from bot.content.models import SUPPORTED_LANGUAGES
from bot.i18n import supported, t
from bot.replies import Reply, escape, split_message
from bot.storage.records import StatsEvent
from bot.tg import sending
from bot.tg.context import Context, language_choice, user_language
from bot.tg.fair import FairUpdateProcessor

logger = logging.getLogger(__name__)

# How long Telegram may cache inline results (seconds): content changes rarely.
INLINE_CACHE_SECONDS = 300


class AddressedToBot(filters.MessageFilter):
    """Group messages meant for this bot: an @mention, a /command@bot, or a reply to the bot."""

    def filter(self, message: Message) -> bool:
        """Whether the message names or answers this bot."""
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied and replied.from_user and replied.from_user.id == bot.id:
            return True
        wanted = f"@{bot.username}".casefold()
        mentions = [
            *message.parse_entities([MessageEntity.MENTION]).values(),
            *message.parse_caption_entities([MessageEntity.MENTION]).values(),
        ]
        commands = message.parse_entities([MessageEntity.BOT_COMMAND]).values()
        return any(text.casefold() == wanted for text in mentions) or any(
            command.casefold().endswith(wanted) for command in commands
        )


ADDRESSED_TO_BOT = AddressedToBot(name="AddressedToBot")


# --- gates -----------------------------------------------------------------------------------


async def ignore(update: Update, context: Context) -> None:
    """Stop here: edited messages and channel posts get no answer."""
    raise ApplicationHandlerStop


async def slow_down(update: Update, context: Context) -> None:
    """The first update past a user's rate: "please slow down", in their language, and no more
    (bot/tg/fair.py marks it; the updates after it are dropped before any handler)."""
    processor = context.application.update_processor
    if not isinstance(processor, FairUpdateProcessor) or not processor.take_notice(
        update.update_id
    ):
        return
    lang = await user_language(update, context)
    text = t("slow_down", lang)
    if update.callback_query is not None:
        await update.callback_query.answer(text)
    elif update.effective_chat is not None and (
        update.effective_chat.type == ChatType.PRIVATE or ADDRESSED_TO_BOT.check_update(update)
    ):
        await send(update, context, _notice(text, lang))
    raise ApplicationHandlerStop


# --- user commands ---------------------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    """/start, and deep links t.me/<bot>?start=<section-id> that open a section."""
    payload = context.args[0] if context.args else None
    lang = await user_language(update, context)
    await send(update, context, context.bot_data.service.start(lang, payload))


async def topics(update: Update, context: Context) -> None:
    """/topics: the topic menu."""
    await send(
        update, context, context.bot_data.service.topics(await user_language(update, context))
    )


async def help_command(update: Update, context: Context) -> None:
    """/help: every user command, from the same list as Telegram's command menu."""
    await send(update, context, context.bot_data.service.help(await user_language(update, context)))


async def about(update: Update, context: Context) -> None:
    """/about: where the content comes from."""
    await send(
        update, context, context.bot_data.service.about(await user_language(update, context))
    )


async def glossary(update: Update, context: Context) -> None:
    """/glossary: difficult words, explained plainly."""
    lang = await user_language(update, context)
    await send(update, context, context.bot_data.service.glossary(lang))


async def privacy(update: Update, context: Context) -> None:
    """/privacy: what is kept, for how long, and how to delete it."""
    lang = await user_language(update, context)
    await send(update, context, context.bot_data.service.privacy(lang))


async def forget(update: Update, context: Context) -> None:
    """/forget: delete everything kept about this user, then say so."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    lang = await user_language(update, context)  # asked first: forgetting deletes the choice
    store = context.bot_data.store
    # The same in a group as in private: everything keyed to this user, and the subscription
    # of their private chat with the bot (whose id is their user id). A group's own
    # subscription belongs to the group, not to whoever sent /forget there.
    deleted = await store.forget_user(user.id)
    if deleted < 0:  # the database is unavailable: nothing was deleted
        await send(update, context, context.bot_data.service.error(lang))
        return
    text = t("forget_done" if deleted else "forget_nothing", lang, count=deleted)
    if chat.type != ChatType.PRIVATE:
        text = f"{text}\n{t('forget_in_group', lang)}"
    await send(update, context, _notice(text, lang))


async def language(update: Update, context: Context) -> None:
    """/language: one button per supported language."""
    lang = await user_language(update, context)
    await send(update, context, context.bot_data.service.language_menu(lang))


async def subscribe(update: Update, context: Context) -> None:
    """/subscribe: this chat gets a message when topics are added or changed."""
    await _subscription(update, context, subscribe=True)


async def unsubscribe(update: Update, context: Context) -> None:
    """/unsubscribe: no more messages about changes."""
    await _subscription(update, context, subscribe=False)


async def _subscription(update: Update, context: Context, *, subscribe: bool) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    lang = await user_language(update, context)
    store = context.bot_data.store
    if subscribe:
        saved = await store.add_subscriber(chat.id)
        reply = _notice(t("subscribed", lang), lang) if saved else None
    else:
        await store.remove_subscriber(chat.id)
        reply = _notice(t("unsubscribed", lang), lang)
    await send(update, context, reply or context.bot_data.service.error(lang))


async def unknown_command(update: Update, context: Context) -> None:
    """Any other command, and admin commands from anyone who is not an admin."""
    lang = await user_language(update, context)
    await send(update, context, context.bot_data.service.unknown_command(lang))


# --- free text, buttons, other messages -------------------------------------------------------


async def question(update: Update, context: Context) -> None:
    """Free text: the service answers, asks which topic, or says honestly it cannot."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    text = message.text
    if message.chat.type != ChatType.PRIVATE:  # "@bot what about remittances?"
        text = _without_mention(text, context.bot.username)
    # At DEBUG only, and then in its redacted shape (bot.tg.errors.RedactUserData).
    logger.debug("Update %s from user %s: %s", update.update_id, message.chat.id, text)
    lang, chosen = await language_choice(update, context)
    reply = await context.bot_data.service.ask_in_worker(text, lang, chosen=chosen)
    await send(update, context, reply)


async def button(update: Update, context: Context) -> None:
    """A button press: a section view, the topic menu or a language choice."""
    query = update.callback_query
    if query is None:
        return
    # Answer first, always: until the query is answered the user's app shows a spinner.
    try:
        await query.answer()
    except BadRequest as error:  # too old (e.g. pressed while the bot was down): serve it anyway
        logger.debug("Could not answer callback query %s: %s", query.id, error)
    if query.data is None or query.message is None:
        return  # a game or an inline message: nothing of ours
    kind, _, code = query.data.partition(":")
    if kind == "l" and code in SUPPORTED_LANGUAGES:
        await _choose_language(update, context, query.from_user.id, code)
        return
    lang = await user_language(update, context)
    await send(update, context, context.bot_data.service.press(query.data, lang), edit=True)


async def _choose_language(update: Update, context: Context, user_id: int, lang: str) -> None:
    store = context.bot_data.store
    service = context.bot_data.service
    if await store.set_language(store.user_key(user_id), lang):
        await send(update, context, service.language_chosen(lang), edit=True)
    else:  # never confirm a choice that was not kept; say so in the language they picked
        await send(update, context, service.error(lang))


async def chat_migrated(update: Update, context: Context) -> None:
    """A group became a supergroup, which has a new chat id: its subscription follows it.
    Telegram tells both chats (the old one "migrate_to", the new one "migrate_from")."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    if await context.bot_data.store.move_subscriber(old, new):
        logger.info("A subscribed group became a supergroup; its subscription moved with it")


async def text_only(update: Update, context: Context) -> None:
    """Stickers, photos, voice, locations, contacts, files: we read text only."""
    lang = await user_language(update, context)
    await send(update, context, context.bot_data.service.text_only(lang))


# --- inline mode -----------------------------------------------------------------------------


async def inline_query(update: Update, context: Context) -> None:
    """`@bot remittances` in any chat: matching sections to share, each linking back here."""
    query = update.inline_query
    if query is None:
        return
    lang = await user_language(update, context)
    username = context.bot.username
    found = await context.bot_data.service.inline_in_worker(query.query, lang)
    articles = [
        InlineQueryResultArticle(
            id=result.section_id,
            title=result.title,
            description=result.description,
            input_message_content=InputTextMessageContent(split_message(result.text)[0]),
            # The button opens a private chat with the bot on this section (a deep link).
            reply_markup=InlineKeyboardMarkup.from_button(
                InlineKeyboardButton(
                    t("btn_open_bot", result.lang, bot=username),
                    url=create_deep_linked_url(username, result.section_id),
                )
            ),
        )
        for result in found
    ]
    await query.answer(articles, cache_time=INLINE_CACHE_SECONDS, is_personal=True)


async def inline_chosen(update: Update, context: Context) -> None:
    """A user shared one of the inline results: count it (needs inline feedback in BotFather)."""
    chosen = update.chosen_inline_result
    if chosen is None:
        return
    store = context.bot_data.store
    lang = await user_language(update, context)
    user_key = store.day_key(chosen.from_user.id)
    store.record(StatsEvent(user_key, "inline", chosen.result_id, "answer", 100.0, lang))


# Admin statistics (/stats, /unanswered, /export) live in bot/tg/admin_stats.py.


# --- errors ----------------------------------------------------------------------------------


async def on_error(update: object, context: Context) -> None:
    """Log the failure with the update id, then tell the user briefly (never any details)."""
    update_id = update.update_id if isinstance(update, Update) else None
    if update is None and isinstance(context.error, TelegramError):
        # Polling failed; PTB retries with a growing pause. One line, not a traceback a second.
        logger.warning("Polling Telegram failed, retrying: %r", context.error)
        return
    if isinstance(context.error, Forbidden):  # blocked by the user, or removed from the group
        logger.info("Update %s: cannot write to this chat: %s", update_id, context.error)
        return
    if isinstance(context.error, TimedOut):
        # Telegram may well have delivered the answer: an apology now would answer twice.
        logger.warning("Update %s: Telegram did not confirm in time: %s", update_id, context.error)
        return
    logger.error("Update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    # The user's saved choice is not looked up: the database may be what failed.
    lang = supported(user.language_code if user else None)
    try:
        await send(update, context, context.bot_data.service.error(lang))
    except TelegramError as error:
        logger.warning("Update %s: could not tell the user about the failure: %s", update_id, error)


# --- sending ---------------------------------------------------------------------------------


async def send(update: Update, context: Context, reply: Reply, *, edit: bool = False) -> None:
    """Record the reply's outcome, then send it: HTML, split below Telegram's limit, buttons
    under the last part. With `edit`, a one-part reply replaces the message whose button was
    pressed. The messages in `reply.before` (the urgent-help note) go first, each on its own,
    and are never edited away.

    The outcome is recorded first: statistics count what was asked and answered, whether or not
    Telegram then delivered it.
    """
    chat = update.effective_chat
    if chat is None:
        return
    _record(update, context, reply)
    parts = split_message(reply.text)
    query = update.callback_query
    bot = context.bot
    editable = edit and not reply.before and len(parts) == 1
    if editable and query is not None and isinstance(query.message, Message):
        message = query.message
        try:
            await sending.edit_text(
                bot, message.chat.id, message.message_id, parts[0], buttons=reply.buttons
            )
        except BadRequest as error:
            if "not modified" in error.message.lower():  # the same view pressed twice
                return
            # Too old or deleted: send the reply as a new message instead.
            logger.debug("Could not edit message %s: %s", message.message_id, error)
        else:
            return
    # In groups, answer as a reply, so it is clear whose message is answered.
    quoted = update.message if chat.type != ChatType.PRIVATE else None
    reply_to = quoted.message_id if quoted is not None else None
    for note in reply.before:
        for part in split_message(note):
            await sending.send_text(bot, chat.id, part, reply_to=reply_to)
            reply_to = None
    for index, part in enumerate(parts):
        buttons = reply.buttons if index == len(parts) - 1 else ()
        await sending.send_text(bot, chat.id, part, buttons=buttons, reply_to=reply_to)
        reply_to = None


def _record(update: Update, context: Context, reply: Reply) -> None:
    """Queue the reply's outcome for the statistics: today's key, never the user id."""
    outcome, user, chat = reply.outcome, update.effective_user, update.effective_chat
    if outcome is None or user is None:
        return
    store = context.bot_data.store
    store.record(
        StatsEvent(
            store.day_key(user.id),
            outcome.route,
            outcome.section_id,
            outcome.decision,
            outcome.score,
            reply.lang,
            "private" if chat is None or chat.type == ChatType.PRIVATE else "group",
            outcome.question,
            distress_kind=outcome.distress_kind,
        )
    )


def _notice(text: str, lang: str) -> Reply:
    """A short plain message (escaped) with no buttons."""
    return Reply(escape(text), lang=lang)


def _without_mention(text: str, username: str) -> str:
    """`text` without '@username' (any case), for matching the question itself."""
    return " ".join(re.sub(re.escape(f"@{username}"), " ", text, flags=re.IGNORECASE).split())
