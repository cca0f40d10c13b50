"""Scrub personal data out of free text before the statistics keep it.

The bot keeps the questions it could not answer, so that editors can write the missing
sections. People type phone numbers, e-mail addresses, messenger ids and passport numbers into
chats; this module replaces them with placeholders. It is deliberately greedy (a date such as
2017-11-06 may come out as `<phone>`): a lost date costs nothing, a kept phone number costs
someone's safety. Names cannot be found reliably by pattern, which is one reason why `/forget`
also deletes a user's unanswered questions.

Text is normalised before any pattern looks at it, because phone keyboards and copy-paste
produce many spellings of the same thing: NFKC (full-width `＠` and digits become `@` and
0-9), invisible format characters (zero-width spaces, joiners, soft hyphens) and lone
surrogates (half a character, which UTF-8 cannot hold) removed, every
script's digits (Thai ๐๘๑, Bengali ০৮১, Devanagari ०८१) read as 0-9, every dash (em, en,
minus, ...) read as `-`, and `ana(at)gmail(dot)com` or `ana [at] gmail.com` read as an
address. What is kept is the normalised text, so nothing the patterns missed hides behind an
invisible character.

    >>> scrub("Call me on +62 812-3456-7890 or mail ana@example.org")
    'Call me on <phone> or mail <email>'
    >>> scrub("line id somchai_line99, 081—234—5678")
    'line id <handle>, <phone>'
"""

from __future__ import annotations

import re
import unicodedata

DEFAULT_MAX_LENGTH = 200
ELLIPSIS = "…"

# --- normalisation ----------------------------------------------------------------------------

# Dashes that are not Unicode "Pd" but are typed between digits all the same: minus signs,
# the Katakana-Hiragana prolonged sound mark and the tilde and middle dots phone keyboards offer.
_EXTRA_DASHES = "\u2212\u2796\u02d7\u30fc\uff70~\u301c\uff5e\u00b7\u2022\u2027\u30fb"
_DASH_RUN = re.compile(r"-{2,}")
# "(at)", "[at]", "{at}", "<at>", "(@)" and the same for "dot"; Russians say "собака" for @.
_AT = re.compile(r"\s*[(\[{<]\s*(?:at|@|собака)\s*[)\]}>]\s*", re.IGNORECASE)
_DOT = re.compile(r"\s*[(\[{<]\s*(?:dot|точка)\s*[)\]}>]\s*", re.IGNORECASE)
# "ana at gmail dot com": only with both words, so "look at this" stays as it is.
_AT_DOT_WORDS = re.compile(
    r"\b([\w.+-]+)\s+(?:at|собака)\s+([\w-]+)\s+(?:dot|точка)\s+([a-z]{2,6})\b", re.IGNORECASE
)
_SPACE = re.compile(r"\s+")


# Combining marks stuck on a digit or dash only hide it ("0\u0301812...").
_MARK_ON_DIGIT = re.compile(r"(?<=[0-9-])[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff]+")


class _PlainChars(dict[int, int | None]):
    """A `str.translate` table, filled as characters turn up (Unicode is too big to list):
    invisible format characters deleted, every script's digits as 0-9, every dash as '-'."""

    def __missing__(self, codepoint: int) -> int | None:
        char = chr(codepoint)
        category = unicodedata.category(char)
        plain: int | None = codepoint
        if category in ("Cf", "Cs"):
            # Zero-width space/joiners, soft hyphen, direction marks, BOM; and lone surrogates
            # (half a character, which no database can store as UTF-8).
            plain = None
        elif category == "Nd":
            plain = ord("0") + unicodedata.digit(char)
        elif category == "Pd" or char in _EXTRA_DASHES:
            plain = ord("-")
        self[codepoint] = plain
        return plain


_PLAIN_CHARS = _PlainChars()


def normalise(text: str) -> str:
    """The text as the patterns read it: NFKC, no invisible characters, ASCII digits, plain
    dashes, one space for any run of white space, and `(at)`/`(dot)` spelled `@`/`.`."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = _MARK_ON_DIGIT.sub("", text.translate(_PLAIN_CHARS))
    text = _DASH_RUN.sub("-", text)
    text = _AT.sub("@", text)
    text = _DOT.sub(".", text)
    text = _AT_DOT_WORDS.sub(r"\1@\2.\3", text)
    return _SPACE.sub(" ", text).strip()


# --- patterns ---------------------------------------------------------------------------------

# Order matters: e-mail addresses before URLs (an address contains a domain), URLs before
# handles, phone numbers before messenger ids ("wa 0812 345 678" is one <phone>, not a
# <handle> and two numbers), passport-like codes before digit runs (their digits would
# otherwise be a <number>).
_EMAIL = re.compile(r"[\w.+-]+ ?@ ?[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(
    r"(?:\b(?:https?|ftp|tg)://|\bwww\.)[^\s<>\"']+"
    # Bare domains: only well-known endings, so "e.g." or "U.N." are left alone.
    r"|\b(?:[a-z0-9-]+\.)+(?:com|org|net|info|biz|io|me|ru|id|ph|np|bd|in|th|vn|my|sg|kr|jp|hk"
    r"|uk|au|gov|edu|int|app|ly)\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
# "@ana", and "@ ana" (a space after @ does not stop Telegram users finding the name).
_HANDLE = re.compile(r"(?<![\w.@])@ ?\w[\w.]{0,30}\w")

# Messenger ids: a service or "id" word, an optional separator, then the id itself.
# Latin-script words need word edges ("line" is not in "online"); Thai has no spaces, so its
# words stand alone; Cyrillic, Bengali and Devanagari words are whole words anyway.
_LATIN_SERVICES = (
    "line", "ig", "insta", "instagram", "whatsapp", "whats app", "wa", "skype", "telegram",
    "tg", "viber", "wechat", "zalo", "kakao", "kakaotalk", "imo", "facebook", "fb", "messenger",
    "signal", "tiktok", "snapchat", "snap", "face",
)  # fmt: skip
_OTHER_SERVICES = (
    # ru
    "лайн", "инстаграм", "инстаграмм", "инста", "инсте", "ватсап", "вотсап", "вацап", "воцап",
    "скайп", "телеграм", "телеграмм", "телега", "тг", "вайбер", "вк", "вконтакте",
    # th
    "ไลน์", "ไลน", "ไอจี", "เฟซบุ๊ก", "เฟสบุ๊ค", "เฟส", "วอทส์แอพ", "วอทแอพ", "สไกป์",
    # bn
    "ইমো", "ইমু", "হোয়াটসঅ্যাপ", "হোয়াটসঅ্যাপ", "ফেসবুক", "ভাইবার", "লাইন",
    # ne
    "इमो", "भाइबर", "ह्वाट्सएप", "व्हाट्सएप", "फेसबुक", "लाइन",
)  # fmt: skip
_ID_WORDS = (
    "id", "i.d.", "username", "user name", "user", "nick", "nickname", "handle", "account",
    "akun", "tài khoản", "tên", "ник", "логин", "айди", "аккаунт", "акк",
    "ไอดี", "ชื่อไลน์", "আইডি", "आईडी", "आइडी",
)  # fmt: skip


def _alternatives(words: tuple[str, ...]) -> str:
    # Longest first, so "instagram" is tried before "insta", "username" before "user".
    return "|".join(re.escape(word).replace(r"\ ", " ?") for word in sorted(words, key=len)[::-1])


_LATIN_EDGE_BEFORE = r"(?<![a-z0-9])"
_LATIN_EDGE_AFTER = r"(?![a-z])"
_MESSENGER_PATTERN = (
    "(?:"
    rf"(?:{_LATIN_EDGE_BEFORE}(?P<latin>{_alternatives(_LATIN_SERVICES)}){_LATIN_EDGE_AFTER}"
    rf"|(?P<other>{_alternatives(_OTHER_SERVICES)}))"
    rf"(?: ?(?P<idword>{_alternatives(_ID_WORDS)}))?"
    rf"|{_LATIN_EDGE_BEFORE}(?P<idonly>{_alternatives(_ID_WORDS)}))"
    r"(?: ?(?P<sep>[:=]|-(?= )) ?| ?(?:is|adalah|ko|là|это|คือ)? ?)"
    # The id: Latin letters, digits and the marks ids are made of ("live:ana.smith").
    r"(?P<id>[a-z0-9][a-z0-9_.:\-]*[a-z0-9])"
)
# Matched against the lower-cased text: IGNORECASE makes this many words five times slower.
_MESSENGER = re.compile(_MESSENGER_PATTERN)
# For the rare text whose lower case has another length ("İ"), where positions would not match.
_MESSENGER_ANY_CASE = re.compile(_MESSENGER_PATTERN, re.IGNORECASE)
_ID_MARKS = re.compile(r"[0-9_.:]")


def _is_messenger_id(match: re.Match[str]) -> bool:
    """Whether the word after a messenger word is clearly meant as an id.

    Clearly: a separator ("IG: ana"), an id word ("line id somchai"), a service named in another
    script than the id ("ไลน์ somchai"), or an id that looks like one (digits, "_", "." or ":",
    as in "whatsapp ana.smith"). "line for hours" or "my id card" stay as they are.
    """
    if match.group("id").isdigit():
        return False  # "line 45 minutes"; a number is the phone and digit patterns' to judge
    if match.group("idonly"):
        explicit = match.group("sep")  # "ID: ana" or "id ana_99", but not "id card"
    else:
        explicit = match.group("sep") or match.group("idword") or match.group("other")
    return bool(explicit) or _ID_MARKS.search(match.group("id")) is not None


def _messenger_ids(text: str) -> str:
    """`text` with every messenger id after a service or "id" word replaced by <handle>."""
    lowered = text.lower()
    if len(lowered) != len(text):
        return _MESSENGER_ANY_CASE.sub(
            lambda m: (
                m.group(0)[: m.start("id") - m.start()] + "<handle>"
                if _is_messenger_id(m)
                else m.group(0)
            ),
            text,
        )
    parts: list[str] = []
    done = 0
    for match in _MESSENGER.finditer(lowered):
        if _is_messenger_id(match):
            parts.append(text[done : match.start("id")] + "<handle>")
            done = match.end()
    parts.append(text[done:])
    return "".join(parts)


_ID_CODE = re.compile(r"(?<![^\W\d_])[A-Za-z]{1,2}\d{6,9}(?!\d)")
# A candidate phone number: an optional "+" or "(", then digits separated by at most four
# spaces, dots, dashes, slashes, commas, underscores or parentheses. `_is_phone` decides by
# counting the digits.
_PHONE = re.compile(r"(?<![\w+<])(?:\+|\(\+?)?\d(?:[ ().\-/,_*]{0,4}\d)+\)?")
_DIGITS = re.compile(r"(?<!\d)\d{5,}(?!\d)")
_YEAR = re.compile(r"(?:19|20)\d\d")
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
    # "2017-2018" or "2017, 2018" are years, not a phone number.
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
    """Replace phone numbers, e-mails, URLs, @handles, messenger ids, long numbers and ID codes;
    cap the length.

    Placeholders: `<phone>`, `<email>`, `<url>`, `<handle>`, `<number>`, `<id>`. The result is
    the normalised text (see `normalise`): white space, new lines included, collapses to single
    spaces.
    """
    text = normalise(text[: max_len * _INPUT_FACTOR + 64])
    text = _EMAIL.sub("<email>", text)
    text = _URL.sub("<url>", text)
    text = _HANDLE.sub("<handle>", text)
    text = _PHONE.sub(_phone, text)
    text = _messenger_ids(text)
    text = _ID_CODE.sub("<id>", text)
    text = _DIGITS.sub("<number>", text)
    return _cap(text, max_len)
