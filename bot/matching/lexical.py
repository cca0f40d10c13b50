"""Find the section a free-text question is about. Pure: no I/O, no Telegram.

`Matcher.build(library, distress=distress_kinds)` indexes every section once, in every language
the library has; `matcher.match(query, lang)` ranks the sections and decides what to do:

- ``answer``: one clear winner, shown straight away; `alternatives` are the next (at most two)
  plausible sections, offered as buttons.
- ``clarify``: two or three sections score almost alike; they are all in `alternatives` (best
  first) and `answer` is None, so the bot asks "did you mean...".
- ``none``: nothing matches well (greetings, other topics). `answer` is None; `alternatives`
  holds up to three weak suggestions (score >= SUGGEST_MIN, below the answer threshold) for a
  "maybe you meant" row, and is empty when the question shares (almost) nothing with the
  content, so an off-topic message never gets unrelated buttons.

How a question is scored (every step is the same for the content and the question):

1. Text is read by `bot.matching.words` (folded, filler dropped, stemmed; Thai cut into
   overlapping three-letter pieces; Vietnamese syllable pairs), with each language's word lists
   from its data folder, bot/lang/<code>/.
2. Each question word is looked up in the language's vocabulary: exactly, then split in two when
   a space is missing ("humanrights"), then fuzzily for typos (rapidfuzz `fuzz.ratio` on the
   words of similar length). Everyday synonyms (bot/lang/<code>/synonyms.yaml, and a content
   pack's own `synonyms:`) add words the document uses ("boss" -> employer).
3. *Word score*: how much of the question's weight a section covers. Each word weighs its IDF
   (how few sections use it), so "migrant" or "compact", which are everywhere, count for almost
   nothing. A section's word counts in full when it is in the title, keywords or example
   questions, less in the summary and key points, least in the original wording.
4. *Phrase score*: the best single phrase of the section (example question, keyword, title, key
   point, sentence) measured against the question in both directions, so a question that
   closely paraphrases one example question beats one that only shares scattered words.
5. The score (0-100) mixes both; the decision compares it with thresholds measured on the dev
   question set (see the constants below).

Languages: the script decides (Cyrillic -> ru, Bengali -> bn, Devanagari -> ne, Thai -> th,
Latin with letters only Vietnamese uses -> vi); other Latin-script questions are scored in every
Latin-script language the library has (en, id, tl, vi) and keep the best.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.content.models import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, Library, Section
from bot.lang.text import WORD, is_thai
from bot.matching.words import (
    LATIN_LANGUAGES,
    LATIN_READER,
    PAIRED,
    SYNONYM_GROUPS,
    SYNONYMS,
    THAI_GRAM,
    detect_script_language,
    spelled_terms,
    synonym_table,
)
from bot.matching.words import term as _term

Decision = Literal["answer", "clarify", "none"]
# The kinds of danger a message sounds like (bot.distress.distress_kinds): empty when none.
DangerCheck = Callable[[str], Sequence[str]]

# ---------------------------------------------------------------------------------------------
# Tuning. Scores are 0-100. Measured with `python scripts/eval_matching.py` on the dev set
# (eval/dev-questions.yaml) and the shipped content; see the comments for why.
# ---------------------------------------------------------------------------------------------

# Below this the best section is not an answer. On the dev set, with the shipped content,
# out-of-scope questions score 0 when they share no word with the content and at most about
# 29 when one ordinary word happens to occur in a summary ("name", "fast"), while in-scope
# questions whose best section is right score from about 32 up; the gap is 29-32, and 30 keeps
# both sides' margins. Re-measure when the content changes much.
NONE_BELOW = 30.0
# A near-tie (second >= CLARIFY_RATIO x first) below CLARIFY_BELOW is a question back to the
# user ("did you mean ..."). A strong match is answered even in a near-tie, with the runner-up
# as the first alternative button: on the dev set strong near-ties ("equal pay") had the right
# section first, and asking would only cost the user a tap.
CLARIFY_RATIO = 0.97
CLARIFY_BELOW = 60.0
# Alternatives under an answer, and suggestions under `none`, must reach this score (and a
# share of the winner's score), so buttons are never pure noise.
ALTERNATIVE_MIN = 10.0
ALTERNATIVE_SHARE = 0.25
SUGGEST_MIN = 15.0

# How the two scores mix. The word score sees the whole section; the phrase score rewards one
# example question (keyword, title...) that says the same thing. 0.7/0.3 ranked best and left
# the widest gap between in-scope and out-of-scope questions on the dev set (0.55/0.45 and
# 0.4/0.6 were tried).
WORD_WEIGHT = 0.7
PHRASE_WEIGHT = 0.3

# How much a word counts by the field it is found in (the best field wins, +0.1 for each other
# field that has it too). Curated fields (title, keywords, example questions) are written to be
# matched; summaries and key points have incidental words; the original wording is UN jargon.
FIELD_WEIGHTS: dict[str, float] = {
    "title": 1.0,
    "keywords": 1.0,
    "questions": 0.9,
    "key_points": 0.75,
    "for_migrants": 0.7,
    "summary": 0.7,
    "original": 0.5,
}
FIELD_BONUS = 0.1
# A section none of whose matching words is in its curated fields (weight >= CURATED_WEIGHT)
# only shares incidental words with the question ("what is your name" and a summary that says
# "named"): its score is multiplied by UNCURATED_FACTOR. This halved the out-of-scope scores
# that used to reach 40-57 and cost no in-scope question on the dev set.
CURATED_WEIGHT = 0.9
UNCURATED_FACTOR = 0.5
# How much a single phrase counts in the phrase score, by the field it comes from.
PHRASE_FACTORS: dict[str, float] = {
    "title": 1.0,
    "keywords": 1.0,
    "questions": 1.0,
    "key_points": 0.85,
    "for_migrants": 0.75,
    "summary": 0.75,
    "original": 0.65,
}
# A question made only of very common words ("migrants?") must not score as if it were
# specific: its weight is counted as at least this (about one moderately rare word).
MIN_QUERY_WEIGHT = 1.2
# A question word that the content never uses weighs this much: as a word used by a few
# sections. Lower would let one matching word make a long off-topic question look relevant.
UNKNOWN_WORD_WEIGHT = 1.0
# A question whose words the content mostly does not know ("how to lose weight fast", "puerto
# vallarta beach resorts") is about something else, even if one rare content word is in it:
# when unknown words are more than UNKNOWN_SHARE_LIMIT of its weight, every score is multiplied
# by UNKNOWN_SHARE_FACTOR. On our held-out set (scripts/heldout-questions.yaml) 0.3/0.6 turned
# 6 more of 37 off-topic questions into honest "none" and cost no in-scope answer there or on
# the dev set; 0.25/0.55 and stronger began to cost in-scope answers.
UNKNOWN_SHARE_LIMIT = 0.3
UNKNOWN_SHARE_FACTOR = 0.6
# A phrase's weight is counted as at least this, so a one-word keyword that shares a common
# word with the question does not count as a perfect phrase match.
MIN_PHRASE_WEIGHT = 1.0
# Typos: a word (as written, or its stem) may be one edit (a wrong, missing, extra or swapped
# letter) away from a content word if it has 5-8 letters, two if it has 9 or more; a 4-letter
# word may only have lost a letter ("skil"). The first letter must match: people rarely get it
# wrong, and without this rule "night" would find "right" and "rice" "price" (and with
# two edits at 8 letters, "password" would find "passport"). An edit costs TYPO_PENALTY of
# the word's weight in an 8-letter word, more in shorter words (8 / length times as much).
FUZZY_MIN_LENGTH = 5
TYPO_PENALTY = 0.12
FUZZY_LIMIT = 3
# A synonym from the table counts this much of the word itself.
SYNONYM_SIMILARITY = 0.8
# Phrase scores are computed for this many best sections by word score only (speed).
PHRASE_RERANK = 12
# Long messages: only the first distinct words are scored (a Telegram message can be 4096
# characters; a question needs far fewer words).
MAX_QUERY_WORDS = 40
MAX_CANDIDATES = 5
# A message that sounds like danger leans to the sections its content pack names as speaking to
# someone in danger (`urgent_sections`: rights, trafficking): their scores are multiplied by
# this. On the dev and held-out sets 1.5 gave 5 more distress messages the right section and
# cost no other answer (1.15 and 1.3 gained less); the urgent-help note comes first anyway.
DISTRESS_SECTION_BOOST = 1.5
RESULT_CACHE_SIZE = 4096  # recent (question, language) results kept per matcher
# A Latin-script question is scored in each Latin-script language; the user's language (then
# English) keeps it unless another language scores this much better ("work visa" is English
# and Tagalog alike).
LANGUAGE_MARGIN = 1.15
# A Latin-script message whose words do not tell its language is read as romanised Russian,
# Bengali, Nepali or Thai only if it matches this much better in that language.
ROMANISED_MARGIN = 1.5
_CACHE_LIMIT = 20_000  # word look-ups remembered per language
_SPLIT_MIN = 4  # each part of a word split at a missing space ("comunity" is not com+unity)
_SPLIT_MAX = 30  # longer "words" are not two words run together (keeps huge input cheap)

# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A section and how well it matches, 0-100."""

    section_id: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    """What matched a question and what the bot should do with it."""

    query: str
    decision: Decision
    candidates: tuple[Candidate, ...]  # ranked, best first (at most 5)
    distress: bool
    lang: str  # language the query was matched in
    answer: str | None  # section shown straight away (decision == "answer")
    alternatives: tuple[str, ...]  # other sections offered as buttons, best first
    # The kind of danger (a `bot.content.models.DISTRESS_KINDS` value) when `distress`, else
    # None: it picks the urgent-help note. Lexical signals set it (`bot.distress`).
    distress_kind: str | None = None
    # A conversation act instead of a question ("greeting", "thanks", "who"...; see
    # bot/matching/intents.py), or None. With an intent, `answer` is None.
    intent: str | None = None

    @property
    def score(self) -> float:
        """The best candidate's score, 0 when nothing matched."""
        return self.candidates[0].score if self.candidates else 0.0


# ---------------------------------------------------------------------------------------------
# Index
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Phrase:
    """One phrase of a section (example question, keyword, title, sentence)."""

    section: int
    weight: float  # sum of the terms' IDF, at least MIN_PHRASE_WEIGHT
    factor: float
    size: int = 0  # number of terms, for titles only (see _phrase_scores)


# A question word's matches: (term, similarity 0-1), best first.
_Matches = tuple[tuple[str, float], ...]


@dataclass
class _Index:
    """The vocabulary of one language: which sections use which terms, and how rare each is."""

    lang: str
    # term -> (section, field weight, whether a curated field has it)
    postings: dict[str, list[tuple[int, float, bool]]]
    idf: dict[str, float]
    phrases: list[_Phrase]
    phrase_postings: dict[str, dict[int, list[int]]]  # term -> section -> its phrases with it
    # Words as written (folded) and terms, by (first letter, length), for typo look-ups.
    spellings: dict[tuple[str, int], list[str]]
    spelled: dict[str, str]  # written word -> its term
    synonyms: Mapping[str, tuple[str, ...]]  # term -> terms read as the same thing
    cache: dict[str, tuple[_Matches, ...]] = field(default_factory=dict)

    def lookup(self, word: str) -> tuple[_Matches, ...]:
        """What one folded question word matches: one entry, or two if a space was missing."""
        cached = self.cache.get(word)
        if cached is not None:
            return cached
        found = self._lookup(word)
        if len(self.cache) >= _CACHE_LIMIT:
            self.cache.clear()
        self.cache[word] = found
        return found

    def _lookup(self, word: str) -> tuple[_Matches, ...]:
        term = _term(word)
        if term is None:
            return ()
        matches: dict[str, float] = {}
        if term in self.postings:
            matches[term] = 1.0
        elif not word.isdigit():
            # A typo is likelier than a missing space: split only what no typo explains.
            matches.update(self._fuzzy(word, term))
            split = None if matches else self._split(word)
            if split:
                return tuple(self._with_synonyms(part, {part: 1.0}) for part in split)
        return (self._with_synonyms(term, matches),)

    def _with_synonyms(self, term: str, matches: dict[str, float]) -> _Matches:
        for other in self.synonyms.get(term, ()):
            if other in self.postings and other not in matches:
                matches[other] = SYNONYM_SIMILARITY
        return tuple(sorted(matches.items(), key=lambda item: -item[1]))

    def _split(self, word: str) -> tuple[str, str] | None:
        """Two known terms written without a space ("humanrights"), longest left part first."""
        if not 2 * _SPLIT_MIN <= len(word) <= _SPLIT_MAX or not word.isalpha():
            return None
        for cut in range(len(word) - _SPLIT_MIN, _SPLIT_MIN - 1, -1):
            left, right = _term(word[:cut]), _term(word[cut:])
            if left in self.postings and right in self.postings:
                return left, right
        return None

    def _fuzzy(self, word: str, term: str) -> dict[str, float]:
        """Known terms within a typo or two of the word (or of its stem), same first letter."""
        found: dict[str, float] = {}
        for probe in {word, term}:
            allowed = _allowed_typos(probe)
            if not allowed:
                continue
            choices = [
                known
                for length in range(len(probe) - allowed, len(probe) + allowed + 1)
                for known in self.spellings.get((probe[0], length), ())
            ]
            if len(probe) < FUZZY_MIN_LENGTH:  # a short word may only have lost a letter
                choices = [known for known in choices if len(known) > len(probe)]
            for known, distance, _ in process.extract(
                probe, choices, scorer=OSA.distance, score_cutoff=allowed, limit=FUZZY_LIMIT
            ):
                similarity = 1.0 - TYPO_PENALTY * distance * 8 / max(len(probe), 4)
                target = self.spelled[known]
                if similarity > found.get(target, 0.0):
                    found[target] = similarity
        return found


def _allowed_typos(word: str) -> int:
    """How many typos (OSA edits) a word of this length may have and still be recognised."""
    if len(word) >= 9:
        return 2
    if len(word) >= FUZZY_MIN_LENGTH - 1 and word.isalpha():
        return 1
    return 0


def _sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?;:])\s+|\n+", text) if part.strip()]


def _section_phrases(section: Section, lang: str) -> list[tuple[str, list[str]]]:
    """(field, phrases) of one section in one language; a phrase is one question, keyword,
    key point, title or sentence."""
    found: list[tuple[str, list[str]]] = []
    for name in ("title", "summary", "for_migrants"):
        text = getattr(section, name).get(lang, "")
        if text:
            found.append((name, [text] if name == "title" else _sentences(text)))
    for name in ("keywords", "questions", "key_points"):
        items = list(getattr(section, name).get(lang, ()))
        if items:
            found.append((name, items))
    if lang == DEFAULT_LANGUAGE and section.original:
        found.append(("original", _sentences(section.original)))
    return found


def _build_index(
    lang: str, sections: Sequence[Section], synonyms: Mapping[str, tuple[str, ...]] = SYNONYMS
) -> _Index | None:
    """Index the sections' text in `lang`; None when no section is written in it."""
    counts: list[dict[str, tuple[float, int]]] = []  # per section: term -> (best weight, fields)
    spelled: dict[str, str] = {}
    raw_phrases: list[tuple[int, frozenset[str], str]] = []
    for number, section in enumerate(sections):
        weights: dict[str, tuple[float, int]] = {}
        for name, texts in _section_phrases(section, lang):
            weight = FIELD_WEIGHTS[name]
            seen: set[str] = set()
            for phrase in texts:
                pairs = spelled_terms(phrase, joined=True, syllable_pairs=lang in PAIRED)
                for word, term in pairs:
                    spelled.setdefault(word, term)
                phrase_terms = frozenset(term for _, term in pairs)
                if phrase_terms:
                    seen.update(phrase_terms)
                    raw_phrases.append((number, phrase_terms, name))
            for term in seen:
                best, fields = weights.get(term, (0.0, 0))
                weights[term] = (max(best, weight), fields + 1)
        counts.append(weights)
    if not any(counts):
        return None
    # Every section counts, written in this language or not: while a translation covers only
    # a few sections, its words must not look common just because its index is small.
    total = len(counts)
    frequency: dict[str, int] = {}
    for weights in counts:
        for term in weights:
            frequency[term] = frequency.get(term, 0) + 1
    # BM25's IDF: never negative, about 0 for a word every section uses.
    idf = {
        term: math.log(1 + (total - seen + 0.5) / (seen + 0.5)) for term, seen in frequency.items()
    }
    postings: dict[str, list[tuple[int, float, bool]]] = {}
    for number, weights in enumerate(counts):
        for term, (best, fields) in weights.items():
            weight = min(1.0, best + FIELD_BONUS * (fields - 1))
            postings.setdefault(term, []).append((number, weight, best >= CURATED_WEIGHT))
    phrases: list[_Phrase] = []
    phrase_postings: dict[str, dict[int, list[int]]] = {}
    seen_phrases: set[tuple[int, frozenset[str]]] = set()
    for number, phrase_terms, name in raw_phrases:
        if (number, phrase_terms) in seen_phrases:
            continue
        seen_phrases.add((number, phrase_terms))
        weight = max(MIN_PHRASE_WEIGHT, sum(idf[term] for term in phrase_terms))
        for term in phrase_terms:
            phrase_postings.setdefault(term, {}).setdefault(number, []).append(len(phrases))
        size = len(phrase_terms) if name == "title" else 0
        phrases.append(_Phrase(number, weight, PHRASE_FACTORS[name], size))
    for term in postings:
        spelled.setdefault(term, term)
    spellings: dict[tuple[str, int], list[str]] = {}
    for known in spelled:
        if known.isdigit() or len(known) < FUZZY_MIN_LENGTH - 1:
            continue
        spellings.setdefault((known[0], len(known)), []).append(known)
    return _Index(lang, postings, idf, phrases, phrase_postings, spellings, spelled, synonyms)


# ---------------------------------------------------------------------------------------------
# Matcher
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scored:
    lang: str
    scores: dict[int, float]


class Matcher:
    """The section index of one Library; build it once, match many questions."""

    def __init__(
        self,
        section_ids: Sequence[str],
        indexes: dict[str, _Index],
        urgent_sections: Iterable[str] = (),
        *,
        distress: DangerCheck,
    ) -> None:
        self._ids = tuple(section_ids)
        self._indexes = indexes
        self._distress = distress
        urgent = set(urgent_sections)
        self._urgent = frozenset(number for number, sid in enumerate(self._ids) if sid in urgent)
        # Recent results: people ask the same short questions ("remittances", "passport")
        # over and over. The cache lives and dies with this matcher, so a content swap, which
        # builds a new matcher, can never serve an answer from the old content.
        self._results: OrderedDict[tuple[str, str | None], MatchResult] = OrderedDict()

    @classmethod
    def build(cls, library: Library, *, distress: DangerCheck) -> Matcher:
        """Index every section of `library` in every language it is written in.

        `distress` names the kinds of danger a message sounds like (bot.distress.distress_kinds):
        the service passes it in, so matching does not depend on the danger signals' module.
        """
        sections = library.sections
        pack_groups = library.synonym_groups
        synonyms = synonym_table((*SYNONYM_GROUPS, *pack_groups)) if pack_groups else SYNONYMS
        indexes: dict[str, _Index] = {}
        for lang in SUPPORTED_LANGUAGES:
            index = _build_index(lang, sections, synonyms)
            if index is not None:
                indexes[lang] = index
        ids = [section.id for section in sections]
        return cls(ids, indexes, library.urgent_sections, distress=distress)

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages the index has content in."""
        return tuple(self._indexes)

    def match(self, query: str, lang: str | None = None) -> MatchResult:
        """Rank the sections for `query` and decide: answer, clarify or none.

        Args:
            query: the user's message, as typed.
            lang: the user's language. A Latin-script question that reads about as well in
                it as in another language is matched in it; when nothing matches, or the
                script is not one the library has (Khmer), it is the `lang` reported.
        """
        key = (query, lang)
        cached = self._results.get(key)
        if cached is not None:
            self._results.move_to_end(key)
            return cached
        result = self._match(query, lang)
        self._results[key] = result
        if len(self._results) > RESULT_CACHE_SIZE:
            self._results.popitem(last=False)
        return result

    def _match(self, query: str, lang: str | None) -> MatchResult:
        hint = lang if lang in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
        kinds = self._distress(query)
        distress = bool(kinds)
        scored = self._score(query, hint)
        scores = scored.scores
        if distress and self._urgent:
            boost = DISTRESS_SECTION_BOOST
            scores = {
                number: min(100.0, score * boost) if number in self._urgent else score
                for number, score in scores.items()
            }
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        candidates = tuple(
            Candidate(self._ids[number], round(score, 1))
            for number, score in ranked[:MAX_CANDIDATES]
            if score > 0
        )
        decision, answer, alternatives = decide(candidates)
        kind = kinds[0] if kinds else None
        return MatchResult(
            query, decision, candidates, distress, scored.lang, answer, alternatives, kind
        )

    def _score(self, query: str, hint: str) -> _Scored:
        script = detect_script_language(query)
        # The language the message is written in, told by its function words ("ng", "yung";
        # "ki", "ache"): a code-switched or romanised message is answered in it.
        spoken = LATIN_READER.identify(query) if script == "latin" else None
        if spoken is not None and LATIN_READER.is_romanised(spoken):
            return self._score_romanised(query, spoken)
        english = None
        if spoken is not None and spoken != DEFAULT_LANGUAGE:
            # English words in an Indonesian, Tagalog or Vietnamese sentence: English content
            # may match them once the sentence's own function words are set aside.
            english = _query_words(LATIN_READER.read(query, spoken)[1])
        best = self._score_script(query, hint, script, english)
        if script == "latin" and spoken is None:
            best = self._unspoken_romanised(query, best)
        if script in SUPPORTED_LANGUAGES and best.lang == script:
            # English words in a Thai, Russian, Vietnamese... sentence ("พูดถึง human
            # trafficking ยังไง"): the words typed in plain Latin letters, in English.
            latin = " ".join(word for word in WORD.findall(query) if word.isascii())
            other = LATIN_READER.read(latin, script)[1] if latin else ""
            best = _Scored(script, self._or_english(best.scores, other))
        return best if spoken is None else _Scored(spoken, best.scores)

    def _score_romanised(self, query: str, spoken: str) -> _Scored:
        """Bengali, Nepali, Russian or Thai typed in Latin letters: read back into its script
        and matched in that language; English words in it may still match in English."""
        native, other = LATIN_READER.read(query, spoken)
        scores: dict[int, float] = {}
        if spoken in self._indexes and native:
            scores = _score_index(self._indexes[spoken], _query_words(native))
        return _Scored(spoken, self._or_english(scores, other))

    def _unspoken_romanised(self, query: str, best: _Scored) -> _Scored:
        """A Latin-script message whose words did not tell its language may still be Russian,
        Bengali, Nepali or Thai typed in Latin letters without their function words ("pensiya
        migrantam"): it is, if read back into that script it matches far better there."""
        top = max(best.scores.values(), default=0.0)
        for code in sorted(LATIN_READER.romanised_languages & set(self._indexes)):
            native, other = LATIN_READER.read(query, code)
            if len(native.split()) < max(2, len(other.split())):
                continue
            scores = _score_index(self._indexes[code], _query_words(native))
            found = max(scores.values(), default=0.0)
            if found >= NONE_BELOW and found > top * ROMANISED_MARGIN:
                best, top = _Scored(code, scores), found
        return best

    def _or_english(self, scores: dict[int, float], english: str) -> dict[int, float]:
        """`scores`, or the scores of the `english` words in English if clearly better."""
        if DEFAULT_LANGUAGE not in self._indexes or not english:
            return scores
        beat = max(scores.values(), default=0.0) * LANGUAGE_MARGIN
        found = _score_index(self._indexes[DEFAULT_LANGUAGE], _query_words(english), beat)
        return found if max(found.values(), default=0.0) > beat else scores

    def _score_script(
        self, query: str, hint: str, script: str | None, english: list[str] | None = None
    ) -> _Scored:
        # Vietnamese letters in a library without Vietnamese: Latin text like any other.
        if script == "latin" or (script == "vi" and "vi" not in self._indexes):
            langs = [code for code in LATIN_LANGUAGES if code in self._indexes]
            fallback = hint if hint in LATIN_LANGUAGES else DEFAULT_LANGUAGE
        elif script in SUPPORTED_LANGUAGES:
            langs = [script] if script in self._indexes else []
            fallback = script
        else:
            # Another script (Lao, Khmer, Burmese, Chinese...): try English, whose
            # vocabulary may still share names such as "ASEAN"; otherwise an honest "none".
            langs = [DEFAULT_LANGUAGE] if DEFAULT_LANGUAGE in self._indexes else []
            fallback = hint
        words = _query_words(query)
        paired = _query_words(query, syllable_pairs=True) if PAIRED.intersection(langs) else []
        if script == "latin" and hint in langs and _knows_every_word(self._indexes[hint], words):
            # Every word is a word of the user's own language: "border control" from an English
            # user is English, even if Taglish content in another language scores it higher.
            langs = [hint]
        best = _Scored(fallback, {})
        best_top = 0.0
        # The user's language first, then English: a later language must do clearly better.
        for code in sorted(langs, key=lambda code: (code != hint, code != DEFAULT_LANGUAGE)):
            beat = best_top * LANGUAGE_MARGIN
            found = paired if code in PAIRED else words
            if code == DEFAULT_LANGUAGE and english:
                found = english
            scores = _score_index(self._indexes[code], found, beat)
            top = max(scores.values(), default=0.0)
            if top > beat and top > 0:
                best, best_top = _Scored(code, scores), top
        return best


def _query_words(query: str, *, syllable_pairs: bool = False) -> list[str]:
    """Folded words of a question with distinct terms, in order, at most MAX_QUERY_WORDS (a
    Thai word is several pieces, so pieces are counted as a fraction of a word)."""
    seen: dict[str, str] = {}
    size = 0.0
    for word, term in spelled_terms(query, syllable_pairs=syllable_pairs):
        if term in seen:
            continue
        seen[term] = word
        size += 1 / THAI_GRAM if is_thai(word) else 1
        if size >= MAX_QUERY_WORDS:
            break
    return list(seen.values())


def _knows_every_word(index: _Index, words: Iterable[str]) -> bool:
    """Whether every question word is, exactly, a term of this language's content."""
    found = [_term(word) for word in words]
    return bool(found) and all(term in index.postings for term in found if term is not None)


def _score_index(index: _Index, words: Iterable[str], beat: float = 0.0) -> dict[int, float]:
    """Score every section of one language index for the question words, 0-100.

    With `beat`, a language that cannot score above it even with perfect phrase scores is
    not scored further (the phrase scores are most of the work): the result is then empty.
    """
    matched: list[_Matches] = []
    unknown_weights: list[float] = []
    for word in words:
        looked_up = index.lookup(word)
        matched.extend(looked_up)
        # A Thai piece is a third of a word: unknown, it weighs a third of an unknown word.
        unknown = UNKNOWN_WORD_WEIGHT / THAI_GRAM if is_thai(word) else UNKNOWN_WORD_WEIGHT
        unknown_weights.extend([unknown] * len(looked_up))
    if not matched:
        return {}
    idf = index.idf
    # A word weighs as much as its rarest match: a common word with a specific synonym ("work"
    # and "job" or "employer") still says something about the topic. (Weighing only the
    # closest match was tried: it lost four dev paraphrases and gained none.)
    weights = [
        max((idf[term] for term, _ in found), default=unknown)
        for found, unknown in zip(matched, unknown_weights, strict=True)
    ]
    total = max(sum(weights), MIN_QUERY_WEIGHT)
    unknown = sum(weight for found, weight in zip(matched, weights, strict=True) if not found)
    off_topic = UNKNOWN_SHARE_FACTOR if unknown / total > UNKNOWN_SHARE_LIMIT else 1.0

    word_scores: dict[int, float] = {}
    curated: set[int] = set()
    for found, weight in zip(matched, weights, strict=True):
        best: dict[int, float] = {}
        for term, value in found:
            for section, field_weight, in_curated in index.postings[term]:
                if value * field_weight > best.get(section, 0.0):
                    best[section] = value * field_weight
                if in_curated:
                    curated.add(section)
        for section, value in best.items():
            word_scores[section] = word_scores.get(section, 0.0) + weight * value / total
    if not word_scores:
        return {}
    if beat > 0.0:
        bound = max(
            100.0
            * (WORD_WEIGHT * value + PHRASE_WEIGHT)
            * (1.0 if section in curated else UNCURATED_FACTOR)
            * off_topic
            for section, value in word_scores.items()
        )
        if bound <= beat:
            return {}

    shortlist = sorted(word_scores, key=lambda section: -word_scores[section])[:PHRASE_RERANK]
    phrase_scores = _phrase_scores(index, matched, weights, total, shortlist)
    return {
        section: 100.0
        * (WORD_WEIGHT * word_scores[section] + PHRASE_WEIGHT * phrase_scores.get(section, 0.0))
        * (1.0 if section in curated else UNCURATED_FACTOR)
        * off_topic
        for section in word_scores
    }


def _phrase_scores(
    index: _Index,
    matched: Sequence[_Matches],
    weights: Sequence[float],
    total: float,
    shortlist: Sequence[int],
) -> dict[int, float]:
    """Best phrase per shortlisted section: the geometric mean of how much of the question
    the phrase covers and how much of the phrase the question covers (both IDF-weighted)."""
    covered_query: dict[int, dict[int, float]] = {}  # phrase -> question word -> similarity
    covered_phrase: dict[int, dict[str, float]] = {}  # phrase -> phrase term -> similarity
    for position, found in enumerate(matched):
        for term, similarity in found:
            by_section = index.phrase_postings.get(term)
            if not by_section:
                continue
            for section in shortlist:
                for number in by_section.get(section, ()):
                    by_word = covered_query.setdefault(number, {})
                    by_word[position] = max(by_word.get(position, 0.0), similarity)
                    by_term = covered_phrase.setdefault(number, {})
                    by_term[term] = max(by_term.get(term, 0.0), similarity)
    best: dict[int, float] = {}
    for number, by_word in covered_query.items():
        phrase = index.phrases[number]
        query_share = sum(weights[position] * value for position, value in by_word.items())
        phrase_share = sum(index.idf[term] * sim for term, sim in covered_phrase[number].items())
        value = phrase.factor * math.sqrt(
            min(1.0, query_share / total) * min(1.0, phrase_share / phrase.weight)
        )
        if phrase.size:
            # A title is the section's name: a question that says it ("your rights as a
            # migrant") finds it even when its words are everywhere, so count words here.
            by_count = len(by_word) / len(matched) * len(covered_phrase[number]) / phrase.size
            value = max(value, math.sqrt(by_count))
        if value > best.get(phrase.section, 0.0):
            best[phrase.section] = value
    return best


def decide(candidates: Sequence[Candidate]) -> tuple[Decision, str | None, tuple[str, ...]]:
    """Turn ranked candidates into a decision, the answer and the alternatives."""
    if not candidates or candidates[0].score < NONE_BELOW:
        suggestions = tuple(c.section_id for c in candidates[:3] if c.score >= SUGGEST_MIN)
        return "none", None, suggestions
    top = candidates[0].score
    close = [c.section_id for c in candidates[:3] if c.score >= top * CLARIFY_RATIO]
    if len(close) >= 2 and top < CLARIFY_BELOW:
        return "clarify", None, tuple(close)
    floor = max(ALTERNATIVE_MIN, top * ALTERNATIVE_SHARE)
    alternatives = tuple(c.section_id for c in candidates[1:3] if c.score >= floor)
    return "answer", candidates[0].section_id, alternatives
