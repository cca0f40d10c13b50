"""Checks that text is HTML Telegram accepts: known tags, balanced, entities escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

TELEGRAM_TAGS = frozenset({"b", "i", "u", "s", "code", "pre", "a", "blockquote"})
_BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;|quot;|#)")


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        assert tag in TELEGRAM_TAGS, f"Telegram does not accept <{tag}>"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, f"</{tag}> closes nothing"
        assert self.stack.pop() == tag, f"</{tag}> closes the wrong tag"


def assert_valid_telegram_html(text: str) -> None:
    """Fail unless `text` is HTML that Telegram's HTML parse mode accepts."""
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    assert checker.stack == [], f"unclosed tags: {checker.stack}"
    assert not _BARE_AMPERSAND.search(text), "a bare '&' must be written &amp;"
    assert "<" not in re.sub(
        r"</?(b|i|u|s|code|pre|blockquote)>|<a href=\"[^\"]*\">|</a>", "", text
    )
