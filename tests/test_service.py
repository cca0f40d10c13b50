"""The conversation core: the replies both front ends send, independent of Telegram."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.loader import load_library
from bot.replies import MESSAGE_LIMIT, split_message
from bot.service import USER_COMMANDS, Service
from tests.html_check import assert_valid_telegram_html as assert_valid_html

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def service() -> Service:
    return Service(load_library(ROOT / "content", ROOT / "seeds"))


def payloads(reply) -> list[str]:
    return [button.payload for row in reply.buttons for button in row]


def test_start_welcomes_and_shows_every_topic(service):
    reply = service.start("en")
    assert "Hello" in reply.text
    assert "/privacy" in reply.text
    assert payloads(reply) == [f"s:{section.id}" for section in service.library.sections]


def test_deep_link_opens_the_section(service):
    reply = service.start("en", "trafficking")
    assert reply.outcome.route == "deeplink"
    assert reply.outcome.section_id == "trafficking"
    assert "k:trafficking" in payloads(reply)


def test_unknown_deep_link_falls_back_to_the_welcome(service):
    reply = service.start("en", "no-such-topic")
    assert "Hello" in reply.text


def test_a_clear_question_gets_the_section_summary_first(service):
    reply = service.ask("can my boss keep my passport?", "en")
    assert reply.outcome.route == "text"
    assert reply.outcome.section_id == "human-rights"
    assert reply.outcome.question is None  # answered questions are never kept
    summary = service.library.section("human-rights").summary["en"]
    assert summary.split(".")[0] in reply.text.replace("&#x27;", "'")
    assert {"k:human-rights", "o:human-rights", "t"} <= set(payloads(reply))


def test_out_of_scope_is_an_honest_no_with_only_the_menu_button(service):
    reply = service.ask("how many calories in a cup of rice", "en")
    assert reply.outcome.decision == "none"
    assert "can't answer that: I explain what was said at a 2017 UN meeting" in reply.text
    assert payloads(reply) == ["t"]  # no unrelated topic buttons
    assert reply.outcome.question == "how many calories in a cup of rice"


def test_distress_puts_the_urgent_help_note_first(service):
    reply = service.ask("help me, my boss took my passport and locks me in", "en")
    assert reply.text.startswith("<b>⚠️")
    assert "emergency" in reply.text


def test_key_points_and_original_wording_buttons(service):
    points = service.press("k:contributions", "en")
    assert points.text.count("•") >= 3
    original = service.press("o:contributions", "en")
    assert "(d) Contributions of migrants and diasporas" in original.text
    assert original.outcome.route == "button"


def test_original_wording_is_quoted_exactly(service):
    section = service.library.section("drivers")
    reply = service.press("o:drivers", "en")
    body = reply.text.split("\n\n", 1)[1]
    assert body == section.original.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.parametrize(
    "payload", ["s:gone-section", "x:about", "k:", "", "s:about:xx", "zzz" * 30]
)
def test_stale_or_forged_buttons_get_a_fresh_menu(service, payload):
    reply = service.press(payload, "en")
    assert "out of date" in reply.text
    assert len(payloads(reply)) == len(service.library.sections)


def test_topic_menu_button(service):
    assert payloads(service.press("t", "en")) == payloads(service.topics("en"))


def test_every_payload_fits_telegram_callback_data(service):
    replies = [service.start("en"), service.language_menu("en")]
    replies += [
        service.press(f"{kind}:{s.id}", "en") for s in service.library.sections for kind in "sko"
    ]
    for reply in replies:
        for payload in payloads(reply):
            assert len(payload.encode()) <= 64
            assert service.press(payload, "en").text  # and every one of them works


def test_help_lists_every_user_command(service):
    text = service.help("en").text
    for command in USER_COMMANDS:
        assert f"/{command.name} - " in text


def test_about_names_the_source_document(service):
    assert (
        "Chair&#x27;s Summary" in service.about("en").text
        or "Chair's Summary" in service.about("en").text
    )


def test_privacy_says_what_is_kept_and_for_how_long(service):
    text = service.privacy("en").text
    assert "90 days" in text
    assert "/forget" in text


def test_user_text_is_escaped(service):
    reply = service.ask("<b>hello</b> & <script>", "en")
    assert "<script>" not in reply.text
    assert_valid_html(reply.text)


def test_every_reply_is_valid_html_and_fits_when_split(service):
    texts = [service.start("en").text, service.help("en").text, service.privacy("en").text]
    for section in service.library.sections:
        texts += [service.press(f"{kind}:{section.id}", "en").text for kind in "sko"]
    for text in texts:
        for part in split_message(text):
            assert len(part) <= MESSAGE_LIMIT
            assert_valid_html(part)


def test_split_message_cuts_at_paragraphs_and_keeps_every_word():
    paragraphs = [f"Paragraph {n} " + "word " * 150 for n in range(20)]
    text = "\n\n".join(paragraphs)
    parts = split_message(text, limit=1000)
    assert all(len(part) <= 1000 for part in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())
    assert all(part.startswith("Paragraph") for part in parts)


def test_split_message_cuts_a_single_huge_word_without_breaking_entities():
    text = "&amp;" * 2000
    parts = split_message(text, limit=4000)
    assert "".join(parts) == text
    assert all(part.endswith(";") for part in parts)


def test_swap_serves_new_content_atomically(service):
    fresh = Service(service.library)
    before = fresh.matcher
    fresh.swap(service.library)
    assert fresh.matcher is not before
    assert fresh.ask("remittance fees", "en").outcome.section_id == "contributions"
