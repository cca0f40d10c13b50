"""A fair share for every user: past a set rate, one "please slow down", then nothing.

Each person may send `burst` messages or button presses at once, then one every
`60 / per_minute` seconds (defaults: 10 at once, then 30 a minute, one every 2 s). The first
message past that gets a verdict of "warn" (the bot answers "please slow down" in their
language); every later one is "drop": not answered, not queued for later, not counted. The
warning is given again only after the person was quiet long enough to have their whole burst
back, so a flood of any length earns exactly one notice.

Pure logic with an injected clock: Telegram appears nowhere here (bot/tg/fair.py applies it).
The keys are held in memory only, and only while their bucket is not yet full again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Literal

DEFAULT_BURST = 10
DEFAULT_PER_MINUTE = 30
# Every this many verdicts, buckets that have filled up again are forgotten.
PRUNE_EVERY = 1024

Verdict = Literal["pass", "warn", "drop"]


@dataclass
class _Bucket:
    tokens: float
    at: float
    warned: bool = False


class Throttle:
    """Token buckets per key (a user): `admit(key)` says whether to answer this message."""

    def __init__(
        self,
        burst: int = DEFAULT_BURST,
        per_minute: float = DEFAULT_PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst < 1 or per_minute <= 0:
            raise ValueError("a throttle needs a burst of at least 1 and a positive rate")
        self.burst = burst
        self.per_second = per_minute / 60
        self._clock = clock
        self._buckets: dict[Hashable, _Bucket] = {}
        self._verdicts = 0

    def admit(self, key: Hashable) -> Verdict:
        """The verdict on one more message from `key`, which is counted against it."""
        now = self._clock()
        self._verdicts += 1
        if self._verdicts % PRUNE_EVERY == 0:
            self._prune(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        else:
            bucket.tokens = self._refilled(bucket, now)
            bucket.at = now
        if bucket.tokens >= self.burst:
            bucket.warned = False  # quiet long enough: a new flood earns a new notice
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return "pass"
        if bucket.warned:
            return "drop"
        bucket.warned = True
        return "warn"

    @property
    def tracked(self) -> int:
        """How many keys are held in memory now."""
        return len(self._buckets)

    def _refilled(self, bucket: _Bucket, now: float) -> float:
        return min(float(self.burst), bucket.tokens + (now - bucket.at) * self.per_second)

    def _prune(self, now: float) -> None:
        full = [key for key, b in self._buckets.items() if self._refilled(b, now) >= self.burst]
        for key in full:
            del self._buckets[key]
