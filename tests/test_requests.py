"""Requests no document can answer: a contact, or today's price (bot.matching.requests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.matching.decide import Signals, decide
from bot.matching.lexical import Candidate, MatchResult
from bot.matching.requests import Requests

REQUESTS = Requests.load()

# Written for this test, not taken from an eval set.
ASKS = [
    "can u give me the phone number of the agency",
    "what's the website of the labour office",
    "курс доллара к рублю сегодня какой",
    "minta nomor wa kantor imigrasi",
    "magkano ang placement fee ngayon",
    "ভিসার দাম এখন কত",
    "आज रियालको दर कति छ",
    "ขอเบอร์สถานทูตหน่อย",
    "cho mình xin địa chỉ đại sứ quán",
    "my passport expires soon, how do i renew it",
    "perpanjang paspor di KBRI bisa online gak",
    "как продлить патент в москве",
    "ต่ออายุพาสปอร์ตที่ไหน",
]
TOPICS = [
    "what did they say about the cost of sending money home",
    "is there a link between climate change and migration",
    "what is the number of migrants in asia",
    "how do governments address trafficking now",
    "tổ chức phi chính phủ hiện nay làm gì",
    "मेरो श्रीमानको फोन लाग्दैन",
    "what did they say about visa regimes",
    "does the compact talk about making work permits portable",
]


@pytest.mark.parametrize("text", ASKS)
def test_a_request_for_a_contact_or_todays_price_is_recognised(text: str) -> None:
    assert REQUESTS.asks_for_what_no_document_has(text)


@pytest.mark.parametrize("text", TOPICS)
def test_topic_questions_are_not_requests(text: str) -> None:
    assert not REQUESTS.asks_for_what_no_document_has(text)


def _signals(practical: bool, distress: bool = False) -> Signals:
    lexical = MatchResult("q", "none", (Candidate("remittances", 80),), distress, "en", None, ())
    return Signals(
        lexical,
        None,
        ("remittances",),
        {"remittances": 0.95, "rights": 0.80},
        {"greeting": 0.80, "offtopic": 0.80, "danger": 0.80, "calm": 0.80},
        practical_request=practical,
    )


def test_a_request_is_not_answered_with_a_section_but_the_topic_is_offered() -> None:
    assert decide(_signals(practical=False)).answer == "remittances"
    asked = decide(_signals(practical=True))
    assert (asked.decision, asked.answer, asked.alternatives) == ("none", None, ("remittances",))


def test_in_danger_a_request_still_gets_its_topic_under_the_urgent_note() -> None:
    assert decide(_signals(practical=True, distress=True)).answer == "remittances"


def test_a_broken_requests_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "requests.yaml").write_text("contact: phone\ncolour: red\n")
    with pytest.raises(ValueError, match="unknown field"):
        Requests.load(tmp_path)
