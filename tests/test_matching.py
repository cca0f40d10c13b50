"""The section matcher: what a user types -> which section, and whether to answer, ask or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.loader import load_library
from bot.content.models import Library, Pack, Section
from bot.distress import distress_kinds
from bot.lang.text import words
from bot.matching.lexical import (
    DISTRESS_SECTION_BOOST,
    NONE_BELOW,
    Candidate,
    Matcher,
    MatchResult,
    _score_index,
    decide,
)
from bot.matching.words import detect_script_language, spelled_terms, terms

ROOT = Path(__file__).resolve().parent.parent


def section(
    section_id: str,
    *,
    title: dict[str, str],
    summary: dict[str, str],
    key_points: dict[str, list[str]],
    keywords: dict[str, list[str]],
    questions: dict[str, list[str]],
) -> Section:
    """A section written as in a content file: each field maps a language to its text."""
    return Section(
        id=section_id,
        pack_id="test",
        source_lines=(1, 2),
        title=title,
        summary=summary,
        key_points={lang: tuple(items) for lang, items in key_points.items()},
        keywords={lang: tuple(items) for lang, items in keywords.items()},
        questions={lang: tuple(items) for lang, items in questions.items()},
    )


SECTIONS = (
    section(
        "remittances",
        title={
            "en": "Money sent home (remittances)",
            "ru": "Денежные переводы домой",
            "bn": "বাড়িতে টাকা পাঠানো (রেমিট্যান্স)",
            "th": "การส่งเงินกลับบ้าน",
            "vi": "Gửi tiền về nhà (kiều hối)",
        },
        summary={
            "en": "Many families live on money that migrants send home. Sending it costs "
            "too much: fees are high. Countries want cheaper, faster transfers.",
            "ru": "Многие семьи живут на деньги, которые мигранты отправляют домой. "
            "Переводы стоят слишком дорого.",
            "bn": "অনেক পরিবার প্রবাসীদের পাঠানো টাকায় চলে। টাকা পাঠাতে খরচ অনেক বেশি।",
            "th": "หลายครอบครัวอยู่ได้ด้วยเงินที่แรงงานส่งกลับบ้าน แต่ค่าธรรมเนียมโอนเงินแพงเกินไป",
            "vi": "Nhiều gia đình sống nhờ tiền người lao động gửi về. Phí chuyển tiền quá cao.",
        },
        key_points={
            "en": ["Remittances lift families out of poverty.", "Transfer fees should come down."]
        },
        keywords={
            "en": [
                "remittances",
                "send money home",
                "transfer fees",
                "bank",
                "mobile money",
                "diaspora",
            ],
            "ru": ["денежные переводы", "отправить деньги домой", "комиссия за перевод"],
            "bn": ["রেমিট্যান্স", "টাকা পাঠানো", "খরচ"],
            "th": ["ส่งเงินกลับบ้าน", "โอนเงิน", "ค่าธรรมเนียม", "ค่าโอน"],
            "vi": ["kiều hối", "gửi tiền về nhà", "phí chuyển tiền"],
        },
        questions={
            "en": [
                "how can i send money home cheaper?",
                "why are transfer fees so high?",
                "what did the meeting say about remittances?",
            ],
            "ru": ["как дешевле отправить деньги домой?"],
            "bn": ["কীভাবে কম খরচে বাড়িতে টাকা পাঠাব?"],
            "th": ["ส่งเงินกลับบ้านยังไงให้ถูก"],
            "vi": ["làm sao gửi tiền về nhà rẻ hơn?"],
        },
    ),
    section(
        "trafficking",
        title={"en": "Trafficking, smuggling and forced labour", "ne": "मानव बेचबिखन र जबरजस्ती श्रम"},
        summary={
            "en": "Trafficking is a crime and a violation of human rights. Victims need "
            "protection, shelter and the right to stay.",
            "ne": "मानव बेचबिखन अपराध हो। पीडितलाई सुरक्षा र आश्रय चाहिन्छ।",
        },
        key_points={
            "en": [
                "Victims should be protected, not punished.",
                "Smugglers and traffickers are organised crime.",
            ]
        },
        keywords={
            "en": [
                "trafficking",
                "human trafficking",
                "smuggling",
                "forced labour",
                "modern slavery",
                "victim",
                "shelter",
                "passport taken",
            ],
            "ne": ["मानव बेचबिखन", "जबरजस्ती श्रम", "पीडित"],
        },
        questions={
            "en": [
                "what is the difference between smuggling and trafficking?",
                "can trafficking victims stay in the country?",
            ],
            "ne": ["मानव बेचबिखनबाट कसरी बच्ने?"],
        },
    ),
    section(
        "rights",
        title={"en": "Your rights at work", "id": "Hak Anda di tempat kerja"},
        summary={
            "en": "Every migrant has human rights, with or without papers. Employers must "
            "give a written contract and pay fair wages.",
            "id": "Setiap migran punya hak asasi manusia. Majikan harus memberi kontrak "
            "tertulis dan upah yang adil.",
        },
        key_points={"en": ["Equal treatment at work.", "Domestic work belongs in labour law."]},
        keywords={
            "en": [
                "human rights",
                "equal pay",
                "written contract",
                "employer",
                "domestic worker",
                "discrimination",
                "health care",
                "school",
            ],
            "id": ["hak asasi manusia", "upah yang sama", "kontrak tertulis", "majikan"],
            "th": ["สิทธิมนุษยชน", "นายจ้าง", "สัญญาจ้าง", "ค่าจ้างเท่ากัน"],
            "vi": ["quyền con người", "chủ sử dụng lao động", "hợp đồng lao động", "lương"],
        },
        questions={
            "en": [
                "can my employer keep my passport?",
                "do i have rights without papers?",
                "my employer gave me no contract, is that ok?",
            ],
            "id": ["apakah saya berhak atas upah yang sama?"],
        },
    ),
    section(
        "climate",
        title={"en": "Climate change and disasters"},
        summary={
            "en": "Floods, storms and rising seas push people to move. Small island "
            "states want help to adapt so people are not forced to leave."
        },
        key_points={"en": ["Migration should be a choice, not a necessity."]},
        keywords={
            "en": [
                "climate change",
                "natural disaster",
                "flood",
                "typhoon",
                "small island states",
                "Paris Agreement",
            ]
        },
        questions={
            "en": [
                "what about climate change and migration?",
                "do islands get help against rising seas?",
            ]
        },
    ),
    section(
        "pathways",
        title={
            "en": "Legal ways to migrate and work",
            "tl": "Legal na paraan para magtrabaho sa ibang bansa",
        },
        summary={
            "en": "Countries should open more regular pathways: work visas, family "
            "reunification and fair recruitment agencies.",
            "tl": "Dapat magbukas ang mga bansa ng mas maraming legal na paraan para "
            "magtrabaho sa ibang bansa.",
        },
        key_points={"en": ["Skills and diplomas should be recognised abroad."]},
        keywords={
            "en": [
                "regular pathways",
                "work visa",
                "family reunification",
                "recruitment agency",
                "pre-departure orientation",
                "skills recognition",
            ],
            "tl": ["legal na paraan", "work visa", "ahensya"],
        },
        questions={
            "en": [
                "how can i go to work abroad legally?",
                "can my family join me in the country where i work?",
            ],
            "tl": ["paano ako makakapagtrabaho nang legal sa ibang bansa?"],
        },
    ),
)


def lexical_of(library: Library) -> Matcher:
    """The lexical matcher of `library` (words only), flagging danger as the bot does."""
    return Matcher.build(library, distress=distress_kinds)


def build_matcher(urgent_sections: tuple[str, ...] = ()) -> Matcher:
    """A matcher over a small hand-made library (five sections, a few translations)."""
    return lexical_of(hand_made_library(SECTIONS, urgent_sections))


def hand_made_library(
    sections: tuple[Section, ...] = SECTIONS, urgent_sections: tuple[str, ...] = ()
) -> Library:
    """A library of one pack holding `sections`."""
    pack = Pack(
        id="test",
        version="1",
        file_name="test.yaml",
        title={"en": "Test"},
        source_document="doc",
        source_file="doc.txt",
        source_date="2017-11-08",
        source_place="Bangkok",
        sections=sections,
        urgent_sections=urgent_sections,
    )
    return Library((pack,))


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return build_matcher()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # plain questions and keywords
        ("how do I send money home?", "remittances"),
        ("remittances", "remittances"),
        ("what is modern slavery", "trafficking"),
        ("equal pay", "rights"),
        ("typhoon", "climate"),
        ("family reunification", "pathways"),
        # plurals, case and punctuation
        ("REMITTANCE!!!", "remittances"),
        ("Transfer fee?", "remittances"),
        ("smugglers", "trafficking"),
        # typos
        ("remitances", "remittances"),
        ("traficking victms", "trafficking"),
        ("famly reunifcation", "pathways"),
        ("climat chnage", "climate"),
        ("writen contrackt", "rights"),
        # everyday words for the document's words
        ("my boss keeps my papers", "rights"),
        ("can my kids join me", "pathways"),
        ("sending cash to my family", "remittances"),
        # word order and missing spaces
        ("orientation pre-departure", "pathways"),
        ("change climate", "climate"),
        ("humanrights at work", "rights"),
        ("sendmoney home", "remittances"),
    ],
)
def test_finds_the_section(matcher: Matcher, query: str, expected: str) -> None:
    result = matcher.match(query)
    assert result.decision == "answer", result
    assert result.answer == expected


@pytest.mark.parametrize(
    "query",
    [
        "remittances",
        "how can i send money home cheaper",
        "traficking victims",
        "family reunification",
    ],
)
@pytest.mark.parametrize(
    "filler",
    ["hi ", "hey, ", "hello! please ", "what did they say about ", "can you tell me about "],
)
def test_greetings_and_filler_do_not_change_the_score(
    matcher: Matcher, query: str, filler: str
) -> None:
    plain = matcher.match(query)
    padded = matcher.match(filler + query + " please, thanks")
    assert padded.candidates == plain.candidates
    assert padded.answer == plain.answer


@pytest.mark.parametrize(
    "query",
    [
        "hey",
        "good night",
        "ok bye",
        "what is your name",
        "how to lose weight fast",
        "cricket score india vs pakistan",
        "recommend a good movie tonight",
        "how to reset my facebook password",
        "what is the weather",
        "ร้านส้มตำอร่อยแถวนี้",  # Thai: "a good papaya salad shop near here"
        "Thời tiết hôm nay thế nào?",  # Vietnamese: "what is the weather today"
    ],
)
def test_out_of_scope_gets_no_answer(matcher: Matcher, query: str) -> None:
    result = matcher.match(query)
    assert result.decision == "none"
    assert result.answer is None


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "\n\t",
        "🙂🙂🙂",
        "?!...",
        "x" * 4096,
        "migrant " * 600,
        "ա" * 4096,
        "\u200b\u200c",
        "😀 remittances 😀" * 200,
        "\x00\x01",
    ],
)
def test_odd_input_never_raises(matcher: Matcher, query: str) -> None:
    result = matcher.match(query)
    assert result.query == query
    assert result.decision in ("answer", "clarify", "none")
    assert len(result.candidates) <= 5


@pytest.mark.parametrize("query", ["", "   ", "🙂🙂🙂", "?!..."])
def test_empty_input_is_none_with_nothing_ranked(matcher: Matcher, query: str) -> None:
    result = matcher.match(query)
    assert result == MatchResult(query, "none", (), False, "en", None, ())


def test_a_language_that_cannot_win_is_not_scored_further(matcher: Matcher) -> None:
    index = matcher._indexes["en"]
    words = ["remittances", "fees"]
    full = _score_index(index, words)
    assert _score_index(index, words, beat=max(full.values()) - 1) == full
    assert _score_index(index, words, beat=100.0) == {}  # no language scores above 100


def test_answer_offers_up_to_two_other_sections(matcher: Matcher) -> None:
    result = matcher.match("can trafficking victims get shelter and human rights protection")
    assert result.decision == "answer"
    assert result.answer == "trafficking"
    assert 0 < len(result.alternatives) <= 2
    assert result.answer not in result.alternatives
    scores = [candidate.score for candidate in result.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 100 for score in scores)


def test_a_section_that_shares_nothing_is_not_ranked(matcher: Matcher) -> None:
    result = matcher.match("typhoon")
    assert [candidate.section_id for candidate in result.candidates] == ["climate"]
    assert result.alternatives == ()


@pytest.mark.parametrize(
    ("scores", "decision", "answer", "alternatives"),
    [
        ([], "none", None, ()),
        ([("a", NONE_BELOW - 1), ("b", 20.0), ("c", 5.0)], "none", None, ("a", "b")),
        ([("a", 80.0), ("b", 50.0), ("c", 30.0), ("d", 25.0)], "answer", "a", ("b", "c")),
        ([("a", 80.0), ("b", 10.0)], "answer", "a", ()),  # too weak to be worth a button
        ([("a", 45.0), ("b", 44.5), ("c", 44.0), ("d", 40.0)], "clarify", None, ("a", "b", "c")),
        ([("a", 45.0), ("b", 44.5), ("c", 30.0)], "clarify", None, ("a", "b")),
        # a strong near-tie is answered; the runner-up comes first among the alternatives
        ([("a", 82.0), ("b", 81.0), ("c", 40.0)], "answer", "a", ("b", "c")),
    ],
)
def test_decision_rules(
    scores: list[tuple[str, float]],
    decision: str,
    answer: str | None,
    alternatives: tuple[str, ...],
) -> None:
    candidates = [Candidate(section_id, score) for section_id, score in scores]
    assert decide(candidates) == (decision, answer, alternatives)


@pytest.mark.parametrize(
    ("query", "lang", "expected"),
    [
        ("Как дешевле отправить деньги домой?", "ru", "remittances"),
        ("отправить денег домой", "ru", "remittances"),  # another case ending
        ("বাড়িতে টাকা পাঠাতে খরচ কত?", "bn", "remittances"),
        ("मानव बेचबिखनबारे के भनियो?", "ne", "trafficking"),
        ("Apakah pekerja migran berhak mendapat upah yang sama?", "id", "rights"),
        ("paano magtrabaho nang legal sa ibang bansa", "tl", "pathways"),
        ("how can I work abroad legally", "en", "pathways"),
    ],
)
def test_matches_in_the_language_of_the_question(
    matcher: Matcher, query: str, lang: str, expected: str
) -> None:
    result = matcher.match(query)
    assert result.lang == lang
    assert result.answer == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Thai has no spaces between words: the keyword is found inside the run of letters,
        # with polite particles, a typo ("ส่งเงิญ"), or other words around it.
        ("ส่งเงินกลับบ้านยังไงคะ", "remittances"),
        ("ค่าโอนเงินแพงมากเลยครับ", "remittances"),
        ("อยากส่งเงิญกลับบ้านให้แม่", "remittances"),
        ("นายจ้างไม่ให้สัญญาจ้างได้ไหม", "rights"),
        # Vietnamese, with and without tone marks.
        ("Kiều hối có giúp gia đình không?", "remittances"),
        ("phi chuyen tien ve nha cao qua", "remittances"),
        ("hợp đồng lao động với chủ", "rights"),
    ],
)
def test_thai_and_vietnamese_questions_find_their_section(
    matcher: Matcher, query: str, expected: str
) -> None:
    result = matcher.match(query)
    assert result.lang == ("th" if "\u0e00" <= query[0] <= "\u0e7f" else "vi")
    assert result.answer == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ค่าโอน", ["ค่า", "่าโ", "าโอ", "โอน"]),
        ("โอนเงินได้ไหมครับ", ["โอน", "อนเ", "นเง", "เงิ", "งิน"]),  # particles cut off
        ("ครับ", ["ครั", "รับ"]),  # a particle alone is kept: the run would be empty
        ("เงิน 100 ค่ะ", ["เงิ", "งิน", "100", "ค่ะ"]),
    ],
)
def test_thai_is_indexed_as_three_letter_pieces(text: str, expected: list[str]) -> None:
    assert terms(text) == expected


def test_one_content_word_among_unknown_ones_is_not_an_answer(matcher: Matcher) -> None:
    assert matcher.match("typhoon").answer == "climate"
    assert matcher.match("typhoon cocktail recipe with rum").decision == "none"


def test_vietnamese_letters_keep_a_question_out_of_english(matcher: Matcher) -> None:
    # "hôm nay" (today) folds to "hom nay", and English "home" is indexed as "hom".
    assert matcher.match("Thời tiết hôm nay thế nào?").decision == "none"
    assert matcher.match("Thời tiết hôm nay thế nào?").lang == "vi"


def test_vietnamese_neighbouring_syllables_are_also_one_term() -> None:
    # "của tôi" (my) is filler: no pair is made across it or with it.
    found = [word for word, _ in spelled_terms("giữ hộ chiếu của tôi", syllable_pairs=True)]
    assert found == ["giu", "ho", "giuho", "chieu", "hochieu"]
    assert [word for word, _ in spelled_terms("giữ hộ chiếu")] == ["giu", "ho", "chieu"]


def test_language_without_content_is_reported_but_not_matched(matcher: Matcher) -> None:
    result = matcher.match("Кто участвует в управлении миграцией?")  # no ru text for this
    assert result.lang == "ru"
    assert result.answer is None


def test_users_language_breaks_ties_and_unknown_codes_fall_back(matcher: Matcher) -> None:
    assert matcher.match("work visa", lang="tl").lang == "tl"  # same words in en and tl
    assert matcher.match("work visa", lang="en").lang == "en"
    assert matcher.match("hello", lang="xx").lang == "en"


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("hello", "latin"),
        ("Kiều hối", "vi"),
        ("Kieu hoi", "latin"),  # Vietnamese typed without its letters reads as any Latin text
        ("Migración económica", "latin"),
        ("Привет", "ru"),
        ("আমার বেতন", "bn"),
        ("मेरो तलब", "ne"),
        ("สวัสดี", "th"),
        ("ສະບາຍດີ", None),  # Lao: a script the bot has no language for
        ("🙂 123", None),
    ],
)
def test_script_detection(text: str, script: str | None) -> None:
    assert detect_script_language(text) == script


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Migrants' rights", ["migr", "right"]),
        ("migration migrants migrate", ["migr", "migr", "migr"]),
        ("Organisation ORGANIZATIONS", ["organ", "organ"]),
        ("Migración", ["migrac"]),
        ("labour LABOR", ["labor", "labor"]),
        ("women children paid", ["woman", "child", "pay"]),
        ("inter-agency", ["int", "agenc", "interagenc"]),
        ("мигрантов мигранты", ["мигрант", "мигрант"]),
        ("व्यवस्थापनमा संस्थासँगको", ["व्यवस्थापन", "संस्था"]),
        ("hi, please tell me what they said about it", []),
    ],
)
def test_terms_are_stems_of_the_same_word_in_any_form(text: str, expected: list[str]) -> None:
    assert terms(text, joined=True) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Bengali and Devanagari vowel signs are part of the word: never stripped or split on
        ("স্থানীয়দের মতো সমান বেতন", ["স্থানীয়দের", "মতো", "সমান", "বেতন"]),
        ("बसाइँसराइ व्यवस्थापनमा।", ["बसाइँसराइ", "व्यवस्थापनमा"]),
        ("Кто, кроме ёлки?", ["кто", "кроме", "елки"]),
        ("Kiều hối, don't!", ["kieu", "hoi", "dont"]),
    ],
)
def test_words_keep_every_script_whole(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_a_message_that_sounds_like_danger_leans_to_the_urgent_sections() -> None:
    def scores(urgent: tuple[str, ...], query: str) -> dict[str, float]:
        result = build_matcher(urgent).match(query)
        return {c.section_id: c.score for c in result.candidates}

    danger = "my employer keeps my passport and does not pay me"
    plain, leaning = scores((), danger), scores(("trafficking",), danger)
    boosted = plain["trafficking"] * DISTRESS_SECTION_BOOST
    assert leaning["trafficking"] == pytest.approx(boosted, abs=0.1)
    assert leaning["rights"] == plain["rights"]
    question = "can my employer keep my passport?"  # asking about it: no lean
    assert scores(("trafficking",), question) == scores((), question)


def test_distress_is_flagged_with_the_match(matcher: Matcher) -> None:
    assert matcher.match("my boss took my passport and locks me in the house").distress
    assert not matcher.match("what did they say about trafficking?").distress


def test_language_hint_does_not_change_an_english_match(matcher: Matcher) -> None:
    assert matcher.match("remittances", lang="ru").answer == "remittances"


SHIPPED = ROOT / "content" / "chair-summary-2017.yaml"


@pytest.mark.skipif(not SHIPPED.exists(), reason="shipped content not written yet")
def test_every_shipped_title_finds_its_section() -> None:
    # How fast the index builds is measured in benchmarks/bench_match.py and bench_startup.py.
    from bot.content.loader import load_library

    library = load_library(ROOT / "content", ROOT / "seeds")
    matcher = lexical_of(library)
    for shipped in library.sections:
        result = matcher.match(shipped.title["en"])
        assert result.answer == shipped.id, (shipped.title["en"], result)


@pytest.mark.skipif(not SHIPPED.exists(), reason="shipped content not written yet")
def test_a_long_chatty_thai_question_is_read_to_its_end() -> None:
    # The question comes after 100 letters of greeting and story: more pieces than
    # MAX_QUERY_WORDS words, and most of them unknown to the content.
    from bot.content.loader import load_library

    matcher = lexical_of(load_library(ROOT / "content", ROOT / "seeds"))
    question = (
        "สวัสดีค่ะ ฉันทำงานเป็นแม่บ้านที่ฮ่องกงมาห้าปีแล้วและมีลูกสองคนอยู่ที่บ้าน "
        "อยากรู้ว่าที่ประชุมพูดอะไรเกี่ยวกับค่าธรรมเนียมการส่งเงินกลับบ้านบ้าง"
    )
    assert matcher.match(question).answer == "contributions"


def test_english_words_from_an_english_user_stay_english() -> None:
    """Taglish content must not pull a plain English question into Tagalog."""
    root = Path(__file__).resolve().parent.parent
    real = lexical_of(load_library(root / "content", root / "seeds"))
    assert real.match("border control", "en").lang == "en"
    assert real.match("paspor saya ditahan majikan", "en").lang == "id"
