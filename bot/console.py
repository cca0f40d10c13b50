"""The offline chat: the same conversation core as the Telegram bot, in a terminal.

Type a question, a command (the same list as /help, from bot/commands.py) or the number of a
button. Commands that need Telegram (/subscribe, the help desk, admin tools) get a clear "only on
Telegram". Works interactively and with piped input (one reply block per line, ends at EOF).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import TextIO

from bot.commands import telegram_only
from bot.content.models import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.i18n import t
from bot.replies import Button, Reply, escape
from bot.service import Service

_TAG = re.compile(r"</?(b|i|u|s|code|pre|blockquote|a)( [^>]*)?>")


def to_plain(text: str) -> str:
    """Telegram HTML to terminal text: drop our tags, unescape entities."""
    return html.unescape(_TAG.sub("", text))


class ConsoleChat:
    """One console conversation: remembers the language and the buttons last shown."""

    def __init__(self, service: Service, lang: str = DEFAULT_LANGUAGE) -> None:
        self.service = service
        self.lang = lang
        self.buttons: list[Button] = []

    def handle(self, line: str) -> Reply:
        """The reply to one line of input."""
        text = line.strip()
        if text.isdigit() and self.buttons:
            index = int(text) - 1
            if 0 <= index < len(self.buttons):
                return self._press(self.buttons[index].payload)
        if text.startswith("/"):
            return self._command(text)
        return self.service.ask(text, self.lang)

    def _press(self, payload: str) -> Reply:
        if payload.startswith("l:") and payload[2:] in SUPPORTED_LANGUAGES:
            self.lang = payload[2:]
            return self.service.language_chosen(self.lang)
        return self.service.press(payload, self.lang)

    def commands(self) -> dict[str, Callable[[str], Reply]]:
        """What each console command does, given its argument; one entry per registry command
        that works here (`bot.commands`, `in_console`)."""
        service, lang = self.service, self.lang
        return {
            "start": lambda argument: service.start(lang, argument or None),
            "topics": lambda _: service.topics(lang),
            "help": lambda _: service.help(lang),
            "about": lambda _: service.about(lang),
            "glossary": lambda _: service.glossary(lang),
            "privacy": lambda _: service.privacy(lang),
            "language": lambda _: service.language_menu(lang),
            "forget": lambda _: self._notice(t("console_forget", lang)),
        }

    def _command(self, text: str) -> Reply:
        name, _, argument = text[1:].partition(" ")
        name = name.lower()
        commands = self.commands()
        if name in commands:
            return commands[name](argument.strip())
        if name in telegram_only():
            return self._notice(t("console_telegram_only", self.lang, command=name))
        return self.service.unknown_command(self.lang)

    def _notice(self, text: str) -> Reply:
        return Reply(escape(text), lang=self.lang)

    def render(self, reply: Reply) -> str:
        """The reply as terminal text, buttons numbered so they can be chosen by typing."""
        self.buttons = [button for row in reply.buttons for button in row]
        # The urgent-help note is a message of its own on Telegram: here, a block of its own.
        lines = [line for note in reply.before for line in (to_plain(note), "")]
        lines.append(to_plain(reply.text))
        if self.buttons:
            lines.append("")
            lines += [f"  [{n}] {button.label}" for n, button in enumerate(self.buttons, 1)]
        return "\n".join(lines)


def run_console(
    service: Service,
    lines: Iterable[str],
    out: TextIO,
    *,
    interactive: bool,
    lang: str = DEFAULT_LANGUAGE,
) -> int:
    """Chat in `lang` until EOF (or /quit); print one reply block per input line."""
    chat = ConsoleChat(service, lang)
    out.write(chat.render(service.start(chat.lang)) + "\n")
    if interactive:
        out.write(
            "\nType a question, a command like /topics, or a button number. Ctrl-D to quit.\n"
        )
    for line in lines:
        if line.strip() in ("/quit", "/exit"):
            break
        if not line.strip():
            continue
        out.write("\n" + chat.render(chat.handle(line)) + "\n")
        out.flush()
    return 0
