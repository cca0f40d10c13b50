"""Announcing new and changed topics to subscribers, independent of Telegram.

The Telegram front end injects `send(chat_id, announcement) -> "sent" | "blocked" | "failed"`,
which renders the message and its buttons in the chat's language and sends it through PTB's rate
limiter; this module decides who gets what, when, and records every delivery in the store.

    announcer = Announcer(store, send)
    offer = await announcer.offer(update_result, service.library)   # waits for the admin's yes
    if await announcer.accept(offer.id):                             # the admin pressed the button
        report = await announcer.run(offer.id, progress=edit_status_message)
    ...
    await announcer.resume_unfinished()      # at start-up: finish what a restart interrupted

`prepare(update_result, library)` records an announcement ready to `run` at once, without an
offer (what `offer` then `accept` amount to).

Exactly once: a chat is marked delivered in the database right after its message was sent, and
`run` only sends to subscribers not yet marked, so a restart never sends anyone the same
announcement twice. When the task is cancelled (shutdown), sends already under way are allowed to
finish and be recorded before the cancellation goes on. Only a hard kill between a send and its
record (a few milliseconds, at most `concurrency` chats) can repeat a message on resume.

Pacing: at most `per_second` messages a second overall (Telegram allows about 30 for bulk
messages) and one message a second to the same chat, with `concurrency` sends in flight so a
slow request does not slow everyone down.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol, get_args

from bot.content.models import Library, pick
from bot.storage.ports import AnnouncementsPort

if TYPE_CHECKING:
    from bot.content.updates import UpdateResult

log = logging.getLogger("bot.announce")

SendStatus = Literal["sent", "blocked", "failed"]
SEND_STATUSES: tuple[str, ...] = get_args(SendStatus)
Change = Literal["added", "changed"]

# Fields whose change is news to a reader. A change to keywords, questions or line ranges only
# helps the search, so it is not announced.
NEWS_FIELDS: tuple[str, ...] = ("title", "summary", "key_points", "for_migrants")

DEFAULT_PER_SECOND = 25.0  # messages a second overall; Telegram's bulk limit is about 30
DEFAULT_PER_CHAT_INTERVAL = 1.0  # seconds between two messages to the same chat
DEFAULT_CONCURRENCY = 8  # sends in flight at once
DEFAULT_PROGRESS_EVERY = 50  # messages between two progress reports
DEFAULT_RETRIES = 2  # extra passes over chats whose send failed
DEFAULT_RETRY_DELAY = 30.0  # seconds before each extra pass
DEFAULT_GIVE_UP_AFTER = timedelta(days=7)  # older unfinished announcements are not resumed


class AnnounceError(Exception):
    """The announcement could not be prepared or sent."""


class NothingToAnnounce(AnnounceError):
    """No topic was added and no topic's text changed, so there is nothing to tell subscribers."""


class UnknownAnnouncement(AnnounceError):
    """No announcement with this id is waiting to be sent (it may be finished already)."""


@dataclass(frozen=True)
class Topic:
    """A new or changed section, offered as a button in the announcement."""

    section_id: str
    title: Mapping[str, str]  # language -> title, as in the content
    change: Change

    @property
    def payload(self) -> str:
        """The button payload that opens this section (see ARCHITECTURE.md)."""
        return f"s:{self.section_id}"

    def title_in(self, lang: str) -> str:
        """The title in `lang`, or in English when it has no translation."""
        return pick(self.title, lang).value


@dataclass(frozen=True)
class Announcement:
    """What subscribers are told: the topics that are new or changed."""

    id: str
    topics: tuple[Topic, ...]
    created_at: datetime
    file_name: str | None = None

    @property
    def added(self) -> tuple[Topic, ...]:
        """Topics that are new."""
        return tuple(topic for topic in self.topics if topic.change == "added")

    @property
    def changed(self) -> tuple[Topic, ...]:
        """Topics whose text changed."""
        return tuple(topic for topic in self.topics if topic.change == "changed")

    def to_json(self) -> str:
        """The payload stored with the announcement."""
        return json.dumps(
            {
                "id": self.id,
                "created_at": self.created_at.isoformat(),
                "file_name": self.file_name,
                "topics": [
                    {"section_id": t.section_id, "title": dict(t.title), "change": t.change}
                    for t in self.topics
                ],
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, payload: str) -> Announcement:
        """Read a stored payload back; raise ValueError if it is not one."""
        try:
            data = json.loads(payload)
            topics = tuple(
                Topic(str(t["section_id"]), dict(t["title"]), _change(t["change"]))
                for t in data["topics"]
            )
            return cls(
                str(data["id"]),
                topics,
                datetime.fromisoformat(data["created_at"]),
                data.get("file_name"),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not an announcement payload: {error}") from error


def _change(value: object) -> Change:
    if value == "added":
        return "added"
    if value == "changed":
        return "changed"
    raise ValueError(f"unknown change {value!r}")


@dataclass(frozen=True)
class DeliveryReport:
    """How an announcement run ended."""

    announcement_id: str
    total: int  # recipients it set out to reach in this run
    sent: int
    blocked: int  # chats that blocked the bot or are gone; unsubscribed
    failed: int  # chats still not reached after the retries; tried again on resume
    finished: bool  # marked done in the store: nobody left to send to

    def describe(self) -> str:
        """A short plain-English message for the admin."""
        text = f"Announcement: sent to {self.sent} of {self.total} subscribers."
        if self.blocked:
            text += f" {self.blocked} had blocked the bot and were unsubscribed."
        if self.failed:
            text += f" {self.failed} could not be reached; they are tried again later."
        if not self.finished and not self.failed:
            text += " Stopped before the end; it continues after a restart."
        return text


@dataclass(frozen=True)
class Pace:
    """How fast announcements go out. Tests use fast values."""

    per_second: float = DEFAULT_PER_SECOND
    per_chat_interval: float = DEFAULT_PER_CHAT_INTERVAL
    concurrency: int = DEFAULT_CONCURRENCY
    progress_every: int = DEFAULT_PROGRESS_EVERY
    retries: int = DEFAULT_RETRIES
    retry_delay: float = DEFAULT_RETRY_DELAY
    give_up_after: timedelta = DEFAULT_GIVE_UP_AFTER

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.concurrency < 1 or self.progress_every < 1:
            raise ValueError("per_second, concurrency and progress_every must be positive")
        if self.per_chat_interval < 0 or self.retries < 0 or self.retry_delay < 0:
            raise ValueError("per_chat_interval, retries and retry_delay cannot be negative")


class AnnouncementStore(AnnouncementsPort, Protocol):
    """What the announcer needs from storage: the announcements, and dropping a chat that
    blocked the bot."""

    async def remove_subscriber(self, chat_id: int, *, promptly: bool = True) -> bool: ...


Send = Callable[[int, Announcement], Awaitable[SendStatus]]
Progress = Callable[[int, int], Awaitable[None]]


def announcement_topics(result: UpdateResult, library: Library) -> list[Topic]:
    """The topics worth announcing after a content change: new ones, and changed text."""
    topics: list[Topic] = []
    for section_id in result.added:
        section = library.section(section_id)
        if section is not None:
            topics.append(Topic(section.id, dict(section.title), "added"))
    for section_id, names in result.changed.items():
        section = library.section(section_id)
        if section is not None and any(name in NEWS_FIELDS for name in names):
            topics.append(Topic(section.id, dict(section.title), "changed"))
    return topics


def announcement_id(topics: Sequence[Topic], library: Library, at: datetime) -> str:
    """A stable id: a hash of the announced sections' content and the time of the change."""
    digest = hashlib.sha256(at.astimezone(UTC).isoformat().encode())
    for topic in topics:
        section = library.section(topic.section_id)
        content = section.fields() if section is not None else {}
        digest.update(
            json.dumps([topic.section_id, topic.change, content], sort_keys=True).encode()
        )
    return f"a-{digest.hexdigest()[:20]}"


class _Pacer:
    """Hands out send times: `per_second` overall, `per_chat_interval` apart for one chat."""

    def __init__(self, per_second: float, per_chat_interval: float) -> None:
        self._interval = 1.0 / per_second
        self._per_chat = per_chat_interval
        self._next = 0.0
        self._chat_next: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        slot = max(now, self._next)
        self._next = slot + self._interval
        start = max(slot, self._chat_next.get(chat_id, 0.0))
        self._chat_next[chat_id] = start + self._per_chat
        if len(self._chat_next) > 10_000:
            self._chat_next = {chat: at for chat, at in self._chat_next.items() if at > now}
        if start > now:
            await asyncio.sleep(start - now)


@dataclass
class _Run:
    """Counts for one run, shared by its send tasks."""

    announcement: Announcement
    total: int = 0
    processed: int = 0
    sent: int = 0
    blocked: int = 0
    halted: bool = False  # a delivery could not be recorded: stop sending
    errors: list[BaseException] = field(default_factory=list)
    reported: int = 0


class Announcer:
    """Sends announcements to subscribers, at most once each, resuming after restarts.

    Args:
        store: the `StatsStore` (subscribers, announcements, deliveries).
        send: sends one announcement to one chat; returns "sent", "blocked" (the bot was
            blocked, the user deactivated or the chat is gone: unsubscribe) or "failed"
            (anything else: tried again later). An exception counts as "failed".
        pace: rates, retries and progress interval.
        clock: the current time (UTC); tests inject one.
    """

    def __init__(
        self,
        store: AnnouncementStore,
        send: Send,
        *,
        pace: Pace | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._send = send
        self.pace = pace or Pace()
        self._clock = clock
        self._pacer = _Pacer(self.pace.per_second, self.pace.per_chat_interval)
        self._lock = asyncio.Lock()  # one run at a time: never two sends of one announcement
        self._known: dict[str, Announcement] = {}

    async def prepare(self, result: UpdateResult, library: Library) -> Announcement:
        """Record an announcement of the new and changed topics of a content change, ready to
        `run`.

        Preparing the same change twice (a double press) returns the same announcement.

        Raises:
            NothingToAnnounce: no topic was added and no topic's text changed.
            AnnounceError: the store could not save it.
        """
        announcement = self._announcement(result, library)
        ident = announcement.id
        if not await self._store.create_announcement(ident, announcement.to_json()):
            existing = await self._find(ident)
            if existing is None:
                raise AnnounceError(
                    "the announcement could not be saved (database unavailable) or was sent already"
                )
            return existing
        self._known[ident] = announcement
        log.info("announce: prepared %s with %d topics", ident, len(announcement.topics))
        return announcement

    async def offer(self, result: UpdateResult, library: Library) -> Announcement:
        """Record an announcement of a content change that waits for an admin's yes
        (`accept`). Kept in the database, so the yes can come after a restart.

        Raises:
            NothingToAnnounce: no topic was added and no topic's text changed.
            AnnounceError: the store could not save it.
        """
        announcement = self._announcement(result, library)
        saved = await self._store.create_announcement(
            announcement.id, announcement.to_json(), offered=True
        )
        if not saved:  # each change has its own id: the database is down
            raise AnnounceError("the announcement could not be saved (database unavailable)")
        log.info("announce: offered %s with %d topics", announcement.id, len(announcement.topics))
        return announcement

    async def accept(self, announcement_id: str) -> bool:
        """The admin said yes to an offer: True once; then `run` sends it. False if it was
        accepted already, is too old, is unknown, or the database is unavailable."""
        accepted = await self._store.accept_offer(announcement_id)
        if accepted:
            log.info("announce: %s accepted", announcement_id)
        return accepted

    def _announcement(self, result: UpdateResult, library: Library) -> Announcement:
        topics = announcement_topics(result, library)
        if not topics:
            raise NothingToAnnounce(NothingToAnnounce.__doc__)
        at = result.at or self._clock()
        ident = announcement_id(topics, library, at)
        return Announcement(ident, tuple(topics), at, result.file_name)

    async def run(self, announcement_id: str, progress: Progress | None = None) -> DeliveryReport:
        """Send an announcement to every subscriber who has not had it yet.

        `progress(done, total)` is awaited every `pace.progress_every` messages and at the end
        of the first pass; its errors are logged and ignored.

        Raises:
            UnknownAnnouncement: no such announcement is waiting to be sent.
        """
        announcement = await self._find(announcement_id)
        if announcement is None:
            raise UnknownAnnouncement(f"{UnknownAnnouncement.__doc__} ({announcement_id})")
        return await self._run(announcement, progress)

    async def resume_unfinished(self, progress: Progress | None = None) -> list[DeliveryReport]:
        """Continue every announcement a restart interrupted (call once at start-up)."""
        reports = []
        for stored in await self._store.unfinished_announcements():
            try:
                announcement = Announcement.from_json(stored.payload)
            except ValueError as error:
                log.error("announce: dropping %s, its payload is unreadable: %s", stored.id, error)
                await self._store.finish_announcement(stored.id)
                continue
            if self._clock() - stored.created_at > self.pace.give_up_after:
                log.warning("announce: %s is too old to send; marked done", stored.id)
                await self._store.finish_announcement(stored.id)
                continue
            log.info("announce: resuming %s", stored.id)
            reports.append(await self._run(announcement, progress))
        return reports

    # --- internals ----------------------------------------------------------------------------

    async def _find(self, ident: str) -> Announcement | None:
        for stored in await self._store.unfinished_announcements():
            if stored.id == ident:
                return self._known.get(ident) or Announcement.from_json(stored.payload)
        return None

    async def _run(self, announcement: Announcement, progress: Progress | None) -> DeliveryReport:
        async with self._lock:
            ident = announcement.id
            recipients = await self._store.pending_recipients(ident)
            run = _Run(announcement, total=len(recipients))
            failed = await self._pass(run, recipients, progress)
            for _ in range(self.pace.retries):
                if not failed or run.halted:
                    break
                await asyncio.sleep(self.pace.retry_delay)
                pending = set(await self._store.pending_recipients(ident))
                failed = await self._pass(run, [c for c in failed if c in pending], None)
            finished = False
            if not failed and not run.halted:
                finished = await self._store.finish_announcement(ident)
            report = DeliveryReport(ident, run.total, run.sent, run.blocked, len(failed), finished)
            log.info(
                "announce: %s: %d sent, %d blocked, %d failed of %d; finished: %s",
                ident,
                report.sent,
                report.blocked,
                report.failed,
                report.total,
                finished,
            )
            return report

    async def _pass(self, run: _Run, recipients: list[int], progress: Progress | None) -> list[int]:
        """Send to `recipients`, paced; return the chats whose send failed."""
        failed: list[int] = []
        slots = asyncio.Semaphore(self.pace.concurrency)
        tasks: set[asyncio.Task[None]] = set()

        async def deliver(chat_id: int) -> None:
            try:
                if await self._deliver(run, chat_id) == "failed":
                    failed.append(chat_id)
                if progress is not None:
                    run.processed += 1
                    await self._progress(run, progress)
            except Exception as error:  # a store bug must not be swallowed: stop and re-raise
                run.errors.append(error)
                run.halted = True
            finally:
                slots.release()

        try:
            for chat_id in recipients:
                await slots.acquire()
                if run.halted:
                    slots.release()
                    break
                await self._pacer.wait(chat_id)
                task = asyncio.create_task(deliver(chat_id), name=f"announce-{chat_id}")
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        finally:
            # Also on cancellation: let the sends under way finish and be recorded, so that
            # nobody who got the message is sent it again on resume.
            if tasks:
                await asyncio.wait(set(tasks))
        if run.errors:
            raise run.errors[0]
        return failed

    async def _deliver(self, run: _Run, chat_id: int) -> SendStatus:
        """Send to one chat and record the outcome."""
        ident = run.announcement.id
        try:
            status = await self._send(chat_id, run.announcement)
        except Exception:
            log.warning("announce: sending %s to a chat failed", ident, exc_info=True)
            status = "failed"
        if status not in SEND_STATUSES:
            log.warning("announce: send returned %r; counted as failed", status)
            status = "failed"
        if status == "sent":
            run.sent += 1
            # Recorded even if this task is cancelled meanwhile: the message is out.
            record = asyncio.ensure_future(self._store.mark_delivered(ident, chat_id))
            try:
                saved = await asyncio.shield(record)
            except asyncio.CancelledError:
                await record
                raise
            if not saved:
                log.error("announce: cannot record deliveries of %s; stopping", ident)
                run.halted = True
        elif status == "blocked":
            run.blocked += 1
            # Many may be found in a row: the WAL is emptied once, by the store's writer.
            await self._store.remove_subscriber(chat_id, promptly=False)
        return status

    async def _progress(self, run: _Run, progress: Progress) -> None:
        done = run.processed
        if done % self.pace.progress_every and done != run.total:
            return
        if done <= run.reported:
            return
        run.reported = done
        try:
            await progress(done, run.total)
        except Exception:
            log.warning("announce: progress report failed", exc_info=True)
