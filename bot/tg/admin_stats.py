"""Admin statistics on Telegram: /stats, /unanswered and /export (bot/reports.py formats them).

Thin: storage counts, `bot.reports` names and adds up, this module sends (HTML, as every message
of the bot: bot/tg/sending.py). Topic titles are in
the admin's own language; every count has one definition (`bot.storage.records.outcome_of`), so
the table, the chart and the CSV show the same total.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Message, Update

from bot.content.models import pick
from bot.replies import escape, split_message
from bot.reports import (
    Title,
    export_csv,
    format_report,
    format_unanswered,
    group_unanswered,
    weekly_trend,
)
from bot.storage.records import StatsUnavailable
from bot.tg.context import Context, user_language

# /stats periods; the first is the default.
STATS_PERIODS: dict[str, int | None] = {"30d": 30, "7d": 7, "90d": 90, "all": None}
TREND_WEEKS = 8
TREND_TOPICS = 5
UNANSWERED_DAYS = 30
UNAVAILABLE = "The statistics database is unavailable right now."


def titles(context: Context, lang: str) -> Title:
    """Section id -> its title in `lang` (the id itself for a topic no longer in the content)."""
    library = context.bot_data.service.library

    def title(section_id: str) -> str:
        section = library.section(section_id)
        return pick(section.title, lang).value if section is not None else section_id

    return title


async def stats(update: Update, context: Context) -> None:
    """/stats [7d|30d|90d|all]: the table, the help desk's cases, a chart, the weekly trend."""
    message = update.effective_message
    if message is None:
        return
    period = context.args[0].lower() if context.args else next(iter(STATS_PERIODS))
    if period not in STATS_PERIODS:
        await message.reply_text(f"Use /stats with one of: {', '.join(STATS_PERIODS)}")
        return
    store = context.bot_data.store
    lang = await user_language(update, context)
    title = titles(context, lang)
    try:
        report = await store.report(STATS_PERIODS[period])
        weeks = await store.count_rows(TREND_WEEKS * 7)
    except StatsUnavailable:
        await message.reply_text(UNAVAILABLE)
        return
    await _send_pre(message, format_report(report, title, lang))
    desk = await context.bot_data.helpdesk.stats_text(STATS_PERIODS[period])
    if desk is not None:  # the help desk is configured: its cases and answer times
        await _send_pre(message, desk)
    try:
        from bot.charts import render_chart, render_trend
    except ImportError:  # pragma: no cover - matplotlib is an optional dependency
        return
    # Drawing takes a moment of CPU: keep the event loop serving other users meanwhile.
    chart = await asyncio.to_thread(render_chart, report, title, lang)
    await message.reply_photo(chart, caption=f"Asks, {report.period}")
    starts, series = weekly_trend(weeks, datetime.now(UTC).date(), TREND_WEEKS, TREND_TOPICS)
    trend = await asyncio.to_thread(render_trend, starts, series, title)
    await message.reply_photo(trend, caption=f"Top topics per week, last {TREND_WEEKS} weeks")


async def unanswered(update: Update, context: Context) -> None:
    """/unanswered: questions the bot could not answer (scrubbed), similar ones together, with
    their languages and counts; small talk and choices of topics are left out."""
    message = update.effective_message
    if message is None:
        return
    try:
        rows = await context.bot_data.store.unanswered_by_lang(UNANSWERED_DAYS)
    except StatsUnavailable:
        await message.reply_text(UNAVAILABLE)
        return
    groups = await asyncio.to_thread(group_unanswered, rows)
    if not groups:
        await message.reply_text(f"No unanswered questions in the last {UNANSWERED_DAYS} days.")
        return
    await _send_pre(message, format_unanswered(groups, UNANSWERED_DAYS))


async def export(update: Update, context: Context) -> None:
    """/export: a CSV of counts per day, topic, language, route and outcome (README.md)."""
    message = update.effective_message
    if message is None:
        return
    lang = await user_language(update, context)
    try:
        rows = await context.bot_data.store.count_rows()
    except StatsUnavailable:
        await message.reply_text(UNAVAILABLE)
        return
    csv_text = export_csv(rows, titles(context, lang), lang)
    await message.reply_document(
        csv_text.encode(),
        filename="bot-counts.csv",
        caption="Asks per day, topic, language, route and outcome (UTC)",
    )


async def _send_pre(message: Message, text: str) -> None:
    """Monospace text in as many messages as needed; a <pre> never spans two."""
    for part in split_message(escape(text)):
        await message.reply_text(f"<pre>{part}</pre>")
