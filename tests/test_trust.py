"""Issue 15, content people can trust: every section reply is dated and says it is not a law,
says what it means for you, /about says what happened next and who runs the bot, questions
about one's own legal situation are told it depends on local law, difficult words are
explained, and the original words read as the document does.

Service-level tests use the real content; the Telegram ones run the real PTB stack against the
fake Bot API server.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot import helpdesk
from bot.config import ConfigError, Settings
from bot.content.loader import build_library, original_wording
from bot.content.models import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, Library
from bot.i18n import catalogue, t
from bot.legal import is_personal_legal_question
from bot.replies import escape, glossary_used
from bot.service import Service
from tests.html_check import assert_valid_telegram_html
from tests.support.chat import press, say

if TYPE_CHECKING:
    from tests.support.bot import RunningBot

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY_TERMS = (
    "global-compact",
    "regular-pathways",
    "remittances",
    "trafficking-and-smuggling",
    "civil-society",
    "consular-protection",
    "firewall",
    "detention",
    "return-and-reintegration",
)


def source_line(lang: str) -> str:
    return f"<i>{escape(t('source_line', lang, year='2017'))}</i>"


# --- every section reply: what it means for you, and the dated source line -------------------


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_section_reply_has_what_it_means_for_you_and_the_source_line(
    service: Service, lang: str
) -> None:
    for section in service.library.sections:
        reply = service.press(f"s:{section.id}", lang)
        meaning = section.for_migrants.get(lang) or section.for_migrants[DEFAULT_LANGUAGE]
        label = escape(t("for_migrants_title", lang))
        assert f"<b>{label}:</b> {escape(meaning)}" in reply.text, (section.id, lang)
        assert source_line(lang) in reply.text
        # In that order: summary, what it means for you, (what happened next,) the source line.
        summary = section.summary.get(lang) or section.summary[DEFAULT_LANGUAGE]
        assert reply.text.index(escape(summary)) < reply.text.index(label)
        assert reply.text.index(label) < reply.text.index(source_line(lang))
        assert source_line(lang) in service.press(f"k:{section.id}", lang).text


def test_the_source_line_is_dated_from_the_pack(service: Service) -> None:
    assert t("source_line", "en", year="2017") == "From a 2017 UN meeting. Not a law."
    pack = service.library.packs[0]
    assert pack.source_date.startswith("2017")
    for lang in SUPPORTED_LANGUAGES:
        assert "2017" in t("source_line", lang, year="2017")


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_inline_article_carries_the_source_line(service: Service, lang: str) -> None:
    articles = service.inline("", lang)
    assert len(articles) == min(10, len(service.library.sections))
    for article in articles:
        assert source_line(article.lang) in article.text
        section = service.library.section(article.section_id)
        assert section is not None
        meaning = section.for_migrants.get(article.lang) or section.for_migrants["en"]
        assert escape(meaning) in article.text


async def test_a_shared_inline_article_is_dated(bot: RunningBot) -> None:
    await bot.fake.push_inline("remittance fees", language_code="vi")
    [call] = await bot.fake.wait_for_call("answerInlineQuery")
    for result in call.params["results"]:
        text = result["input_message_content"]["message_text"]
        assert source_line("vi") in text
        assert_valid_telegram_html(text)


# --- /about and the `about` section: what happened next, who runs the bot ---------------------


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_about_says_what_happened_next_in_every_language(service: Service, lang: str) -> None:
    next_steps = service.library.packs[0].next_steps
    text = service.about(lang).text
    assert escape(next_steps.text[lang]) in text
    western_digits = "".join(
        str(unicodedata.digit(char)) if char.isdigit() else char for char in next_steps.text[lang]
    )
    for fact in ("2018", "73/195"):
        assert fact in western_digits
    assert escape(next_steps.text[lang]) in service.press("s:about", lang).text
    # Only the sections the pack names tell it.
    assert escape(next_steps.text[lang]) not in service.press("s:trafficking", lang).text


def test_what_happened_next_in_english_names_the_facts(service: Service) -> None:
    english = service.library.packs[0].next_steps.text["en"]
    for fact in ("Marrakech", "10 December 2018", "19 December 2018", "73/195", "not legally"):
        assert fact in english


def test_about_names_the_operator_only_when_configured(library: Library) -> None:
    anonymous = Service(library)
    assert "run by" not in anonymous.about("en").text
    settings = Settings(operator_name="Migrant Help Network", semantic_matching=False)
    named = Service.configured(library, settings)
    assert "This bot is run by Migrant Help Network." in named.about("en").text
    assert "Migrant Help Network" in named.about("th").text


def test_operator_name_comes_from_the_environment() -> None:
    assert Settings.from_env({}).operator_name is None
    assert Settings.from_env({"OPERATOR_NAME": " Aid & Co "}).operator_name == "Aid & Co"
    with pytest.raises(ConfigError, match="OPERATOR_NAME"):
        Settings.from_env({"OPERATOR_NAME": "x" * 300})


def test_the_operator_name_is_escaped(library: Library) -> None:
    service = Service(library, operator_name="<b>Aid</b> & Co")
    assert "&lt;b&gt;Aid&lt;/b&gt; &amp; Co" in service.about("en").text
    assert_valid_telegram_html(service.about("en").text)


# --- questions about one's own legal situation -----------------------------------------------

# Written for this test, in the shapes people ask; the patterns in bot/lang/<code>/legal.yaml
# are generic and do not contain these sentences.
PERSONAL_LEGAL = [
    ("en", "Can my employer hold on to my passport?"),
    ("en", "is it legal that they cut my salary"),
    ("en", "what should I do, my visa expired"),
    ("en", "will I be deported if I quit?"),
    ("ru", "Может ли хозяин не отдавать паспорт?"),
    ("ru", "что мне делать если не платят"),
    ("id", "Bolehkah agen menahan ijazah saya?"),
    ("id", "apa yang harus saya lakukan kalau gaji tidak dibayar"),
    ("tl", "Pwede bang kunin ng employer ang cellphone ko?"),
    ("tl", "ano ang dapat kong gawin kung hindi ako pinapasahod"),
    ("bn", "মালিক কি আমার বেতন কেটে রাখতে পারে?"),
    ("ne", "मैले अब के गर्ने, भिसा सकियो"),
    ("th", "นายจ้างหักเงินเดือนได้ไหม"),
    ("vi", "chủ có được trừ lương của tôi không?"),
]
ABOUT_THE_DOCUMENT = [
    ("en", "what was said about sending money home?"),
    ("en", "who took part in the meeting"),
    ("ru", "что говорили о торговле людьми?"),
    ("id", "apa isi pertemuan tentang perubahan iklim?"),
    ("tl", "ano ang sinabi tungkol sa civil society?"),
    ("bn", "জলবায়ু পরিবর্তন নিয়ে কী বলা হয়েছে?"),
    ("ne", "जलवायु परिवर्तनबारे के भनियो?"),
    ("th", "ที่ประชุมพูดเรื่องการค้ามนุษย์ว่าอย่างไร"),
    ("vi", "hội nghị nói gì về biến đổi khí hậu?"),
]


@pytest.mark.parametrize(("lang", "question"), PERSONAL_LEGAL)
def test_a_personal_legal_question_gets_the_local_law_line(
    service: Service, lang: str, question: str
) -> None:
    assert is_personal_legal_question(question)
    reply = service.ask(question, lang)
    assert f"<i>{escape(t('legal_note', reply.lang))}</i>" in reply.text
    assert reply.buttons  # besides the line: the topic, a choice, or the menu


@pytest.mark.parametrize(("lang", "question"), ABOUT_THE_DOCUMENT)
def test_a_question_about_the_document_gets_no_legal_line(
    service: Service, lang: str, question: str
) -> None:
    assert not is_personal_legal_question(question)
    assert escape(t("legal_note", lang)) not in service.ask(question, lang).text


def test_the_legal_line_says_it_depends_on_local_law() -> None:
    assert t("legal_note", "en") == (
        "The meeting did not decide this. It depends on the law where you are. "
        "A trusted NGO or union can advise you."
    )
    for lang in SUPPORTED_LANGUAGES:
        assert (ROOT / "bot" / "lang" / lang / "legal.yaml").is_file()


def test_the_legal_line_comes_with_the_topic(service: Service) -> None:
    reply = service.ask("can my boss keep my passport?", "en")
    assert reply.outcome is not None
    assert reply.outcome.decision == "answer"
    assert reply.text.index(escape(t("legal_note", "en"))) < reply.text.index("<b>")


def test_the_legal_line_offers_checked_referrals_when_there_are_some(library: Library) -> None:
    sample = ROOT / "tests" / "data" / "referrals" / "sample-referrals.yaml"
    referrals, problems = build_library({sample.name: sample.read_bytes()}, ROOT / "seeds")
    assert referrals is not None, problems
    service = Service(Library((*library.packs, *referrals.packs)))
    reply = service.ask("can my boss keep my passport?", "en")
    assert reply.buttons[0][0].payload == "r:en"  # "Find help in your country"
    assert "+000" not in reply.text  # contacts are one button away, never in the answer


def test_the_legal_line_comes_with_talk_to_a_person_when_the_help_desk_is_on(
    library: Library,
) -> None:
    service = Service(library)
    question = "can my boss keep my passport?"
    assert helpdesk.offer_row("en") not in service.ask(question, "en").buttons
    service.helpdesk = helpdesk.HelpdeskConfig(chat_id=-100123, name="Migrant Help Desk")
    assert helpdesk.offer_row("en") in service.ask(question, "en").buttons
    assert helpdesk.offer_row("en") not in service.ask("what is remittance?", "en").buttons


async def test_the_legal_line_on_telegram(bot: RunningBot) -> None:
    answer = await say(bot, "Может ли работодатель забрать мой паспорт?", language_code="ru")
    assert escape(t("legal_note", "ru")) in answer.params["text"]


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_help_example_is_a_question_the_document_answers(service: Service, lang: str) -> None:
    footer = catalogue(lang)["help_footer"]
    [example] = re.findall(r"[“«](.+?)[”»]", footer)
    assert "passport" not in example
    assert not is_personal_legal_question(example)
    reply = service.ask(example, lang)
    assert reply.outcome is not None
    assert reply.outcome.decision == "answer", (lang, example)


# --- glossary --------------------------------------------------------------------------------


def test_the_glossary_explains_the_unavoidable_words_in_every_language(library: Library) -> None:
    entries = {entry.id: entry for entry in library.glossary}
    assert set(GLOSSARY_TERMS) <= set(entries)
    for entry in entries.values():
        for lang in SUPPORTED_LANGUAGES:
            assert entry.term.get(lang), (entry.id, lang)
            assert entry.explanation.get(lang), (entry.id, lang)
            assert entry.words.get(lang), (entry.id, lang)
    smuggling = entries["trafficking-and-smuggling"].explanation["en"]
    assert "child" in smuggling  # for children no force is needed


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_slash_glossary_lists_every_word(service: Service, lang: str) -> None:
    text = service.glossary(lang).text
    for entry in service.library.glossary:
        assert f"<b>{escape(entry.term[lang])}</b>: {escape(entry.explanation[lang])}" in text
    assert_valid_telegram_html(text)
    assert (escape(t("unreviewed_note", lang)) in text) is (lang != DEFAULT_LANGUAGE)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_a_section_using_glossary_words_offers_them(service: Service, lang: str) -> None:
    reply = service.press("s:trafficking", lang)
    payloads = [button.payload for row in reply.buttons for button in row]
    assert "g:trafficking" in payloads
    words = service.press("g:trafficking", lang)
    entry = next(e for e in service.library.glossary if e.id == "trafficking-and-smuggling")
    assert escape(entry.explanation[lang]) in words.text
    assert words.outcome is not None
    assert words.outcome.section_id == "trafficking"
    assert "s:trafficking" in [button.payload for row in words.buttons for button in row]


def test_a_section_without_glossary_words_has_no_button(library: Library) -> None:
    pack = library.packs[0]
    plain = replace(pack, glossary=tuple(e for e in pack.glossary if e.id == "firewall"))
    service = Service(Library((plain,)))
    without = next(
        s for s in service.library.sections if not glossary_used(s, service.library, "en")
    )
    payloads = [b.payload for row in service.press(f"s:{without.id}", "en").buttons for b in row]
    assert f"g:{without.id}" not in payloads
    assert escape(t("glossary_empty", "en")) in service.press(f"g:{without.id}", "en").text


async def test_slash_glossary_on_telegram(bot: RunningBot) -> None:
    answer = await say(bot, "/glossary", language_code="id")
    assert answer.params["text"] == bot.service.glossary("id").text
    words = await press(bot, "g:human-rights")
    assert escape(t("glossary_section_title", "en", title="")[:10]) in words.params["text"]


# --- the original words ----------------------------------------------------------------------


def test_original_words_put_headings_on_their_own_lines(service: Service) -> None:
    reply = service.press("o:human-rights", "en")
    paragraphs = reply.text.split("\n\n")
    assert paragraphs[0] == f"<b>{escape(t('original_title', 'en'))}</b>"
    assert paragraphs[1].startswith("<b>(a) Human rights of all migrants")
    assert paragraphs[1].endswith("intolerance</b>")
    assert paragraphs[2].startswith("Many representatives emphasized")
    assert "lines" not in paragraphs[0]
    assert "197" not in paragraphs[0]


@pytest.mark.parametrize("section_id", ["key-issues", "asia-pacific", "drivers", "contributions"])
def test_no_heading_runs_into_the_first_sentence(library: Library, section_id: str) -> None:
    section = library.section(section_id)
    assert section is not None
    heading, first, *_ = section.original.split("\n\n")
    assert not heading.endswith((".", ";", ":")), heading
    assert first[:1].isupper(), first
    assert first.endswith("."), first


def test_original_wording_keeps_paragraphs_and_list_items() -> None:
    lines = [
        "(z) A heading that the PDF wrapped over two lines because it is quite long,",
        "and its second line",
        "",
        "The first sentence of the body, wrapped by the PDF extract at about ninety",
        "",
        "characters; it goes on.",
        "",
        "Items:",
        "",
        "a) one thing;",
        "",
        "b) another thing which is long enough to wrap over the width of the page and",
        "",
        "then ends.",
        " ",
        "A new paragraph after a line of spaces",
    ]
    assert original_wording(lines, (1, len(lines))).split("\n\n") == [
        "(z) A heading that the PDF wrapped over two lines because it is quite long, "
        "and its second line",
        "The first sentence of the body, wrapped by the PDF extract at about ninety "
        "characters; it goes on.",
        "Items:",
        "a) one thing;",
        "b) another thing which is long enough to wrap over the width of the page and then ends.",
        "A new paragraph after a line of spaces",
    ]
