"""Spot messages that sound like someone is in danger or being abused, in every bot language.

`is_distress(text)` is deliberately simple and explainable: it looks for *signals* (a passport
taken, wages not paid or cut, being locked in, forced to work, threats or violence, being sold,
"help me", a child taken to work or married off, being turned away from a shelter, a debt that
can never be paid back or keeps growing with interest, a relative nobody can reach, bombs or a
flood where the writer is, wanting to die, no food or water, being made to work while sick,
being afraid to see a doctor because of papers or the police, being stranded with no money and
no papers, a broker threatening with the police, someone coming into the writer's room...)
made of small word *concepts*, in English, Russian, Indonesian, Tagalog, Bengali, Nepali,
Thai and Vietnamese, plus Bengali, Nepali and Russian typed in Latin letters. Words are
matched by prefix (so inflections match) and, for longer words, fuzzily (so typos match).

Vietnamese words are syllables, short and ambiguous once their accents are folded away ("ho",
"con", "em"), so most Vietnamese entries are phrases of two or more words ("hộ_chiếu" is
"hộ chiếu"), matched exactly, also in common chat spellings ("ko" for "không", "dc" for
"được"). Thai is written without spaces, so a run of Thai letters is first cut into the words
of this module's Thai vocabulary, longest word first; letters no word covers count as about
one word per four letters, so distances between words still roughly hold.

Asking *about* a topic is not distress, being *in* it is. So most signals also need a
first-person word ("my", "we", "меня", "saya", "ako", "আমার", "मेरो", "ฉัน", "tôi") outside
phrases such as "tell me", and are ignored when a modal comes just before them ("can my boss
keep my passport?", "could I be deported?", "что делать если работодатель забирает
паспорт?"), or, in Thai, Vietnamese, Bengali and Nepali, a question word or conditional right
after them in the same clause ("นายจ้างยึดพาสปอร์ตได้ไหม", "giữ hộ chiếu được không?",
"মালিক পাসপোর্ট রেখে দিলে কি করতে হয়?").

Chat in Russian, Indonesian, Thai, Vietnamese, Bengali and Nepali often drops the "I"
("работодатель забрал паспорт и не отдает", "chủ không trả lương 3 tháng rồi",
"โดนหัวหน้าตบหน้า"). So these also put the writer in the situation: a relative ("my brother",
"муж", "adik"); being the one something is done to (Thai "โดน"/"ถูก", Vietnamese "bị",
Indonesian passives of harm such as "dipukul", "disuruh"); an employer or broker acting, named
in a language other than English ("работодатель", "majikan", "মালিক", "นายจ้าง", "chủ"); "here"
("ติดอยู่ที่นี่"); and "nobody comes to help". A few signals need no "I" at all because they are
only ever said of oneself ("อยากตาย", "chỉ muốn chết", "i want to die"); others are dropped
when the message laughs ("no food left lol", "hindi ko na kaya mag overtime haha") or the words are
an idiom ("nóng muốn chết": so hot I could die; "im dying to see my family").
A false alarm costs the user one extra line of urgent-help text; a missed alarm can cost much
more, so ties go to flagging.

The words are data: each language's bot/lang/<code>/distress.yaml (concepts, first-person
words, modals...); the signals, which say how concepts combine, are here. Text is read through
bot.lang.text, as the matcher reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.content.models import GENERAL_DISTRESS
from bot.lang.data import load_languages
from bot.lang.text import (
    HAS_THAI,
    MARKS,
    THAI_LETTERS,
    THAI_OR_NOT,
    WORD,
    ThaiSegmenter,
    fold,
    is_thai,
)

# ---------------------------------------------------------------------------------------------
# Vocabulary, from each language's bot/lang/<code>/distress.yaml. Concepts are small word lists
# (the same concept in every language's file). "word*" matches any word starting with "word";
# "word_word" is a phrase: those words in a row, exactly (used for Vietnamese). Thai entries
# are whole words (no "*"): they are also the vocabulary Thai text is cut into.
# ---------------------------------------------------------------------------------------------

_LANGUAGES = load_languages()
_WORDS = [lang.distress for lang in _LANGUAGES.values()]
_CONCEPTS: dict[str, list[str]] = {}
for _vocabulary in _WORDS:
    for _concept, _entries in _vocabulary.concepts.items():
        _CONCEPTS.setdefault(_concept, []).extend(_entries)

# Words that put the writer in the situation. Checked after removing phrases like "tell me".
_PERSONAL = frozenset(fold(word) for vocabulary in _WORDS for word in vocabulary.personal)

# "tell me about...", "help me understand...": a person asking for information, not for help.
# Not after a negation: "they dont give us water" is about the writer.
# Run on the words joined by spaces, the Thai ones (cut into words) only on Thai text.
_NOT_PERSONAL = re.compile(
    r"(?<!dont )(?<!didnt )(?<!doesnt )(?<!wont )(?<!not )(?<!never )"
    r"\b(?:tell|show|give|explain|send|teach|remind) (?:me|us)\b"
    r"|\bhelp (?:me|us) (?:to )?(?:understand|find|know|learn|read|get|with|about|choose"
    r"|write|fill|translate|draft|prepare|check|plan|apply)\b"
    r"|\blet me know\b|\bi (?:want|would like|d like|wish) to (?:know|understand|learn|read)\b"
    r"|\bcho (?:toi|em|minh|tui) (?:hoi|biet)\b|\bgiup (?:toi|em|minh|tui) (?:hieu|tim|biet)\b"
    r"|\b(?:toi|em|minh|tui) muon (?:hoi|biet|tim hieu)\b"
)
_TH_ME = "(?:ฉัน|ผม|หนู|เรา|ดิฉัน)"
_NOT_PERSONAL_TH = re.compile(
    rf"(?<!\S)(?:บอก|อธิบาย|แนะนำ|สอน) {_TH_ME}(?!\S)"
    rf"|(?<!\S){_TH_ME} (?:อยากรู้|อยากทราบ|สงสัย)(?!\S)"
)

# A modal just before a signal makes it a question about what could happen, not a report:
# "can my boss keep my passport?", "is it legal for my employer to hold my passport?"
_MODALS = [word for vocabulary in _WORDS for word in vocabulary.modals]
# Thai and Vietnamese ask at the end: "นายจ้างยึดพาสปอร์ตได้ไหม", "giữ hộ chiếu được không?".
# Such a word right after a signal, in the same clause and with no call for help in between
# ("... giúp tôi được không?"), makes it a question too.
_MODALS_AFTER = [word for vocabulary in _WORDS for word in vocabulary.modals_after]
_MODAL_REACH = 5  # words before the signal that are checked for a modal
_MODAL_AFTER_REACH = 4  # words after the signal that are checked for a modal
_MODAL = "(modal)"  # pseudo-concepts marking where the modals are
_MODAL_AFTER = "(modal after)"

# How far apart (in words) the concepts of one signal may be, unless the signal says otherwise.
_WINDOW = 6

# Typos are matched only on words long enough to tell a typo from another word: 82 allows one
# missing or extra letter from 5 letters on ("pasport", "threatend") and one wrong letter from
# 6 on ("salery"), but not a wrong letter in a 5-letter word ("baten" is not "eaten").
_FUZZY_MIN_LENGTH = 5
_FUZZY_CUTOFF = 82

# A bare "help me" is a call for help only in a short message: in a longer one it is usually
# "can you help me with remittances". With any other signal the message is flagged anyway.
_HELP_MAX_WORDS = 12

# A Telegram message is at most 4,096 characters: about 700 English words, but Thai, cut into
# short words, can make 1,500 or more; the end of a long message must still be read.
_MAX_WORDS = 2_048
_LONGEST_WORD = 40  # longer "words" (pasted links, keyboard mashing) are not looked into


@dataclass(frozen=True)
class _Signal:
    """Concepts that must all appear within `window` words of each other.

    `personal`: also needs a first-person word somewhere in the message (asking about a topic
    is not being in it). `modal`: ignored right after "can", "is it legal", "what if"...
    `short`: counts only in a short message.
    """

    name: str
    concepts: tuple[str, ...]
    window: int = _WINDOW
    personal: bool = True
    modal: bool = True
    short: bool = False
    # Concepts that cancel the signal when they are this close to it ("not paying fees").
    unless: tuple[str, ...] = ()
    unless_window: int = 3
    # Concepts that cancel the signal anywhere in the message ("... lol").
    unless_anywhere: tuple[str, ...] = ()
    # The other concepts must come after the first one ("ตีฉัน" hits me, "ฉันตี" I hit).
    ordered: bool = False


_SIGNALS: tuple[_Signal, ...] = (
    _Signal("document taken", ("document", "take")),
    _Signal("not paid", ("pay", "not"), unless=("cost",)),
    _Signal("wages kept", ("pay", "take"), unless=("borrow",)),
    _Signal("held at sea", ("sea", "not", "pay"), window=10),
    _Signal("locked in", ("confine",)),
    _Signal("locked in", ("lock", "inside"), window=4),
    _Signal("not allowed to leave", ("not", "let", "leave")),
    _Signal("not allowed to leave", ("not", "letgo"), window=2),
    _Signal("not allowed to leave", ("cannot", "leave_strict"), window=3),
    # "she took me to the doctor" is a kindness.
    _Signal("held", ("take", "object"), window=1, unless=("toward",), unless_window=2),
    _Signal("held", ("take", "object_after"), window=1, ordered=True),
    _Signal("forced to work", ("force",)),
    _Signal("forced to work", ("make", "object", "work"), window=3),
    _Signal("violence or threats", ("violence",)),
    _Signal("violence or threats", ("violence_object", "object"), window=2, personal=False),
    _Signal(
        "violence or threats",
        ("violence_object", "object_after"),
        window=2,
        personal=False,
        ordered=True,
    ),
    # "โดนหัวหน้าตบ" (got slapped by the boss), "ถูกนายจ้างตี": the marker names the victim.
    _Signal(
        "violence or threats",
        ("victim", "violence_object"),
        window=3,
        personal=False,
        ordered=True,
    ),
    _Signal("sold", ("sold", "be"), window=2),
    _Signal("sold", ("sold", "person"), window=2),
    _Signal("sold", ("sold", "child"), window=3),
    _Signal("run away", ("run", "away"), window=1),
    _Signal("run away", ("flee",)),
    _Signal("child taken to work", ("child", "taken_away", "work"), window=8),
    _Signal("turned away from shelter", ("shelter", "refuse")),
    _Signal("debt that cannot be repaid", ("debt", "not", "repay"), window=8),
    # The relative and the silence are often a sentence apart ("my husband left with an agent
    # in may ... and disappeared"). "missing me" is longing, not a disappearance.
    _Signal(
        "relative missing",
        ("missing", "child"),
        window=12,
        unless=("person", "missing_what"),
        unless_window=2,
    ),
    _Signal(
        "relative missing",
        ("missing", "relative"),
        window=12,
        unless=("person", "missing_what"),
        unless_window=2,
    ),
    _Signal("relative missing", ("not", "reach", "object"), window=3),
    _Signal("trapped in fighting", ("trapped", "conflict"), window=10, modal=False),
    _Signal("threatened with deportation", ("deport", "complain"), modal=False),
    # Despair. Said of oneself, these need no "I" ("อยากตาย", "chỉ muốn chết"); and "if" does
    # not make them a question ("maybe better if i just end it tonight").
    _Signal(
        "wants to die",
        ("selfharm",),
        personal=False,
        modal=False,
        unless=("vi_idiom_adjective",),
        unless_window=1,
    ),
    _Signal("wants to die", ("want", "die"), window=4, personal=False, modal=False, ordered=True),
    _Signal("wants to die", ("suicide",), modal=False),
    _Signal(
        "wants to die",
        ("live_on", "not", "want"),
        window=3,
        unless=("place_word",),
        unless_window=1,
    ),
    _Signal("wants to die", ("live_like_this",), modal=False),
    _Signal("wants to die", ("endure_no_more",), unless=("wait",), unless_anywhere=("laugh",)),
    # No food or water given ("no food for 3 days", "hindi ako pinapakain"); "i havent eaten
    # yet" and "so hungry lol" are everyday talk.
    _Signal(
        "no food or water", ("food", "not"), window=3, unless=("yet",), unless_anywhere=("laugh",)
    ),
    _Signal("sick and made to work", ("sick", "must", "work"), window=6),
    # Afraid to get care because of papers or the police: "no visa so i cant go doctor",
    # "scared to go hospital, they will call police".
    _Signal("afraid to get care", ("medical", "not", "document"), window=8),
    _Signal("afraid to get care", ("medical", "fear"), window=5),
    _Signal("afraid to get care", ("medical", "police"), window=6),
    # Stranded: nothing to live on and nowhere to go ("no money no passport", "no money no
    # food"); "send money without ID" is about remittances.
    _Signal("stranded", ("money", "not", "document"), window=6, unless=("transfer",)),
    _Signal("stranded", ("money", "not", "food"), window=6, unless=("transfer",)),
    _Signal("stranded", ("homeless",)),
    _Signal("stranded", ("abandoned",)),
    # Bombs and missiles where the writer is; a flood or earthquake with someone stuck in it
    # ("we are on the roof, nobody is coming"). "the war in the news" is neither.
    _Signal("caught in war or disaster", ("attack",)),
    _Signal("caught in war or disaster", ("trapped", "disaster"), window=10, modal=False),
    # Debt bondage: the debt grows with interest faster than work pays it off.
    _Signal("debt that keeps growing", ("debt", "grow"), window=12),
    # Wages cut away ("they cut all my salary for fees"); "tax cut from salary" is a price.
    _Signal("wages cut", ("cut", "pay"), window=3, unless=("cost",)),
    _Signal("wages cut", ("paycut",)),
    # Someone comes into the writer's room and they are afraid or lock the door against them
    # ("comes to my room at night ... i lock the door"). "i come back to my room" is the
    # writer; "my brother came to my room to watch the football" is a visit.
    _Signal(
        "harassed in own room",
        ("enter", "room", "fear"),
        window=10,
        unless=("self_return",),
        unless_window=1,
    ),
    _Signal(
        "harassed in own room",
        ("enter", "room", "lock"),
        window=10,
        unless=("self_return",),
        unless_window=1,
    ),
    # An employer or broker bringing up the police or immigration ("broker says pay or he
    # hands me to the police"), or "... or else" with police or deportation.
    _Signal("threatened with police", ("actor", "police"), window=10),
    _Signal("threatened with police", ("otherwise", "police"), window=6),
    _Signal("threatened with police", ("otherwise", "deport"), window=6),
    # A daughter or son married off ("my uncle is marrying her to an old man for money").
    _Signal("married off", ("marry_off", "child"), window=8),
    _Signal("asks for help", ("help", "object"), window=2, personal=False, short=True),
    _Signal(
        "asks for help",
        ("help", "object_after"),
        window=2,
        personal=False,
        short=True,
        ordered=True,
    ),
    _Signal("asks for help", ("help_alone",), personal=False, modal=False, short=True),
)


# Chat spellings, read as the full word when matching phrases ("ko tra" is "khong tra").
# Only for phrases: alone, "ko" stays Tagalog "my". Phrases are stored with these spellings
# read the same way, so the Tagalog "hindi ko na kaya" still matches.
_ALIASES = {alias: word for vocabulary in _WORDS for alias, word in vocabulary.aliases.items()}


_Phrases = dict[str, list[tuple[tuple[str, ...], frozenset[str]]]]


def _parse_concepts() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]], _Phrases]:
    exact: dict[str, set[str]] = {}
    prefix: dict[str, set[str]] = {}
    phrases: dict[tuple[str, ...], set[str]] = {}
    tables = list(_CONCEPTS.items())
    tables += [(_MODAL, _MODALS), (_MODAL_AFTER, _MODALS_AFTER)]
    for concept, entries in tables:
        for entry in entries:
            if "_" in entry:
                phrase = tuple(_ALIASES.get(word, word) for word in fold(entry).split("_"))
                phrases.setdefault(phrase, set()).add(concept)
            else:
                table = prefix if entry.endswith("*") else exact
                table.setdefault(fold(entry.rstrip("*")), set()).add(concept)
    by_first: _Phrases = {}
    for phrase, found in phrases.items():
        by_first.setdefault(phrase[0], []).append((phrase[1:], frozenset(found)))
    return (
        {word: frozenset(found) for word, found in exact.items()},
        {stem: frozenset(found) for stem, found in prefix.items()},
        by_first,
    )


# Modals are exact words (or phrases), looked up apart so they are never matched as typos.
_EXACT_ALL, _PREFIX, _PHRASES = _parse_concepts()
_MODAL_WORDS = {
    word: found & {_MODAL, _MODAL_AFTER}
    for word, found in _EXACT_ALL.items()
    if found & {_MODAL, _MODAL_AFTER}
}
_EXACT = {
    word: found - {_MODAL, _MODAL_AFTER}
    for word, found in _EXACT_ALL.items()
    if found - {_MODAL, _MODAL_AFTER}
}


def _by_first_letter(entries: Iterable[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for entry in sorted(entries):  # sorted: a tie between two typos goes the same way always
        if len(entry) >= _FUZZY_MIN_LENGTH:
            grouped.setdefault(entry[0], []).append(entry)
    return grouped


# Typos are looked up among entries with the same first letter: people rarely get it wrong,
# and it keeps the look-up fast.
_FUZZY_WORDS = _by_first_letter(_EXACT)
_FUZZY_STEMS = _by_first_letter(_PREFIX)


# Everyday words one letter away from a signal word: never read as its typo ("growing up
# without me" is not "groping", "will they treat me" is not "threat").
_NOT_TYPOS = frozenset(word for vocabulary in _WORDS for word in vocabulary.not_typos)


@lru_cache(maxsize=8192)
def _concepts_of(word: str) -> frozenset[str]:
    """The concepts one folded word belongs to: exactly, by prefix, then allowing a typo."""
    found: set[str] = set(_EXACT.get(word, ()))
    if len(word) > _LONGEST_WORD:
        return frozenset(found)
    for end in range(len(word), 1, -1):
        found.update(_PREFIX.get(word[:end], ()))
    if found or len(word) < _FUZZY_MIN_LENGTH or not word.isalpha() or word in _NOT_TYPOS:
        return frozenset(found)
    close = process.extractOne(
        word, _FUZZY_WORDS.get(word[0], ()), scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF
    )
    if close is not None:
        found.update(_EXACT[close[0]])
    # A stem is the beginning of a word: compare it with the word's beginning, one letter
    # longer too, so a dropped or doubled letter still matches ("trafic" for "traffic").
    for stem in _FUZZY_STEMS.get(word[0], ()):
        for head in (word[: len(stem)], word[: len(stem) + 1]):
            if fuzz.ratio(stem, head, score_cutoff=_FUZZY_CUTOFF):
                found.update(_PREFIX[stem])
    return frozenset(found)


# Thai has no spaces between words: a run of Thai letters is cut into the words of the Thai
# vocabulary (concept entries, first-person words, modals, and the words a language file lists
# for segmentation: words that contain one of those but mean something else, "นายจ้าง" is not
# "จ้าง"), at each point taking the longest word that fits.
_THAI = ThaiSegmenter(
    [
        *_EXACT_ALL,
        *_PERSONAL,
        *(fold(word) for vocabulary in _WORDS for word in vocabulary.segmentation_words),
    ]
)


# Where one clause ends and the next begins: punctuation or emoji between words (none of which
# is ever part of a word), or, in Thai (which uses a space where other languages use a comma or
# a full stop), a space between Thai letters.
_CLAUSE_BREAK = re.compile(rf"[^\w\s{MARKS}'\"“”‘’«»-]+|_+")
_THAI_CLAUSE_BREAK = re.compile(rf"(?<=[{THAI_LETTERS}])\s+(?=[{THAI_LETTERS}])")


def _read(text: str) -> tuple[list[str], list[int], bool]:
    """The words of `text` (as `words`, but Thai runs cut into words), the clause number of
    each word, and whether there was any Thai."""
    folded = fold(text)
    thai = HAS_THAI.search(folded) is not None
    tokens: list[str] = []
    clauses: list[int] = []
    parts = _CLAUSE_BREAK.split(folded)
    if thai:
        parts = [clause for part in parts for clause in _THAI_CLAUSE_BREAK.split(part)]
    for clause, part in enumerate(parts):
        found = WORD.findall(part)
        if thai:
            found = [
                word
                for run in found
                for piece in THAI_OR_NOT.findall(run)
                for word in (_THAI.cut(piece) if is_thai(piece) else (piece,))
            ]
        tokens += found
        clauses += [clause] * len(found)
        if len(tokens) >= _MAX_WORDS:
            break
    return tokens[:_MAX_WORDS], clauses[:_MAX_WORDS], thai


# Words of one language's list that are also words of another's: Vietnamese "cần" (need) is not
# "can", "máy" (machine) not "may"; Tagalog "may" is "there is" ("may lagnat ako"), not the
# modal. A language file names its `homographs` and the `markers` (words only it has) that
# show a message is written in it; there, its homographs count only inside phrases.
_HOMOGRAPHS = tuple(
    (frozenset(vocabulary.markers), frozenset(vocabulary.homographs), bool(lang.letters))
    for lang, vocabulary in zip(_LANGUAGES.values(), _WORDS, strict=True)
    if vocabulary.homographs
)

# Words repeat across messages: fold each once (for long messages in many scripts).
_fold_word = lru_cache(maxsize=8192)(fold)


def _homographs(text: str, tokens: list[str]) -> frozenset[str]:
    """Words read here only as part of a phrase, because in this message they belong to
    another language than the one whose list has them.

    A language that writes accents (Vietnamese) also claims a homograph typed with them, so
    that "my boss Nguyễn hit me" keeps its English "hit me" while "bị đánh, mẹ ơi" does not
    read "mẹ" as "me".
    """
    found: set[str] = set()
    for markers, homographs, accented in _HOMOGRAPHS:
        if not markers.isdisjoint(tokens):
            found |= homographs
        elif accented and not text.isascii():
            written = (
                _fold_word(word)
                for word in WORD.findall(text)
                if len(word) <= 8 and not word.isascii() and not is_thai(word)
            )
            found |= homographs.intersection(written)
    return frozenset(found)


@lru_cache(maxsize=8192)
def _lookup(word: str) -> tuple[str, ...]:
    """The concepts (and modal marks) of one word of `_read`."""
    concepts = _EXACT.get(word, frozenset()) if is_thai(word) else _concepts_of(word)
    return (*concepts, *_MODAL_WORDS.get(word, ()))


def _positions(tokens: list[str], homographs: frozenset[str]) -> dict[str, list[int]]:
    """Where each concept (and modal) occurs among `tokens`, in order; the `homographs` only
    in phrases."""
    positions: dict[str, list[int]] = {}
    for at, token in enumerate(tokens):
        alone = () if token in homographs else _lookup(token)
        for concept in alone:
            positions.setdefault(concept, []).append(at)
        for rest, found in _PHRASES.get(_ALIASES.get(token, token), ()):
            following = tokens[at + 1 : at + 1 + len(rest)]
            if tuple(_ALIASES.get(word, word) for word in following) == rest:
                for concept in found:
                    positions.setdefault(concept, []).append(at)
    return positions


# Concepts that place the writer or their family in the situation when no "I" is written:
# a relative, being the one something is done to, an employer acting (in a language that
# drops "I"), "here".
_PERSONAL_CONCEPTS = ("kin", "victim", "actor_local", "here", "nobody_helps")


def _is_personal(
    tokens: list[str], thai: bool, positions: dict[str, list[int]]
) -> tuple[bool, bool]:
    """Whether the writer speaks about themselves or their family (not only in "tell me about
    ..."), and whether they ask for information ("tell me about ...")."""
    joined = " ".join(tokens)
    text = _NOT_PERSONAL.sub(" ", joined)
    if thai:
        text = _NOT_PERSONAL_TH.sub(" ", text)
    personal = _speaks_of_self(tokens, text) or any(map(positions.get, _PERSONAL_CONCEPTS))
    return personal, text != joined


def _speaks_of_self(tokens: list[str], text: str) -> bool:
    if any(token in _PERSONAL for token in text.split()):
        return True
    # Indonesian and Malay attach "my" to the noun: "pasporku", "gajiku".
    return any(len(token) > 4 and token.endswith("ku") for token in tokens)


def _found(signal: _Signal, positions: dict[str, list[int]], clauses: list[int]) -> bool:
    """Whether all concepts of `signal` occur close together, and not as part of a question."""
    spots = [positions.get(concept) for concept in signal.concepts]
    if not all(spots) or any(map(positions.get, signal.unless_anywhere)):
        return False
    first, *others = [spot for spot in spots if spot]
    for anchor in first:
        near = [
            [
                at
                for at in spot
                if abs(at - anchor) <= signal.window and (at > anchor or not signal.ordered)
            ]
            for spot in others
        ]
        if not all(near):
            continue
        spoilers = (positions.get(concept, []) for concept in signal.unless)
        if any(abs(at - anchor) <= signal.unless_window for spot in spoilers for at in spot):
            continue
        if signal.modal and _asks(positions, clauses, [anchor, *(spot[0] for spot in near)]):
            continue
        return True
    return False


def _asks(positions: dict[str, list[int]], clauses: list[int], spots: list[int]) -> bool:
    """Whether a modal comes just before the words at `spots`, or a question word just after."""
    start, end = min(spots), max(spots)
    if any(start - _MODAL_REACH <= at < start for at in positions.get(_MODAL, ())):
        return True
    helps = [*positions.get("help", ()), *positions.get("help_alone", ())]
    return any(
        end < at <= end + _MODAL_AFTER_REACH
        and clauses[at] == clauses[end]
        and not any(end < spot < at for spot in helps)
        for at in positions.get(_MODAL_AFTER, ())
    )


def distress_signals(text: str) -> tuple[str, ...]:
    """The names of the danger signals found in `text`, in a fixed order; empty when none."""
    return _detect(text)[0]


def _detect(text: str) -> tuple[tuple[str, ...], dict[str, list[int]]]:
    """The signals found in `text`, and where each concept occurs in it."""
    tokens, clauses, thai = _read(text)
    positions = _positions(tokens, _homographs(text, tokens))
    personal, asking = _is_personal(tokens, thai, positions)
    found: list[str] = []
    for signal in _SIGNALS:
        if signal.name in found or (signal.personal and not personal):
            continue
        if signal.short and (len(tokens) > _HELP_MAX_WORDS or asking):
            continue
        if _found(signal, positions, clauses):
            found.append(signal.name)
    return tuple(found), positions


# The kind of danger each signal speaks of (`bot.content.models.DISTRESS_KINDS`): it picks the
# urgent-help note a person gets. A signal not listed here is "general".
SIGNAL_KINDS: dict[str, str] = {
    "wants to die": "self_harm",
    "harassed in own room": "sexual_violence",
    "document taken": "trafficking",
    "not paid": "trafficking",
    "wages kept": "trafficking",
    "wages cut": "trafficking",
    "held at sea": "trafficking",
    "locked in": "trafficking",
    "not allowed to leave": "trafficking",
    "held": "trafficking",
    "forced to work": "trafficking",
    "sold": "trafficking",
    "child taken to work": "trafficking",
    "debt that cannot be repaid": "trafficking",
    "debt that keeps growing": "trafficking",
    "trapped in fighting": "disaster",
    "caught in war or disaster": "disaster",
}
# When a message has signals of several kinds, the note of the first kind here is shown: a
# life at risk from the person's own hand first; bombs or a flood before "trapped", which also
# reads as being locked in.
KIND_ORDER: tuple[str, ...] = (
    "self_harm",
    "sexual_violence",
    "disaster",
    "detention",
    "trafficking",
    GENERAL_DISTRESS,
)


# Words that tell the kind of danger in a message already flagged, whatever signal flagged it:
# "he beat me and raped me" is sexual violence, "police arrested us, my kids are with me" is
# detention. Alone they flag nothing (a researcher writes "detention" too).
KIND_MARKERS: dict[str, str] = {"sexual": "sexual_violence", "detained": "detention"}


def distress_kinds(text: str) -> tuple[str, ...]:
    """The kinds of danger `text` signals, most pressing first; empty when none."""
    signals, positions = _detect(text)
    if not signals:
        return ()
    found = {SIGNAL_KINDS.get(name, GENERAL_DISTRESS) for name in signals}
    found |= {kind for concept, kind in KIND_MARKERS.items() if concept in positions}
    return tuple(kind for kind in KIND_ORDER if kind in found)


def is_distress(text: str) -> bool:
    """Whether `text` signals danger or abuse (passport taken, unpaid, locked in, threats...)."""
    return bool(distress_signals(text))
