"""Read content packs (YAML) into models, collecting every problem with file, line, section, field.

The loader is the only place that touches content files. It is strict on purpose: content comes
from admins' uploads and from other repositories, and a broken file must never go live.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.content.models import (
    DEFAULT_LANGUAGE,
    DISTRESS_KINDS,
    GENERAL_DISTRESS,
    LIST_FIELDS,
    SOURCE_HASH_CHARS,
    SUPPORTED_LANGUAGES,
    TEXT_FIELDS,
    Contact,
    CountryReferrals,
    GlossaryEntry,
    Library,
    NextSteps,
    Pack,
    PlainLanguageRules,
    Section,
)
from bot.scrub import contacts_in
from bot.yamlfile import SAFE_LOADER

# Limits. A content file is a few dozen KB of prose; anything far bigger is a mistake or an attack.
MAX_FILE_BYTES = 1024 * 1024  # the same as the upload limit: the 8-language pack is ~520 KB
MAX_DEPTH = 12  # the schema nests 5 levels; deeper is never a real content file
MAX_TEXT_CHARS = 2000  # one field; Telegram's own limit is 4096 for the whole message
MIN_KEY_POINTS, MAX_KEY_POINTS = 3, 6
MIN_QUESTIONS, MAX_QUESTIONS = 5, 15
CONTENT_SUFFIXES = (".yaml", ".yml")

# The C parser (libyaml) is several times faster; PyYAML wheels ship it, source builds may not.

SECTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")
SEED_FILE_NAME = re.compile(r"^[A-Za-z0-9._-]+\.txt$")

PACK_KEYS = {"id", "version", "title", "source", "urgent_sections", "urgent_kinds", "synonyms"}
SOURCE_KEYS = {"document", "file", "date", "place"}
SECTION_KEYS = {"id", "source_lines", "related", "reviewed", *TEXT_FIELDS, *LIST_FIELDS}
# The safety keys: the urgent-help notes and the checked referrals (see content/README.md).
SAFETY_KEYS = {"urgent_help", "urgent_reviewed", "referrals"}
COUNTRY_KEYS = {"country", "contacts"}
CONTACT_KEYS = {
    "name",
    "phone",
    "telegram",
    "web",
    "languages",
    "hours",
    "note",
    "verified",
    "source",
}
# Keys that older packs had in their header, and where their content goes now.
MOVED_PACK_KEYS = {
    "urgent_help": "the urgent-help notes are a top-level 'urgent_help:' of one pack, by kind",
    "local_contacts": "contacts go in 'referrals:', by country, each with verified and source",
}

COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")  # ISO 3166-1 alpha-2
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")  # ISO 639
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,30}$")
TELEGRAM_HANDLE = re.compile(r"^@[A-Za-z][A-Za-z0-9_]{3,31}$")
WEB_ADDRESS = re.compile(r"^https?://[^\s<>\"']+$")
# Blocks beside `sections`: the glossary, what happened next, plain-language rules, and the
# hashes of the English each translation was made from (written by `translations stamp`).
EXTRA_KEYS = {"glossary", NextSteps.KEY, "plain_language", "translations"}
TOP_KEYS = {"pack", "sections", *EXTRA_KEYS, *SAFETY_KEYS}
GLOSSARY_KEYS = {"id", "term", "explanation", "words", "reviewed"}
NEXT_STEPS_KEYS = {"text", "shown_with", "reviewed"}
PLAIN_KEYS = {"banned_jargon", "max_sentence_words"}
SOURCE_HASH = re.compile(rf"^[0-9a-f]{{{SOURCE_HASH_CHARS}}}$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a content file, located as precisely as the YAML allows."""

    file: str
    message: str
    line: int | None = None
    section: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        section = f" section '{self.section}'" if self.section else ""
        field = f" {self.field}:" if self.field else ""
        return f"{where}{section}:{field} {self.message}"


class ContentError(Exception):
    """The content has problems and was not loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


Path_ = tuple[str | int, ...]


class _Located:
    """The parsed document plus a map from key paths to YAML line numbers (1-based)."""

    def __init__(self, root: yaml.Node) -> None:
        self.lines: dict[Path_, int] = {}
        self.duplicates: list[tuple[Path_, int]] = []
        self.too_deep: int | None = None
        self._walk(root, ())

    def line(self, path: Path_) -> int | None:
        """The line of the deepest known node on `path`."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def _walk(self, node: yaml.Node, path: Path_) -> None:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if len(path) > MAX_DEPTH:
            self.too_deep = self.too_deep or node.start_mark.line + 1
            return
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in seen:
                    self.duplicates.append(((*path, key), key_node.start_mark.line + 1))
                seen.add(key)
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                self._walk(value_node, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, (*path, index))


def read_content_dir(content_dir: Path) -> dict[str, bytes]:
    """Every content file in `content_dir` (not in hidden folders), by file name, sorted."""
    files = sorted(
        path
        for path in content_dir.iterdir()
        if path.is_file() and path.suffix in CONTENT_SUFFIXES and not path.name.startswith(".")
    )
    return {path.name: path.read_bytes() for path in files}


def load_library(content_dir: Path, seeds_dir: Path) -> Library:
    """Load every pack in `content_dir`; raise ContentError listing every problem found."""
    if not content_dir.is_dir():
        raise ContentError([Problem(str(content_dir), "content folder not found")])
    library, problems = build_library(read_content_dir(content_dir), seeds_dir, label=content_dir)
    if problems or library is None:
        raise ContentError(problems)
    return library


def build_library(
    files: Mapping[str, bytes], seeds_dir: Path, *, label: Path | None = None
) -> tuple[Library | None, list[Problem]]:
    """Parse and check content files given as bytes by file name, then check them together."""
    problems: list[Problem] = []
    packs: list[Pack] = []
    if not files:
        problems.append(Problem(str(label or "content"), "no content files (*.yaml) found"))
    for name, data in files.items():
        shown = str(label / name) if label else name
        pack, file_problems = parse_pack(shown, data, seeds_dir)
        problems.extend(file_problems)
        if pack is not None:
            packs.append(pack)
    problems.extend(_check_across_packs(packs))
    if problems:
        return None, problems
    return Library(tuple(packs)), []


def _check_across_packs(packs: Iterable[Pack]) -> list[Problem]:
    problems: list[Problem] = []
    pack_ids: dict[str, str] = {}
    section_ids: dict[str, str] = {}
    for pack in packs:
        if pack.id in pack_ids:
            problems.append(
                Problem(pack.file_name, f"pack id '{pack.id}' is also used in {pack_ids[pack.id]}")
            )
        pack_ids.setdefault(pack.id, pack.file_name)
        for section in pack.sections:
            if section.id in section_ids and section_ids[section.id] != pack.file_name:
                problems.append(
                    Problem(
                        pack.file_name,
                        f"section id is also used in {section_ids[section.id]}",
                        section=section.id,
                        field="id",
                    )
                )
            section_ids.setdefault(section.id, pack.file_name)
    defining = [pack.file_name for pack in packs if pack.urgent_help]
    if len(defining) > 1:
        for file_name in defining:
            others = ", ".join(name for name in defining if name != file_name)
            problems.append(
                Problem(
                    file_name,
                    f"urgent_help: also defined in {others}; only one pack may define the "
                    "urgent-help notes (change that one instead)",
                )
            )
    for pack in packs:
        for urgent in pack.urgent_sections:
            if urgent not in section_ids:
                problems.append(
                    Problem(
                        pack.file_name,
                        f"pack: urgent_sections: '{urgent}' is not a section id",
                    )
                )
        for kind, kind_sections in pack.urgent_kinds.items():
            problems.extend(
                Problem(pack.file_name, f"pack: urgent_kinds: {kind}: '{sid}' is not a section id")
                for sid in kind_sections
                if sid not in section_ids
            )
        for section in pack.sections:
            for related in section.related:
                if related not in section_ids:
                    problems.append(
                        Problem(
                            pack.file_name,
                            f"'{related}' is not a section id",
                            section=section.id,
                            field="related",
                        )
                    )
    return problems


def _decode(name: str, data: bytes) -> tuple[str | None, list[Problem]]:
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Problem(name, "contains NUL bytes: this looks like a binary file, not YAML")]
    if len(data) > MAX_FILE_BYTES:
        return None, [
            Problem(
                name, f"file is {len(data) // 1024} KB; the limit is {MAX_FILE_BYTES // 1024} KB"
            )
        ]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return None, [Problem(name, "the file is UTF-16; save it as UTF-8")]
        return None, [
            Problem(
                name,
                f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); "
                "save the file as UTF-8",
            )
        ]
    if "\x00" in text:
        return None, [Problem(name, "contains NUL bytes: this looks like a binary file, not YAML")]
    return text.removeprefix("\ufeff"), []


def _parse_yaml(name: str, text: str) -> tuple[Any, _Located | None, list[Problem]]:
    for number, text_line in enumerate(text.splitlines(), 1):
        if "\t" in text_line[: len(text_line) - len(text_line.lstrip())]:
            return None, None, [Problem(name, "indented with a tab; YAML needs spaces", number)]
    root: yaml.Node | None = None
    try:
        for event in yaml.parse(text, Loader=SAFE_LOADER):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                at = event.start_mark.line + 1 if event.start_mark else None
                return (
                    None,
                    None,
                    [Problem(name, "YAML anchors and aliases (&, *) are not allowed", at)],
                )
        root = yaml.compose(text, Loader=SAFE_LOADER)
        if root is None:
            return None, None, [Problem(name, "file is empty")]
        located = _Located(root)
        if located.too_deep:
            return (
                None,
                None,
                [Problem(name, f"nested deeper than {MAX_DEPTH} levels", located.too_deep)],
            )
        data = yaml.load(text, Loader=SAFE_LOADER)
    except (ValueError, OverflowError) as error:
        # Well-formed YAML whose value Python cannot make: 2017-13-45 is read as a date, a
        # 4,300-digit number as an int. A problem like any other, never a traceback.
        return None, None, [_bad_value(name, root, error)]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = error.problem or error.context or "invalid YAML"
        at = mark.line + 1 if mark else None
        return None, None, [Problem(name, f"YAML syntax error: {reason}", at)]
    except yaml.YAMLError as error:
        return None, None, [Problem(name, f"YAML error: {error}")]
    except RecursionError:
        return None, None, [Problem(name, f"nested deeper than {MAX_DEPTH} levels")]
    return data, located, []


def _bad_value(name: str, root: yaml.Node | None, error: Exception) -> Problem:
    """The problem for the first scalar YAML cannot turn into a value (with its line)."""
    constructor = yaml.constructor.SafeConstructor()
    nodes = [root] if root is not None else []
    while nodes:
        node = nodes.pop()
        if isinstance(node, yaml.MappingNode):
            nodes.extend(part for pair in reversed(node.value) for part in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            nodes.extend(reversed(node.value))
        elif isinstance(node, yaml.ScalarNode):
            try:
                constructor.construct_object(node)
            except (ValueError, OverflowError):
                return Problem(name, _value_message(node), node.start_mark.line + 1)
    return Problem(name, f"a value YAML cannot read: {type(error).__name__}")


def _value_message(node: yaml.ScalarNode) -> str:
    shown = node.value if len(node.value) <= 40 else node.value[:20] + "…"
    if node.tag.endswith(":timestamp"):
        return f"'{shown}' is not a real date: write one like 2017-11-08, or quote it as text"
    if node.tag.endswith((":int", ":float")):
        return (
            f"the number '{shown}' ({len(node.value):,} characters) is too long to read; "
            "quote it if it is text"
        )
    return f"'{shown}' cannot be read as a {node.tag.rsplit(':', 1)[-1]}; quote it as text"


def parse_pack(name: str, data: bytes, seeds_dir: Path) -> tuple[Pack | None, list[Problem]]:
    """Parse one content file; return the pack (None if unusable) and every problem in it."""
    text, problems = _decode(name, data)
    if text is None:
        return None, problems
    document, located, problems = _parse_yaml(name, text)
    if located is None:
        return None, problems
    checker = _PackChecker(name, located, seeds_dir)
    pack = checker.pack(document)
    problems = checker.problems + _contact_problems(name, document, located)
    if problems:
        return None, problems
    return pack, []


def _contact_problems(name: str, document: Any, located: _Located) -> list[Problem]:
    """Phone numbers, e-mails, links and @handles outside a checked referral: refused.

    A person in danger is pointed to these, so they may come only from a referral entry that
    says when (`verified`) and how (`source`) someone checked it.
    """
    problems: list[Problem] = []

    def checked_referral(path: Path_, value: Any) -> bool:
        return (
            len(path) == 4
            and path[0] == "referrals"
            and path[2] == "contacts"
            and isinstance(value, dict)
            and bool(value.get("verified"))
            and bool(value.get("source"))
        )

    def walk(value: Any, path: Path_) -> None:
        if checked_referral(path, value):
            return
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, str(key)))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))
        elif isinstance(value, str):
            for found in contacts_in(value):
                field = ".".join(str(part) for part in path if not isinstance(part, int))
                problems.append(
                    Problem(
                        name,
                        # Short: the admin sees each problem on one line of about 150 characters.
                        f"'{found[:30]}' is a contact: only checked referrals may have one",
                        located.line(path),
                        field=field or None,
                    )
                )

    walk(document, ())
    return problems


class _PackChecker:
    """Turns a parsed document into a Pack, noting every problem instead of stopping at one."""

    def __init__(self, name: str, located: _Located, seeds_dir: Path) -> None:
        self.name = name
        self.located = located
        self.seeds_dir = seeds_dir
        self.problems: list[Problem] = []
        for path, line in located.duplicates:
            self.problem(path, f"key '{path[-1]}' appears twice", line=line)

    def problem(
        self,
        path: Path_,
        message: str,
        *,
        section: str | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        if field is None:
            parts = path[2:] if path[:1] == ("sections",) else path
            field = ".".join(str(part) for part in parts if not isinstance(part, int)) or None
        self.problems.append(
            Problem(self.name, message, line or self.located.line(path), section, field)
        )

    def pack(self, document: Any) -> Pack | None:
        if not isinstance(document, dict):
            self.problem(
                (), f"the file must be a mapping with {sorted(TOP_KEYS)}, not {_kind(document)}"
            )
            return None
        self._unknown_keys(document, TOP_KEYS, ())
        header = document.get("pack")
        if not isinstance(header, dict):
            self.problem(("pack",), "missing or not a mapping")
            header = {}
        for key, where in MOVED_PACK_KEYS.items():
            if key in header:
                self.problem(("pack", key), f"no longer a pack field: {where}")
        self._unknown_keys(
            {key: value for key, value in header.items() if key not in MOVED_PACK_KEYS},
            PACK_KEYS,
            ("pack",),
        )
        pack_id = self._string(header, "id", ("pack",), pattern=SECTION_ID)
        version = self._string(header, "version", ("pack",), coerce=True)
        title = self._texts(header, "title", ("pack",), required=True)
        urgent_sections = self._string_list(header, "urgent_sections", ("pack",))
        urgent_kinds = self._urgent_kinds(header)
        urgent_help = self._urgent_help(document)
        urgent_reviewed = self._reviewed(document, (), None, key="urgent_reviewed")
        referrals = self._referrals(document)
        # A safety pack (urgent notes, referrals) explains no document: no source, no sections.
        safety_only = "sections" not in document and any(key in document for key in SAFETY_KEYS)
        synonyms = self._synonyms(header.get("synonyms", {}))
        source = header.get("source")
        if source is None and safety_only:
            source = {}
        elif not isinstance(source, dict):
            self.problem(("pack", "source"), "missing or not a mapping")
            source = {}
        self._unknown_keys(source, SOURCE_KEYS, ("pack", "source"))
        required = not safety_only
        document_name = self._string(source, "document", ("pack", "source"), required=required)
        seed_file = self._string(
            source, "file", ("pack", "source"), pattern=SEED_FILE_NAME, required=required
        )
        source_date = self._date(source, ("pack", "source"), required=required)
        place = self._string(source, "place", ("pack", "source"), required=False)
        seed_lines = self._seed_lines(seed_file)
        hashes = self._translations(document.get("translations", {}))

        raw_sections = document.get("sections")
        sections: list[Section] = []
        if safety_only:
            raw_sections = []
        elif not isinstance(raw_sections, list) or not raw_sections:
            self.problem(("sections",), "missing, empty or not a list")
            raw_sections = []
        seen: set[str] = set()
        for index, raw in enumerate(raw_sections):
            section = self._section(raw, ("sections", index), pack_id or "", seed_lines)
            if section is None:
                continue
            section = replace(section, translated_from=hashes.get(section.id, {}))
            if section.id in seen:
                self.problem(
                    ("sections", index, "id"),
                    "duplicate section id",
                    section=section.id,
                    field="id",
                )
            seen.add(section.id)
            sections.append(section)
        glossary = self._glossary(document.get("glossary", []), hashes)
        next_steps = self._next_steps(document.get(NextSteps.KEY), hashes, seen)
        plain = self._plain_language(document.get("plain_language", {}))
        known = seen | {entry.key for entry in glossary} | {NextSteps.KEY}
        for key in hashes:
            if key not in known:
                self.problem(
                    ("translations", key),
                    f"'{key}' is not a section, a glossary entry (glossary.<id>) or "
                    f"{NextSteps.KEY}; run `python -m bot translations stamp` to rewrite the block",
                )
        if self.problems:
            return None
        return Pack(
            id=pack_id or "",
            version=version or "",
            file_name=self.name,
            title=title,
            source_document=document_name or "",
            source_file=seed_file or "",
            source_date=source_date or "",
            source_place=place or "",
            sections=tuple(sections),
            urgent_help=urgent_help,
            urgent_reviewed=urgent_reviewed,
            urgent_sections=tuple(urgent_sections),
            urgent_kinds=urgent_kinds,
            referrals=referrals,
            synonyms=synonyms,
            loaded_at=datetime.now(UTC),
            glossary=glossary,
            next_steps=next_steps,
            plain_language=plain,
        )

    def _synonyms(self, raw: Any) -> dict[str, tuple[tuple[str, ...], ...]]:
        """`synonyms: {lang: ["boss employer", ...]}`: words the pack's readers use for words
        its content uses; each group is a line of two or more words, read as the same thing."""
        path: Path_ = ("pack", "synonyms")
        if not isinstance(raw, dict):
            self.problem(path, "must map language codes to lists of word groups")
            return {}
        found: dict[str, tuple[tuple[str, ...], ...]] = {}
        for lang, groups in raw.items():
            if lang not in SUPPORTED_LANGUAGES:
                self.problem((*path, lang), f"'{lang}' is not a supported language")
                continue
            if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
                self.problem((*path, lang), 'must be a list of word groups ("boss employer")')
                continue
            kept = []
            for index, group in enumerate(groups):
                words = tuple(group.split())
                if len(words) < 2:
                    self.problem((*path, lang, index), f"'{group}' needs two or more words")
                else:
                    kept.append(words)
            found[lang] = tuple(kept)
        return found

    # --- blocks beside the sections -----------------------------------------------------------

    def _translations(self, raw: Any) -> dict[str, dict[str, dict[str, str]]]:
        """`translations: {key: {lang: {field: hash}}}`: what each translation was made from."""
        if not isinstance(raw, dict):
            self.problem(("translations",), "must map section ids to languages to hashes")
            return {}
        result: dict[str, dict[str, dict[str, str]]] = {}
        for key, by_lang in raw.items():
            if not isinstance(by_lang, dict):
                self.problem(("translations", key), "must map language codes to {field: hash}")
                continue
            for lang, by_field in by_lang.items():
                where: Path_ = ("translations", key, lang)
                if lang not in SUPPORTED_LANGUAGES or lang == DEFAULT_LANGUAGE:
                    self.problem(where, f"'{lang}' is not a translated language")
                elif not isinstance(by_field, dict) or not all(
                    isinstance(value, str) and SOURCE_HASH.match(value)
                    for value in by_field.values()
                ):
                    self.problem(
                        where,
                        f"must map field names to {SOURCE_HASH_CHARS}-digit hashes "
                        "(written by `python -m bot translations stamp`)",
                    )
                else:
                    result.setdefault(str(key), {})[str(lang)] = {
                        str(name): value for name, value in by_field.items()
                    }
        return result

    def _glossary(
        self, raw: Any, hashes: Mapping[str, dict[str, dict[str, str]]]
    ) -> tuple[GlossaryEntry, ...]:
        if not isinstance(raw, list):
            self.problem(("glossary",), "must be a list of entries (id, term, explanation)")
            return ()
        entries: list[GlossaryEntry] = []
        seen: set[str] = set()
        for index, item in enumerate(raw):
            path: Path_ = ("glossary", index)
            if not isinstance(item, dict):
                self.problem(path, f"each glossary entry must be a mapping, not {_kind(item)}")
                continue
            self._unknown_keys(item, GLOSSARY_KEYS, path)
            entry_id = self._string(item, "id", path, pattern=SECTION_ID)
            before = len(self.problems)
            term = self._texts(item, "term", path, required=True)
            explanation = self._texts(item, "explanation", path, required=True)
            words = self._lists(item, "words", path, section=f"glossary.{entry_id}")
            reviewed = self._reviewed(item, path, f"glossary.{entry_id}")
            if entry_id in seen:
                self.problem((*path, "id"), f"glossary id '{entry_id}' appears twice")
            if entry_id is None or len(self.problems) > before:
                continue
            seen.add(entry_id)
            entries.append(
                GlossaryEntry(
                    entry_id,
                    term,
                    explanation,
                    words,
                    reviewed,
                    hashes.get(f"glossary.{entry_id}", {}),
                )
            )
        return tuple(entries)

    def _next_steps(
        self, raw: Any, hashes: Mapping[str, dict[str, dict[str, str]]], section_ids: set[str]
    ) -> NextSteps:
        if raw is None:
            return NextSteps()
        path: Path_ = (NextSteps.KEY,)
        if not isinstance(raw, dict):
            self.problem(path, "must be a mapping with text and shown_with")
            return NextSteps()
        self._unknown_keys(raw, NEXT_STEPS_KEYS, path)
        text = self._texts(raw, "text", path, required=True)
        shown_with = self._string_list(raw, "shown_with", path)
        for section_id in shown_with:
            if section_id not in section_ids:
                self.problem((*path, "shown_with"), f"'{section_id}' is not a section id")
        reviewed = self._reviewed(raw, path, NextSteps.KEY)
        return NextSteps(text, tuple(shown_with), reviewed, hashes.get(NextSteps.KEY, {}))

    def _plain_language(self, raw: Any) -> PlainLanguageRules:
        path: Path_ = ("plain_language",)
        if not isinstance(raw, dict):
            self.problem(path, "must be a mapping (banned_jargon, max_sentence_words)")
            return PlainLanguageRules()
        self._unknown_keys(raw, PLAIN_KEYS, path)
        banned = self._string_list(raw, "banned_jargon", path)
        longest = raw.get("max_sentence_words", PlainLanguageRules().max_sentence_words)
        if isinstance(longest, bool) or not isinstance(longest, int) or not 5 <= longest <= 60:
            self.problem((*path, "max_sentence_words"), "must be a whole number from 5 to 60")
            longest = PlainLanguageRules().max_sentence_words
        return PlainLanguageRules(tuple(word for word in banned if word), longest)

    def _section(
        self, raw: Any, path: Path_, pack_id: str, seed_lines: list[str] | None
    ) -> Section | None:
        if not isinstance(raw, dict):
            self.problem(
                path, f"each section must be a mapping, not {_kind(raw)}", field="sections"
            )
            return None
        raw_id = raw.get("id")
        section_id = raw_id if isinstance(raw_id, str) and raw_id else None
        label = section_id or f"#{path[-1]}"
        before = len(self.problems)
        if section_id is None:
            self.problem((*path, "id"), "missing or not text", section=label, field="id")
        elif not SECTION_ID.match(section_id):
            self.problem(
                (*path, "id"),
                "use lower-case letters, digits and '-' only (max 41 characters)",
                section=label,
                field="id",
            )
        for key in sorted(set(raw) - SECTION_KEYS, key=str):
            self.problem(
                (*path, key),
                f"unknown field (allowed: {', '.join(sorted(SECTION_KEYS))})",
                section=label,
                field=str(key),
            )

        texts = {
            name: self._texts(raw, name, path, required=name != "for_migrants", section=label)
            for name in TEXT_FIELDS
        }
        lists = {name: self._lists(raw, name, path, section=label) for name in LIST_FIELDS}
        self._count(lists["key_points"], MIN_KEY_POINTS, MAX_KEY_POINTS, path, "key_points", label)
        self._count(lists["questions"], MIN_QUESTIONS, MAX_QUESTIONS, path, "questions", label)
        lines = self._line_range(raw, path, label, seed_lines)
        related = self._string_list(raw, "related", path, section=label)
        if section_id in related:
            self.problem(
                (*path, "related"),
                "a section cannot be related to itself",
                section=label,
                field="related",
            )
        reviewed = self._reviewed(raw, path, label)
        if len(self.problems) > before or section_id is None or lines is None:
            return None
        return Section(
            id=section_id,
            pack_id=pack_id,
            source_lines=lines,
            title=texts["title"],
            summary=texts["summary"],
            for_migrants=texts["for_migrants"],
            key_points=lists["key_points"],
            keywords=lists["keywords"],
            questions=lists["questions"],
            related=tuple(related),
            reviewed=reviewed,
            original=original_wording(seed_lines or [], lines),
        )

    # --- field checks -------------------------------------------------------------------------

    def _unknown_keys(self, mapping: dict[Any, Any], allowed: set[str], path: Path_) -> None:
        for key in sorted(set(mapping) - allowed, key=str):
            self.problem((*path, key), f"unknown field (allowed: {', '.join(sorted(allowed))})")

    def _string(
        self,
        mapping: dict[str, Any],
        key: str,
        path: Path_,
        *,
        required: bool = True,
        pattern: re.Pattern[str] | None = None,
        coerce: bool = False,
    ) -> str | None:
        value = mapping.get(key)
        if value is None:
            if required:
                self.problem((*path, key), "is missing")
            return None
        if coerce and isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, str):
            self.problem((*path, key), f"must be text, not {_kind(value)}")
            return None
        if not value.strip():
            self.problem((*path, key), "is empty")
            return None
        if pattern is not None and not pattern.match(value):
            self.problem((*path, key), f"'{value[:60]}' has characters that are not allowed here")
            return None
        return value.strip()

    def _date(
        self, mapping: dict[str, Any], path: Path_, *, key: str = "date", required: bool = True
    ) -> str | None:
        value = mapping.get(key)
        if isinstance(value, date):
            return value.isoformat()
        text = self._string(mapping, key, path, required=required)
        if text is None:
            return None
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            self.problem((*path, key), f"'{text}' is not a date like 2017-11-08")
            return None

    # --- safety: urgent-help notes and referrals ----------------------------------------------

    def _urgent_help(self, document: dict[str, Any]) -> dict[str, dict[str, str]]:
        raw = document.get("urgent_help")
        if raw is None:
            return {}
        path: Path_ = ("urgent_help",)
        if not isinstance(raw, dict):
            self.problem(path, f"must map kinds ({', '.join(DISTRESS_KINDS)}) to texts")
            return {}
        for kind in raw:
            if kind not in DISTRESS_KINDS:
                self.problem(
                    (*path, kind), f"unknown kind '{kind}' (allowed: {', '.join(DISTRESS_KINDS)})"
                )
        if GENERAL_DISTRESS not in raw:
            self.problem(path, f"'{GENERAL_DISTRESS}' is required (the note for any danger)")
        notes = {
            kind: self._texts(raw, kind, path, required=True)
            for kind in DISTRESS_KINDS
            if kind in raw
        }
        return {kind: texts for kind, texts in notes.items() if texts}

    def _referrals(self, document: dict[str, Any]) -> tuple[CountryReferrals, ...]:
        raw = document.get("referrals")
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            self.problem(("referrals",), "must map country codes (like TH) to their contacts")
            return ()
        countries = []
        for code, entry in raw.items():
            path: Path_ = ("referrals", str(code))
            if not isinstance(code, str) or not COUNTRY_CODE.match(code):
                self.problem(path, f"'{code}' is not a two-letter country code like TH")
                continue
            if not isinstance(entry, dict):
                self.problem(path, "must be a mapping with 'country' and 'contacts'")
                continue
            self._unknown_keys(entry, COUNTRY_KEYS, path)
            name = self._texts(entry, "country", path, required=True)
            raw_contacts = entry.get("contacts")
            if not isinstance(raw_contacts, list) or not raw_contacts:
                self.problem((*path, "contacts"), "must be a list of one contact or more")
                continue
            contacts = [
                contact
                for index, item in enumerate(raw_contacts)
                if (contact := self._contact(item, (*path, "contacts", index))) is not None
            ]
            countries.append(CountryReferrals(code, name, tuple(contacts)))
        return tuple(countries)

    def _contact(self, raw: Any, path: Path_) -> Contact | None:
        if not isinstance(raw, dict):
            self.problem(path, f"each contact must be a mapping, not {_kind(raw)}")
            return None
        before = len(self.problems)
        self._unknown_keys(raw, CONTACT_KEYS, path)
        name = self._texts(raw, "name", path, required=True)
        ways = {
            key: self._string(raw, key, path, required=False, pattern=pattern)
            for key, pattern in (
                ("phone", PHONE),
                ("telegram", TELEGRAM_HANDLE),
                ("web", WEB_ADDRESS),
            )
        }
        if not any(key in raw for key in ways):
            self.problem(path, "give at least one way to reach it: phone, telegram or web")
        verified = self._date(raw, path, key="verified")
        if verified is not None and date.fromisoformat(verified) > datetime.now(UTC).date():
            self.problem((*path, "verified"), f"{verified} is in the future")
        source = self._string(raw, "source", path)
        languages = self._string_list(raw, "languages", path)
        for code in languages:
            if not LANGUAGE_CODE.match(code):
                self.problem((*path, "languages"), f"'{code}' is not a language code like th")
        hours = self._texts(raw, "hours", path, required=False)
        note = self._texts(raw, "note", path, required=False)
        if len(self.problems) > before or verified is None or source is None:
            return None
        return Contact(
            name=name,
            verified=date.fromisoformat(verified),
            source=source,
            phone=ways["phone"] or "",
            telegram=ways["telegram"] or "",
            web=ways["web"] or "",
            languages=tuple(languages),
            hours=hours,
            note=note,
        )

    def _language_map(
        self, raw: dict[str, Any], name: str, path: Path_, section: str | None
    ) -> dict[str, Any] | None:
        value = raw.get(name)
        if not isinstance(value, dict):
            self.problem(
                (*path, name),
                f"must map language codes to text (e.g. en: ...), not {_kind(value)}",
                section=section,
                field=name,
            )
            return None
        for lang in value:
            if lang not in SUPPORTED_LANGUAGES:
                self.problem(
                    (*path, name, lang),
                    f"unknown language code '{lang}' (supported: {', '.join(SUPPORTED_LANGUAGES)})",
                    section=section,
                    field=f"{name}.{lang}",
                )
        return value

    def _texts(
        self,
        raw: dict[str, Any],
        name: str,
        path: Path_,
        *,
        required: bool,
        section: str | None = None,
    ) -> dict[str, str]:
        if name not in raw and not required:
            return {}
        if name not in raw:
            self.problem((*path, name), "is missing", section=section, field=name)
            return {}
        values = self._language_map(raw, name, path, section)
        if values is None:
            return {}
        result: dict[str, str] = {}
        for lang, text in values.items():
            where = (*path, name, lang)
            if not isinstance(text, str):
                self.problem(
                    where,
                    f"must be text, not {_kind(text)}",
                    section=section,
                    field=f"{name}.{lang}",
                )
            elif not text.strip():
                self.problem(where, "is empty", section=section, field=f"{name}.{lang}")
            elif len(text) > MAX_TEXT_CHARS:
                self.problem(
                    where,
                    f"is {len(text)} characters; keep it under {MAX_TEXT_CHARS}",
                    section=section,
                    field=f"{name}.{lang}",
                )
            elif lang in SUPPORTED_LANGUAGES:
                result[lang] = text.strip()
        if DEFAULT_LANGUAGE not in values and (required or values):
            self.problem(
                (*path, name), "English text (en) is required", section=section, field=name
            )
        return result

    def _lists(
        self, raw: dict[str, Any], name: str, path: Path_, *, section: str
    ) -> dict[str, tuple[str, ...]]:
        if name not in raw:
            self.problem((*path, name), "is missing", section=section, field=name)
            return {}
        values = self._language_map(raw, name, path, section)
        if values is None:
            return {}
        result: dict[str, tuple[str, ...]] = {}
        for lang, items in values.items():
            where = (*path, name, lang)
            shown = f"{name}.{lang}"
            if not isinstance(items, list):
                self.problem(
                    where,
                    f"must be a list of text, not {_kind(items)}",
                    section=section,
                    field=shown,
                )
                continue
            good = []
            for index, item in enumerate(items):
                if not isinstance(item, str) or not item.strip():
                    self.problem(
                        (*where, index),
                        f"item {index + 1} must be non-empty text, not {_kind(item)}",
                        section=section,
                        field=shown,
                    )
                elif len(item) > MAX_TEXT_CHARS:
                    self.problem(
                        (*where, index),
                        f"item {index + 1} is too long",
                        section=section,
                        field=shown,
                    )
                else:
                    good.append(item.strip())
            if lang in SUPPORTED_LANGUAGES:
                result[lang] = tuple(good)
        if not values.get(DEFAULT_LANGUAGE):
            self.problem(
                (*path, name), "English items (en) are required", section=section, field=name
            )
        return result

    def _count(
        self,
        values: Mapping[str, tuple[str, ...]],
        low: int,
        high: int,
        path: Path_,
        name: str,
        section: str,
    ) -> None:
        english = values.get(DEFAULT_LANGUAGE)
        if english and not low <= len(english) <= high:
            self.problem(
                (*path, name, DEFAULT_LANGUAGE),
                f"has {len(english)} items; write {low} to {high}",
                section=section,
                field=f"{name}.{DEFAULT_LANGUAGE}",
            )

    def _urgent_kinds(self, header: dict[str, Any]) -> dict[str, tuple[str, ...]]:
        """`urgent_kinds`: kind of danger -> the sections that speak to that kind only."""
        raw = header.get("urgent_kinds", {})
        if not isinstance(raw, dict):
            self.problem(("pack", "urgent_kinds"), "must map kinds of danger to section ids")
            return {}
        found: dict[str, tuple[str, ...]] = {}
        for kind in raw:
            if kind not in DISTRESS_KINDS:
                known = ", ".join(DISTRESS_KINDS)
                self.problem(("pack", "urgent_kinds", str(kind)), f"unknown kind (known: {known})")
                continue
            found[kind] = tuple(self._string_list(raw, kind, ("pack", "urgent_kinds")))
        return found

    def _string_list(
        self, raw: dict[str, Any], name: str, path: Path_, *, section: str | None = None
    ) -> list[str]:
        value = raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problem((*path, name), "must be a list of text", section=section, field=name)
            return []
        return [item.strip() for item in value]

    def _reviewed(
        self, raw: dict[str, Any], path: Path_, section: str | None, *, key: str = "reviewed"
    ) -> dict[str, bool]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            self.problem(
                (*path, key),
                "must map language codes to true/false",
                section=section,
                field=key,
            )
            return {}
        result: dict[str, bool] = {}
        for lang, flag in value.items():
            if lang not in SUPPORTED_LANGUAGES or lang == DEFAULT_LANGUAGE:
                self.problem(
                    (*path, key, lang),
                    f"'{lang}' is not a translated language",
                    section=section,
                    field=key,
                )
            elif not isinstance(flag, bool):
                self.problem(
                    (*path, key, lang),
                    "must be true or false",
                    section=section,
                    field=key,
                )
            else:
                result[lang] = flag
        return result

    def _line_range(
        self, raw: dict[str, Any], path: Path_, section: str, seed_lines: list[str] | None
    ) -> tuple[int, int] | None:
        value = raw.get("source_lines")
        where = (*path, "source_lines")
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(item, int) and not isinstance(item, bool) for item in value)
        ):
            self.problem(
                where,
                "must be two line numbers, like [197, 280]",
                section=section,
                field="source_lines",
            )
            return None
        start, end = value
        if start < 1 or end < start:
            self.problem(
                where,
                f"[{start}, {end}] is not a range of lines",
                section=section,
                field="source_lines",
            )
            return None
        if seed_lines is not None and end > len(seed_lines):
            self.problem(
                where,
                f"[{start}, {end}] is outside the seed file, which has {len(seed_lines)} lines",
                section=section,
                field="source_lines",
            )
            return None
        return start, end

    def _seed_lines(self, seed_file: str | None) -> list[str] | None:
        if seed_file is None:
            return None
        path = self.seeds_dir / seed_file
        try:
            return path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            self.problem(
                ("pack", "source", "file"), f"seed file '{seed_file}' is not in {self.seeds_dir}"
            )
        except (OSError, UnicodeDecodeError) as error:
            self.problem(
                ("pack", "source", "file"), f"cannot read seed file '{seed_file}': {error}"
            )
        return None


def original_wording(seed_lines: list[str], lines: tuple[int, int]) -> str:
    """The seed text of a line range, re-flowed into paragraphs; the words are untouched.

    The seed is a PDF extract: body lines are wrapped with an empty line between them, the
    lines of one heading or list item follow each other directly, and a line of spaces only
    always ends a paragraph. So a run of adjacent lines is one unit; a heading (the range's
    first unit, not ending like a sentence) is a paragraph of its own, and a list item starts one.
    A paragraph ends after a unit that ends a sentence (".", ":"), ends a list entry (";"
    before the next item), is clearly shorter than the wrapped width, or is "***"; never
    after a ",", nor before a unit that starts in lower case (a wrapped sentence).
    """
    units: list[list[str]] = [[]]
    hard_breaks: set[int] = set()  # indexes of units that follow a line of spaces only
    for raw in seed_lines[lines[0] - 1 : lines[1]]:
        line = " ".join(raw.split())
        if line:
            units[-1].append(line)
            continue
        if units[-1]:
            units.append([])
        if raw and not raw.strip():
            hard_breaks.add(len(units) - 1)
    blocks = [(" ".join(unit), index in hard_breaks) for index, unit in enumerate(units) if unit]
    paragraphs: list[str] = []
    current: list[str] = []
    for index, (text, _) in enumerate(blocks):
        following, broken = blocks[index + 1] if index + 1 < len(blocks) else ("", True)
        continues = not broken and (
            text.endswith(",") or (following[:1].islower() and not _LIST_ITEM.match(following))
        )
        starts_own = (index == 0 and not _ends_sentence(text)) or _LIST_ITEM.match(text)
        if starts_own and current:
            paragraphs.append(" ".join(current))
            current = []
        current.append(text)
        ends = (
            broken
            or (index == 0 and starts_own)  # the heading
            or _ends_sentence(text)
            or (text.endswith(";") and bool(_LIST_ITEM.match(following)))
            or text.endswith("***")
            or len(text) < 60
        )
        if ends and not continues:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


# "(a) ", "a) ", "- " or "• " at the start of a list item in the seed.
_LIST_ITEM = re.compile(r"^(\(?[a-z]\)|[-•])\s")


def _ends_sentence(text: str) -> bool:
    return text.endswith((".", ":", "?", "!", ".”", '."'))


def _kind(value: Any) -> str:
    """A plain name for a YAML value's type, for messages."""
    names = {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        type(None): "nothing",
    }
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__
