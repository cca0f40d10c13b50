"""The admins' statistics report as text: a compact monospace table for a phone screen.

Pure formatting of a `StatsReport` (bot/storage/records.py); storage only counts.
"""

from __future__ import annotations

from bot.storage.records import StatsReport, percent

REPORT_WIDTH = 40  # characters per line: a phone shows about this many in monospace
_NAME_WIDTH = 18


def _signedpercent(value: float | None) -> str:
    return "-" if value is None else f"{value:+.0f}%"


def _wrap(parts: list[str], title: str) -> list[str]:
    """`Title: a, b, c` over as many lines as needed, never splitting a part."""
    lines = [f"{title}:"]
    for index, part in enumerate(parts):
        part += "," if index < len(parts) - 1 else ""
        if len(lines[-1]) + 1 + len(part) > REPORT_WIDTH:
            lines.append(" ")
        lines[-1] += " " + part
    return lines


def format_report(report: StatsReport) -> str:
    """The report as a compact monospace table, at most 40 characters a line.

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
    for title, pairs in (
        ("  by kind", report.urgent_by_kind),
        ("  by lang", report.urgent_by_lang),
    ):
        if pairs:
            lines.extend(_wrap([f"{key} {count:,}" for key, count in pairs], title))
    if report.sections:
        lines.append("")
        with_change = report.previous_total is not None
        header = f"{'Section':<{_NAME_WIDTH}} {'Asks':>7} {'%':>4}"
        lines.append(header + (f" {'Change':>7}" if with_change else ""))
        for stat in report.sections:
            name = stat.section_id
            if len(name) > _NAME_WIDTH:
                name = name[: _NAME_WIDTH - 1] + "…"
            line = f"{name:<{_NAME_WIDTH}} {stat.count:>7,} {stat.share:>3.0f}%"
            if with_change:
                shown = "new" if not stat.previous else _signedpercent(stat.change)
                line += f" {shown:>7}"
            lines.append(line)
    for title, pairs in (("Languages", report.by_lang), ("Routes", report.by_route)):
        if pairs:
            lines.append("")
            lines.extend(
                _wrap([f"{key} {percent(n, report.total):.0f}%" for key, n in pairs], title)
            )
    return "\n".join(lines)
