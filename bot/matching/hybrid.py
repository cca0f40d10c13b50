"""The matcher the bot uses: words (rapidfuzz) and meaning (sentence embeddings) together.

    semantic = Semantic.load(cache_path)          # None-safe: the model may be missing
    matcher = Matcher.build(library, semantic)    # semantic=None: words only
    result = matcher.match("my boss keeps my passport", "en")

For each message the matcher gathers `Signals`: the lexical ranking (`bot.matching.lexical`),
the message's similarity to each section's example questions, titles and keywords (in every
language, so a romanised or code-switched message finds the section its meaning is about), and
its similarity to the small-talk, off-topic, danger and calm exemplars (`bot.matching.intents`).
`bot.matching.decide` turns the signals into one decision. Without the model the signals are
the lexical ones only and the decision is the lexical one, plus word-for-word small talk.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bot.content.models import SUPPORTED_LANGUAGES, Library, Section
from bot.matching import decide
from bot.matching.intents import Exemplar, PhraseBook, SmallTalk, load_exemplars
from bot.matching.lexical import Candidate, DangerCheck, MatchResult
from bot.matching.lexical import Matcher as LexicalMatcher
from bot.matching.requests import load_requests
from bot.matching.semantic import CachedEmbedder, Embedder, Vectors, load_embedder
from bot.matching.words import LATIN_READER, detect_script_language

log = logging.getLogger(__name__)

RESULT_CACHE_SIZE = 4096  # recent (question, language) results kept per matcher


class Semantic:
    """The embedding model with its cache and the exemplars embedded once.

    One per process: content rebuilds reuse it (`Matcher.build(library, matcher.semantic)`),
    so the model loads once and only texts never seen before are embedded.
    """

    def __init__(self, embedder: Embedder, cache_path: Path | None = None) -> None:
        self.embedder = CachedEmbedder(embedder, cache_path)
        self.exemplars: tuple[Exemplar, ...] = load_exemplars()
        self.exemplar_vectors = self.embedder.embed([e.text for e in self.exemplars])
        self.exemplar_classes = np.array([e.cls for e in self.exemplars])
        self.classes = tuple(sorted(set(self.exemplar_classes.tolist())))
        self.class_rows = {
            cls: np.flatnonzero(self.exemplar_classes == cls) for cls in self.classes
        }
        self.embedder.save()

    @classmethod
    def load(cls, cache_path: Path | None = None) -> Semantic | None:
        """The bundled model with exemplars embedded, or None if the model cannot load (the
        loader has logged why, once)."""
        embedder = load_embedder()
        return None if embedder is None else cls(embedder, cache_path)

    def query(self, text: str) -> Vectors:
        """The vector of a user's message (never cached on disk)."""
        return self.embedder.embed_query(text)

    def class_similarities(self, vector: Vectors) -> dict[str, tuple[float, int]]:
        """Per exemplar class: the best similarity and which exemplar gave it."""
        sims = self.exemplar_vectors @ vector
        found: dict[str, tuple[float, int]] = {}
        for cls, rows in self.class_rows.items():
            best = int(rows[int(np.argmax(sims[rows]))])
            found[cls] = (float(sims[best]), best)
        return found


def section_texts(section: Section) -> list[str]:
    """What a section is compared by: its title, keywords and example questions, in every
    language it has them (the model is multilingual, so every language helps every other)."""
    texts: list[str] = []
    for lang in SUPPORTED_LANGUAGES:
        if title := section.title.get(lang):
            texts.append(title)
        texts.extend(section.questions.get(lang, ()))
        texts.extend(section.keywords.get(lang, ()))
    return list(dict.fromkeys(text.strip() for text in texts if text.strip()))


@dataclass(frozen=True)
class SectionVectors:
    """Every section's texts embedded, section after section: rows `starts[i]` up to the next
    start belong to the i-th section that has texts (`numbers[i]`)."""

    vectors: Vectors
    numbers: np.ndarray  # section numbers, one per run of rows
    starts: np.ndarray  # first row of each run

    @classmethod
    def build(cls, sections: Sequence[Section], semantic: Semantic) -> SectionVectors:
        """Embed (or take from the cache) every section's texts."""
        texts: list[str] = []
        numbers: list[int] = []
        starts: list[int] = []
        for number, section in enumerate(sections):
            mine = section_texts(section)
            if mine:
                numbers.append(number)
                starts.append(len(texts))
                texts.extend(mine)
        vectors = semantic.embedder.embed(texts) if texts else np.zeros((0, 1), np.float32)
        semantic.embedder.save()
        return cls(vectors, np.array(numbers, dtype=np.int64), np.array(starts, dtype=np.int64))

    def similarities(self, vector: Vectors, count: int) -> list[float]:
        """Each section's best similarity to the message (-1 for a section without texts)."""
        best = np.full(count, -1.0, dtype=np.float32)
        if len(self.starts):
            best[self.numbers] = np.maximum.reduceat(self.vectors @ vector, self.starts)
        return [float(value) for value in best]


def romanised_reading(query: str, lang: str) -> str:
    """A Latin-script message in a language with its own script, read back into that script
    (with the words it could not read, often English, kept); "" for any other message."""
    if lang not in LATIN_READER.romanised_languages or detect_script_language(query) != "latin":
        return ""
    native, other = LATIN_READER.read(query, lang)
    return f"{native} {other}".strip() if native else ""


class Matcher:
    """Words and meaning: build once per content, match many messages."""

    def __init__(
        self,
        lexical: LexicalMatcher,
        section_ids: Sequence[str],
        urgent_sections: Sequence[str] = (),
        urgent_kinds: Mapping[str, tuple[str, ...]] | None = None,
        semantic: Semantic | None = None,
        section_vectors: SectionVectors | None = None,
    ) -> None:
        self.lexical = lexical
        self._ids = tuple(section_ids)
        self._urgent = tuple(urgent_sections)
        self._urgent_kinds = dict(urgent_kinds or {})
        self._semantic = semantic
        self._sections = section_vectors
        self._phrases = PhraseBook.build(load_exemplars())
        self._requests = load_requests()
        # Recent results; the cache lives and dies with this matcher (and so with the content).
        self._results: OrderedDict[tuple[str, str | None], _Packed] = OrderedDict()
        # The lexical matcher's caches are not made for two threads at once (the model is).
        self._lock = threading.Lock()

    @classmethod
    def build(
        cls, library: Library, semantic: Semantic | None = None, *, distress: DangerCheck
    ) -> Matcher:
        """Index `library` by words and, with `semantic`, by meaning. `distress` tells whether
        a message sounds like danger (the service passes bot.distress.distress_kinds in)."""
        lexical = LexicalMatcher.build(library, distress=distress)
        vectors = SectionVectors.build(library.sections, semantic) if semantic else None
        ids = [section.id for section in library.sections]
        return cls(lexical, ids, library.urgent_sections, library.urgent_kinds, semantic, vectors)

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages the index has content in."""
        return self.lexical.languages

    @property
    def semantic(self) -> Semantic | None:
        """The embedding model this matcher uses (None: words only)."""
        return self._semantic

    def match(self, query: str, lang: str | None = None) -> MatchResult:
        """Rank the sections for `query` and decide: a conversation act (`intent`), answer,
        clarify or none; `distress` when the message sounds like danger.

        Safe from several threads at once: the word matching and the result cache are used
        under a lock, the embedding model outside it (its engine keeps no state between calls),
        so one long message does not hold up the others.
        """
        key = (query, lang)
        with self._lock:
            cached = self._results.get(key)
            if cached is not None:
                self._results.move_to_end(key)
                return _unpack(cached)
            lexical, rule_intent = self._words(query, lang)
        # Word-for-word small talk ("ok thanks") is decided before any similarity is looked at
        # (decide's rule 1), so the model is not asked: the decision is the same without it.
        decisive = rule_intent is not None and not lexical.distress
        signals = (
            decide.Signals(lexical, rule_intent, self._urgent)
            if decisive
            else self._meaning(query, lexical, rule_intent)
        )
        result = decide.decide(signals)
        with self._lock:
            self._results[key] = _pack(result)
            if len(self._results) > RESULT_CACHE_SIZE:
                self._results.popitem(last=False)
        return result

    def signals(self, query: str, lang: str | None = None) -> decide.Signals:
        """Everything the decision looks at, for one message (for evaluation and tuning)."""
        with self._lock:
            lexical, rule_intent = self._words(query, lang)
        return self._meaning(query, lexical, rule_intent)

    def _words(self, query: str, lang: str | None) -> tuple[MatchResult, SmallTalk | None]:
        """The lexical ranking and word-for-word small talk (call with the lock held)."""
        return self.lexical.match(query, lang), self._phrases.intent(query)

    def _meaning(
        self, query: str, lexical: MatchResult, rule_intent: SmallTalk | None
    ) -> decide.Signals:
        """The signals with the message's similarities added (when there is a model)."""
        if self._semantic is None or self._sections is None or not query.strip():
            return decide.Signals(
                lexical, rule_intent, self._urgent, urgent_kinds=self._urgent_kinds
            )
        vector = self._semantic.query(query)
        sims = self._sections.similarities(vector, len(self._ids))
        reading = romanised_reading(query, lexical.lang)
        if reading:
            # Bengali, Nepali, Russian or Thai typed in Latin letters: the model knows the
            # words far better in their own script, so the message read back into it is
            # compared with the sections too, and each section keeps its better similarity.
            read = self._sections.similarities(self._semantic.query(reading), len(self._ids))
            sims = [max(pair) for pair in zip(sims, read, strict=True)]
        classes = self._semantic.class_similarities(vector)
        exemplars = self._semantic.exemplars
        return decide.Signals(
            lexical,
            rule_intent,
            self._urgent,
            urgent_kinds=self._urgent_kinds,
            section_similarity=dict(zip(self._ids, sims, strict=True)),
            class_similarity={cls: value for cls, (value, _) in classes.items()},
            nearest={cls: exemplars[row] for cls, (_, row) in classes.items()},
            practical_request=self._requests.asks_for_what_no_document_has(query),
        )


# A cached result with its candidates as plain tuples of strings and numbers, which Python's
# garbage collector stops tracking: a cache of MatchResults with five Candidate objects each
# made every full collection (it holds the GIL, so the event loop waits) walk about 30,000
# more objects; measured in benchmarks/bench_bot.py.
_Packed = tuple[MatchResult, tuple[tuple[str, float], ...]]


def _pack(result: MatchResult) -> _Packed:
    candidates = tuple((c.section_id, c.score) for c in result.candidates)
    return replace(result, candidates=()), candidates


def _unpack(packed: _Packed) -> MatchResult:
    result, candidates = packed
    return replace(result, candidates=tuple(Candidate(sid, score) for sid, score in candidates))
