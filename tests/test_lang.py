"""Language data files: they load, they are complete, and a new language is one folder."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

import bot.distress as distress
import bot.matching.lexical as lexical
from bot.content.models import SUPPORTED_LANGUAGES
from bot.lang.data import LanguageDataError, load_language, load_languages
from bot.lang.text import fold, split_words

LANGS = load_languages()


def _all(pick) -> Counter[str]:  # type: ignore[no-untyped-def]
    return Counter(word for lang in LANGS.values() for word in pick(lang))


def test_every_bot_language_has_a_data_folder() -> None:
    assert set(SUPPORTED_LANGUAGES) <= set(LANGS)


# --- The cut-over check: the data files hold exactly the tables that were Python literals. ---


def test_stopwords_equal_the_old_literal() -> None:
    loaded = frozenset(fold(word) for lang in LANGS.values() for word in lang.stopwords)
    assert loaded == lexical._STOPWORDS
    assert LANGS["th"].trailing == lexical._THAI_TAIL


def test_stems_equal_the_old_literals() -> None:
    english = LANGS["en"].stems
    assert english is not None
    assert dict(english.irregular) == lexical._EN_IRREGULAR
    assert english.suffixes == lexical._EN_SUFFIXES
    for code, endings, keep, passes in (
        ("ru", lexical._RU_ENDINGS, 3, 1),
        ("bn", lexical._BN_ENDINGS, 2, 2),
        ("ne", lexical._NE_ENDINGS, 2, 2),
    ):
        stems = LANGS[code].stems
        assert stems is not None
        assert sorted(stems.endings) == sorted(endings)
        assert [len(e) for e in stems.endings] == [len(e) for e in endings]
        assert (stems.keep, stems.passes) == (keep, passes)


def test_synonyms_equal_the_old_literal() -> None:
    assert LANGS["en"].synonyms == lexical._SYNONYM_GROUPS
    assert all(not lang.synonyms for code, lang in LANGS.items() if code != "en")


def test_vietnamese_letters_equal_the_old_test() -> None:
    letters = set(LANGS["vi"].letters)
    assert letters == {chr(c) for c in range(0x1EA0, 0x1EFA)} | lexical._VIETNAMESE_LETTERS


def test_distress_concepts_equal_the_old_literals() -> None:
    for concept, text in distress._CONCEPTS.items():
        loaded = _all(lambda lang, c=concept: lang.distress.concepts.get(c, ()))
        assert loaded == Counter(split_words(text)), concept
    known = {c for lang in LANGS.values() for c in lang.distress.concepts}
    assert known == set(distress._CONCEPTS)


def test_distress_word_lists_equal_the_old_literals() -> None:
    assert frozenset(fold(w) for w in _all(lambda lang: lang.distress.personal)) == (
        distress._PERSONAL
    )
    assert _all(lambda lang: lang.distress.modals) == Counter(split_words(distress._MODALS))
    assert _all(lambda lang: lang.distress.modals_after) == Counter(
        split_words(distress._MODALS_AFTER)
    )
    assert frozenset(_all(lambda lang: lang.distress.not_typos)) == distress._NOT_TYPOS
    assert LANGS["th"].distress.segmentation_words == tuple(split_words(distress._THAI_OTHER_WORDS))
    assert dict(LANGS["vi"].distress.aliases) == distress._ALIASES
    assert frozenset(LANGS["vi"].distress.markers) == distress._VIETNAMESE_WORDS
    assert frozenset(LANGS["vi"].distress.homographs) == distress._VI_HOMOGRAPHS
    assert frozenset(LANGS["tl"].distress.markers) == distress._TAGALOG_WORDS
    assert frozenset(LANGS["tl"].distress.homographs) == distress._TAGALOG_HOMOGRAPHS


# --- A ninth language is one folder. ---


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_a_ninth_language_is_one_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ms"
    _write(folder, "language.yaml", "name: Bahasa Melayu\nscript: latin\n")
    _write(folder, "stopwords.yaml", "words: >-\n  apa yang dan\n  di ke\n")
    _write(folder, "synonyms.yaml", "groups:\n  - gaji upah\n  - majikan bos\n")
    _write(folder, "distress.yaml", "concepts:\n  document: pasport* dokumen\n")
    _write(tmp_path / "notes", "README.txt", "not a language: no language.yaml")
    found = load_languages(tmp_path)
    assert list(found) == ["ms"]
    malay = found["ms"]
    assert (malay.name, malay.script) == ("Bahasa Melayu", "latin")
    assert malay.stopwords == ("apa", "yang", "dan", "di", "ke")
    assert malay.synonyms == (("gaji", "upah"), ("majikan", "bos"))
    assert malay.distress.concepts["document"] == ("pasport*", "dokumen")
    assert malay.stems is None


def test_a_broken_language_file_names_every_problem(tmp_path: Path) -> None:
    folder = tmp_path / "xx"
    _write(folder, "language.yaml", "name: X\nscript: klingon\nsyllable_pairs: maybe\n")
    _write(folder, "stopwords.yaml", "words: [a, b]\ncolour: red\n")
    _write(folder, "stems.yaml", "keep: -1\n")
    with pytest.raises(LanguageDataError) as raised:
        load_language(folder)
    message = str(raised.value)
    for expected in (
        "xx/language.yaml: script: 'klingon'",
        "syllable_pairs: must be true or false",
        "xx/stopwords.yaml: unknown field 'colour'",
        "words: must be words separated by spaces",
        "xx/stems.yaml: keep: must be a whole number",
    ):
        assert expected in message
