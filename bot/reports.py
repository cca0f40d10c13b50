"""The admins' reports: named rows that add up, as text, chart data, CSV and grouped questions.

Pure logic over what storage counted (bot/storage/records.py); nothing here knows Telegram.
One definition of every count (`bot.storage.records.outcome_of`): each event is in exactly one
row, a topic (by its title, in the admin's language) or a named row (a choice of topics, could
not answer, small talk, commands and menus), so the text, the chart and the CSV show the same
total.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta

from rapidfuzz import fuzz, process

from bot.i18n import t
from bot.storage.records import StatsReport, outcome_of, percent

REPORT_WIDTH = 40  # characters per line: a phone shows about this many in monospace
_NAME_WIDTH = 18
# A report names at most this many topics one by one; the rest share one "Other topics" row.
MAX_TOPIC_ROWS = 30
# Unanswered questions at least this similar (rapidfuzz token_sort_ratio) count as one.
SIMILAR_QUESTION = 85.0

Title = Callable[[str], str]  # section id -> its title in the admin's language
# Named rows after the topics, with their catalogue keys (bot/locales/reports/).
_NAMED_ROWS = (
    ("clarify", "report_clarify"),
    ("unanswered", "report_unanswered"),
    ("smalltalk", "report_smalltalk"),
    ("commands", "report_commands"),
)
EXPORT_HEADER = ("date", "topic_id", "topic_title", "language", "route", "outcome", "count")


def _same(section_id: str) -> str:
    return section_id


def outcome_label(outcome: str, lang: str) -> str:
    """The name of a named row ("clarify", "unanswered"...) in the admin's language."""
    return t(dict(_NAMED_ROWS)[outcome], lang)


def report_rows(
    report: StatsReport, title: Title = _same, lang: str = "en", max_topics: int = MAX_TOPIC_ROWS
) -> list[tuple[str, int]]:
    """Every row of the report, `(name, count)`: topics most asked first, then the named rows.

    The counts add up to `report.total`; the text, the chart and the CSV are built from this.
    """
    topics = [(title(stat.section_id), stat.count) for stat in report.sections if stat.count]
    rows = topics[:max_topics]
    if len(topics) > max_topics:
        rows.append((t("report_other_topics", lang), sum(n for _, n in topics[max_topics:])))
    counts = dict(report.outcomes)
    rows.extend((t(key, lang), counts.get(outcome, 0)) for outcome, key in _NAMED_ROWS)
    return rows


def _signedpercent(value: float | None) -> str:
    return "-" if value is None else f"{value:+.0f}%"


def _fit(name: str) -> str:
    return name if len(name) <= _NAME_WIDTH else name[: _NAME_WIDTH - 1] + "…"


def _wrap(parts: list[str], title: str) -> list[str]:
    """`Title: a, b, c` over as many lines as needed, never splitting a part."""
    lines = [f"{title}:"]
    for index, part in enumerate(parts):
        part += "," if index < len(parts) - 1 else ""
        if len(lines[-1]) + 1 + len(part) > REPORT_WIDTH:
            lines.append(" ")
        lines[-1] += " " + part
    return lines


def format_report(report: StatsReport, title: Title = _same, lang: str = "en") -> str:
    """The report as a compact monospace table, at most 40 characters a line.

    Topics by title (`title`), then the named rows; the Total line is the sum of the rows.
    Plain text: wrap it in <pre> (HTML-escaped) to send it on Telegram.
    """
    lines = [
        f"Stats: {report.period}",
        f"{report.start} to {report.end} (UTC)" if report.start else f"until {report.end} (UTC)",
    ]
    change = report.total_change
    asks = f"Asks {report.total:,}"
    if report.previous_total is not None:
        asks += f" ({_signedpercent(change) if report.previous_total else 'new'})"
    # Over more than a day, a person counts once per day they came (keys change daily).
    users = "users" if report.days == 1 else "user-days"
    lines.append(f"{asks}, {users} {report.unique_users:,}")
    lines.append(f"Unanswered {report.unmatched_rate:.1f}% ({report.unmatched:,})")
    # Safeguarding: how often people who sounded in danger got the urgent note (counts only).
    lines.append(f"Safeguarding: {report.urgent:,} urgent-help replies")
    for label, pairs in (
        ("  by kind", report.urgent_by_kind),
        ("  by lang", report.urgent_by_lang),
    ):
        if pairs:
            lines.extend(_wrap([f"{key} {count:,}" for key, count in pairs], label))
    with_change = report.previous_total is not None
    by_title = {title(stat.section_id): stat for stat in report.sections}
    rows = report_rows(report, title, lang)
    if report.total:
        lines.append("")
        header = f"{'Topic':<{_NAME_WIDTH}} {'Asks':>7} {'%':>4}"
        lines.append(header + (f" {'Change':>7}" if with_change else ""))
        for name, count in rows:
            line = f"{_fit(name):<{_NAME_WIDTH}} {count:>7,} {percent(count, report.total):>3.0f}%"
            stat = by_title.get(name)
            if with_change and stat is not None:
                shown = "new" if not stat.previous else _signedpercent(stat.change)
                line += f" {shown:>7}"
            lines.append(line)
        lines.append(f"{'Total':<{_NAME_WIDTH}} {sum(n for _, n in rows):>7,} {100:>3}%")
    for heading, pairs in (("Languages", report.by_lang), ("Routes", report.by_route)):
        if pairs:
            lines.append("")
            lines.extend(
                _wrap([f"{key} {percent(n, report.total):.0f}%" for key, n in pairs], heading)
            )
    lines.extend(format_topics_by_language(report, title))
    return "\n".join(lines)


def format_topics_by_language(report: StatsReport, title: Title = _same) -> list[str]:
    """`Title: en 5, ru 3` per topic, most asked topic first (answered asks only)."""
    per_topic: dict[str, list[str]] = {}
    for section_id, lang, count in report.by_section_lang:
        per_topic.setdefault(section_id, []).append(f"{lang} {count:,}")
    if not per_topic:
        return []
    lines = ["", "Topics by language"]
    for stat in report.sections:
        if stat.section_id in per_topic:
            lines.extend(_wrap(per_topic[stat.section_id], _fit(title(stat.section_id))))
    return lines


def export_csv(rows: Iterable[Sequence[object]], title: Title = _same, lang: str = "en") -> str:
    """The /export CSV: `date, topic_id, topic_title, language, route, outcome, count`.

    `rows` are `(day, section id or '', route, lang, decision, count)` from storage. `outcome`
    is the report's row kind (answered, clarify, unanswered, smalltalk, commands); the counts
    add up to the report's total for the same days.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_HEADER)
    for day, section_id, route, language, decision, count in rows:
        section = str(section_id)
        outcome = outcome_of(section or None, str(route), str(decision))
        name = title(section) if section else outcome_label(outcome, lang)
        writer.writerow((day, section, name, language, route, outcome, count))
    return out.getvalue()


def weekly_trend(
    rows: Iterable[Sequence[object]], end: date, weeks: int = 8, top: int = 5
) -> tuple[list[date], dict[str, list[int]]]:
    """Answered asks per week for the `top` topics of the last `weeks` weeks.

    `rows` as for `export_csv`. Weeks end on `end` (week 1 is the oldest); returns the first day
    of each week and, per section id, its count in each week, most asked topic first.
    """
    first = end - timedelta(days=7 * weeks - 1)
    starts = [first + timedelta(days=7 * week) for week in range(weeks)]
    counts: dict[str, list[int]] = {}
    totals: Counter[str] = Counter()
    for day, section_id, _route, _lang, _decision, count in rows:
        when = date.fromisoformat(str(day))
        if not section_id or not first <= when <= end:
            continue
        series = counts.setdefault(str(section_id), [0] * weeks)
        series[(when - first).days // 7] += int(str(count))
        totals[str(section_id)] += int(str(count))
    leaders = [section for section, _ in sorted(totals.items(), key=lambda i: (-i[1], i[0]))]
    return starts, {section: counts[section] for section in leaders[:top]}


def group_unanswered(
    rows: Iterable[tuple[str, str, int]], limit: int = 20, similar: float = SIMILAR_QUESTION
) -> list[tuple[str, str, int]]:
    """Near-duplicate unanswered questions counted as one: `(question, languages, count)`.

    `rows` are `(question, lang, count)`. The most asked spelling names a group; `languages`
    lists the group's languages, most frequent first ("ru, en").
    """
    groups: list[tuple[Counter[str], Counter[str]]] = []  # spellings, languages
    keys: list[str] = []  # each group's first (most asked) question, casefolded
    for question, lang, count in sorted(rows, key=lambda row: (-row[2], row[0])):
        found = process.extractOne(
            question.casefold(), keys, scorer=fuzz.token_sort_ratio, score_cutoff=similar
        )
        if found is not None:
            spellings, languages = groups[found[2]]
            spellings[question] += count
            languages[lang] += count
        else:
            keys.append(question.casefold())
            groups.append((Counter({question: count}), Counter({lang: count})))
    ranked = sorted(
        (
            (spellings.most_common(1)[0][0], languages, sum(spellings.values()))
            for spellings, languages in groups
        ),
        key=lambda group: (-group[2], group[0]),
    )
    return [
        (question, ", ".join(lang for lang, _ in languages.most_common()), count)
        for question, languages, count in ranked[:limit]
    ]


def format_unanswered(groups: Sequence[tuple[str, str, int]], days: int = 30) -> str:
    """The /unanswered list: count, languages and the question, one group a line."""
    lines = [f"Unanswered, last {days} days (similar questions together)", ""]
    lines.extend(f"{count:>4}  [{langs}]  {question}" for question, langs, count in groups)
    return "\n".join(lines)
