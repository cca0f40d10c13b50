"""Fair under floods: a throttle per user, chats handled side by side, a 429 pauses one chat."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.i18n import t
from bot.service import Service
from bot.throttle import PRUNE_EVERY, Throttle
from tests.fake_bot_api import Call, FakeBotApi, Fault
from tests.support.bot import RunningBot, run_bot

FLOODER, OTHER = 5001, 5002


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# --- the throttle on its own ------------------------------------------------------------------


def test_a_burst_passes_then_one_warning_then_drops() -> None:
    throttle = Throttle(burst=3, per_minute=30, clock=Clock())
    verdicts = [throttle.admit("ana") for _ in range(7)]
    assert verdicts == ["pass", "pass", "pass", "warn", "drop", "drop", "drop"]


def test_the_rate_refills_but_a_flood_earns_one_warning_only() -> None:
    clock = Clock()
    throttle = Throttle(burst=3, per_minute=30, clock=clock)  # one every 2 s
    assert [throttle.admit("ana") for _ in range(4)] == ["pass"] * 3 + ["warn"]
    verdicts = []
    for _ in range(32):  # eight a second, for four seconds
        clock.now += 0.125
        verdicts.append(throttle.admit("ana"))
    assert verdicts.count("pass") == 2  # the documented rate still gets through
    assert "warn" not in verdicts
    clock.now += 6  # quiet until the whole burst is back: a new flood, a new notice
    assert [throttle.admit("ana") for _ in range(4)] == ["pass"] * 3 + ["warn"]


def test_users_are_throttled_apart() -> None:
    throttle = Throttle(burst=2, per_minute=30, clock=Clock())
    assert [throttle.admit("ana") for _ in range(3)] == ["pass", "pass", "warn"]
    assert throttle.admit("ben") == "pass"


def test_users_who_are_quiet_again_are_forgotten() -> None:
    clock = Clock()
    throttle = Throttle(burst=2, per_minute=60, clock=clock)
    for user in range(PRUNE_EVERY - 1):
        throttle.admit(user)
    clock.now += 2  # everyone's bucket is full again
    throttle.admit("last")
    assert throttle.tracked == 1


@pytest.mark.parametrize(("burst", "per_minute"), [(0, 30), (3, 0)])
def test_a_throttle_needs_a_burst_and_a_rate(burst: int, per_minute: float) -> None:
    with pytest.raises(ValueError, match="burst"):
        Throttle(burst=burst, per_minute=per_minute)


# --- through the fake Bot API -----------------------------------------------------------------


@pytest.fixture
async def fair_bot(
    bot_settings: Settings, service: Service, fake_api: FakeBotApi
) -> AsyncIterator[RunningBot]:
    """The bot with the documented throttle (conftest's `bot` has a generous one)."""
    async with run_bot(bot_settings, service, fake_api, throttle=Throttle()) as running:
        yield running


def _answers(fake: FakeBotApi, chat_id: int, since: int = 0) -> list[Call]:
    return [call for call in fake.calls_of("sendMessage", since=since) if call.chat_id == chat_id]


async def _answer_time(fake: FakeBotApi, chat_id: int, since: int) -> float:
    """Seconds from now until the chat gets its first answer (after the call log's `since`)."""
    started = time.monotonic()
    await fake.wait_until(lambda: bool(_answers(fake, chat_id, since)), 10)
    return _answers(fake, chat_id, since)[0].at - started


async def test_a_flood_of_600_delays_another_user_by_under_2_s(fair_bot: RunningBot) -> None:
    fake = fair_bot.fake
    for number in range(600):
        await fake.push_message(f"remittance fees {number}", user_id=FLOODER)
    mark = fake.mark()
    await fake.push_message("remittance fees", user_id=OTHER)
    assert await _answer_time(fake, OTHER, mark) < 2
    # The flooder: the burst answered, one "please slow down", the rest dropped, not queued.
    await fake.wait_until(lambda: fake.pending_updates == 0)
    await asyncio.sleep(0.3)
    flooded = _answers(fake, FLOODER)
    notices = [call for call in flooded if call.params["text"] == t("slow_down", "en")]
    assert len(notices) == 1
    assert 10 <= len(flooded) - 1 <= 12  # the burst, and what the rate let through meanwhile


async def test_the_slow_down_notice_is_in_the_users_language(fair_bot: RunningBot) -> None:
    for _ in range(11):
        await fair_bot.fake.push_message("/about", user_id=FLOODER, language_code="th")
    await fair_bot.fake.wait_until(lambda: len(_answers(fair_bot.fake, FLOODER)) == 11)
    assert _answers(fair_bot.fake, FLOODER)[-1].params["text"] == t("slow_down", "th")


async def test_admins_are_not_throttled(fair_bot: RunningBot) -> None:
    [admin] = fair_bot.settings.admin_ids
    for _ in range(15):
        await fair_bot.fake.push_message("/about", user_id=admin)
    calls = await fair_bot.fake.wait_for_call("sendMessage", count=15)
    assert all(call.params["text"] != t("slow_down", "en") for call in calls)


async def test_a_chats_updates_are_answered_in_order(fair_bot: RunningBot) -> None:
    commands = ["/about", "/help", "/privacy", "/topics", "/language", "/start"]
    for command in commands:
        await fair_bot.fake.push_message(command, user_id=FLOODER)
    calls = await fair_bot.fake.wait_for_call("sendMessage", count=len(commands))
    service = fair_bot.service
    expected = [
        service.about("en"),
        service.help("en"),
        service.privacy("en"),
        service.topics("en"),
        service.language_menu("en"),
        service.start("en"),
    ]
    assert [call.params["text"] for call in calls] == [reply.text for reply in expected]


async def test_a_slow_chat_does_not_hold_up_another(fair_bot: RunningBot) -> None:
    fake = fair_bot.fake
    # Slower than the 1 s the other chat may take, and short: the bot's stop waits for it.
    fake.inject("sendMessage", Fault.delay(1.5), chat_id=FLOODER)
    await fake.push_message("/about", user_id=FLOODER)
    await fake.wait_until(lambda: any(c.method == "sendMessage" for c in fake.calls))
    mark = fake.mark()
    await fake.push_message("/about", user_id=OTHER)
    assert await _answer_time(fake, OTHER, mark) < 1


async def test_a_429_for_one_chat_pauses_only_that_chat(fair_bot: RunningBot) -> None:
    fake = fair_bot.fake
    fake.inject("sendMessage", Fault.too_many_requests(retry_after=2), chat_id=FLOODER)
    await fake.push_message("/about", user_id=FLOODER)
    await fake.wait_until(lambda: bool(fake.calls_of("sendMessage", failed=True)))
    refused_at = time.monotonic()
    mark = fake.mark()
    await fake.push_message("/about", user_id=OTHER)
    assert await _answer_time(fake, OTHER, mark) < 1
    # The flooded chat gets its answer too, once Telegram's wait is over.
    await fake.wait_until(lambda: bool(_answers(fake, FLOODER)), timeout=5)
    assert _answers(fake, FLOODER)[0].at - refused_at >= 1.8
