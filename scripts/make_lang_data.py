# ruff: noqa: E501
"""One-off: write bot/lang/<code>/*.yaml from the word tables that were Python literals.

Run once, before the literals were deleted (issue 14, part 6): tests/test_lang.py proved that
the tables loaded from the files equal the literals, then the literals went. Kept in the history
only; it imports names that no longer exist.

Each entry of a mixed-language table is given to a language by its script; Latin-script entries
by where they stand (the tables were written one language per line, in a fixed order) and a few
tell-tale affixes, with the exceptions listed below.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bot.distress as distress  # noqa: E402
import bot.matching.lexical as lexical  # noqa: E402

LANGS = ("en", "ru", "id", "tl", "bn", "ne", "th", "vi")
OUT = ROOT / "bot" / "lang"

# Entries the line rules place wrongly.
WORD_LANG = {
    "malai": "ne",
    "hamilai": "ne",
    "tapai": "ne",
    "yaha": "ne",
    "pegang*": "id",
    "karja": "ne",
    "bechyo": "ne",
    "bachau": "ne",
    "guhar": "ne",
    "marna": "ne",
    "marchan": "ne",
    "kam": "ne",
    "kaam": "ne",
    "tolong": "id",
    "tulong": "tl",
    "tulungan": "tl",
    "rumah": "id",
    "kamar": "id",
    "sampai": "id",
    "lalaki": "tl",
    "pasaporte*": "tl",
    "dokumento*": "tl",
    "papeles": "tl",
    "pinipilit*": "tl",
    "pilit*": "tl",
    "sapilitan*": "tl",
    "alipin*": "tl",
    "kamu": "id",
    "anda": "id",
    "selamatkan": "id",
    "di": "id",
    "sini": "id",
    "malam*": "id",
    "bunuh_diri": "id",
}
RU_LATIN = re.compile(
    r"zh|^byut$|^ne$|^net$|^nas$|^nam$|^nash$|^menya$|^mne$|^moy|^moi$|prodali|rabot|spasite"
    r"|pomogite|zaperli|nasil|izbil|zaplatil|zarplat|platyat|otobral|zabral|sbezhat|ubezhat"
    r"|zastavl|prinuzhd|derzh"
)
TL = re.compile(
    r"^(pina|pinag|nag|mag|naka|ika|ipa|ipi|kina|ini|bin|sin|hin|gin|kin|tum|pum|lum|ide-|isu"
    r"|wala|hindi|di_ko|mas_|tapusin|wakasan|suko)"
    r"|^(ayaw|ayoko|ako|akin|amin|ikaw|mo|iyo|kung|kundi|sa|dito|rito|ang|ng|po|utang|ate|kuya"
    r"|asawa|nanay|tatay|pamilya|kapatid|bata|batang|dagat|barko|bangka|kapitan|gusto|gustong"
    r"|mamatay|mabuhay|takot|pulis|kulong|makulong|amo|ahente|employer|lagnat|buntis|pera"
    r"|padala|baha|bagyo|lindol|interes|tubo|patong|kwarto|gabi|hatinggabi|hipo|sampal|patay"
    r"|saktan|sahod|suweldo|sweldo|bayad|bayaran|singil|kalahati|payag|labas|uwi|lumabas|umalis"
    r"|umuwi|kandado|bantay|doktor|ospital|klinika|pagkain|tubig|inumin|kumain|pakain|giyera"
    r"|gyera|labanan|barilan|bakbakan|naipit|stranded|evacuation|silungan|kanlungan|tulungan"
    r"|saklolo|sagipin|iligtas|reklamo|sumbong|maghintay|hintay|kailangan|anak_ko|bomba"
    r"|pagsabog|kaltas|may_sakit|may_utang|loan_ko|nawala|nawawala|magpakamatay|matawagan"
    r"|kontakin|makontak|dinala|kinuha|tinanggihan|tinaboy|itinaboy|iniwan|dinala|utang)\*?$"
)


def script(entry: str) -> str:
    for char in entry:
        if "\u0400" <= char <= "\u04ff":
            return "ru"
        if "\u0980" <= char <= "\u09ff":
            return "bn"
        if "\u0900" <= char <= "\u097f":
            return "ne"
        if "\u0e00" <= char <= "\u0e7f":
            return "th"
    return "latin" if entry.isascii() else "vi"


def classify(text: str, *, english_first: bool = True) -> dict[str, list[str]]:
    """Entries of one mixed table by language, in their order."""
    found: dict[str, list[str]] = {}
    lines = [line.split() for line in text.strip("\n").split("\n") if line.strip()]
    seen: list[str] = []
    romanised_bn_seen = False
    id_line: int | None = None
    for number, line in enumerate(lines):
        runs: list[tuple[list[str], tuple[str, ...]]] = []
        run: list[str] = []
        for entry in line:
            kind = script(entry)
            if kind == "latin":
                run.append(entry)
                continue
            if run:
                runs.append((run, tuple(seen)))
                run = []
            found.setdefault(kind, []).append(entry)
            if kind not in seen:
                seen.append(kind)
        if run:
            runs.append((run, tuple(seen)))
        for words, before in runs:
            # Indonesian comes before Tagalog: a later line with a Tagalog word is Tagalog.
            marked = sum(bool(TL.search(word)) for word in words)
            run_tl = marked * 2 > len(words) or (marked > 0 and id_line not in (None, number))
            for word in words:
                lang = _latin_language(word, before, english_first, romanised_bn_seen)
                if lang == "id" and run_tl and word not in WORD_LANG:
                    lang = "tl"
                if lang == "id" and id_line is None:
                    id_line = number
                found.setdefault(lang, []).append(word)
            langs = {_latin_language(w, before, english_first, romanised_bn_seen) for w in words}
            if "bn" in langs and ("ne" in before or "bn" in before):
                romanised_bn_seen = True
    return found


def _latin_language(word: str, before: tuple[str, ...], english_first: bool, bn_seen: bool) -> str:
    if word in WORD_LANG:
        return WORD_LANG[word]
    if RU_LATIN.search(word) and "ru" in before:
        return "ru"
    if "vi" in before or ("th" in before and not word.startswith("di")):
        return "vi"
    if not before and english_first:
        return "en"
    if "bn" in before or "ne" in before:
        if "ne" in before and bn_seen:
            return "ne"
        return "bn"
    return "tl" if TL.search(word) else "id"


# ---------------------------------------------------------------------------------------------
# YAML writing: word lists as one folded string, so "no" and "on" stay words.
# ---------------------------------------------------------------------------------------------

WIDTH = 96


def _folded(words: list[str], indent: int) -> list[str]:
    pad = " " * indent
    lines, current = [], pad
    for word in words:
        if len(current) + len(word) + 1 > WIDTH and current.strip():
            lines.append(current.rstrip())
            current = pad
        current += word + " "
    if current.strip():
        lines.append(current.rstrip())
    return lines


def words_entry(key: str, words: list[str], indent: int = 0, comment: str = "") -> list[str]:
    pad = " " * indent
    out = [f"{pad}# {line}" for line in comment.splitlines() if line] if comment else []
    out.append(f"{pad}{key}: >-")
    out += _folded(words, indent + 2)
    return out


def concept_comments() -> dict[str, str]:
    """The comment lines written above each concept in bot/distress.py."""
    source = (ROOT / "bot" / "distress.py").read_text(encoding="utf-8").splitlines()
    comments: dict[str, str] = {}
    for number, line in enumerate(source):
        match = re.match(r'\s+"(\w+)": ', line)
        if not match:
            continue
        above = []
        back = number - 1
        while back >= 0 and source[back].strip().startswith("#"):
            above.insert(0, source[back].strip()[1:].strip())
            back -= 1
        comments.setdefault(match.group(1), "\n".join(above))
    return comments


def main() -> None:
    files: dict[str, dict[str, list[str]]] = {lang: {} for lang in LANGS}
    header = (
        "# Generated once from the word tables that were Python literals in bot/{module}\n"
        "# (scripts/make_lang_data.py, issue 14); edit freely: this file is the source now.\n"
    )

    def add(lang: str, name: str, lines: list[str]) -> None:
        files[lang].setdefault(name, []).extend(lines)

    # --- language.yaml
    names = {
        "en": ("English", "latin"),
        "ru": ("Русский", "cyrillic"),
        "id": ("Bahasa Indonesia", "latin"),
        "tl": ("Tagalog", "latin"),
        "bn": ("বাংলা", "bengali"),
        "ne": ("नेपाली", "devanagari"),
        "th": ("ไทย", "thai"),
        "vi": ("Tiếng Việt", "latin"),
    }
    for lang, (name, writing) in names.items():
        lines = ["# What this language is written in.", f"name: {name}", f"script: {writing}"]
        if lang == "vi":
            letters = sorted(lexical._VIETNAMESE_LETTERS | {chr(c) for c in range(0x1EA0, 0x1EFA)})
            lines += [
                "# Letters no other language the bot meets writes (ă đ ơ ư and the stacked tone",
                "# marks): a Latin-script message with one of them is this language.",
                f"letters: {''.join(letters)}",
                "# Words are one to three syllables written apart: each two neighbouring syllables",
                '# are also indexed as one word ("hộ chiếu" -> "hochieu").',
                "syllable_pairs: true",
            ]
        add(lang, "language.yaml", lines)

    # --- stopwords.yaml (matching)
    stop_source = re.search(
        r'_STOPWORDS = frozenset\(\n    fold\(word\)\n    for word in split_words\(\n        """(.*?)"""',
        (ROOT / "bot" / "matching" / "lexical.py").read_text(encoding="utf-8"),
        re.S,
    )
    assert stop_source
    stop_lines = [line.split() for line in stop_source.group(1).split("\n") if line.strip()]
    # en 20 lines, ru 4, id 3, tl 2, bn 2, ne 2, vi 2 (as written).
    spans = {"en": 20, "ru": 4, "id": 3, "tl": 2, "bn": 2, "ne": 2, "vi": 2}
    at = 0
    for lang, count in spans.items():
        words = [w for line in stop_lines[at : at + count] for w in line]
        at += count
        add(
            lang,
            "stopwords.yaml",
            words_entry(
                "words",
                words,
                comment="Greetings, filler and function words: they carry no topic and are dropped\n"
                "from questions and content alike before matching.",
            ),
        )
    assert at == len(stop_lines), (at, len(stop_lines))
    add(
        "th",
        "stopwords.yaml",
        words_entry(
            "trailing",
            list(lexical._THAI_TAIL),
            comment="Polite particles and question words at the end of a Thai question\n"
            '("...ไหมครับ"): cut off a run of Thai letters before it is matched.',
        ),
    )

    # --- stems.yaml
    add(
        "en",
        "stems.yaml",
        ['# Irregular plurals and past forms, so "paid" finds "pay".', "irregular:"]
        + [f"  {k}: {v}" for k, v in lexical._EN_IRREGULAR.items()],
    )
    add(
        "en",
        "stems.yaml",
        words_entry(
            "suffixes",
            list(lexical._EN_SUFFIXES),
            comment='Suffixes, tried in this order; two passes ("nationalities" -> nation).',
        ),
    )
    for lang, endings, keep, passes in (
        ("ru", lexical._RU_ENDINGS, 3, 1),
        ("bn", lexical._BN_ENDINGS, 2, 2),
        ("ne", lexical._NE_ENDINGS, 2, 2),
    ):
        add(
            lang,
            "stems.yaml",
            [
                *words_entry(
                    "endings",
                    list(endings),
                    comment="Case and number endings; the longest that fits is cut off.",
                ),
                "# Letters a stem keeps at least, and how many endings may be cut in a row.",
                f"keep: {keep}",
                f"passes: {passes}",
            ],
        )

    # --- synonyms.yaml (en)
    source = (ROOT / "bot" / "matching" / "lexical.py").read_text(encoding="utf-8")
    block = source[source.index("_SYNONYM_GROUPS") : source.index("# Irregular plurals")]
    lines = [
        "# Everyday words people use for what the document calls otherwise, built from the",
        "# document's own concepts, not from test questions. Each group is read both ways; a",
        "# match through it counts a bit less than the word itself.",
        "groups:",
    ]
    groups = iter(lexical._SYNONYM_GROUPS)
    pending_comment: list[str] = []
    for line in block.splitlines()[1:]:
        stripped = line.strip()
        if stripped.startswith("#"):
            pending_comment.append(stripped)
        elif (stripped.startswith("(") and stripped != "(") or stripped == "(":
            lines += [f"  {c}" for c in pending_comment]
            pending_comment = []
            lines.append("  - " + " ".join(next(groups)))
    assert next(groups, None) is None
    add("en", "synonyms.yaml", lines)

    # --- distress.yaml
    comments = concept_comments()
    concept_tables = dict(distress._CONCEPTS)
    per_lang: dict[str, list[str]] = {lang: ["concepts:"] for lang in LANGS}
    for concept, text in concept_tables.items():
        by_lang = classify(text)
        for lang in LANGS:
            if by_lang.get(lang):
                per_lang[lang] += words_entry(
                    concept, by_lang.pop(lang), 2, comments.get(concept, "")
                )
        assert not by_lang, (concept, by_lang)
    for lang in LANGS:
        add(lang, "distress.yaml", per_lang[lang])
    distress_source = (ROOT / "bot" / "distress.py").read_text(encoding="utf-8")
    quotes = '"' * 3
    personal_source = re.search(
        "_PERSONAL = frozenset\\(.*?" + quotes + "(.*?)" + quotes, distress_source, re.S
    )
    typos_source = re.search(
        "_NOT_TYPOS = frozenset\\(.*?" + quotes + "(.*?)" + quotes, distress_source, re.S
    )
    assert personal_source
    assert typos_source
    simple = (
        (
            "personal",
            personal_source.group(1),
            'Words that put the writer in the situation ("my", "we").',
        ),
        (
            "modals",
            distress._MODALS,
            'A modal just before a signal makes it a question ("can my boss keep...").',
        ),
        (
            "modals_after",
            distress._MODALS_AFTER,
            "A question word right after a signal, in the same clause, makes it a question.",
        ),
        (
            "not_typos",
            typos_source.group(1),
            "Everyday words one letter away from a signal word: never read as its typo.",
        ),
    )
    for key, text, comment in simple:
        for lang, words in classify(text).items():
            add(lang, "distress.yaml", words_entry(key, words, 0, comment))
    add(
        "th",
        "distress.yaml",
        words_entry(
            "segmentation_words",
            distress._THAI_OTHER_WORDS.split(),
            comment='Words that contain a vocabulary word but mean something else ("นายจ้าง" is not\n'
            '"จ้าง"), known to the Thai word cutter so it does not cut them apart.',
        ),
    )
    add(
        "vi",
        "distress.yaml",
        ['# Chat spellings read as the full word in phrases ("ko tra" is "khong tra").', "aliases:"]
        + [f"  {k}: {v}" for k, v in distress._ALIASES.items()],
    )
    add(
        "vi",
        "distress.yaml",
        words_entry(
            "markers",
            sorted(distress._VIETNAMESE_WORDS),
            comment="Words only this language has: with one of them, the homographs below are read\nas this language.",
        ),
    )
    add(
        "vi",
        "distress.yaml",
        words_entry(
            "homographs",
            sorted(distress._VI_HOMOGRAPHS),
            comment='Folded syllables that are also words of other languages\' lists ("cần" is not\n"can"): in a message of this language they count only inside phrases.',
        ),
    )
    add(
        "tl",
        "distress.yaml",
        words_entry(
            "markers",
            sorted(distress._TAGALOG_WORDS),
            comment="Words only this language has: with one of them, the homographs below are read\nas this language.",
        ),
    )
    add(
        "tl",
        "distress.yaml",
        words_entry(
            "homographs",
            sorted(distress._TAGALOG_HOMOGRAPHS),
            comment='"may" is "there is" here ("may lagnat ako"), not the English modal.',
        ),
    )

    for lang, by_file in files.items():
        folder = OUT / lang
        folder.mkdir(parents=True, exist_ok=True)
        for name, lines in by_file.items():
            module = "distress.py" if name == "distress.yaml" else "matching/lexical.py"
            text = header.format(module=module) + "\n".join(lines) + "\n"
            (folder / name).write_text(text, encoding="utf-8")
            print(folder / name, len(lines))


if __name__ == "__main__":
    main()
