"""Benchmark the statistics store: ingest, report query, database size.

Records a year of synthetic traffic through `StatsStore.record()` into a fresh database in a
temporary folder, then times the admin queries over it. Targets: ingest >= 20,000 events/s,
report < 200 ms over 1,000,000 events.

    .venv/bin/python benchmarks/bench_stats.py                 # 1,000,000 events
    .venv/bin/python benchmarks/bench_stats.py --events 100000 # quicker

The traffic is shaped like the bot's: 11 sections with a few popular ones, six languages
(English most), mostly typed questions, about 8% unanswered, 50,000 users who come back on a few
days and ask 1-6 things per visit, spread over the 360 days before now.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.storage.records import StatsEvent
from bot.storage.store import StatsStore

# How often each section is asked about (a skew like real traffic: rights and trafficking most).
SECTION_WEIGHTS = {
    "about": 8, "key-issues": 5, "asia-pacific": 3, "policies": 4, "human-rights": 20,
    "regular-pathways": 16, "cooperation": 6, "contributions": 7, "drivers": 5,
    "trafficking": 18, "civil-society": 3,
}  # fmt: skip
SECTIONS, SECTION_SHARES = tuple(SECTION_WEIGHTS), tuple(SECTION_WEIGHTS.values())
LANGS = ("en", "ru", "id", "tl", "bn", "ne", "th", "vi")
LANG_WEIGHTS = (36, 11, 13, 13, 9, 7, 5, 6)
ROUTES, ROUTE_WEIGHTS = ("text", "button", "command", "deeplink", "inline"), (55, 30, 8, 3, 4)
DECISIONS, DECISION_WEIGHTS = ("answer", "clarify", "none"), (88, 5, 7)
QUESTIONS = (
    "can my employer keep my passport",
    "how do I send money home cheaply",
    "what is a firewall",
    "my agency wants 3000 dollars fee, call me 0917 123 4567",
    "where can I report abuse",
)
USERS = 50_000
FIRST_USER_ID = 100_000_000  # the most active synthetic user; ids go up from here
DAYS = 360
CHUNK = 10_000
TARGET_INGEST = 20_000  # events per second
TARGET_REPORT_MS = 200.0


def traffic(store: StatsStore, total: int, now: datetime, seed: int = 7) -> Iterator[StatsEvent]:
    """Synthetic events in time order, as the bot records them: day by day, visits of 1-6 events."""
    rng = random.Random(seed)
    keys = [store.user_key(FIRST_USER_ID + i) for i in range(USERS)]
    first_day = now - timedelta(days=DAYS)
    made = 0
    for day in range(DAYS):
        wanted = total * (day + 1) // DAYS - made
        events: list[StatsEvent] = []
        while len(events) < wanted:
            key = keys[int(USERS * rng.random() ** 1.5)]  # some users come back often
            lang = rng.choices(LANGS, LANG_WEIGHTS)[0]
            start = first_day + timedelta(days=day + rng.random())
            for step in range(min(rng.randint(1, 6), wanted - len(events))):
                route = rng.choices(ROUTES, ROUTE_WEIGHTS)[0]
                decision = "answer"
                if route == "text":
                    decision = rng.choices(DECISIONS, DECISION_WEIGHTS)[0]
                section = rng.choices(SECTIONS, SECTION_SHARES)[0] if decision == "answer" else None
                question = rng.choice(QUESTIONS) if decision != "answer" else None
                at = start + timedelta(minutes=step)
                score = round(rng.uniform(40, 100), 1)
                events.append(
                    StatsEvent(key, route, section, decision, score, lang, "private", question, at)  # type: ignore[arg-type]
                )
        events.sort(key=lambda event: event.at or now)
        made += len(events)
        yield from events


def database_size(path: Path) -> int:
    """Bytes of the database and its WAL (the secret file is not counted)."""
    files = (path, path.with_name(path.name + "-wal"))
    return sum(file.stat().st_size for file in files if file.exists())


async def timed(call: Callable[[], Awaitable[Any]], repeat: int) -> tuple[float, float]:
    """Median and worst wall time of `repeat` calls, in milliseconds."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        await call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), max(times)


async def run(total: int, folder: Path) -> str:
    path = folder / "bot.sqlite3"
    now = datetime.now(UTC)
    store = StatsStore(path, "bench-secret", flush_interval=60)
    await store.open()
    events = traffic(store, total, now)
    busy = 0.0
    done = 0
    while done < total:
        chunk = [event for _, event in zip(range(CHUNK), events, strict=False)]
        began = time.perf_counter()
        for event in chunk:
            store.record(event)
        await store.flush()
        busy += time.perf_counter() - began
        done += len(chunk)
    began = time.perf_counter()
    await store.close()
    busy += time.perf_counter() - began
    rate = total / busy
    size = database_size(path)
    mb_per_million = size / 1e6 / total * 1_000_000
    print(f"ingest: {total:,} events in {busy:.2f} s = {rate:,.0f} events/s")
    print(f"dropped: {store.dropped}")
    print(f"database: {size / 1e6:.1f} MB = {mb_per_million:.1f} MB per million events")

    began = time.perf_counter()
    store = StatsStore(path, "bench-secret", flush_interval=60)
    await store.open()
    opened = (time.perf_counter() - began) * 1000
    print(f"open (quick_check, migrations, retention): {opened:.0f} ms")
    worst = 0.0
    try:
        for days in (None, 365, 30, 7):
            median, slowest = await timed(lambda days=days: store.report(days), 7)
            report = await store.report(days)
            worst = max(worst, median)
            print(
                f"report({days}): median {median:.1f} ms, max {slowest:.1f} ms "
                f"({report.total:,} asks, {report.unique_users:,} users)"
            )
        median, _ = await timed(lambda: store.unanswered(30), 5)
        print(f"unanswered(30): median {median:.1f} ms")
        median, _ = await timed(store.daily_counts_csv, 3)
        print(f"daily_counts_csv(): median {median:.1f} ms")
        for who, user_id in (
            ("the most active", FIRST_USER_ID),
            ("a typical", FIRST_USER_ID + 30_000),
        ):
            key = store.user_key(user_id)
            median, _ = await timed(lambda key=key: store.forget(key), 1)
            print(f"forget({who} user): {median:.1f} ms")
    finally:
        await store.close()

    verdict = "ok" if rate >= TARGET_INGEST and worst < TARGET_REPORT_MS else "BELOW TARGET"
    print(f"targets: ingest >= {TARGET_INGEST:,}/s, report < {TARGET_REPORT_MS:.0f} ms: {verdict}")
    return (
        f"bench_stats: ingest {rate:,.0f} events/s, report {worst:.0f} ms, "
        f"{mb_per_million:.0f} MB per million events"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events to ingest")
    parser.add_argument("--keep", metavar="DIR", help="build the database in DIR and keep it")
    args = parser.parse_args()
    if args.keep:
        folder = Path(args.keep)
        folder.mkdir(parents=True, exist_ok=True)
        print(asyncio.run(run(args.events, folder)))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench_stats-") as tmp:
        print(asyncio.run(run(args.events, Path(tmp))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
