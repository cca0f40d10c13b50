"""Talk to a person: the help desk's case logic, free of Telegram and SQLite.

An NGO's caseworkers answer people in a Telegram group of their own (HELPDESK_CHAT_ID). After
the person agrees (consent first, in their language), each message they write is posted in the
group by the bot as "Case 17 · th · <text>": a new message, never a forward, so the group never
sees who wrote it. A caseworker answers by replying to any message of the case; the person gets
the answer introduced with HELPDESK_NAME, never with the caseworker's name.

This module decides; `bot/tg/helpdesk.py` talks to Telegram and `bot/storage/cases.py` keeps the
routing rows (case number, the person's chat id, language, message-id pairs) while a case is
open. No message text or media is kept anywhere.

    config = HelpdeskConfig(chat_id=-1001234, name="Migrant Help Desk, Bangkok")
    refusal("private", has_username=False)      # -> why a chat cannot be the desk, or None
    consent(config, "th")                        # -> the Reply asking for consent
    group_messages(17, "th", "my boss took my passport")  # -> ["Case 17 · th · my boss ..."]
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.content.models import SUPPORTED_LANGUAGES
from bot.i18n import catalogue, t
from bot.replies import Button, Reply, Row, escape, join, split_message

# --- limits (named, so the README and the tests have one source) -------------------------------

# A case closes by itself after this long without a message from either side.
IDLE_DAYS = 30
IDLE_SECONDS = IDLE_DAYS * 86_400
# Per case: at most RATE_MESSAGES relayed in any RATE_WINDOW_SECONDS; beyond that the person is
# asked once to slow down and the extra messages are dropped (not queued: a queue would only
# deliver the flood later).
RATE_MESSAGES = 8
RATE_WINDOW_SECONDS = 60.0
# Per case: messages relayed since the desk last answered (the desk's queue for this case).
MAX_WAITING_MESSAGES = 30
# Per case: photos and files relayed from the person, all in all.
MAX_MEDIA_PER_CASE = 20
# Open cases at once; a flood of new cases must not bury the ones being worked on.
MAX_OPEN_CASES = 1_000
# Per person: cases opened in OPENINGS_WINDOW_SECONDS (opening and ending in a loop would
# otherwise flood the group with "new case" notices).
MAX_OPENINGS = 3
OPENINGS_WINDOW_SECONDS = 3600.0
# Telegram's limits for what a bot sends: photos up to 10 MB, other files up to 50 MB.
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
# Telegram's limits for a message text and a media caption.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# A first answer within this long counts as "answered within a day" in the statistics.
ANSWER_TARGET_SECONDS = 24 * 3600

# Button payloads (callback data): the consent screen, its answers, and "End this conversation"
# (with the case number, so an old button cannot end a later case).
PAYLOAD_OFFER = "h"
PAYLOAD_YES = "h:yes"
PAYLOAD_NO = "h:no"
PAYLOAD_END = "h:end"

ChatKind = Literal["private", "group", "supergroup", "channel"]
CloseReason = Literal["user", "desk", "idle", "forget", "blocked"]
CLOSE_REASONS: tuple[CloseReason, ...] = ("user", "desk", "idle", "forget", "blocked")
MediaKind = Literal["photo", "document"]


@dataclass(frozen=True)
class HelpdeskConfig:
    """HELPDESK_CHAT_ID, HELPDESK_NAME, HELPDESK_HOURS and HELPDESK_LANGUAGES, checked."""

    chat_id: int
    name: str
    hours: str | None = None
    # Languages the desk can answer in; empty means it did not say.
    languages: tuple[str, ...] = ()


def refusal(chat_type: str, *, has_username: bool) -> str | None:
    """Why a chat cannot be the help desk (for the log), or None if it can.

    Only a group or supergroup without a public @username: in a private chat or a channel
    caseworkers cannot reply as a team, and anyone can join or read a public group.
    """
    if chat_type not in ("group", "supergroup"):
        return f"it is a {chat_type} chat, not a group of caseworkers"
    if has_username:
        return "it is a public group (it has an @username): anyone could read the cases"
    return None


# --- cases ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """An open case as the store keeps it: routing data and counts, never a message."""

    number: int
    chat_id: int  # the person's private chat with the bot
    lang: str
    opened_at: int  # Unix seconds
    last_message_at: int
    first_answer_at: int | None = None
    media_count: int = 0
    waiting: int = 0  # messages relayed since the desk last answered


Admission = Literal["relay", "slow_down", "dropped", "wait", "media_limit", "too_big"]


@dataclass
class RateLimiter:
    """Per-case sliding window of relayed messages, in memory (a restart forgives a flood).

    `admit` says "slow_down" once when a case goes over the limit, then "dropped" until the
    window has room again, so a flood gets one notice, not one per message.
    """

    messages: int = RATE_MESSAGES
    window: float = RATE_WINDOW_SECONDS
    _sent: dict[int, deque[float]] = field(default_factory=dict)
    _warned: set[int] = field(default_factory=set)

    def admit(self, key: int, now: float) -> Literal["relay", "slow_down", "dropped"]:
        """Whether one more message of this case (or opening by this person) may go now."""
        sent = self._sent.setdefault(key, deque())
        while sent and sent[0] <= now - self.window:
            sent.popleft()
        if len(sent) < self.messages:
            sent.append(now)
            self._warned.discard(key)
            return "relay"
        if key in self._warned:
            return "dropped"
        self._warned.add(key)
        return "slow_down"

    def forget(self, key: int) -> None:
        """The case closed (or the person used /forget): its window goes too."""
        self._sent.pop(key, None)
        self._warned.discard(key)

    def prune(self, now: float) -> None:
        """Drop the windows with nothing left in them, so memory does not grow with users."""
        for key in [
            key for key, sent in self._sent.items() if not sent or sent[-1] <= now - self.window
        ]:
            self.forget(key)


def admit_media(case: Case, kind: MediaKind, size: int | None) -> Admission:
    """Whether a photo or file from the person may be relayed (size and per-case count)."""
    limit = MAX_PHOTO_BYTES if kind == "photo" else MAX_DOCUMENT_BYTES
    if size is not None and size > limit:
        return "too_big"
    if case.media_count >= MAX_MEDIA_PER_CASE:
        return "media_limit"
    return "relay"


def admit_waiting(case: Case) -> Admission:
    """Whether the desk's queue for this case has room (it empties when the desk answers)."""
    return "wait" if case.waiting >= MAX_WAITING_MESSAGES else "relay"


def is_idle(case: Case, now: int) -> bool:
    """Whether the case had no message from either side for IDLE_DAYS."""
    return now - case.last_message_at >= IDLE_SECONDS


# --- what the caseworkers' group sees (English: it is the NGO's working chat) -------------------

_CASE_NUMBER = re.compile(r"^Case (\d{1,9}) ·")


def case_header(number: int, lang: str) -> str:
    """'Case 17 · th': how every message of a case starts in the group."""
    return f"Case {number} · {lang}"


def parse_case_number(text: str | None) -> int | None:
    """The case number at the start of one of our group messages, if it is one."""
    match = _CASE_NUMBER.match(text or "")
    return int(match.group(1)) if match else None


# Before a message that sounds like danger (bot.distress), so the desk sees it first.
URGENT_MARK = "⚠️ may be in danger · "


def group_messages(number: int, lang: str, text: str, *, urgent: bool = False) -> list[str]:
    """The person's text as the group sees it, 'Case 17 · th · <text>', in as many messages as
    Telegram's length limit needs (plain text: nothing in it is read as formatting). With
    `urgent`, each part carries URGENT_MARK."""
    prefix = f"{case_header(number, lang)} · " + (URGENT_MARK if urgent else "")
    room = TEXT_LIMIT - len(prefix)
    return [prefix + text[start : start + room] for start in range(0, max(len(text), 1), room)]


def group_caption(number: int, lang: str, kind: MediaKind, caption: str | None) -> list[str]:
    """The caption of a relayed photo or file, then any text that did not fit in it."""
    head = f"{case_header(number, lang)} · {kind}"
    if not caption:
        return [head]
    first = f"{head} · {caption}"
    if len(first) <= CAPTION_LIMIT:
        return [first]
    return [head, *group_messages(number, lang, caption)]


def case_opened(number: int, lang: str) -> str:
    """The group's notice of a new case."""
    return (
        f"{case_header(number, lang)} · new case. Reply to any message of this case to answer "
        "the person; reply with /close to close it."
    )


_CLOSED_NOTICES: dict[CloseReason, str] = {
    "user": "closed by the person.",
    "desk": "closed. The person was told.",
    "idle": f"closed after {IDLE_DAYS} days without messages.",
    "forget": "closed: the person deleted their data (/forget).",
    "blocked": "closed: the person blocked the bot, so nothing more can reach them.",
}


def case_closed(number: int, lang: str, reason: CloseReason) -> str:
    """The group's notice that a case closed, and why."""
    return f"{case_header(number, lang)} · {_CLOSED_NOTICES[reason]}"


def closed_case_reply(number: int | None) -> str:
    """The group's answer to a reply to a case that is no longer open."""
    if number is None:
        return "This message is not part of an open case. Nothing was sent."
    return f"Case {number} is closed. Nothing was sent."


DESK_HELP = (
    "This group is the help desk. Each case starts with 'Case N · language'.\n"
    "• Answer: reply to any message of the case (text, photo or file). The person sees your "
    "answer under the desk's name, never your name.\n"
    "• /cases lists the open cases.\n"
    "• /close, as a reply to a message of a case, closes it and tells the person."
)
CLOSE_USAGE = "Send /close as a reply to a message of the case you want to close."
NOT_RELAYED_KIND = "Only text, photos and files can be passed on. Nothing was sent."
NOT_DELIVERED = "Not delivered: Telegram refused it. Please try again."


def age(seconds: float) -> str:
    """A short age for the group: '5 min', '3 h', '2 d'."""
    seconds = max(0, int(seconds))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86_400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86_400} d"


def cases_list(cases: Sequence[Case], now: int) -> str:
    """/cases: every open case with its language, age and last message time, oldest first."""
    if not cases:
        return "No open cases."
    lines = [f"Open cases: {len(cases)}"]
    for case in sorted(cases, key=lambda case: case.number):
        answered = "answered" if case.first_answer_at is not None else "not answered yet"
        lines.append(
            f"{case_header(case.number, case.lang)} · opened {age(now - case.opened_at)} ago · "
            f"last message {age(now - case.last_message_at)} ago · {answered}"
        )
    return "\n".join(lines)


# --- what the person sees (their language) ------------------------------------------------------


def offer_row(lang: str) -> Row:
    """The 'Talk to a person' button under urgent-help and "can't answer" replies."""
    return (Button(t("btn_talk_to_person", lang), PAYLOAD_OFFER),)


def end_row(lang: str, number: int) -> Row:
    """The 'End this conversation' button for case `number`."""
    return (Button(t("btn_end_case", lang), f"{PAYLOAD_END}:{number}"),)


def help_line(config: HelpdeskConfig, lang: str) -> str:
    """The /help line for /human (escaped HTML)."""
    return escape(t("helpdesk_help_line", lang, name=config.name))


def consent(config: HelpdeskConfig, lang: str) -> Reply:
    """Who will read, what they see, when they answer, not an emergency service, how to stop;
    then 'Yes, connect me'. Nothing is relayed before that button."""
    name = escape(config.name)
    when = config.hours or t("helpdesk_consent_no_hours", lang)
    lines = [t("helpdesk_consent", lang, name=name, when=escape(when))]
    if config.languages:
        names = ", ".join(catalogue(code).get("language_name", code) for code in config.languages)
        lines.append(escape(t("helpdesk_consent_languages", lang, languages=names)))
    lines.append(escape(t("helpdesk_consent_question", lang)))
    buttons: tuple[Row, ...] = (
        (Button(t("btn_connect_yes", lang), PAYLOAD_YES),),
        (Button(t("btn_connect_no", lang), PAYLOAD_NO),),
    )
    return Reply(join(*lines), buttons, lang=lang)


def notice(key: str, lang: str, *, end_button: int | None = None, **fields: object) -> Reply:
    """A short message to the person in their language (escaped), with the end button if
    `end_button` names their case."""
    text = escape(t(key, lang, **{name: str(value) for name, value in fields.items()}))
    buttons = (end_row(lang, end_button),) if end_button is not None else ()
    return Reply(text, buttons, lang=lang)


CLOSED_FOR_PERSON: dict[CloseReason, str] = {
    "user": "helpdesk_ended",
    "desk": "helpdesk_closed_by_desk",
    "idle": "helpdesk_closed_idle",
    "forget": "helpdesk_closed_forget",
}


def delivered_text(config: HelpdeskConfig, text: str) -> list[str]:
    """A caseworker's text for the person: the desk's name, then the text (escaped HTML), in as
    many messages as needed. Never the caseworker's name."""
    head = f"<b>{escape(config.name)}</b>\n"
    # Cut after escaping ("<" becomes "&lt;"), never inside an entity.
    first, *rest = split_message(escape(text) or " ", TEXT_LIMIT - len(head))
    return [head + first, *rest]


def delivered_caption(config: HelpdeskConfig, caption: str | None) -> list[str]:
    """The caption of a caseworker's photo or file for the person, then what did not fit."""
    head = f"<b>{escape(config.name)}</b>"
    first = f"{head}\n{escape(caption)}" if caption else head
    if len(first) <= CAPTION_LIMIT:
        return [first]
    return [head, *delivered_text(config, caption or "")]


# --- statistics -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseTimes:
    """One case as statistics see it: language and times, nothing that names anyone."""

    lang: str
    opened_at: int
    first_answer_at: int | None
    closed_at: int | None


@dataclass(frozen=True)
class HelpdeskStats:
    """Cases opened and closed per language, and how fast the desk answered."""

    opened: tuple[tuple[str, int], ...]
    closed: tuple[tuple[str, int], ...]
    answered: int  # cases opened in the period that got an answer
    median_first_answer: float | None  # seconds
    # Of the cases opened in the period that were answered or are at least a day old: the
    # percent answered within ANSWER_TARGET_SECONDS. None when there is none yet.
    within_day: float | None


def summarize(cases: Iterable[CaseTimes], since: int | None, now: int) -> HelpdeskStats:
    """The statistics of every case opened or closed from `since` (None: all) up to `now`."""
    opened: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    waits: list[int] = []
    judged = on_time = 0
    for case in cases:
        if case.closed_at is not None and (since is None or case.closed_at >= since):
            closed[case.lang] += 1
        if since is not None and case.opened_at < since:
            continue
        opened[case.lang] += 1
        wait = None if case.first_answer_at is None else case.first_answer_at - case.opened_at
        if wait is not None:
            waits.append(wait)
        if wait is not None or now - case.opened_at >= ANSWER_TARGET_SECONDS:
            judged += 1
            on_time += wait is not None and wait <= ANSWER_TARGET_SECONDS
    return HelpdeskStats(
        opened=_by_language(opened),
        closed=_by_language(closed),
        answered=len(waits),
        median_first_answer=float(statistics.median(waits)) if waits else None,
        within_day=on_time / judged * 100.0 if judged else None,
    )


def _by_language(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    order = {lang: index for index, lang in enumerate(SUPPORTED_LANGUAGES)}
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], order.get(item[0], 99))))


def format_stats(stats: HelpdeskStats) -> str:
    """The help desk lines of /stats (plain text, at most 40 characters a line)."""

    def per_language(pairs: tuple[tuple[str, int], ...]) -> str:
        total = sum(count for _, count in pairs)
        detail = ", ".join(f"{lang} {count}" for lang, count in pairs)
        return f"{total}" + (f" ({detail})" if detail else "")

    median = stats.median_first_answer
    within = stats.within_day
    return "\n".join(
        [
            "Help desk",
            f"Opened {per_language(stats.opened)}",
            f"Closed {per_language(stats.closed)}",
            f"First answer, median: {'-' if median is None else age(median)}",
            f"Answered within 24 h: {'-' if within is None else f'{within:.0f}%'}",
        ]
    )
