"""Conversation acts and the exemplar data: small talk, off-topic and danger, per language.

The exemplars are data, one folder per language under `bot/lang/<code>/`:

- `smalltalk.yaml`: greeting, thanks, bye, who (are you a person?), capabilities (what can you
  do?), help, ack (ok, yes, no) and laughter, each a list of short messages;
- `offtopic.yaml`: practical questions the document does not answer (visa fees, embassy hours)
  and everyday chat;
- `danger_exemplars.yaml`: messages from someone in danger, by kind of danger, and `calm`
  questions that use the same words about the topic.

Two ways to use them. Without any model, `rule_intent` recognises a message that is, word for
word (ignoring case, accents, punctuation and emoji), one or a few small-talk phrases
("ok thanks bye"), and a message of emoji or punctuation only. With the embedding model,
`bot.matching.decide` compares a message with every exemplar, so "thanks a ton bro" is thanks
although no list has it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.content.models import SUPPORTED_LANGUAGES
from bot.yamlfile import read_yaml

LANG_DIR = Path(__file__).resolve().parent.parent / "lang"

# The kinds of small talk, in the order they win when a message holds several ("hi, who are
# you?" is a question about the bot; "ok thanks" is thanks). "emoji" is a message with no
# letters at all.
SMALLTALK_KINDS = ("who", "capabilities", "help", "thanks", "bye", "greeting", "laughter", "ack")
EMOJI = "emoji"
INTENTS = (*SMALLTALK_KINDS, EMOJI)
# Exemplar classes besides the small-talk kinds.
OFFTOPIC = "offtopic"
DANGER = "danger"
CALM = "calm"

# A message of small-talk phrases is at most this many words: longer ones say something more.
MAX_SMALLTALK_WORDS = 8
# Phrases are at most this many words (the longest in the data is shorter).
_MAX_PHRASE_WORDS = MAX_SMALLTALK_WORDS
_LAUGHING_EMOJI = frozenset("😂🤣😆😹😄😁😅")


@dataclass(frozen=True)
class Exemplar:
    """One example message: its class ("greeting", "offtopic", "danger", "calm"), its kind
    within the class (the kind of danger, "practical" off-topic...) and its language."""

    text: str
    cls: str
    kind: str
    lang: str


def _read(path: Path) -> dict[str, list[str]]:
    if not path.is_file():
        return {}
    loaded = read_yaml(path) or {}
    if not isinstance(loaded, dict):
        raise ValueError(f"{path}: expected a mapping of lists")
    found: dict[str, list[str]] = {}
    for key, values in loaded.items():
        if not isinstance(values, list) or not all(isinstance(v, str | int) for v in values):
            raise ValueError(f"{path}: {key!r} must be a list of texts")
        found[str(key)] = [str(value) for value in values]
    return found


@cache
def load_exemplars(lang_dir: Path = LANG_DIR) -> tuple[Exemplar, ...]:
    """Every exemplar of every supported language, read once."""
    found: list[Exemplar] = []
    for lang in SUPPORTED_LANGUAGES:
        folder = lang_dir / lang
        for kind, texts in _read(folder / "smalltalk.yaml").items():
            if kind not in SMALLTALK_KINDS:
                raise ValueError(f"{folder / 'smalltalk.yaml'}: unknown kind {kind!r}")
            found.extend(Exemplar(text, kind, kind, lang) for text in texts)
        for kind, texts in _read(folder / "offtopic.yaml").items():
            found.extend(Exemplar(text, OFFTOPIC, kind, lang) for text in texts)
        for kind, texts in _read(folder / "danger_exemplars.yaml").items():
            cls = CALM if kind == CALM else DANGER
            found.extend(Exemplar(text, cls, kind, lang) for text in texts)
    return tuple(found)


def normalise(text: str) -> str:
    """Folded for comparing phrases: case, Latin accents, punctuation, emoji and letters
    stretched for emphasis ("hiiii", "okkk") do not matter."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept: list[str] = []
    previous = ""
    for char in decomposed:
        category = unicodedata.category(char)
        if category.startswith("M"):
            # Accents on Latin letters go ("cảm ơn" = "cam on"); the vowel signs of Thai,
            # Bengali and Devanagari are letters of their own and stay.
            if previous.isascii():
                continue
            kept.append(char)
            continue
        if category[0] in "LN":
            kept.append(char)
            previous = char
        else:
            kept.append(" ")
            previous = ""
    words = unicodedata.normalize("NFC", "".join(kept)).split()
    return " ".join(_squeeze(word) for word in words)


def _squeeze(word: str) -> str:
    """A letter repeated three times or more counts as two ("hiiii" -> "hii"), a digit as
    three (Thai laughter "55555" -> "555")."""
    out: list[str] = []
    for char in word:
        keep = 3 if char.isdigit() else 2
        if len(out) >= keep and all(previous == char for previous in out[-keep:]):
            continue
        out.append(char)
    return "".join(out)


@dataclass(frozen=True)
class SmallTalk:
    """A message recognised as small talk: its kind and, when its words belong to one
    language only, that language ("salamat po" is Tagalog; "ok" could be anything)."""

    kind: str
    lang: str | None


@dataclass(frozen=True)
class PhraseBook:
    """The small-talk phrases of every language, normalised, for the word-for-word rule."""

    phrases: dict[str, tuple[str, frozenset[str]]]  # normalised phrase -> (kind, languages)

    @classmethod
    def build(cls, exemplars: Iterable[Exemplar]) -> PhraseBook:
        """Index the small-talk exemplars; the first kind in SMALLTALK_KINDS wins a clash."""
        kinds: dict[str, str] = {}
        langs: dict[str, set[str]] = {}
        rank = {kind: number for number, kind in enumerate(SMALLTALK_KINDS)}
        for exemplar in exemplars:
            if exemplar.cls not in rank:
                continue
            key = normalise(exemplar.text)
            if not key:
                continue
            langs.setdefault(key, set()).add(exemplar.lang)
            if key not in kinds or rank[exemplar.cls] < rank[kinds[key]]:
                kinds[key] = exemplar.cls
        return cls({key: (kind, frozenset(langs[key])) for key, kind in kinds.items()})

    def parts(self, text: str) -> list[tuple[str, frozenset[str]]] | None:
        """The small-talk phrases a message is made of, or None if some words are not small
        talk (or there are too many of them)."""
        words = normalise(text).split()
        if not words or len(words) > MAX_SMALLTALK_WORDS:
            return None
        # Fewest phrases that cover the message exactly, left to right.
        best: list[list[tuple[str, frozenset[str]]] | None] = [None] * (len(words) + 1)
        best[0] = []
        for end in range(1, len(words) + 1):
            for start in range(max(0, end - _MAX_PHRASE_WORDS), end):
                before = best[start]
                found = self.phrases.get(" ".join(words[start:end]))
                if before is None or found is None:
                    continue
                current = best[end]
                if current is None or len(before) + 1 < len(current):
                    best[end] = [*before, found]
        return best[len(words)]

    def intent(self, text: str) -> SmallTalk | None:
        """What kind of small talk a message is, if it is nothing but small talk."""
        if not any(char.isalnum() for char in text):
            if not text.strip():
                return None
            return SmallTalk("laughter" if _LAUGHING_EMOJI.intersection(text) else EMOJI, None)
        parts = self.parts(text)
        if not parts:
            return None
        kind = min((kind for kind, _ in parts), key=SMALLTALK_KINDS.index)
        # The language every phrase that belongs to one language agrees on, if any.
        own = {next(iter(langs)) for _, langs in parts if len(langs) == 1}
        return SmallTalk(kind, own.pop() if len(own) == 1 else None)
