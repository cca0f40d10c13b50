"""What every Telegram callback is given: `BotData` (the Application's typed `bot_data`), the
`Context` type, and the user's language, which every callback looks up the same way.

Who is who: a user's language is looked up by `store.user_key(user.id)`, never by raw id or
username.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackContext, ExtBot

from bot.config import Settings
from bot.content.models import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.i18n import supported
from bot.service import Service
from bot.storage.ports import Storage
from bot.tg.desks import ContentDesk, HelpDesk


class BotData:
    """What every callback needs: the Application's `bot_data` (typed via ContextTypes)."""

    settings: Settings
    service: Service
    store: Storage
    # Content changes and announcements (bot/tg/admin.py); also set by `build_application`.
    content: ContentDesk
    # Talk to a person (bot/tg/helpdesk.py); also set by `build_application`.
    helpdesk: HelpDesk

    def bind(self, settings: Settings, service: Service, store: Storage) -> None:
        """Set once by `build_application`, before any update arrives."""
        self.settings, self.service, self.store = settings, service, store


Context = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]


async def user_language(update: Update, context: Context) -> str:
    """The user's chosen language, else Telegram's language_code if we speak it, else English.
    Admins' reports are in it too."""
    return (await language_choice(update, context))[0]


async def language_choice(update: Update, context: Context) -> tuple[str, bool]:
    """The user's language (as `user_language`) and whether they chose it with /language."""
    user = update.effective_user
    if user is None:
        return DEFAULT_LANGUAGE, False
    store = context.bot_data.store
    chosen = await store.get_language(store.user_key(user.id))
    if chosen in SUPPORTED_LANGUAGES:
        return chosen, True
    return supported(user.language_code), False
