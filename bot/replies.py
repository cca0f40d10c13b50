"""Turn sections and match results into replies: text (Telegram HTML) and buttons.

All escaping and message splitting happen here, so no front end can forget them.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.content.models import (
    DEFAULT_LANGUAGE,
    GlossaryEntry,
    Library,
    Localized,
    Section,
    pick,
)
from bot.i18n import t

Route = Literal["command", "button", "text", "deeplink", "inline"]
Decision = Literal["answer", "clarify", "none"]

# Telegram refuses messages over 4096 characters; keep a margin for the notes we append.
MESSAGE_LIMIT = 4000
# Telegram allows 64 bytes of callback data; our payloads are "k:" plus a section id.
MAX_PAYLOAD_BYTES = 64
# How many related topics get their own button under a section.
RELATED_BUTTONS = 2


@dataclass(frozen=True)
class Button:
    """An inline button: what it says and the payload it sends back when pressed."""

    label: str
    payload: str


Row = tuple[Button, ...]
# A piece of section text as picked for a language (possibly the English fallback).
Shown = Localized[str] | Localized[tuple[str, ...]]


@dataclass(frozen=True)
class Outcome:
    """What the statistics keep about one reply: never who asked, only what was served."""

    route: Route
    section_id: str | None
    decision: Decision
    score: float = 100.0
    # Raw text, only when the bot could not answer; the stats store scrubs it before keeping it.
    question: str | None = None


@dataclass(frozen=True)
class Reply:
    """A message to send: HTML text, rows of buttons, and what to record about it."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    outcome: Outcome | None = None
    lang: str = DEFAULT_LANGUAGE


def escape(text: str) -> str:
    """Escape text for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


def section_button(section: Section, lang: str, *, kind: str = "s") -> Button:
    """A button that opens a section (its summary, by default)."""
    return Button(pick(section.title, lang).value, f"{kind}:{section.id}")


def menu_buttons(library: Library, lang: str) -> tuple[tuple[Button, ...], ...]:
    """One button per topic, one per row: titles are long and phones are narrow."""
    return tuple((section_button(section, lang),) for section in library.sections)


def menu_row(lang: str) -> tuple[Button, ...]:
    """The single 'All topics' button that ends most replies."""
    return (Button(t("btn_menu", lang), "t"),)


def _unreviewed(section: Section, shown: Sequence[Shown]) -> bool:
    """Whether any text shown is a translation no native speaker has checked yet."""
    return any(not part.fallback and not section.is_reviewed(part.lang) for part in shown)


def _notes(
    section: Section, lang: str, shown: Sequence[Shown], fields: Sequence[str] = ()
) -> list[str]:
    """One line on an unchecked translation, one on English shown for a missing one (or both:
    a translated summary can come with key points that are only in English), and one when
    the English of a shown field changed after it was translated (`fields`: their names)."""
    notes = []
    if _unreviewed(section, shown):
        notes.append(f"<i>{escape(t('unreviewed_note', lang))}</i>")
    if any(part.fallback for part in shown):
        notes.append(f"<i>{escape(t('fallback_note', lang))}</i>")
    if lang != DEFAULT_LANGUAGE and set(fields) & set(section.stale(lang)):
        notes.append(f"<i>{escape(t('stale_note', lang))}</i>")
    return notes


def source_line(section: Section, library: Library, lang: str) -> str:
    """The short dated line under every section: where this comes from, and that it is no law."""
    year = library.pack_of(section).source_date[:4]
    return f"<i>{escape(t('source_line', lang, year=year))}</i>"


def glossary_used(section: Section, library: Library, lang: str) -> tuple[GlossaryEntry, ...]:
    """Glossary entries whose words appear in what a section shows in `lang` (or in English)."""
    shown = [
        pick(section.title, lang).value,
        pick(section.summary, lang).value,
        *pick(section.key_points, lang).value,
    ]
    if section.for_migrants:
        shown.append(pick(section.for_migrants, lang).value)
    text = " ".join(shown).casefold()
    used = []
    for entry in library.glossary:
        words = {*entry.words.get(lang, ()), *entry.words.get(DEFAULT_LANGUAGE, ())}
        if any(word.casefold() in text for word in words if word.strip()):
            used.append(entry)
    return tuple(used)


def glossary_lines(entries: Sequence[GlossaryEntry], lang: str) -> tuple[str, list[str]]:
    """Each entry as "<b>term</b>: explanation", and the notes on its translations."""
    lines = []
    unreviewed = fallback = stale = False
    for entry in entries:
        term, explanation = pick(entry.term, lang), pick(entry.explanation, lang)
        lines.append(f"<b>{escape(term.value)}</b>: {escape(explanation.value)}")
        fallback = fallback or term.fallback or explanation.fallback
        unreviewed = unreviewed or (not explanation.fallback and not entry.is_reviewed(lang))
        stale = stale or bool(set(entry.stale(lang)) & {"term", "explanation"})
    notes = []
    for key, shown in (("unreviewed_note", unreviewed), ("fallback_note", fallback)):
        if shown:
            notes.append(f"<i>{escape(t(key, lang))}</i>")
    if stale and lang != DEFAULT_LANGUAGE:
        notes.append(f"<i>{escape(t('stale_note', lang))}</i>")
    return "\n\n".join(lines), notes


def glossary(library: Library, lang: str) -> str:
    """/glossary: every word the content explains."""
    body, notes = glossary_lines(library.glossary, lang)
    if not body:
        return escape(t("glossary_empty", lang))
    return join(f"<b>{escape(t('glossary_title', lang))}</b>", body, *notes)


def section_glossary(section: Section, library: Library, lang: str) -> tuple[str, Sequence[Row]]:
    """The "Words used here" view: the glossary entries a section uses."""
    entries = glossary_used(section, library, lang)
    title = pick(section.title, lang).value
    heading = f"<b>{escape(t('glossary_section_title', lang, title=title))}</b>"
    body, notes = glossary_lines(entries, lang)
    text = join(heading, body or escape(t("glossary_empty", lang)), *notes)
    return text, _section_buttons(section, library, lang, current="g")


def _section_buttons(
    section: Section, library: Library, lang: str, *, current: str, english: bool = False
) -> tuple[tuple[Button, ...], ...]:
    """The view buttons, then (with `english`) "Show in English", related topics and the menu."""
    first = []
    if current != "s":
        first.append(Button(t("btn_summary", lang), f"s:{section.id}"))
    if current != "k":
        first.append(Button(t("btn_key_points", lang), f"k:{section.id}"))
    if current != "o":
        first.append(Button(t("btn_original", lang), f"o:{section.id}"))
    rows: list[tuple[Button, ...]] = [tuple(first)]
    if current == "s" and glossary_used(section, library, lang):
        rows.append((Button(t("btn_glossary", lang), f"g:{section.id}"),))
    if english:  # the English source of an unchecked translation, one tap away
        rows.append((Button(t("btn_english", lang), f"{current}:{section.id}:{DEFAULT_LANGUAGE}"),))
    for related_id in section.related[:RELATED_BUTTONS]:
        related = library.section(related_id)
        if related is not None:
            label = t("btn_related", lang, title=pick(related.title, lang).value)
            rows.append((Button(label, f"s:{related.id}"),))
    rows.append(menu_row(lang))
    return tuple(rows)


def section_summary(section: Section, library: Library, lang: str) -> tuple[str, Sequence[Row]]:
    """A section's title and summary, one line on what it means for you, what happened next
    (for the sections the pack names), the dated source line, and the translation notes."""
    title = pick(section.title, lang)
    summary = pick(section.summary, lang)
    parts = [f"<b>{escape(title.value)}</b>", escape(summary.value)]
    shown: list[Shown] = [title, summary]
    if section.for_migrants:
        meaning = pick(section.for_migrants, lang)
        shown.append(meaning)
        parts.append(f"<b>{escape(t('for_migrants_title', lang))}:</b> {escape(meaning.value)}")
    next_steps = library.pack_of(section).next_steps
    stale_next = False
    if section.id in next_steps.shown_with and next_steps.text:
        parts.append(escape(pick(next_steps.text, lang).value))
        stale_next = lang != DEFAULT_LANGUAGE and bool(next_steps.stale(lang))
    parts.append(source_line(section, library, lang))
    notes = _notes(section, lang, shown, ("title", "summary", "for_migrants"))
    stale_line = f"<i>{escape(t('stale_note', lang))}</i>"
    parts += [*notes, stale_line] if stale_next and stale_line not in notes else notes
    english = _unreviewed(section, shown)
    return "\n\n".join(parts), _section_buttons(
        section, library, lang, current="s", english=english
    )


def key_points(section: Section, library: Library, lang: str) -> tuple[str, Sequence[Row]]:
    """A section's key points as a bulleted list, and what they mean for a migrant."""
    points = pick(section.key_points, lang)
    title = pick(section.title, lang)
    shown: list[Shown] = [title, points]
    parts = [f"<b>{escape(title.value)}: {escape(t('key_points_title', lang))}</b>"]
    parts.append("\n".join(f"• {escape(point)}" for point in points.value))
    # "What it means for you" is under the summary, the first thing everyone sees.
    parts.append(source_line(section, library, lang))
    parts += _notes(section, lang, shown, ("title", "key_points"))
    english = _unreviewed(section, shown)
    return "\n\n".join(parts), _section_buttons(
        section, library, lang, current="k", english=english
    )


def original(section: Section, library: Library, lang: str) -> tuple[str, Sequence[Row]]:
    """The section's original wording, quoted exactly from the seed document: the document's
    headings in bold on their own lines, its paragraphs kept. Line numbers are for admins
    (/content and `validate`), not for readers."""
    heading = escape(t("original_title", lang))
    # No <blockquote>: the wording of a long section is split over several messages, and a tag
    # must never span a split.
    paragraphs = [
        f"<b>{escape(part)}</b>" if is_heading(part) else escape(part)
        for part in section.original.split("\n\n")
    ]
    text = join(f"<b>{heading}</b>", *paragraphs)
    return text, _section_buttons(section, library, lang, current="o")


def is_heading(paragraph: str) -> bool:
    """A heading of the source document: short, and not ending like a sentence or list item."""
    text = paragraph.rstrip()
    return (
        len(text) <= 200
        and any(char.isalpha() for char in text)
        and not text.endswith((".", ";", ":", ","))
    )


def urgent_help(library: Library, lang: str) -> str:
    """The urgent-help note from the content, with local contacts only if the content has them."""
    if not library.urgent_help:
        return ""
    note = pick(library.urgent_help, lang)
    lines = [f"<b>⚠️ {escape(t('urgent_title', lang))}</b>", escape(note.value)]
    lines += [f"• {escape(contact)}" for contact in library.local_contacts]
    if note.fallback:
        lines.append(f"<i>{escape(t('fallback_note', lang))}</i>")
    return "\n".join(lines)


def legal_note(library: Library, lang: str, *, contacts: bool = True) -> str:
    """The line for questions about one's own legal situation: the meeting did not decide it,
    it depends on local law, a trusted NGO or union can advise; then the pack's verified
    contacts, if any (not again when the urgent note above already lists them)."""
    lines = [f"<i>{escape(t('legal_note', lang))}</i>"]
    if contacts:
        lines += [f"• {escape(contact)}" for contact in library.local_contacts]
    return "\n".join(lines)


def join(*parts: str) -> str:
    """Paragraphs joined with a blank line, skipping empty ones."""
    return "\n\n".join(part for part in parts if part)


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split text into messages under `limit` characters, at paragraph, then line, then word
    boundaries. Our HTML tags never span a paragraph, so every part stays valid HTML."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for piece in _pieces(text, limit):
        candidate = f"{current}\n\n{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return [part for part in parts if part.strip()]


def _pieces(text: str, limit: int) -> Iterable[str]:
    """Paragraphs no longer than `limit`, cutting over-long ones at lines, then at spaces."""
    for paragraph in text.split("\n\n"):
        if len(paragraph) <= limit:
            yield paragraph
            continue
        yield from _cut(paragraph, limit)


def _cut(paragraph: str, limit: int) -> Iterable[str]:
    current = ""
    for word in paragraph.replace("\n", " \n").split(" "):
        while len(word) > limit:  # a single "word" longer than a message: cut it hard
            if current:
                yield current
                current = ""
            cut = _safe_cut(word, limit)
            yield word[:cut]
            word = word[cut:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            yield current
            current = word.lstrip("\n")
    if current:
        yield current


def _safe_cut(word: str, limit: int) -> int:
    """A cut position at or before `limit` that does not split an HTML entity like &amp;."""
    amp = word.rfind("&", max(0, limit - 8), limit)
    if amp != -1 and ";" in word[amp : limit + 8] and word.find(";", amp) >= limit:
        return amp
    return limit
