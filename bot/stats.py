"""Former home of the statistics store; kept as a re-export while callers move.

The storage now lives in the `bot.storage` package (one module per part, Protocols in
`bot.storage.ports`) and report formatting in `bot.reports`. Import from there in new code.
"""

from __future__ import annotations

from bot.reports import format_report
from bot.storage.languages import LanguageChoices
from bot.storage.migrations import MIGRATIONS, migrate
from bot.storage.records import (
    Announcement,
    RetentionResult,
    SchemaTooNew,
    SectionStat,
    StatsError,
    StatsEvent,
    StatsReport,
    StatsUnavailable,
    StoreClosed,
)
from bot.storage.store import StatsStore

__all__ = [
    "MIGRATIONS",
    "Announcement",
    "LanguageChoices",
    "RetentionResult",
    "SchemaTooNew",
    "SectionStat",
    "StatsError",
    "StatsEvent",
    "StatsReport",
    "StatsStore",
    "StatsUnavailable",
    "StoreClosed",
    "format_report",
    "migrate",
]
