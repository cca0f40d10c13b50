"""Robust content edges: values YAML cannot make, huge problem lists, a history that stays small."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.content import updates
from bot.content.updates import ContentManager
from tests.conftest import ROOT
from tests.support.bot import ADMIN_ID, RunningBot
from tests.support.content import MINI_PACK, SEEDS, service_for, small_content

PACK = ROOT / "content" / "chair-summary-2017.yaml"
DATE_LINE = '    date: "2017-11-08"\n'

# Well-formed YAML whose value Python cannot make, and what the admin is told instead.
IMPOSSIBLE_VALUES = {
    "impossible date": ("    date: 2017-13-45\n", "'2017-13-45' is not a real date"),
    "4,300-digit integer": (
        "    date: " + "7" * 4301 + "\n",
        "(4,301 characters) is too long to read; quote it if it is text",
    ),
}


def _broken_pack(value_line: str) -> bytes:
    """The shipped pack with its meeting date replaced by `value_line`."""
    text = PACK.read_text(encoding="utf-8")
    assert DATE_LINE in text
    return text.replace(DATE_LINE, value_line, 1).encode()


def _line_of(data: bytes, line: str) -> int:
    return data.decode().splitlines().index(line.rstrip("\n")) + 1


@pytest.mark.parametrize(("line", "message"), IMPOSSIBLE_VALUES.values(), ids=IMPOSSIBLE_VALUES)
def test_validate_reports_an_impossible_value_as_a_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    data = _broken_pack(line)
    pack = tmp_path / "pack.yaml"
    pack.write_bytes(data)
    assert main(["validate", str(pack), "--seeds", str(ROOT / "seeds")]) == 1
    output = capsys.readouterr().out
    assert f"{pack}:{_line_of(data, line)}: " in output
    assert message in output
    assert "Traceback" not in output


@pytest.mark.parametrize(("line", "message"), IMPOSSIBLE_VALUES.values(), ids=IMPOSSIBLE_VALUES)
def test_start_up_reports_an_impossible_value_and_exits_1(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    line: str,
    message: str,
) -> None:
    from bot.tg import app

    content = tmp_path / "content"
    content.mkdir()
    (content / PACK.name).write_bytes(_broken_pack(line))
    monkeypatch.setattr(app, "configure_logging", lambda *args, **kwargs: None)
    settings = Settings(
        bot_token="123456789:AAHfakeTOKENforTESTSonly_0123456789ab",
        content_dir=content,
        seeds_dir=ROOT / "seeds",
        database_path=tmp_path / "bot.sqlite3",
    )
    with caplog.at_level(logging.ERROR):
        assert app.run(settings) == 1
    assert message in caplog.text
    assert not (tmp_path / "bot.sqlite3").exists()  # stopped before anything was opened


async def _upload(bot: RunningBot, data: bytes, name: str = PACK.name) -> int:
    """Send a file as the admin; the call-log mark from before it."""
    since = bot.fake.mark()
    file_id = bot.fake.add_file(data, name)
    document = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_name": name}
    await bot.fake.push_message(None, user_id=ADMIN_ID, document=document)
    await bot.fake.wait_for_call("sendMessage", since=since, timeout=20)
    return since


@pytest.mark.parametrize(("line", "message"), IMPOSSIBLE_VALUES.values(), ids=IMPOSSIBLE_VALUES)
async def test_an_upload_with_an_impossible_value_is_refused_with_the_problem(
    bot: RunningBot, line: str, message: str
) -> None:
    before = (bot.settings.content_dir / PACK.name).read_bytes()
    since = await _upload(bot, _broken_pack(line))
    [reply] = bot.fake.calls_of("sendMessage", since=since)
    assert "Not applied" in reply.params["text"]
    assert message in reply.params["text"]
    assert (bot.settings.content_dir / PACK.name).read_bytes() == before


async def test_60000_problems_make_one_message_and_one_file(bot: RunningBot) -> None:
    # The pack's header, then 60,000 sections that are not sections: one problem each.
    header = PACK.read_text(encoding="utf-8").split("\nsections:")[0]
    data = f"{header}\nsections: [{'1,' * 60_000}1]\n".encode()
    since = await _upload(bot, data)
    await bot.fake.wait_for_call("sendDocument", since=since, timeout=20)
    await bot.fake.push_message("/about", user_id=ADMIN_ID)  # whatever else was coming, came
    await bot.fake.wait_for_call("sendMessage", count=2, since=since)
    messages = bot.fake.calls_of("sendMessage", since=since)[:-1]
    [listing] = bot.fake.calls_of("sendDocument", since=since)
    assert len(messages) == 1
    text = messages[0].params["text"]
    problems = listing.files["document"][1].decode().splitlines()
    assert len(problems) >= 60_000
    assert f"{len(problems):,} problems; the first 20" in text
    assert text.count("\n- ") == 20
    assert listing.files["document"][0] == "problems.txt"


@pytest.fixture
def manager(tmp_path: Path) -> ContentManager:
    """History tests upload a file many times: the small content makes each upload fast."""
    content = small_content(tmp_path / "content")
    return ContentManager(content, SEEDS, service_for(content))


def _version(number: int) -> bytes:
    """The mini pack, different each time (a comment is a change the history keeps)."""
    return MINI_PACK.read_bytes() + f"# upload {number}\n".encode()


def test_the_history_keeps_the_last_20_versions_of_a_file(manager: ContentManager) -> None:
    for number in range(25):
        assert manager.apply_upload(MINI_PACK.name, _version(number)).ok
    kept = manager.history(MINI_PACK.name)
    assert len(kept) == 20
    # The newest are kept: the one replaced last is upload 23 (24 is live).
    assert kept[-1].path.read_bytes() == _version(23)
    assert kept[0].path.read_bytes() == _version(4)


def test_the_history_stays_under_its_size_cap(
    manager: ContentManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = len(_version(10))
    monkeypatch.setattr(updates, "HISTORY_MAX_BYTES", size * 3 + size // 2)
    for number in range(8):
        assert manager.apply_upload(MINI_PACK.name, _version(number)).ok
    history = manager.content_dir / updates.HISTORY_DIR
    total = sum(path.stat().st_size for path in history.iterdir())
    assert total <= updates.HISTORY_MAX_BYTES
    assert [v.path.read_bytes() for v in manager.history(MINI_PACK.name)] == [
        _version(number) for number in (4, 5, 6)
    ]


def test_a_rollback_still_works_after_pruning(manager: ContentManager) -> None:
    for number in range(22):
        manager.apply_upload(MINI_PACK.name, _version(number))
    assert manager.rollback(MINI_PACK.name).ok
    assert (manager.content_dir / MINI_PACK.name).read_bytes() == _version(20)
