"""Docs as tests: the README's tables say what the code does."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from bot.commands import USER_COMMANDS
from bot.config import Settings
from bot.service import Service
from bot.tg.app import ADMIN_COMMAND_CALLBACKS, USER_COMMAND_CALLBACKS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
# A table row "| /command [arguments] | description |"; arguments may contain "\|".
_ROW = re.compile(r"^\| (/[a-z_]+)(?:[^|\\]|\\\|)*\| (.+?) \|$", re.MULTILINE)


def _section(start: str, end: str) -> str:
    return README[README.index(start) : README.index(end)]


def test_the_user_command_table_is_what_help_says(service: Service) -> None:
    rows = _ROW.findall(_section("## Commands", "For admins"))
    assert [command for command, _ in rows] == [f"/{c.name}" for c in USER_COMMANDS]
    help_text = service.help("en").text
    for command, description in rows:
        assert f"{command} - {description}" in help_text
    assert {c.name for c in USER_COMMANDS} == set(USER_COMMAND_CALLBACKS)


def test_every_admin_command_is_in_the_admin_table() -> None:
    documented = {command for command, _ in _ROW.findall(_section("For admins", "Operators'"))}
    assert {f"/{name}" for name in ADMIN_COMMAND_CALLBACKS} <= documented


def test_the_configuration_table_lists_every_setting() -> None:
    table = _section("## Configuration", "## Commands")
    documented = re.findall(r"^\| `([A-Z_]+)` \|", table, flags=re.MULTILINE)
    assert documented == [field.name.upper() for field in fields(Settings)]
