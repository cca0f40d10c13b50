"""One command registry (bot/commands.py) feeds Telegram's menu, /help, the console and the
README check; the console speaks the chosen language and says which commands need Telegram."""

from __future__ import annotations

import io

from bot.commands import ADMIN_COMMANDS, HELPDESK_COMMANDS, USER_COMMANDS, telegram_only
from bot.console import ConsoleChat, run_console
from bot.i18n import t
from bot.service import Service
from bot.tg.app import ADMIN_COMMAND_CALLBACKS, USER_COMMAND_CALLBACKS
from tests.test_cli import run


def test_the_registry_feeds_telegram_help_and_the_console(service: Service) -> None:
    names = [command.name for command in USER_COMMANDS]
    assert [name for name, _ in service.commands("en")] == names  # Telegram's command menu
    help_text = service.help("en").text
    assert all(f"/{name} - " in help_text for name in names)
    assert list(USER_COMMAND_CALLBACKS) == names
    assert set(ADMIN_COMMAND_CALLBACKS) == set(ADMIN_COMMANDS)
    in_console = {command.name for command in USER_COMMANDS if command.in_console}
    assert set(ConsoleChat(service).commands()) == in_console
    assert telegram_only() == (
        set(names) - in_console | {c.name for c in HELPDESK_COMMANDS} | set(ADMIN_COMMANDS)
    )


def test_the_console_knows_forget_privacy_and_language(service: Service) -> None:
    chat = ConsoleChat(service)
    assert chat.handle("/forget").text == t("console_forget", "en")
    assert chat.handle("/privacy").text == service.privacy("en").text
    assert chat.handle("/language").text == service.language_menu("en").text


def test_the_console_says_which_commands_only_telegram_has(service: Service) -> None:
    chat = ConsoleChat(service, "ru")
    for name in ("subscribe", "human", "stats"):
        assert chat.handle(f"/{name}").text == t("console_telegram_only", "ru", command=name)
    assert chat.handle("/nonsense").text == service.unknown_command("ru").text


def test_the_console_switches_language_with_the_language_menu(service: Service) -> None:
    chat = ConsoleChat(service)
    chat.render(chat.handle("/language"))
    [thai] = [n for n, button in enumerate(chat.buttons, 1) if button.payload == "l:th"]
    chat.handle(str(thai))
    assert chat.lang == "th"
    assert chat.handle("/help").text == service.help("th").text


def test_run_console_starts_in_the_chosen_language(service: Service) -> None:
    out = io.StringIO()
    run_console(service, ["/help\n"], out, interactive=False, lang="th")
    assert t("cmd_topics", "th") in out.getvalue()


def test_console_lang_on_the_command_line() -> None:
    result = run("console", "--lang", "th", stdin="/topics\n/subscribe\n")
    assert result.returncode == 0, result.stderr
    assert t("console_telegram_only", "th", command="subscribe") in result.stdout
    assert "Hello!" not in result.stdout  # the welcome is in Thai
