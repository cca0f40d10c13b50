"""Outreach posters: an A4 page with a topic's title, a short summary and a QR deep link.

NGOs put these on notice boards and in dormitories; a phone camera opens the topic in the bot,
in the poster's language. Pure: content in, PNG or PDF bytes out; no Telegram, no network.

Text is shaped by HarfBuzz (through Pillow's Raqm layout engine), so Bengali, Devanagari and
Thai clusters come out as readers expect. Fonts come from packages installed from PyPI
(Noto Sans, OFL): nothing is downloaded at run time. A line mixes fonts where it must: a Thai
or Bengali title keeps "IOM" or "@bot_name" in the Latin font, because the script fonts carry
only their own letters.
"""

from __future__ import annotations

import io
import re
import textwrap
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Literal

import qrcode
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont, features

from bot.content.models import DEFAULT_LANGUAGE, Library, Section, pick
from bot.i18n import t

Format = Literal["png", "pdf"]

DPI = 200
PAGE = (1654, 2339)  # A4 (210 x 297 mm) at 200 dots per inch
MARGIN = 130
INK = (20, 20, 20)
ACCENT = (31, 87, 170)
MUTED = (90, 90, 90)
SUMMARY_LINES = 3  # a poster is read in passing: a title, three lines, a code
# Where a sentence ends: a full stop, question or exclamation mark, or the danda (Bengali and
# Nepali), then a space.
_SENTENCE_END = re.compile(r"(?<=[.!?।])\s+")
SHEET_COLUMNS = 3

# Where each script's font lives inside its package (installed from PyPI, see pyproject.toml).
_LATIN = ("fontpkg_noto_sans", "files/NotoSans[wdth,wght].ttf")
_FONTS: dict[str, tuple[str, str]] = {
    "th": ("fontpkg_noto_sans_thai", "files/NotoSansThai[wdth,wght].ttf"),
    "ne": ("fontpkg_noto_sans_devanagari", "files/NotoSansDevanagari[wdth,wght].ttf"),
    "bn": (
        "justmytype_intl_south_asia",
        "fonts/ofl/notosansbengali/NotoSansBengali[wdth,wght].ttf",
    ),
}


class PosterError(Exception):
    """The poster cannot be made (unknown section, or no shaping engine in this Pillow)."""


def deep_link(bot_username: str, section_id: str, lang: str) -> str:
    """The t.me link that opens `section_id` in the bot, in `lang` (English needs no suffix)."""
    payload = section_id if lang == DEFAULT_LANGUAGE else f"{section_id}_{lang}"
    return f"https://t.me/{bot_username.lstrip('@')}?start={payload}"


def font_path(lang: str) -> Path:
    """The font file for a language's own script (Noto Sans for Latin, Cyrillic, Vietnamese)."""
    package, name = _FONTS.get(lang, _LATIN)
    return Path(str(files(package).joinpath(name)))


@cache
def _coverage(path: Path) -> frozenset[int]:
    """The code points a font has glyphs for."""
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


@cache
def _font(path: Path, size: int, bold: bool) -> ImageFont.FreeTypeFont:
    font = ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)
    wanted = {b"Weight": 700 if bold else 400, b"Width": 100}
    axes = font.get_variation_axes()
    font.set_variation_by_axes(
        [float(wanted.get(axis["name"]) or axis["default"] or 0) for axis in axes]
    )
    return font


@dataclass(frozen=True)
class _Style:
    lang: str
    size: int
    bold: bool = False
    fill: tuple[int, int, int] = INK

    def fonts(self) -> tuple[ImageFont.FreeTypeFont, ImageFont.FreeTypeFont]:
        """(the script's font, the Latin font): runs fall back to Latin where needed."""
        return (
            _font(font_path(self.lang), self.size, self.bold),
            _font(font_path(DEFAULT_LANGUAGE), self.size, self.bold),
        )


def _runs(text: str, lang: str) -> Iterator[tuple[str, bool]]:
    """Split text into (run, in_script_font) pieces; spaces and marks stay with their run."""
    own = _coverage(font_path(lang))
    latin_only = font_path(lang) == font_path(DEFAULT_LANGUAGE)
    current, native = "", True
    for char in text:
        joins = char.isspace() or unicodedata.category(char).startswith("M")
        wants_native = latin_only or ord(char) in own
        if current and (joins or wants_native == native):
            current += char
            continue
        if current:
            yield current, native
        current, native = char, wants_native
    if current:
        yield current, native


def _width(text: str, style: _Style) -> float:
    own, latin = style.fonts()
    return sum(
        (own if native else latin).getlength(run, language=style.lang)
        for run, native in _runs(text, style.lang)
    )


def _draw_line(
    draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, style: _Style
) -> None:
    own, latin = style.fonts()
    x, y = xy
    for run, native in _runs(text, style.lang):
        font = own if native else latin
        draw.text((x, y), run, font=font, fill=style.fill, language=style.lang)
        x += font.getlength(run, language=style.lang)


# Thai letters that never start a syllable (following vowels, repetition and abbreviation
# marks), and leading vowels, which are written before the consonant they follow in speech.
_THAI_FOLLOWING = frozenset("ะาำๅๆฯ")
_THAI_LEADING = frozenset("เแโใไ")


def _clusters(word: str) -> list[str]:
    """A word cut where a line may break: after a letter and its marks, and in Thai only
    before a consonant that does not follow a leading vowel (so "ทำ" never splits)."""
    out: list[str] = []
    for char in word:
        joins = unicodedata.category(char).startswith("M") or char in _THAI_FOLLOWING
        if out and (joins or out[-1][-1] in _THAI_LEADING):
            out[-1] += char
        else:
            out.append(char)
    return out


def wrap(text: str, style: _Style, width: float) -> list[str]:
    """Lines of `text` no wider than `width`; words longer than a line (Thai is written
    without spaces) are cut between letter clusters, never inside one."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if _width(candidate, style) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for cluster in _clusters(word):
            if line and _width(line + cluster, style) > width:
                lines.append(line)
                line = ""
            line += cluster
    if line:
        lines.append(line)
    return lines


def _first_sentences(summary: str, style: _Style, width: float) -> list[str]:
    """The summary's whole first sentences that fit in the line limit; when even the first one
    does not fit (or the language marks no sentence ends, as Thai), its opening, with an
    ellipsis marking the cut."""
    lines = wrap(summary, style, width)
    if len(lines) <= SUMMARY_LINES:
        return lines
    kept_text = ""
    for sentence in _SENTENCE_END.split(summary.strip()):
        longer = f"{kept_text} {sentence}".strip()
        if len(wrap(longer, style, width)) > SUMMARY_LINES:
            break
        kept_text = longer
    if kept_text:
        return wrap(kept_text, style, width)
    kept = lines[:SUMMARY_LINES]
    last = kept[-1]
    while last and _width(last + " …", style) > width:
        last = last[:-1]
    kept[-1] = last.rstrip() + " …"
    return kept


def _qr(link: str, box: int) -> Image.Image:
    """A QR code image for `link`, `box` pixels square (error correction M survives creases)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(link)
    code.make(fit=True)
    image: Image.Image = code.make_image(fill_color="black", back_color="white").get_image()
    return image.convert("RGB").resize((box, box), Image.Resampling.NEAREST)


def _check_shaping() -> None:
    if not features.check("raqm"):
        raise PosterError("this Pillow has no Raqm/HarfBuzz text shaping; reinstall Pillow")


def _encode(page: Image.Image, fmt: Format) -> bytes:
    out = io.BytesIO()
    if fmt == "pdf":
        page.save(out, format="PDF", resolution=DPI)
    else:
        page.save(out, format="PNG", dpi=(DPI, DPI))
    return out.getvalue()


def _text_block(
    draw: ImageDraw.ImageDraw, lines: Sequence[str], style: _Style, y: float, *, center: bool
) -> float:
    """Draw lines from `y` down; returns the y below the block."""
    step = style.size * 1.45
    for line in lines:
        x = (PAGE[0] - _width(line, style)) / 2 if center else MARGIN
        _draw_line(draw, (x, y), line, style)
        y += step
    return y


def render_poster(
    library: Library, section_id: str, lang: str, bot_username: str, fmt: Format = "png"
) -> bytes:
    """One A4 poster for a section, in `lang` (English where the section has no translation)."""
    _check_shaping()
    section = library.section(section_id)
    if section is None:
        raise PosterError(f"no section {section_id!r}")
    title = pick(section.title, lang)
    text_lang = title.lang  # draw in the language the text really is in
    summary = pick(section.summary, text_lang).value
    width = PAGE[0] - 2 * MARGIN
    page = Image.new("RGB", PAGE, "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, PAGE[0], 28), fill=ACCENT)

    y = float(MARGIN)
    y = _text_block(
        draw, [t("poster_kicker", lang)], _Style(lang, 44, fill=ACCENT), y, center=False
    )
    title_style = _Style(text_lang, 84, bold=True)
    y = _text_block(draw, wrap(title.value, title_style, width), title_style, y + 20, center=False)
    body = _Style(text_lang, 50)
    y = _text_block(draw, _first_sentences(summary, body, width), body, y + 30, center=False)

    link = deep_link(bot_username, section.id, text_lang)
    box = 940
    qr_top = max(int(y) + 60, PAGE[1] - MARGIN - box - 400)
    page.paste(_qr(link, box), ((PAGE[0] - box) // 2, qr_top))
    y = qr_top + box + 30
    y = _text_block(draw, [t("poster_scan", lang)], _Style(lang, 48, bold=True), y, center=True)
    handle = _Style(DEFAULT_LANGUAGE, 56, bold=True, fill=ACCENT)
    y = _text_block(draw, [f"@{bot_username.lstrip('@')}"], handle, y + 10, center=True)
    small = _Style(lang, 34, fill=MUTED)
    privacy = wrap(t("privacy_note", lang), small, width)
    _text_block(draw, privacy, small, PAGE[1] - MARGIN - len(privacy) * 34 * 1.45, center=True)
    return _encode(page, fmt)


def render_sheet(library: Library, lang: str, bot_username: str, fmt: Format = "png") -> bytes:
    """One A4 page with every topic: a small QR code and the title under it, in a grid."""
    _check_shaping()
    sections: Sequence[Section] = library.sections
    page = Image.new("RGB", PAGE, "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, PAGE[0], 28), fill=ACCENT)
    y = float(MARGIN) - 40
    y = _text_block(draw, [t("poster_kicker", lang)], _Style(lang, 48, bold=True), y, center=True)
    handle = _Style(DEFAULT_LANGUAGE, 40, fill=ACCENT)
    y = _text_block(draw, [f"@{bot_username.lstrip('@')}"], handle, y, center=True)
    rows = -(-len(sections) // SHEET_COLUMNS)
    cell_w = (PAGE[0] - 2 * MARGIN) // SHEET_COLUMNS
    cell_h = int((PAGE[1] - y - MARGIN) // max(rows, 1))
    box = min(cell_w - 60, cell_h - 150)
    for index, section in enumerate(sections):
        column, row = index % SHEET_COLUMNS, index // SHEET_COLUMNS
        left = MARGIN + column * cell_w
        top = int(y) + row * cell_h
        title = pick(section.title, lang)
        page.paste(
            _qr(deep_link(bot_username, section.id, title.lang), box),
            (left + (cell_w - box) // 2, top),
        )
        style = _Style(title.lang, 30, bold=True)
        lines = wrap(title.value, style, cell_w - 20)[:3]
        line_y = float(top + box + 6)
        for line in lines:
            x = left + (cell_w - _width(line, style)) / 2
            _draw_line(draw, (x, line_y), line, style)
            line_y += style.size * 1.35
    small = _Style(lang, 30, fill=MUTED)
    privacy = textwrap.shorten(t("privacy_note", lang), 400)
    lines = wrap(privacy, small, PAGE[0] - 2 * MARGIN)
    _text_block(draw, lines, small, PAGE[1] - MARGIN + 20 - len(lines) * 30 * 1.45, center=True)
    return _encode(page, fmt)
