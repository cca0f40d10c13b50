"""Language data files: they load, they are complete, and a new language is one folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.loader import ContentError, load_library
from bot.content.models import SUPPORTED_LANGUAGES
from bot.distress import is_distress
from bot.lang.data import LanguageDataError, load_language, load_languages
from bot.matching.words import detect_script_language, stem, terms
from bot.service import build_matcher

LANGS = load_languages()


def test_every_bot_language_has_a_data_folder() -> None:
    assert set(SUPPORTED_LANGUAGES) <= set(LANGS)


# The tables were Python literals until issue 14; the commit that moved them here proved the
# files equal them (tests/test_lang.py at 9ceed5b). These check that the code reads the files.


def test_filler_from_the_data_files_is_dropped_before_matching() -> None:
    for code in ("en", "ru", "tl"):
        filler = LANGS[code].stopwords[0]
        assert terms(f"{filler} remittances") == terms("remittances")


def test_stems_come_from_each_script_s_data() -> None:
    assert stem("children") == stem("child")  # en irregular forms
    assert stem("мигрантов") == stem("мигранты")  # ru endings
    assert stem("শ্রমিকদের") == stem("শ্রমিক")  # bn endings


def test_vietnamese_letters_from_its_data_make_a_message_vietnamese() -> None:
    assert "ơ" in LANGS["vi"].letters
    assert detect_script_language("lương của tôi") == "vi"
    assert detect_script_language("my salary") == "latin"


def test_distress_reads_its_words_from_every_language_file() -> None:
    known = {concept for lang in LANGS.values() for concept in lang.distress.concepts}
    assert {"document", "take", "pay", "not", "violence"} <= known
    for code in SUPPORTED_LANGUAGES:
        assert LANGS[code].distress.concepts.get("document"), code
    assert is_distress("my boss took my passport")
    assert is_distress("majikan ambil paspor saya")


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


# --- Content packs extend the vocabulary without code. ---

DATA = Path(__file__).resolve().parent / "data"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
MINI = (DATA / "good" / "mini.yaml").read_text(encoding="utf-8")


def _pack_with(tmp_path: Path, synonyms: str) -> Path:
    text = MINI.replace("  version:", f"  synonyms:\n{synonyms}  version:", 1)
    (tmp_path / "mini.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_a_pack_s_synonyms_reach_its_content(tmp_path: Path) -> None:
    plain = build_matcher(load_library(_pack_with(tmp_path, "    en: []\n"), SEEDS))
    assert plain.match("kiriman charges").answer is None
    library = load_library(_pack_with(tmp_path, "    en: [kiriman remittances]\n"), SEEDS)
    assert library.synonym_groups == (("kiriman", "remittances"),)
    assert build_matcher(library).match("kiriman charges").answer == "mini-remittances"


@pytest.mark.parametrize(
    ("synonyms", "problem"),
    [
        ("    xx: [a b]\n", "'xx' is not a supported language"),
        ("    en: [padala]\n", "'padala' needs two or more words"),
        ("    en: padala remittances\n", "must be a list of word groups"),
    ],
)
def test_a_pack_s_bad_synonyms_are_named(tmp_path: Path, synonyms: str, problem: str) -> None:
    with pytest.raises(ContentError) as raised:
        load_library(_pack_with(tmp_path, synonyms), SEEDS)
    assert problem in str(raised.value)
