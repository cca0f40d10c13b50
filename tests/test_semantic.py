"""The semantic layer: the embedding cache, the lexical-only fallback, the decision rule, and
the real model on small talk, off-topic chat and danger in every language."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.config import Settings
from bot.content.models import Library
from bot.matching import Matcher, Semantic
from bot.matching import semantic as semantic_module
from bot.matching.decide import Signals, decide
from bot.matching.hybrid import romanised_reading, section_texts
from bot.matching.intents import Exemplar, SmallTalk
from bot.matching.lexical import Candidate, MatchResult
from bot.matching.semantic import CachedEmbedder, Vectors
from bot.service import Service, build_matcher
from tests.test_matching import SECTIONS, hand_made_library


class WordsEmbedder:
    """A stand-in model for logic tests: each word is a fixed random direction, a text is the
    normalised sum of its words (so texts sharing words are alike). Counts what it embeds."""

    name = "fake-words-1"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.seen.extend(texts)
        rows = []
        for text in texts:
            vector = np.zeros(32, dtype=np.float32)
            for word in text.lower().split() or [""]:
                seed = int(hashlib.sha256(word.encode()).hexdigest()[:8], 16)
                vector += np.random.default_rng(seed).standard_normal(32).astype(np.float32)
            rows.append(vector / (np.linalg.norm(vector) or 1.0))
        return np.stack(rows)


def _library(sections) -> Library:
    return hand_made_library(tuple(sections))


# --- the cache --------------------------------------------------------------------------------


def test_each_distinct_text_is_embedded_once_and_kept_on_disk(tmp_path: Path) -> None:
    model = WordsEmbedder()
    cache = CachedEmbedder(model, tmp_path / "cache.npz")
    first = cache.embed(["a b", "c", "a b"])
    assert model.seen == ["a b", "c"]
    cache.save()
    again = CachedEmbedder(WordsEmbedder(), tmp_path / "cache.npz")
    assert len(again) == 2
    assert np.allclose(again.embed(["c", "a b"]), first[[1, 0]])
    assert again.embedded == 0


def test_a_question_is_never_written_to_the_cache(tmp_path: Path) -> None:
    cache = CachedEmbedder(WordsEmbedder(), tmp_path / "cache.npz")
    cache.embed(["content text"])
    cache.embed_query("my boss took my passport")
    cache.save()
    assert len(CachedEmbedder(WordsEmbedder(), tmp_path / "cache.npz")) == 1


def test_a_cache_from_another_model_or_a_broken_file_starts_empty(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "cache.npz"
    cache = CachedEmbedder(WordsEmbedder(), path)
    cache.embed(["x"])
    cache.save()

    class Other(WordsEmbedder):
        name = "another-model"

    assert len(CachedEmbedder(Other(), path)) == 0
    path.write_bytes(b"not a numpy file")
    with caplog.at_level(logging.WARNING):
        assert len(CachedEmbedder(WordsEmbedder(), path)) == 0
    assert "unreadable" in caplog.text


def test_an_upload_that_changes_one_section_embeds_only_its_new_texts(tmp_path: Path) -> None:
    model = WordsEmbedder()
    semantic = Semantic(model, tmp_path / "cache.npz")
    service = Service(_library(SECTIONS), build_matcher(_library(SECTIONS), semantic))
    before = len(model.seen)
    changed = replace(
        SECTIONS[0],
        questions={**SECTIONS[0].questions, "en": ["how much does it cost to send money?"]},
    )
    service.swap(_library([changed, *SECTIONS[1:]]))  # as an upload does
    assert model.seen[before:] == ["how much does it cost to send money?"]
    assert service.matcher.semantic is semantic
    # A restart reads the cache: nothing at all to embed.
    restarted = Semantic(WordsEmbedder(), tmp_path / "cache.npz")
    build_matcher(_library([changed, *SECTIONS[1:]]), restarted)
    assert restarted.embedder.embedded == 0


def test_section_texts_are_titles_questions_and_keywords_in_every_language() -> None:
    texts = section_texts(SECTIONS[0])
    assert SECTIONS[0].title["en"] in texts
    assert SECTIONS[0].title["ru"] in texts
    assert "transfer fees" in texts


# --- no model ---------------------------------------------------------------------------------


def test_without_the_model_the_bot_logs_one_warning_and_matches_by_words(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, library: Library
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("libgomp.so.1: cannot open shared object file")

    monkeypatch.setattr(semantic_module, "E5Embedder", broken)
    with caplog.at_level(logging.WARNING):
        service = Service.configured(library, Settings())
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "matching by words only" in warnings[0].getMessage()
    assert service.matcher.semantic is None
    reply = service.ask("can my boss keep my passport?", "en")
    assert reply.outcome.section_id == "human-rights"
    assert "Hello" in service.ask("hello", "en").text  # small talk still works, by the lists


def test_semantic_matching_can_be_switched_off(library: Library) -> None:
    service = Service.configured(library, Settings(semantic_matching=False))
    assert service.matcher.semantic is None


# --- the rule ---------------------------------------------------------------------------------


def lexical(*scores: tuple[str, float], distress: bool = False) -> MatchResult:
    candidates = tuple(Candidate(sid, score) for sid, score in scores)
    return MatchResult("q", "none", candidates, distress, "en", None, ())


SIMILAR = {"remittances": 0.80, "rights": 0.80}
CALM_CLASSES = {"greeting": 0.80, "offtopic": 0.80, "danger": 0.80, "calm": 0.80}


def signals(sections=None, classes=None, lex=None, rule=None, nearest=None) -> Signals:
    return Signals(
        lex or lexical(),
        rule,
        ("rights", "remittances"),
        {**SIMILAR, **(sections or {})},
        {**CALM_CLASSES, **(classes or {})},
        nearest or {},
    )


def test_a_clear_topic_is_answered() -> None:
    result = decide(signals({"remittances": 0.93}, lex=lexical(("remittances", 60))))
    assert (result.decision, result.answer, result.intent) == ("answer", "remittances", None)


def test_small_talk_nearer_than_any_topic_is_a_conversation_act() -> None:
    result = decide(signals({"remittances": 0.85}, {"greeting": 0.95}))
    assert (result.decision, result.answer, result.intent) == ("none", None, "greeting")
    assert result.alternatives == ()


def test_off_topic_nearer_than_the_topics_is_not_answered() -> None:
    result = decide(signals({"remittances": 0.88}, {"offtopic": 0.94}))
    assert (result.decision, result.answer, result.intent) == ("none", None, None)
    assert result.alternatives == ("remittances",)  # genuinely related: offered as a button


def test_danger_near_its_exemplars_is_flagged_and_never_small_talk() -> None:
    result = decide(signals({"rights": 0.90}, {"danger": 0.95, "greeting": 0.91}))
    assert result.distress
    assert result.intent is None
    calm = decide(signals({"rights": 0.90}, {"danger": 0.92, "calm": 0.93}))
    assert not calm.distress


def test_the_lexical_danger_signal_is_kept() -> None:
    result = decide(signals(lex=lexical(distress=True)))
    assert result.distress


def danger_near(kind: str, similarity: float = 0.95) -> dict:
    """Signals' keyword arguments for a message this near a danger exemplar of `kind`."""
    return {
        "classes": {"danger": similarity},
        "nearest": {"danger": Exemplar("an exemplar", "danger", kind, "en")},
    }


def test_the_note_fits_the_nearest_danger_exemplar_when_words_name_no_kind() -> None:
    assert decide(signals(**danger_near("sexual_abuse"))).distress_kind == "sexual_violence"
    assert decide(signals(**danger_near("detention"))).distress_kind == "detention"
    assert decide(signals(**danger_near("no_food"))).distress_kind == "general"
    # Words that name a kind keep it; a far exemplar does not choose the note.
    worded = lexical(distress=True)
    worded = replace(worded, distress_kind="trafficking")
    assert decide(signals(lex=worded, **danger_near("detention"))).distress_kind == "trafficking"
    general = replace(lexical(distress=True), distress_kind="general")
    assert decide(signals(lex=general, **danger_near("self_harm", 0.80))).distress_kind == "general"


def test_someone_who_wants_to_die_gets_no_topic_under_the_note() -> None:
    result = decide(signals({"rights": 0.95}, **danger_near("self_harm")))
    assert (result.distress, result.distress_kind) == (True, "self_harm")
    assert (result.decision, result.answer, result.alternatives) == ("none", None, ())
    words_only = replace(lexical(("rights", 90), distress=True), distress_kind="self_harm")
    assert decide(Signals(words_only, None)).answer is None


def test_in_danger_the_first_urgent_section_wins_a_near_tie() -> None:
    tie = {"rights": 0.90, "remittances": 0.905}  # both speak to danger; "rights" first
    assert decide(signals(tie)).answer == "remittances"
    assert decide(signals(tie, **danger_near("violence"))).answer == "rights"


def test_a_section_named_for_a_kind_of_danger_leans_in_only_for_that_kind() -> None:
    tie = {"rights": 0.90, "remittances": 0.92}
    kinds = {"trafficking": ("remittances",)}
    taken = replace(signals(tie, **danger_near("documents_taken")), urgent_kinds=kinds)
    flood = replace(signals(tie, **danger_near("war_disaster")), urgent_kinds=kinds)
    assert decide(taken).answer == "remittances"  # both lean in: the nearer one wins
    assert decide(flood).answer == "rights"  # only the first urgent section leans in


def test_a_romanised_message_is_also_read_in_its_own_script() -> None:
    assert romanised_reading("privet, chto govorili pro torgovlyu lyudmi?", "ru") == (
        "говорили торговлю людми"
    )
    assert "পাচার" in romanised_reading("manob pachar niye ki ache summary te", "bn")
    assert romanised_reading("what about rights", "en") == ""  # English has no other script
    assert romanised_reading("মানব পাচার", "bn") == ""  # already in its script


def test_scores_stay_between_0_and_100() -> None:
    result = decide(signals({"remittances": 0.99}, lex=lexical(("remittances", 100))))
    assert result.answer == "remittances"
    assert all(0 <= candidate.score <= 100 for candidate in result.candidates)


def test_word_for_word_small_talk_needs_no_model() -> None:
    result = decide(Signals(lexical(("rights", 40)), SmallTalk("thanks", "tl")))
    assert (result.intent, result.lang, result.answer) == ("thanks", "tl", None)


# --- the real model ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(semantic: Semantic) -> Matcher:
    """The hand-made library of tests/test_matching.py, matched with the real model."""
    return build_matcher(_library(SECTIONS), semantic)


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("thanks a ton bro, very useful", "thanks"),
        ("heyyy good evening everybody", "greeting"),
        ("wait, am i chatting with a machine??", "who"),
        ("so what kind of things can this bot tell me", "capabilities"),
        ("terima kasih banyak ya kak atas bantuannya", "thanks"),
        ("спасибо тебе огромное, выручил", "thanks"),
    ],
)
def test_the_model_recognises_small_talk_no_list_has(
    real: Matcher, message: str, intent: str
) -> None:
    result = real.match(message, "en")
    assert result.intent == intent
    assert result.answer is None


@pytest.mark.parametrize(
    "message",
    ["will it be sunny in manila this weekend", "how much does the embassy charge for a new visa"],
)
def test_the_model_keeps_off_topic_questions_unanswered(real: Matcher, message: str) -> None:
    result = real.match(message, "en")
    assert result.answer is None
    assert result.intent is None


# Written for this test (not exemplars, not eval items): a person in danger, and a calm question
# with the same words, in every language.
DANGER_TABLE = [
    ("en", "the lady i work for hides my passport and says i can never leave", True),
    ("en", "they shut me inside the flat every day when they go out", True),
    ("en", "what did governments promise about passports kept by employers?", False),
    ("ru", "хозяин отобрал паспорт и не выпускает меня из дома", True),
    ("ru", "что говорили о правах трудовых мигрантов на встрече?", False),
    ("id", "aku dipukuli majikan tiap hari, tolong", True),
    ("id", "apa isi dokumen soal kekerasan terhadap pekerja migran?", False),
    ("tl", "hindi na ako pinapakain ng amo ko, gutom na ako", True),
    ("tl", "ano ang napagkasunduan tungkol sa pagkain at tirahan ng mga migrante?", False),
    ("bn", "মালিক চার মাস বেতন দেয়নি, খাবারও দেয় না", True),
    ("ne", "साहुले पिट्छ र बाहिर जान दिँदैन", True),
    ("th", "นายจ้างขังฉันไว้ในห้อง ไม่ให้ออกไปไหน", True),
    ("vi", "chủ giữ hộ chiếu và nhốt tôi trong nhà", True),
    ("vi", "hội nghị nói gì về quyền của lao động di cư?", False),
]


@pytest.mark.parametrize(("lang", "message", "danger"), DANGER_TABLE)
def test_danger_in_every_language_and_calm_look_alikes(
    real: Matcher, lang: str, message: str, danger: bool
) -> None:
    assert real.match(message, lang).distress is danger
