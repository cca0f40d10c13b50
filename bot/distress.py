"""Spot messages that sound like someone is in danger or being abused, in every bot language.

`is_distress(text)` is deliberately simple and explainable: it looks for *signals* (a passport
taken, wages not paid, being locked in, forced to work, threats or violence, being sold,
"help me", a child taken to work, being turned away from a shelter...) made of small word
*concepts*, in English, Russian, Indonesian, Tagalog, Bengali and Nepali, plus Bengali, Nepali
and Russian typed in Latin letters. Words are matched by prefix (so inflections match) and,
for longer words, fuzzily (so typos match).

Asking *about* a topic is not distress, being *in* it is. So most signals also need a
first-person word ("my", "we", "меня", "saya", "ako", "আমার", "मेरो") outside phrases such as
"tell me", and are ignored when a modal comes just before them ("can my boss keep my
passport?", "could I be deported?"). A false alarm costs the user one extra line of
urgent-help text; a missed alarm can cost much more, so ties go to flagging.

This module also owns the text folding (`fold`, `words`) that the matcher uses, so both read a
message the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

# ---------------------------------------------------------------------------------------------
# Text folding, shared with bot/matching.py
# ---------------------------------------------------------------------------------------------

# Python's \w does not include combining marks, so it cuts Bengali and Devanagari words into
# pieces (their vowel signs are marks). A word here is letters and digits plus the marks of the
# Indic blocks (danda punctuation excluded), Thai, and the generic combining blocks.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0900-\u0963\u0966-\u0dff\u0e31-\u0e3a\u0e47-\u0e4e\u1dc0-\u1dff"
)
WORD = re.compile(rf"(?:[^\W_]|[{_MARKS}])+")

# Accents on Latin letters are dropped (so "migración" finds "migracion" and Vietnamese typed
# with or without tone marks reads alike); marks after any other letter are kept, because in
# Cyrillic, Bengali and Devanagari they are part of the letter or the word.
_LATIN_ACCENTS = re.compile(r"(?<=[a-z])[\u0300-\u036f]+")
_APOSTROPHES = re.compile(r"(?<=\w)['’ʼ`´](?=\w)")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_FOLD_EXTRA = str.maketrans({"ё": "е", "ß": "ss", "ı": "i", "ł": "l", "đ": "d", "ø": "o"})


def fold(text: str) -> str:
    """Lower-case `text`, drop accents on Latin letters and apostrophes inside words."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_INVISIBLE)
    text = _APOSTROPHES.sub("", text)  # "don't" -> "dont", "migrants'" stays a word
    if not text.isascii():
        text = _LATIN_ACCENTS.sub("", unicodedata.normalize("NFD", text))
        text = unicodedata.normalize("NFC", text).translate(_FOLD_EXTRA)
    return text


def split_words(text: str) -> list[str]:
    """A word list written as one string (one word or more per line), for readable tables."""
    return text.split()


def words(text: str) -> list[str]:
    """The folded words of `text`, in order; punctuation and emoji are separators."""
    return WORD.findall(fold(text))


# ---------------------------------------------------------------------------------------------
# Concepts: small word lists, one block per language (en, ru, id, tl, bn, ne, then Bengali,
# Nepali and Russian typed in Latin letters). "word*" matches any word starting with "word".
# ---------------------------------------------------------------------------------------------

_CONCEPTS: dict[str, str] = {
    # Identity papers.
    "document": """
        passport* pasport* pasaport* id ids idcard identity papers documents document permit
        permits visa iqama
        паспорт* документ* удостоверени*
        paspor* dokumen* ktp kitas
        pasaporte* dokumento* papeles
        পাসপোর্ট* পাসপোট* কাগজ* ডকুমেন্ট* ভিসা*
        पासपोर्ट* राहदानी* कागजात* परिचयपत्र* भिसा*
        """,
    # Taking or keeping something from someone.
    "take": """
        take takes taken taking took tok keep keeps keeping kept hold holds holding held
        confiscat* seiz* stole stolen steal* withh* retain* locked
        забрал* забира* отобрал* отбира* держ* удерж* спрятал*
        ambil* diambil* mengambil* tahan* ditahan* menahan* sita* disita* disimpan*
        kinuha* kinukuha* kunin hawak* hinawakan* tinago* itinago* kinumpiska*
        নিয়ে* নিয়েছে* রেখে* রেখেছে* আটক* কেড়ে* জব্দ*
        लियो लिए लिएको राख्यो राखेको राखेर खोस* कब्जा*
        niye niyeche rekhe rekheche kere
        liyo rakhyo khosyo
        zabral* otobral* derzh*
        """,
    "pay": """
        pay* paid salary salaries wage wages
        зарплат* заплат* выплат* оплат* платят платит
        gaji* upah* bayar* dibayar* membayar*
        sahod* suweldo* sweldo* bayad* binabayaran* pinapasahod* pasahod*
        বেতন* মজুরি* পারিশ্রমিক*
        तलब* पारिश्रमिक* ज्याला* तनखा*
        beton mojuri
        talab jyala
        zarplat* platyat* zaplatil*
        """,
    # Costs: "without paying big fees" is about prices, not about wages kept back.
    "cost": """
        fee fees tax taxes charge charges cost costs commission commissions price prices
        комиссия комиссии комиссию налог налоги пошлина
        biaya ongkos komisi pajak
        singil bayarin
        ফি খরচ শুল্ক
        शुल्क खर्च कर
        """,
    "not": """
        no not never dont didnt doesnt wont cant cannot couldnt havent hasnt hadnt isnt arent
        wasnt werent without unpaid stopped refuse refused refuses deny denied half withheld
        nothing
        не нет без ни половин* никогда
        tidak tak belum gak nggak enggak ga tanpa setengah separuh
        hindi wala walang ayaw kalahati
        না নাই নেই পাইনি দেয়না দেয়নি অর্ধেক ছাড়া
        छैन दिएन दिँदैन दिदैन दिंदैन पाइन नदिने नदिई आधा बिना
        na nai nei paini
        chhaina diena dinna aadha
        ne net
        """,
    # Being held in a place. "guard" alone is enough: nobody is guarded for their comfort.
    "confine": """
        trapped prisoner prisoners confined captive caged imprisoned chained guard guards
        guarded detained
        заперт* заперли плен* охран*
        dikurung* terkurung* disekap* sekap* dijaga*
        ikinulong* nakakulong* binabantayan* bantay* nakakandado* kinandado*
        আটকে* আটকা* বন্দি* বন্দী* পাহারা*
        थुन* कैद* पहरा*
        atke atka bondi pahara
        thuniyeko kaid
        zaperli
        """,
    "lock": """
        lock locks locked
        запер* закрыл*
        dikunci* kunci*
        ikinandado* kandado*
        তালা*
        ताल्चा* बन्द*
        """,
    # Where someone is locked: "locked in", "locked us in the room".
    "inside": """
        in inside up room rooms house dorm dormitory camp site factory quarters us me
        """,
    "let": """
        let lets allow allowed allowing permit permitted release releasing
        отпуска* выпуска* пускают разрешают
        boleh diizinkan izin dibolehkan
        pinapayag* payag* pinapalabas* pinayag*
        দেয় দেয়না দিচ্ছে দেবে
        दिँदैन दिदैन दिंदैन दिने
        """,
    "leave": """
        leave leaving go out off outside home exit quit
        уйти уехать выйти отпуска* выпуска* домой
        keluar pulang pergi
        lumabas umalis umuwi labas uwi pinapalabas*
        বের বাইরে যেতে বাড়ি দেশে ছুটি
        बाहिर जान घर फर्कन छुट्टी
        ber baire jete bari
        bahira jana ghar
        """,
    # Let go / release, where one word carries both ("не отпускают", "hindi pinapauwi").
    "letgo": """
        release releases
        отпуска* выпуска*
        dilepas melepas
        pinapauwi* pinapalabas*
        ছাড়ে ছাড়ছে ছাড়ছেনা
        छोड्दैन छाड्दैन
        """,
    "cannot": """
        cant cannot couldnt unable
        """,
    "leave_strict": """
        leave exit quit escape
        """,
    "force": """
        forc* compel* slave slaves slavery enslav* bonded
        застав* принужд* принуж* рабств* раб рабы
        paksa* dipaksa* memaksa* terpaksa* budak*
        pinipilit* pilit* sapilitan* alipin*
        জোর* বাধ্য* দাস*
        जबरजस्ती* बाध्य* दास*
        jor badhyo das
        jabarjasti badhya
        zastavl* prinuzhd*
        """,
    "make": """
        made make makes making
        """,
    "work": """
        work works working worked job labor labour farm factory field fields hours shifts
        работ* труд*
        kerja* bekerja* pekerjaan*
        trabaho* magtrabaho* nagtatrabaho*
        কাজ* খাটা*
        काम* श्रम*
        kaj kaaj kam kaam
        rabot*
        """,
    # Violence or threats, serious on their own.
    "violence": """
        threat* beat beats beaten beating rape* raping molest* abus* harass* assault*
        violen* grope* groping torture* starv* punish*
        угрож* угроз* бьют избил* изби* насил* домога* пристает* пристаёт* убьют
        ancam* diancam* dipukul* memukul* perkosa* diperkosa* lecehkan* dilecehkan*
        pelecehan* disiksa* siksa* ditampar*
        banta* binantaan* pinagbabantaan* bugbog* binubugbog* sinasaktan* sinaktan*
        ginahasa* hinipuan* hinihipuan* minamaltrato* sinampal*
        হুমকি* মারধর* মারছে মেরেছে মারবে ধর্ষণ* যৌন* নির্যাতন* হয়রানি*
        धम्की* कुट्छ* कुट्यो* पिट्छ* पिट्यो* बलात्कार* यौन* यातना* दुर्व्यवहार*
        humki mardhor marche dhorshon nirjaton
        dhamki kutchha kutyo pitcha balatkar
        ugrozh* byut izbil* nasil*
        """,
    # Violence that needs its victim named right after it: "hits me", "touched my daughter".
    "violence_object": """
        hit hits hitting hurt hurts hurting kick kicks kicked slap slaps slapped punch
        punched touch touches touched touching kill attack attacked grab grabbed
        трогает трогал бьет бьёт ударил
        sentuh menyentuh pukul tampar bunuh
        hipo sampal patay saktan
        ছোঁয় ছুঁয়ে মারে
        छुन्छ छोयो मार्छ
        mare
        """,
    "object": """
        me us my our him her
        меня мне нас нам
        saya aku kami
        ako akin amin kami
        আমাকে আমাদের আমাকেও
        मलाई हामीलाई
        amake amader malai hamilai menya nas
        """,
    # The person something was done to (not "my", which also owns things: "sold my land").
    "person": """
        me us him her
        меня мне нас нам
        saya aku kami
        ako akin amin kami
        আমাকে আমাদের আমাকেও
        मलाई हामीलाई
        amake amader malai hamilai menya nas
        """,
    "sold": """
        sold trafficked smuggled
        продали продал продан* торгуют
        dijual diperdagangkan
        ibinenta binenta ipinagbili nabenta
        বিক্রি পাচার
        बेचे बेचियो बेचिएको बेचबिखन
        bikri pachar bechyo
        prodali
        """,
    "be": """
        was were been being be got get gets am are is
        """,
    "run": """
        run ran running
        """,
    "away": """
        away
        """,
    "flee": """
        runaway
        сбежать убежать сбежал* убежал* бежать
        kabur melarikan
        tumakas takas tatakas
        পালাতে পালিয়ে পালাব* পালানো*
        भाग्न भागें भाग्छु भाग्ने
        palate paliye palabo
        bhagna bhagchhu
        sbezhat* ubezhat*
        """,
    "help": """
        help helpp halp save rescue
        tolong tulong tulungan
        """,
    "help_alone": """
        sos помогите помоги спасите спаси
        saklolo sagipin iligtas selamatkan
        বাঁচাও বাচাও বাঁচান উদ্ধার
        बचाउनुहोस् बचाऊ बचाउ गुहार
        bachao bachaw bachan bachau guhar
        pomogite spasite
        """,
    "child": """
        son sons daughter daughters child children kid kids boy boys girl girls baby
        nephew niece grandson granddaughter
        сын* доч* ребен* ребён* дет*
        anak putra putri
        bata batang
        ছেলে* মেয়ে* শিশু* বাচ্চা* সন্তান*
        छोरा* छोरी* बच्चा* नानी* बालबालिका*
        chele meye baccha
        chhora chhori bachcha
        """,
    "taken_away": """
        taken took sent send sending sold trafficked smuggled recruited forced
        забрали увезли отправили
        dibawa dikirim diambil
        dinala ipinadala kinuha
        নিয়ে পাঠিয়ে পাঠাল*
        लगे लग्यो पठाए पठायो
        """,
    "shelter": """
        shelter* evacuation evacuat* relief camp camps aid
        убежищ* приют* эвакуац*
        pengungsian penampungan posko evakuasi
        evacuation silungan kanlungan
        আশ্রয়* ত্রাণ*
        आश्रय* राहत* शिविर*
        """,
    "refuse": """
        turned refused refuse refuses rejected denied kicked chased wont
        отказ* выгнал* прогнал*
        ditolak diusir
        tinanggihan tinaboy itinaboy pinaalis
        ফিরিয়ে* তাড়িয়ে*
        फर्काए* निकाले* इन्कार*
        """,
    "sea": """
        sea boat ship vessel fishing captain crew
        море морем судн* лодк* корабл* капитан*
        laut kapal perahu kapten
        dagat barko bangka kapitan
        সমুদ্র* নৌকা* জাহাজ*
        समुद्र* डुङ्गा* जहाज*
        """,
    # Being sent away as a threat ("says ill be deported if i complain"). Police and arrest
    # are left out: "will police arrest me if i report trafficking?" is a question.
    "deport": """
        deport*
        депорт* выслать вышлют
        deportasi dideportasi
        ipapadeport ide-deport
        """,
    "complain": """
        complain* complaint* report* speak talk quit
        пожалу* жалоб*
        lapor* mengadu mengeluh
        magreklamo* reklamo* isumbong* sumbong*
        """,
}

# Words that put the writer in the situation. Checked after removing phrases like "tell me".
_PERSONAL = frozenset(
    split_words(
        """
    i im ive ill me my mine myself we us our ours ourselves
    son daughter wife husband sister brother mother mom mum father dad
    я меня мне мной мой моя мое мои моих мы нас нам нами наш наша наше наши
    saya aku kami kita
    ako ko akin akoy kami namin amin tayo natin atin
    আমি আমার আমাকে আমায় আমরা আমাদের আমাদেরকে
    म मेरो मेरा मेरी मलाई हामी हाम्रो हाम्रा हामीलाई
    ami amar amake amay amra amader
    mero malai hami hamro hamilai
    menya mne moy moya moi nas nam nash
    """
    )
)

# "tell me about...", "help me understand...": a person asking for information, not for help.
_NOT_PERSONAL = re.compile(
    r"\b(?:tell|show|give|explain|send|teach|remind) (?:me|us)\b"
    r"|\bhelp (?:me|us) (?:to )?(?:understand|find|know|learn|read|get|with|about|choose)\b"
    r"|\blet me know\b|\bi (?:want|would like|d like|wish) to (?:know|understand|learn|read)\b"
)

# A modal just before a signal makes it a question about what could happen, not a report:
# "can my boss keep my passport?", "is it legal for my employer to hold my passport?"
_MODALS = frozenset(
    split_words(
        """
    can could may might would allowed legal legally if whether
    можно может могут ли
    bisakah bolehkah apakah boleh bisa
    pwede puwede maaari
    """
    )
)
_MODAL_REACH = 5  # words before the signal that are checked for a modal

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

_MAX_WORDS = 600  # a Telegram message is at most 4096 characters; this is plenty
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


_SIGNALS: tuple[_Signal, ...] = (
    _Signal("document taken", ("document", "take")),
    _Signal("not paid", ("pay", "not"), unless=("cost",)),
    _Signal("wages kept", ("pay", "take")),
    _Signal("held at sea", ("sea", "not", "pay"), window=10),
    _Signal("locked in", ("confine",)),
    _Signal("locked in", ("lock", "inside"), window=3),
    _Signal("not allowed to leave", ("not", "let", "leave")),
    _Signal("not allowed to leave", ("not", "letgo"), window=2),
    _Signal("not allowed to leave", ("cannot", "leave_strict"), window=3),
    _Signal("held", ("take", "object"), window=1),
    _Signal("forced to work", ("force",)),
    _Signal("forced to work", ("make", "object", "work"), window=3),
    _Signal("violence or threats", ("violence",)),
    _Signal("violence or threats", ("violence_object", "object"), window=2, personal=False),
    _Signal("sold", ("sold", "be"), window=2),
    _Signal("sold", ("sold", "person"), window=1),
    _Signal("sold", ("sold", "child"), window=3),
    _Signal("run away", ("run", "away"), window=1),
    _Signal("run away", ("flee",)),
    _Signal("child taken to work", ("child", "taken_away", "work"), window=8),
    _Signal("turned away from shelter", ("shelter", "refuse")),
    _Signal("threatened with deportation", ("deport", "complain"), modal=False),
    _Signal("asks for help", ("help", "object"), window=2, personal=False, short=True),
    _Signal("asks for help", ("help_alone",), personal=False, modal=False, short=True),
)


def _parse_concepts() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    exact: dict[str, set[str]] = {}
    prefix: dict[str, set[str]] = {}
    for concept, entries in _CONCEPTS.items():
        for entry in split_words(entries):
            table = prefix if entry.endswith("*") else exact
            table.setdefault(fold(entry.rstrip("*")), set()).add(concept)
    return (
        {word: frozenset(found) for word, found in exact.items()},
        {stem: frozenset(found) for stem, found in prefix.items()},
    )


_EXACT, _PREFIX = _parse_concepts()


def _by_first_letter(entries: Iterable[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for entry in entries:
        if len(entry) >= _FUZZY_MIN_LENGTH:
            grouped.setdefault(entry[0], []).append(entry)
    return grouped


# Typos are looked up among entries with the same first letter: people rarely get it wrong,
# and it keeps the look-up fast.
_FUZZY_WORDS = _by_first_letter(_EXACT)
_FUZZY_STEMS = _by_first_letter(_PREFIX)


@lru_cache(maxsize=8192)
def _concepts_of(word: str) -> frozenset[str]:
    """The concepts one folded word belongs to: exactly, by prefix, then allowing a typo."""
    found: set[str] = set(_EXACT.get(word, ()))
    if len(word) > _LONGEST_WORD:
        return frozenset(found)
    for end in range(len(word), 1, -1):
        found.update(_PREFIX.get(word[:end], ()))
    if found or len(word) < _FUZZY_MIN_LENGTH or not word.isalpha():
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


def _is_personal(tokens: list[str]) -> bool:
    """Whether the writer speaks about themselves (not only in "tell me about ...")."""
    text = _NOT_PERSONAL.sub(" ", " ".join(tokens))
    if any(token in _PERSONAL for token in text.split()):
        return True
    # Indonesian and Malay attach "my" to the noun: "pasporku", "gajiku".
    return any(len(token) > 4 and token.endswith("ku") for token in tokens)


def _found(signal: _Signal, positions: dict[str, list[int]], tokens: list[str]) -> bool:
    """Whether all concepts of `signal` occur close together, and not right after a modal."""
    spots = [positions.get(concept) for concept in signal.concepts]
    if not all(spots):
        return False
    first, *others = [spot for spot in spots if spot]
    for anchor in first:
        near = [[at for at in spot if abs(at - anchor) <= signal.window] for spot in others]
        if not all(near):
            continue
        spoilers = (positions.get(concept, []) for concept in signal.unless)
        if any(abs(at - anchor) <= signal.unless_window for spot in spoilers for at in spot):
            continue
        start = min([anchor, *(spot[0] for spot in near)])
        if signal.modal and _MODALS.intersection(tokens[max(0, start - _MODAL_REACH) : start]):
            continue
        return True
    return False


def distress_signals(text: str) -> tuple[str, ...]:
    """The names of the danger signals found in `text`, in a fixed order; empty when none."""
    tokens = words(text)[:_MAX_WORDS]
    positions: dict[str, list[int]] = {}
    for at, token in enumerate(tokens):
        for concept in _concepts_of(token):
            positions.setdefault(concept, []).append(at)
    personal = _is_personal(tokens)
    asking = bool(_NOT_PERSONAL.search(" ".join(tokens)))
    found: list[str] = []
    for signal in _SIGNALS:
        if signal.name in found or (signal.personal and not personal):
            continue
        if signal.short and (len(tokens) > _HELP_MAX_WORDS or asking):
            continue
        if _found(signal, positions, tokens):
            found.append(signal.name)
    return tuple(found)


def is_distress(text: str) -> bool:
    """Whether `text` signals danger or abuse (passport taken, unpaid, locked in, threats...)."""
    return bool(distress_signals(text))
