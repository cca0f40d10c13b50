"""Settings from the environment: defaults, parsing, one-line errors that never show secrets."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings

TOKEN = "123456789:AAH" + "x" * 32
STRONG_SECRET = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def test_defaults_when_nothing_is_set() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.bot_token is None
    assert settings.admin_ids == frozenset()
    assert settings.content_dir == Path("content")
    assert settings.seeds_dir == Path("seeds")
    assert settings.database_path == Path("data/bot.sqlite3")
    assert settings.stats_secret is None
    assert settings.unmatched_retention_days == 90
    assert settings.event_retention_days == 365
    assert settings.bot_api_base_url == "https://api.telegram.org/bot"
    assert settings.bot_api_base_file_url == "https://api.telegram.org/file/bot"
    assert settings.webhook_url is None
    assert settings.port == 8443
    assert settings.log_level == "INFO"


def test_every_variable_is_read() -> None:
    settings = Settings.from_env(
        {
            "BOT_TOKEN": TOKEN,
            "ADMIN_IDS": " 42, 7 ,,1000000001 ",
            "CONTENT_DIR": "/srv/content",
            "SEEDS_DIR": "/srv/seeds",
            "DATABASE_PATH": "/srv/data/stats.db",
            "STATS_SECRET": STRONG_SECRET,
            "SECRET_PATH": "/etc/outreach-bot/secret",
            "UNMATCHED_RETENTION_DAYS": "30",
            "EVENT_RETENTION_DAYS": "730",
            "BOT_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "BOT_API_BASE_FILE_URL": "http://127.0.0.1:8081/file/bot",
            "WEBHOOK_URL": "https://bot.example.org/telegram/hook",
            "PORT": "8080",
            "LOG_LEVEL": "debug",
            "UNRELATED": "ignored",
        }
    )
    assert settings.bot_token == TOKEN
    assert settings.require_token() == TOKEN
    assert settings.admin_ids == frozenset({42, 7, 1000000001})
    assert settings.content_dir == Path("/srv/content")
    assert settings.seeds_dir == Path("/srv/seeds")
    assert settings.database_path == Path("/srv/data/stats.db")
    assert settings.stats_secret == STRONG_SECRET
    assert settings.secret_path == Path("/etc/outreach-bot/secret")
    assert settings.unmatched_retention_days == 30
    assert settings.event_retention_days == 730
    assert settings.bot_api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.bot_api_base_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.webhook_url == "https://bot.example.org/telegram/hook"
    assert settings.webhook_path == "telegram/hook"
    assert settings.port == 8080
    assert settings.log_level == "DEBUG"


def test_empty_values_count_as_unset() -> None:
    settings = Settings.from_env(
        {"BOT_TOKEN": "  ", "ADMIN_IDS": "", "PORT": "", "WEBHOOK_URL": ""}
    )
    assert settings == Settings()


def test_settings_are_frozen() -> None:
    settings = Settings.from_env({})
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]


def test_secrets_stay_out_of_repr() -> None:
    settings = Settings.from_env({"BOT_TOKEN": TOKEN, "STATS_SECRET": STRONG_SECRET})
    assert TOKEN not in repr(settings)
    assert STRONG_SECRET not in repr(settings)


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("pepper", "shorter than 32"),
        ("0123456789abcdef0123456789abcde", "shorter than 32"),
        ("ab" * 20, "fewer than 8 different"),
    ],
)
def test_a_weak_stats_secret_is_refused(secret: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=rf"^STATS_SECRET is too weak \(.*{problem}"):
        Settings.from_env({"STATS_SECRET": secret})


def test_webhook_secret_is_stable_and_not_the_token() -> None:
    settings = Settings.from_env({"BOT_TOKEN": TOKEN})
    assert settings.webhook_secret == Settings.from_env({"BOT_TOKEN": TOKEN}).webhook_secret
    assert re.fullmatch(r"[0-9a-f]{48}", settings.webhook_secret)
    assert TOKEN.split(":")[1] not in settings.webhook_secret


def test_missing_token_is_a_config_error_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"^BOT_TOKEN is not set"):
        Settings.from_env({}).require_token()


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "123456789",
        "123456789:",
        "123456789:short",
        "abc:AAH" + "x" * 32,
        "123456789:AAH" + "x" * 32 + " trailing",
        "123456789:AAH" + "x" * 30 + "!!",
    ],
)
def test_malformed_token_is_refused_without_echoing_it(token: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"BOT_TOKEN": token})
    message = str(caught.value)
    assert message.startswith("BOT_TOKEN ")
    assert token.strip() not in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"ADMIN_IDS": "42,@alice"}, "ADMIN_IDS"),
        ({"ADMIN_IDS": "alice"}, "ADMIN_IDS"),
        ({"ADMIN_IDS": "-5"}, "ADMIN_IDS"),
        ({"ADMIN_IDS": "١٢٣"}, "ADMIN_IDS"),  # Arabic-Indic digits are digits, but not an id
        ({"UNMATCHED_RETENTION_DAYS": "0"}, "UNMATCHED_RETENTION_DAYS"),
        ({"EVENT_RETENTION_DAYS": "a year"}, "EVENT_RETENTION_DAYS"),
        ({"BOT_API_BASE_URL": "api.telegram.org/bot"}, "BOT_API_BASE_URL"),
        ({"BOT_API_BASE_FILE_URL": "ftp://example.org/"}, "BOT_API_BASE_FILE_URL"),
        ({"WEBHOOK_URL": "http://bot.example.org/hook"}, "WEBHOOK_URL"),
        ({"PORT": "70000"}, "PORT"),
        ({"PORT": "eighty"}, "PORT"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL"),
    ],
)
def test_bad_values_name_their_variable_on_one_line(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(environ)
    message = str(caught.value)
    assert message.startswith(f"{variable}")
    assert "\n" not in message


def test_nothing_is_read_at_import_time() -> None:
    import subprocess
    import sys

    code = (
        "import os; os.environ['PORT'] = 'not a port'; import bot.config; "
        "print(bot.config.Settings().port)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.strip() == "8443"


def test_env_example_documents_every_variable_with_its_default() -> None:
    example = Path(__file__).resolve().parent.parent / ".env.example"
    documented = dict(
        line.split("=", 1)
        for line in example.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    assert set(documented) == {field.name.upper() for field in fields(Settings)}
    assert Settings.from_env(documented) == Settings()
