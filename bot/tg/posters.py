"""/poster for admins: print-ready outreach posters with QR deep links, made by bot/poster.py.

    /poster <section> [lang]   one A4 poster (PDF) for a topic, in a language
    /poster all [lang]         one A4 sheet of every topic with small QR codes

The QR codes open `https://t.me/<this bot>?start=<section>_<lang>`; the bot's username is the one
Telegram gave it (getMe), so a poster never points at another bot. Drawing takes a second of CPU,
so it runs in a worker thread while the bot keeps answering others.
"""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.content.models import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.poster import PosterError, deep_link, render_poster, render_sheet
from bot.replies import escape
from bot.tg.context import Context


def usage(section_ids: list[str]) -> str:
    """How to call /poster, with the ids it accepts."""
    return (
        "Use /poster <section> [language] or /poster all [language].\n"
        f"Sections: {', '.join(section_ids)}\n"
        f"Languages: {', '.join(SUPPORTED_LANGUAGES)} (default {DEFAULT_LANGUAGE})"
    )


async def poster(update: Update, context: Context) -> None:
    """/poster <section|all> [lang]: an A4 PDF poster with a QR code that opens the topic."""
    message = update.effective_message
    if message is None:
        return
    library = context.bot_data.service.library
    ids = [section.id for section in library.sections]
    args = [arg.lower() for arg in context.args or []]
    target = args[0] if args else ""
    lang = args[1] if len(args) > 1 else DEFAULT_LANGUAGE
    if target not in [*ids, "all"] or lang not in SUPPORTED_LANGUAGES or len(args) > 2:
        await message.reply_text(escape(usage(ids)))
        return
    username = context.bot.username
    try:
        if target == "all":
            data = await asyncio.to_thread(render_sheet, library, lang, username, "pdf")
            caption = f"All topics, {lang}: print on A4."
        else:
            data = await asyncio.to_thread(render_poster, library, target, lang, username, "pdf")
            link = deep_link(username, target, lang)
            caption = f"{target}, {lang}: print on A4. The QR code opens {link}"
    except PosterError as error:
        await message.reply_text(escape(f"Cannot make the poster: {error}"))
        return
    filename = f"poster-{target}-{lang}.pdf"
    await message.reply_document(data, filename=filename, caption=escape(caption))
