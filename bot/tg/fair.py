"""Fair under floods: one chat's traffic or trouble never holds up another chat.

Four parts, wired in bot/tg/app.py:

* `FairUpdateProcessor` (PTB's `concurrent_updates`): updates from different chats are handled
  at the same time (at most `max_concurrent_updates` at once), updates within one chat one
  after the other, in the order they came. An update waiting for its chat holds no slot, so a
  chat with a backlog cannot fill the slots others need. Before any of that, each user's
  messages and button presses go through a `bot.throttle.Throttle`: past its rate the first
  one is marked for a "please slow down" (`take_notice`, answered by `handlers.slow_down`) and
  the rest are dropped at once, never queued. Admins are not throttled.
* `InFlightQueue` (PTB's `update_queue`): at most `in_flight` updates taken from the queue and
  not yet finished. PTB takes each update off the queue at once when updates run concurrently;
  this makes it wait instead, so the queue fills and polling pauses, and Telegram keeps the
  backlog (what a platform's SIGKILL after a SIGTERM would otherwise lose). Dropped updates
  finish at once and free their place.
* `FairRateLimiter` (PTB's `rate_limiter`): Telegram's overall cap (30 messages a second) and
  the per-group cap (20 a minute) for everything we send, as PTB's `AIORateLimiter` does; but a
  flood-control answer (429, "retry after N") pauses only the chat it was about. PTB's own
  limiter pauses every send of the bot, so one flooded chat used to stall all the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import Update
from telegram.constants import FloodLimit
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter, BaseUpdateProcessor

from bot.throttle import Throttle

logger = logging.getLogger(__name__)

# Updates handled at the same time. Answering is mostly CPU (matching) and the event loop runs
# one thing at a time anyway; more slots only help while replies wait for Telegram.
MAX_CONCURRENT_UPDATES = 16
# Updates taken from the queue and not yet finished, across all chats: with the queue's own 32,
# what a stop must still answer, at 30 messages a second, within a platform's grace period.
MAX_IN_FLIGHT = 32
# PTB's own semaphore is taken before an update waits for its chat, so it must never be what
# limits: the slots that do limit are taken once it is the chat's turn.
_NO_LIMIT = 1 << 20
# Group limiters kept before idle ones are forgotten (as PTB's AIORateLimiter does).
MAX_GROUP_LIMITERS = 512
# Added to Telegram's "retry after", so that the retry does not arrive a moment too early.
RETRY_MARGIN = 0.1

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]


class InFlightQueue(asyncio.Queue[object]):
    """PTB's update queue, with a limit on the updates taken off it and not yet finished.

    PTB calls `task_done()` once an update was handled (or dropped), which frees its place.
    """

    def __init__(self, maxsize: int, in_flight: int = MAX_IN_FLIGHT) -> None:
        super().__init__(maxsize)
        self._places = asyncio.Semaphore(in_flight)
        self._taken = 0

    async def get(self) -> object:
        """The next update, once fewer than `in_flight` are being handled."""
        await self._places.acquire()
        try:
            item = await super().get()
        except BaseException:
            self._places.release()
            raise
        self._taken += 1
        return item

    def task_done(self) -> None:
        """One update finished: its place is free. (PTB's shutdown also calls this for updates
        it drops from the queue with `get_nowait`; those held no place.)"""
        super().task_done()
        if self._taken:
            self._taken -= 1
            self._places.release()


@dataclass
class _ChatLine:
    """The updates of one chat waiting for their turn."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


class FairUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within a chat, with a throttle per user."""

    def __init__(
        self,
        throttle: Throttle,
        *,
        exempt: frozenset[int] = frozenset(),
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
    ) -> None:
        super().__init__(_NO_LIMIT)
        self.throttle = throttle
        self._exempt = exempt
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._chats: dict[Hashable, _ChatLine] = {}
        self._notices: set[int] = set()
        #: Updates dropped by the throttle since start (a figure for tests and benchmarks).
        self.dropped = 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Throttle, then wait for the chat's turn, then for a free slot, then handle."""
        if isinstance(update, Update):
            verdict = self._verdict(update)
            if verdict == "drop":
                self.dropped += 1
                if inspect.iscoroutine(coroutine):
                    coroutine.close()  # never run: the update is dropped, not queued
                return
            if verdict == "warn":
                self._notices.add(update.update_id)
        key = _chat_key(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        line = self._chats.setdefault(key, _ChatLine())
        line.waiting += 1
        try:
            async with line.lock, self._slots:
                await coroutine
        finally:
            line.waiting -= 1
            if not line.waiting:
                del self._chats[key]

    def take_notice(self, update_id: int) -> bool:
        """Whether this update is the one that gets "please slow down" (asked once per update)."""
        if update_id in self._notices:
            self._notices.discard(update_id)
            return True
        return False

    @property
    def chats_waiting(self) -> int:
        """Chats with an update being handled or waiting (memory held for ordering)."""
        return len(self._chats)

    def _verdict(self, update: Update) -> str:
        # Messages and button presses: what a person sends. Inline queries arrive as they
        # type (Telegram paces those), and nothing else comes from a person.
        if update.message is None and update.callback_query is None:
            return "pass"
        user = update.effective_user
        if user is None or user.id in self._exempt:
            return "pass"
        return self.throttle.admit(user.id)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close: PTB waits for the updates under way before calling this."""


def _chat_key(update: object) -> Hashable | None:
    """What orders an update: its chat, or its user where there is no chat (inline mode)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return None


class FairRateLimiter(BaseRateLimiter[int]):
    """Telegram's send caps for the whole bot and per group; a 429 pauses only its own chat."""

    def __init__(
        self,
        overall_max_rate: float = FloodLimit.MESSAGES_PER_SECOND,
        group_max_rate: float = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        max_retries: int = 0,
    ) -> None:
        self._overall = AsyncLimiter(overall_max_rate, 1) if overall_max_rate else None
        self._group_max_rate = group_max_rate
        self._groups: dict[Hashable, AsyncLimiter] = {}
        self._max_retries = max_retries
        # Chat (None: calls about no chat) -> loop time before which nothing goes to it.
        self._paused_until: dict[Hashable, float] = {}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        """Send when the chat is not paused and the caps allow; after a 429, pause the chat and
        try again (at most `max_retries` times)."""
        max_retries = rate_limit_args or self._max_retries
        chat = _request_chat(data.get("chat_id"))
        overall = self._overall if chat is not None else None
        group = self._group(chat)
        for attempt in range(max_retries + 1):
            await self._wait_until_unpaused(chat)
            try:
                async with group or contextlib.nullcontext(), overall or contextlib.nullcontext():
                    return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == max_retries:
                    logger.warning("%s: flood control again after %d retries", endpoint, attempt)
                    raise
                delay = _seconds(error.retry_after) + RETRY_MARGIN
                loop = asyncio.get_running_loop()
                until = max(self._paused_until.get(chat, 0.0), loop.time() + delay)
                self._paused_until[chat] = until
                logger.info("%s: flood control, this one chat waits %.1f s", endpoint, delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _wait_until_unpaused(self, chat: Hashable) -> None:
        loop = asyncio.get_running_loop()
        while (until := self._paused_until.get(chat)) is not None:
            if loop.time() >= until:
                # Forget the pause once it is over, unless another 429 moved it meanwhile.
                if self._paused_until.get(chat) == until:
                    del self._paused_until[chat]
                return
            await asyncio.sleep(until - loop.time())

    def _group(self, chat: Hashable) -> AsyncLimiter | None:
        """The per-group limiter for group chats (negative ids or @channel names)."""
        is_group = isinstance(chat, str) or (isinstance(chat, int) and chat < 0)
        if not is_group or not self._group_max_rate:
            return None
        if len(self._groups) > MAX_GROUP_LIMITERS:
            for key, limiter in list(self._groups.items()):
                if key != chat and limiter.has_capacity(limiter.max_rate):
                    del self._groups[key]
        if chat not in self._groups:
            self._groups[chat] = AsyncLimiter(self._group_max_rate, 60)
        return self._groups[chat]


def _request_chat(chat_id: object) -> Hashable:
    """The chat a request is about, as a number where it is one."""
    if chat_id is None:
        return None
    try:
        return int(str(chat_id))
    except ValueError:
        return str(chat_id)


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
