"""Plain-language checks on the English of every pack: reading grade, sentence length, jargon.

Run by `python -m bot validate` and on every upload, /reload and /rollback, so a content editor
sees the same report everywhere. A *refusal* stops the content from going live; a *warning* is
shown and nothing stops.

- Reading grade (Flesch-Kincaid): above 9 refuses a summary or a "what it means for you";
  above 8 warns for the key points (read together, one sentence per point).
- Sentences longer than the pack's `plain_language.max_sentence_words` (default 25) warn.
- A word on the pack's `plain_language.banned_jargon` list refuses the English field using it
  (titles, summaries, key points, what it means for you, the glossary explanations and the
  note on what happened next). Keywords and example questions are the users' words: not checked.

The grade comes from textstat (pinned 0.7.4; it counts syllables with Pyphen's hyphenation
dictionary), the same tool the tests have always measured the summaries with, so `validate` and
the tests can never disagree about a grade. It is imported only when a check runs.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from bot.content.models import DEFAULT_LANGUAGE, Library, Pack

Level = Literal["refuse", "warn"]

# Reading grade limits (US school grades, Flesch-Kincaid).
MAX_GRADE = 9.0  # summaries and "what it means for you": above this, refused
WARN_GRADE = 8.0  # key points: above this, a warning
# A grade on a few words is noise: one long word in a short title reads as grade 12.
MIN_WORDS_FOR_GRADE = 12

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“(]?[A-Z0-9]|\([a-z]\)\s)")


@dataclass(frozen=True)
class Finding:
    """One plain-language problem in one English field."""

    level: Level
    file: str
    where: str  # section id, glossary.<id> or what_happened_next
    field: str
    message: str

    def __str__(self) -> str:
        label = "refused" if self.level == "refuse" else "warning"
        return f"{self.file} {self.where} {self.field}: {label}: {self.message}"


@cache
def _textstat() -> object:
    with warnings.catch_warnings():
        # textstat 0.7.4 imports pkg_resources, which newer setuptools flags as deprecated.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        import textstat  # type: ignore[import-untyped]

    return textstat


def reading_grade(text: str) -> float:
    """The Flesch-Kincaid grade of an English text."""
    grade: float = _textstat().flesch_kincaid_grade(text)  # type: ignore[attr-defined]
    return grade


def sentences(text: str) -> list[str]:
    """English sentences, split after ". ", "! " or "? " before a capital, a digit or "(b) "."""
    return [part.strip() for part in _SENTENCE_END.split(" ".join(text.split())) if part.strip()]


def as_prose(points: Iterable[str]) -> str:
    """List items read as one text, each its own sentence (for the grade formula)."""
    return " ".join(
        point if point.rstrip().endswith((".", "!", "?")) else f"{point}." for point in points
    )


def content_report(library: Library, file_name: str | None = None) -> tuple[list[str], list[str]]:
    """The refusals, then the warnings and the stale translations, as lines: what `validate`
    prints and what an admin sees after an upload (of `file_name`: only that file's)."""
    from bot.content.translations import stale_lines

    stale = stale_lines(library, file_name)
    if file_name is not None:
        library = Library(tuple(pack for pack in library.packs if pack.file_name == file_name))
    findings = check_library(library)
    refused = [str(finding) for finding in findings if finding.level == "refuse"]
    warnings = [str(finding) for finding in findings if finding.level == "warn"]
    return refused, warnings + stale


def check_library(library: Library) -> list[Finding]:
    """Every plain-language finding in every pack, refusals first."""
    findings = [finding for pack in library.packs for finding in check_pack(pack)]
    return sorted(findings, key=lambda finding: finding.level != "refuse")


def check_pack(pack: Pack) -> list[Finding]:
    """The findings for one pack's English."""
    checker = _Checker(pack)
    for section in pack.sections:
        checker.grade(section.id, "summary", section.summary[DEFAULT_LANGUAGE], "refuse", MAX_GRADE)
        if section.for_migrants:
            english = section.for_migrants[DEFAULT_LANGUAGE]
            checker.grade(section.id, "for_migrants", english, "refuse", MAX_GRADE)
        points = as_prose(section.key_points[DEFAULT_LANGUAGE])
        checker.grade(section.id, "key_points", points, "warn", WARN_GRADE)
        texts = {
            "title": section.title[DEFAULT_LANGUAGE],
            "summary": section.summary[DEFAULT_LANGUAGE],
            "key_points": points,
            "for_migrants": section.for_migrants.get(DEFAULT_LANGUAGE, ""),
        }
        for name, text in texts.items():
            checker.sentence_length(section.id, name, text)
            checker.jargon(section.id, name, text)
    for entry in pack.glossary:
        checker.jargon(entry.key, "explanation", entry.explanation[DEFAULT_LANGUAGE])
        checker.sentence_length(entry.key, "explanation", entry.explanation[DEFAULT_LANGUAGE])
    if pack.next_steps.text:
        english = pack.next_steps.text[DEFAULT_LANGUAGE]
        checker.jargon(pack.next_steps.KEY, "text", english)
        checker.sentence_length(pack.next_steps.KEY, "text", english)
    return checker.findings


class _Checker:
    def __init__(self, pack: Pack) -> None:
        self.file = pack.file_name
        self.rules = pack.plain_language
        self.findings: list[Finding] = []
        self.banned = [
            (word, re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE))
            for word in self.rules.banned_jargon
        ]

    def add(self, level: Level, where: str, field: str, message: str) -> None:
        self.findings.append(Finding(level, self.file, where, field, message))

    def grade(self, where: str, field: str, text: str, level: Level, limit: float) -> None:
        if len(text.split()) < MIN_WORDS_FOR_GRADE:
            return
        grade = reading_grade(text)
        if grade > limit:
            self.add(
                level,
                where,
                field,
                f"reads at grade {grade:.1f}; keep it at {limit:g} or lower "
                "(shorter sentences, everyday words)",
            )

    def sentence_length(self, where: str, field: str, text: str) -> None:
        longest = self.rules.max_sentence_words
        for sentence in sentences(text):
            count = len(sentence.split())
            if count > longest:
                self.add(
                    "warn",
                    where,
                    field,
                    f"a sentence of {count} words (limit {longest}): “{sentence[:60]}…”",
                )

    def jargon(self, where: str, field: str, text: str) -> None:
        for word, pattern in self.banned:
            if pattern.search(text):
                self.add(
                    "refuse",
                    where,
                    field,
                    f"uses “{word}”, on the pack's banned_jargon list: say it in everyday words",
                )
