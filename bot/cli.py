"""Command line: run the bot, chat offline, try the matcher, validate content, show statistics.

Each subcommand's docstring is its --help text and ends with an example.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from bot.config import ConfigError, Settings
from bot.content.loader import ContentError, build_library, load_library
from bot.content.models import (
    DEFAULT_LANGUAGE,
    LIST_FIELDS,
    SUPPORTED_LANGUAGES,
    TEXT_FIELDS,
    Library,
)


class _ConfigProblem(Exception):
    """The environment has a bad setting; the message is one line naming the variable."""


def _settings() -> Settings:
    """The settings from the environment, the same way the bot reads them."""
    try:
        return Settings.from_env(os.environ)
    except ConfigError as error:
        raise _ConfigProblem(str(error)) from None


def _load_or_explain(settings: Settings, err: TextIO) -> Library | None:
    try:
        return load_library(settings.content_dir, settings.seeds_dir)
    except ContentError as error:
        err.write(f"The content in {settings.content_dir} has problems:\n")
        for problem in error.problems:
            err.write(f"  {problem}\n")
        return None


def cmd_run(args: argparse.Namespace) -> int:
    """Run the Telegram bot (long polling; webhook when WEBHOOK_URL is set).

    Needs BOT_TOKEN. Example: BOT_TOKEN=123:abc python -m bot run
    """
    from bot.tg.app import run  # imported here: the other commands must not need Telegram

    return run(_settings())


def cmd_console(args: argparse.Namespace) -> int:
    """Chat with the bot in this terminal, offline, on the bundled content.

    Example: echo "can my boss keep my passport" | python -m bot console --lang en
    """
    from bot.console import run_console
    from bot.service import Service

    settings = _settings()
    library = _load_or_explain(settings, sys.stderr)
    if library is None:
        return 1
    service = Service.configured(library, settings)
    interactive = sys.stdin.isatty()
    lines = _prompt_lines() if interactive else iter(sys.stdin)
    return run_console(service, lines, sys.stdout, interactive=interactive, lang=args.lang)


def _prompt_lines() -> Iterator[str]:
    while True:
        try:
            yield input("\n> ")
        except (EOFError, KeyboardInterrupt):
            return


def cmd_match(args: argparse.Namespace) -> int:
    """Show how a question is matched: the decision and the top sections with scores.

    With --jsonl, read one question per line from stdin and write one JSON object per line.
    Example: python -m bot match "remittance fees"
    """
    from bot.matching import Semantic
    from bot.service import build_matcher

    settings = _settings()
    library = _load_or_explain(settings, sys.stderr)
    if library is None:
        return 1
    semantic = Semantic.load(settings.embedding_cache) if settings.semantic_matching else None
    matcher = build_matcher(library, semantic)
    if args.jsonl:
        for line in sys.stdin:
            query = line.rstrip("\n")
            if not query.strip():
                continue
            result = matcher.match(query, args.lang)
            record = {
                "query": query,
                "decision": result.decision,
                "answer": result.answer,
                "alternatives": list(result.alternatives),
                "scores": {c.section_id: round(c.score, 1) for c in result.candidates},
                "distress": result.distress,
                "lang": result.lang,
                "intent": result.intent,
            }
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        return 0
    if not args.question:
        sys.stderr.write(
            'Give a question, e.g. python -m bot match "remittance fees", or --jsonl\n'
        )
        return 2
    result = matcher.match(" ".join(args.question), args.lang)
    print(f"decision: {result.decision}  (language: {result.lang}, distress: {result.distress})")
    if result.intent:
        print(f"small talk: {result.intent}")
    for candidate in result.candidates[:3]:
        mark = "*" if candidate.section_id == result.answer else " "
        print(f" {mark} {candidate.score:5.1f}  {candidate.section_id}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check content files: print every problem and exit 1, or a one-line summary and exit 0.

    PATH may be content folders or single files; all of them are checked together, so section
    ids must be unique across them. Example: python -m bot validate content/
    """
    settings = _settings()
    paths = [Path(path) for path in args.paths] or [settings.content_dir]
    files: dict[str, bytes] = {}
    for path in paths:
        if path.is_dir():
            files.update(
                {
                    str(file): file.read_bytes()
                    for file in sorted(path.iterdir())
                    if file.suffix in (".yaml", ".yml") and not file.name.startswith(".")
                }
            )
        elif path.is_file():
            files[str(path)] = path.read_bytes()
        else:
            print(f"{path}: not found")
            return 1
    library, problems = build_library(files, Path(args.seeds) if args.seeds else settings.seeds_dir)
    if problems or library is None:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s); nothing was loaded.")
        return 1
    from bot.content.plain import content_report
    from bot.content.translations import unstamped_report

    refused, warnings = content_report(library)
    if refused:
        for line in refused:
            print(line)
        print(f"{len(refused)} plain-language problem(s) refused: this content cannot go live.")
        return 1
    sections = library.sections
    print(
        f"OK: {len(library.packs)} pack(s), {len(sections)} sections, "
        f"languages: {', '.join(library.languages())}"
    )
    for lang, missing in missing_translations(library).items():
        if missing:
            print(
                f"  {lang}: {len(missing)} field(s) fall back to English: {', '.join(missing[:8])}"
            )
    for line in warnings:
        print(line)
    for lang, count in unstamped_report(library).items():
        print(
            f"  {lang}: {count} translated field(s) record no English hash; once they match "
            f"the English, run: python -m bot translations stamp --lang {lang}"
        )
    return 0


def missing_translations(library: Library) -> dict[str, list[str]]:
    """For each translated language: the section fields that will fall back to English."""
    report: dict[str, list[str]] = {}
    for lang in library.languages():
        if lang == DEFAULT_LANGUAGE:
            continue
        missing = []
        for section in library.sections:
            for name in (*TEXT_FIELDS, *LIST_FIELDS):
                values: dict[str, object] = dict(getattr(section, name))
                if values.get(DEFAULT_LANGUAGE) and not values.get(lang):
                    missing.append(f"{section.id}.{name}")
        report[lang] = missing
    return report


def cmd_stats(args: argparse.Namespace) -> int:
    """Print the statistics table from the database (DATABASE_PATH), topics by English title.

    Example: python -m bot stats --days 30 --csv counts.csv   (the same CSV as /export)
    """
    from bot.reports import export_csv, format_report
    from bot.storage.store import StatsStore

    settings = _settings()
    database = settings.database_path
    if not database.exists():
        print(f"No database at {database} yet: the bot has not recorded anything.")
        return 1
    library = _load_or_explain(settings, sys.stderr)

    def title(section_id: str) -> str:
        section = library.section(section_id) if library is not None else None
        return section.title.get("en", section_id) if section is not None else section_id

    async def read() -> tuple[str, str | None]:
        store = StatsStore(database, settings.stats_secret, secret_path=settings.secret_path)
        await store.open()
        try:
            table = format_report(await store.report(args.days), title)
            rows = await store.count_rows(args.days) if args.csv else None
        finally:
            await store.close()
        return table, None if rows is None else export_csv(rows, title)

    table, counts = asyncio.run(read())
    print(table)
    if args.csv and counts is not None:
        Path(args.csv).write_text(counts, encoding="utf-8")
        print(f"Counts per day, topic, language, route and outcome written to {args.csv}")
    return 0


def cmd_translations(args: argparse.Namespace) -> int:
    """Translators' round trip without YAML, and the record of what each translation was
    made from.

      export --lang th --out th.csv   one row per field: section, field, English, translation,
                                      reviewed, note (stale or missing)
      import th.csv                   check every row (placeholders, length, script), then write
                                      the changed translations and their English hashes into the
                                      pack; reviewed: true only where every row is marked
      stamp [--lang th]               record every translation as made from the English as it
                                      is now (after translating from the current English)

    Example: python -m bot translations export --lang th --out th.csv
    """
    from bot.content.loader import read_content_dir
    from bot.content.translations import (
        ImportError_,
        export_csv,
        export_rows,
        import_translations,
        stamp_files,
    )
    from bot.content.updates import write_atomically

    settings = _settings()
    content_dir = Path(args.content) if args.content else settings.content_dir
    seeds_dir = Path(args.seeds) if args.seeds else settings.seeds_dir
    files = read_content_dir(content_dir)
    try:
        if args.action == "export":
            if args.lang not in SUPPORTED_LANGUAGES or args.lang == DEFAULT_LANGUAGE:
                print(f"--lang: one of {', '.join(SUPPORTED_LANGUAGES[1:])}")
                return 2
            library, problems = build_library(files, seeds_dir)
            if library is None:
                raise ImportError_([str(problem) for problem in problems])
            text = export_csv(library, args.lang)
            if args.out:
                Path(args.out).write_text(text, encoding="utf-8")
                rows = sum(1 for _ in export_rows(library, args.lang))
                print(f"Wrote {rows} row(s) for {args.lang} to {args.out}")
            else:
                sys.stdout.write(text)
            return 0
        if args.action == "import":
            if not args.file:
                print("Give the CSV file: python -m bot translations import th.csv")
                return 2
            csv_text = Path(args.file).read_text(encoding="utf-8-sig")
            result = import_translations(files, seeds_dir, csv_text, args.lang)
            for name, data in result.files.items():
                write_atomically(content_dir / name, data)
            print(
                f"{result.lang}: {len(result.updated)} field(s) updated"
                + (f" ({', '.join(result.updated[:10])})" if result.updated else "")
            )
            for key, flag in result.reviewed.items():
                print(f"  {key}: reviewed: {'true' if flag else 'false'}")
            if not result.files:
                print("Nothing changed.")
            return 0
        changed = stamp_files(files, seeds_dir, args.lang)
        for name, data in changed.items():
            write_atomically(content_dir / name, data)
        print(f"Stamped {len(changed)} file(s)" + (f": {', '.join(changed)}" if changed else ""))
        return 0
    except ImportError_ as error:
        print("Nothing was written. Problems:")
        for problem in error.problems:
            print(f"  {problem}")
        return 1
    except (OSError, UnicodeDecodeError) as error:
        print(f"Nothing was written: {error}")
        return 1


def cmd_poster(args: argparse.Namespace) -> int:
    """Make an A4 outreach poster (PNG or PDF) with a QR code that opens a topic in the bot.

    --section all makes one sheet of every topic with small QR codes. The bot's username comes
    from --bot-username or BOT_USERNAME (the bot itself asks Telegram; this command is offline).
    Example: python -m bot poster --section human-rights --lang th --out poster-th.pdf
    """
    from bot.poster import Format, PosterError, render_poster, render_sheet

    username = args.bot_username or os.environ.get("BOT_USERNAME", "")
    if not username:
        sys.stderr.write("Name the bot: --bot-username NAME or BOT_USERNAME=NAME\n")
        return 2
    out = Path(args.out)
    fmt: Format = "pdf" if out.suffix.lower() == ".pdf" else "png"
    if out.suffix.lower() not in (".pdf", ".png"):
        sys.stderr.write(f"{out}: the file name must end in .png or .pdf\n")
        return 2
    settings = _settings()
    library = _load_or_explain(settings, sys.stderr)
    if library is None:
        return 1
    lang = args.lang or DEFAULT_LANGUAGE
    try:
        if args.section == "all":
            data = render_sheet(library, lang, username, fmt)
        else:
            data = render_poster(library, args.section, lang, username, fmt)
    except PosterError as error:
        known = ", ".join(section.id for section in library.sections)
        sys.stderr.write(f"{error}. Sections: all, {known}\n")
        return 1
    out.write_bytes(data)
    print(f"Poster written to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand; each command's help is its docstring."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: object) -> argparse.ArgumentParser:
        doc = (handler.__doc__ or "").strip()
        sub = commands.add_parser(
            name,
            help=doc.splitlines()[0],
            description=doc,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(handler=handler)
        return sub

    add("run", cmd_run)
    console = add("console", cmd_console)
    console.add_argument(
        "--lang", default="en", choices=SUPPORTED_LANGUAGES, help="the chat's language (default en)"
    )
    match = add("match", cmd_match)
    match.add_argument("question", nargs="*", help="the question to match")
    match.add_argument("--jsonl", action="store_true", help="read questions from stdin")
    match.add_argument("--lang", default=None, help="the asker's language (default: detect)")
    validate = add("validate", cmd_validate)
    validate.add_argument("paths", nargs="*", metavar="PATH", help="content folders or files")
    validate.add_argument("--seeds", default=None, help="folder of source documents (seeds/)")
    translations = add("translations", cmd_translations)
    translations.add_argument("action", choices=["export", "import", "stamp"])
    translations.add_argument("file", nargs="?", help="the CSV file to import")
    translations.add_argument("--lang", default=None, help="the language (th, ru, ...)")
    translations.add_argument("--out", default=None, metavar="FILE", help="export to this file")
    translations.add_argument("--content", default=None, help="content folder (CONTENT_DIR)")
    translations.add_argument("--seeds", default=None, help="folder of source documents")
    stats = add("stats", cmd_stats)
    stats.add_argument("--days", type=int, default=None, help="only the last N days")
    stats.add_argument("--csv", default=None, metavar="FILE", help="also write daily counts")
    poster = add("poster", cmd_poster)
    poster.add_argument("--section", required=True, help="a section id, or 'all'")
    poster.add_argument("--lang", default=None, choices=SUPPORTED_LANGUAGES)
    poster.add_argument("--out", required=True, metavar="FILE", help="FILE.png or FILE.pdf")
    poster.add_argument("--bot-username", default=None, help="the bot's @name (or BOT_USERNAME)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m bot`."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except _ConfigProblem as problem:
        sys.stderr.write(f"{problem}\n")
        return 2
    except KeyboardInterrupt:
        return 130
