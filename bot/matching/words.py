"""Words as the matcher reads them: folded, filler dropped, reduced to a stem. Pure: no I/O
beyond the language data files read once at import (bot/lang/<code>/*.yaml).

The same steps run on the content and on a question:

1. Text is folded and split into words by `bot.lang.text`; filler (each language's
   stopwords.yaml: greetings, "please", "what did they say about") is dropped.
2. A word is reduced to a stem by its script, with the stems.yaml of the language that writes
   that script (English rules for Latin letters; Russian, Bengali and Nepali endings).
3. Thai, written without spaces, is cut into overlapping three-letter pieces (after its
   trailing particles); languages with `syllable_pairs` (Vietnamese) also get each two
   neighbouring words as one term.

`Synonyms` are everyday words for what the document calls otherwise (synonyms.yaml of every
language, plus the ones a content pack adds), read both ways.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from bot.content.models import DEFAULT_LANGUAGE
from bot.lang.data import Language, Stems, load_languages
from bot.lang.identify import LatinReader
from bot.lang.text import (
    LATIN,
    SCRIPT_BLOCKS,
    WORD,
    dominant_script,
    fold,
    is_thai,
    thai_pieces,
)

LANGUAGES: Mapping[str, Language] = load_languages()
# Tells the language of a Latin-script message and reads romanised text into its script.
LATIN_READER = LatinReader(LANGUAGES)

# Thai is indexed as overlapping pieces of this many letters (see bot.lang.text.thai_pieces): a
# word list good enough to cut it into words would be a large dependency, and IDF makes the
# pieces every section has (from common words) count for little, as for common English words.
THAI_GRAM = 3

# Filler in every language. Vietnamese words are folded without their tone marks, so a filler
# word that folds like a content syllable ("có" and "cơ quan") is left out of the list.
_STOPWORDS = frozenset(fold(word) for lang in LANGUAGES.values() for word in lang.stopwords)
_TRAILING = tuple(
    sorted({word for lang in LANGUAGES.values() for word in lang.trailing}, key=len, reverse=True)
)
# Latin-script languages, scored against each other for a Latin-script question.
LATIN_LANGUAGES = tuple(code for code, lang in LANGUAGES.items() if lang.script == LATIN)
# Languages whose neighbouring words are also indexed as one (see `spelled_terms`).
PAIRED = frozenset(code for code, lang in LANGUAGES.items() if lang.syllable_pairs)
# The language a script other than Latin implies (Cyrillic -> ru).
_SCRIPT_LANGUAGE = {
    lang.script: code for code, lang in reversed(list(LANGUAGES.items())) if lang.script != LATIN
}
# Letters only one Latin-script language writes (Vietnamese ơ, ư, ạ...).
_DISTINCT_LETTERS = {
    code: frozenset(lang.letters) for code, lang in LANGUAGES.items() if lang.letters
}


def _stems_by_script() -> dict[str, Stems]:
    """The stem rules of each script: those of the one language that has them (English first)."""
    found: dict[str, Stems] = {}
    ordered = sorted(LANGUAGES.values(), key=lambda lang: lang.code != DEFAULT_LANGUAGE)
    for lang in ordered:
        if lang.stems is not None:
            found.setdefault(lang.script, lang.stems)
    return found


_STEMS = _stems_by_script()
_DOUBLE_END = re.compile(r"([bcdfgkmnprt])\1$")
_HYPHENATED = re.compile(r"\b(\w+)-(\w+)\b")


def _stem_english(word: str, rules: Stems) -> str:
    """English-style rules: irregular forms, plurals, suffixes (two passes), a final e."""
    word = rules.irregular.get(word, word)
    if len(word) <= 3:
        return word
    word = word.replace("bour", "bor").replace("vour", "vor")
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "ches", "shes", "xes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for _ in range(2):
        for suffix in rules.suffixes:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = _DOUBLE_END.sub(r"\1", word[: -len(suffix)])
                break
        else:
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def _strip_endings(word: str, rules: Stems) -> str:
    """The word without its endings (the longest that fits each pass)."""
    word = rules.irregular.get(word, word)
    for _ in range(rules.passes):
        for ending in rules.endings:
            if word.endswith(ending) and len(word) - len(ending) >= rules.keep:
                word = word[: -len(ending)]
                break
        else:
            break
    return word


def _script_of(char: str) -> str | None:
    for name, (low, high) in SCRIPT_BLOCKS.items():
        if low <= char <= high:
            return name
    return None


def stem(word: str) -> str:
    """The stem of one folded word, by its script; the same for question and content."""
    if word.isascii():
        if not word.isalpha():
            return word
        rules = _STEMS.get(LATIN)
    else:
        script = _script_of(word[0])
        rules = _STEMS.get(script) if script else None
    if rules is None:
        return word
    return _stem_english(word, rules) if rules.suffixes else _strip_endings(word, rules)


# Folded word -> term ("" for filler), shared by every index: content and questions repeat
# the same few thousand words, and stemming each once keeps the build fast.
_TERMS: dict[str, str] = {}
_TERMS_LIMIT = 500_000


def term(word: str) -> str | None:
    """The indexed form of one folded word, or None for filler and single letters."""
    found = _TERMS.get(word)
    if found is None:
        filler = word in _STOPWORDS or (len(word) < 2 and not word.isdigit())
        found = "" if filler else stem(word)
        if len(_TERMS) < _TERMS_LIMIT:
            _TERMS[word] = found
    return found or None


def spelled_terms(
    text: str, *, joined: bool = False, syllable_pairs: bool = False
) -> list[tuple[str, str]]:
    """(folded word, term) pairs of `text`, in order, filler dropped.

    A run of Thai letters gives its pieces (see THAI_GRAM), each its own word and term.
    `joined` also adds hyphenated compounds written as one word ("inter-agency" ->
    "interagency"), so a question that writes them either way finds them.
    `syllable_pairs` also adds each two neighbouring words written as one ("hộ chiếu" ->
    "hochieu"), for Vietnamese: its words are one to three syllables written apart, and a
    syllable alone is ambiguous once folded ("hộ" household, "hồ" lake, "họ" they).
    """
    folded = fold(text)
    found: list[tuple[str, str]] = []
    previous: str | None = None
    for word in WORD.findall(folded):
        if is_thai(word):
            found.extend((piece, piece) for piece in thai_pieces(word, THAI_GRAM, _TRAILING))
            previous = None
        elif found_term := term(word):
            found.append((word, found_term))
            if syllable_pairs and previous is not None and (pair := term(previous + word)):
                found.append((previous + word, pair))
            previous = word
        else:
            previous = None
    if joined and "-" in folded:
        for left, right in _HYPHENATED.findall(folded):
            if (joined_term := term(left + right)) is not None:
                found.append((left + right, joined_term))
    return found


def terms(text: str, *, joined: bool = False) -> list[str]:
    """The terms (folded, filler dropped, stemmed) of `text`, in order."""
    return [found for _, found in spelled_terms(text, joined=joined)]


def synonym_table(groups: Iterable[Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Term -> the terms of every group it is in (read both ways), from groups of words."""
    table: dict[str, set[str]] = {}
    for group in groups:
        stems = {stem(fold(word)) for word in group}
        for member in stems:
            table.setdefault(member, set()).update(stems - {member})
    return {word: tuple(sorted(others)) for word, others in table.items()}


# Every language's synonyms.yaml. Each index reads them all: Latin-script languages share many
# words ("visa", "boss" in a Taglish question), and a group only adds words the content has.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = tuple(
    group for lang in LANGUAGES.values() for group in lang.synonyms
)
SYNONYMS = synonym_table(SYNONYM_GROUPS)


def written_language(text: str) -> str | None:
    """The language `text` is written in when its script or its words tell (Cyrillic is
    Russian; "salamat po" Tagalog, "dhonnobad bhai" Bengali), else None (an emoji, "ok")."""
    script = detect_script_language(text)
    if script == LATIN:
        return LATIN_READER.identify(text)
    return script


def detect_script_language(text: str) -> str | None:
    """The language a script implies (ru, bn, ne, th; vi for Latin letters only Vietnamese
    uses), "latin" for other Latin text, or None (another script, or no letters)."""
    script = dominant_script(text)
    if script is None:
        return None
    if script == LATIN:
        for code, letters in _DISTINCT_LETTERS.items():
            if not letters.isdisjoint(text):
                return code
        return LATIN
    return _SCRIPT_LANGUAGE.get(script)
