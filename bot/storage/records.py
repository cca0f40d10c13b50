"""What the storage keeps and returns: events, reports, announcements, and its errors.

Plain frozen dataclasses with no I/O, shared by every storage part, by the Protocols in
`bot.storage.ports` and by whoever formats a report; importing this module opens nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal, get_args

# The same values as `bot.replies.Route` / `Decision`; kept here so storage needs no reply code.
Route = Literal["command", "button", "text", "deeplink", "inline"]
Decision = Literal["answer", "clarify", "none", "smalltalk"]
ChatType = Literal["private", "group"]
ROUTES: tuple[str, ...] = get_args(Route)
DECISIONS: tuple[str, ...] = get_args(Decision)
UNMATCHED_DECISIONS = ("none", "clarify")

# The report's named rows besides the topics: every event counts in exactly one row
# (`outcome_of`), so the text, the chart and the CSV add up to the same total.
OUTCOMES: tuple[str, ...] = ("answered", "clarify", "unanswered", "smalltalk", "commands")


def outcome_of(section_id: str | None, route: str, decision: str) -> str:
    """The one definition of the report row an event counts in.

    A served section is "answered" (its topic's own row); a choice of topics is "clarify"; a
    friendly reply to a greeting or thanks is "smalltalk"; "I can't answer that" is
    "unanswered"; everything else without a section (commands, menus) is "commands".
    """
    if section_id:
        return "answered"
    if decision in ("clarify", "none", "smalltalk"):
        return "unanswered" if decision == "none" else decision
    return "commands"


class StatsError(Exception):
    """The statistics database cannot do what was asked."""


class SchemaTooNew(StatsError):
    """The database was written by a newer version of the bot; refusing to touch it."""


class StatsUnavailable(StatsError):
    """The statistics database is unavailable right now (see the log for why)."""


class StoreClosed(StatsError):
    """This StatsStore was closed; create a new one instead of reopening it."""


@dataclass(frozen=True, slots=True)
class StatsEvent:
    """One thing the bot did for someone: an answered question, a button, a deep link, a query.

    `question` is the raw text, only for decisions "none" and "clarify"; the store scrubs and caps
    it before keeping it and ignores it for "answer". `at` defaults to the store's clock.
    """

    user_key: str
    route: Route
    section_id: str | None
    decision: Decision
    score: float = 0.0
    lang: str = "en"
    chat_type: ChatType = "private"
    question: str | None = None
    at: datetime | None = None
    # Set when the reply began with an urgent-help note: the kind of danger (counted per day
    # and language in `urgent_counts`; nothing else about it is kept).
    distress_kind: str | None = None


@dataclass(frozen=True)
class SectionStat:
    """How often one section was served in the period, and how that compares."""

    section_id: str
    count: int
    share: float  # percent of the period's asks that reached a section
    previous: int | None  # count in the previous period of the same length (None for 'all')
    change: float | None  # percent change vs `previous`; None for 'all' or when it was 0


@dataclass(frozen=True)
class StatsReport:
    """What the admins see: the period's asks by section, language, route and decision."""

    period: str  # "last 7 days" or "all time"
    days: int | None
    start: date | None  # first day counted (UTC); None for 'all'
    end: date  # last day counted (UTC), today
    total: int  # every recorded event: questions, buttons, deep links, inline queries
    previous_total: int | None
    # Distinct user keys among events still kept (not the rolled-up past). Keys change every
    # UTC day (bot/storage/keys.py), so this is exact for one day, and over a longer period it
    # is the sum of each day's users: someone active on 3 days counts 3 times ("user-days").
    unique_users: int
    sections: tuple[SectionStat, ...]  # most asked first
    by_lang: tuple[tuple[str, int], ...]
    by_route: tuple[tuple[str, int], ...]
    by_decision: tuple[tuple[str, int], ...]
    unmatched: int  # decision "none" or "clarify"
    unmatched_rate: float  # percent of `total`
    # Events per named row (OUTCOMES order); "answered" is the sum of the sections' counts.
    outcomes: tuple[tuple[str, int], ...] = ()
    # (section id, language, count), most asked first: the topics-by-language view.
    by_section_lang: tuple[tuple[str, str, int], ...] = ()
    # Safeguarding: urgent-help replies in the period, by kind and by language, most first.
    urgent_by_kind: tuple[tuple[str, int], ...] = ()
    urgent_by_lang: tuple[tuple[str, int], ...] = ()

    @property
    def urgent(self) -> int:
        """Urgent-help replies in the period."""
        return sum(count for _, count in self.urgent_by_kind)

    @property
    def total_change(self) -> float | None:
        """Percent change of all asks vs the previous period (None for 'all' or from 0)."""
        return change(self.total, self.previous_total)


@dataclass(frozen=True)
class RetentionResult:
    """Rows deleted by one `apply_retention` run."""

    events: int = 0
    user_days: int = 0
    unmatched: int = 0


@dataclass(frozen=True)
class Announcement:
    """An announcement being sent to subscribers; `payload` is the caller's (e.g. JSON)."""

    id: str
    created_at: datetime
    payload: str
    state: str


def change(current: int, previous: int | None) -> float | None:
    """Percent change from `previous` to `current`; None when there is nothing to compare."""
    if not previous:
        return None
    return (current - previous) / previous * 100.0


def percent(part: int, whole: int) -> float:
    """`part` as a percentage of `whole` (0 when `whole` is 0)."""
    return part / whole * 100.0 if whole else 0.0


# --- time: the store works in UTC, in whole minutes and days ---


def utcnow() -> datetime:
    """The current time, aware, in UTC (the default clock)."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Aware UTC datetime; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def epoch_minute(moment: datetime) -> int:
    """Unix time in seconds, truncated to the minute."""
    seconds = int(as_utc(moment).timestamp())
    return seconds - seconds % 60


def day_start(day: date) -> int:
    """Unix time of 00:00 UTC on `day`."""
    return int(datetime.combine(day, datetime.min.time(), UTC).timestamp())


def day_name(epoch: int) -> str:
    """The UTC day of a Unix time, as `YYYY-MM-DD`."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d")
