"""Scrub personal data out of free text before the statistics keep it.

The bot keeps the questions it could not answer, so that editors can write the missing
sections. People type phone numbers, e-mail addresses and passport numbers into chats; this
module replaces them with placeholders. It is deliberately greedy (a date such as 2017-11-06
may come out as `<phone>`): a lost date costs nothing, a kept phone number costs someone's
safety. Names cannot be found reliably by pattern, which is one reason why `/forget` also
deletes a user's unanswered questions.

    >>> scrub("Call me on +62 812-3456-7890 or mail ana@example.org")
    'Call me on <phone> or mail <email>'
"""

from __future__ import annotations

import re

DEFAULT_MAX_LENGTH = 200
ELLIPSIS = "…"

# Order matters: e-mail addresses before URLs (an address contains a domain), URLs before
# handles, passport-like codes before digit runs (their digits would otherwise be a <number>).
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"']+"
    # Bare domains: only well-known endings, so "e.g." or "U.N." are left alone.
    r"|\b(?:[a-z0-9-]+\.)+(?:com|org|net|info|biz|io|me|ru|id|ph|np|bd|in|th|my|sg|kr|jp|hk"
    r"|uk|au|gov|edu|int|app|ly)\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w.@])@\w{2,32}")
_ID_CODE = re.compile(r"(?<![^\W\d_])[A-Za-z]{1,2}\d{6,9}(?!\d)")
# A candidate phone number: an optional "+" or "(", then digits separated by at most three
# spaces, dots, dashes, slashes or parentheses. `_is_phone` decides by counting the digits.
_PHONE = re.compile(r"(?<![\w+<])(?:\+|\(\+?)?\d(?:[ ().\-/]{0,3}\d)+\)?")
_DIGITS = re.compile(r"(?<!\d)\d{5,}(?!\d)")
_YEAR = re.compile(r"(?:19|20)\d\d")
_SPACE = re.compile(r"\s+")
# Telegram messages are at most 4096 characters; this bounds the regex work on pasted text.
_INPUT_FACTOR = 4


def _is_phone(candidate: str) -> bool:
    """Whether a digit group looks like a phone number rather than a year or a small count."""
    digits = sum(char.isdigit() for char in candidate)
    if digits < 7:
        return False
    if candidate.startswith(("+", "(", "0")):
        return True
    if candidate.isdigit():
        return False  # one plain run of digits: a <number>
    # "2017-2018" or "2017 2018" are years, not a phone number.
    groups = re.findall(r"\d+", candidate)
    return not all(_YEAR.fullmatch(group) for group in groups)


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    return "<phone>" if _is_phone(text) else text


def _cap(text: str, max_len: int) -> str:
    """Cut to `max_len` characters with an ellipsis, never leaving half a placeholder."""
    if len(text) <= max_len:
        return text
    cut = text[: max(max_len - len(ELLIPSIS), 0)]
    opening = cut.rfind("<")
    if opening != -1 and ">" not in cut[opening:]:
        cut = cut[:opening]
    return cut.rstrip() + ELLIPSIS


def scrub(text: str, max_len: int = DEFAULT_MAX_LENGTH) -> str:
    """Replace phone numbers, e-mails, URLs, @handles, long numbers and ID codes; cap the length.

    Placeholders: `<phone>`, `<email>`, `<url>`, `<handle>`, `<number>`, `<id>`. Whitespace
    (new lines included) collapses to single spaces.
    """
    text = _SPACE.sub(" ", text[: max_len * _INPUT_FACTOR + 64]).strip()
    text = _EMAIL.sub("<email>", text)
    text = _URL.sub("<url>", text)
    text = _HANDLE.sub("<handle>", text)
    text = _ID_CODE.sub("<id>", text)
    text = _PHONE.sub(_phone, text)
    text = _DIGITS.sub("<number>", text)
    return _cap(text, max_len)


_DATE = re.compile(r"\(?(?:19|20)\d\d[-./](?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\d|3[01])\)?")


def contacts_in(text: str) -> list[str]:
    """The phone numbers, e-mail addresses, links and @handles in `text`, as written.

    Content checks use it: a contact may appear only in a checked referral. Dates such as
    2017-11-08 and plain years are not phone numbers here (content is full of them).
    """
    found = [match.group(0) for match in _EMAIL.finditer(text)]
    rest = _EMAIL.sub(" ", text)
    found += [match.group(0) for match in _URL.finditer(rest)]
    rest = _URL.sub(" ", rest)
    found += [match.group(0) for match in _HANDLE.finditer(rest)]
    for match in _PHONE.finditer(_HANDLE.sub(" ", rest)):
        candidate = match.group(0).strip()
        if _is_phone(candidate) and not _DATE.fullmatch(candidate):
            found.append(candidate)
    return found
