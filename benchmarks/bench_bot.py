"""Benchmark the whole bot: updates per second and per-update latency, against a bare PTB bot.

    .venv/bin/python benchmarks/bench_bot.py                    # 20,000 updates
    .venv/bin/python benchmarks/bench_bot.py --updates 5000     # quicker
    .venv/bin/python benchmarks/bench_bot.py --profile          # where our time goes (cProfile)
    .venv/bin/python benchmarks/bench_bot.py --saved-choices 50000  # > memory holds

Both bots run `Application.process_update` on the same updates, one at a time, with a request
object that answers every Bot API call in memory (`LocalBotApi`: no socket, no network), so the
figures are the cost of our code plus PTB's, not of Telegram:

* ours: `bot.tg.app.build_application` with the real content, matching, and a real StatsStore on
  a temporary SQLite file (recording on, background writer running);
* bare: an Application with one MessageHandler that echoes text, the same request object.

The load is mixed like real traffic from 5,000 distinct users: 80% free text (drawn from
more than 5,000 distinct questions generated from 60 varied ones in six languages: typos,
greetings, off-topic, distress, fillers and lengths, so the result cache does not decide the
figure; its hit rate is printed), 15% button presses (`s:`, `k:`, `o:` views, the topic menu, a
language choice), 5% commands. Our bot matches with words and the embedding model, as in
production; free text is matched in the service's worker thread. After the run the
store is closed (which writes what is queued) and the events in the database are counted
against the events the handlers recorded.

One production setting is left out on purpose: `AIORateLimiter` holds sends to Telegram's 30
messages a second, which would make any bot measure 30 updates/s. Our bot keeps the limiter's
retry wrapper (rate limits set to 0); `--with-rate-limiter` shows the real cap.

Before the run, `--saved-choices` users (default 1,000 of the 5,000) have a language choice in
the database, as after weeks in service. Up to 20,000 saved choices the store holds them all in
memory; beyond that, users whose choice is not held cost a database read (`--saved-choices
50000` measures that case).

Targets: buttons and commands >= 0.50 of bare PTB's updates/s (the ratio line, last); every
recorded event stored (N = M). Free text on its own (`bench_chat`, last but one): unique
questions per second one after another (>= 150), p99 latency with 30 unique questions a second
offered (< 100 ms), and the longest the event loop was held up meanwhile (< 20 ms). The line
before it adds the rate when 300 new questions arrive at once: the service matches two at a
time (bot.service.MATCHING_THREADS), which one-after-another questions never use.

What bounds the free-text figures: the embedding model costs about 1 ms of CPU per token
(18 tokens for the average question here, 15-20 ms; batching questions into one model call
saves at most a tenth on this CPU), so 150 questions a second would need about 3 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import itertools
import json
import os
import pstats
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import Application, ContextTypes, MessageHandler, filters  # noqa: E402
from telegram.request import BaseRequest, RequestData  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.content.loader import load_library  # noqa: E402
from bot.matching import Semantic  # noqa: E402
from bot.service import Service, build_matcher  # noqa: E402
from bot.storage.records import StatsEvent  # noqa: E402
from bot.storage.store import StatsStore  # noqa: E402
from bot.tg.fair import FairRateLimiter  # noqa: E402

TOKEN = "123456789:AAHbenchTOKENforLOCALuseONLY_0123456789"
BOT_USER: dict[str, Any] = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Outreach Bot",
    "username": "bench_outreach_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}
USERS = 5_000
FIRST_USER_ID = 10_000_000
DEFAULT_UPDATES = 3_000
CHAT_QUESTIONS = 300  # unique questions for bench_chat's throughput and offered-load runs
CHAT_RATE = 30.0  # questions per second offered (Telegram's global send cap)
STALL_TICK = 0.002  # how often the stall probe wakes up, in seconds
DEFAULT_SAVED_CHOICES = 1_000
WARM_UP = 300  # updates run through each bot before timing (first look-ups, first queries)
TARGET_RATIO = 0.50
# The shipped sections, for button presses ("s:<id>", "k:<id>", "o:<id>").
SECTIONS = tuple(section.id for section in load_library(ROOT / "content", ROOT / "seeds").sections)
# Share of each kind of update (the rest of the 15% button presses and 5% commands below).
TEXT_SHARE, BUTTON_SHARE = 0.80, 0.15

# Questions people might type. Written for this benchmark, not taken from the evaluation sets.
QUESTIONS: tuple[str, ...] = (
    "what was the bangkok meeting about",
    "who organised the meeting in bangkok in 2017?",
    "my employer took my passport, is that allowed",
    "how can i send money home without big fees",
    "why do people leave their country to work abroad",
    "what did they say about human trafficking",
    "is there help for victims of trafficking",
    "can i change my job if my boss treats me badly",
    "what are regular pathways for migration",
    "how do countries work together on migration",
    "what role do NGOs and unions play",
    "remittance costs are too high",
    "climate change and disasters making people move",
    "what about women migrant workers",
    "do migrant children have rights",
    "recruitment agency fees, are they legal?",
    "what is the global compact for migration",
    "when will the compact be adopted",
    "how can I get a work visa",
    "skills recognition for migrants who return home",
    "what happens if I overstay my visa",
    "are children put in detention",
    "access to health care for migrant workers",
    "can undocumented workers get justice",
    "labour rights of domestic workers",
    "data on migration in asia pacific",
    "how to report abuse by my employer",
    "wage theft what can i do",
    "is it safe to go to malaysia for work",
    "pre-departure orientation training",
    "hi",
    "thanks!",
    "what's the weather in bangkok",
    "tell me a joke",
    "remitances fess",
    "humanrights",
    "traffiking of girls",
    "👋 hello bot",
    "I'm scared, my boss hits me and I can't leave",
    "they took my phone and locked me in the house",
    "как отправить деньги домой",
    "права трудовых мигрантов",
    "что такое торговля людьми",
    "bagaimana cara mengirim uang ke keluarga",
    "hak pekerja migran",
    "agen meminta biaya yang besar sekali",
    "paano magpadala ng pera sa pamilya",
    "karapatan ng mga manggagawang migrante",
    "kinuha ng amo ko ang pasaporte ko",
    "বিদেশে কাজের ভিসা কিভাবে পাব",
    "মানব পাচার কি",
    "विदेशमा काम गर्न के गर्नुपर्छ",
    "मानव बेचबिखन",
    "Hello, I have worked in a garment factory for three years. My contract said 8 hours but "
    "we work 12 hours and the overtime is not paid. The agent in my village took a big fee and "
    "I still owe money. Is there anything in this meeting about agents and fair recruitment, "
    "and who can I talk to about my salary?",
    "what did civil society groups ask for",
    "role of the private sector in migration",
    "can I keep my pension if I move to another country",
    "return and reintegration support",
    "xenophobia and discrimination against migrants",
    "how do I contact my embassy",
    "family reunification",
    "international students and migration",
)
COMMANDS: tuple[str, ...] = (
    "/start",
    "/start",
    "/topics",
    "/help",
    "/about",
    "/privacy",
    "/language",
    "/start trafficking",
    "/start human-rights",
    "/nonsense",
)
# Users' Telegram languages: mostly English, the bot's other languages, some it does not speak.
LANGUAGE_CODES = ("en", "en", "en", "ru", "id", "tl", "bn", "ne", "de", None)


FILLERS = ("", "", "hi, ", "pls ", "ok so ", "hello po ", "bhai ", "kak, ", "em hỏi ", "sorry, ")
ENDINGS = ("", "", "?", "??", " please", " thanks", " 🙏", " asap", " po", " ya", " 😢", " help")


def _typo(text: str, rng: random.Random) -> str:
    """One letter dropped, doubled or swapped in one word of 5+ letters (if there is one)."""
    words = text.split()
    long = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()]
    if not long:
        return text
    i = rng.choice(long)
    word, at = words[i], rng.randrange(1, len(words[i]) - 1)
    words[i] = rng.choice(
        (
            word[:at] + word[at + 1 :],
            word[:at] + word[at] + word[at:],
            word[:at] + word[at + 1] + word[at] + word[at + 2 :],
        )
    )
    return " ".join(words)


def generated_questions(count: int, seed: int = 5) -> list[str]:
    """`count` distinct questions made from QUESTIONS: fillers, endings, typos, two joined."""
    rng = random.Random(seed)
    found: dict[str, None] = {}
    while len(found) < count:
        base = rng.choice(QUESTIONS)
        if rng.random() < 0.15:
            base = f"{base}. {rng.choice(QUESTIONS)}"
        if rng.random() < 0.5:
            base = _typo(base, rng)
        found[f"{rng.choice(FILLERS)}{base}{rng.choice(ENDINGS)}".strip()] = None
    return list(found)


# --- the load ---------------------------------------------------------------------------------


def _user(user_id: int, language_code: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "User"}
    if language_code is not None:
        user["language_code"] = language_code
    return user


def _button_payload(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.08:
        return "t"
    if roll < 0.11:
        return f"l:{rng.choice(('en', 'ru', 'id', 'tl', 'bn', 'ne'))}"
    return f"{rng.choice('ssskko')}:{rng.choice(SECTIONS)}"


POOL = generated_questions(6_000)


def make_updates(
    count: int,
    seed: int = 8,
    first_id: int = 1,
    *,
    texts: list[str] | None = None,
    text_share: float = TEXT_SHARE,
) -> list[dict[str, Any]]:
    """`count` raw updates (Bot API JSON) in the benchmark's mix, the same for the same seed.
    Free text is drawn from `texts` (default: the generated pool), or taken in order from it
    when `text_share` is 1."""
    rng = random.Random(seed)
    pool = texts or POOL
    ordered = iter(pool) if text_share >= 1.0 else None
    languages = [rng.choice(LANGUAGE_CODES) for _ in range(USERS)]
    now = int(time.time())
    updates = []
    message_ids = itertools.count(1)
    for update_id in range(first_id, first_id + count):
        index = rng.randrange(USERS)
        user = _user(FIRST_USER_ID + index, languages[index])
        chat = {"id": user["id"], "type": "private", "first_name": "User"}
        roll = rng.random() * text_share if ordered is not None else rng.random()
        if text_share <= roll < text_share + BUTTON_SHARE:
            updates.append(
                {
                    "update_id": update_id,
                    "callback_query": {
                        "id": f"cq-{update_id}",
                        "from": user,
                        "chat_instance": f"ci-{user['id']}",
                        "data": _button_payload(rng),
                        "message": {
                            "message_id": next(message_ids),
                            "date": now,
                            "chat": chat,
                            "from": BOT_USER,
                            "text": "An earlier menu.",
                        },
                    },
                }
            )
            continue
        if roll < text_share:
            text = next(ordered) if ordered is not None else rng.choice(pool)
        else:
            text = rng.choice(COMMANDS)
        message: dict[str, Any] = {
            "message_id": next(message_ids),
            "date": now,
            "chat": chat,
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        updates.append({"update_id": update_id, "message": message})
    return updates


# --- Telegram, answered in memory ---------------------------------------------------------------


class LocalBotApi(BaseRequest):
    """A request object that answers Bot API calls itself, as Telegram would, without a socket.

    Sent messages come back as Telegram returns them (text, keyboard, chat), so PTB parses the
    same answers it would parse in production. `calls` counts calls by method.
    """

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._message_ids = itertools.count(1_000_000)

    @property
    def read_timeout(self) -> float | None:
        """No network, so no timeout."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Answer the call the way the Bot API would."""
        endpoint = url.rsplit("/", 1)[-1]
        self.calls[endpoint] += 1
        params = request_data.parameters if request_data is not None else {}
        result: Any = True
        if endpoint == "getMe":
            result = BOT_USER
        elif endpoint == "getUpdates":
            result = []
        elif endpoint in ("sendMessage", "editMessageText", "sendPhoto", "sendDocument"):
            result = self._message(params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": int(params.get("message_id") or next(self._message_ids)),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": BOT_USER,
        }
        if "text" in params:
            message["text"] = params["text"]
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message


def localize(
    application: Application[Any, Any, Any, Any, Any, Any], rate_limit: bool
) -> LocalBotApi:
    """Point an Application's bot at a LocalBotApi; without `rate_limit`, lift the 30 msg/s cap.

    Private attributes, because `build_application` builds its own request objects: this is the
    one place the benchmark reaches inside the bot it measures.
    """
    local = LocalBotApi()
    application.bot._request = (local, local)  # type: ignore[attr-defined]
    if not rate_limit and application.bot.rate_limiter is not None:
        # The same retry wrapper the bot runs with, without the overall and per-group limits.
        limiter = FairRateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)
        application.bot._rate_limiter = limiter  # type: ignore[attr-defined]
    return local


class CountingStore(StatsStore):
    """A StatsStore that counts the events handed to it (M in 'events stored N/M')."""

    recorded = 0

    def record(self, event: StatsEvent) -> None:
        """Count, then record as usual."""
        self.recorded += 1
        super().record(event)


def count_events(path: Path) -> int:
    """Events in the database, read with a separate connection."""
    with closing(sqlite3.connect(path)) as db:
        return int(db.execute("SELECT COUNT(*) FROM events").fetchone()[0])


# --- the two bots ------------------------------------------------------------------------------


def settings_for(folder: Path) -> Settings:
    """Settings for our bot: real content, a database in `folder`, no network."""
    return Settings(
        bot_token=TOKEN,
        admin_ids=frozenset({1}),
        content_dir=ROOT / "content",
        seeds_dir=ROOT / "seeds",
        database_path=folder / "bench.sqlite3",
        stats_secret="bench-secret",
        bot_api_base_url="http://127.0.0.1:9/bot",  # never called: LocalBotApi answers
        bot_api_base_file_url="http://127.0.0.1:9/file/bot",
    )


async def save_choices(settings: Settings, count: int) -> None:
    """Give `count` of the benchmark's users (and more, past USERS) a saved language choice."""
    if count <= 0:
        return
    languages = ("ru", "id", "tl", "bn", "ne", "en")
    async with StatsStore(settings.database_path, settings.stats_secret) as store:  # the schema
        rows = [
            (store.user_key(FIRST_USER_ID + i), languages[i % len(languages)], int(time.time()))
            for i in range(count)
        ]
    with closing(sqlite3.connect(settings.database_path)) as db, db:
        db.executemany("INSERT INTO languages (user_key, lang, updated_at) VALUES (?, ?, ?)", rows)


async def start_ours(
    folder: Path, *, rate_limit: bool = False, saved_choices: int = 0
) -> tuple[Any, CountingStore, LocalBotApi]:
    """Our Application, initialized as `serve` does (post_init opens the store)."""
    from bot.tg.app import build_application

    settings = settings_for(folder)
    await save_choices(settings, saved_choices)
    library = load_library(settings.content_dir, settings.seeds_dir)
    # As in production: words and meaning, the embedding cache warm after the first run.
    matcher = build_matcher(library, Semantic.load(ROOT / "data" / "embeddings.npz"))
    store = CountingStore(settings.database_path, settings.stats_secret)
    application = build_application(settings, Service(library, matcher), store)
    local = localize(application, rate_limit)
    gc.freeze()  # as `python -m bot run` does once the Application is built
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    return application, store, local


async def stop_ours(application: Any) -> None:
    """Shut down as `serve` does; post_shutdown writes the queued statistics."""
    await application.shutdown()
    assert application.post_shutdown is not None
    await application.post_shutdown(application)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo the text back."""
    if update.message is not None and update.message.text is not None:
        await update.message.reply_text(update.message.text)


async def start_bare() -> tuple[Any, LocalBotApi]:
    """The bare PTB bot: one MessageHandler that echoes text."""
    local = LocalBotApi()
    application = (
        Application.builder().token(TOKEN).request(local).get_updates_request(local).build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    await application.initialize()
    return application, local


async def drive(application: Any, raw: list[dict[str, Any]]) -> tuple[float, list[float]]:
    """Process the updates one at a time; return the total seconds and each one's latency."""
    updates = [Update.de_json(data, application.bot) for data in raw]
    latencies = []
    clock = time.perf_counter
    started = clock()
    for update in updates:
        before = clock()
        await application.process_update(update)
        latencies.append(clock() - before)
    return clock() - started, latencies


async def offer(
    application: Any, raw: list[dict[str, Any]], rate: float
) -> tuple[list[float], float]:
    """Send the updates at `rate` a second without waiting for answers (as Telegram delivers
    them); return each one's latency from its due time, and the event loop's longest stall."""
    updates = [Update.de_json(data, application.bot) for data in raw]
    clock = time.perf_counter
    latencies: list[float] = []
    stall = 0.0
    done = asyncio.Event()

    async def probe() -> None:
        nonlocal stall
        while not done.is_set():
            before = clock()
            await asyncio.sleep(STALL_TICK)
            stall = max(stall, clock() - before - STALL_TICK)

    async def one(update: Update, due: float) -> None:
        await application.process_update(update)
        latencies.append(clock() - due)

    prober = asyncio.create_task(probe())
    start = clock()
    tasks = []
    for number, update in enumerate(updates):
        due = start + number / rate
        await asyncio.sleep(max(0.0, due - clock()))
        tasks.append(asyncio.create_task(one(update, due)))
    await asyncio.gather(*tasks)
    done.set()
    await prober
    return latencies, stall


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile (0-1) of `values`, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def describe(name: str, total: float, latencies: list[float]) -> float:
    """Print one bot's figures; return its updates per second."""
    rate = len(latencies) / total
    print(
        f"  {name:<22} {rate:>8,.0f} upd/s   p50 {percentile(latencies, 0.5) * 1000:6.3f} ms   "
        f"p99 {percentile(latencies, 0.99) * 1000:6.3f} ms   max {max(latencies) * 1000:7.2f} ms   "
        f"mean {statistics.fmean(latencies) * 1000:6.3f} ms"
    )
    return rate


async def main_async(args: argparse.Namespace) -> int:
    warm = make_updates(WARM_UP, seed=1, first_id=1)
    load = make_updates(args.updates, seed=8, first_id=WARM_UP + 1)
    kinds = Counter(next(k for k in raw if k != "update_id") for raw in load)
    commands = sum(1 for raw in load if raw.get("message", {}).get("text", "").startswith("/"))
    print(
        f"bench_bot: {len(load):,} updates from {USERS:,} users: "
        f"{kinds['message'] - commands:,} texts, {kinds['callback_query']:,} buttons, "
        f"{commands:,} commands (+{WARM_UP} warm-up each); "
        f"{args.saved_choices:,} saved language choices"
    )
    with tempfile.TemporaryDirectory(prefix="bench-bot-") as tmp:
        bare, bare_api = await start_bare()
        await drive(bare, warm)
        bare_total, bare_latencies = await drive(bare, load)
        await bare.shutdown()

        ours, store, our_api = await start_ours(
            Path(tmp), rate_limit=args.with_rate_limiter, saved_choices=args.saved_choices
        )
        await drive(ours, warm)
        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        our_total, our_latencies = await drive(ours, load)
        if profiler is not None:
            profiler.disable()
        # bench_chat: questions none of the runs above asked.
        fresh = [q for q in generated_questions(len(POOL) + 3 * CHAT_QUESTIONS) if q not in POOL]
        serial = make_updates(CHAT_QUESTIONS, 11, 900_000, texts=fresh, text_share=1.0)
        chat_total, _ = await drive(ours, serial)
        offered = make_updates(
            CHAT_QUESTIONS, 12, 950_000, texts=fresh[CHAT_QUESTIONS:], text_share=1.0
        )
        chat_latencies, stall = await offer(ours, offered, CHAT_RATE)
        # The same number of new questions arriving all at once (a broadcast answered by many):
        # how many the bot gets through per second when it is never waiting for the next one.
        burst = make_updates(
            CHAT_QUESTIONS, 13, 980_000, texts=fresh[2 * CHAT_QUESTIONS :], text_share=1.0
        )
        burst_latencies, burst_stall = await offer(ours, burst, float("inf"))
        await stop_ours(ours)
        stored = count_events(store.path)

    print("  (one update at a time through Application.process_update, Bot API answered locally)")
    bare_rate = describe("bare", bare_total, bare_latencies)
    describe("ours", our_total, our_latencies)
    texts = [raw["message"]["text"] for raw in load if "message" in raw]
    free = [t for t in texts if not t.startswith("/")]
    seen: set[str] = set()
    hits = 0
    for text in free:
        hits += text in seen
        seen.add(text)
    print(
        f"  free text: {len(free):,} messages, {len(seen):,} distinct (pool of {len(POOL):,}); "
        f"result-cache hit rate at most {hits / max(1, len(free)):.0%}"
    )
    # Buttons and commands, timed within the same mixed run.
    quick = [
        latency
        for raw, latency in zip(load, our_latencies, strict=True)
        if "callback_query" in raw or raw["message"]["text"].startswith("/")
    ]
    our_rate = describe("ours, buttons+commands", sum(quick), quick)
    calls = our_api.calls
    answered = calls["sendMessage"] + calls["editMessageText"]
    print(
        f"  ours sent {calls['sendMessage']:,} messages, {calls['editMessageText']:,} edits, "
        f"{calls['answerCallbackQuery']:,} callback answers for "
        f"{len(load) + WARM_UP:,} updates; bare sent {bare_api.calls['sendMessage']:,} messages"
    )
    if answered < len(load) + WARM_UP:
        print("  WARNING: some updates got no answer")
    print(f"  store: {store.recorded:,} events recorded, {store.dropped} dropped, {stored:,} in db")
    if profiler is not None:
        print("\n  cProfile of our run, top 25 by cumulative time:")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
    ratio = our_rate / bare_rate
    verdict = "ok" if ratio >= TARGET_RATIO and stored == store.recorded else "BELOW TARGET"
    print(f"  target: ratio >= {TARGET_RATIO:.2f} and N = M: {verdict}")
    chat_rate = CHAT_QUESTIONS / chat_total
    print(
        f"  free text: {CHAT_QUESTIONS} new questions one after another {chat_rate:,.1f}/s; "
        f"{CHAT_QUESTIONS} arriving at once {CHAT_QUESTIONS / max(burst_latencies):,.1f}/s "
        f"(p50 {percentile(burst_latencies, 0.5) * 1000:.0f} ms, event loop max stall "
        f"{burst_stall * 1000:.0f} ms)"
    )
    print(
        f"bench_chat: {chat_rate:,.0f} unique free-text questions/s, p99 "
        f"{percentile(chat_latencies, 0.99) * 1000:.0f} ms at {CHAT_RATE:.0f}/s offered, "
        f"event loop max stall {stall * 1000:.0f} ms"
    )
    print(
        f"bench_bot: ratio {ratio:.2f} of bare PTB (buttons and commands, {our_rate:,.0f} upd/s "
        f"vs {bare_rate:,.0f} upd/s), p99 {percentile(quick, 0.99) * 1000:.2f} ms, "
        f"events stored {stored}/{store.recorded}"
    )
    return 0


def main() -> int:
    """Run the benchmark (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=DEFAULT_UPDATES)
    parser.add_argument("--profile", action="store_true", help="cProfile our bot's run")
    parser.add_argument(
        "--saved-choices",
        type=int,
        default=DEFAULT_SAVED_CHOICES,
        help="users with a language choice in the database before the run",
    )
    parser.add_argument(
        "--with-rate-limiter",
        action="store_true",
        help="keep AIORateLimiter's 30 messages/s (use with --updates 300)",
    )
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
