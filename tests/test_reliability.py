"""The bot under faults: a broken database, a misbehaving Telegram, a killed process, intruders.

Everything runs the real PTB Application (or the real `python -m bot run` process) against the
fake Bot API server of tests/fake_bot_api.py on 127.0.0.1, with the real content and a real
SQLite file in tmp_path, through the fixtures of tests/conftest.py.

* Database faults (read-only, locked by another process, disk full, corrupt at start-up): users
  keep getting answers, the fault is logged once (not once per message), and what was queued
  meanwhile is written once the database is back; a corrupt file is moved aside and named in
  the log.
* Telegram faults (429, 5xx, timeouts, answers that are not JSON, dropped connections): polling
  goes on, every user is answered once Telegram recovers, and no update is answered twice.
* Crashes: `kill -9` mid-load leaves a database that passes `PRAGMA integrity_check` and holds
  every event recorded more than one flush interval before the kill; SIGTERM loses nothing.
* Authorisation: admin commands and content uploads from anyone but an admin, in a private
  chat, get exactly what any unknown command or file gets; nothing is read or sent.

The database is broken the way tests/test_stats.py breaks it: as root, chmod cannot make a file
read-only, so the store's own connection is switched to `query_only`; a full disk is
`max_page_count` on that connection; a lock is a second connection holding `BEGIN EXCLUSIVE`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import sqlite3
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

import pytest

import bot.storage.connection
from bot.config import Settings
from bot.storage.keys import keyed
from bot.storage.store import StatsStore
from bot.tg.app import ADMIN_COMMAND_CALLBACKS
from tests.conftest import ROOT
from tests.fake_bot_api import BOT_USERNAME, FakeBotApi, Fault
from tests.html_check import assert_valid_telegram_html
from tests.support.bot import CLIENT_TIMEOUT, TOO_SLOW, RunningBot, StartBot

# Questions the real content answers (each reply is one message, so one sendMessage per update).
QUESTIONS = ("remittance fees", "human trafficking", "can my employer keep my passport?")
# Admin commands that exist, and those an admin front end may add: all must look unknown.
ADMIN_COMMANDS = sorted({*ADMIN_COMMAND_CALLBACKS, "reload", "content", "rollback"})
ADMIN_USERNAME = "outreach_admin"
STRANGER, IMPOSTOR, BYSTANDER = 2002, 2003, 2004
FIRST_USER = 30_000  # users of load tests are FIRST_USER, FIRST_USER + 1, ...
# How long the bot must stay quiet before `settle` believes every update was handled.
QUIET = 0.2


# --- helpers ---------------------------------------------------------------------------------


def answers(fake: FakeBotApi, since: int = 0) -> Counter[int]:
    """How many messages each chat was sent (answered calls only), from call `since` on."""
    return Counter(call.chat_id for call in fake.calls_of("sendMessage", since=since))


async def ask_each(
    fake: FakeBotApi,
    users: Iterable[int],
    timeout: float = 10.0,  # noqa: ASYNC109 - as fake.wait_for_call
    **message: Any,
) -> Counter[int]:
    """Each user asks a question; wait until every one of them was answered."""
    users = list(users)
    since = fake.mark()
    for number, user in enumerate(users):
        await fake.push_message(QUESTIONS[number % len(QUESTIONS)], user_id=user, **message)
    await fake.wait_until(lambda: set(users) <= set(answers(fake, since)), timeout)
    return answers(fake, since)


async def settle(fake: FakeBotApi) -> None:
    """Wait until every update pushed so far was handled: a later message is answered, and then
    the bot stays quiet for a moment (chats are handled side by side, so one chat's answer
    alone says nothing about another's duplicates)."""
    since = fake.mark()
    await fake.push_message("/help", user_id=BYSTANDER)
    await fake.wait_until(lambda: answers(fake, since)[BYSTANDER] >= 1, 10)
    sent = -1
    for _ in range(int(10 / QUIET)):
        if sent == (sent := sum(call.method != "getUpdates" for call in fake.calls)):
            return
        await asyncio.sleep(QUIET)


def stored_events(path: Path) -> list[tuple[str, str, str | None]]:
    """(user_key, route, section_id) of every event row, read with a separate connection."""
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT user_key, route, section_id FROM events").fetchall()


def integrity(path: Path) -> str:
    """SQLite's own verdict on the file ('ok' when sound)."""
    with closing(sqlite3.connect(path)) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Every ERROR (or worse) logged."""
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


@asynccontextmanager
async def store_connection(store: StatsStore) -> AsyncIterator[Any]:
    """The store's own connection, with its lock held, to break it on purpose."""
    async with store.database.lock:
        assert store.database.connection is not None
        yield store.database.connection


# --- database faults -------------------------------------------------------------------------


async def test_a_read_only_database_is_logged_once_and_users_still_answered(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    await ask_each(bot.fake, [FIRST_USER])
    async with store_connection(bot.store) as db:
        await db.execute("PRAGMA query_only = ON")
    users = range(FIRST_USER + 1, FIRST_USER + 13)
    assert set(await ask_each(bot.fake, users)) == set(users)
    await bot.fake.wait_until(lambda: bool(errors(caplog)), 5)  # the writer tried and failed
    await ask_each(bot.fake, [FIRST_USER + 20])
    [error] = errors(caplog)
    assert error.name == "bot.stats"
    assert "readonly" in error.getMessage() or "read-only" in error.getMessage()

    async with store_connection(bot.store) as db:
        await db.execute("PRAGMA query_only = OFF")
    await bot.store.flush()
    assert len(stored_events(bot.settings.database_path)) == 14  # nothing lost meanwhile


async def test_a_full_disk_is_logged_once_and_users_still_answered(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    await ask_each(bot.fake, [FIRST_USER])
    async with store_connection(bot.store) as db:
        async with db.execute("PRAGMA page_count") as cursor:
            (pages,) = await cursor.fetchone()
        await db.execute(f"PRAGMA max_page_count = {pages}")  # the file may not grow
    # Unanswerable questions are kept (scrubbed): 40 of them need more than the free space.
    since = bot.fake.mark()
    users = list(range(FIRST_USER + 1, FIRST_USER + 41))
    for user in users:
        question = f"question {user} about the weather and football " + "lorem ipsum " * 12
        await bot.fake.push_message(question, user_id=user)
    await bot.fake.wait_until(lambda: set(users) <= set(answers(bot.fake, since)), 15)
    await bot.store.flush()
    [error] = errors(caplog)
    assert error.name == "bot.stats"
    assert "full" in error.getMessage()
    assert bot.store.pending > 0

    async with store_connection(bot.store) as db:
        await db.execute("PRAGMA max_page_count = 1073741823")
    await bot.store.flush()
    assert bot.store.pending == 0
    assert len(stored_events(bot.settings.database_path)) == 41


async def test_a_database_locked_by_another_process_is_logged_once_and_users_still_answered(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    await ask_each(bot.fake, [FIRST_USER])
    # The bot may be writing that first event just now: wait for it rather than fail (5 s, the
    # default, was too short once on a loaded machine).
    with closing(
        sqlite3.connect(bot.settings.database_path, isolation_level=None, timeout=60)
    ) as other:
        other.execute("BEGIN EXCLUSIVE")
        users = range(FIRST_USER + 1, FIRST_USER + 11)
        assert set(await ask_each(bot.fake, users, timeout=20)) == set(users)
        await bot.fake.wait_until(lambda: bool(errors(caplog)), 5)
        await ask_each(bot.fake, [FIRST_USER + 20])
        other.execute("ROLLBACK")
    [error] = errors(caplog)
    assert error.name == "bot.stats"
    assert "locked" in error.getMessage()
    await bot.store.flush()
    assert len(stored_events(bot.settings.database_path)) == 12


async def test_a_database_locked_at_start_up_does_not_stop_the_bot(
    start_bot: StartBot,
    bot_settings: Settings,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bot.storage.connection, "RECONNECT_INTERVAL", 0.1)
    async with StatsStore(bot_settings.database_path, "test-secret"):
        pass  # an existing database, as after a restart
    with closing(sqlite3.connect(bot_settings.database_path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        async with start_bot() as running:
            users = range(FIRST_USER, FIRST_USER + 5)
            assert set(await ask_each(running.fake, users, timeout=20)) == set(users)
            other.execute("ROLLBACK")
            await running.fake.wait_until(lambda: running.store.pending == 0, 5)
    assert len(stored_events(bot_settings.database_path)) == 5
    assert len([r for r in errors(caplog) if r.name == "bot.stats"]) <= 1
    assert not [r for r in errors(caplog) if r.name != "bot.stats"]


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database, just text " * 300)


def _damaged(path: Path) -> None:
    """A real database with a few pages overwritten, as a bad disk would leave it."""
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE filler (text TEXT)")
        db.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,) for _ in range(200)])
        db.commit()
    data = bytearray(path.read_bytes())
    data[8192:24576] = b"\xa5" * 16384
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_garbage, _damaged], ids=["garbage", "damaged"])
async def test_a_corrupt_database_at_start_up_is_moved_aside_and_a_fresh_one_used(
    start_bot: StartBot,
    bot_settings: Settings,
    caplog: pytest.LogCaptureFixture,
    damage: Any,
) -> None:
    path = bot_settings.database_path
    damage(path)
    original = path.read_bytes()
    async with start_bot() as running:
        users = range(FIRST_USER, FIRST_USER + 3)
        assert set(await ask_each(running.fake, users)) == set(users)
        await running.store.flush()
    [aside] = path.parent.glob(f"{path.name}.corrupt-*")
    # Kept, not deleted. (Only the 100-byte header may differ: the store switches the file to
    # WAL before it checks it, which rewrites the format bytes and the change counter.)
    assert aside.read_bytes()[100:] == original[100:]
    [warning] = [r for r in caplog.records if "was corrupt" in r.getMessage()]
    assert str(aside) in warning.getMessage()  # says where the old one went
    assert integrity(path) == "ok"
    assert len(stored_events(path)) == 3
    assert not errors(caplog)


# --- Telegram faults -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "times"),
    [
        (Fault.too_many_requests(retry_after=1), 2),
        (Fault.server_error(500), 2),
        (Fault.server_error(502), 1),
        (Fault.malformed(), 2),
        (Fault.raw(200, '{"ok": true, "result": [{"update_id": '), 1),
        (Fault.drop(), 2),
        (Fault.delay(TOO_SLOW), 1),  # longer than the client waits for a poll
    ],
    ids=["429", "500", "502", "not-json", "cut-json", "connection-reset", "timeout"],
)
@pytest.mark.short_client_timeouts
async def test_polling_survives_telegram_faults_and_answers_everyone_once(
    bot: RunningBot, fault: Fault, times: int
) -> None:
    fake = bot.fake
    await ask_each(fake, [FIRST_USER])  # polling is under way
    since = fake.mark()
    fake.inject("getUpdates", fault, times)

    def faults_met() -> int:
        return sum(1 for call in fake.calls[since:] if call.fault is not None)

    await fake.wait_until(lambda: faults_met() >= 1, 10)
    # Users write while Telegram misbehaves; they are answered once it recovers.
    users = range(FIRST_USER + 1, FIRST_USER + 7)
    sent = await ask_each(fake, users, timeout=30)
    await settle(fake)
    assert faults_met() == times
    assert set(sent) == set(users)
    repeated = {chat: n for chat, n in answers(fake, since).items() if n > 1}
    assert not repeated, f"answered twice: {repeated}"
    assert fake.pending_updates <= 1  # only the last poll's updates wait to be confirmed


@pytest.mark.parametrize(
    ("fault", "reply"),
    [
        (Fault.too_many_requests(retry_after=1), "answer"),  # waited out, then sent
        (Fault.server_error(500), "apology"),
        (Fault.drop(), "apology"),
    ],
    ids=["429", "500", "connection-reset"],
)
async def test_a_failed_reply_gets_one_message_and_the_bot_goes_on(
    bot: RunningBot, fault: Fault, reply: str
) -> None:
    fake = bot.fake
    since = fake.mark()
    fake.inject("sendMessage", fault)
    await ask_each(fake, [FIRST_USER], timeout=15)
    users = range(FIRST_USER + 1, FIRST_USER + 4)
    await ask_each(fake, users)
    await settle(fake)
    assert answers(fake, since)[FIRST_USER] == 1
    [call] = [c for c in fake.calls_of("sendMessage", since=since) if c.chat_id == FIRST_USER]
    expected = bot.service.ask(QUESTIONS[0], "en") if reply == "answer" else bot.service.error("en")
    assert call.params["text"] == expected.text
    assert all(answers(fake, since)[user] == 1 for user in users)


@pytest.mark.short_client_timeouts
async def test_a_reply_that_times_out_is_not_followed_by_an_apology(bot: RunningBot) -> None:
    fake = bot.fake
    since = fake.mark()
    # Telegram answers after the client gave up: the message was delivered all the same.
    fake.inject("sendMessage", Fault.delay(CLIENT_TIMEOUT * 2))
    await fake.push_message(QUESTIONS[0], user_id=FIRST_USER)
    await fake.wait_for_call("sendMessage", since=since)  # the slow one, recorded on arrival
    await asyncio.sleep(CLIENT_TIMEOUT * 2 + 0.5)  # the client times out, the fake delivers
    await settle(fake)
    assert answers(fake, since)[FIRST_USER] == 1


# --- crashes: the real process ---------------------------------------------------------------

# A load the bot can keep up with: the AIORateLimiter of bot/tg/app.py sends 30 messages/s.
SUSTAINABLE = 20.0  # messages per second
GRACE = 5.0  # seconds a platform waits after SIGTERM before it sends SIGKILL (Docker: 10)


def _environment(fake: FakeBotApi, database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK"))}
    env.update(
        BOT_TOKEN=fake.token,
        BOT_API_BASE_URL=fake.base_url,
        BOT_API_BASE_FILE_URL=fake.base_file_url,
        DATABASE_PATH=str(database),
        STATS_SECRET="crash-secret-0123456789abcdef0123456789abcdef",
        LOG_LEVEL="WARNING",
        # About crashes and restarts, not matching: a cold embedding cache would make the first
        # start embed every content text (a minute on a small machine).
        SEMANTIC_MATCHING="off",
    )
    return env


async def _spawn(fake: FakeBotApi, database: Path, log: Path) -> asyncio.subprocess.Process:
    """`python -m bot run` against the fake; returns once it polls."""
    since = fake.mark()
    with log.open("ab") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=ROOT,
            env=_environment(fake, database),
            stderr=stderr,
        )
    await fake.wait_until(
        lambda: (
            any(c.method == "getUpdates" for c in fake.calls[since:])
            or process.returncode is not None
        ),
        30,
    )
    assert process.returncode is None, f"python -m bot run exited at start-up; see {log}"
    return process


async def _stop(process: asyncio.subprocess.Process, grace: float = GRACE) -> float | None:
    """SIGTERM, then SIGKILL after `grace` seconds, as a platform stops a process. Returns
    the seconds it took to exit after SIGTERM, or None if it had to be killed."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        async with asyncio.timeout(grace):
            await process.wait()
    except TimeoutError:
        process.send_signal(signal.SIGKILL)
        await process.wait()
        return None
    return time.monotonic() - started


async def _load(
    fake: FakeBotApi, users: range, per_second: float | None, pushed: dict[int, int]
) -> None:
    """One question from each user, at a steady pace (all at once without `per_second`);
    `pushed` maps each update id to its user."""
    for number, user in enumerate(users):
        update_id = await fake.push_message(QUESTIONS[number % len(QUESTIONS)], user_id=user)
        pushed[update_id] = user
        if per_second is not None:
            await asyncio.sleep(1 / per_second)


def _confirmed(fake: FakeBotApi, pushed: dict[int, int]) -> set[int]:
    """Users whose update the bot confirmed to Telegram (a later getUpdates offset): Telegram
    never sends those again, so a user of them who was not answered never will be."""
    offset = max(int(c.params.get("offset") or 0) for c in fake.calls_of("getUpdates"))
    return {user for update_id, user in pushed.items() if update_id < offset}


def _keys(database: Path, users: Iterable[int]) -> set[str]:
    """The users' keys of today, under the day's salt the bot keeps in the database."""
    with closing(sqlite3.connect(database)) as db:
        [(salt,)] = db.execute("SELECT salt FROM day_salts ORDER BY day DESC LIMIT 1").fetchall()
    return {keyed(salt, user) for user in users}


def _kept(database: Path) -> set[str]:
    return {key for key, _, _ in stored_events(database)}


async def test_kill_9_mid_load_keeps_a_sound_database_with_all_but_the_last_flush(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    database, log = tmp_path / "bot.sqlite3", tmp_path / "stderr.log"
    process = await _spawn(fake_api, database, log)
    pushed: dict[int, int] = {}
    users = range(FIRST_USER, FIRST_USER + 200)
    load = asyncio.create_task(_load(fake_api, users, SUSTAINABLE, pushed))
    try:
        await asyncio.sleep(3.5)
        killed_at = time.monotonic()
        process.send_signal(signal.SIGKILL)
        await process.wait()
    finally:
        load.cancel()
    answered = fake_api.calls_of("sendMessage")
    early = {call.chat_id for call in answered if call.at < killed_at - 1.5}
    assert len(early) >= 20  # the bot was under load for a while
    assert integrity(database) == "ok"
    # At most the last flush interval (1 s) is lost.
    assert _keys(database, early) <= _kept(database)

    # Restarted on the same file, it gets again every update it had not confirmed, answers
    # them, and stops cleanly on SIGTERM with every answer counted.
    unconfirmed = set(pushed.values()) - _confirmed(fake_api, pushed)
    since = fake_api.mark()
    process = await _spawn(fake_api, database, log)
    await fake_api.wait_until(lambda: unconfirmed <= set(answers(fake_api, since)), 15)
    elapsed = await _stop(process)
    assert elapsed is not None
    assert elapsed < GRACE
    assert process.returncode == 0
    assert integrity(database) == "ok"
    assert _keys(database, early | set(answers(fake_api, since))) <= _kept(database)
    assert "Traceback" not in log.read_text()


async def test_sigterm_mid_load_loses_nothing_and_exits_quickly(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    database, log = tmp_path / "bot.sqlite3", tmp_path / "stderr.log"
    process = await _spawn(fake_api, database, log)
    pushed: dict[int, int] = {}
    users = range(FIRST_USER, FIRST_USER + 200)
    load = asyncio.create_task(_load(fake_api, users, SUSTAINABLE, pushed))
    try:
        await fake_api.wait_until(lambda: len(fake_api.calls_of("sendMessage")) >= 40, 15)
        elapsed = await _stop(process)
    finally:
        load.cancel()
    assert elapsed is not None
    assert elapsed < GRACE
    assert process.returncode == 0
    answered = set(answers(fake_api))
    assert _confirmed(fake_api, pushed) <= answered  # the rest comes again after a restart
    assert integrity(database) == "ok"
    # Every answer counted. (This failed once, on a machine busy with a second test run, and
    # was never reproduced: on failure, say how many and show the bot's log.)
    uncounted = _keys(database, answered) - _kept(database)
    missing = f"{len(uncounted)} of {len(answered)} answers not counted"
    assert not uncounted, f"{missing}\n{log.read_text()}"
    assert "Traceback" not in log.read_text()


async def test_a_burst_beyond_the_send_rate_is_not_lost_when_the_platform_stops_the_bot(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    database, log = tmp_path / "bot.sqlite3", tmp_path / "stderr.log"
    process = await _spawn(fake_api, database, log)
    pushed: dict[int, int] = {}
    await _load(fake_api, range(FIRST_USER, FIRST_USER + 400), None, pushed)  # at once
    await fake_api.wait_until(lambda: len(fake_api.calls_of("sendMessage")) >= 30, 15)
    elapsed = await _stop(process)  # a deploy: SIGTERM, then SIGKILL after the grace period
    lost = _confirmed(fake_api, pushed) - set(answers(fake_api))
    assert integrity(database) == "ok"
    assert not lost, f"{len(lost)} users will never be answered; exit took {elapsed} s"
    assert elapsed is not None


# --- authorisation ---------------------------------------------------------------------------


def _admin(running: RunningBot) -> int:
    [admin_id] = running.settings.admin_ids
    return admin_id


async def _only_reply(fake: FakeBotApi, **message: Any) -> Any:
    """Push one message; return the single message the bot sent back (after settling)."""
    since = fake.mark()
    await fake.push_message(**message)
    await fake.wait_until(
        lambda: any(c.chat_id != BYSTANDER for c in fake.calls_of("sendMessage", since=since)), 10
    )
    await settle(fake)
    replies = [c for c in fake.calls_of("sendMessage", since=since) if c.chat_id != BYSTANDER]
    assert len(replies) == 1, [c.params.get("text", "")[:60] for c in replies]
    return replies[0]


def _assert_nothing_revealed(fake: FakeBotApi, since: int) -> None:
    methods = {call.method for call in fake.calls[since:]}
    assert not methods & {"sendPhoto", "sendDocument", "getFile"}, methods
    assert not any("<pre>" in c.params.get("text", "") for c in fake.calls_of("sendMessage"))


# Who tries: (user id, username, chat type, how the command is addressed).
INTRUDERS = {
    "stranger": (STRANGER, None, "private", ""),
    "admin-username-on-another-id": (IMPOSTOR, ADMIN_USERNAME, "private", ""),
    "admin-in-a-group": (None, ADMIN_USERNAME, "group", f"@{BOT_USERNAME}"),
    "stranger-in-a-group": (STRANGER, None, "group", f"@{BOT_USERNAME}"),
}


@pytest.mark.parametrize("who", list(INTRUDERS))
async def test_admin_commands_from_anyone_else_get_the_unknown_command_answer(
    bot: RunningBot, who: str
) -> None:
    fake = bot.fake
    admin = _admin(bot)
    # The admin really is one (so a refusal below is the filter at work, not a broken command),
    # and the bot has seen the admin's username.
    control = await _only_reply(fake, text="/unanswered", user_id=admin, username=ADMIN_USERNAME)
    assert control.params["text"].startswith(("<pre>", "No unanswered"))
    await ask_each(fake, [FIRST_USER])  # something to report, were it revealed
    since = fake.mark()
    user, username, chat_type, suffix = INTRUDERS[who]
    expected = bot.service.unknown_command("en")
    for command in ADMIN_COMMANDS:
        for arguments in ("", " all"):
            call = await _only_reply(
                fake,
                text=f"/{command}{suffix}{arguments}",
                user_id=user or admin,
                username=username,
                chat_type=chat_type,
            )
            assert call.params["text"] == expected.text, command
            assert call.payloads == [b.payload for row in expected.buttons for b in row]
            assert_valid_telegram_html(call.params["text"])
    _assert_nothing_revealed(fake, since)


@pytest.mark.parametrize("who", list(INTRUDERS))
async def test_a_content_upload_from_anyone_else_is_treated_as_any_file(
    bot: RunningBot, who: str
) -> None:
    fake = bot.fake
    user, username, chat_type, mention = INTRUDERS[who]
    user = user or _admin(bot)
    content = (ROOT / "content" / "chair-summary-2017.yaml").read_bytes()
    upload = fake.add_file(content.replace(b"Bangkok", b"Elsewhere"), "chair-summary-2017.yaml")
    caption = f"{mention} /reload".strip()

    def document(file_id: str, name: str, mime: str) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "document": {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "file_name": name,
                "mime_type": mime,
            },
            "caption": caption,
        }
        if mention:
            fields["caption_entities"] = [{"type": "mention", "offset": 0, "length": len(mention)}]
        return fields

    # What anybody gets for a file in this kind of chat ...
    ordinary = await _only_reply(
        fake,
        user_id=BYSTANDER + 1,
        chat_type=chat_type,
        **document("document-1", "notes.pdf", "application/pdf"),
    )
    since = fake.mark()
    # ... is exactly what a would-be content upload gets.
    call = await _only_reply(
        fake,
        user_id=user,
        username=username,
        chat_type=chat_type,
        **document(upload, "chair-summary-2017.yaml", "application/x-yaml"),
    )
    assert call.params["text"] == ordinary.params["text"]
    assert call.payloads == ordinary.payloads
    _assert_nothing_revealed(fake, since)
    assert not fake.calls_of("getFile", failed=True)


# --- memory ----------------------------------------------------------------------------------


async def test_the_bot_keeps_nothing_per_user_in_memory(
    bot_settings: Settings, service: Any
) -> None:
    from telegram import Update

    from bot.tg.app import build_application

    application = build_application(bot_settings, service, StatsStore(bot_settings.database_path))
    await application.initialize()
    try:

        def edited(number: int) -> Update:
            user = {"id": 50_000_000 + number, "is_bot": False, "first_name": "U"}
            message = {"message_id": 1, "date": 0, "edit_date": 1, "text": "hi", "from": user}
            message["chat"] = {"id": user["id"], "type": "private"}
            return Update.de_json({"update_id": number, "edited_message": message}, application.bot)

        for number in range(200):  # warm up: PTB's and our own first allocations
            await application.process_update(edited(number))
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        users = 5_000
        for number in range(200, 200 + users):
            await application.process_update(edited(number))
        gc.collect()
        per_user = (tracemalloc.get_traced_memory()[0] - before) / users
        tracemalloc.stop()
    finally:
        await application.shutdown()
    assert per_user < 20, f"{per_user:.0f} bytes kept per user who wrote"
