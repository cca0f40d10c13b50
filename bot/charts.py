"""Charts for the admin statistics: the report's rows as bars, and a weekly trend of top topics.

matplotlib is an optional dependency (`pip install -e '.[charts]'`), imported only when a chart
is drawn. The chart is drawn on an Agg canvas of its own, without pyplot, so no global figure
state is touched and it is safe to call from a worker thread.
"""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING

from bot.reports import Title, report_rows

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bot.storage.records import StatsReport

CHART_DPI = 100
CHART_WIDTH_INCHES = 8.0
BAR_HEIGHT_INCHES = 0.35  # per row, so long reports stay readable


def chart_rows(report: StatsReport, title: Title = str, lang: str = "en") -> list[tuple[str, int]]:
    """The bars of the /stats chart: the report's rows that are not zero, in report order.

    They add up to `report.total`, the number in the chart's title.
    """
    return [(name, count) for name, count in report_rows(report, title, lang) if count]


def _figure(height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(CHART_WIDTH_INCHES, height), dpi=CHART_DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def render_chart(report: StatsReport, title: Title = str, lang: str = "en") -> bytes:
    """A PNG horizontal bar chart of the report's rows, topics most asked on top."""
    rows = chart_rows(report, title, lang)
    names = [name for name, _ in reversed(rows)]
    counts = [count for _, count in reversed(rows)]
    figure = _figure(1.5 + BAR_HEIGHT_INCHES * max(len(rows), 1))
    axes = figure.add_subplot()
    if rows:
        bars = axes.barh(names, counts, color="#3b7dd8")
        axes.bar_label(bars, labels=[f"{count:,}" for count in counts], padding=3)
        axes.set_xlim(0, max(counts) * 1.15)
    else:
        axes.text(0.5, 0.5, "No asks in this period", ha="center", va="center")
        axes.set_axis_off()
    axes.set_title(f"Asks, {report.period} ({sum(counts):,} in all)")
    axes.set_xlabel("asks")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return _png(figure)


def render_trend(starts: list[date], series: dict[str, list[int]], title: Title = str) -> bytes:
    """A PNG line chart: answered asks per week for the top topics (`bot.reports.weekly_trend`)."""
    figure = _figure(4.5)
    axes = figure.add_subplot()
    labels = [start.strftime("%d %b") for start in starts]
    for section_id, counts in series.items():
        axes.plot(labels, counts, marker="o", label=title(section_id))
    if series:
        axes.legend(fontsize="small", loc="upper left")
    else:
        axes.text(0.5, 0.5, "No answered asks in these weeks", ha="center", va="center")
    axes.set_title(f"Top topics per week, last {len(starts)} weeks")
    axes.set_ylabel("asks")
    axes.set_ylim(bottom=0)
    axes.tick_params(axis="x", labelsize="small", rotation=45)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return _png(figure)
