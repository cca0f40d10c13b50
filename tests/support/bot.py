"""The real PTB Application, built by `build_application` and run by `serve`, polling the fake
Bot API server of tests/fake_bot_api.py; tests/conftest.py's `bot` and `start_bot` fixtures use
`run_bot`, and a test that needs its own settings or pace calls it directly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from bot.announce import Pace
from bot.config import Settings
from bot.service import Service
from bot.storage.store import StatsStore
from bot.throttle import Throttle
from tests.fake_bot_api import FakeBotApi

ADMIN_ID = 4242  # tests read it back from settings.admin_ids
# How long the test bot's getUpdates waits for news: short, so that a stop is quick.
LONG_POLL = timedelta(seconds=1)
# Seconds a bot in a test of timeouts (marked `short_client_timeouts`) waits for the fake server
# to connect and answer, instead of PTB's 5: such a test then waits half a second, not five.
CLIENT_TIMEOUT = 0.5
# A delay (Fault.delay) longer than such a bot waits for any answer, a long poll included.
TOO_SLOW = CLIENT_TIMEOUT + LONG_POLL.total_seconds() + 1.0


@dataclass
class RunningBot:
    """The real Application polling the fake server, and what it was built from."""

    fake: FakeBotApi
    settings: Settings
    service: Service
    store: StatsStore


StartBot = Callable[..., AbstractAsyncContextManager[RunningBot]]


@asynccontextmanager
async def run_bot(
    settings: Settings,
    service: Service,
    fake: FakeBotApi,
    announce_pace: Pace | None = None,
    throttle: Throttle | None = None,
    request_timeout: float | None = None,
) -> AsyncIterator[RunningBot]:
    """Build the Application with `build_application` and run it with `serve`, as `run` does;
    only the long poll is short (LONG_POLL), so that tests stay fast. `request_timeout`: the
    client's timeouts (None: PTB's)."""
    from bot.tg.app import build_application, serve

    store = StatsStore(settings.database_path, settings.stats_secret, flush_interval=0.05)
    # Tests of other things send many messages from one user at once: the throttle is as
    # generous as that needs, unless a test (tests/test_fair.py) brings the documented one.
    throttle = throttle or Throttle(burst=10_000, per_minute=60_000)
    app = build_application(
        settings,
        service,
        store,
        announce_pace=announce_pace,
        throttle=throttle,
        request_timeout=request_timeout,
    )
    stop, ready = asyncio.Event(), asyncio.Event()
    serving = asyncio.create_task(serve(app, settings, stop, ready=ready, poll_timeout=LONG_POLL))
    started = asyncio.create_task(ready.wait())
    await asyncio.wait((serving, started), return_when=asyncio.FIRST_COMPLETED)
    if serving.done():  # start-up failed: show why
        started.cancel()
        serving.result()
    try:
        yield RunningBot(fake, settings, service, store)
    finally:
        stop.set()
        await serving
