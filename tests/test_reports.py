"""Admin reports that add up: the same rows and total in the text, the chart and the CSV.

A real SQLite database seeded with every kind of event, then each view is read back.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.charts import chart_rows, render_trend
from bot.reports import (
    EXPORT_HEADER,
    export_csv,
    format_report,
    format_unanswered,
    group_unanswered,
    report_rows,
    weekly_trend,
)
from bot.storage.records import OUTCOMES, StatsEvent, outcome_of
from bot.storage.store import StatsStore

NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
TITLES = {"remittances": "Money sent home", "trafficking": "Human trafficking"}
# (section, route, decision, lang, how many)
SEED = (
    ("remittances", "text", "answer", "en", 7),
    ("remittances", "button", "answer", "ru", 3),
    ("trafficking", "deeplink", "answer", "th", 2),
    (None, "text", "clarify", "en", 4),
    (None, "text", "none", "bn", 5),
    (None, "text", "smalltalk", "en", 6),
    (None, "command", "answer", "en", 9),
)
SEEDED_TOTAL = sum(row[-1] for row in SEED)


def title(section_id: str) -> str:
    return TITLES[section_id]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[StatsStore]:
    store = StatsStore(tmp_path / "bot.sqlite3", "pepper", clock=lambda: NOW, flush_interval=60)
    await store.open()
    for section, route, decision, lang, times in SEED:
        for i in range(times):
            question = "where is my visa" if decision in ("none", "clarify") else None
            at = NOW - timedelta(days=i)
            store.record(
                StatsEvent(f"u{i}", route, section, decision, 50.0, lang, "private", question, at)
            )  # type: ignore[arg-type]
    await store.flush()
    yield store
    await store.close()


def test_every_event_has_exactly_one_named_outcome() -> None:
    assert outcome_of("remittances", "button", "answer") == "answered"
    assert outcome_of(None, "text", "clarify") == "clarify"
    assert outcome_of(None, "text", "none") == "unanswered"
    assert outcome_of(None, "text", "smalltalk") == "smalltalk"
    assert outcome_of(None, "command", "answer") == "commands"
    assert {outcome_of(s, r, d) for s, r, d, _, _ in SEED} == set(OUTCOMES)


async def test_text_chart_and_csv_show_the_same_rows_and_total(store: StatsStore) -> None:
    report = await store.report(30, now=NOW)
    assert report.total == SEEDED_TOTAL
    rows = report_rows(report, title)
    assert rows == [
        ("Money sent home", 10),
        ("Human trafficking", 2),
        ("Choice of topics offered", 4),
        ("Could not answer", 5),
        ("Small talk", 6),
        ("Commands and menus", 9),
    ]
    assert sum(n for _, n in rows) == SEEDED_TOTAL

    text = format_report(report, title)
    print(text)
    assert f"Asks {SEEDED_TOTAL}" in text
    total_line = next(line for line in text.splitlines() if line.startswith("Total"))
    assert int(total_line.split()[1]) == SEEDED_TOTAL
    for name, count in rows:  # every row by name, with its count
        assert re.search(rf"^{re.escape(name[:17])}\S*\s+{count}\s", text, re.MULTILINE), name
    assert "remittances" not in text  # titles, never ids
    assert all(len(line) <= 40 for line in text.splitlines())

    chart = chart_rows(report, title)
    assert chart == rows
    assert sum(n for _, n in chart) == SEEDED_TOTAL

    table = list(
        csv.DictReader(io.StringIO(export_csv(await store.count_rows(30, now=NOW), title)))
    )
    assert tuple(table[0]) == EXPORT_HEADER
    assert sum(int(row["count"]) for row in table) == SEEDED_TOTAL
    per_name: dict[str, int] = {}
    for row in table:
        per_name[row["topic_title"]] = per_name.get(row["topic_title"], 0) + int(row["count"])
    assert per_name == dict(rows)
    assert {"date", "topic_id", "language", "route", "outcome"} <= set(table[0])
    money = [row for row in table if row["topic_id"] == "remittances"]
    assert {row["language"] for row in money} == {"en", "ru"}
    assert {row["route"] for row in money} == {"text", "button"}


async def test_named_rows_are_in_the_admins_language(store: StatsStore) -> None:
    report = await store.report(30, now=NOW)
    names = [name for name, _ in report_rows(report, title, "th")]
    assert "ตอบไม่ได้" in names  # "Could not answer"
    assert "Could not answer" not in names
    assert "ตอบไม่ได้" in export_csv(await store.count_rows(30, now=NOW), title, "th")


async def test_topics_by_language(store: StatsStore) -> None:
    report = await store.report(30, now=NOW)
    assert report.by_section_lang == (
        ("remittances", "en", 7),
        ("remittances", "ru", 3),
        ("trafficking", "th", 2),
    )
    text = format_report(report, title)
    assert "Money sent home: en 7, ru 3" in text
    assert "Human trafficking: th 2" in text


async def test_many_topics_fold_into_one_row_and_still_add_up(tmp_path: Path) -> None:
    async with StatsStore(tmp_path / "b.sqlite3", "pepper", clock=lambda: NOW) as store:
        for i in range(40):
            store.record(StatsEvent("u", "text", f"topic-{i:02}", "answer", 50.0, "en", at=NOW))
        report = await store.report(7, now=NOW)
    rows = report_rows(report)
    assert ("Other topics", 10) in rows
    assert sum(n for _, n in chart_rows(report)) == report.total == 40


async def test_weekly_trend_of_the_top_topics(store: StatsStore) -> None:
    rows = await store.count_rows(8 * 7, now=NOW)
    starts, series = weekly_trend(rows, NOW.date(), weeks=8, top=1)
    assert len(starts) == 8
    assert starts[-1] == NOW.date() - timedelta(days=6)
    assert starts[0] == NOW.date() - timedelta(days=55)
    # remittances: 7 English asks on the last 7 days, 3 Russian on the last 3 -> all last week.
    assert series == {"remittances": [0, 0, 0, 0, 0, 0, 0, 10]}
    png = render_trend(starts, series, title)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_weekly_trend_puts_each_day_in_its_week() -> None:
    end = date(2024, 5, 15)
    rows = [
        (str(end), "a", "text", "en", "answer", 2),
        (str(end - timedelta(days=7)), "a", "text", "en", "answer", 3),
        (str(end - timedelta(days=20)), "b", "text", "en", "answer", 1),
        (str(end - timedelta(days=30)), "b", "text", "en", "answer", 9),  # before the 3 weeks
        (str(end), "", "text", "en", "none", 5),  # not a topic
    ]
    starts, series = weekly_trend(rows, end, weeks=3, top=5)
    assert starts == [end - timedelta(days=20), end - timedelta(days=13), end - timedelta(days=6)]
    assert series == {"a": [0, 3, 2], "b": [1, 0, 0]}


def test_unanswered_groups_near_duplicates_with_languages_and_counts() -> None:
    rows = [
        ("Where is my visa?", "en", 3),
        ("where is my visa", "en", 1),
        ("Where is my visa??", "ru", 2),
        ("how to send money to nepal", "ne", 2),
        ("How do I send money to Nepal", "en", 1),
        ("what is the weather", "th", 1),
    ]
    groups = group_unanswered(rows)
    assert groups[0] == ("Where is my visa?", "en, ru", 6)
    assert ("how to send money to nepal", "ne, en", 3) in groups
    assert groups[-1] == ("what is the weather", "th", 1)
    assert sum(count for _, _, count in groups) == sum(count for _, _, count in rows)
    text = format_unanswered(groups)
    assert "   6  [en, ru]  Where is my visa?" in text


async def test_unanswered_leaves_out_small_talk_and_choices(store: StatsStore) -> None:
    store.record(StatsEvent("u", "text", None, "smalltalk", 0.0, "en", question="hello", at=NOW))
    rows = await store.unanswered_by_lang(30, now=NOW)
    assert rows == [("where is my visa", "bn", 5)]  # "none" only: no clarify, no small talk
