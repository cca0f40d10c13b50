"""Content models: what a content pack holds once loaded. Frozen, no I/O (but for listing the
language folders once, at import)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")

# Languages the bot speaks. English is the source and the fallback for everything.
DEFAULT_LANGUAGE = "en"
# The first eight, in the order menus show them; a language added later comes after them.
_FIRST_LANGUAGES = ("en", "ru", "id", "tl", "bn", "ne", "th", "vi")
_BOT_DIR = Path(__file__).resolve().parent.parent


def _languages(bot_dir: Path = _BOT_DIR) -> tuple[str, ...]:
    """Every language with its language data (bot/lang/<code>/language.yaml) and its interface
    strings (bot/locales/<code>.yaml): a ninth language is those two, plus its content, and no
    code. (Only file names are looked at here; the files are read where they are used.)"""
    found = {
        folder.name
        for folder in (bot_dir / "lang").iterdir()
        if (folder / "language.yaml").is_file()
        and (bot_dir / "locales" / f"{folder.name}.yaml").is_file()
    }
    first = [code for code in _FIRST_LANGUAGES if code in found]
    return (*first, *sorted(found - set(first)))


SUPPORTED_LANGUAGES: tuple[str, ...] = _languages()

# Field names, shared by the loader, the validator and the diff shown after an upload.
TEXT_FIELDS: tuple[str, ...] = ("title", "summary", "for_migrants")
LIST_FIELDS: tuple[str, ...] = ("key_points", "keywords", "questions")
# A translation's record of the English it was made from: the first hex digits of a SHA-256.
SOURCE_HASH_CHARS = 12


def english_hash(value: str | tuple[str, ...] | list[str]) -> str:
    """The hash a translation records of the English it was made from.

    Whitespace is folded first, so re-wrapping a paragraph in the YAML makes nothing stale.
    """
    items = [value] if isinstance(value, str) else list(value)
    folded = "\n".join(" ".join(item.split()) for item in items)
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:SOURCE_HASH_CHARS]


def stale_in(
    fields: Mapping[str, Mapping[str, object]],
    translated_from: Mapping[str, Mapping[str, str]],
    lang: str,
) -> tuple[str, ...]:
    """Fields whose `lang` text was made from an older English (its recorded hash differs).

    A field without a recorded hash is not called stale: nobody knows what it was made from
    (validate lists those as "not stamped").
    """
    recorded = translated_from.get(lang, {})
    stale = []
    for name, values in fields.items():
        english = values.get(DEFAULT_LANGUAGE)
        if not values.get(lang) or not english or name not in recorded:
            continue
        if recorded[name] != english_hash(english):  # type: ignore[arg-type]
            stale.append(name)
    return tuple(stale)


# Kinds of danger a message can signal (`MatchResult.distress_kind`); each may have its own
# urgent-help note. "general" is required and stands in for any kind without a note of its own.
GENERAL_DISTRESS = "general"
DISTRESS_KINDS: tuple[str, ...] = (
    "self_harm",
    "sexual_violence",
    "trafficking",  # also debt bondage, a passport taken, locked in, forced work
    "detention",
    "disaster",  # war or disaster where the writer is
    GENERAL_DISTRESS,
)


@dataclass(frozen=True)
class Localized(Generic[T]):
    """A value in the language asked for, or in English when that language is missing."""

    value: T
    lang: str
    fallback: bool


def pick(values: Mapping[str, T], lang: str) -> Localized[T]:
    """Return the value for `lang`, falling back to English (marked as a fallback)."""
    if values.get(lang):
        return Localized(values[lang], lang, fallback=False)
    return Localized(values[DEFAULT_LANGUAGE], DEFAULT_LANGUAGE, fallback=lang != DEFAULT_LANGUAGE)


@dataclass(frozen=True, eq=False)
class Section:
    """One section of a source document, explained in plain language."""

    id: str
    pack_id: str
    source_lines: tuple[int, int]
    title: Mapping[str, str]
    summary: Mapping[str, str]
    key_points: Mapping[str, tuple[str, ...]]
    keywords: Mapping[str, tuple[str, ...]]
    questions: Mapping[str, tuple[str, ...]]
    for_migrants: Mapping[str, str] = field(default_factory=dict)
    related: tuple[str, ...] = ()
    # Per translated language: True once a native speaker has checked it. English is the source.
    reviewed: Mapping[str, bool] = field(default_factory=dict)
    # The original wording, quoted from the seed file by `source_lines` when the pack was loaded.
    original: str = ""
    # Per translated language: field name -> hash of the English that translation was made from.
    translated_from: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def translatable(self) -> dict[str, Mapping[str, object]]:
        """The fields a translator translates, by name (what the translation hashes cover)."""
        return {name: getattr(self, name) for name in (*TEXT_FIELDS, *LIST_FIELDS)}

    def stale(self, lang: str) -> tuple[str, ...]:
        """Fields whose `lang` translation was made from English that has changed since."""
        return stale_in(self.translatable(), self.translated_from, lang)

    def languages(self) -> tuple[str, ...]:
        """Languages this section has a summary in, English first."""
        return tuple(lang for lang in SUPPORTED_LANGUAGES if self.summary.get(lang))

    def is_reviewed(self, lang: str) -> bool:
        """Whether the text in `lang` can be shown without the 'machine translation' note."""
        return lang == DEFAULT_LANGUAGE or self.reviewed.get(lang, False)

    def fields(self) -> dict[str, object]:
        """The content fields by name, for comparing two versions of a section."""
        return {
            "title": dict(self.title),
            "summary": dict(self.summary),
            "key_points": dict(self.key_points),
            "for_migrants": dict(self.for_migrants),
            "keywords": dict(self.keywords),
            "questions": dict(self.questions),
            "related": self.related,
            "source_lines": self.source_lines,
            "reviewed": dict(self.reviewed),
        }


@dataclass(frozen=True)
class Contact:
    """One checked place to get help in a country. Only these may carry a phone, handle or link."""

    name: Mapping[str, str]
    verified: date  # when someone last checked that the contact works
    source: str  # where it was checked (a web page, a phone call, a partner NGO)
    phone: str = ""
    telegram: str = ""
    web: str = ""
    languages: tuple[str, ...] = ()  # languages spoken there (any ISO 639 code)
    hours: Mapping[str, str] = field(default_factory=dict)
    note: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CountryReferrals:
    """The checked contacts for one country (ISO 3166 code, upper case)."""

    code: str
    name: Mapping[str, str]
    contacts: tuple[Contact, ...]


@dataclass(frozen=True, eq=False)
class GlossaryEntry:
    """A word the content cannot avoid, explained plainly in every language."""

    id: str
    term: Mapping[str, str]
    explanation: Mapping[str, str]
    # How the word is written in section text, per language: a section using one "uses" the word.
    words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    reviewed: Mapping[str, bool] = field(default_factory=dict)
    translated_from: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Its name in the translations block and in translators' CSV files."""
        return f"glossary.{self.id}"

    def translatable(self) -> dict[str, Mapping[str, object]]:
        """The fields a translator translates, by name."""
        return {"term": self.term, "explanation": self.explanation, "words": self.words}

    def stale(self, lang: str) -> tuple[str, ...]:
        """Fields whose `lang` translation was made from English that has changed since."""
        return stale_in(self.translatable(), self.translated_from, lang)

    def is_reviewed(self, lang: str) -> bool:
        """Whether a native speaker checked this entry in `lang`."""
        return lang == DEFAULT_LANGUAGE or self.reviewed.get(lang, False)


@dataclass(frozen=True)
class NextSteps:
    """What happened after the meeting, and which sections tell it besides /about."""

    text: Mapping[str, str] = field(default_factory=dict)
    shown_with: tuple[str, ...] = ()
    reviewed: Mapping[str, bool] = field(default_factory=dict)
    translated_from: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    KEY = "what_happened_next"

    def translatable(self) -> dict[str, Mapping[str, object]]:
        """The fields a translator translates, by name."""
        return {"text": self.text}

    def stale(self, lang: str) -> tuple[str, ...]:
        """Fields whose `lang` translation was made from English that has changed since."""
        return stale_in(self.translatable(), self.translated_from, lang)


# Plain-language limits for the English (checked by `validate` and on every upload).
DEFAULT_MAX_SENTENCE_WORDS = 25


@dataclass(frozen=True)
class PlainLanguageRules:
    """A pack's own plain-language settings: words to avoid and the longest sentence."""

    banned_jargon: tuple[str, ...] = ()
    max_sentence_words: int = DEFAULT_MAX_SENTENCE_WORDS


@dataclass(frozen=True, eq=False)
class Pack:
    """One content file: a source document and its sections."""

    id: str
    version: str
    file_name: str
    title: Mapping[str, str]
    source_document: str
    source_file: str
    source_date: str
    source_place: str
    sections: tuple[Section, ...]
    # Distress kind -> language -> the urgent-help note (only one pack may have these).
    urgent_help: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Per translated language of the urgent notes: has a native speaker checked it?
    urgent_reviewed: Mapping[str, bool] = field(default_factory=dict)
    # Sections that speak to someone in danger; a message that sounds like danger leans to them.
    urgent_sections: tuple[str, ...] = ()
    # Sections that speak to one kind of danger only (kind -> section ids): "trafficking" to a
    # passport taken, not to a flood. The first urgent section speaks to every kind.
    urgent_kinds: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    referrals: tuple[CountryReferrals, ...] = ()
    # Word groups (per language) read as the same thing when matching: readers' words for the
    # content's words, added by admins without code (bot/lang/<code>/synonyms.yaml is the base).
    synonyms: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    loaded_at: datetime | None = None
    glossary: tuple[GlossaryEntry, ...] = ()
    next_steps: NextSteps = field(default_factory=NextSteps)
    plain_language: PlainLanguageRules = field(default_factory=PlainLanguageRules)

    def languages(self) -> tuple[str, ...]:
        """Languages that at least one section of this pack is written in."""
        found = {lang for section in self.sections for lang in section.languages()}
        return tuple(lang for lang in SUPPORTED_LANGUAGES if lang in found)


@dataclass(frozen=True, eq=False)
class Library:
    """Every loaded pack; what the bot serves. Replaced as a whole, never edited in place."""

    packs: tuple[Pack, ...]

    @property
    def sections(self) -> tuple[Section, ...]:
        """All sections in pack order, then document order."""
        return tuple(section for pack in self.packs for section in pack.sections)

    def section(self, section_id: str) -> Section | None:
        """The section with this id, or None."""
        return self._by_id.get(section_id)

    def pack_of(self, section: Section) -> Pack:
        """The pack a section belongs to."""
        return next(pack for pack in self.packs if pack.id == section.pack_id)

    @property
    def urgent_help(self) -> Mapping[str, Mapping[str, str]]:
        """The urgent-help notes by distress kind (the loader lets only one pack have them)."""
        for pack in self.packs:
            if pack.urgent_help:
                return pack.urgent_help
        return {}

    def urgent_note(self, kind: str | None, lang: str) -> Localized[str] | None:
        """The note for this kind of danger in `lang` (else the general note; else English)."""
        notes = self.urgent_help
        texts = notes.get(kind or GENERAL_DISTRESS) or notes.get(GENERAL_DISTRESS)
        return pick(texts, lang) if texts else None

    @property
    def urgent_sections(self) -> tuple[str, ...]:
        """Ids of the sections every pack names as speaking to someone in danger."""
        return tuple(dict.fromkeys(sid for pack in self.packs for sid in pack.urgent_sections))

    @property
    def urgent_kinds(self) -> dict[str, tuple[str, ...]]:
        """Per kind of danger, the sections the packs name as speaking to that kind."""
        found: dict[str, tuple[str, ...]] = {}
        for pack in self.packs:
            for kind, ids in pack.urgent_kinds.items():
                found[kind] = tuple(dict.fromkeys((*found.get(kind, ()), *ids)))
        return found

    @property
    def referrals(self) -> dict[str, CountryReferrals]:
        """Checked contacts by country code, every pack's merged, countries in code order."""
        merged: dict[str, CountryReferrals] = {}
        for pack in self.packs:
            for country in pack.referrals:
                before = merged.get(country.code)
                if before is None:
                    merged[country.code] = country
                else:
                    merged[country.code] = CountryReferrals(
                        country.code, before.name, before.contacts + country.contacts
                    )
        return dict(sorted(merged.items()))

    @property
    def synonym_groups(self) -> tuple[tuple[str, ...], ...]:
        """Every pack's synonym groups, in every language."""
        return tuple(
            group for pack in self.packs for groups in pack.synonyms.values() for group in groups
        )

    @property
    def glossary(self) -> tuple[GlossaryEntry, ...]:
        """Glossary entries of every pack, in pack order."""
        return tuple(entry for pack in self.packs for entry in pack.glossary)

    def languages(self) -> tuple[str, ...]:
        """Languages any pack is written in."""
        found = {lang for pack in self.packs for lang in pack.languages()}
        return tuple(lang for lang in SUPPORTED_LANGUAGES if lang in found)

    @property
    def _by_id(self) -> dict[str, Section]:
        cached: dict[str, Section] | None = self.__dict__.get("_by_id_cache")
        if cached is None:
            cached = {section.id: section for section in self.sections}
            object.__setattr__(self, "_by_id_cache", cached)
        return cached
