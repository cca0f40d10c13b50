"""Translations that keep step with the English: source hashes, stale fields, translators' CSV.

Every translated field records the hash of the English it was made from, in the pack's
`translations:` block (`translations: {<section id>: {<lang>: {<field>: <hash>}}}`; glossary
entries are `glossary.<id>`, the note on what happened next `what_happened_next`). When the
English changes, its hash no longer matches: the translation is *stale*. `validate` and
/content list stale fields per language and section; the bot still shows a stale translation
(it is usually still mostly right, and far better than English for someone who cannot read
English) with a one-line note that the English was updated and the English one tap away.

Translators work on a CSV file, no YAML:

    python -m bot translations export --lang th --out th.csv
    python -m bot translations import th.csv

Columns: section, field, English, translation (th), reviewed, note. List fields (key points,
keywords, questions, glossary words) hold one item per line in their cell. Import checks every
row (placeholders, length, script) and writes nothing unless all rows are good; then it writes
the changed translations into the pack, records the hash of the English each row was made from
(the English column: if the English changed since the export, the row is stale at once), and
sets `reviewed` for a section's language to true only when every row of it is marked reviewed.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.loader import build_library
from bot.content.models import (
    DEFAULT_LANGUAGE,
    SUPPORTED_LANGUAGES,
    Library,
    Pack,
    english_hash,
    stale_in,
)
from bot.content.yamledit import KeyPath, Value, replace_top_level, set_values

# The header of a translator's CSV; the translation column names its language.
COLUMNS = ("section", "field", "English", "translation ({lang})", "reviewed", "note")
REVIEWED_MARKS = frozenset({"yes", "y", "true", "x", "1", "reviewed", "ok"})
# A translation may be longer than its English (Russian and Tagalog often are), but not wildly.
MAX_LENGTH_RATIO = 3.0
LENGTH_SLACK = 60
MAX_CHARS = 2000  # the loader's limit for one field
# Fields made of the users' own words (keywords, example questions, glossary match words)
# mix scripts on purpose ("dalal", "manpower"), and a glossary term often keeps the English
# word in brackets; only the other fields are checked for script.
MIXED_SCRIPT_FIELDS = frozenset({"keywords", "questions", "words", "term"})
# At least this share of a translation's letters must be in its language's script.
MIN_SCRIPT_SHARE = 0.6
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}|</?[a-z]+>|https?://\S+")


@dataclass(frozen=True)
class Unit:
    """Something translated as a whole: a section, a glossary entry, what happened next."""

    key: str
    path: KeyPath  # where its mapping is in the pack's YAML
    fields: Mapping[str, Mapping[str, object]]
    reviewed: Mapping[str, bool]
    translated_from: Mapping[str, Mapping[str, str]]

    def stale(self, lang: str) -> tuple[str, ...]:
        """Fields whose `lang` text was made from an older English."""
        return stale_in(self.fields, self.translated_from, lang)

    def unstamped(self, lang: str) -> tuple[str, ...]:
        """Translated fields that record no English hash at all."""
        recorded = self.translated_from.get(lang, {})
        return tuple(
            name
            for name, values in self.fields.items()
            if values.get(lang) and name not in recorded
        )


def units(pack: Pack) -> list[Unit]:
    """Every translated unit of a pack, in file order."""
    found = [
        Unit(s.id, ("sections", index), s.translatable(), s.reviewed, s.translated_from)
        for index, s in enumerate(pack.sections)
    ]
    found += [
        Unit(e.key, ("glossary", index), e.translatable(), e.reviewed, e.translated_from)
        for index, e in enumerate(pack.glossary)
    ]
    steps = pack.next_steps
    if steps.text:
        found.append(
            Unit(
                steps.KEY, (steps.KEY,), steps.translatable(), steps.reviewed, steps.translated_from
            )
        )
    return found


def translated_languages(library: Library) -> tuple[str, ...]:
    """Every language except English (stale and missing lists are per translated language)."""
    return tuple(lang for lang in SUPPORTED_LANGUAGES if lang != DEFAULT_LANGUAGE)


def stale_report(library: Library) -> dict[str, dict[str, tuple[str, ...]]]:
    """Per language, per section (or glossary entry): the fields whose English changed since
    they were translated. Languages with nothing stale are left out."""
    report: dict[str, dict[str, tuple[str, ...]]] = {}
    for lang in translated_languages(library):
        for pack in library.packs:
            for unit in units(pack):
                stale = unit.stale(lang)
                if stale:
                    report.setdefault(lang, {})[unit.key] = stale
    return report


def unstamped_report(library: Library) -> dict[str, int]:
    """Per language: how many translated fields record no English hash."""
    counts: dict[str, int] = {}
    for lang in translated_languages(library):
        total = sum(len(u.unstamped(lang)) for pack in library.packs for u in units(pack))
        if total:
            counts[lang] = total
    return counts


def describe_stale(report: Mapping[str, Mapping[str, tuple[str, ...]]]) -> list[str]:
    """One line per language: "th: human-rights (summary, key_points); glossary.firewall (...)"."""
    return [
        f"{lang}: " + "; ".join(f"{key} ({', '.join(fields)})" for key, fields in by_key.items())
        for lang, by_key in report.items()
    ]


def stale_lines(library: Library, file_name: str | None = None) -> list[str]:
    """The stale translations as report lines (of one file's packs, given `file_name`)."""
    if file_name is not None:
        library = Library(tuple(pack for pack in library.packs if pack.file_name == file_name))
    stale = describe_stale(stale_report(library))
    if not stale:
        return []
    return ["Stale translations (the English changed after they were made):"] + [
        f"  {line}" for line in stale
    ]


# --- stamping --------------------------------------------------------------------------------


def hashes_block(recorded: Mapping[str, Mapping[str, Mapping[str, str]]]) -> str:
    """The `translations:` block for a pack, one line per unit and language."""
    lines = [
        "# The English each translation was made from: a hash per field, written by",
        "# `python -m bot translations stamp` and `translations import` (see content/README.md).",
        "translations:",
    ]
    for key, by_lang in recorded.items():
        if not any(by_lang.values()):
            continue
        lines.append(f"  {key}:")
        for lang, by_field in by_lang.items():
            if by_field:
                inner = ", ".join(f"{name}: '{digest}'" for name, digest in by_field.items())
                lines.append(f"    {lang}: {{{inner}}}")
    if len(lines) == 3:
        lines[-1] = "translations: {}"
    return "\n".join(lines) + "\n"


def _without_comment(text: str) -> str:
    """The file text without the two comment lines `hashes_block` writes above the block (so
    replacing the block does not repeat them)."""
    header = "\n".join(hashes_block({}).splitlines()[:2]) + "\n"
    return text.replace(header, "")


def write_hashes(text: str, recorded: Mapping[str, Mapping[str, Mapping[str, str]]]) -> str:
    """The pack's YAML text with its `translations:` block replaced by `recorded`."""
    return replace_top_level(_without_comment(text), "translations", hashes_block(recorded))


def stamped(pack: Pack, lang: str | None = None) -> dict[str, dict[str, dict[str, str]]]:
    """Every translated field's hash, set to its English as it is now (for `lang` only, or for
    every language); other recorded hashes are kept."""
    recorded = _recorded(pack)
    for unit in units(pack):
        for code in [lang] if lang else list(SUPPORTED_LANGUAGES):
            if code == DEFAULT_LANGUAGE:
                continue
            by_field = {
                name: english_hash(values[DEFAULT_LANGUAGE])  # type: ignore[arg-type]
                for name, values in unit.fields.items()
                if values.get(code) and values.get(DEFAULT_LANGUAGE)
            }
            if by_field:
                recorded.setdefault(unit.key, {})[code] = by_field
    return _ordered(pack, recorded)


def _recorded(pack: Pack) -> dict[str, dict[str, dict[str, str]]]:
    return {
        unit.key: {lang: dict(by_field) for lang, by_field in unit.translated_from.items()}
        for unit in units(pack)
        if unit.translated_from
    }


def _ordered(
    pack: Pack, recorded: Mapping[str, Mapping[str, Mapping[str, str]]]
) -> dict[str, dict[str, dict[str, str]]]:
    """Units in file order, languages in the bot's order, fields in the unit's order."""
    result: dict[str, dict[str, dict[str, str]]] = {}
    for unit in units(pack):
        by_lang = recorded.get(unit.key, {})
        for lang in SUPPORTED_LANGUAGES:
            by_field = by_lang.get(lang, {})
            ordered = {name: by_field[name] for name in unit.fields if name in by_field}
            if ordered:
                result.setdefault(unit.key, {})[lang] = ordered
    return result


# --- the translator's CSV --------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row of a translator's CSV: one field of one section in one language."""

    section: str
    field: str
    english: str
    translation: str
    reviewed: bool
    note: str = ""
    line: int = 0


def _cell(value: object) -> str:
    """A field value as a CSV cell: list items one per line."""
    if isinstance(value, tuple | list):
        return "\n".join(str(item) for item in value)
    return str(value) if value else ""


def export_rows(library: Library, lang: str) -> Iterator[Row]:
    """A row for every field that has English, with its translation in `lang` (maybe empty)."""
    for pack in library.packs:
        for unit in units(pack):
            stale = unit.stale(lang)
            for name, values in unit.fields.items():
                english = values.get(DEFAULT_LANGUAGE)
                if not english:
                    continue
                translation = values.get(lang)
                note = ""
                if not translation:
                    note = "missing: please translate"
                elif name in stale:
                    note = "the English was updated since this was translated"
                yield Row(
                    unit.key,
                    name,
                    _cell(english),
                    _cell(translation),
                    bool(translation) and unit.reviewed.get(lang, False),
                    note,
                )


def export_csv(library: Library, lang: str) -> str:
    """The CSV a translator fills in for `lang`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([column.format(lang=lang) for column in COLUMNS])
    for row in export_rows(library, lang):
        writer.writerow(
            [
                row.section,
                row.field,
                row.english,
                row.translation,
                "yes" if row.reviewed else "no",
                row.note,
            ]
        )
    return out.getvalue()


class ImportError_(Exception):
    """The CSV has problems; nothing was written. `problems` lists them all."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read_csv(data: str, lang: str | None = None) -> tuple[str, list[Row]]:
    """The language and the rows of a translator's CSV (the header names the language)."""
    reader = csv.reader(io.StringIO(data.removeprefix("\ufeff")))
    header = next(reader, None)
    if header is None or len(header) < 5:
        raise ImportError_(
            ["the file has no header row (section, field, English, translation, reviewed, note)"]
        )
    match = re.search(r"\((\w+)\)", header[3])
    found = lang or (match.group(1) if match else None)
    if found not in SUPPORTED_LANGUAGES or found == DEFAULT_LANGUAGE:
        raise ImportError_(
            [
                "which language is this? The 4th column should be 'translation (th)' or "
                f"similar, not {header[3]!r}"
            ]
        )
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        cells = [*cells, "", "", "", "", "", ""][:6]
        rows.append(
            Row(
                cells[0].strip(),
                cells[1].strip(),
                cells[2],
                cells[3].strip(),
                cells[4].strip().lower() in REVIEWED_MARKS,
                cells[5],
                number,
            )
        )
    return found, rows


@dataclass
class ImportPlan:
    """What an import changes in one pack file."""

    changes: list[tuple[KeyPath, Value]] = field(default_factory=list)
    hashes: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    updated: list[str] = field(default_factory=list)  # "section.field"
    reviewed: dict[str, bool] = field(default_factory=dict)  # section -> new flag


def plan_import(pack: Pack, lang: str, rows: Iterable[Row]) -> tuple[ImportPlan, list[str]]:
    """Check the rows that belong to `pack`; return what to change and every problem found."""
    by_key = {unit.key: unit for unit in units(pack)}
    plan = ImportPlan(hashes=_recorded(pack))
    problems: list[str] = []
    marks: dict[str, list[bool]] = {}
    for row in rows:
        unit = by_key.get(row.section)
        if unit is None:
            continue
        where = f"row {row.line} ({row.section}, {row.field})"
        values = unit.fields.get(row.field)
        if values is None:
            problems.append(f"{where}: '{row.field}' is not a field of {row.section}")
            continue
        if not row.translation:
            continue  # not translated yet: nothing to import, nothing deleted
        english_now = values.get(DEFAULT_LANGUAGE)
        is_list = isinstance(english_now, tuple)
        new: str | tuple[str, ...] = (
            tuple(line.strip() for line in row.translation.splitlines() if line.strip())
            if is_list
            else row.translation
        )
        made_from: str | tuple[str, ...] = (
            tuple(line.strip() for line in row.english.splitlines() if line.strip())
            if is_list
            else row.english
        )
        changed = values.get(lang) != new
        # Only what the translator changed is checked: the pack's own text already loaded.
        row_problems = check_translation(lang, row.field, made_from, new) if changed else []
        problems += [f"{where}: {problem}" for problem in row_problems]
        if row_problems:
            continue
        marks.setdefault(unit.key, []).append(row.reviewed)
        if changed:
            plan.changes.append(((*unit.path, row.field, lang), new))
            plan.updated.append(f"{unit.key}.{row.field}")
        recorded = plan.hashes.setdefault(unit.key, {}).setdefault(lang, {})
        # A new text, or one a reviewer confirmed, was made from the English in the row; an
        # untouched, unconfirmed one keeps what it was made from (stale stays stale).
        if changed or row.reviewed or row.field not in recorded:
            recorded[row.field] = english_hash(made_from)
    for key, flags in marks.items():
        unit = by_key[key]
        complete = all(flags) and len(flags) == sum(
            1 for v in unit.fields.values() if v.get(DEFAULT_LANGUAGE)
        )
        if complete != unit.reviewed.get(lang, False):
            plan.reviewed[key] = complete
            plan.changes.append(((*unit.path, "reviewed", lang), complete))
    plan.hashes = _ordered(pack, plan.hashes)
    return plan, problems


def check_translation(lang: str, name: str, english: Value, translation: Value) -> list[str]:
    """Placeholders, length and script of one translated field."""
    problems = []
    english_items = [english] if isinstance(english, str) else list(english)  # type: ignore[arg-type]
    items = [translation] if isinstance(translation, str) else list(translation)  # type: ignore[arg-type]
    if name == "key_points" and len(items) != len(english_items):
        problems.append(
            f"{len(items)} key points; the English has {len(english_items)} (one per line)"
        )
    wanted = sorted(_PLACEHOLDER.findall(" ".join(english_items)))
    got = sorted(_PLACEHOLDER.findall(" ".join(items)))
    if wanted != got:
        problems.append(f"placeholders, tags or links differ from the English: {wanted} vs {got}")
    english_length = sum(len(item) for item in english_items)
    for item in items:
        if len(item) > MAX_CHARS:
            problems.append(f"{len(item)} characters; the limit is {MAX_CHARS}")
    length = sum(len(item) for item in items)
    if length > english_length * MAX_LENGTH_RATIO + LENGTH_SLACK:
        problems.append(
            f"{length} characters, far longer than the English ({english_length}): "
            "is it the right text?"
        )
    if name not in MIXED_SCRIPT_FIELDS:
        script = _script(lang)
        share = script_share(" ".join(items), script)
        if share < MIN_SCRIPT_SHARE:
            problems.append(
                f"only {share:.0%} of its letters are {script.title()}: "
                "is it in the right language?"
            )
    return problems


def _script(lang: str) -> str:
    """The Unicode script name of a language's letters (LATIN, THAI...), from its
    bot/lang/<code>/language.yaml."""
    from bot.lang.data import load_languages

    return load_languages()[lang].script.upper()


def script_share(text: str, script: str) -> float:
    """The share of the letters in `text` that belong to `script` (1.0 if there are none)."""
    letters = [char for char in text if char.isalpha()]
    if not letters:
        return 1.0
    inside = sum(1 for char in letters if unicodedata.name(char, "").startswith(script))
    return inside / len(letters)


# --- whole files -----------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What `import_translations` did (or would do): new file contents and a report."""

    lang: str
    files: dict[str, bytes]
    updated: list[str]
    reviewed: dict[str, bool]


def import_translations(
    files: Mapping[str, bytes], seeds_dir: Path, csv_text: str, lang: str | None = None
) -> ImportResult:
    """The content files after importing a translator's CSV (only the changed ones).

    Raises:
        ImportError_: every problem, in the CSV or in the content it would make.
    """
    library = _library(files, seeds_dir)
    code, rows = read_csv(csv_text, lang)
    known = {unit.key for pack in library.packs for unit in units(pack)}
    problems = [
        f"row {row.line}: '{row.section}' is not a section or glossary entry in the content"
        for row in rows
        if row.section not in known
    ]
    new_files: dict[str, bytes] = {}
    updated: list[str] = []
    reviewed: dict[str, bool] = {}
    for pack in library.packs:
        plan, pack_problems = plan_import(pack, code, rows)
        problems += pack_problems
        if pack_problems or (not plan.changes and plan.hashes == _ordered(pack, _recorded(pack))):
            continue
        text = files[pack.file_name].decode("utf-8")
        text = set_values(text, plan.changes)
        text = write_hashes(text, plan.hashes)
        new_files[pack.file_name] = text.encode("utf-8")
        updated += plan.updated
        reviewed.update(plan.reviewed)
    if problems:
        raise ImportError_(problems)
    _library({**files, **new_files}, seeds_dir)  # the result must load, or nothing is written
    return ImportResult(code, new_files, updated, reviewed)


def stamp_files(
    files: Mapping[str, bytes], seeds_dir: Path, lang: str | None = None
) -> dict[str, bytes]:
    """The content files whose `translations:` block changes when every translated field (of
    `lang`, or of all languages) is recorded as made from the English as it is now."""
    library = _library(files, seeds_dir)
    changed: dict[str, bytes] = {}
    for pack in library.packs:
        recorded = stamped(pack, lang)
        if (
            recorded == _ordered(pack, _recorded(pack))
            and b"\ntranslations:" in files[pack.file_name]
        ):
            continue
        text = write_hashes(files[pack.file_name].decode("utf-8"), recorded)
        changed[pack.file_name] = text.encode("utf-8")
    _library({**files, **changed}, seeds_dir)
    return changed


def _library(files: Mapping[str, bytes], seeds_dir: Path) -> Library:
    library, problems = build_library(files, seeds_dir)
    if library is None or problems:
        raise ImportError_([str(problem) for problem in problems])
    return library
