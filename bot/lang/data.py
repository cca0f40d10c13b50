"""Language knowledge as data: `bot/lang/<code>/*.yaml` -> frozen tables. No other I/O.

A folder with a `language.yaml` is a language. Its files, all optional but language.yaml:

- `language.yaml`: `name`, `script` (latin, cyrillic, bengali, devanagari, thai), `letters`
  (letters only this language writes, e.g. Vietnamese ơ ư), `syllable_pairs` (index each two
  neighbouring words as one too, for languages whose words are syllables written apart).
- `stopwords.yaml`: `words` (filler and function words, dropped before matching), `trailing`
  (particles cut off the end of a run of letters, for Thai).
- `stems.yaml`: `irregular` (word: stem), `suffixes` (tried in order, English-style rules) or
  `endings` (the longest that fits is cut), `keep` (letters a stem keeps at least), `passes`.
- `synonyms.yaml`: `groups`, each a line of words read as the same thing.
- `latin.yaml`: `words`, how the language is typed in Latin letters (its commonest words), to
  tell apart the languages of a Latin-script message.
- `romanised.yaml` (languages with their own script): `transliteration` (Latin spelling: its
  letters, "^" for the start of a word) or `vocabulary` (native word: its Latin spellings).
- `distress.yaml`: `concepts` (concept: entries; "word*" is a prefix, "word_word" a phrase),
  `personal`, `modals`, `modals_after`, `not_typos`, `segmentation_words`, `markers`,
  `homographs`, `aliases` (see bot/distress.py for what each means).

Word lists are whitespace-separated strings, so "no" and "on" stay words (YAML would read them
as booleans in a list). Every problem is reported at once, with its file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.lang.text import SCRIPTS, split_words
from bot.yamlfile import read_yaml

LANG_ROOT = Path(__file__).resolve().parent
LANGUAGE_FILE = "language.yaml"


class LanguageDataError(ValueError):
    """A language data file is missing, unreadable or has a field of the wrong kind."""


@dataclass(frozen=True)
class Stems:
    """How words of one script are reduced to a stem."""

    irregular: Mapping[str, str] = field(default_factory=dict)
    suffixes: tuple[str, ...] = ()  # English-style rules (plurals, doubled letters, final e)
    endings: tuple[str, ...] = ()  # plain endings, longest first
    keep: int = 2
    passes: int = 1


@dataclass(frozen=True)
class DistressWords:
    """The danger-signal vocabulary of one language (bot/distress.py owns what it means)."""

    concepts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    personal: tuple[str, ...] = ()
    modals: tuple[str, ...] = ()
    modals_after: tuple[str, ...] = ()
    not_typos: tuple[str, ...] = ()
    segmentation_words: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()
    homographs: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Language:
    """Everything the bot knows about reading one language, from its data folder."""

    code: str
    name: str
    script: str
    letters: str = ""
    syllable_pairs: bool = False
    stopwords: tuple[str, ...] = ()
    trailing: tuple[str, ...] = ()
    stems: Stems | None = None
    synonyms: tuple[tuple[str, ...], ...] = ()
    distress: DistressWords = field(default_factory=DistressWords)
    latin_words: tuple[str, ...] = ()
    transliteration: tuple[tuple[str, str], ...] = ()
    romanised: Mapping[str, str] = field(default_factory=dict)  # Latin spelling -> native word


class _Reader:
    """Reads the fields of one file, collecting problems instead of stopping at the first."""

    def __init__(self, path: Path, problems: list[str], allowed: frozenset[str]) -> None:
        self.path = path
        self.problems = problems
        self.data: dict[str, Any] = {}
        if not path.exists():
            return
        try:
            loaded = read_yaml(path)
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            self.problem(f"cannot be read ({type(error).__name__})")
            return
        if loaded is None:
            return
        if not isinstance(loaded, dict):
            self.problem("must be a mapping of fields")
            return
        for key in loaded:
            if key not in allowed:
                self.problem(f"unknown field '{key}' (known: {', '.join(sorted(allowed))})")
        self.data = loaded

    def problem(self, message: str) -> None:
        self.problems.append(f"{self.path.parent.name}/{self.path.name}: {message}")

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            self.problem(f"{key}: must be text")
            return default
        return value

    def words(self, key: str, value: Any = None) -> tuple[str, ...]:
        value = self.data.get(key, "") if value is None else value
        if not isinstance(value, str):
            self.problem(f"{key}: must be words separated by spaces")
            return ()
        return tuple(split_words(value))

    def number(self, key: str, default: int) -> int:
        value = self.data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            self.problem(f"{key}: must be a whole number")
            return default
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            self.problem(f"{key}: must be true or false")
            return False
        return value

    def mapping(self, key: str) -> dict[str, Any]:
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            self.problem(f"{key}: must be a mapping")
            return {}
        return value

    def word_map(self, key: str) -> Mapping[str, str]:
        found: dict[str, str] = {}
        for word, other in self.mapping(key).items():
            if not isinstance(word, str) or not isinstance(other, str):
                self.problem(f"{key}: '{word}' must map a word to a word")
                continue
            found[word] = other
        return MappingProxyType(found)


def load_language(folder: Path) -> Language:
    """Read one language folder; raise LanguageDataError listing every problem."""
    problems: list[str] = []

    def read(name: str, *allowed: str) -> _Reader:
        return _Reader(folder / name, problems, frozenset(allowed))

    if not (folder / LANGUAGE_FILE).exists():
        raise LanguageDataError(f"{folder.name}: no {LANGUAGE_FILE}")
    about = read(LANGUAGE_FILE, "name", "script", "letters", "syllable_pairs")
    script = about.text("script", "latin")
    if script not in SCRIPTS:
        about.problem(f"script: '{script}' is not one of {', '.join(sorted(SCRIPTS))}")

    stop = read("stopwords.yaml", "words", "trailing")
    stems_file = read("stems.yaml", "irregular", "suffixes", "endings", "keep", "passes")
    stems = None
    if stems_file.data:
        stems = Stems(
            irregular=stems_file.word_map("irregular"),
            suffixes=stems_file.words("suffixes"),
            endings=tuple(sorted(stems_file.words("endings"), key=len, reverse=True)),
            keep=stems_file.number("keep", 2),
            passes=stems_file.number("passes", 1),
        )
    synonyms_file = read("synonyms.yaml", "groups")
    groups = synonyms_file.data.get("groups") or []
    if not isinstance(groups, list):
        synonyms_file.problem("groups: must be a list, one group of words per line")
        groups = []
    synonyms = tuple(
        group for line in groups if len(group := synonyms_file.words("groups", line)) > 1
    )

    danger = read(
        "distress.yaml",
        "concepts",
        "personal",
        "modals",
        "modals_after",
        "not_typos",
        "segmentation_words",
        "markers",
        "homographs",
        "aliases",
    )
    concepts = {
        str(name): danger.words(f"concepts: {name}", entries)
        for name, entries in danger.mapping("concepts").items()
    }
    distress = DistressWords(
        concepts=MappingProxyType(concepts),
        personal=danger.words("personal"),
        modals=danger.words("modals"),
        modals_after=danger.words("modals_after"),
        not_typos=danger.words("not_typos"),
        segmentation_words=danger.words("segmentation_words"),
        markers=danger.words("markers"),
        homographs=danger.words("homographs"),
        aliases=danger.word_map("aliases"),
    )
    latin = read("latin.yaml", "words")
    roman = read("romanised.yaml", "transliteration", "vocabulary")
    spellings: dict[str, str] = {}
    for native, written in roman.mapping("vocabulary").items():
        for spelling in roman.words(f"vocabulary: {native}", written):
            spellings.setdefault(spelling, str(native))
    language = Language(
        code=folder.name,
        name=about.text("name", folder.name),
        script=script,
        letters=about.text("letters"),
        syllable_pairs=about.flag("syllable_pairs"),
        stopwords=stop.words("words"),
        trailing=stop.words("trailing"),
        stems=stems,
        synonyms=synonyms,
        distress=distress,
        latin_words=latin.words("words"),
        transliteration=tuple(roman.word_map("transliteration").items()),
        romanised=MappingProxyType(spellings),
    )
    if problems:
        raise LanguageDataError("; ".join(problems))
    return language


@lru_cache(maxsize=8)
def load_languages(root: Path = LANG_ROOT) -> Mapping[str, Language]:
    """Every language under `root` (a folder with a language.yaml), by code, sorted."""
    folders = sorted(path for path in root.iterdir() if (path / LANGUAGE_FILE).is_file())
    return MappingProxyType({folder.name: load_language(folder) for folder in folders})
