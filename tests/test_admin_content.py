"""Admins push new content on Telegram, end to end: upload, /reload, /rollback, /content,
SIGHUP, and announcing new topics to subscribers (bot/tg/admin.py).

The real PTB Application polls the fake Bot API server (tests/fake_bot_api.py), which serves
uploaded files through getFile and its file URL. Every test has its own content folder in
tmp_path (a copy of content/), so uploads never touch the real one.
"""

from __future__ import annotations

import asyncio
import html
import re
import shutil
import signal
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.announce import Pace
from bot.config import Settings
from bot.content.loader import load_library
from bot.content.updates import ContentManager, HistoryVersion
from bot.i18n import t
from bot.service import Service, build_matcher
from bot.storage.store import StatsStore
from bot.tg import admin, desks
from bot.tg.admin import CHECK_NEXT, EXPIRED_OFFER
from tests.fake_bot_api import BOT_USERNAME, Call, FakeBotApi, Fault
from tests.html_check import assert_valid_telegram_html
from tests.support.bot import ADMIN_ID, RunningBot, run_bot
from tests.support.chat import assert_sent, press, say
from tests.support.content import service_for, small_content
from tests.support.process import bot_env, spawn_bot, stop_bot
from tests.test_content import BROKEN_FILES
from tests.test_updates import tree_digest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
BAD = Path(__file__).parent / "data" / "bad"
USER = 1001
OTHER_USER = 2002

# A pack about something the real content does not cover, so "now it matches" is unambiguous.
FERRY = """\
pack:
  id: ferry-safety
  version: "1"
  title:
    en: Ferry safety
  source:
    document: Test extract of the Chair's Summary
    file: chair-summary-asia-pacific-gcm-2017.txt
    date: "2017-11-08"
sections:
  - id: ferry-crossing-safety
    source_lines: [1, 18]
    reviewed: {ru: false}
    title:
      en: Safe ferry crossings
      ru: Безопасная переправа на пароме
    summary:
      en: Ferries can be crowded. Count the life jackets before you board the ferry.
    key_points:
      en:
        - Count the life jackets on the ferry.
        - Do not board an overcrowded ferry.
        - Keep your ferry ticket.
    keywords:
      en: [ferry, ferries, life jacket, ferry ticket, boat crossing]
    questions:
      en:
        - is the ferry safe
        - the ferry is overcrowded
        - does the ferry have life jackets
        - where do i buy a ferry ticket
        - what if the ferry sinks
""".encode()
FERRY_V2 = FERRY.replace(b"Ferries can be crowded.", b"Ferries are often full.")
FERRY_QUESTION = "is this ferry safe, does it have life jackets?"
FERRY_SECTION = "ferry-crossing-safety"
# Questions whose answers must not change when a change is refused.
QUESTIONS = [
    "can my boss keep my passport?",
    "how can i send money home cheaper",
    "what is trafficking",
    FERRY_QUESTION,
]

# Fast enough that 500 subscribers take well under a second against the fake server.
FAST = Pace(
    per_second=5000,
    per_chat_interval=0,
    concurrency=16,
    progress_every=100,
    retries=1,
    retry_delay=0.05,
)


# --- running the bot on a content folder of its own -------------------------------------------


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A copy of content/ the bot may change."""
    folder = tmp_path / "content"
    folder.mkdir()
    for path in (ROOT / "content").glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture
def settings(bot_settings: Settings, content_dir: Path) -> Settings:
    """The test settings (one admin, the fake server), with the content folder in tmp_path."""
    return replace(bot_settings, content_dir=content_dir)


def running(
    settings: Settings, service: Service, fake: FakeBotApi, pace: Pace = FAST
) -> AbstractAsyncContextManager[RunningBot]:
    """As conftest's `start_bot`, with a pace for announcements."""
    return run_bot(settings, service, fake, announce_pace=pace)


@pytest.fixture
async def bot(
    settings: Settings, service: Service, fake_api: FakeBotApi
) -> AsyncIterator[RunningBot]:
    """The bot with the real content, serving from (and writing to) `content_dir`."""
    async with running(settings, service, fake_api) as bot:
        yield bot


# --- helpers ---------------------------------------------------------------------------------


def document(fake: FakeBotApi, data: bytes, name: str, size: int | None = None) -> dict[str, Any]:
    """A document message field for a file the fake serves (`size` may claim another size)."""
    file_id = fake.add_file(data, name)
    return {
        "file_id": file_id,
        "file_unique_id": f"u-{file_id}",
        "file_name": name,
        "mime_type": "application/x-yaml",
        "file_size": len(data) if size is None else size,
    }


async def upload(
    bot: RunningBot, data: bytes, name: str, *, size: int | None = None, **kwargs: Any
) -> Call:
    """Send a file as the admin (by default); return the bot's one answer."""
    kwargs.setdefault("user_id", ADMIN_ID)
    since = bot.fake.mark()
    await bot.fake.push_message(None, document=document(bot.fake, data, name, size), **kwargs)
    [call] = await bot.fake.wait_for_call("sendMessage", since=since)
    return call


def plain(call: Call) -> str:
    """The text of a sent message without its HTML (after checking the HTML is valid)."""
    text: str = call.params["text"]
    assert_valid_telegram_html(text)
    return html.unescape(re.sub(r"<[^>]*>", "", text))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (history included) with its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


async def answers(bot: RunningBot) -> list[str]:
    """What the bot answers to QUESTIONS, asked through Telegram."""
    return [(await say(bot, question)).params["text"] for question in QUESTIONS]


def answered_section(bot: RunningBot, question: str) -> str | None:
    """The section the live content answers `question` with, if any."""
    outcome = bot.service.ask(question, "en").outcome
    return outcome.section_id if outcome else None


def write(path: Path, data: bytes) -> None:
    """Change a file behind the bot's back (as a git deploy would)."""
    path.write_bytes(data)


def announcements(fake: FakeBotApi, since: int = 0) -> list[Call]:
    """Announcement messages the fake delivered (to subscribers, not the admin)."""
    return [
        call
        for call in fake.calls_of("sendMessage", since=since)
        if call.chat_id != ADMIN_ID and call.payloads[:1] == [f"s:{FERRY_SECTION}"]
    ]


def admin_messages(fake: FakeBotApi, prefix: str, since: int = 0) -> list[str]:
    """Texts sent to the admin that start with `prefix`."""
    return [
        html.unescape(call.params["text"])
        for call in fake.calls_of("sendMessage", since=since)
        if call.chat_id == ADMIN_ID and html.unescape(call.params["text"]).startswith(prefix)
    ]


# --- uploads ---------------------------------------------------------------------------------


async def test_a_valid_upload_goes_live_without_a_restart(
    bot: RunningBot, content_dir: Path
) -> None:
    before = await say(bot, FERRY_QUESTION)
    assert "Safe ferry crossings" not in before.params["text"]

    reply = await upload(bot, FERRY, "ferry.yaml")
    assert plain(reply).startswith(f"Live now ferry.yaml.\nAdded: {FERRY_SECTION}")
    assert "Nobody has subscribed yet" in plain(reply)
    assert reply.payloads == []  # no one to announce to
    assert len(bot.fake.calls_of("getFile")) == 1
    assert (content_dir / "ferry.yaml").read_bytes() == FERRY

    after = await say(bot, FERRY_QUESTION)
    assert answered_section(bot, FERRY_QUESTION) == FERRY_SECTION
    assert_sent(after, bot.service.ask(FERRY_QUESTION, "en"))
    assert after.params["text"].startswith("<b>Safe ferry crossings</b>")


async def test_every_broken_file_is_refused_and_nothing_changes(
    bot_settings: Settings, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    assert {path.name for path in BAD.iterdir()} == set(BROKEN_FILES)
    # The ferry pack and safety.yaml, not the real content: each file is checked with the whole
    # library, which takes twenty times as long with the real content.
    content_dir = small_content(tmp_path / "small-content", {"ferry.yaml": FERRY})
    settings = replace(bot_settings, content_dir=content_dir)
    async with running(settings, service_for(content_dir), fake_api) as bot:
        assert answered_section(bot, FERRY_QUESTION) == FERRY_SECTION
        files, answered, library = snapshot(content_dir), await answers(bot), bot.service.library
        for name, message in sorted(BROKEN_FILES.items()):
            since = bot.fake.mark()
            text = plain(await upload(bot, (BAD / name).read_bytes(), name))
            assert text.startswith(f"Not applied {name}"), text
            assert message in text, (name, text)
            assert "Nothing was changed" in text or "nothing was changed" in text
            if (BAD / name).stat().st_size > 1024 * 1024:
                assert not bot.fake.calls_of("getFile", since=since), name  # never downloaded
            assert snapshot(content_dir) == files, name
            assert bot.service.library is library, name
        assert await answers(bot) == answered


@pytest.mark.parametrize(
    ("name", "data", "size", "message", "downloaded"),
    [
        (
            "big.yaml",
            b"# small, but Telegram says it is big\n",
            1100 * 1024,
            "the limit is 1024 KB",
            0,
        ),
        ("binary.yaml", bytes(range(256)) * 8, None, "looks like a binary file", 1),
        ("ferry.txt", FERRY, None, "is not a content file", 0),
        ("notes.pdf", b"%PDF-1.4", None, "is not a content file", 0),
        (".ferry.yaml", FERRY, None, "is not a content file", 0),
    ],
    ids=["oversized", "binary", "txt", "pdf", "hidden"],
)
async def test_unusable_uploads_are_refused(
    bot: RunningBot,
    content_dir: Path,
    name: str,
    data: bytes,
    size: int | None,
    message: str,
    downloaded: int,
) -> None:
    files, library = snapshot(content_dir), bot.service.library
    text = plain(await upload(bot, data, name, size=size))
    assert message in text
    assert "Nothing was changed" in text or "nothing was changed" in text
    assert len(bot.fake.calls_of("getFile")) == downloaded
    assert snapshot(content_dir) == files
    assert bot.service.library is library


async def test_files_from_anyone_else_or_in_groups_are_never_downloaded(
    bot: RunningBot, content_dir: Path
) -> None:
    files = snapshot(content_dir)
    # Not an admin (an admin's username, another numeric id): the usual "text only" answer.
    call = await upload(bot, FERRY, "ferry.yaml", user_id=OTHER_USER, username="outreach_admin")
    assert_sent(call, bot.service.text_only("en"))
    # The admin, in a group: only answered when addressed to the bot, and never as an upload.
    call = await upload(bot, FERRY, "ferry.yaml", chat_type="group", reply_to_bot=True)
    assert_sent(call, bot.service.text_only("en"))
    since = bot.fake.mark()
    await bot.fake.push_message(
        None, user_id=ADMIN_ID, chat_type="supergroup", document=document(bot.fake, FERRY, "x.yaml")
    )
    await say(bot, "/help", user_id=OTHER_USER)  # processed after the group message
    assert [call.chat_id for call in bot.fake.calls_of("sendMessage", since=since)] == [OTHER_USER]
    assert not bot.fake.calls_of("getFile")
    assert snapshot(content_dir) == files


# --- check before install --------------------------------------------------------------------


async def test_a_file_captioned_check_is_only_checked(bot: RunningBot, content_dir: Path) -> None:
    await bot.store.add_subscriber(USER)  # someone to announce to, were it installed
    before, library, matcher = tree_digest(content_dir), bot.service.library, bot.service.matcher
    reply = await upload(bot, FERRY, "ferry.yaml", caption=" Check ")
    assert plain(reply) == (
        f"Checked ferry.yaml: nothing was installed. If you upload it:\nAdded: {FERRY_SECTION}"
    )
    assert reply.payloads == []  # no announce button: nothing new is live
    assert tree_digest(content_dir) == before
    assert bot.service.library is library
    assert bot.service.matcher is matcher
    assert answered_section(bot, FERRY_QUESTION) != FERRY_SECTION
    # Without the caption, the same file is an upload: live, as the check said.
    assert plain(await upload(bot, FERRY, "ferry.yaml")).startswith(
        f"Live now ferry.yaml.\nAdded: {FERRY_SECTION}"
    )


async def test_after_slash_check_the_next_file_is_only_checked(
    bot: RunningBot, content_dir: Path
) -> None:
    await upload(bot, FERRY, "ferry.yaml")
    assert plain(await say(bot, "/check", user_id=ADMIN_ID)) == CHECK_NEXT
    assert "10 minutes" in CHECK_NEXT
    before, library = tree_digest(content_dir), bot.service.library
    # A file refused by its name before downloading leaves the /check waiting for the right one.
    assert "is not a content file" in plain(await upload(bot, FERRY_V2, "ferry.txt"))
    reply = plain(await upload(bot, FERRY_V2, "ferry.yaml"))
    assert reply == (
        "Checked ferry.yaml: nothing was installed. If you upload it:\n"
        f"Changed: {FERRY_SECTION} (summary)"
    )
    assert tree_digest(content_dir) == before
    assert bot.service.library is library
    # /check covers one file: the next one is a real upload again.
    assert plain(await upload(bot, FERRY_V2, "ferry.yaml")).startswith("Live now ferry.yaml.")
    assert (content_dir / "ferry.yaml").read_bytes() == FERRY_V2


async def test_a_broken_file_under_check_gets_the_uploads_problems(
    bot: RunningBot, content_dir: Path
) -> None:
    before, library = tree_digest(content_dir), bot.service.library
    answered = await answers(bot)
    for name in ("04-missing-summary.yaml", "01-syntax-error.yaml"):
        text = plain(await upload(bot, (BAD / name).read_bytes(), name, caption="CHECK"))
        assert text.startswith(
            f"Checked {name}: an upload would be refused. Nothing was installed. Problems:"
        ), text
        assert BROKEN_FILES[name] in text
    assert tree_digest(content_dir) == before
    assert bot.service.library is library
    assert await answers(bot) == answered


def test_slash_check_lasts_ten_minutes_and_one_file(monkeypatch: pytest.MonkeyPatch) -> None:
    desk = desks.ContentDesk(manager=None, announcer=None)  # type: ignore[arg-type]
    desk.check_next_file(ADMIN_ID)
    assert desk.checks_next_file(ADMIN_ID)
    assert not desk.checks_next_file(OTHER_USER)
    desk.file_checked(ADMIN_ID)
    assert not desk.checks_next_file(ADMIN_ID)
    monkeypatch.setattr(desks, "CHECK_WINDOW_SECONDS", -1)  # asked for ten minutes ago
    desk.check_next_file(ADMIN_ID)
    assert not desk.checks_next_file(ADMIN_ID)
    assert admin.is_check_caption("  /Check ")
    assert not admin.is_check_caption("check this")
    assert not admin.is_check_caption(None)


# --- /rollback, /reload, /content ------------------------------------------------------------


async def test_rollback_restores_the_previous_version(bot: RunningBot, content_dir: Path) -> None:
    assert plain(await say(bot, "/rollback", user_id=ADMIN_ID)) == (
        "No file has an earlier version to restore yet."
    )
    assert plain(await upload(bot, FERRY, "ferry.yaml")).startswith("Live now ferry.yaml.")
    changed = plain(await upload(bot, FERRY_V2, "ferry.yaml"))
    assert changed.startswith(f"Live now ferry.yaml.\nChanged: {FERRY_SECTION} (summary)")
    assert "Ferries are often full." in (await say(bot, FERRY_QUESTION)).params["text"]

    listing = plain(await say(bot, "/rollback", user_id=ADMIN_ID))
    assert "ferry.yaml: 1 kept" in listing
    [kept] = _history(bot, "ferry.yaml")
    assert kept.version in listing

    restored = plain(await say(bot, "/rollback ferry.yaml", user_id=ADMIN_ID))
    assert restored.startswith(f"Live now ferry.yaml.\nChanged: {FERRY_SECTION} (summary)")
    assert (content_dir / "ferry.yaml").read_bytes() == FERRY
    assert "Ferries can be crowded." in (await say(bot, FERRY_QUESTION)).params["text"]

    # A named version: the one just replaced (v2) is kept too, so the rollback can be undone.
    versions = _history(bot, "ferry.yaml")
    assert len(versions) == 2
    await say(bot, f"/rollback ferry.yaml {versions[-1].version}", user_id=ADMIN_ID)
    assert (content_dir / "ferry.yaml").read_bytes() == FERRY_V2

    missing = plain(await say(bot, "/rollback nothing-here.yaml", user_id=ADMIN_ID))
    assert missing.startswith("Not applied nothing-here.yaml: nothing was changed.")
    assert "no earlier version" in missing


async def test_rollback_lists_pack_version_upload_date_and_admin(
    bot: RunningBot, content_dir: Path
) -> None:
    await upload(bot, FERRY, "ferry.yaml")
    await upload(bot, FERRY_V2.replace(b'version: "1"', b'version: "2"'), "ferry.yaml")
    # The shipped pack was not uploaded by anyone: its kept version says "unknown".
    chair = content_dir / "chair-summary-2017.yaml"
    await upload(bot, chair.read_bytes() + b"# edited\n", "chair-summary-2017.yaml")

    call = await say(bot, "/rollback", user_id=ADMIN_ID)
    listing = plain(call)
    [ferry] = _history(bot, "ferry.yaml")
    [shipped] = _history(bot, "chair-summary-2017.yaml")
    stamp = r"20\d\d-\d\d-\d\d \d\d:\d\d UTC"
    assert re.search(
        rf"^ferry\.yaml: 1 kept, newest first\n"
        rf"• pack version 1, uploaded {stamp} by admin {ADMIN_ID}, replaced {stamp}\n"
        rf"  /rollback ferry\.yaml {ferry.version}$",
        listing,
        re.MULTILINE,
    ), listing
    shipped_version = load_library(ROOT / "content", SEEDS).packs[0].version
    assert (
        f"• pack version {shipped_version}, upload date and admin unknown, replaced "
    ) in listing
    assert f"/rollback chair-summary-2017.yaml {shipped.version}" in listing
    # The command is in <code>, so a tap copies it; sending it restores that version.
    commands = re.findall(r"<code>(/rollback ferry\.yaml [^<]+)</code>", call.params["text"])
    assert commands == [f"/rollback ferry.yaml {ferry.version}"]
    restored = plain(await say(bot, commands[0], user_id=ADMIN_ID))
    assert restored.startswith(f"Live now ferry.yaml.\nChanged: {FERRY_SECTION} (summary)")
    assert (content_dir / "ferry.yaml").read_bytes() == FERRY


def _history(bot: RunningBot, name: str) -> list[HistoryVersion]:
    """The kept versions of a content file, oldest first."""
    return ContentManager(bot.settings.content_dir, SEEDS, bot.service).history(name)


async def test_reload_picks_up_a_changed_file_and_refuses_a_broken_one(
    bot: RunningBot, content_dir: Path
) -> None:
    write(content_dir / "ferry.yaml", FERRY)
    assert answered_section(bot, FERRY_QUESTION) != FERRY_SECTION  # not before /reload
    reloaded = plain(await say(bot, "/reload", user_id=ADMIN_ID))
    assert reloaded.startswith(f"Live now.\nAdded: {FERRY_SECTION}")
    assert answered_section(bot, FERRY_QUESTION) == FERRY_SECTION

    files, answered, library = snapshot(content_dir), await answers(bot), bot.service.library
    write(content_dir / "broken.yaml", (BAD / "04-missing-summary.yaml").read_bytes())
    refused = plain(await say(bot, "/reload", user_id=ADMIN_ID))
    assert refused.startswith("Not applied: nothing was changed. Problems:")
    assert BROKEN_FILES["04-missing-summary.yaml"] in refused
    assert bot.service.library is library
    assert await answers(bot) == answered
    (content_dir / "broken.yaml").unlink()
    assert snapshot(content_dir) == files


async def test_content_lists_the_live_packs(bot: RunningBot, content_dir: Path) -> None:
    listing = plain(await say(bot, "/content", user_id=ADMIN_ID))
    assert listing.startswith("Content packs: 2\n\nchair-summary-2017.yaml\n")
    shipped = load_library(ROOT / "content", SEEDS).packs[0]
    assert f"pack chair-summary-2017, version {shipped.version}" in listing
    assert "11 sections; languages: en, ru, id, tl, bn, ne" in listing
    assert "live since 20" in listing
    assert "changed on disk" not in listing

    await upload(bot, FERRY, "ferry.yaml")
    chair = content_dir / "chair-summary-2017.yaml"
    write(chair, chair.read_bytes() + b"# edited on the server\n")
    listing = plain(await say(bot, "/content", user_id=ADMIN_ID))
    assert listing.startswith("Content packs: 3\n")
    assert "ferry.yaml\npack ferry-safety, version 1\n1 section; languages: en\n" in listing
    assert listing.count("The file changed on disk since: send /reload to serve it.") == 1


@pytest.mark.parametrize("command", ["/content", "/reload", "/rollback ferry.yaml", "/check"])
async def test_content_commands_look_unknown_to_everyone_else(
    bot: RunningBot, command: str
) -> None:
    assert_sent(await say(bot, command, user_id=OTHER_USER), bot.service.unknown_command("en"))
    name, _, args = command.partition(" ")
    addressed = f"{name}@{BOT_USERNAME} {args}".strip()
    group = await say(bot, addressed, user_id=ADMIN_ID, chat_type="group")
    assert_sent(group, bot.service.unknown_command("en"))


async def test_questions_during_a_swap_all_get_answers(bot: RunningBot) -> None:
    """Users keep asking while an upload is downloaded, checked and swapped in: each gets one
    answer, from the old content or the new, never an error, and nobody waits for the upload."""
    old = bot.service.ask(FERRY_QUESTION, "en").text
    users = list(range(5000, 5040))
    bot.fake.inject("getFile", Fault.delay(1.0))  # a slow download
    since = bot.fake.mark()
    await bot.fake.push_message(
        None, user_id=ADMIN_ID, document=document(bot.fake, FERRY, "ferry.yaml")
    )
    for user in users:
        await bot.fake.push_message(FERRY_QUESTION, user_id=user)
    calls = await bot.fake.wait_for_call("sendMessage", count=len(users) + 1, since=since)
    new = bot.service.ask(FERRY_QUESTION, "en").text
    assert new != old
    replies = {call.chat_id: call.params["text"] for call in calls if call.chat_id != ADMIN_ID}
    assert sorted(replies) == users
    assert set(replies.values()) <= {old, new}
    # The first question was answered while the upload was still under way, not after it.
    [first] = [call for call in calls if call.chat_id == users[0]]
    [live] = [call for call in calls if call.chat_id == ADMIN_ID]
    assert calls.index(first) < calls.index(live)
    assert first.params["text"] == old
    assert len(bot.fake.calls_of("sendMessage", since=since)) == len(users) + 1
    assert (await say(bot, FERRY_QUESTION)).params["text"] == new


# --- announcing ------------------------------------------------------------------------------


SUBSCRIBERS = list(range(100_000, 100_500))
BLOCKED = set(SUBSCRIBERS[::10])  # 50 of them blocked the bot
RUSSIAN = set(SUBSCRIBERS[1::50])  # these chose Russian with /language


async def add_subscribers(store: StatsStore) -> None:
    for chat_id in SUBSCRIBERS:
        assert await store.add_subscriber(chat_id)
    for chat_id in RUSSIAN:
        assert await store.set_language(store.user_key(chat_id), "ru")


def assert_each_reached_once(fake: FakeBotApi) -> None:
    """Every subscriber who did not block the bot got exactly one announcement, in their
    language; those who blocked it were tried and got none."""
    received = Counter(call.chat_id for call in announcements(fake))
    assert set(received) == set(SUBSCRIBERS) - BLOCKED
    assert set(received.values()) == {1}
    tried = {call.chat_id for call in fake.calls_of("sendMessage", failed=True)}
    assert tried >= BLOCKED
    for call in announcements(fake):
        lang = "ru" if call.chat_id in RUSSIAN else "en"
        title = "Безопасная переправа на пароме" if lang == "ru" else "Safe ferry crossings"
        assert call.params["text"] == (
            f"<b>{t('announce_title', lang)}</b>\n"
            f"• {t('announce_added', lang, title=title)}\n\n{t('announce_footer', lang)}"
        )
        assert call.payloads == [f"s:{FERRY_SECTION}", "t"]
        assert call.buttons[0][0]["text"] == title


async def test_an_announcement_reaches_each_subscriber_once_and_drops_blocked_ones(
    bot: RunningBot,
) -> None:
    await add_subscribers(bot.store)
    bot.fake.blocked_chats |= BLOCKED
    reply = await upload(bot, FERRY, "ferry.yaml")
    [[button]] = reply.buttons
    assert button["text"] == "Announce to 500 subscribers"
    assert button["callback_data"].startswith("a:")
    assert len(button["callback_data"].encode()) <= 64

    since = bot.fake.mark()
    await bot.fake.push_callback(button["callback_data"], user_id=ADMIN_ID)
    done = "Announcement: sent to 450 of 500 subscribers."
    # How fast 500 sends go is a benchmark's business; on a busy machine it takes longer.
    await bot.fake.wait_until(lambda: bool(admin_messages(bot.fake, done, since)), timeout=60)
    [report] = admin_messages(bot.fake, done, since)
    assert report == f"{done} 50 had blocked the bot and were unsubscribed."
    assert admin_messages(bot.fake, "Announcing to 500 subscribers", since)
    progress = [
        html.unescape(call.params["text"])
        for call in bot.fake.calls_of("editMessageText", since=since)
    ]
    assert progress[-1] == "Announcing: 500 of 500 done."
    # The button went at once, so it cannot be pressed twice by mistake.
    assert bot.fake.calls_of("editMessageReplyMarkup", since=since)

    assert_each_reached_once(bot.fake)
    assert set(await bot.store.subscribers()) == set(SUBSCRIBERS) - BLOCKED
    assert await bot.store.unfinished_announcements() == []

    # A second press (an old copy of the button): nothing is sent again.
    again = await press(bot, button["callback_data"], user_id=ADMIN_ID)
    assert plain(again) == EXPIRED_OFFER
    assert_each_reached_once(bot.fake)


async def test_an_announcement_follows_a_group_that_became_a_supergroup(
    bot: RunningBot,
) -> None:
    group, supergroup = -4321, -1_009_876_543_210
    assert await bot.store.add_subscriber(group)
    bot.fake.migrated_chats[group] = supergroup
    reply = await upload(bot, FERRY, "ferry.yaml")
    [[button]] = reply.buttons
    since = bot.fake.mark()
    await bot.fake.push_callback(button["callback_data"], user_id=ADMIN_ID)
    done = "Announcement: sent to 1 of 1 subscribers."
    await bot.fake.wait_until(lambda: bool(admin_messages(bot.fake, done, since)), timeout=10)
    assert [call.chat_id for call in announcements(bot.fake)] == [supergroup]
    assert await bot.store.subscribers() == [supergroup]
    assert await bot.store.unfinished_announcements() == []


async def test_forged_announce_buttons_send_nothing(bot: RunningBot) -> None:
    await add_subscribers(bot.store)
    reply = await upload(bot, FERRY, "ferry.yaml")
    [[button]] = reply.buttons
    forged = await press(bot, button["callback_data"], user_id=OTHER_USER)
    assert_sent(forged, bot.service.press(button["callback_data"], "en"))
    assert forged.params["text"] == t("stale_menu", "en")
    unknown = await press(bot, "a:00000000", user_id=ADMIN_ID)
    assert plain(unknown) == EXPIRED_OFFER
    await say(bot, "/help")
    assert announcements(bot.fake) == []
    assert await bot.store.unfinished_announcements() == []


async def test_a_chat_that_is_gone_is_dropped_and_a_failed_send_is_retried(
    settings: Settings, service: Service, fake_api: FakeBotApi
) -> None:
    one_at_a_time = replace(FAST, concurrency=1)  # so the faults below hit chats in order
    async with running(settings, service, fake_api, one_at_a_time) as bot:
        for chat_id in (1, 2, 3):
            await bot.store.add_subscriber(chat_id)
        [[button]] = (await upload(bot, FERRY, "ferry.yaml")).buttons
        fake_api.inject("sendMessage", Fault.delay(0))  # the admin's status message
        fake_api.inject("sendMessage", Fault.error(400, "Bad Request: chat not found"))  # chat 1
        fake_api.inject("sendMessage", Fault.server_error(502))  # chat 2, the first time
        since = fake_api.mark()
        await fake_api.push_callback(button["callback_data"], user_id=ADMIN_ID)
        done = "Announcement: "
        await fake_api.wait_until(lambda: bool(admin_messages(fake_api, done, since)))
        assert admin_messages(fake_api, done, since) == [
            "Announcement: sent to 2 of 3 subscribers. 1 had blocked the bot and were unsubscribed."
        ]
        assert Counter(call.chat_id for call in announcements(fake_api)) == {2: 1, 3: 1}
        assert await bot.store.subscribers() == [2, 3]


async def test_a_change_that_only_helps_the_search_is_not_offered_for_announcing(
    bot: RunningBot,
) -> None:
    await add_subscribers(bot.store)
    assert (await upload(bot, FERRY, "ferry.yaml")).payloads  # new topic: offered
    keywords_only = FERRY.replace(b"boat crossing]", b"boat crossing, ferry boat]")
    reply = await upload(bot, keywords_only, "ferry.yaml")
    assert plain(reply) == f"Live now ferry.yaml.\nChanged: {FERRY_SECTION} (keywords)"
    assert reply.payloads == []


async def test_an_announcement_cut_short_by_a_restart_resumes_without_repeats(
    settings: Settings, service: Service, fake_api: FakeBotApi, content_dir: Path
) -> None:
    fake_api.blocked_chats |= BLOCKED
    slow = replace(FAST, per_second=300)  # about 1.7 s for 500: time to stop it half-way
    async with running(settings, service, fake_api, slow) as first:
        await add_subscribers(first.store)
        reply = await upload(first, FERRY, "ferry.yaml")
        [[button]] = reply.buttons
        await fake_api.push_callback(button["callback_data"], user_id=ADMIN_ID)
        await fake_api.wait_until(lambda: len(announcements(fake_api)) >= 150, timeout=10)
    before_restart = len(announcements(fake_api))
    assert 150 <= before_restart < 450  # stopped half-way: the bot shut down mid-announcement
    assert not admin_messages(fake_api, "Announcement:")

    # The restart: the content is read from the folder again, as `python -m bot run` does.
    library = await asyncio.to_thread(load_library, content_dir, SEEDS)
    restarted = Service(library, await asyncio.to_thread(build_matcher, library))
    async with running(settings, restarted, fake_api) as second:
        done = "Continued after a restart. Announcement: sent to "
        await fake_api.wait_until(lambda: bool(admin_messages(fake_api, done)), timeout=20)
        [report] = admin_messages(fake_api, done)
        assert report.startswith(f"{done}{450 - before_restart} of ")
        assert await second.store.unfinished_announcements() == []
        assert set(await second.store.subscribers()) == set(SUBSCRIBERS) - BLOCKED
    assert_each_reached_once(fake_api)


async def test_the_announce_button_still_works_after_a_restart(
    settings: Settings, service: Service, fake_api: FakeBotApi, content_dir: Path
) -> None:
    async with running(settings, service, fake_api) as first:
        await add_subscribers(first.store)
        reply = await upload(first, FERRY, "ferry.yaml")
        [[button]] = reply.buttons
    assert not announcements(fake_api)  # offered, not sent: the admin has not said yes

    library = await asyncio.to_thread(load_library, content_dir, SEEDS)
    restarted = Service(library, await asyncio.to_thread(build_matcher, library))
    async with running(settings, restarted, fake_api) as second:
        assert not admin_messages(fake_api, "Continued after a restart")  # an offer waits
        await fake_api.push_callback(button["callback_data"], user_id=ADMIN_ID)
        done = "Announcement: sent to 500 of 500 subscribers."
        await fake_api.wait_until(lambda: bool(admin_messages(fake_api, done)), timeout=20)
        again = await press(second, button["callback_data"], user_id=ADMIN_ID)
        assert plain(again) == EXPIRED_OFFER
    received = Counter(call.chat_id for call in announcements(fake_api))
    assert set(received) == set(SUBSCRIBERS)
    assert set(received.values()) == {1}


# --- SIGHUP ----------------------------------------------------------------------------------


async def test_sighup_reloads_the_content_folder(
    fake_api: FakeBotApi, tmp_path: Path, content_dir: Path
) -> None:
    log = tmp_path / "stderr.log"
    env = bot_env(
        fake_api, tmp_path, CONTENT_DIR=str(content_dir), ADMIN_IDS=str(ADMIN_ID), LOG_LEVEL="INFO"
    )
    process = await spawn_bot(env, log)
    try:
        await fake_api.wait_for_call("getUpdates", timeout=30)
        write(content_dir / "ferry.yaml", FERRY)
        process.send_signal(signal.SIGHUP)
        await _until_logged(log, "SIGHUP: Live now.")
        since = fake_api.mark()
        await fake_api.push_message(FERRY_QUESTION)
        [answer] = await fake_api.wait_for_call("sendMessage", since=since, timeout=10)
        assert answer.params["text"].startswith("<b>Safe ferry crossings</b>")
    finally:
        await stop_bot(process)
    assert process.returncode == 0
    assert "Traceback" not in log.read_text()


async def _until_logged(log: Path, text: str, timeout: float = 15) -> None:  # noqa: ASYNC109
    """Wait until the process's log has `text` (it logs the result of a SIGHUP reload)."""
    for _ in range(int(timeout / 0.05)):
        if text in await asyncio.to_thread(log.read_text):
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"not logged within {timeout} s: {text!r}")
