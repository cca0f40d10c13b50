"""The interface-string catalogue: every language has every English key, with the same fields."""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import i18n
from bot.content.models import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.i18n import LOCALES_DIR, catalogue, catalogue_files, supported, t

TRANSLATED = [lang for lang in SUPPORTED_LANGUAGES if lang != DEFAULT_LANGUAGE]
LANGUAGE_NAMES = {
    "en": "English",
    "ru": "Русский",
    "id": "Bahasa Indonesia",
    "tl": "Tagalog",
    "bn": "বাংলা",
    "ne": "नेपाली",
    "th": "ไทย",
    "vi": "Tiếng Việt",
}
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses a key appearing twice (plain PyYAML keeps the last one)."""


def _no_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    keys = [loader.construct_object(key) for key, _ in node.value]
    twice = [key for key, count in Counter(keys).items() if count > 1]
    if twice:
        raise yaml.constructor.ConstructorError(None, None, f"key {twice[0]!r} appears twice")
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def raw(lang: str) -> dict[str, Any]:
    """One language's files exactly as written (no str() coercion, duplicates refused)."""
    merged: dict[str, Any] = {}
    for path in catalogue_files(lang):
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader) or {}
        assert isinstance(loaded, dict), path
        assert not set(loaded) & set(merged), (path, sorted(set(loaded) & set(merged)))
        merged.update(loaded)
    return merged


def fields(text: str) -> set[str]:
    """The {placeholder} names in a format string."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def tags(text: str) -> list[tuple[bool, str]]:
    """The HTML tags of a string, in order, as (is_closing, name)."""
    return [(slash == "/", name.lower()) for slash, name in TAG.findall(text)]


ENGLISH = raw(DEFAULT_LANGUAGE)


def test_every_supported_language_has_a_file() -> None:
    files = sorted(path.stem for path in LOCALES_DIR.glob("*.yaml"))
    assert files == sorted(SUPPORTED_LANGUAGES)
    for feature in (path for path in LOCALES_DIR.iterdir() if path.is_dir()):
        assert sorted(path.stem for path in feature.glob("*.yaml")) == sorted(SUPPORTED_LANGUAGES)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_file_is_a_flat_mapping_of_text(lang: str) -> None:
    for key, value in raw(lang).items():
        assert isinstance(key, str), (lang, key)
        assert isinstance(value, str), (lang, key)
        assert value.strip(), (lang, key)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_english_key_is_translated(lang: str) -> None:
    translated = raw(lang)
    missing = [key for key in ENGLISH if not str(translated.get(key) or "").strip()]
    assert missing == [], f"{lang}.yaml lacks {missing}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_keys_that_english_lacks(lang: str) -> None:
    extra = sorted(set(raw(lang)) - set(ENGLISH))
    assert extra == [], f"{lang}.yaml has keys en.yaml lacks: {extra}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_match_english(lang: str) -> None:
    translated = raw(lang)
    for key, english in ENGLISH.items():
        if key in translated:
            assert fields(translated[key]) == fields(english), (lang, key)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_string_formats_with_the_english_fields(lang: str) -> None:
    for key, english in ENGLISH.items():
        values = {name: "X" for name in fields(english)}
        if values:
            assert "X" in t(key, lang, **values), (lang, key)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_html_tags_are_balanced_and_the_same_as_english(lang: str) -> None:
    for key, text in raw(lang).items():
        open_tags: list[str] = []
        for closing, name in tags(text):
            if closing:
                assert open_tags, (lang, key, name)
                assert open_tags[-1] == name, (lang, key, name)
                open_tags.pop()
            else:
                open_tags.append(name)
        assert open_tags == [], (lang, key)
        if key in ENGLISH:
            assert Counter(tags(text)) == Counter(tags(ENGLISH[key])), (lang, key)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_language_name_is_in_its_own_language(lang: str) -> None:
    assert catalogue(lang)["language_name"] == LANGUAGE_NAMES[lang]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_are_not_just_english(lang: str) -> None:
    translated = raw(lang)
    same = [
        key for key in ENGLISH if key != "language_name" and translated.get(key) == ENGLISH[key]
    ]
    assert same == [], (lang, same)


@pytest.fixture
def locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A throw-away locales folder, with the catalogue cache emptied before and after."""
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    i18n.catalogue.cache_clear()
    yield tmp_path
    i18n.catalogue.cache_clear()


def test_t_falls_back_to_english_for_a_missing_key(locales: Path) -> None:
    (locales / "en.yaml").write_text("hello: Hello {name}\nbye: Bye\nempty: Fine\n")
    (locales / "ru.yaml").write_text('hello: Привет, {name}\nempty: ""\n', encoding="utf-8")
    assert t("hello", "ru", name="Ана") == "Привет, Ана"
    assert t("bye", "ru") == "Bye"
    assert t("empty", "ru") == "Fine"


def test_t_falls_back_to_english_for_a_missing_language(locales: Path) -> None:
    (locales / "en.yaml").write_text("hello: Hello {name}\n")
    assert t("hello", "bn", name="Rina") == "Hello Rina"
    assert t("hello", "xx", name="Rina") == "Hello Rina"


def test_real_catalogue_falls_back_for_an_unknown_language() -> None:
    assert t("welcome", "xx") == catalogue(DEFAULT_LANGUAGE)["welcome"]
    assert t("error", "de") == ENGLISH["error"]


@pytest.mark.parametrize(
    ("telegram_code", "ours"),
    [
        ("fil", "tl"),
        ("tl", "tl"),
        ("ru-RU", "ru"),
        ("ru", "ru"),
        ("id", "id"),
        ("bn", "bn"),
        ("ne", "ne"),
        ("th", "th"),
        ("vi", "vi"),
        ("en-GB", "en"),
        ("de", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_supported_maps_telegram_codes(telegram_code: str | None, ours: str) -> None:
    assert supported(telegram_code) == ours


def test_feature_folders_add_strings_and_refuse_a_key_defined_twice(locales: Path) -> None:
    (locales / "en.yaml").write_text("hello: Hello\n")
    (locales / "desk").mkdir()
    (locales / "desk" / "en.yaml").write_text("desk_open: The desk is open\n")
    assert catalogue("en") == {"hello": "Hello", "desk_open": "The desk is open"}
    (locales / "desk" / "en.yaml").write_text("hello: Hello again\n")
    catalogue.cache_clear()
    with pytest.raises(ValueError, match="defined twice"):
        catalogue("en")
