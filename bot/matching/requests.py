"""Requests the document can never answer: a contact, today's price, a service for one's papers.

The Chair's Summary is what was said at a meeting in 2017. It holds no phone number, address
or link, no price of today, and renews nobody's passport; a message that asks for one of these
("give me the agency's number", "cheapest app to send money today", "সৌদি ভিসার খরচ এখন কত",
"how do I renew my passport") is a practical question, however near its words come to a
topic's. `bot.matching.decide` answers such a message "I can't answer that", with the related
topics as buttons (and, on top, the ways to real help).

The words are data: `bot/lang/<code>/requests.yaml` (`contact`; `now` with `price`, and
`service` with `papers`, each pair counting only together). Entries are folded like messages;
"word*" matches any word starting with "word"; several words are a phrase. Thai entries are
found anywhere (Thai has no spaces).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.content.models import SUPPORTED_LANGUAGES
from bot.lang.text import fold, is_thai
from bot.yamlfile import read_yaml

LANG_DIR = Path(__file__).resolve().parent.parent / "lang"
REQUESTS_FILE = "requests.yaml"
KINDS = ("contact", "now", "price", "service", "papers")


def _pattern(entries: list[str]) -> re.Pattern[str] | None:
    """One regular expression for folded entries, each matched on word boundaries (but Thai)."""
    parts: list[str] = []
    for entry in sorted(set(entries), key=len, reverse=True):
        word = fold(entry.rstrip("*"))
        if not word:
            continue
        body = re.escape(word) + (r"\w*" if entry.endswith("*") else "")
        parts.append(body if is_thai(word.replace(" ", "")) else rf"(?<!\w){body}(?!\w)")
    return re.compile("|".join(parts)) if parts else None


@dataclass(frozen=True)
class Requests:
    """The words of every language, one pattern per kind."""

    contact: re.Pattern[str] | None
    now: re.Pattern[str] | None
    price: re.Pattern[str] | None
    service: re.Pattern[str] | None
    papers: re.Pattern[str] | None

    @classmethod
    def load(cls, lang_dir: Path = LANG_DIR) -> Requests:
        """Every supported language's requests.yaml (a language without one adds nothing)."""
        words: dict[str, list[str]] = {kind: [] for kind in KINDS}
        for lang in SUPPORTED_LANGUAGES:
            path = lang_dir / lang / REQUESTS_FILE
            if not path.is_file():
                continue
            loaded = read_yaml(path) or {}
            unknown = set(loaded) - set(KINDS)
            if unknown:
                raise ValueError(f"{path}: unknown field(s) {sorted(unknown)}")
            for kind in KINDS:
                entries = loaded.get(kind) or []
                if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
                    raise ValueError(f"{path}: {kind}: must be a list of words or phrases")
                words[kind].extend(entries)
        return cls(*(_pattern(words[kind]) for kind in KINDS))

    def asks_for_what_no_document_has(self, text: str) -> bool:
        """Whether `text` asks for a contact, a price or rate of today, or a service for
        one's own papers (renewing a passport)."""
        folded = fold(text)
        if self.contact is not None and self.contact.search(folded):
            return True
        return _both(self.now, self.price, folded) or _both(self.service, self.papers, folded)


def _both(first: re.Pattern[str] | None, second: re.Pattern[str] | None, text: str) -> bool:
    return bool(first and second and first.search(text) and second.search(text))


@cache
def load_requests(lang_dir: Path = LANG_DIR) -> Requests:
    """`Requests.load`, read once per process (each content rebuild makes a new matcher)."""
    return Requests.load(lang_dir)
