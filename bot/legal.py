"""Spot questions about the asker's own legal situation ("can my boss keep my passport?").

The document records what representatives said in 2017; it cannot say what the law allows
where the asker lives. Such questions still get their topic, plus one line saying the meeting
did not decide this, that it depends on local law, and who can advise. The patterns are data,
one file per language (`bot/lang/<code>/legal.yaml`): generic question shapes ("can <someone>
<do something to> me", "is it legal", "what do I do"), not copies of test sentences.
A missed question costs nothing but that line; a false one adds a true, harmless sentence.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from bot.content.models import SUPPORTED_LANGUAGES
from bot.yamlfile import read_yaml

LANG_DIR = Path(__file__).parent / "lang"
LEGAL_FILE = "legal.yaml"


class LegalPatternError(ValueError):
    """A legal.yaml file is not a list of valid regular expressions."""


@cache
def patterns(lang: str) -> tuple[re.Pattern[str], ...]:
    """The compiled question patterns of one language (none if it has no legal.yaml)."""
    path = LANG_DIR / lang / LEGAL_FILE
    if not path.is_file():
        return ()
    data = read_yaml(path) or {}
    raw = data.get("patterns", []) if isinstance(data, dict) else None
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise LegalPatternError(f"{path}: 'patterns' must be a list of regular expressions")
    compiled = []
    for item in raw:
        try:
            compiled.append(re.compile(item, re.IGNORECASE))
        except re.error as error:
            raise LegalPatternError(f"{path}: {item!r}: {error}") from None
    return tuple(compiled)


def is_personal_legal_question(text: str) -> bool:
    """Whether `text` asks about the writer's own legal situation, in any bot language.

    Every language's patterns are tried: a user with Russian set may well type in English,
    and the patterns of one language do not fire on another's words.
    """
    folded = " ".join(text.split())
    return any(pattern.search(folded) for lang in SUPPORTED_LANGUAGES for pattern in patterns(lang))
