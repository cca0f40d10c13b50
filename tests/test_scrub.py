"""scrub(): personal data in unanswered questions becomes placeholders (table-driven)."""

from __future__ import annotations

import pytest

from bot.scrub import DEFAULT_MAX_LENGTH, normalise, scrub

CASES = [
    # (what, text, expected)
    ("plain question", "What is the Global Compact?", "What is the Global Compact?"),
    ("international phone", "call +62 812-3456-7890 pls", "call <phone> pls"),
    ("phone with parens", "my number +7 (912) 345-67-89", "my number <phone>"),
    ("00 prefix", "ring 0063 917 123 4567", "ring <phone>"),
    ("local mobile, spaces", "0917 123 4567 is mine", "<phone> is mine"),
    ("local landline, parens", "office (02) 123 4567", "office <phone>"),
    ("russian local", "8 912 345 67 89", "<phone>"),
    ("seven digits with a dash", "call 123-4567", "call <phone>"),
    ("dotted", "tel 081.234.567.89", "tel <phone>"),
    ("email", "write to ana.maria+x@example.org now", "write to <email> now"),
    ("email in other script", "пишите ivan@mail.ru", "пишите <email>"),
    ("https url", "see https://example.org/a?b=1.", "see <url>"),
    ("www url", "see www.iom.int for more", "see <url> for more"),
    ("bare telegram link", "join t.me/joinchat/AbC123", "join <url>"),
    ("handle", "ask @maria_k or @Agent007", "ask <handle> or <handle>"),
    ("long digit run", "case 1234567890123", "case <number>"),
    ("five digits", "zip 10200", "zip <number>"),
    ("digits glued to letters", "ref ABC1234567", "ref ABC<number>"),
    ("passport one letter", "passport P1234567 lost", "passport <id> lost"),
    ("passport two letters", "no. AB1234567", "no. <id>"),
    ("passport lower case", "pp ab12345678", "pp <id>"),
    ("nine-digit passport", "C123456789", "<id>"),
    ("whitespace collapses", "  where\n\tis   my\r\npassport? ", "where is my passport?"),
    ("years are kept", "the 2017 meeting, 2017-2018", "the 2017 meeting, 2017-2018"),
    ("small numbers kept", "paragraphs 23 and 24, 4 kids", "paragraphs 23 and 24, 4 kids"),
    ("abbreviations kept", "e.g. the U.N. and ASEAN", "e.g. the U.N. and ASEAN"),
    (
        "everything at once",
        "I am @ana, +66 81 234 5678, ana@x.co, passport AB1234567, https://x.org",
        "I am <handle>, <phone>, <email>, passport <id>, <url>",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_scrub(text: str, expected: str) -> None:
    assert scrub(text) == expected


# Every way around the scrubber that a security test found (issue 16), and their cousins in each
# of the bot's eight languages: keyboards' dashes, invisible characters, other scripts' digits,
# spelled-out "@", and messenger ids after a service or "id" word.
NORMALISED_CASES = [
    # (what, text, expected)
    # en (the bypasses from issue 16 first)
    ("em dash phone", "call 081—234—5678 now", "call <phone> now"),
    ("double hyphen", "081 -- 555 -- 0199", "<phone>"),
    ("en dash", "081–234–5678", "<phone>"),
    ("minus sign", "081−234−5678", "<phone>"),
    ("zero width", "0\u200b8\u200b1\u200b2\u200b3\u200b4\u200b5\u200b6\u200b7\u200b8", "<phone>"),
    ("zwj and soft hyphen", "081\u200d234\u00ad5678", "<phone>"),
    ("word joiner in email", "ana\u2060@gmail.com", "<email>"),
    ("commas", "my number 081,234,5678", "my number <phone>"),
    ("comma space", "081, 234, 5678", "<phone>"),
    ("underscores", "081_234_5678", "<phone>"),
    ("full width digits", "０８１２３４５６７８", "<phone>"),
    ("(at)", "ana(at)gmail.com", "<email>"),
    ("[at] [dot]", "ana [at] gmail [dot] com", "<email>"),
    ("at dot words", "ana at gmail dot com", "<email>"),
    ("full width at", "＠ana", "<handle>"),
    ("at space", "message @ ana please", "message <handle> please"),
    ("email spaces around at", "ana @ gmail.com", "<email>"),
    ("line id", "line id somchai_line99", "line id <handle>"),
    ("IG colon", "IG: ana.smith.99", "IG: <handle>"),
    ("skype live", "skype: live:ana.smith", "skype: <handle>"),
    ("whatsapp with dots", "whatsapp ana.smith", "whatsapp <handle>"),
    ("telegram id", "telegram id ana_k", "telegram id <handle>"),
    ("wa number", "wa 0812 3456 7890", "wa <phone>"),
    ("plain line kept", "I wait in line for hours", "I wait in line for hours"),
    ("id card kept", "they took my id card", "they took my id card"),
    ("look at this kept", "look at this dot", "look at this dot"),
    ("online kept", "apply online", "apply online"),
    ("numbers after a service word", "line 45 took an hour", "line 45 took an hour"),
    ("dotted capital I lengthens lower case", "İ line id ana_99", "İ line id <handle>"),
    # ru
    ("ru phone em dash", "звоните 8—912—345—67—89", "звоните <phone>"),
    ("ru telegram", "мой телеграм ivan_petrov", "мой телеграм <handle>"),
    ("ru whatsapp", "пишите в вацап: ivan77", "пишите в вацап: <handle>"),
    ("ru sobaka", "ivan собака mail точка ru", "<email>"),
    ("ru nick", "ник: vanya.k", "ник: <handle>"),
    ("ru plain", "где мой паспорт?", "где мой паспорт?"),
    ("ru email brackets", "ivan(собака)mail.ru", "<email>"),
    # id
    ("id wa", "hubungi WA 0812-3456-7890", "hubungi WA <phone>"),
    ("id wa dash", "WA: 0812–3456–7890", "WA: <phone>"),
    ("id ig", "ig saya siti.rahayu_", "ig saya siti.rahayu_"),
    ("id ig colon", "ig: siti.rahayu", "ig: <handle>"),
    ("id akun", "akun: siti99", "akun: <handle>"),
    ("id plain", "bagaimana cara kirim uang?", "bagaimana cara kirim uang?"),
    ("id email at", "siti[at]yahoo.co.id", "<email>"),
    # tl
    ("tl fb", "fb: juan.delacruz", "fb: <handle>"),
    ("tl number commas", "tawagan mo ako 0917,123,4567", "tawagan mo ako <phone>"),
    ("tl messenger", "messenger juan_dc", "messenger <handle>"),
    ("tl plain", "paano magpadala ng pera?", "paano magpadala ng pera?"),
    ("tl viber", "viber 0917 123 4567", "viber <phone>"),
    # bn
    ("bn digits", "আমার নম্বর ০১৭১২-৩৪৫৬৭৮", "আমার নম্বর <phone>"),
    ("bn imo", "ইমো: rahim_bd", "ইমো: <handle>"),
    ("bn imo no sep", "ইমো rahim", "ইমো <handle>"),
    ("bn id", "আইডি rahim.uddin", "আইডি <handle>"),
    ("bn plain", "আমার পাসপোর্ট কোথায়?", "আমার পাসপোর্ট কোথায়?"),
    ("bn zero width in digits", "০১৭১২\u200b৩৪৫৬৭৮", "<phone>"),
    # ne
    ("ne digits", "मेरो नम्बर ९८४१-२३४५६७", "मेरो नम्बर <phone>"),
    ("ne viber", "भाइबर ram_thapa", "भाइबर <handle>"),
    ("ne plain", "मेरो पासपोर्ट कहाँ छ?", "मेरो पासपोर्ट कहाँ छ?"),
    ("ne id", "आईडी: ram.thapa", "आईडी: <handle>"),
    ("ne email", "ram(at)gmail.com मा लेख्नुहोस्", "<email> मा लेख्नुहोस्"),
    # th
    ("th digits dashes", "โทร ๐๘๑-๒๓๔-๕๖๗๘", "โทร <phone>"),
    ("th digits em dash", "๐๘๑—๒๓๔—๕๖๗๘", "<phone>"),
    ("th line", "ไลน์ somchai99", "ไลน์ <handle>"),
    ("th line glued", "แอดไลน์somchai", "แอดไลน์<handle>"),
    ("th line id", "ไอดีไลน์: somchai_line", "ไอดีไลน์: <handle>"),
    ("th plain", "หนังสือเดินทางของฉันหาย", "หนังสือเดินทางของฉันหาย"),
    ("th at space", "ติดต่อ @ somchai", "ติดต่อ <handle>"),
    # vi
    ("vi zalo", "zalo 0912 345 678", "zalo <phone>"),
    ("vi zalo name", "zalo: nguyen.van.a", "zalo: <handle>"),
    ("vi fb", "fb nguyenvana.99", "fb <handle>"),
    ("vi plain", "làm sao gửi tiền về nhà?", "làm sao gửi tiền về nhà?"),
    ("vi email", "nguyenvana＠gmail.com", "<email>"),
    ("vi phone dots", "số 0912.345.678", "số <phone>"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [c[1:] for c in NORMALISED_CASES],
    ids=[c[0] for c in NORMALISED_CASES],
)
def test_scrub_normalises_before_matching(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_the_table_covers_every_language() -> None:
    prefixes = {name.split()[0] for name, _, _ in NORMALISED_CASES}
    assert {"ru", "id", "tl", "bn", "ne", "th", "vi"} <= prefixes
    assert len(NORMALISED_CASES) >= 60


@pytest.mark.parametrize(
    "text",
    [
        "a\u200b\u200c\u200d\u2060\ufeff\u00adb",
        "x\u2012\u2013\u2014\u2015\u2212\ufe58\uff0dy",
    ],
)
def test_invisible_characters_and_dashes_are_read_plainly(text: str) -> None:
    assert normalise(text) in ("ab", "x-y")


def test_lone_surrogates_are_removed_so_the_text_can_be_stored() -> None:
    scrubbed = scrub("where\ud800 is my passport \udfff 081\ud83d234\u200b5678")
    assert scrubbed == "where is my passport <phone>"
    assert scrubbed.encode("utf-8")


def test_normalising_twice_changes_nothing() -> None:
    for _, text, _ in NORMALISED_CASES:
        once = normalise(text)
        assert normalise(once) == once


@pytest.mark.parametrize(
    ("text", "max_len", "expected"),
    [
        ("a" * 10, 10, "a" * 10),
        ("a" * 11, 10, "a" * 9 + "…"),
        ("word " * 10, 12, "word word w…"),
        # A placeholder is never cut in half.
        ("abcdef call +62 812 3456 7890", 14, "abcdef call…"),
        ("", 10, ""),
    ],
)
def test_length_is_capped(text: str, max_len: int, expected: str) -> None:
    assert scrub(text, max_len) == expected


def test_default_cap_and_huge_input() -> None:
    scrubbed = scrub("help " * 5000 + "0917 123 4567")
    assert len(scrubbed) == DEFAULT_MAX_LENGTH
    assert scrubbed.endswith("…")


@pytest.mark.parametrize(
    "secret",
    ["+62 812-3456-7890", "ana@example.org", "@maria_k", "987654321", "P1234567"],
)
def test_nothing_identifying_survives(secret: str) -> None:
    scrubbed = scrub(f"hello, it's {secret}, help me")
    assert secret not in scrubbed
    assert not any(char.isdigit() for char in scrubbed)
