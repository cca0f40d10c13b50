"""Interface strings in every supported language, from the catalogue in bot/locales/."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from bot.content.models import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

LOCALES_DIR = Path(__file__).parent / "locales"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All interface strings of one language (empty if the language has no file)."""
    path = LOCALES_DIR / f"{lang}.yaml"
    if not path.is_file():
        return {}
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(key): str(value) for key, value in loaded.items()}


def t(key: str, lang: str, /, **fields: object) -> str:
    """The interface string `key` in `lang` (English if missing there), with fields filled in."""
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE)[key]
    return text.format(**fields) if fields else text


def supported(lang: str | None) -> str:
    """A supported language code for a Telegram `language_code` like 'ru' or 'en-GB'."""
    if not lang:
        return DEFAULT_LANGUAGE
    base = lang.split("-")[0].lower()
    if base == "fil":  # Telegram reports Filipino as 'fil'; our content calls it Tagalog, 'tl'
        base = "tl"
    return base if base in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
