"""Interface strings in every supported language, from the catalogue in bot/locales/."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.content.models import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.yamlfile import read_yaml

LOCALES_DIR = Path(__file__).parent / "locales"


def catalogue_files(lang: str) -> list[Path]:
    """The files holding one language's strings: `<lang>.yaml`, then `<feature>/<lang>.yaml`.

    Features (the help desk, urgent help, admin tools...) keep their strings in a folder of
    their own, so each is one place to translate and one place to change.
    """
    main = LOCALES_DIR / f"{lang}.yaml"
    features = sorted(LOCALES_DIR.glob(f"*/{lang}.yaml"))
    return ([main] if main.is_file() else []) + features


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All interface strings of one language (empty if the language has no file)."""
    strings: dict[str, str] = {}
    for path in catalogue_files(lang):
        loaded = read_yaml(path) or {}
        for key, value in loaded.items():
            if str(key) in strings:
                raise ValueError(f"{path}: key {key!r} is defined twice in the {lang} catalogue")
            strings[str(key)] = str(value)
    return strings


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
