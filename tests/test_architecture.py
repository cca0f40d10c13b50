"""Pins the architecture: pure modules never pull in Telegram, SQLite or the network."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "module",
    [
        "bot.service",
        "bot.replies",
        "bot.matching",
        "bot.content.loader",
        "bot.distress",
        "bot.cli",
        "bot.storage.ports",
        "bot.reports",
    ],
)
def test_pure_modules_import_neither_telegram_nor_sqlite(module):
    code = (
        f"import sys, {module}\n"
        "bad = [m for m in ('telegram', 'aiosqlite', 'sqlite3', 'httpx') if m in sys.modules]\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == ""


def test_no_module_is_named_telegram():
    assert not any(path.stem == "telegram" for path in (ROOT / "bot").rglob("*.py"))


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("bot.matching", "bot.distress"),  # the service passes the danger check in
        ("bot.lang.data", "bot.matching"),
        ("bot.lang.data", "bot.distress"),
    ],
)
def test_lower_layers_do_not_import_higher_ones(module, forbidden):
    code = f"import sys, {module}\nprint({forbidden!r} in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "False"
