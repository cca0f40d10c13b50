"""Charts for the admin statistics: a PNG bar chart of asks per section.

matplotlib is an optional dependency (`pip install -e '.[charts]'`), imported only when a chart
is drawn. The chart is drawn on an Agg canvas of its own, without pyplot, so no global figure
state is touched and it is safe to call from a worker thread.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage.records import StatsReport

CHART_DPI = 100
CHART_WIDTH_INCHES = 8.0
BAR_HEIGHT_INCHES = 0.35  # per section, so long reports stay readable
MAX_SECTIONS = 30  # more bars than this no longer fit on a phone screen


def render_chart(report: StatsReport) -> bytes:
    """A PNG horizontal bar chart of asks per section, most asked on top."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    stats = [stat for stat in report.sections if stat.count][:MAX_SECTIONS]
    names = [stat.section_id for stat in reversed(stats)]
    counts = [stat.count for stat in reversed(stats)]
    height = 1.5 + BAR_HEIGHT_INCHES * max(len(stats), 1)
    figure = Figure(figsize=(CHART_WIDTH_INCHES, height), dpi=CHART_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if stats:
        bars = axes.barh(names, counts, color="#3b7dd8")
        axes.bar_label(bars, labels=[f"{count:,}" for count in counts], padding=3)
        axes.set_xlim(0, max(counts) * 1.15)
    else:
        axes.text(0.5, 0.5, "No asks in this period", ha="center", va="center")
        axes.set_axis_off()
    axes.set_title(f"Asks per section, {report.period} ({report.total:,} asks in all)")
    axes.set_xlabel("asks")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
