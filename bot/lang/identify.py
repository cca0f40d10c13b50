"""Which language a Latin-script message is written in, and reading romanised text back into
its own script. Pure; built from the language data files.

People type many languages in Latin letters: English, Indonesian, Tagalog, Vietnamese without
its accents, and Bengali, Nepali, Russian and Thai when their phone has no keyboard for the
script. They also mix English into the sentence ("ano sabi ng doc about skills recognition?").
The language of such a message is the language of its *function words* (the words that hold a
sentence together: "ng", "yung", "ba"; "ki", "ache"; "cha", "ko", "lai"), which a speaker keeps
while borrowing content words. So every word of the message votes for the languages whose
`latin.yaml` (or romanised vocabulary) has it, a word shared by several languages splitting
its vote; the language with clearly the most votes is the message's.

A romanised message is then read back into its script: Russian letter by letter (a
transliteration table), Bengali, Nepali and Thai word by word (a vocabulary of Latin
spellings), so the matcher can look it up in that language's content.
"""

from __future__ import annotations

from collections.abc import Mapping

from rapidfuzz import fuzz, process

from bot.lang.data import Language
from bot.lang.text import LATIN, WORD, fold, words

# A language must gather at least this many votes (about two function words of its own, or
# more shared ones) and this many times the runner-up's, or the message's language is unknown.
MIN_VOTES = 1.0
MARGIN = 1.5
# A vocabulary spelling counts this much as a vote: content words are weaker evidence of the
# language than function words (a Bengali speaker and a Nepali one both write "bidesh").
VOCABULARY_VOTE = 0.5
# Romanised spellings vary ("shromik", "sromik", "sramik"): a word may be a known spelling
# with a suffix ("probashider") or a typo away from one (ratio cutoff, words of 5+ letters).
PREFIX_MIN = 4
FUZZY_MIN = 5
FUZZY_CUTOFF = 80


class LatinReader:
    """Identifies the language of Latin-script text and reads romanised text into its script."""

    def __init__(self, languages: Mapping[str, Language]) -> None:
        votes: dict[str, dict[str, float]] = {}
        for code, lang in languages.items():
            for word in lang.latin_words:
                votes.setdefault(fold(word), {})[code] = 1.0
            for spelling in lang.romanised:
                found = votes.setdefault(fold(spelling), {})
                found.setdefault(code, VOCABULARY_VOTE)
        self._votes = votes
        self._scripts = {code: lang.script for code, lang in languages.items()}
        self._tables = {
            code: sorted(lang.transliteration, key=lambda pair: -len(pair[0].lstrip("^")))
            for code, lang in languages.items()
            if lang.transliteration
        }
        self._function_words = {
            code: frozenset(fold(word) for word in lang.latin_words)
            for code, lang in languages.items()
        }
        self._spellings = {
            code: {fold(spelling): native for spelling, native in lang.romanised.items()}
            for code, lang in languages.items()
            if lang.romanised
        }

    @property
    def romanised_languages(self) -> frozenset[str]:
        """Languages with their own script that this reader can read from Latin letters."""
        return frozenset(self._tables) | frozenset(self._spellings)

    def identify(self, text: str) -> str | None:
        """The language of a Latin-script message, or None when the words do not tell."""
        scores: dict[str, float] = {}
        for written in WORD.findall(text):
            if written.isupper() and len(written) > 1:
                continue  # an acronym ("GA", "UN", "NGO") is no word of a language
            found = self._votes.get(fold(written))
            if not found:
                continue
            share = 1.0 / len(found)
            for code, weight in found.items():
                scores[code] = scores.get(code, 0.0) + weight * share
        if not scores:
            return None
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        best, top = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        if top < MIN_VOTES or top < second * MARGIN:
            return None
        return best

    def is_romanised(self, lang: str) -> bool:
        """Whether `lang` has its own script (so Latin text in it is romanised)."""
        return self._scripts.get(lang, LATIN) != LATIN

    def read(self, text: str, lang: str) -> tuple[str, str]:
        """Latin-script `text` in `lang`, read word by word: (the words read into `lang`'s
        script, the other words). Function words go (they carry no topic); the other words
        are the ones it cannot read, usually English words in the sentence ("recruitment
        agency"), which may still be matched in English."""
        table = self._tables.get(lang)
        spellings = self._spellings.get(lang)
        filler = self._function_words.get(lang, frozenset())
        native: list[str] = []
        other: list[str] = []
        for word in words(text):
            if word in filler:
                continue
            if table is not None and word.isascii():
                native.append(_transliterate(word, table))
            elif spellings is not None and (found := _lookup(word, spellings)):
                native.append(found)
            else:
                other.append(word)
        return " ".join(native), " ".join(other)


def _transliterate(word: str, table: list[tuple[str, str]]) -> str:
    """One word, letter group by letter group, the longest group that fits at each point."""
    out: list[str] = []
    at = 0
    while at < len(word):
        for latin, native in table:
            start = latin.startswith("^")
            spelling = latin[1:] if start else latin
            if (not start or at == 0) and word.startswith(spelling, at):
                out.append(native)
                at += len(spelling)
                break
        else:
            out.append(word[at])
            at += 1
    return "".join(out)


def _lookup(word: str, spellings: Mapping[str, str]) -> str | None:
    """The native word for a romanised one: exactly, by a known spelling it starts with (the
    longest), or within a typo of one."""
    found = spellings.get(word)
    if found is not None:
        return found
    for end in range(len(word) - 1, PREFIX_MIN - 1, -1):
        found = spellings.get(word[:end])
        if found is not None:
            return found
    if len(word) < FUZZY_MIN:
        return None
    close = process.extractOne(word, spellings.keys(), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    return spellings[close[0]] if close is not None else None
