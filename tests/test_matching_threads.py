"""Free text is matched off the event loop, two questions at a time: while questions are being
embedded, buttons and commands are answered at once, and one slow question does not hold up
another. The real PTB Application polls the fake Bot API server (tests/fake_bot_api.py); the
model is a stand-in behind the `Embedder` protocol that holds users' questions until the test
lets them go, so "while they are being embedded" is a fact, not a race.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from bot.config import Settings
from bot.content.models import Library
from bot.matching import Semantic
from bot.matching.decide import decide
from bot.matching.semantic import E5Embedder, Vectors
from bot.service import MATCHING_THREADS, Service, build_matcher
from tests.fake_bot_api import FakeBotApi
from tests.support.bot import run_bot

QUESTIONS = (
    "what did the meeting say about sending money home",
    "what did the meeting say about the rights of migrant workers",
)
HOLD_LIMIT = 10.0  # seconds a held question waits at most, so a failing test cannot hang


class HeldEmbedder:
    """A stand-in model: a text is a fixed direction made from its hash. Texts in `held` (the
    users' questions) wait inside `embed` until `release` is set; `inside` counts how many
    are waiting there at once."""

    name = "fake-held-1"

    def __init__(self, held: Sequence[str]) -> None:
        self.held = frozenset(held)
        self.release = threading.Event()
        self.calls = 0  # calls to embed, of any texts
        self.inside = 0
        self.most_inside = 0
        self._count = threading.Lock()
        self.entered = threading.Condition(self._count)

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls += 1
        if self.held.intersection(texts):
            with self.entered:
                self.inside += 1
                self.most_inside = max(self.most_inside, self.inside)
                self.entered.notify_all()
            self.release.wait(HOLD_LIMIT)
            with self._count:
                self.inside -= 1
        rows = [
            np.frombuffer(hashlib.sha256(text.encode()).digest(), dtype=np.int8) for text in texts
        ]
        vectors = np.stack(rows).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def wait_inside(self, count: int, timeout: float) -> bool:
        """Wait until `count` questions are being embedded at once."""
        with self.entered:
            return self.entered.wait_for(lambda: self.inside >= count, timeout)


async def test_buttons_and_commands_are_answered_while_questions_are_embedded(
    library: Library, bot_settings: Settings, fake_api: FakeBotApi
) -> None:
    model = HeldEmbedder(QUESTIONS)
    service = Service(library, build_matcher(library, Semantic(model)))
    async with run_bot(bot_settings, service, fake_api):
        try:
            asked = fake_api.mark()
            for user, question in enumerate(QUESTIONS, start=3001):
                await fake_api.push_message(question, user_id=user)
            both_inside = await asyncio.to_thread(model.wait_inside, MATCHING_THREADS, 5.0)
            assert both_inside, "the two questions were not embedded side by side"

            await fake_api.push_callback("k:human-rights", user_id=3101)
            await fake_api.push_message("/help", user_id=3102)
            await fake_api.wait_for_call("editMessageText", since=asked, timeout=5)
            [help_call] = await fake_api.wait_for_call("sendMessage", since=asked, timeout=5)

            assert help_call.chat_id == 3102
            assert model.inside == len(QUESTIONS), "the questions were still being embedded"
            answered = {call.chat_id for call in fake_api.calls_of("sendMessage", since=asked)}
            assert answered == {3102}, "only /help was answered, not the questions"
        finally:
            model.release.set()
        await fake_api.wait_until(
            lambda: (
                {c.chat_id for c in fake_api.calls_of("sendMessage", since=asked)} >= {3001, 3002}
            )
        )
    assert model.most_inside == len(QUESTIONS)


def test_the_model_gives_the_same_vectors_from_two_threads_at_once() -> None:
    """No lock around the engine: vectors made side by side equal those made one by one."""
    texts = [f"{question} {number}" for number in range(12) for question in QUESTIONS]
    model = E5Embedder()
    one_by_one = [model.embed([text])[0] for text in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        at_once = list(pool.map(lambda text: model.embed([text])[0], texts))
    assert all(np.array_equal(a, b) for a, b in zip(one_by_one, at_once, strict=True))


def test_word_for_word_small_talk_is_decided_without_asking_the_model(library: Library) -> None:
    """Decide's rule 1 looks at no similarity, so the model is not asked (and the decision is
    the one the signals with the model give)."""
    model = HeldEmbedder(())
    model.release.set()
    matcher = build_matcher(library, Semantic(model))
    asked = model.calls
    thanks = matcher.match("ok thanks", "en")
    assert model.calls == asked
    assert thanks.intent == "thanks"
    assert thanks == decide(matcher.signals("ok thanks", "en"))  # signals do ask the model
    asked = model.calls
    matcher.match("what did the meeting say about sending money home", "en")
    assert model.calls == asked + 1
