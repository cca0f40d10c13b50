"""Admins change the content on Telegram, and tell subscribers what is new.

    (an admin sends a .yaml file)  checked with all the content; live at once if it is valid
    (a file with the caption check) only checked: what it would change; nothing is installed
    /check                         the admin's next file (within 10 minutes) is only checked
    /reload                        re-read CONTENT_DIR (also on SIGHUP)
    /rollback [file [version]]     restore a kept version; without a file, list what is kept
                                   (pack version, upload date, uploading admin's id)
    /content                       the live packs: version, sections, languages, load time

The work is done by `bot.content.updates.ContentManager` (validate, write, swap, keep history)
and `bot.announce.Announcer` (send once to every subscriber, resume after a restart); this module
is the Telegram side of both. After a change that added or rewrote topics, the admin gets an
"Announce to N subscribers" button (callback data `a:<announcement id>`). The offer is kept in
the database for 7 days, so the button still works after a restart; pressing it (once) sends the
news in the background while the admin sees progress and, at the end, the count.

`app.py` lets only ADMIN_IDS in private chats reach these callbacks, except the announce button
(`announce_button`), which checks the admin itself: buttons cannot be filtered by chat or user
in PTB, and anyone can forge callback data.

Admin messages are in English, like the other admin commands; what subscribers get is in their
language (`announcement_reply`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from telegram import Bot, Message, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from bot.announce import (
    AnnounceError,
    Announcement,
    Announcer,
    Send,
    SendStatus,
    UnknownAnnouncement,
    announcement_topics,
)
from bot.content.models import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, Library
from bot.content.translations import describe_stale, stale_report
from bot.content.updates import (
    MAX_UPLOAD_BYTES,
    REPLACE_URGENT_LABEL,
    ContentManager,
    HistoryVersion,
    UpdateResult,
    safe_file_name,
)
from bot.i18n import t
from bot.replies import Button, Reply, escape, join, menu_row
from bot.storage.ports import Storage
from bot.tg import handlers, sending
from bot.tg.context import BotData, Context
from bot.tg.desks import CHECK_WINDOW_SECONDS

logger = logging.getLogger(__name__)

# Callback data of the "Announce to N subscribers" button: this prefix and an offer id.
OFFER_PREFIX = "a:"
# Callback data of the "Replace the urgent-help note" button: this prefix and a token.
CONFIRM_URGENT_PREFIX = "u:"
# Topics listed (each with a button) in one announcement; the rest are counted, not listed.
MAX_ANNOUNCED_TOPICS = 10
# Kept versions listed per file by /rollback without arguments, newest first.
ROLLBACK_LISTED_VERSIONS = 5
# A file sent with this caption (any case, spaces around it ignored; "/check" too) is only
# checked, not installed.
CHECK_CAPTION = "check"
CHECK_NEXT = (
    f"Send the content file now. The next file you send within {CHECK_WINDOW_SECONDS // 60} "
    "minutes is only checked: you see what it would change, and nothing is installed. "
    f"(You can also send any file with the caption '{CHECK_CAPTION}'.)"
)

STOPPING = "The bot is stopping. The announcement is sent after the restart."
EXPIRED_OFFER = (
    "Nothing was sent: this button was pressed already, is more than 7 days old, or the "
    "database is unavailable right now."
)


# --- uploads and content commands -----------------------------------------------------------


async def upload(update: Update, context: Context) -> None:
    """An admin sent a file: a content file, checked with all the content and live if valid;
    with the caption "check" (or after /check), only checked: nothing is installed."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    document = message.document
    name = document.file_name or ""
    desk = context.bot_data.content
    admin_id = update.effective_user.id if update.effective_user is not None else None
    check_only = is_check_caption(message.caption) or (
        admin_id is not None and desk.checks_next_file(admin_id)
    )
    refusal = upload_refusal(name, document.file_size)
    if refusal is not None:  # refused before downloading anything; a /check stays armed
        await _tell(update, context, refusal)
        return
    try:
        file = await document.get_file()
        data = bytes(await file.download_as_bytearray())
    except TelegramError as error:
        logger.warning("Could not download the uploaded file: %s", error)
        await _tell(
            update,
            context,
            f"Could not get {name} from Telegram ({error.message}). "
            "Nothing was changed. Please send it again.",
        )
        return
    # Checking the whole library and building the search index takes a moment: in a thread, so
    # that users' questions are answered meanwhile (from the old content until the swap).
    if check_only:
        if admin_id is not None:
            desk.file_checked(admin_id)
        result = await asyncio.to_thread(desk.manager.check_upload, name, data)
        await _report_check(update, context, result)
        return
    result = await asyncio.to_thread(desk.manager.apply_upload, name, data, admin_id)
    await _report_change(update, context, result)


def is_check_caption(caption: str | None) -> bool:
    """Whether a file's caption asks for a check only: "check" or "/check", in any case."""
    return caption is not None and caption.strip().lower().lstrip("/") == CHECK_CAPTION


async def check(update: Update, context: Context) -> None:
    """/check: the admin's next file is only checked (what it would change), not installed."""
    user = update.effective_user
    if user is None:
        return
    context.bot_data.content.check_next_file(user.id)
    await _tell(update, context, CHECK_NEXT)


async def confirm_urgent_button(update: Update, context: Context) -> None:
    """The admin pressed "Replace the urgent-help note": install the change they checked."""
    token = await _admin_press(update, context, CONFIRM_URGENT_PREFIX)
    if token is None:
        return
    result = await asyncio.to_thread(context.bot_data.content.manager.confirm, token)
    await _report_change(update, context, result)


async def _admin_press(update: Update, context: Context, prefix: str) -> str | None:
    """A one-press admin button: the id after `prefix`, once the press is answered and the
    button removed; None (after the usual stale-menu answer) for anyone who is not an admin."""
    query = update.callback_query
    if query is None or update.effective_chat is None:
        return None
    if query.from_user.id not in context.bot_data.settings.admin_ids:
        await handlers.button(update, context)  # forged: the usual "this menu is out of date"
        return None
    # Answer first, always: until the query is answered the admin's app shows a spinner.
    try:
        await query.answer()
    except BadRequest as error:
        logger.debug("Could not answer callback query %s: %s", query.id, error)
    if isinstance(query.message, Message):  # one press only: the button goes
        try:
            await query.message.edit_reply_markup(reply_markup=None)
        except BadRequest as error:
            logger.debug("Could not remove the button: %s", error)
    return (query.data or "").removeprefix(prefix)


def upload_refusal(file_name: str, size: int | None) -> str | None:
    """Why an upload is refused before downloading it (its name or size), or None."""
    name = safe_file_name(file_name)
    if name is None:
        return (
            f"{file_name[:80]!r} is not a content file. Send a .yaml file named with Latin "
            "letters, digits, '-' and '_'. Nothing was changed."
        )
    # Telegram almost always gives the size. Without it, ContentManager checks it after the
    # download, which Telegram caps at 20 MB for bots.
    if size is not None and size > MAX_UPLOAD_BYTES:
        return (
            f"Not applied {name}: the file is {size // 1024} KB; the limit is "
            f"{MAX_UPLOAD_BYTES // 1024} KB. Nothing was changed."
        )
    return None


async def reload(update: Update, context: Context) -> None:
    """/reload: serve the content folder as it is on disk now (after a git deploy, say)."""
    result = await asyncio.to_thread(context.bot_data.content.manager.reload)
    await _report_change(update, context, result)


async def rollback(update: Update, context: Context) -> None:
    """/rollback <file> [version]: restore a kept version; without a file, list what is kept."""
    manager = context.bot_data.content.manager
    if not context.args:
        listing = await asyncio.to_thread(_kept_versions, manager)
        await handlers.send(update, context, Reply(listing))
        return
    file_name, version = context.args[0], (context.args[1] if len(context.args) > 1 else None)
    result = await asyncio.to_thread(manager.rollback, file_name, version)
    await _report_change(update, context, result)


def _kept_versions(manager: ContentManager) -> str:
    """/rollback without arguments: every content file with kept versions, newest first, each
    with its pack version, when and by which admin it was uploaded, and the command that
    restores it (HTML: the command in <code>, which Telegram copies with a tap)."""
    names = {info.file_name for info in manager.packs_overview()}
    names |= {path.name for path in manager.content_dir.glob("*.yaml")}
    blocks = []
    for name in sorted(names):
        versions = manager.history(name)
        if not versions:
            continue
        lines = [f"<b>{escape(name)}</b>: {len(versions)} kept, newest first"]
        lines += [_kept_line(kept) for kept in reversed(versions[-ROLLBACK_LISTED_VERSIONS:])]
        blocks.append("\n".join(lines))
    if not blocks:
        return escape("No file has an earlier version to restore yet.")
    usage = escape(
        "To restore one, send its command. /rollback <file> alone restores the newest kept "
        "version that differs from the file now."
    )
    return join(escape("Kept versions:"), *blocks, usage)


def _kept_line(kept: HistoryVersion) -> str:
    """One kept version: pack version, upload date and admin, replaced when, its command."""
    version = kept.pack_version or "unknown"
    admin = "unknown" if kept.uploaded_by is None else str(kept.uploaded_by)
    if kept.uploaded_at is None and kept.uploaded_by is None:  # not uploaded here, or long ago
        uploaded = "upload date and admin unknown"
    else:
        uploaded = f"uploaded {_when(kept.uploaded_at)} by admin {admin}"
    about = f"• pack version {version}, {uploaded}, replaced {_when(kept.saved_at)}"
    command = f"/rollback {kept.file_name} {kept.version}"
    return f"{escape(about)}\n  <code>{escape(command)}</code>"


async def content(update: Update, context: Context) -> None:
    """/content: the live packs with version, sections, languages and when each went live."""
    infos = await asyncio.to_thread(context.bot_data.content.manager.packs_overview)
    blocks = []
    for info in infos:
        lines = [
            f"<b>{escape(info.file_name)}</b>",
            escape(f"pack {info.pack_id}, version {info.version}"),
            escape(f"{_count(info.sections, 'section')}; languages: {', '.join(info.languages)}"),
            escape(f"live since {_when(info.loaded_at)}"),
        ]
        if info.urgent_kinds:
            lines.append(escape(f"urgent-help notes: {', '.join(info.urgent_kinds)}"))
        if info.stale_referrals:
            lines.append(escape("Referrals checked more than 12 months ago, check them again:"))
            lines += [escape(f"  {line}") for line in info.stale_referrals]
        if info.changed_on_disk:
            lines.append(escape("The file changed on disk since: send /reload to serve it."))
        blocks.append("\n".join(lines))
    blocks += _sources_and_stale(context.bot_data.service.library)
    text = join(escape(f"Content packs: {len(infos)}"), *blocks)
    await handlers.send(update, context, Reply(text))


def _sources_and_stale(library: Library) -> list[str]:
    """For admins: each section's lines in its seed file, and the stale translations."""
    sources = ", ".join(
        f"{section.id} {section.source_lines[0]}-{section.source_lines[1]}"
        for section in library.sections
    )
    blocks = [escape(f"Seed lines: {sources}")]
    stale = describe_stale(stale_report(library))
    if stale:
        lines = ["Stale translations (the English changed after they were made):", *stale]
        blocks.append(escape("\n".join(lines)))
    else:
        blocks.append(escape("No stale translations."))
    return blocks


async def _report_change(update: Update, context: Context, result: UpdateResult) -> None:
    """Tell the admin what a change did; offer to announce new or rewritten topics. A change
    to the urgent-help text waits for a second press; once installed, every admin is told."""
    data = context.bot_data
    text = escape(result.describe())
    buttons: tuple[tuple[Button, ...], ...] = ()
    if result.confirm_token is not None:
        payload = f"{CONFIRM_URGENT_PREFIX}{result.confirm_token}"
        buttons = ((Button(REPLACE_URGENT_LABEL, payload),),)
        await handlers.send(update, context, Reply(text, buttons))
        return
    if result.ok and announcement_topics(result, data.service.library):
        count = await data.store.subscriber_count()
        if count:
            # Offered in the database: the button still works after a restart.
            try:
                offer = await data.content.announcer.offer(result, data.service.library)
            except AnnounceError as error:
                text = join(text, escape(f"Cannot offer to announce it: {error}"))
            else:
                label = f"Announce to {_count(count, 'subscriber')}"
                buttons = ((Button(label, f"{OFFER_PREFIX}{offer.id}"),),)
        else:
            text = join(text, escape("Nobody has subscribed yet, so there is nobody to tell."))
    await handlers.send(update, context, Reply(text, buttons))
    await _send_problems_file(update, result)
    if result.ok and result.safety:
        await _tell_admins_urgent_changed(update, context, result)


async def _report_check(update: Update, context: Context, result: UpdateResult) -> None:
    """Tell the admin what a checked file would change (or why it would be refused). Nothing
    was installed: no announce button, no confirmation button, no one else is told."""
    await handlers.send(update, context, Reply(escape(result.describe())))
    await _send_problems_file(update, result)


async def _send_problems_file(update: Update, result: UpdateResult) -> None:
    """Beyond the first few problems, the whole list as a file: one message, one file, however
    many problems (an upload with 60,000 once sent 864 messages)."""
    listing = result.problems_file()
    if listing is not None and update.effective_message is not None:
        await update.effective_message.reply_document(listing, filename="problems.txt")


async def _tell_admins_urgent_changed(
    update: Update, context: Context, result: UpdateResult
) -> None:
    """Every admin hears of a change to the urgent-help text, and the log records it: a stolen
    admin account must not be able to change it unseen. Admin ids are operators' settings
    (ADMIN_IDS), not users' data."""
    assert result.safety is not None
    user = update.effective_user
    who = f"admin {user.id}" if user is not None else "an admin"
    summary = result.safety.summary()
    logger.warning("Urgent help changed by %s: %s (%s)", who, summary, result.file_name or "reload")
    for admin_id in sorted(context.bot_data.settings.admin_ids):
        await _notify(context.bot, admin_id, f"urgent help changed by {who}: {summary}")


# --- announcing ------------------------------------------------------------------------------


async def announce_button(update: Update, context: Context) -> None:
    """The admin pressed "Announce to N subscribers": send the news in the background."""
    ident = await _admin_press(update, context, OFFER_PREFIX)
    chat = update.effective_chat
    if ident is None or chat is None:
        return
    data = context.bot_data
    if not await data.content.announcer.accept(ident):
        await _tell(update, context, EXPIRED_OFFER)
        return
    # Accepted means it will be sent (now, or after a restart), so the run starts even if the
    # status message cannot be sent.
    total = len(await data.store.pending_recipients(ident))
    status = await _status(context.bot, chat.id, f"Announcing to {_count(total, 'subscriber')}…")
    work = _announce(context.bot, data.content.announcer, ident, chat.id, status)
    if not data.content.start(work, name=f"admin-announce-{ident}"):
        await _notify(context.bot, chat.id, STOPPING)


async def _announce(
    bot: Bot, announcer: Announcer, announcement_id: str, chat_id: int, status: Message | None
) -> None:
    """Run one announcement; show its progress in `status`, then send the admin the count."""

    async def progress(done: int, total: int) -> None:
        if status is not None:
            await _edit(status, f"Announcing: {done} of {total} done.")

    try:
        report = await announcer.run(announcement_id, progress=progress)
    except UnknownAnnouncement:
        text = "This announcement was sent already."
    except Exception:  # logged, and the admin told: it goes on after the next restart
        logger.exception("Announcement %s stopped", announcement_id)
        text = "The announcement stopped because of an error. It goes on after a restart."
    else:
        text = report.describe()
    await _notify(bot, chat_id, text)


async def resume_announcements(bot: Bot, data: BotData) -> None:
    """At start-up: finish the announcements a restart interrupted, then tell the admins."""
    for report in await data.content.announcer.resume_unfinished():
        for admin_id in sorted(data.settings.admin_ids):
            await _notify(bot, admin_id, f"Continued after a restart. {report.describe()}")


def announcement_sender(bot: Bot, store: Storage) -> Send:
    """The Announcer's `send`: one announcement to one chat, in the chat's language."""

    async def send(chat_id: int, announcement: Announcement) -> SendStatus:
        lang = await _chat_language(store, chat_id)
        reply = announcement_reply(announcement, lang)

        async def send_to(target: int) -> None:
            # Through the Application's rate limiter, like every other message.
            await bot.send_message(target, reply.text, reply_markup=sending.keyboard(reply.buttons))

        try:
            try:
                await send_to(chat_id)
            except ChatMigrated as moved:  # the group became a supergroup: follow it there
                new_id = moved.new_chat_id
                await store.move_subscriber(chat_id, new_id)
                await send_to(new_id)
                # The Announcer records `chat_id`; the supergroup must count as delivered too.
                await store.mark_delivered(announcement.id, new_id)
        except Forbidden:  # blocked the bot, deactivated, or removed it from the group
            return "blocked"
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                return "blocked"
            logger.info("announce: a send failed: %s", error)
            return "failed"
        except TelegramError as error:  # flood control beyond the retries, network, 5xx
            logger.info("announce: a send failed: %s", error)
            return "failed"
        return "sent"

    return send


def announcement_reply(announcement: Announcement, lang: str) -> Reply:
    """What a subscriber gets: the new and changed topics, each with a button that opens it."""
    shown = announcement.topics[:MAX_ANNOUNCED_TOPICS]
    lines = [f"<b>{escape(t('announce_title', lang))}</b>"]
    for topic in shown:
        key = "announce_added" if topic.change == "added" else "announce_changed"
        lines.append("• " + escape(t(key, lang, title=topic.title_in(lang))))
    hidden = len(announcement.topics) - len(shown)
    if hidden:
        lines.append(escape(t("announce_more", lang, count=hidden)))
    buttons = tuple((Button(topic.title_in(lang), topic.payload),) for topic in shown)
    return Reply(
        join("\n".join(lines), escape(t("announce_footer", lang))),
        (*buttons, menu_row(lang)),
        lang=lang,
    )


# --- SIGHUP ----------------------------------------------------------------------------------


def reload_on_signal(data: BotData) -> None:
    """SIGHUP: reload the content folder in the background, as /reload does, and log how."""
    data.content.start(_reload_and_log(data.content.manager), name="content-reload")


async def _reload_and_log(manager: ContentManager) -> None:
    result = await asyncio.to_thread(manager.reload)
    level = logging.INFO if result.ok else logging.ERROR
    logger.log(level, "SIGHUP: %s", " ".join(result.describe().splitlines()))


# --- helpers ---------------------------------------------------------------------------------


async def _chat_language(store: Storage, chat_id: int) -> str:
    """A private chat's id is its user's id: their chosen language, else English."""
    if chat_id < 0:  # a group: no one person's choice
        return DEFAULT_LANGUAGE
    chosen = await store.get_language(store.user_key(chat_id))
    return chosen if chosen in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


async def _tell(update: Update, context: Context, text: str) -> None:
    """A plain message to the admin (escaped; split if long)."""
    await handlers.send(update, context, Reply(escape(text)))


async def _notify(bot: Bot, chat_id: int, text: str) -> None:
    """A plain message to an admin outside of any update; a failure is only logged."""
    try:
        await bot.send_message(chat_id, escape(text))
    except TelegramError as error:
        logger.warning("Could not send a message to an admin: %s", error)


async def _status(bot: Bot, chat_id: int, text: str) -> Message | None:
    """Send a status message to edit later; None if it could not be sent."""
    try:
        return await bot.send_message(chat_id, escape(text))
    except TelegramError as error:
        logger.warning("Could not send the announcement's status message: %s", error)
        return None


async def _edit(status: Message, text: str) -> None:
    """Replace the text of a status message; a failure is only logged (it is a courtesy)."""
    try:
        await status.edit_text(escape(text))
    except TelegramError as error:
        logger.debug("Could not update the status message: %s", error)


def _when(moment: datetime | None) -> str:
    return "unknown" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
