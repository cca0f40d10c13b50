"""The content loader and validator, the shipped content pack, and its faithfulness to the seed."""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

import pytest
import textstat

from bot.content.loader import ContentError, build_library, load_library, original_wording
from bot.content.models import DEFAULT_LANGUAGE, DISTRESS_KINDS, SUPPORTED_LANGUAGES, pick
from bot.scrub import contacts_in

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
SEEDS = ROOT / "seeds"
DATA = Path(__file__).parent / "data"

SECTION_IDS = [
    "about",
    "key-issues",
    "asia-pacific",
    "policies",
    "human-rights",
    "regular-pathways",
    "cooperation",
    "contributions",
    "drivers",
    "trafficking",
    "civil-society",
]

# Each broken file, and the words its own message must contain.
BROKEN_FILES = {
    "01-syntax-error.yaml": ":18: YAML syntax error",
    "02-not-a-mapping.yaml": "must be a mapping",
    "03-empty.yaml": "file is empty",
    "04-missing-summary.yaml": "section 'mini-remittances': summary: is missing",
    "05-empty-summary.yaml": "summary.en: is empty",
    "06-wrong-type-keypoints.yaml": "key_points.en: must be a list of text",
    "07-duplicate-section-id.yaml": "id: duplicate section id",
    "08-unknown-language.yaml": "unknown language code 'xx'",
    "09-range-outside-seed.yaml": "outside the seed file, which has 690 lines",
    "10-range-backwards.yaml": "[667, 594] is not a range of lines",
    "11-alias-bomb.yaml": "anchors and aliases",
    "12-not-utf8.yaml": "not UTF-8 text (byte 0xe9",
    "13-unknown-field.yaml": "titel: unknown field",
    "14-bad-section-id.yaml": "use lower-case letters, digits and '-' only",
    "15-related-unknown.yaml": "'no-such-section' is not a section id",
    "16-missing-pack-header.yaml": "pack: missing or not a mapping",
    "17-missing-seed-file.yaml": "seed file 'no-such-seed.txt' is not in",
    "18-too-few-questions.yaml": "questions.en: has 3 items; write 5 to 15",
    "19-too-many-key-points.yaml": "key_points.en: has 8 items; write 3 to 6",
    "20-missing-english.yaml": "title: English text (en) is required",
    "21-duplicate-key.yaml": "key 'title' appears twice",
    "22-bad-date.yaml": "is not a date like 2017-11-08",
    "23-section-not-mapping.yaml": "each section must be a mapping",
    "24-reviewed-not-bool.yaml": "reviewed: must be true or false",
    "25-deeply-nested.yaml": "nested deeper than",
    "26-tabs.yaml": ":17: indented with a tab",
    "27-list-of-numbers.yaml": "item 1 must be non-empty text, not a number",
    "28-section-id-missing.yaml": "id: missing or not text",
    "29-binary.yaml": "looks like a binary file",
    "30-huge.yaml": "the limit is 1024 KB",
    "31-utf16.yaml": "the file is UTF-16",
    "32-urgent-section-unknown.yaml": "urgent_sections: 'no-such-urgent-section' is not a section",
    "33-urgent-kinds-unknown.yaml": "urgent_kinds.flood: unknown kind",
    "34-urgent-kinds-section.yaml": "urgent_kinds: trafficking: 'no-such-kind-section' is not",
}


@pytest.fixture(scope="module")
def library():
    return load_library(CONTENT, SEEDS)


def test_shipped_content_has_the_eleven_sections_in_order(library):
    assert [section.id for section in library.sections] == SECTION_IDS


def test_pack_header_names_source_date_and_version(library):
    (pack,) = [pack for pack in library.packs if pack.sections]  # the other one is safety.yaml
    assert "Chair's Summary" in pack.source_document
    assert pack.source_date == "2017-11-08"
    assert pack.version
    assert (SEEDS / pack.source_file).is_file()


def test_seed_is_an_unchanged_copy_of_the_shared_document():
    shared = ROOT.parent / "shared" / "seeds" / "chair-summary-asia-pacific-gcm-2017.txt"
    if not shared.exists():
        pytest.skip("the shared folder is not beside this checkout")
    assert (SEEDS / shared.name).read_bytes() == shared.read_bytes()


# The first words of each section in the seed, and the first words of the next section, which
# must lie outside the range: together they show each range holds exactly its section's text.
SECTION_OPENINGS = {
    "about": "Chair’s Summary",
    "key-issues": "General key issues on international migration",
    "asia-pacific": "Importance of migration for the Asia-Pacific region",
    "policies": "Policies to facilitate safe, orderly and regular migration",
    "human-rights": "(a) Human rights of all migrants",
    "regular-pathways": "(b) Irregular migration and regular pathways",
    "cooperation": "(c) International cooperation and governance",
    "contributions": "(d) Contributions of migrants and diasporas",
    "drivers": "(e) Addressing drivers of migration",
    "trafficking": "(f) Smuggling of migrants, trafficking in persons",
    "civil-society": "Civil society input",
}


@pytest.mark.parametrize("section_id", SECTION_IDS)
def test_source_range_holds_that_sections_text(library, section_id):
    section = library.section(section_id)
    assert section.original.startswith(SECTION_OPENINGS[section_id])
    others = [text for other, text in SECTION_OPENINGS.items() if other != section_id]
    assert not any(opening in section.original for opening in others)


def test_ranges_cover_the_whole_seed_without_gaps(library):
    seed_length = len((SEEDS / library.packs[0].source_file).read_text().splitlines())
    ranges = [section.source_lines for section in library.sections]
    assert ranges[0][0] == 1
    assert ranges[-1][1] == seed_length
    for (_, end), (start, _) in itertools.pairwise(ranges):
        assert start == end + 1


def test_original_wording_keeps_every_word_of_the_seed(library):
    seed = (SEEDS / library.packs[0].source_file).read_text().splitlines()
    for section in library.sections:
        start, end = section.source_lines
        words = " ".join(seed[start - 1 : end]).split()
        assert section.original.split() == words


def test_original_wording_reflows_wrapped_lines_into_paragraphs():
    lines = [
        "A sentence that was wrapped by the PDF extract at a width of about ninety",
        "",
        "characters.",
        "",
        "Next.",
    ]
    assert original_wording(lines, (1, 5)) == (
        "A sentence that was wrapped by the PDF extract at a width of about ninety "
        "characters.\n\nNext."
    )


@pytest.mark.parametrize("section_id", SECTION_IDS)
def test_english_summary_is_plain_and_the_right_length(library, section_id):
    summary = library.section(section_id).summary[DEFAULT_LANGUAGE]
    assert textstat.flesch_kincaid_grade(summary) <= 8
    assert 60 <= len(summary.split()) <= 120


def english(section, field):
    """One English field as plain text (list fields joined)."""
    value = getattr(section, field)[DEFAULT_LANGUAGE]
    return value if isinstance(value, str) else " ".join(value)


@pytest.mark.parametrize("section_id", SECTION_IDS)
def test_key_points_and_what_it_means_for_you_are_plain(library, section_id):
    section = library.section(section_id)
    assert textstat.flesch_kincaid_grade(english(section, "key_points")) <= 8
    assert all(textstat.flesch_kincaid_grade(p) <= 10 for p in section.key_points["en"])
    assert textstat.flesch_kincaid_grade(english(section, "for_migrants")) <= 8


# Words of the talks that a migrant would not know; the English says what they mean instead.
JARGON = (
    "duty-bearer",
    "whole-of-",
    "migration cycle",
    "remedy",
    "de-risking",
    "Alliance 8.7",
    "ICAT",
    "stakeholder",
    "disaggregated",
    "mainstream",
    "MICIC",
    "COMMIT",
    "portability",
    "regularization",
    "agents of development",
)


@pytest.mark.parametrize("section_id", SECTION_IDS)
def test_english_uses_no_unexplained_jargon(library, section_id):
    section = library.section(section_id)
    for field in ("title", "summary", "key_points", "for_migrants"):
        text = english(section, field)
        assert not [word for word in JARGON if word.lower() in text.lower()], field


def test_titles_name_what_was_discussed_not_what_the_reader_is_owed(library):
    for section in library.sections:
        assert "your" not in section.title["en"].lower().split(), section.title["en"]


# Points of the seed that people ask about, each with: its section, the seed lines that make
# it, words those lines use, the English field that carries it and words that field must use.
# A rewrite that drops one of them, or a range that moves off the point, fails here.
SEED_POINTS = [
    (
        "key-issues",
        (56, 60),
        "shared responsibility of sending, transit, and receiving States",
        "key_points",
        "countries of origin, transit and destination share this duty",
    ),
    (
        "key-issues",
        (92, 94),
        "draw on existing international instruments",
        "key_points",
        "build on world agreements that already exist",
    ),
    ("asia-pacific", (148, 152), "disaggregated data", "key_points", "split by age, gender"),
    (
        "human-rights",
        (216, 218),
        "inadequate legal frameworks for protection",
        "summary",
        "migrants with papers are also at risk when laws protect them poorly",
    ),
    (
        "human-rights",
        (239, 243),
        "counter all forms of discrimination in law and practice",
        "key_points",
        "fighting all discrimination and racism, in law and in daily life",
    ),
    (
        "human-rights",
        (239, 243),
        "positive interactions between migrants and host communities",
        "key_points",
        "migrants and local people to get along",
    ),
    (
        "human-rights",
        (245, 249),
        "reforms in supply chains",
        "key_points",
        "improve work in their supply chains",
    ),
    (
        "human-rights",
        (245, 249),
        "Bali Process Government and Business Forum",
        "key_points",
        "Bali Process business forum",
    ),
    (
        "human-rights",
        (251, 255),
        "rights to health and to education, regardless of status",
        "summary",
        "migrants need health care and school, whatever their status",
    ),
    (
        "human-rights",
        (229, 238),
        "domestic work be included in labour laws",
        "key_points",
        "labour laws should cover domestic work",
    ),
    (
        "human-rights",
        (257, 263),
        "retain control of their travel documents",
        "summary",
        "migrants should keep their own passports",
    ),
    (
        "human-rights",
        (271, 277),
        "human rights in guiding responses to mixed migration flows",
        "key_points",
        "human rights should guide the response to mixed groups on the move",
    ),
    (
        "cooperation",
        (396, 400),
        "guarantees of social protection, education of the children",
        "key_points",
        "social protection, their children can go to school",
    ),
    ("cooperation", (396, 400), "cooperation on pensions", "key_points", "pensions"),
    (
        "cooperation",
        (424, 432),
        "role of civil society in supporting regional migration",
        "key_points",
        "civil society groups, employers and unions should work with governments",
    ),
    (
        "cooperation",
        (451, 455),
        "suffering climate-induced migration",
        "key_points",
        "support for countries hit by climate migration",
    ),
    (
        "cooperation",
        (451, 455),
        "hosting large movements brought about by conflicts",
        "key_points",
        "hosting many people fleeing conflict",
    ),
    (
        "contributions",
        (496, 500),
        "channel the use of remittances towards entrepreneurial",
        "key_points",
        "use money sent home to start businesses",
    ),
    (
        "drivers",
        (552, 556),
        "conflict prevention and resolution",
        "key_points",
        "prevent and end conflicts",
    ),
    (
        "trafficking",
        (609, 617),
        "means to enable victims to remain in countries of destination",
        "key_points",
        "ways for victims to stay in the country if needed",
    ),
    (
        "trafficking",
        (651, 659),
        "accurate and empowering information to migrants",
        "key_points",
        "true and useful information for migrants",
    ),
    (
        "trafficking",
        (646, 659),
        "four “P”s of prevention, prosecution, protection, and partnerships",
        "key_points",
        "four Ps: prevention, prosecution, protection and partnership",
    ),
    (
        "civil-society",
        (670, 676),
        "the employer pays principle",
        "key_points",
        "the employer, not the worker, pays the costs of hiring",
    ),
]


@pytest.mark.parametrize(
    ("section_id", "lines", "seed_words", "field", "english_words"),
    SEED_POINTS,
    ids=[f"{point[0]}:{point[1][0]}-{point[1][1]}" for point in SEED_POINTS],
)
def test_seed_point_is_covered_by_its_section(
    library, section_id, lines, seed_words, field, english_words
):
    section = library.section(section_id)
    seed = (SEEDS / library.packs[0].source_file).read_text().splitlines()
    first, last = lines
    start, end = section.source_lines
    assert start <= first <= last <= end, "the point lies outside the section's lines"
    assert seed_words in " ".join(" ".join(seed[first - 1 : last]).split())
    assert english_words in english(section, field)


def test_trafficking_is_explained_in_full(library):
    summary = library.section("trafficking").summary["en"]
    for part in ("Smuggling means", "Trafficking means", "force", "debts", "weak position"):
        assert part in summary
    assert "For a child, no force or lies are needed" in summary


def test_about_says_what_happened_after_the_meeting(library):
    points = english(library.section("about"), "key_points")
    for fact in ("Marrakech", "10 December 2018", "19 December 2018", "73/195"):
        assert fact in points
    assert "not legally binding" in points


@pytest.mark.parametrize("section_id", SECTION_IDS)
def test_each_section_has_what_users_need(library, section_id):
    section = library.section(section_id)
    assert 3 <= len(section.key_points["en"]) <= 6
    assert 5 <= len(section.questions["en"]) <= 15
    assert len(section.keywords["en"]) >= 5
    assert len(section.title["en"]) <= 60
    assert all(library.section(related) for related in section.related)


def test_keywords_include_everyday_words(library):
    words = {kw.lower() for section in library.sections for kw in section.keywords["en"]}
    for everyday in ("boss", "passport", "agent", "money home"):
        assert any(everyday in word for word in words), everyday


def test_urgent_help_does_not_invent_contacts(library):
    for kind, texts in library.urgent_help.items():
        for lang, note in texts.items():
            assert contacts_in(note) == [], (kind, lang)
            assert not re.search(r"\b(?:911|112|999|191|1300)\b", note), (kind, lang)


def test_urgent_help_says_it_is_a_bot_in_every_language_and_kind(library):
    assert set(library.urgent_help) == set(DISTRESS_KINDS)
    for kind, texts in library.urgent_help.items():
        assert set(texts) == set(SUPPORTED_LANGUAGES), kind
        assert texts["en"].startswith("I am an automatic bot. No person reads this chat"), kind
    general = library.urgent_help["general"]["en"]
    # Police can mean detention for someone without papers; an embassy, danger for a refugee.
    assert "afraid of the police" in general
    assert "do not contact your country's embassy" in general
    assert "emergency number" in general
    assert "even if you agreed" in library.urgent_help["trafficking"]["en"]


def test_english_fallback_is_marked():
    values = {"en": "Hello", "ru": "Привет"}
    assert pick(values, "ru").value == "Привет"
    fallback = pick(values, "bn")
    assert (fallback.value, fallback.lang, fallback.fallback) == ("Hello", "en", True)
    assert pick(values, "en").fallback is False


def test_small_good_pack_loads():
    files = {"mini.yaml": (DATA / "good" / "mini.yaml").read_bytes()}
    library, problems = build_library(files, SEEDS)
    assert problems == []
    assert [section.id for section in library.sections] == ["mini-remittances", "mini-trafficking"]


def test_there_is_a_broken_file_for_every_expected_message():
    assert sorted(path.name for path in (DATA / "bad").iterdir()) == sorted(BROKEN_FILES)


@pytest.mark.parametrize(("name", "message"), sorted(BROKEN_FILES.items()))
def test_each_broken_file_is_refused_with_its_own_message(name, message):
    data = (DATA / "bad" / name).read_bytes()
    library, problems = build_library({name: data}, SEEDS)
    assert library is None
    assert problems, name
    text = "\n".join(str(problem) for problem in problems)
    assert message in text
    assert text.startswith(name)


def test_broken_messages_are_all_different():
    first_lines = set()
    for name in BROKEN_FILES:
        _, problems = build_library({name: (DATA / "bad" / name).read_bytes()}, SEEDS)
        first_lines.add(str(problems[0]).split(" ", 1)[1])
    assert len(first_lines) == len(BROKEN_FILES)


def test_every_problem_is_reported_at_once(tmp_path):
    text = (DATA / "good" / "mini.yaml").read_text()
    text = text.replace("en: Money sent home", 'en: ""').replace('date: "2017-11-08"', "date: soon")
    _, problems = build_library({"two.yaml": text.encode()}, SEEDS)
    messages = [str(problem) for problem in problems]
    assert any("title.en: is empty" in message for message in messages)
    assert any("not a date" in message for message in messages)


def test_section_ids_must_be_unique_across_files():
    mini = (DATA / "good" / "mini.yaml").read_bytes()
    other = mini.replace(b"id: mini\n", b"id: mini-copy\n")
    _, problems = build_library({"a.yaml": mini, "b.yaml": other}, SEEDS)
    assert any("section id is also used in a.yaml" in str(problem) for problem in problems)


def test_load_library_raises_with_every_problem(tmp_path):
    shutil.copy(DATA / "bad" / "05-empty-summary.yaml", tmp_path / "x.yaml")
    with pytest.raises(ContentError) as raised:
        load_library(tmp_path, SEEDS)
    assert "summary.en: is empty" in str(raised.value)


def test_hidden_history_folder_is_not_loaded(tmp_path):
    shutil.copy(DATA / "good" / "mini.yaml", tmp_path / "mini.yaml")
    (tmp_path / ".history").mkdir()
    shutil.copy(DATA / "bad" / "05-empty-summary.yaml", tmp_path / ".history" / "mini.yaml")
    assert len(load_library(tmp_path, SEEDS).sections) == 2
