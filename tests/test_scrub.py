"""scrub(): personal data in unanswered questions becomes placeholders (table-driven)."""

from __future__ import annotations

import pytest

from bot.scrub import DEFAULT_MAX_LENGTH, scrub

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
