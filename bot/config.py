"""Settings: the bot's configuration, read from the environment when asked, never at import.

Every variable is documented in `.env.example` and in the README's configuration table.
A bad value raises `ConfigError` with a one-line message that names the variable; the CLI prints
that line and exits with status 2. No message ever contains the token or the stats secret.

    settings = Settings.from_env(os.environ)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot.content.models import SUPPORTED_LANGUAGES
from bot.helpdesk import HelpdeskConfig

# Named defaults, so the table in the README and `.env.example` have one source to check against.
DEFAULT_CONTENT_DIR = Path("content")
DEFAULT_SEEDS_DIR = Path("seeds")
DEFAULT_DATABASE_PATH = Path("data/bot.sqlite3")
DEFAULT_UNMATCHED_RETENTION_DAYS = 90
DEFAULT_EVENT_RETENTION_DAYS = 365
DEFAULT_BOT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_BOT_API_BASE_FILE_URL = "https://api.telegram.org/file/bot"
DEFAULT_PORT = 8443
DEFAULT_LOG_LEVEL = "INFO"
DEFAULT_EMBEDDING_CACHE = Path("data/embeddings.npz")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# What @BotFather hands out: the bot's numeric id, a colon, then about 35 URL-safe characters.
TOKEN_PATTERN = re.compile(r"[0-9]{3,20}:[A-Za-z0-9_-]{30,64}")


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the variable and fits on one line."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment. Secrets are left out of `repr()`."""

    bot_token: str | None = field(default=None, repr=False)
    admin_ids: frozenset[int] = frozenset()
    content_dir: Path = DEFAULT_CONTENT_DIR
    seeds_dir: Path = DEFAULT_SEEDS_DIR
    database_path: Path = DEFAULT_DATABASE_PATH
    stats_secret: str | None = field(default=None, repr=False)
    unmatched_retention_days: int = DEFAULT_UNMATCHED_RETENTION_DAYS
    event_retention_days: int = DEFAULT_EVENT_RETENTION_DAYS
    bot_api_base_url: str = DEFAULT_BOT_API_BASE_URL
    bot_api_base_file_url: str = DEFAULT_BOT_API_BASE_FILE_URL
    webhook_url: str | None = None
    port: int = DEFAULT_PORT
    log_level: str = DEFAULT_LOG_LEVEL
    # Lets PTB, httpx and aiosqlite log at DEBUG: user ids, names, message text, SQL parameters.
    log_unsafe_debug: bool = False
    # Who runs this bot, named in /about (an NGO, a union...); unset: /about names nobody.
    operator_name: str | None = None
    # Talk to a person (bot/helpdesk.py): off unless HELPDESK_CHAT_ID is set.
    helpdesk_chat_id: int | None = None
    helpdesk_name: str | None = None
    helpdesk_hours: str | None = None
    helpdesk_languages: tuple[str, ...] = ()
    semantic_matching: bool = True
    embedding_cache: Path = DEFAULT_EMBEDDING_CACHE

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read and check every variable; an empty value counts as unset.

        Raises:
            ConfigError: for the first bad value, naming its variable.
        """
        env = {key: value.strip() for key, value in environ.items() if value.strip()}
        token = env.get("BOT_TOKEN")
        if token is not None and not TOKEN_PATTERN.fullmatch(token):
            raise ConfigError(
                "BOT_TOKEN does not look like a bot token (expected digits, a colon and about "
                "35 letters, digits, '-' or '_'); copy it again from @BotFather"
            )
        desk = _helpdesk(env)
        return cls(
            bot_token=token,
            admin_ids=_admin_ids(env.get("ADMIN_IDS", "")),
            content_dir=Path(env.get("CONTENT_DIR", DEFAULT_CONTENT_DIR)),
            seeds_dir=Path(env.get("SEEDS_DIR", DEFAULT_SEEDS_DIR)),
            database_path=Path(env.get("DATABASE_PATH", DEFAULT_DATABASE_PATH)),
            stats_secret=env.get("STATS_SECRET"),
            unmatched_retention_days=_positive_int(
                env, "UNMATCHED_RETENTION_DAYS", DEFAULT_UNMATCHED_RETENTION_DAYS
            ),
            event_retention_days=_positive_int(
                env, "EVENT_RETENTION_DAYS", DEFAULT_EVENT_RETENTION_DAYS
            ),
            bot_api_base_url=_url(env, "BOT_API_BASE_URL", DEFAULT_BOT_API_BASE_URL),
            bot_api_base_file_url=_url(env, "BOT_API_BASE_FILE_URL", DEFAULT_BOT_API_BASE_FILE_URL),
            webhook_url=_webhook_url(env.get("WEBHOOK_URL")),
            port=_port(env.get("PORT")),
            log_level=_log_level(env.get("LOG_LEVEL", DEFAULT_LOG_LEVEL)),
            log_unsafe_debug=_switch(env, "LOG_UNSAFE_DEBUG"),
            operator_name=_operator_name(env.get("OPERATOR_NAME")),
            helpdesk_chat_id=desk.chat_id if desk else None,
            helpdesk_name=desk.name if desk else None,
            helpdesk_hours=desk.hours if desk else None,
            helpdesk_languages=desk.languages if desk else (),
            semantic_matching=_on_off(env, "SEMANTIC_MATCHING", default=True),
            embedding_cache=Path(env.get("EMBEDDING_CACHE", DEFAULT_EMBEDDING_CACHE)),
        )

    def require_token(self) -> str:
        """The bot token, or a ConfigError saying how to get one (needed by `run` only)."""
        if self.bot_token is None:
            raise ConfigError(
                "BOT_TOKEN is not set: create a bot with @BotFather and put its token in BOT_TOKEN "
                "(or try the bot offline with `python -m bot console`)"
            )
        return self.bot_token

    @property
    def helpdesk(self) -> HelpdeskConfig | None:
        """The help desk's configuration, or None when HELPDESK_CHAT_ID is not set (off)."""
        if self.helpdesk_chat_id is None or self.helpdesk_name is None:
            return None
        return HelpdeskConfig(
            self.helpdesk_chat_id, self.helpdesk_name, self.helpdesk_hours, self.helpdesk_languages
        )

    @property
    def webhook_path(self) -> str:
        """The path the webhook server listens on: the path of WEBHOOK_URL, without '/'."""
        return urlsplit(self.webhook_url or "").path.strip("/")

    @property
    def webhook_secret(self) -> str:
        """A secret Telegram sends with every webhook call, derived from the token (stable)."""
        digest = hashlib.sha256(b"webhook:" + self.require_token().encode()).hexdigest()
        return digest[:48]


def _admin_ids(raw: str) -> frozenset[int]:
    """Comma-separated numeric Telegram user ids; usernames are refused (they can change)."""
    ids: set[int] = set()
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        if not entry.isascii() or not entry.isdigit():
            raise ConfigError(
                f"ADMIN_IDS: {entry!r} is not a numeric Telegram user id "
                "(use numbers such as 123456789, separated by commas; usernames are not accepted)"
            )
        ids.add(int(entry))
    return frozenset(ids)


def _helpdesk(env: Mapping[str, str]) -> HelpdeskConfig | None:
    """HELPDESK_*: a group's numeric chat id, the name people see, optional hours and languages."""
    raw_id = env.get("HELPDESK_CHAT_ID")
    if raw_id is None:
        return None
    if not re.fullmatch(r"-?[0-9]{1,20}", raw_id):
        raise ConfigError(
            f"HELPDESK_CHAT_ID: {raw_id!r} is not a numeric Telegram chat id (a group's id is "
            "negative, e.g. -1001234567890; see the README's help desk set-up)"
        )
    name = env.get("HELPDESK_NAME")
    if name is None:
        raise ConfigError(
            "HELPDESK_NAME is not set: people see this name when they talk to the help desk "
            "(e.g. 'Migrant Help Desk, Bangkok')"
        )
    languages = [code.strip().lower() for code in env.get("HELPDESK_LANGUAGES", "").split(",")]
    unknown = [code for code in languages if code and code not in SUPPORTED_LANGUAGES]
    if unknown:
        raise ConfigError(
            f"HELPDESK_LANGUAGES: {unknown[0]!r} is not one of {', '.join(SUPPORTED_LANGUAGES)}"
        )
    return HelpdeskConfig(
        int(raw_id),
        name,
        env.get("HELPDESK_HOURS"),
        tuple(dict.fromkeys(code for code in languages if code)),
    )


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name}: {raw!r} is not a whole number of days of at least 1")
    return int(raw)


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    url = env.get(name, default)
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise ConfigError(f"{name}: {url!r} is not an http:// or https:// address")
    return url


def _webhook_url(raw: str | None) -> str | None:
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme != "https" or not parts.netloc:
        raise ConfigError(
            f"WEBHOOK_URL: {raw!r} is not an https:// address (Telegram only calls https webhooks)"
        )
    return raw


def _port(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PORT
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(f"PORT: {raw!r} is not a port number (1-65535)")
    return int(raw)


# /about shows it in one line; a name, not a paragraph.
MAX_OPERATOR_NAME_CHARS = 100


def _operator_name(raw: str | None) -> str | None:
    if raw is None:
        return None
    if len(raw) > MAX_OPERATOR_NAME_CHARS or "\n" in raw:
        raise ConfigError(
            f"OPERATOR_NAME: keep it to one line of at most {MAX_OPERATOR_NAME_CHARS} characters "
            "(the name of the organisation that runs this bot)"
        )
    return raw


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL: {raw!r} is not one of {', '.join(LOG_LEVELS)}")
    return level


def _switch(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "0")
    if raw not in ("0", "1"):
        raise ConfigError(f"{name}: {raw!r} is not 0 or 1")
    return raw == "1"


def _on_off(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    if raw.lower() in ("on", "yes", "true", "1"):
        return True
    if raw.lower() in ("off", "no", "false", "0"):
        return False
    raise ConfigError(f"{name}: {raw!r} is not on or off")
