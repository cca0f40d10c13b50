"""How the bot reads text, in every language: folding, words, scripts and Thai word cutting.

Matching (`bot.matching`) and danger detection (`bot.distress`) both read messages through this
module, so they agree on what a word is. Pure: no I/O.

- `fold`: case, Latin accents and apostrophes inside words go; other scripts keep their marks.
- `words`: the folded words of a text (letters, digits and the marks of the Indic and Thai
  blocks; punctuation and emoji separate words).
- `dominant_script`: which script most letters of a text are written in.
- Thai is written without spaces between words. A run of Thai letters is cut by
  `ThaiSegmenter` into the words of a vocabulary, longest word first (danger detection), or
  into overlapping pieces by `thai_pieces` (matching, which has no word list for the content).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

# Python's \w does not include combining marks, so it cuts Bengali and Devanagari words into
# pieces (their vowel signs are marks). A word here is letters and digits plus the marks of the
# Indic blocks (danda punctuation excluded), Thai, and the generic combining blocks.
MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0900-\u0963\u0966-\u0dff\u0e31-\u0e3a\u0e47-\u0e4e\u1dc0-\u1dff"
)
WORD = re.compile(rf"(?:[^\W_]|[{MARKS}])+")

# Accents on Latin letters are dropped (so "migración" finds "migracion" and Vietnamese typed
# with or without tone marks reads alike); marks after any other letter are kept, because in
# Cyrillic, Bengali and Devanagari they are part of the letter or the word.
_LATIN_ACCENTS = re.compile(r"(?<=[a-z])[\u0300-\u036f]+")
_APOSTROPHES = re.compile(r"(?<=\w)['’ʼ`´](?=\w)")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_FOLD_EXTRA = str.maketrans({"ё": "е", "ß": "ss", "ı": "i", "ł": "l", "đ": "d", "ø": "o"})


def fold(text: str) -> str:
    """Lower-case `text`, drop accents on Latin letters and apostrophes inside words."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_INVISIBLE)
    text = _APOSTROPHES.sub("", text)  # "don't" -> "dont", "migrants'" stays a word
    if not text.isascii():
        text = _LATIN_ACCENTS.sub("", unicodedata.normalize("NFD", text))
        text = unicodedata.normalize("NFC", text).translate(_FOLD_EXTRA)
    return text


def split_words(text: str) -> list[str]:
    """A word list written as one string (one word or more per line), as in the data files."""
    return text.split()


def words(text: str) -> list[str]:
    """The folded words of `text`, in order; punctuation and emoji are separators."""
    return WORD.findall(fold(text))


# ---------------------------------------------------------------------------------------------
# Scripts
# ---------------------------------------------------------------------------------------------

LATIN = "latin"
# Unicode blocks of the scripts a language data file may name (`script:` in language.yaml);
# "latin" is the ASCII letters plus the Latin blocks below.
SCRIPT_BLOCKS: dict[str, tuple[str, str]] = {
    "cyrillic": ("\u0400", "\u04ff"),
    "bengali": ("\u0980", "\u09ff"),
    "devanagari": ("\u0900", "\u097f"),
    "thai": ("\u0e00", "\u0e7f"),
}
SCRIPTS = frozenset({LATIN, *SCRIPT_BLOCKS})


def is_latin(char: str) -> bool:
    """Whether a non-ASCII letter is a Latin letter with accents (é, ơ, ạ)."""
    return "\u00c0" <= char <= "\u024f" or "\u1e00" <= char <= "\u1eff"


def dominant_script(text: str) -> str | None:
    """The script most letters of `text` are written in ("latin", "cyrillic", ...), or None
    when it has no letters or most are in a script the bot does not read (Khmer, Chinese)."""
    counts: dict[str, int] = {}
    for char in text:
        if char.isascii():
            if char.isalpha():
                counts[LATIN] = counts.get(LATIN, 0) + 1
            continue
        for name, (low, high) in SCRIPT_BLOCKS.items():
            if low <= char <= high:
                counts[name] = counts.get(name, 0) + 1
                break
        else:
            if char.isalpha():
                key = LATIN if is_latin(char) else "other"
                counts[key] = counts.get(key, 0) + 1
    if not counts:
        return None
    best = max(counts, key=lambda key: counts[key])
    return None if best == "other" else best


# ---------------------------------------------------------------------------------------------
# Thai
#
# Thai is written without spaces between words. Two ways to read it live here, each for its
# job: `thai_pieces` (overlapping letter pieces) lets the matcher compare a question with any
# content, in any words, with no Thai word list to keep up; `ThaiSegmenter` (longest words of a
# vocabulary) lets bot.distress find the words of its concepts and how far apart they are,
# which pieces cannot tell. One word list for both would tie the content's matching to the
# danger vocabulary, so both stay, here, in one module.
# ---------------------------------------------------------------------------------------------

THAI_LETTERS = "\u0e01-\u0e3a\u0e40-\u0e4e"  # consonants, vowels and tone marks (no digits)
THAI_OR_NOT = re.compile(rf"[{THAI_LETTERS}]+|[^{THAI_LETTERS}]+")
HAS_THAI = re.compile(f"[{THAI_LETTERS}]")


def is_thai(word: str) -> bool:
    """Whether a word (as `words` finds it) starts with a Thai letter."""
    return "\u0e01" <= word[0] <= "\u0e4e"


def thai_pieces(run: str, size: int, trailing: Sequence[str] = ()) -> list[str]:
    """The overlapping `size`-letter pieces of a run of Thai letters, `trailing` particles
    (longest first) cut off its end first.

    A question that contains a keyword contains all of the keyword's pieces, and a typo spoils
    only the pieces around it: matching needs no Thai word list for the content this way.
    """
    trimmed = True
    while trimmed and len(run) > size:
        trimmed = False
        for tail in trailing:
            if run.endswith(tail) and len(run) - len(tail) >= size:
                run, trimmed = run[: -len(tail)], True
                break
    if len(run) <= size:
        return [run]
    return [run[start : start + size] for start in range(len(run) - size + 1)]


_Trie = dict[str, "_Trie"]  # a letter trie: "" marks the end of a word


def _trie_pattern(vocabulary: Iterable[str]) -> str:
    """A regex matching any of `vocabulary`, trying the longest word first (as a letter trie)."""
    trie: _Trie = {}
    for word in vocabulary:
        node = trie
        for letter in word:
            node = node.setdefault(letter, {})
        node[""] = {}

    def pattern(node: _Trie) -> str:
        branches = [re.escape(letter) + pattern(rest) for letter, rest in node.items() if letter]
        if not branches:
            return ""
        group = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{group})?" if "" in node else group

    return pattern(trie)


class ThaiSegmenter:
    """Cuts a run of Thai letters into the words of a vocabulary, at each point taking the
    longest word that fits; letters no word covers come out as chunks of `unknown` letters, so
    distances between words still roughly hold."""

    def __init__(self, vocabulary: Iterable[str], unknown: int = 4) -> None:
        thai = sorted({word for word in vocabulary if re.fullmatch(f"[{THAI_LETTERS}]+", word)})
        # A word may not start right after a leading vowel (เ แ โ ใ ไ belong to the next
        # consonant), nor end before a vowel sign or tone mark (those belong to its last
        # letter): this keeps "หนี" (flee) out of "หนี้" (debt).
        self._word = re.compile(
            rf"(?<![\u0e40-\u0e44])(?:{_trie_pattern(thai)})(?![\u0e30-\u0e3a\u0e45\u0e47-\u0e4e])"
        )
        self._unknown = unknown

    def cut(self, run: str) -> list[str]:
        """A run of Thai letters cut into vocabulary words and chunks of unknown letters."""
        found: list[str] = []
        done = 0
        size = self._unknown
        for match in self._word.finditer(run):
            gap = run[done : match.start()]
            found += [gap[at : at + size] for at in range(0, len(gap), size)]
            found.append(match.group())
            done = match.end()
        gap = run[done:]
        found += [gap[at : at + size] for at in range(0, len(gap), size)]
        return found
