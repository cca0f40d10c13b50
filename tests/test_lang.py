"""Language data files: they load, they are complete, and a new language is one folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content.loader import ContentError, load_library
from bot.content.models import SUPPORTED_LANGUAGES
from bot.distress import is_distress
from bot.lang.data import LanguageDataError, load_language, load_languages
from bot.lang.identify import LatinReader
from bot.matching import Matcher
from bot.matching.words import detect_script_language, stem, terms
from bot.replies import escape
from bot.service import Service, build_matcher

ROOT = Path(__file__).resolve().parent.parent

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


# --- Language as people write it: the reply is in the language of the message. ---

READER = LatinReader(LANGS)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # Code-switched: the function words say the language, the English words the topic.
        ("ano ba ang sinabi nila tungkol sa remittance fees?", "tl"),
        ("yung agency namin kinuha yung passport, ano sabi ng document?", "tl"),
        ("apa kata dokumen ini soal recruitment fees yang mahal?", "id"),
        ("gimana sih aturan visa kerja buat migrant workers?", "id"),
        ("tai lieu noi gi ve lao dong nu vay?", "vi"),
        # Romanised: Bengali, Nepali, Russian, Thai typed in Latin letters.
        ("probashi sromik der odhikar niye ki bola ache?", "bn"),
        ("nepali kamdar ko adhikar barema k bhaneko cha?", "ne"),
        ("chto govoryat o pravakh migrantov i ikh semey?", "ru"),
        ("sitthi khong raengngan mee arai bang krub", "th"),
        # No topic at all.
        ("kal abohawa kemon hobe bhai?", "bn"),
        ("bukas ba ang opisina ninyo sa linggo?", "tl"),
        ("besok cuaca di jakarta bagaimana ya?", "id"),
        ("what time is it in doha right now?", "en"),
    ],
)
def test_the_language_of_a_latin_script_message_is_told_by_its_words(
    message: str, expected: str
) -> None:
    assert READER.identify(message) == expected


@pytest.mark.parametrize(
    "message", ["visa", "ok", "🙏", "2017", "asean iom unhcr", "GA resolution"]
)
def test_a_message_without_telling_words_has_no_language(message: str) -> None:
    assert READER.identify(message) is None


def test_romanised_text_is_read_back_into_its_script() -> None:
    native, other = READER.read("chto govoryat pro zarplatu migrantov", "ru")
    assert native.split() == ["говорят", "зарплату", "мигрантов"]
    assert other == ""
    native, other = READER.read("probashi der taka pathano niye ki bolse recruitment", "bn")
    assert {"প্রবাসী", "টাকা", "পাঠানো"} <= set(native.split())
    assert other == "recruitment"  # an English word in the sentence, matched in English


@pytest.mark.parametrize(
    ("message", "expected_lang", "section"),
    [
        ("ano ba ang sinabi nila tungkol sa remittance fees?", "tl", "contributions"),
        ("apa kata dokumen ini soal human trafficking?", "id", "trafficking"),
        ("probashi der taka pathanor khoroch niye ki bola ache?", "bn", "contributions"),
        ("aprawasi ko adhikar barema k bhaneko cha?", "ne", "human-rights"),
        ("chto skazano pro torgovlyu lyudmi?", "ru", "trafficking"),
        ("song ngern klub baan paeng mak krub", "th", "contributions"),
    ],
)
def test_mixed_and_romanised_questions_are_answered_in_their_language(
    service: Service, message: str, expected_lang: str, section: str
) -> None:
    reply = service.ask(message, "en")  # the app says English; nobody chose a language
    assert reply.lang == expected_lang
    assert reply.outcome is not None
    assert reply.outcome.section_id == section
    title = service.library.section(section).title  # type: ignore[union-attr]
    assert escape(title[expected_lang]) in reply.text  # in that language's own script


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("what time does the embassy in doha open?", "en"),
        ("anong oras po nagbubukas ang embassy sa doha?", "tl"),
        ("jam berapa kedutaan di doha buka ya?", "id"),
        ("dai su quan o doha mo cua luc may gio vay?", "vi"),
        ("Во сколько открывается посольство в Дохе?", "ru"),
        ("দোহায় দূতাবাস কখন খোলে?", "bn"),
        ("दोहामा दूतावास कति बजे खुल्छ?", "ne"),
        ("สถานทูตที่โดฮาเปิดกี่โมง", "th"),
        ("dohate dutabash kokhon khole bhai, jano ki?", "bn"),
        ("doha ma dutawas kati baje khulcha hajur?", "ne"),
    ],
)
def test_a_message_with_no_topic_is_answered_in_its_language(
    service: Service, message: str, expected: str
) -> None:
    reply = service.ask(message, "ru")  # the app says Russian; nobody chose a language
    assert reply.lang == expected


def test_a_chosen_language_keeps_an_english_question_and_yields_to_another(
    service: Service,
) -> None:
    question = "what did they say about remittance fees?"
    assert service.ask(question, "ru", chosen=True).lang == "ru"
    assert service.ask(question, "ru").lang == "en"  # Russian only as the app's language
    taglish = "ano ba ang sinabi nila tungkol sa remittance fees?"
    assert service.ask(taglish, "ru", chosen=True).lang == "tl"


@pytest.mark.parametrize(
    ("message", "expected_lang", "section"),
    [
        ("เอกสารพูดถึง remittance fees ไหม", "th", "contributions"),
        ("họ nói gì về remittance fees?", "vi", "contributions"),
        ("Что говорили про remittance fees?", "ru", "contributions"),
        ("মিটিংয়ে human trafficking নিয়ে কী বলা হয়েছে?", "bn", "trafficking"),
    ],
)
def test_english_words_in_a_sentence_of_another_script_are_understood(
    service: Service, message: str, expected_lang: str, section: str
) -> None:
    reply = service.ask(message, "en")
    assert (reply.lang, reply.outcome.section_id if reply.outcome else None) == (
        expected_lang,
        section,
    )


@pytest.mark.parametrize(
    ("message", "expected_lang", "section"),
    [
        # Romanised without a single function word: read back, it matches far better.
        ("prava migrantov", "ru", "human-rights"),
        ("torgovlya lyudmi", "ru", "trafficking"),
        ("probashi sromik odhikar", "bn", "human-rights"),
        ("manab bechbikhan", "ne", "trafficking"),
        # English stays English.
        ("migrant workers rights", "en", "human-rights"),
        ("human trafficking", "en", "trafficking"),
        ("colombo process", "en", "cooperation"),
    ],
)
def test_romanised_words_alone_are_read_in_their_script(
    matcher: Matcher, message: str, expected_lang: str, section: str
) -> None:
    result = matcher.match(message)
    assert result.lang == expected_lang
    # Three words without a verb are a topic, not a question: the right one must be offered
    # (since the content's rewrite, "workers' rights" also fits the key issues closely).
    assert section in (result.answer, *result.alternatives)


def test_a_ninth_language_needs_no_code_change(tmp_path: Path) -> None:
    """A copy of the bot with Malay added as data only: its language folder (here Indonesian's
    data, renamed) and its interface strings. The bot then offers it, matches in it and
    answers small talk in it, with no code changed."""
    bot = tmp_path / "bot"
    shutil.copytree(ROOT / "bot", bot, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(bot / "lang" / "id", bot / "lang" / "ms")
    (bot / "lang" / "ms" / "language.yaml").write_text(
        (bot / "lang" / "id" / "language.yaml")
        .read_text(encoding="utf-8")
        .replace("name: Bahasa Indonesia", "name: Bahasa Melayu"),
        encoding="utf-8",
    )
    shutil.copy(bot / "locales" / "id.yaml", bot / "locales" / "ms.yaml")
    script = (
        "from bot.content.models import SUPPORTED_LANGUAGES\n"
        "from bot.i18n import t\n"
        "from bot.matching.intents import load_exemplars\n"
        "print(SUPPORTED_LANGUAGES[-1], t('clarify', 'ms') == t('clarify', 'id'),"
        " any(e.lang == 'ms' for e in load_exemplars()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ms", "True", "True"]
