"""The real `python -m bot run` process against the fake Bot API server: start it, stop it as
a platform does (SIGTERM), wait for its webhook server."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

import pytest

from tests.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for a webhook server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def spawn_bot(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """Start `python -m bot run` with `env` over this environment (no BOT_* or WEBHOOK* of
    ours), its stderr in `log`; returns at once."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("BOT_", "WEBHOOK"))
    }
    # These tests are about the process (start, stop, logs), not matching. With the model on, a
    # fresh checkout's first start embeds every content text (a minute on a small machine).
    environment["SEMANTIC_MATCHING"] = "off"
    environment.update(env)
    with log.open("wb") as stderr:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=environment, stderr=stderr
        )


def bot_env(fake: FakeBotApi, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a bot process that talks to `fake`, its database in `tmp_path`."""
    return {
        "BOT_TOKEN": fake.token,
        "BOT_API_BASE_URL": fake.base_url,
        "BOT_API_BASE_FILE_URL": fake.base_file_url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "STATS_SECRET": "process-secret-0123456789abcdef0123456789abcdef",
        "LOG_LEVEL": "DEBUG",
        **extra,
    }


async def until_listening(port: int) -> None:
    """Return once something accepts connections on 127.0.0.1:`port` (at most 10 s)."""
    async with asyncio.timeout(10):
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return


async def stop_bot(process: asyncio.subprocess.Process) -> float:
    """SIGTERM; seconds until the process exited. A process that hangs is killed, and fails."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        async with asyncio.timeout(15):
            await process.wait()
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail("python -m bot run did not stop within 15 s of SIGTERM")
    return time.monotonic() - started
