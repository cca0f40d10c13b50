"""The long-lived objects the Telegram callbacks share, kept in `bot_data` (bot/tg/context.py).

- `ContentDesk`: content changes and announcements running in the background (bot/tg/admin.py
  has the admin commands that use it).
- `HelpDesk`: talk to a person at run time: whether the caseworkers' group passed its check,
  the open cases, the per-case rate limits and the sweep that closes idle cases (bot/tg/helpdesk.py
  has the callbacks; bot/helpdesk.py the case logic).

They sit below the callbacks' modules, which import them, and import none of those modules.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Bot, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from bot import helpdesk
from bot.announce import Announcer
from bot.content.updates import ContentManager
from bot.helpdesk import Case, CloseReason, HelpdeskConfig, RateLimiter
from bot.replies import Reply
from bot.storage.ports import CasesPort
from bot.storage.records import StatsUnavailable
from bot.tg import sending

logger = logging.getLogger(__name__)

# After /check, the admin's next file within this long is only checked.
CHECK_WINDOW_SECONDS = 600


class ContentDesk:
    """What the admin callbacks need beyond the service and the store: the content manager,
    the announcer, and the background tasks that send announcements (stopped by `close` when
    the bot stops)."""

    def __init__(self, manager: ContentManager, announcer: Announcer) -> None:
        self.manager = manager
        self.announcer = announcer
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        # Admin id -> time.monotonic() until which their next file is only checked (/check).
        self._check_until: dict[int, float] = {}

    def check_next_file(self, admin_id: int) -> None:
        """/check: the admin's next file within CHECK_WINDOW_SECONDS is only checked."""
        self._check_until[admin_id] = time.monotonic() + CHECK_WINDOW_SECONDS

    def checks_next_file(self, admin_id: int) -> bool:
        """Whether the admin asked (/check, not long ago) that their next file is checked."""
        return self._check_until.get(admin_id, 0.0) > time.monotonic()

    def file_checked(self, admin_id: int) -> None:
        """The admin's file was checked: the files after it are uploads again."""
        self._check_until.pop(admin_id, None)

    def start(self, work: Coroutine[Any, Any, None], name: str) -> bool:
        """Run `work` in the background until it ends or the bot stops; False if stopping."""
        if self._closed:
            work.close()
            return False
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return True

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("%s failed", task.get_name(), exc_info=task.exception())

    async def close(self) -> None:
        """Stop the background work and wait for it. Call while the bot can still send: an
        announcement lets its sends under way finish and records them; the rest of it is sent
        after the restart (`resume_announcements`). Safe to call twice."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)


# --- the help desk ---------------------------------------------------------------------------

# How often open cases are checked for IDLE_DAYS without messages.
IDLE_CHECK_INTERVAL = timedelta(hours=1)


class HelpDesk:
    """The help desk at run time: its configuration, whether the group passed its check at
    start-up (`on`), the open cases and the per-case rate limit."""

    def __init__(self, config: HelpdeskConfig | None, cases: CasesPort) -> None:
        self.config = config
        self.cases = cases
        self.on = False
        self.limiter = RateLimiter()  # per case number
        # Cases whose person already had the urgent-help note while connected (once is enough).
        self.urgent_told: set[int] = set()
        # Per person (chat id, in memory only): cases opened.
        self.openings = RateLimiter(helpdesk.MAX_OPENINGS, helpdesk.OPENINGS_WINDOW_SECONDS)
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def live(self) -> HelpdeskConfig | None:
        """The configuration while the desk is on, else None."""
        return self.config if self.on else None

    async def start(self, bot: Bot) -> bool:
        """Check the group with getChat; if it may be the desk, load the open cases and start
        closing idle ones. Whether the desk is on (why not is logged)."""
        if self.config is None:
            return False
        reason = await chat_refusal(bot, self.config.chat_id)
        if reason is not None:
            logger.warning(
                "Help desk is off: HELPDESK_CHAT_ID %s cannot be used: %s",
                self.config.chat_id,
                reason,
            )
            return False
        try:
            await self.cases.load()
        except StatsUnavailable:
            logger.warning("Help desk: open cases could not be read yet; will retry when asked")
        self.on = True
        self._sweeper = asyncio.create_task(self._sweep(bot), name="helpdesk-idle-cases")
        logger.info("Help desk is on")
        return True

    async def stop(self) -> None:
        """Stop closing idle cases (at shutdown, before the database closes)."""
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper

    async def _sweep(self, bot: Bot) -> None:
        while True:
            with contextlib.suppress(StatsUnavailable):  # logged by the store; next round
                await self.close_idle(bot)
            now = asyncio.get_running_loop().time()
            self.limiter.prune(now)
            self.openings.prune(now)
            await asyncio.sleep(IDLE_CHECK_INTERVAL.total_seconds())

    async def close_idle(self, bot: Bot) -> int:
        """Close every case without messages for IDLE_DAYS; return how many closed."""
        now = self.cases.now()
        idle = [case for case in await self.cases.all_open() if helpdesk.is_idle(case, now)]
        for case in idle:
            await self.close(bot, case.number, "idle")
        if idle:
            logger.info("Help desk: closed %d idle cases", len(idle))
        return len(idle)

    async def close(
        self, bot: Bot, number: int, reason: CloseReason, *, tell_desk: bool = True
    ) -> Case | None:
        """Close a case (its rows go), tell the person in their language and the group why.
        The closed case, or None if it was not open."""
        case = await self.cases.close(number, reason)
        if case is None:
            return None
        self.limiter.forget(number)
        self.urgent_told.discard(number)
        key = helpdesk.CLOSED_FOR_PERSON.get(reason)
        if key is not None and self.config is not None:
            text = helpdesk.notice(key, case.lang, name=self.config.name, days=helpdesk.IDLE_DAYS)
            await tell(bot, case.chat_id, text)
        if tell_desk and self.config is not None:
            await post_to_group(
                bot, self.config.chat_id, helpdesk.case_closed(number, case.lang, reason)
            )
        logger.info("Help desk: a case closed (%s); %d open", reason, await self.cases.open_count())
        return case

    async def stats_text(self, days: int | None) -> str | None:
        """The help desk lines for /stats over the last `days` UTC days (None if it is not
        configured)."""
        if self.config is None:
            return None
        now = self.cases.now()
        since = None
        if days is not None:
            today = datetime.fromtimestamp(now, UTC).date()
            first = today - timedelta(days=days - 1)
            since = int(datetime.combine(first, datetime.min.time(), UTC).timestamp())
        times = await self.cases.times(since)
        return helpdesk.format_stats(helpdesk.summarize(times, since, now))


async def chat_refusal(bot: Bot, chat_id: int) -> str | None:
    """Why HELPDESK_CHAT_ID cannot be the desk (asking Telegram with getChat), or None."""
    try:
        chat = await bot.get_chat(chat_id)
    except ChatMigrated as error:
        return f"the group became a supergroup; set HELPDESK_CHAT_ID to {error.new_chat_id}"
    except (BadRequest, Forbidden) as error:
        return f"Telegram says '{error.message}' (is the bot a member of that group?)"
    except TelegramError as error:
        return f"it could not be checked ({error.message})"
    return helpdesk.refusal(chat.type, has_username=chat.username is not None)


# --- sending to the help desk's two chats ------------------------------------------------------


async def tell(bot: Bot, chat_id: int, reply: Reply) -> bool:
    """Send a short notice to a person's chat; False if Telegram refused (e.g. blocked)."""
    try:
        await bot.send_message(chat_id, reply.text, reply_markup=sending.keyboard(reply.buttons))
    except TelegramError as error:
        logger.info("Help desk: a notice could not be sent to a person: %s", error.message)
        return False
    return True


async def post_to_group(
    bot: Bot, chat_id: int, text: str, *, reply_to: int | None = None
) -> Message | None:
    """Send plain text to the caseworkers' group; None if Telegram refused (logged)."""
    try:
        return await sending.send_plain(bot, chat_id, text, reply_to=reply_to)
    except TelegramError as error:
        logger.warning("Help desk: could not write to the caseworkers' group: %s", error.message)
        return None
