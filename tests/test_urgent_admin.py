"""No upload may quietly change what a person in danger reads first (issue 12), end to end:
contacts outside checked referrals are refused, a second pack cannot define urgent help, a
valid change waits for a second press and then every admin is told, and /rollback restores it.

The real PTB Application polls tests/fake_bot_api.py with a copy of content/ in tmp_path.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.content.updates import REPLACE_URGENT_LABEL
from bot.service import Service
from tests.fake_bot_api import Call, FakeBotApi
from tests.support.bot import ADMIN_ID, RunningBot, run_bot
from tests.support.chat import press, say
from tests.test_admin_content import plain, snapshot, upload

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_REFERRALS = Path(__file__).parent / "data" / "referrals" / "sample-referrals.yaml"
SECOND_ADMIN = 4343
SAFETY = (ROOT / "content" / "safety.yaml").read_bytes()
EN_LINE = "If your life is in danger now, call the emergency number of the country you are in."
TH_LINE = "ถ้าชีวิตของคุณอยู่ในอันตรายตอนนี้ ให้โทรเบอร์ฉุกเฉินของประเทศที่คุณอยู่"
DANGER = "help me, my boss beats me"  # a general danger: the general note


@pytest.fixture
def content_dir(bot_settings: Settings) -> Path:
    """The bot's copy of content/ (in tmp_path), which uploads change."""
    return bot_settings.content_dir


@pytest.fixture
async def bot(
    bot_settings: Settings, service: Service, fake_api: FakeBotApi
) -> AsyncIterator[RunningBot]:
    """The bot with two admins."""
    settings = replace(bot_settings, admin_ids=frozenset({ADMIN_ID, SECOND_ADMIN}))
    async with run_bot(settings, service, fake_api) as running:
        yield running


def note(bot: RunningBot, lang: str = "en") -> str:
    """The general urgent-help note the bot serves now."""
    found = bot.service.library.urgent_note("general", lang)
    assert found is not None
    return found.value


def admin_messages(bot: RunningBot, since: int) -> dict[int, list[str]]:
    """Plain texts sent to each admin's chat since `since`."""
    sent: dict[int, list[str]] = {ADMIN_ID: [], SECOND_ADMIN: []}
    for call in bot.fake.calls_of("sendMessage", since=since):
        if call.chat_id in sent:
            sent[call.chat_id].append(plain(call))
    return sent


async def test_a_phone_number_in_the_urgent_note_is_refused(
    bot: RunningBot, content_dir: Path
) -> None:
    before = snapshot(content_dir)
    evil = SAFETY.replace(EN_LINE.encode(), b"Call our hotline +66 2 999 9999 now.")
    answer = plain(await upload(bot, evil, "safety.yaml"))
    assert answer.startswith("Not applied safety.yaml: nothing was changed.")
    assert "'+66 2 999 9999' is a contact: only checked referrals may have one" in answer
    assert snapshot(content_dir) == before
    assert EN_LINE in note(bot)


@pytest.mark.parametrize(
    "contact", ["message @safe_jobs_agent", "see https://jobs.example.com", "write to a@b.org"]
)
async def test_handles_links_and_emails_are_refused_anywhere_in_content(
    bot: RunningBot, content_dir: Path, contact: str
) -> None:
    pack = (content_dir / "chair-summary-2017.yaml").read_text()
    changed = pack.replace("  title:\n    en: ", f"  title:\n    en: {contact} ", 1)
    assert changed != pack
    answer = plain(await upload(bot, changed.encode(), "chair-summary-2017.yaml"))
    assert answer.startswith("Not applied chair-summary-2017.yaml: nothing was changed.")
    assert "is a contact: only checked referrals may have one" in answer


async def test_a_second_pack_defining_urgent_help_is_refused(
    bot: RunningBot, content_dir: Path
) -> None:
    before = snapshot(content_dir)
    second = b"""\
pack:
  id: aaa
  version: "1"
  title: {en: Looks harmless}
urgent_help:
  general: {en: "Stay where you are. Our agent will come and help you."}
"""
    answer = plain(await upload(bot, second, "0-aaa.yaml"))
    assert answer.startswith("Not applied 0-aaa.yaml: nothing was changed.")
    assert "only one pack may define the urgent-help notes" in answer
    assert snapshot(content_dir) == before
    assert "Our agent" not in note(bot)


async def test_the_old_header_field_is_refused_with_where_it_went(bot: RunningBot) -> None:
    old_style = SAFETY.replace(b"pack:\n", b"pack:\n  urgent_help: {en: Call us.}\n", 1)
    answer = plain(await upload(bot, old_style, "safety.yaml"))
    assert "no longer a pack field" in answer


async def test_a_changed_note_waits_for_the_second_press_then_every_admin_is_told(
    bot: RunningBot, content_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    new_en = "If your life is in danger now, call the emergency number where you are."
    new_th = "ถ้าชีวิตคุณอยู่ในอันตราย ให้โทรเบอร์ฉุกเฉินที่คุณอยู่"
    changed = SAFETY.replace(EN_LINE.encode(), new_en.encode()).replace(
        TH_LINE.encode(), new_th.encode()
    )
    before = snapshot(content_dir)
    since = bot.fake.mark()
    await upload(bot, changed, "safety.yaml")
    # The change is long (whole notes, old and new): the button comes under its last part.
    await bot.fake.wait_until(
        lambda: any(c.buttons for c in bot.fake.calls_of("sendMessage", since=since))
    )
    parts = bot.fake.calls_of("sendMessage", since=since)
    waiting = parts[-1]
    text = "\n".join(plain(part) for part in parts)
    assert text.startswith("Not installed yet safety.yaml")
    assert "Urgent note 'general', en:" in text
    assert "Urgent note 'trafficking', en:" in text  # the same sentence is in both notes
    bot_line = "I am an automatic bot. No person reads this chat, and I cannot send help."
    assert f"old: {bot_line} / {EN_LINE}" in text
    assert new_en in text
    assert "Urgent note 'general', th:" in text
    assert new_th in text
    assert "Urgent note 'general', ru:" not in text  # only what changes is shown
    assert [b["text"] for row in waiting.buttons for b in row] == [REPLACE_URGENT_LABEL]
    # Nothing is installed before the press.
    assert snapshot(content_dir) == before
    assert EN_LINE in note(bot)
    danger = await _danger_note(bot)
    assert EN_LINE in danger

    # Someone else pressing a copy of the button installs nothing.
    [payload] = waiting.payloads
    stale = await press(bot, payload, user_id=1001)
    assert "out of date" in stale.params["text"]
    assert EN_LINE in note(bot)

    since = bot.fake.mark()
    with caplog.at_level(logging.WARNING):
        await press(bot, payload, user_id=ADMIN_ID)
        await bot.fake.wait_until(lambda: all(admin_messages(bot, since).values()))
    told = admin_messages(bot, since)
    for admin in (ADMIN_ID, SECOND_ADMIN):
        assert f"urgent help changed by admin {ADMIN_ID}: en, th" in told[admin]
    assert any(line.startswith("Done safety.yaml") for line in told[ADMIN_ID])
    assert f"Urgent help changed by admin {ADMIN_ID}: en, th" in caplog.text
    assert new_en in note(bot)
    assert new_th in note(bot, "th")
    assert (content_dir / "safety.yaml").read_bytes() == changed
    assert new_en in await _danger_note(bot)

    # One press only: the same button again installs nothing more.
    again = await press(bot, payload, user_id=ADMIN_ID)
    assert "used already" in plain(again)

    # /rollback restores the note like any content, and every admin hears of it.
    since = bot.fake.mark()
    restored = plain(await say(bot, "/rollback safety.yaml", user_id=ADMIN_ID))
    assert restored.startswith("Done safety.yaml")
    assert (content_dir / "safety.yaml").read_bytes() == SAFETY
    assert EN_LINE in note(bot)
    await bot.fake.wait_until(lambda: bool(admin_messages(bot, since)[SECOND_ADMIN]))
    assert admin_messages(bot, since)[SECOND_ADMIN] == [
        f"urgent help changed by admin {ADMIN_ID}: en, th"
    ]


async def test_adding_referrals_needs_the_second_press_too(
    bot: RunningBot, content_dir: Path
) -> None:
    waiting = plain(await upload(bot, SAMPLE_REFERRALS.read_bytes(), "sample-referrals.yaml"))
    assert waiting.startswith("Not installed yet sample-referrals.yaml")
    assert "Referrals TH:" in waiting
    assert "+000 0000 0001" in waiting
    assert not (content_dir / "sample-referrals.yaml").exists()
    assert bot.service.library.referrals == {}


async def test_content_lists_referrals_due_for_rechecking(
    bot: RunningBot, content_dir: Path
) -> None:
    recent = (datetime.now(UTC).date() - timedelta(days=30)).isoformat()
    sample = SAMPLE_REFERRALS.read_text().replace("2026-11-01", recent)
    (content_dir / "sample-referrals.yaml").write_text(sample)
    since = bot.fake.mark()
    assert plain(await say(bot, "/reload", user_id=ADMIN_ID)).startswith("Done")
    # Referrals came with the files on disk: every admin is told, as for an upload.
    await bot.fake.wait_until(lambda: bool(admin_messages(bot, since)[SECOND_ADMIN]))
    assert admin_messages(bot, since)[SECOND_ADMIN] == [
        f"urgent help changed by admin {ADMIN_ID}: referrals MY, TH"
    ]
    listing = plain(await say(bot, "/content", user_id=ADMIN_ID))
    assert "Referrals checked more than 12 months ago" in listing
    assert "MY: Example Legal Aid Desk (checked 2019-01-15)" in listing
    assert "Example Migrant Workers Centre" not in listing
    assert "urgent-help notes: self_harm" in listing


async def _danger_note(bot: RunningBot) -> str:
    """The note a user in danger gets now (the first of the two messages)."""
    since = bot.fake.mark()
    await bot.fake.push_message(DANGER, user_id=1001)
    first: list[Call] = await bot.fake.wait_for_call("sendMessage", 2, since=since)
    return plain(first[0])
