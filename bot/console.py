"""The offline chat: the same conversation core as the Telegram bot, in a terminal.

Type a question, a command (/topics, /help, /about, /privacy, /language) or the number of a
button. Works interactively and with piped input (one reply block per line, ends at EOF).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import TextIO

from bot.content.models import SUPPORTED_LANGUAGES
from bot.replies import Button, Reply
from bot.service import Service

_TAG = re.compile(r"</?(b|i|u|s|code|pre|blockquote|a)( [^>]*)?>")


def to_plain(text: str) -> str:
    """Telegram HTML to terminal text: drop our tags, unescape entities."""
    return html.unescape(_TAG.sub("", text))


class ConsoleChat:
    """One console conversation: remembers the language and the buttons last shown."""

    def __init__(self, service: Service, lang: str = "en") -> None:
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

    def _command(self, text: str) -> Reply:
        name, _, argument = text[1:].partition(" ")
        commands = {
            "topics": lambda: self.service.topics(self.lang),
            "help": lambda: self.service.help(self.lang),
            "about": lambda: self.service.about(self.lang),
            "glossary": lambda: self.service.glossary(self.lang),
            "privacy": lambda: self.service.privacy(self.lang),
            "language": lambda: self.service.language_menu(self.lang),
        }
        if name == "start":
            return self.service.start(self.lang, argument or None)
        if name in commands:
            return commands[name]()
        return self.service.unknown_command(self.lang)

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


def run_console(service: Service, lines: Iterable[str], out: TextIO, *, interactive: bool) -> int:
    """Chat until EOF (or /quit); print one reply block per input line."""
    chat = ConsoleChat(service)
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
