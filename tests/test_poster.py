"""Outreach posters: every language drawn with a shaping engine, QR codes that open the topic.

The QR codes are read back from the rendered PNG with zxing-cpp, so a test fails if a code is
cut off, too small, or points anywhere but the bot's deep link.
"""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import zxingcpp
from PIL import Image, ImageFont

from bot.cli import main
from bot.content.models import SUPPORTED_LANGUAGES, Library
from bot.poster import (
    SUMMARY_LINES,
    PosterError,
    _clusters,
    _first_sentences,
    _Style,
    deep_link,
    font_path,
    render_poster,
    render_sheet,
)

if TYPE_CHECKING:
    from tests.support.bot import RunningBot

BOT = "gcm_outreach_bot"


def qr_links(png: bytes) -> set[str]:
    """Every QR code's text in a PNG."""
    image = Image.open(io.BytesIO(png))
    return {code.text for code in zxingcpp.read_barcodes(image)}


def test_deep_link_names_the_language_except_english() -> None:
    assert deep_link("@" + BOT, "trafficking", "en") == f"https://t.me/{BOT}?start=trafficking"
    assert deep_link(BOT, "trafficking", "th") == f"https://t.me/{BOT}?start=trafficking_th"


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_a_poster_in_every_language_carries_the_topic_link(library: Library, lang: str) -> None:
    png = render_poster(library, "human-rights", lang, BOT)
    image = Image.open(io.BytesIO(png))
    assert image.size == (1654, 2339)  # A4 at 200 dpi
    assert qr_links(png) == {deep_link(BOT, "human-rights", lang)}


def test_one_sheet_holds_every_topic_with_a_readable_code(library: Library) -> None:
    png = render_sheet(library, "th", BOT)
    expected = {deep_link(BOT, section.id, "th") for section in library.sections}
    assert qr_links(png) == expected


def test_pdf_output_is_a_one_page_pdf(library: Library) -> None:
    pdf = render_poster(library, "trafficking", "ne", BOT, "pdf")
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") <= 1


def test_an_unknown_section_is_a_clear_error(library: Library) -> None:
    with pytest.raises(PosterError, match="no section 'nope'"):
        render_poster(library, "nope", "en", BOT)


@pytest.mark.parametrize(
    ("lang", "cluster"),
    [
        ("ne", "क्ष"),  # Devanagari conjunct: two letters and a virama become one glyph
        ("bn", "ক্ষ"),  # Bengali conjunct
        ("th", "ที่"),  # Thai vowel and tone mark stack above the consonant
    ],
)
def test_scripts_are_shaped_by_harfbuzz_not_drawn_letter_by_letter(lang: str, cluster: str) -> None:
    style = _Style(lang, 80)
    shaped = style.fonts()[0]
    assert shaped.layout_engine == ImageFont.Layout.RAQM
    plain = ImageFont.truetype(str(font_path(lang)), 80, layout_engine=ImageFont.Layout.BASIC)
    # Letter by letter, the marks and the virama take room of their own; shaped, they do not.
    assert shaped.getlength(cluster, language=lang) < plain.getlength(cluster)


def test_lines_break_between_clusters_never_inside_one() -> None:
    assert _clusters("ทำงาน") == ["ทำ", "งา", "น"]
    assert all(not piece.startswith("ำ") for piece in _clusters("ทำงานทำ"))


def test_cli_writes_a_poster_and_explains_mistakes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "poster.png"
    code = main(["poster", "--section", "drivers", "--lang", "bn", "--out", str(out),
                 "--bot-username", BOT])  # fmt: skip
    assert code == 0
    assert qr_links(out.read_bytes()) == {deep_link(BOT, "drivers", "bn")}
    assert main(["poster", "--section", "nope", "--out", str(out), "--bot-username", BOT]) == 1
    assert "Sections: all, about" in capsys.readouterr().err
    assert main(["poster", "--section", "all", "--out", str(tmp_path / "x.png")]) == 2
    assert "BOT_USERNAME" in capsys.readouterr().err
    assert main(["poster", "--section", "all", "--out", str(tmp_path / "x.jpg"),
                 "--bot-username", BOT]) == 2  # fmt: skip


async def test_admin_gets_a_pdf_poster_with_this_bots_link(bot: RunningBot) -> None:
    from tests.fake_bot_api import BOT_USERNAME
    from tests.support.chat import admin, say

    since = bot.fake.mark()
    await bot.fake.push_message("/poster trafficking th", user_id=admin(bot))
    [call] = await bot.fake.wait_for_call("sendDocument", since=since, timeout=30)
    name, content = call.files["document"]
    assert name == "poster-trafficking-th.pdf"
    assert content.startswith(b"%PDF")
    assert deep_link(BOT_USERNAME, "trafficking", "th") in call.params["caption"]
    usage = await say(bot, "/poster nope", user_id=admin(bot))
    # HTML, as every message of the bot; Telegram shows it unescaped.
    assert usage.params["parse_mode"] == "HTML"
    assert html.unescape(usage.params["text"]).startswith("Use /poster <section> [language]")


def test_a_poster_link_opens_the_topic_in_the_posters_language(library: Library) -> None:
    from bot.service import Service

    service = Service(library)
    reply = service.start("en", "trafficking_th")
    assert reply.lang == "th"
    assert reply.outcome is not None
    assert reply.outcome.section_id == "trafficking"


def test_the_summary_keeps_whole_sentences_when_they_fit() -> None:
    style = _Style("en", 50)
    summary = "Short first sentence. " * 2 + "A much longer third sentence " * 8 + "ends here."
    lines = _first_sentences(summary, style, 1400)
    assert " ".join(lines) == "Short first sentence. Short first sentence."
    # One sentence longer than the limit is cut, and the cut is marked.
    cut = _first_sentences("word " * 200, style, 1400)
    assert len(cut) == SUMMARY_LINES
    assert cut[-1].endswith("…")
