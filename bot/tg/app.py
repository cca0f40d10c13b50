"""The Telegram front end: the one place that builds the Application and wires every handler.

    python -m bot run          # long polling; a webhook server when WEBHOOK_URL is set

`build_application(settings, service, store)` returns the Application with every handler;
`serve(application, settings, stop)` runs it until `stop` is set (tests run both against a fake
Bot API server); `run(settings)` loads the content, creates the statistics store, and serves
until SIGINT or SIGTERM, then writes the statistics still queued and exits. SIGHUP reloads the
content folder, as an admin's /reload does (bot/tg/admin.py).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import sys
from datetime import timedelta
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.constants import FloodLimit
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChosenInlineResultHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.announce import Announcer, Pace
from bot.commands import ADMIN_COMMAND_DESCRIPTIONS, USER_COMMANDS
from bot.config import ConfigError, Settings
from bot.content.loader import ContentError, load_library
from bot.content.models import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.content.updates import ContentManager
from bot.service import Service
from bot.storage.ports import Storage
from bot.storage.records import StatsError
from bot.storage.store import StatsStore
from bot.tg import admin, admin_stats, handlers, helpdesk, posters, sending
from bot.tg.context import BotData, Context
from bot.tg.desks import ContentDesk, HelpDesk
from bot.tg.errors import ReadableUpdatesRequest, configure_logging, quiet_url_loggers
from bot.tg.fair import FairRateLimiter, FairUpdateProcessor, InFlightQueue
from bot.throttle import Throttle

logger = logging.getLogger(__name__)

App = Application[ExtBot[Any], Context, dict[Any, Any], dict[Any, Any], BotData, Any]

# Updates fetched from Telegram but not yet handed to the update processor. Telegram counts a
# fetched update as delivered, so a bounded queue makes polling wait instead of piling up a
# backlog that a platform's SIGKILL after a SIGTERM would lose. Past the queue, at most
# fair.MAX_IN_FLIGHT updates wait for their chat or are handled (bot/tg/fair.py), and the
# per-user throttle drops a flood at once.
UPDATE_QUEUE_SIZE = 32


class _Application(Application):  # type: ignore[type-arg]
    """PTB's Application without one leak: with no persistence configured, PTB still collects
    the id of every user and chat it sees, for a persistence save that never comes. That is
    memory that grows with every new user, and raw user ids we promise not to keep."""

    def _mark_for_persistence_update(
        self, *, update: object | None = None, job: Any = None
    ) -> None:
        if self.persistence is None:
            return
        super()._mark_for_persistence_update(update=update, job=job)


# Updates we ask Telegram for; edited messages and channel posts are not among them.
ALLOWED_UPDATES = (
    Update.MESSAGE,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
    Update.CHOSEN_INLINE_RESULT,
)
# How long one getUpdates call waits for news: fewer requests, and new messages arrive at once.
POLL_TIMEOUT = timedelta(seconds=30)
# Retries of deleteWebhook/setWebhook at start-up (PTB waits longer after each failure).
BOOTSTRAP_RETRIES = 5
# Sends retried after Telegram's flood control (429) asks us to wait.
SEND_RETRIES = 3
# Signals that stop the bot (Ctrl+C, and what platforms send before a restart).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# The signal that reloads the content folder, as /reload does (not on Windows).
RELOAD_SIGNAL = getattr(signal, "SIGHUP", None)

# The callback of every user command in bot.commands.USER_COMMANDS (the list /help shows).
USER_COMMAND_CALLBACKS = {
    "start": handlers.start,
    "topics": handlers.topics,
    "help": handlers.help_command,
    "about": handlers.about,
    "glossary": handlers.glossary,
    "privacy": handlers.privacy,
    "forget": handlers.forget,
    "language": handlers.language,
    "subscribe": handlers.subscribe,
    "unsubscribe": handlers.unsubscribe,
}
# Admin commands, for ADMIN_IDS only (numeric ids) and only in private chats.
ADMIN_COMMAND_CALLBACKS = {
    "stats": admin_stats.stats,
    "unanswered": admin_stats.unanswered,
    "export": admin_stats.export,
    "content": admin.content,
    "reload": admin.reload,
    "rollback": admin.rollback,
    "check": admin.check,
    "poster": posters.poster,
}
# Admin commands that change the content (they run beside other updates, as uploads do).
CONTENT_CHANGE_COMMANDS = frozenset({"reload", "rollback"})


def build_application(
    settings: Settings,
    service: Service,
    store: Storage,
    *,
    announce_pace: Pace | None = None,
    throttle: Throttle | None = None,
    request_timeout: float | None = None,
) -> App:
    """The Application with every handler; its post_init opens the store, post_shutdown closes it.

    `announce_pace` sets how fast announcements go out (tests use a fast one); `throttle` how
    many messages a user may send (by default `Throttle()`, the documented rate);
    `request_timeout` how many seconds a request may take to connect and to be answered (by
    default PTB's 5 s; a long poll waits that much longer), so tests of timeouts need not wait.

    Raises:
        ConfigError: BOT_TOKEN is not set.
    """
    pace = announce_pace or Pace()
    # PTB 22 warns on every flood-control error (429) unless we opt in to the durations of its next
    # major version (timedelta, not int). We read none of them, so the opt-in changes nothing else.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    if not settings.log_unsafe_debug:
        quiet_url_loggers()
    # PTB's own timeouts unless asked (a timeout of None would mean "wait for ever").
    updates_request = (
        ReadableUpdatesRequest(connection_pool_size=1)
        if request_timeout is None
        else ReadableUpdatesRequest(
            connection_pool_size=1, connect_timeout=request_timeout, read_timeout=request_timeout
        )
    )
    builder = (
        ApplicationBuilder()
        .application_class(_Application)
        .update_queue(InFlightQueue(UPDATE_QUEUE_SIZE))
        .token(settings.require_token())
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_base_file_url)
        .get_updates_request(updates_request)
        # HTML and no link previews for every message, unless a call says otherwise; the fast
        # path (bot/tg/sending.py) sets the same itself.
        .defaults(sending.DEFAULTS)
        # Telegram's overall limit for everything we send. Announcements pace themselves below
        # it; a faster pace (tests against the fake server) raises it, or the limiter, not the
        # pace, would decide how fast announcements go.
        .rate_limiter(
            FairRateLimiter(
                overall_max_rate=max(FloodLimit.MESSAGES_PER_SECOND, pace.per_second),
                max_retries=SEND_RETRIES,
            )
        )
        # Chats side by side, each chat in order, a throttle per user (bot/tg/fair.py).
        .concurrent_updates(FairUpdateProcessor(throttle or Throttle(), exempt=settings.admin_ids))
        .context_types(ContextTypes(bot_data=BotData))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request_timeout is not None:
        builder = builder.connect_timeout(request_timeout).read_timeout(request_timeout)
    application = builder.build()
    application.bot_data.bind(settings, service, store)
    application.bot_data.content = ContentDesk(
        ContentManager(settings.content_dir, settings.seeds_dir, service),
        Announcer(store, admin.announcement_sender(application.bot, store), pace=pace),
    )
    # Talk to a person: on only once the caseworkers' group passes its check in _post_init.
    application.bot_data.helpdesk = HelpDesk(settings.helpdesk, store.cases)
    _add_handlers(application, settings.admin_ids)
    return application


def _add_handlers(application: App, admin_ids: frozenset[int]) -> None:
    """Every handler. Order matters! Within a group the first handler that matches takes the
    update; groups run from the lowest number up, and a gate stops the ones after it."""
    missing = {command.name for command in USER_COMMANDS} - USER_COMMAND_CALLBACKS.keys()
    if missing:
        raise RuntimeError(f"user commands without a handler: {sorted(missing)}")
    private = filters.ChatType.PRIVATE
    # In groups the bot answers commands, @mentions and replies to itself, never every message.
    addressed = private | handlers.ADDRESSED_TO_BOT
    # Numeric ids only: usernames can be changed and then taken by someone else.
    admins = filters.User(user_id=admin_ids) & private

    # Group -3, gate: the first update past a user's rate gets "please slow down" and stops
    #    there (the ones after it were dropped before reaching any handler; bot/tg/fair.py).
    application.add_handler(TypeHandler(Update, handlers.slow_down), group=-3)
    # Group -2, gates: edited messages and channel posts get no answer.
    application.add_handler(
        MessageHandler(
            filters.UpdateType.EDITED | filters.UpdateType.CHANNEL_POSTS, handlers.ignore
        ),
        group=-2,
    )

    # Group -1, the help desk (bot/tg/helpdesk.py); each does nothing while the desk is off.
    #   /forget first closes the person's case, then goes on to /forget in group 0. A message
    #   from a person with an open case goes to the caseworkers' group and stops here; so does
    #   everything in that group (replies to cases, /cases, /close): the bot answers nothing
    #   else there. Other messages go on to group 0.
    application.add_handler(CommandHandler("forget", helpdesk.close_before_forget), group=-1)
    application.add_handler(
        MessageHandler(
            private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, helpdesk.person_message
        ),
        group=-1,
    )
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & ~filters.StatusUpdate.ALL, helpdesk.desk_message),
        group=-1,
    )

    # Group 0, first match wins:
    # 1. user commands; in groups "/cmd" and "/cmd@this_bot", not "/cmd@other_bot".
    for name, callback in USER_COMMAND_CALLBACKS.items():
        application.add_handler(CommandHandler(name, callback))
    #    The help desk's commands for people (they say so when the desk is off).
    application.add_handler(CommandHandler("human", helpdesk.human))
    application.add_handler(CommandHandler("end", helpdesk.end))
    # 2. admin commands; anyone else falls through to 3 and gets the unknown-command answer.
    #    Content changes do not block: questions arriving while the new content is checked are
    #    answered meanwhile (from the old content until the swap).
    for name, callback in ADMIN_COMMAND_CALLBACKS.items():
        block = name not in CONTENT_CHANGE_COMMANDS
        application.add_handler(CommandHandler(name, callback, filters=admins, block=block))
    # 3. any other command (in groups, only one addressed to this bot).
    application.add_handler(MessageHandler(filters.COMMAND & addressed, handlers.unknown_command))
    # 4. free text: questions. Commands never get here, 1-3 took them all.
    application.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND & addressed, handlers.question)
    )
    # 5. an admin's file in a private chat: a content upload (refused before downloading if its
    #    name or size is wrong). Not blocking, as /reload. Files from others or in groups go on
    #    to 6 and are never downloaded.
    application.add_handler(
        MessageHandler(filters.Document.ALL & admins, admin.upload, block=False)
    )
    # 6. anything else people send (stickers, photos, voice, files, ...), but not service
    #    messages such as "X joined the group".
    application.add_handler(
        MessageHandler(~filters.TEXT & ~filters.StatusUpdate.ALL & addressed, handlers.text_only)
    )
    #    A group that became a supergroup (a service message): its subscription follows it.
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, handlers.chat_migrated))
    # 7. buttons and inline mode. The announce button ("a:<id>") first; it checks for admins
    #    itself and gives anyone else the usual stale-menu answer.
    application.add_handler(CallbackQueryHandler(admin.announce_button, pattern=r"^a:"))
    #    "Replace the urgent-help note" ("u:<token>"): the second press that installs a change
    #    to the urgent-help text; it too checks for admins itself.
    application.add_handler(CallbackQueryHandler(admin.confirm_urgent_button, pattern=r"^u:"))
    application.add_handler(CallbackQueryHandler(helpdesk.button, pattern=r"^h(:|$)"))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(InlineQueryHandler(handlers.inline_query))
    application.add_handler(ChosenInlineResultHandler(handlers.inline_chosen))

    application.add_error_handler(handlers.on_error)


async def _post_init(application: App) -> None:
    """Open the statistics, resume interrupted announcements, publish the command menu."""
    data = application.bot_data
    await data.store.open()
    # The help desk checks its group (getChat) before the command menu, which lists /human
    # only when it is on.
    if await data.helpdesk.start(application.bot):
        data.service.helpdesk = data.helpdesk.config
    # In the background: the bot answers meanwhile (ContentDesk.close stops it at shutdown).
    data.content.start(
        admin.resume_announcements(application.bot, data), name="admin-announce-resume"
    )
    try:
        for lang in SUPPORTED_LANGUAGES:
            commands = [BotCommand(name, text) for name, text in data.service.commands(lang)]
            await application.bot.set_my_commands(
                commands, language_code=None if lang == DEFAULT_LANGUAGE else lang
            )
    except TelegramError as error:  # the menu is a convenience: serve without it
        logger.warning("Could not set the command menu: %s", error)
    await _admin_menus(application)


async def _admin_menus(application: App) -> None:
    """Each admin's private chat with the bot gets a menu with the admin commands too (a chat's
    own menu wins over the public one there). An admin who never wrote to the bot has no chat
    yet: that menu comes at the next start."""
    data = application.bot_data
    public = [BotCommand(name, text) for name, text in data.service.commands(DEFAULT_LANGUAGE)]
    admin = [BotCommand(name, text) for name, text in ADMIN_COMMAND_DESCRIPTIONS.items()]
    missing = 0
    for admin_id in sorted(data.settings.admin_ids):
        try:
            await application.bot.set_my_commands(
                public + admin, scope=BotCommandScopeChat(admin_id)
            )
        except TelegramError:
            missing += 1
    if missing:  # no ids in the log
        logger.warning("No admin menu for %d admin(s) who never wrote to the bot", missing)


async def _post_shutdown(application: App) -> None:
    """Stop announcing (if `serve` did not), write the statistics still queued, close the
    database."""
    await application.bot_data.content.close()
    await application.bot_data.helpdesk.stop()
    await application.bot_data.store.close()


def run(settings: Settings) -> int:
    """`python -m bot run`: serve until SIGINT/SIGTERM. Returns the process exit status."""
    try:
        token = settings.require_token()
    except ConfigError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    configure_logging(
        settings.log_level,
        [token, settings.stats_secret],
        unsafe_debug=settings.log_unsafe_debug,
    )
    try:
        library = load_library(settings.content_dir, settings.seeds_dir)
    except ContentError as error:
        problems = "\n".join(f"  {problem}" for problem in error.problems)
        logger.error("The content in %s has problems:\n%s", settings.content_dir, problems)
        return 1
    service = Service.configured(library, settings)
    store = StatsStore(
        settings.database_path,
        settings.stats_secret,
        secret_path=settings.secret_path,
        unmatched_retention_days=settings.unmatched_retention_days,
        event_retention_days=settings.event_retention_days,
    )
    application = build_application(settings, service, store)
    # What start-up built (content, word index, vectors, PTB) lives as long as the process: out
    # of the collector's sight, a full collection no longer walks it while holding the GIL
    # (benchmarks/bench_bot.py measured pauses of 100-250 ms that stalled every update).
    gc.freeze()
    try:
        asyncio.run(_serve_until_signalled(application, settings))
    except InvalidToken:
        logger.error("Telegram refused BOT_TOKEN: copy it again from @BotFather")
        return 2
    except (TelegramError, StatsError) as error:
        logger.error("Could not start: %s", error)
        return 1
    return 0


async def _serve_until_signalled(application: App, settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in STOP_SIGNALS:
        loop.add_signal_handler(signal_number, stop.set)
    if RELOAD_SIGNAL is not None:
        loop.add_signal_handler(RELOAD_SIGNAL, admin.reload_on_signal, application.bot_data)
    await serve(application, settings, stop)


async def serve(
    application: App,
    settings: Settings,
    stop: asyncio.Event,
    *,
    ready: asyncio.Event | None = None,
    poll_timeout: timedelta = POLL_TIMEOUT,
) -> None:
    """Run the Application until `stop` is set: long polling, or a webhook if WEBHOOK_URL is set.

    The steps and their order are those of PTB's `run_polling`/`run_webhook` (initialize,
    post_init, updater, start ... updater stop, stop, shutdown, post_shutdown), but a stop
    during start-up is honoured at once: PTB 22.8's runner hangs when a signal arrives while it
    deletes or sets the webhook. Sets `ready` once updates are being received.
    """
    updater = application.updater
    assert updater is not None  # ApplicationBuilder always makes one

    def polling_failed(error: TelegramError) -> None:
        """As in run_polling: to the error handler, which logs one line (PTB then retries)."""
        application.create_task(application.process_error(update=None, error=error))

    async def start_up() -> None:
        await application.initialize()
        if application.post_init:
            await application.post_init(application)
        if settings.webhook_url:
            logger.info("Webhook on port %s, path /%s", settings.port, settings.webhook_path)
            await updater.start_webhook(
                listen="0.0.0.0",  # all interfaces: the platform's router forwards Telegram's calls
                port=settings.port,
                url_path=settings.webhook_path,
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
                bootstrap_retries=BOOTSTRAP_RETRIES,
            )
        else:
            logger.info("Polling Telegram for updates")
            await updater.start_polling(
                poll_interval=0,
                timeout=poll_timeout,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
                bootstrap_retries=BOOTSTRAP_RETRIES,
                error_callback=polling_failed,
            )
        await application.start()
        if ready is not None:
            ready.set()

    starting = asyncio.create_task(start_up())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait((starting, stopping), return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            starting.result()  # start-up failed: raise why (after the clean-up below)
            await stopping
        logger.info("Stopping")
    finally:
        for task in (starting, stopping):
            task.cancel()
        await asyncio.gather(starting, stopping, return_exceptions=True)
        # Announcements stop first, while the bot can still send: the sends under way finish
        # and are recorded, and the rest goes out after the restart.
        await application.bot_data.content.close()
        if updater.running:
            await updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)
