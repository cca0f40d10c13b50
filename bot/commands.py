"""The one command registry: every command, where it works, and its one-line description.

It feeds Telegram's command menu (setMyCommands, via `Service.commands`), /help, the offline
console (bot/console.py) and the README check (tests/test_docs.py); bot/tg/app.py maps each name
to its callback and refuses to start when one is missing. Descriptions are catalogue keys.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """A user command: its name, the catalogue key of its description, and where it works."""

    name: str
    description_key: str
    # False: it needs a Telegram chat (subscriptions, a person on the help desk), so the console
    # says so instead of pretending.
    in_console: bool = True


USER_COMMANDS: tuple[Command, ...] = (
    Command("start", "cmd_start"),
    Command("topics", "cmd_topics"),
    Command("help", "cmd_help"),
    Command("about", "cmd_about"),
    Command("glossary", "cmd_glossary"),
    Command("privacy", "cmd_privacy"),
    Command("forget", "cmd_forget"),
    Command("language", "cmd_language"),
    Command("subscribe", "cmd_subscribe", in_console=False),
    Command("unsubscribe", "cmd_unsubscribe", in_console=False),
)
# Shown (in the menu and /help) only while the help desk is on.
HELPDESK_COMMANDS: tuple[Command, ...] = (
    Command("human", "cmd_human", in_console=False),
    Command("end", "cmd_end", in_console=False),
)
# For ADMIN_IDS only, in private chats; never in the public menu or /help (others see
# "unknown"). Each admin's own chat gets a menu with them (Telegram's per-chat command scope),
# described in English like the rest of the admin tools.
ADMIN_COMMAND_DESCRIPTIONS: dict[str, str] = {
    "stats": "What people asked: report, chart and trend",
    "unanswered": "Questions the bot could not answer",
    "export": "Statistics as a CSV file",
    "content": "Content files, versions and warnings",
    "reload": "Read the content folder again",
    "rollback": "List kept versions or restore one",
    "check": "Check the next content file without installing it",
    "poster": "A poster with a QR code for a topic",
}
ADMIN_COMMANDS: tuple[str, ...] = tuple(ADMIN_COMMAND_DESCRIPTIONS)


def telegram_only() -> frozenset[str]:
    """Commands the console knows of but cannot run: they need Telegram."""
    names = {c.name for c in (*USER_COMMANDS, *HELPDESK_COMMANDS) if not c.in_console}
    return frozenset(names | set(ADMIN_COMMANDS))
