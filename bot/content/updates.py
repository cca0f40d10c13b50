"""Content changes while the bot runs: admin uploads, /reload, /rollback, /content.

All file I/O for changing content lives here. Every change goes the same way: build the whole
library as it would be after the change with the same loader the bot starts with
(`build_library`), build the matcher from it, and only if both succeed write the file and swap
the live content in the `Service`. A change that fails leaves the disk and the live content
exactly as they were.

    manager = ContentManager(settings.content_dir, settings.seeds_dir, service)
    if size > MAX_UPLOAD_BYTES: ...                       # refuse before downloading
    result = await asyncio.to_thread(manager.apply_upload, document.file_name, data)
    await message.reply_text(result.describe())

The methods are synchronous and thread-safe (one `threading.Lock` serialises every change).
Parsing and building the matcher take a noticeable fraction of a second, so async callers run
them in a worker thread with `asyncio.to_thread`, which keeps the event loop answering users.
Questions asked meanwhile are answered from the old content until the one-assignment swap, then
from the new.

Files: a content file is replaced by writing a temporary file in the same folder, fsync, then
`os.replace` and an fsync of the folder, so a crash leaves either the old or the new file, never
half of one. The version being replaced is first copied to
`<content_dir>/.history/<name>.<UTC timestamp>.yaml`; the loader ignores hidden folders.
`.history/uploads.json` records, per file and per sha256 of its bytes, when it was uploaded and
by which admin (numeric id), so /rollback can say who uploaded each kept version and when. Admin
ids are operators' settings, not users' data; they are kept there and nowhere else.

Check before install: `check_upload` runs an upload's whole validation (the same code path as
`apply_upload`: library, plain-language report, urgent-help diff, search index) and returns what
the upload would change, writing nothing and swapping nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.content.loader import build_library, read_content_dir
from bot.content.models import SUPPORTED_LANGUAGES, Library, Pack
from bot.content.plain import content_report
from bot.content.safety import SafetyChange, diff_safety, stale_referrals
from bot.matching import Matcher
from bot.service import Service, build_matcher
from bot.yamlfile import load_yaml

log = logging.getLogger("bot.content.updates")

# Telegram lets a bot download files up to 20 MB; content files are a few dozen KB. The loader
# refuses files over its own limit (the same 1 MB) with a clear message; this cap only stops us from
# downloading or parsing anything absurd.
MAX_UPLOAD_BYTES = 1024 * 1024
HISTORY_DIR = ".history"
# In HISTORY_DIR: who uploaded which bytes of which file, and when.
UPLOADS_FILE = "uploads.json"
# What the history keeps: the newest versions of each file, and no more than this in all
# (40 uploads of a big pack once made 16 MB; the oldest versions go first).
HISTORY_VERSIONS_PER_FILE = 20
HISTORY_MAX_BYTES = 50 * 1024 * 1024
# Problems listed in a change's message; the whole list goes in a file beside it.
PROBLEMS_SHOWN = 20
# A problem's line in that message is cut to this many characters, so the message stays one.
PROBLEM_LINE_CHARS = 150
CONTENT_SUFFIX = ".yaml"
MAX_STEM_CHARS = 64

# How long an upload that changes the urgent-help texts waits for the admin's second press.
SAFETY_CONFIRM_SECONDS = 3600
REPLACE_URGENT_LABEL = "Replace the urgent-help note"

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%S%fZ"  # sorts as text in time order
_HISTORY_NAME = re.compile(r"^(?P<stem>.+)\.(?P<version>(?P<stamp>\d{8}T\d{12}Z)(?:-\d+)?)\.yaml$")


def safe_file_name(upload_name: str) -> str | None:
    """Reduce an uploaded file's name to `<letters, digits, - and _>.yaml`, or None if unusable.

    Reduced safely (the result always stays inside the content folder):
      - folder parts are dropped: `../../x.yaml`, `/etc/x.yaml` and `..\\x.yaml` become `x.yaml`;
      - `.yml` becomes `.yaml`, and the ending is matched case-insensitively (`X.YAML` -> `X.yaml`);
      - any run of other characters (spaces, dots, non-Latin letters) becomes one `-`, and `-`/`_`
        at either end are trimmed: `my pack v2.yaml` -> `my-pack-v2.yaml`;
      - the name before `.yaml` is cut to 64 characters.

    Refused (None): an empty name; any ending other than `.yaml`/`.yml` (`x.txt`, `x.yaml.exe`,
    no ending); a hidden name starting with `.` (`.hidden.yaml`, `.yaml`): the loader ignores
    hidden files, so such a pack would never load; and a name with nothing left once reduced.
    """
    base = re.split(r"[/\\]", upload_name)[-1].strip()
    if not base or base.startswith("."):
        return None
    stem, dot, suffix = base.rpartition(".")
    if not dot or suffix.lower() not in ("yaml", "yml"):
        return None
    cleaned = _UNSAFE.sub("-", stem).strip("-_")[:MAX_STEM_CHARS].rstrip("-_")
    return f"{cleaned}{CONTENT_SUFFIX}" if cleaned else None


@dataclass(frozen=True)
class UpdateResult:
    """What a content change did: whether it went live, its problems, and what it changed."""

    ok: bool
    file_name: str | None = None
    problems: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    # Section id -> names of the fields that changed (as in `Section.fields()`).
    changed: dict[str, list[str]] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    # When the change went live (None if it did not); part of an announcement's id.
    at: datetime | None = None
    # The history file the replaced version was kept in, if any.
    kept_as: str | None = None
    # Plain-language warnings and stale translations: shown to the admin, nothing refused.
    warnings: list[str] = field(default_factory=list)
    # What the change does (or, waiting, would do) to the urgent-help notes and referrals.
    safety: SafetyChange | None = None
    # Set when the change waits for the admin's second press (`ContentManager.confirm`).
    confirm_token: str | None = None
    # Only checked (`ContentManager.check_upload`): nothing was installed; `ok` says whether an
    # upload of the file would be accepted, the rest what it would change.
    checked: bool = False

    @property
    def has_changes(self) -> bool:
        """Whether any section was added, changed or removed."""
        return bool(self.added or self.changed or self.removed)

    def describe(self) -> str:
        """A short plain-English message for the admin who made the change."""
        target = f" {self.file_name}" if self.file_name else ""
        if self.checked:
            return self._describe_check(target)
        if self.confirm_token is not None and self.safety:
            lines = [
                f"Not installed yet{target}: it changes the urgent-help text that people in "
                "danger get first. Check every change below; to install it, press "
                f"'{REPLACE_URGENT_LABEL}' (within {SAFETY_CONFIRM_SECONDS // 60} minutes).",
                "",
                *self.safety.lines(),
            ]
            return "\n".join(lines)
        if not self.ok:
            return self._describe_problems(f"Not applied{target}: nothing was changed.")
        urgent = f"Urgent help changed: {self.safety.summary()}." if self.safety else ""
        if not self.has_changes:
            return "\n".join(
                filter(None, [f"Done{target}: no section changed.", urgent, *self.warnings])
            )
        lines = [f"Live now{target}.", *self._section_lines()]
        if urgent:
            lines.append(urgent)
        return "\n".join([*lines, *self.warnings])

    def _describe_check(self, target: str) -> str:
        """What an upload of a checked file would do; says that nothing was installed."""
        if not self.ok:
            return self._describe_problems(
                f"Checked{target}: an upload would be refused. Nothing was installed."
            )
        lines = [f"Checked{target}: nothing was installed. If you upload it:"]
        lines += self._section_lines() or ["No section changes."]
        if self.safety:
            lines += [
                "It changes the urgent-help text that people in danger get first, so the real "
                f"upload waits until you press '{REPLACE_URGENT_LABEL}'. The change:",
                *self.safety.lines(),
            ]
        return "\n".join([*lines, *self.warnings])

    def _describe_problems(self, headline: str) -> str:
        """The headline and the first problems (the rest are in `problems_file`)."""
        if len(self.problems) <= PROBLEMS_SHOWN:
            lines = [f"{headline} Problems:"]
        else:
            lines = [
                f"{headline} {len(self.problems):,} problems; the first {PROBLEMS_SHOWN} (all "
                "of them are in the file problems.txt):"
            ]
        lines += [f"- {_cut(problem)}" for problem in self.problems[:PROBLEMS_SHOWN]]
        return "\n".join(lines)

    def _section_lines(self) -> list[str]:
        """Added, Changed and Removed lines, each only if it has sections."""
        lines = []
        if self.added:
            lines.append(f"Added: {', '.join(self.added)}")
        if self.changed:
            parts = [f"{sid} ({', '.join(names)})" for sid, names in self.changed.items()]
            lines.append(f"Changed: {'; '.join(parts)}")
        if self.removed:
            lines.append(f"Removed: {', '.join(self.removed)}")
        return lines

    def problems_file(self) -> bytes | None:
        """Every problem, one a line, when there are more than the message shows."""
        if len(self.problems) <= PROBLEMS_SHOWN:
            return None
        return "".join(f"{problem}\n" for problem in self.problems).encode()


def _cut(text: str) -> str:
    return text if len(text) <= PROBLEM_LINE_CHARS else text[: PROBLEM_LINE_CHARS - 1] + "…"


@dataclass(frozen=True)
class PackInfo:
    """One live pack, as /content lists it."""

    file_name: str
    pack_id: str
    version: str
    sections: int
    languages: tuple[str, ...]
    loaded_at: datetime | None
    # The file on disk is no longer the version being served (edited or deleted without /reload).
    changed_on_disk: bool = False
    # Referrals checked more than a year ago, one line each: due for re-checking.
    stale_referrals: tuple[str, ...] = ()
    # Kinds of urgent-help note this pack defines (only one pack may).
    urgent_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class _PendingSafety:
    """An upload that changes the safety text, waiting for the admin's second press."""

    file_name: str
    data: bytes
    change: SafetyChange
    expires: float  # time.monotonic()
    uploaded_by: int | None


@dataclass(frozen=True)
class HistoryVersion:
    """A previous version of a content file, kept in the history folder."""

    file_name: str  # the content file it is a version of
    version: str  # the timestamp in its name; what `rollback(..., version=)` accepts
    path: Path
    saved_at: datetime  # when it was replaced (and so kept)
    # From the file's `pack: version:`; None if it has none (or is not readable YAML).
    pack_version: str | None = None
    # When these bytes were uploaded and by which admin; None if not recorded (a version from
    # before uploads were recorded, or one put in the folder by hand or by a deploy).
    uploaded_at: datetime | None = None
    uploaded_by: int | None = None


@dataclass(frozen=True)
class _Upload:
    """Who sends an upload: recorded beside the file once it is live."""

    admin_id: int | None


def diff_libraries(old: Library, new: Library) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """Sections added, changed (with the names of the fields that changed) and removed."""
    added = [section.id for section in new.sections if old.section(section.id) is None]
    removed = [section.id for section in old.sections if new.section(section.id) is None]
    changed: dict[str, list[str]] = {}
    for section in new.sections:
        before = old.section(section.id)
        if before is None:
            continue
        old_fields, new_fields = before.fields(), section.fields()
        names = [name for name in new_fields if new_fields[name] != old_fields.get(name)]
        if names:
            changed[section.id] = names
    return added, changed, removed


def pack_version(data: bytes) -> str | None:
    """The `pack: version:` of a content file's bytes, or None if it has none or is unreadable."""
    try:
        document = load_yaml(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, yaml.YAMLError):
        return None
    header = document.get("pack") if isinstance(document, dict) else None
    version = header.get("version") if isinstance(header, dict) else None
    return None if version is None or isinstance(version, dict | list) else str(version)


def _upload_name(upload_name: str, data: bytes) -> tuple[str, UpdateResult | None]:
    """The safe name of an upload, or the result that refuses it (its name or its size)."""
    name = safe_file_name(upload_name)
    if name is None:
        problem = (
            f"{upload_name[:80]!r} cannot be used as a content file name: send a .yaml file "
            "named with Latin letters, digits, '-' and '_' (not starting with '.')"
        )
        return "", UpdateResult(False, None, [problem])
    if len(data) > MAX_UPLOAD_BYTES:
        problem = (
            f"{name}: file is {len(data) // 1024} KB; the limit is {MAX_UPLOAD_BYTES // 1024} KB"
        )
        return name, UpdateResult(False, name, [problem])
    return name, None


def _parse_time(value: object) -> datetime | None:
    """An upload record's time ("2026-12-05T23:03:24Z"), or None if missing or damaged."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _note_languages(pack: Pack) -> tuple[str, ...]:
    found = {lang for texts in pack.urgent_help.values() for lang in texts}
    return tuple(lang for lang in SUPPORTED_LANGUAGES if lang in found)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a crash leaves the old or the new file, never half."""
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_dir(path.parent)


class ContentManager:
    """Validates and applies content changes, keeps file history, swaps the live content.

    Every public method is synchronous and holds one threading lock while it works, so two
    changes never interleave; call them from async code with `asyncio.to_thread`.
    """

    def __init__(self, content_dir: Path, seeds_dir: Path, service: Service) -> None:
        self.content_dir = Path(content_dir)
        self.seeds_dir = Path(seeds_dir)
        self.service = service
        self._lock = threading.Lock()
        self._pending: dict[str, _PendingSafety] = {}
        # File name -> digest of the bytes the live pack was built from. The service was loaded
        # from this folder just before; a file that differs now was edited since.
        self._live_digests: dict[str, str] = {}
        if self.content_dir.is_dir():
            on_disk = read_content_dir(self.content_dir)
            live_names = {Path(pack.file_name).name for pack in service.library.packs}
            self._live_digests = {
                name: _digest(data) for name, data in on_disk.items() if name in live_names
            }

    @property
    def history_dir(self) -> Path:
        """Where replaced versions of content files are kept."""
        return self.content_dir / HISTORY_DIR

    # --- changes ------------------------------------------------------------------------------

    def apply_upload(
        self, upload_name: str, data: bytes, uploaded_by: int | None = None
    ) -> UpdateResult:
        """Validate an uploaded content file with the whole library; if it is valid, make it live.

        The file is added, or replaces the file of the same (safe) name. On any problem nothing
        changes on disk or in memory and the problems are returned. `uploaded_by` (the admin's
        numeric id) is kept in the history with the upload time, for /rollback's list.
        """
        name, refused = _upload_name(upload_name, data)
        if refused is not None:
            return refused
        with self._lock:
            return self._change(name, data, confirmed=False, upload=_Upload(uploaded_by))

    def check_upload(self, upload_name: str, data: bytes) -> UpdateResult:
        """What `apply_upload` would do with this file, without doing it.

        The same validation (the same code path, up to the search index), then the sections it
        would add, change and remove, the urgent-help change it would ask to confirm, and its
        warnings; or the problems an upload would be refused with. Nothing is written, nothing
        is held for confirmation, and the live content stays as it is. The result has
        `checked` set.
        """
        name, refused = _upload_name(upload_name, data)
        if refused is not None:
            return replace(refused, checked=True)
        with self._lock:
            return self._change(name, data, confirmed=False, check_only=True)

    def confirm(self, token: str) -> UpdateResult:
        """Install an upload that changes the urgent-help text, after the admin's second press.

        Checked again with the content as it is now; if the change is no longer the one the
        admin saw (another upload came in between), nothing is installed.
        """
        with self._lock:
            now = time.monotonic()
            self._pending = {k: v for k, v in self._pending.items() if v.expires > now}
            pending = self._pending.pop(token, None)
            if pending is None:
                return UpdateResult(
                    False,
                    None,
                    [
                        "this confirmation was used already, is more than "
                        f"{SAFETY_CONFIRM_SECONDS // 60} minutes old, or the bot restarted "
                        "since; send the file again"
                    ],
                )
            return self._change(
                pending.file_name,
                pending.data,
                confirmed=pending.change,
                upload=_Upload(pending.uploaded_by),
            )

    def reload(self) -> UpdateResult:
        """Re-read the content folder (after a git deploy, /reload or SIGHUP) and serve it.

        With any problem the live content stays as it is and the problems are returned.
        """
        with self._lock:
            try:
                files = read_content_dir(self.content_dir)
            except OSError as error:
                return UpdateResult(False, None, [f"cannot read {self.content_dir}: {error}"])
            return self._go_live(files, None, write=None)

    def rollback(self, file_name: str, version: str | None = None) -> UpdateResult:
        """Restore the newest kept version of `file_name` that differs from the current one.

        The current version is kept in the history first, so a second rollback undoes the first.
        `version` (a timestamp from `history()`) picks an older version instead.
        """
        name = safe_file_name(file_name)
        if name is None:
            return UpdateResult(False, None, [f"{file_name[:80]!r} is not a content file name"])
        with self._lock:
            target = self.content_dir / name
            current = target.read_bytes() if target.is_file() else None
            versions = self._history(name)
            if version is not None:
                versions = [kept for kept in versions if kept.version == version]
                if not versions:
                    return UpdateResult(False, name, [f"{name} has no kept version {version}"])
            for kept in reversed(versions):
                try:
                    data = kept.path.read_bytes()
                except OSError as error:
                    return UpdateResult(False, name, [f"cannot read {kept.path.name}: {error}"])
                if data != current or version is not None:
                    return self._change(name, data)
            if not versions:
                return UpdateResult(False, name, [f"{name} has no earlier version to restore"])
            return UpdateResult(
                False, name, [f"every kept version of {name} is the same as the current one"]
            )

    # --- information --------------------------------------------------------------------------

    def packs_overview(self) -> list[PackInfo]:
        """The live packs for /content: file, id, version, sections, languages, when loaded."""
        try:
            on_disk = {
                name: _digest(data) for name, data in read_content_dir(self.content_dir).items()
            }
        except OSError:
            on_disk = {}
        infos = []
        today = datetime.now(UTC).date()
        for pack in self.service.library.packs:
            name = Path(pack.file_name).name
            live = self._live_digests.get(name)
            infos.append(
                PackInfo(
                    file_name=name,
                    pack_id=pack.id,
                    version=pack.version,
                    sections=len(pack.sections),
                    # A safety pack has no sections: the languages of its urgent notes.
                    languages=pack.languages() or _note_languages(pack),
                    loaded_at=pack.loaded_at,
                    changed_on_disk=live is not None and on_disk.get(name) != live,
                    stale_referrals=tuple(stale_referrals(pack, today)),
                    urgent_kinds=tuple(pack.urgent_help),
                )
            )
        return infos

    def history(self, file_name: str) -> list[HistoryVersion]:
        """Kept versions of a content file, oldest first, each with its pack version and (where
        recorded) when it was uploaded and by which admin."""
        name = safe_file_name(file_name)
        if name is None:
            return []
        with self._lock:
            uploads = self._read_uploads().get(name, {})
            described = []
            for kept in self._history(name):
                try:
                    data = kept.path.read_bytes()
                except OSError:  # pruned meanwhile or unreadable: listed without details
                    described.append(kept)
                    continue
                record = uploads.get(_digest(data), {})
                described.append(
                    replace(
                        kept,
                        pack_version=pack_version(data),
                        uploaded_at=_parse_time(record.get("at")),
                        uploaded_by=record.get("by") if isinstance(record.get("by"), int) else None,
                    )
                )
            return described

    # --- internals (called with the lock held) ------------------------------------------------

    def _history(self, name: str) -> list[HistoryVersion]:
        stem = name.removesuffix(CONTENT_SUFFIX)
        if not self.history_dir.is_dir():
            return []
        versions = []
        for path in self.history_dir.iterdir():
            match = _HISTORY_NAME.match(path.name)
            if match is None or match["stem"] != stem or not path.is_file():
                continue
            saved_at = datetime.strptime(match["stamp"], _TIMESTAMP_FORMAT).replace(tzinfo=UTC)
            versions.append(HistoryVersion(name, match["version"], path, saved_at))
        return sorted(versions, key=lambda kept: (kept.saved_at, len(kept.version), kept.version))

    def _prune_history(self, name: str) -> None:
        """Keep the newest HISTORY_VERSIONS_PER_FILE versions of `name`, then delete the oldest
        versions of any file until the history holds at most HISTORY_MAX_BYTES (the newest
        version, which a rollback needs first, always stays)."""
        for old in self._history(name)[:-HISTORY_VERSIONS_PER_FILE]:
            old.path.unlink(missing_ok=True)
        kept = []
        for path in self.history_dir.iterdir():
            match = _HISTORY_NAME.match(path.name)
            if match is not None and path.is_file():
                kept.append((match["stamp"], len(match["version"]), match["version"], path))
        kept.sort()
        total = sum(entry[-1].stat().st_size for entry in kept)
        for *_, path in kept[:-1]:
            if total <= HISTORY_MAX_BYTES:
                break
            total -= path.stat().st_size
            path.unlink(missing_ok=True)
        if kept and total > HISTORY_MAX_BYTES:
            log.warning("The newest history version alone is over %d bytes", HISTORY_MAX_BYTES)

    def _change(
        self,
        name: str,
        data: bytes,
        *,
        confirmed: SafetyChange | bool = True,
        check_only: bool = False,
        upload: _Upload | None = None,
    ) -> UpdateResult:
        """Validate the folder with `name` set to `data`; if valid, write it and go live.

        `confirmed`: False holds back a change to the urgent-help text for a second press; a
        SafetyChange installs only that exact change; True installs any (rollback, reload).
        `check_only`: validate and say what would change, but change nothing. `upload`: an
        admin's upload, recorded in the history once live (a rollback or reload is not one).
        """
        try:
            files = read_content_dir(self.content_dir)
        except OSError as error:
            return UpdateResult(False, name, [f"cannot read {self.content_dir}: {error}"])
        target = self.content_dir / name
        if target.exists() and not target.is_file():
            problem = f"{name} exists and is not a file"
            return UpdateResult(False, name, [problem], checked=check_only)
        if files.get(name) == data and self._live_digests.get(name) == _digest(data):
            return UpdateResult(True, name, at=None, checked=check_only)
        files[name] = data
        # Sorted like `read_content_dir`, so packs are served in the order a restart loads them.
        return self._go_live(
            dict(sorted(files.items())),
            name,
            write=data,
            confirmed=confirmed,
            check_only=check_only,
            upload=upload,
        )

    def _go_live(
        self,
        files: dict[str, bytes],
        name: str | None,
        *,
        write: bytes | None,
        confirmed: SafetyChange | bool = True,
        check_only: bool = False,
        upload: _Upload | None = None,
    ) -> UpdateResult:
        """Build library and matcher from `files`; if both work, write `write` to `name`, swap.

        With `check_only`, the same checks, then what would change; nothing written or swapped.
        """
        library, problems = build_library(files, self.seeds_dir)
        if library is None or problems:
            return UpdateResult(False, name, [str(p) for p in problems], checked=check_only)
        refused, warnings = content_report(library, name)
        if refused:
            return UpdateResult(False, name, refused, checked=check_only)
        safety = diff_safety(self.service.library, library)
        if check_only:
            return self._would_change(library, name, safety, warnings)
        if safety and confirmed is False and name is not None and write is not None:
            token = secrets.token_urlsafe(12)
            expires = time.monotonic() + SAFETY_CONFIRM_SECONDS
            uploaded_by = upload.admin_id if upload else None
            self._pending[token] = _PendingSafety(name, write, safety, expires, uploaded_by)
            return UpdateResult(False, name, safety=safety, confirm_token=token)
        if isinstance(confirmed, SafetyChange) and safety != confirmed:
            return UpdateResult(
                False,
                name,
                [
                    "the content changed since you checked it: nothing was installed; send the "
                    "file again to see the change as it would be now"
                ],
            )
        library = self._keep_load_times(library, files)
        matcher = self._index(library, name)
        if isinstance(matcher, UpdateResult):
            return matcher
        kept_as = None
        at = datetime.now(UTC)
        if name is not None and write is not None:
            try:
                kept_as = self._write(name, write)
            except OSError as error:
                log.exception("content: writing %s failed", name)
                return UpdateResult(False, name, [f"could not save {name}: {error}"])
            if upload is not None:
                self._record_upload(name, write, upload, at)
        old = self.service.library
        self.service.swap(library, matcher)
        self._live_digests = {pack_name: _digest(files[pack_name]) for pack_name in files}
        added, changed, removed = diff_libraries(old, library)
        log.info(
            "content: live now (%s): %d added, %d changed, %d removed",
            name or "reload",
            len(added),
            len(changed),
            len(removed),
        )
        if safety:
            log.warning("content: urgent help changed (%s): %s", name or "reload", safety.summary())
        return UpdateResult(
            True,
            name,
            [],
            added,
            changed,
            removed,
            at,
            kept_as,
            warnings,
            safety=safety or None,
        )

    def _index(self, library: Library, name: str | None) -> Matcher | UpdateResult:
        """The search index for `library`, or why it could not be built."""
        try:
            # The same embedding model (and cache): only texts that changed are embedded.
            return build_matcher(library, self.service.matcher.semantic)
        except Exception as error:  # the content must never go live without a working index
            log.exception("content: building the matcher failed")
            return UpdateResult(
                False,
                name,
                [f"the search index could not be built: {type(error).__name__}: {error}"],
            )

    def _would_change(
        self, library: Library, name: str | None, safety: SafetyChange, warnings: list[str]
    ) -> UpdateResult:
        """A checked upload that passed the library's checks: build its index as an upload
        would (that can fail too), then say what it would change. Nothing is kept."""
        matcher = self._index(library, name)
        if isinstance(matcher, UpdateResult):
            return replace(matcher, checked=True)
        added, changed, removed = diff_libraries(self.service.library, library)
        would = UpdateResult(True, name, added=added, changed=changed, removed=removed)
        return replace(would, warnings=warnings, safety=safety or None, checked=True)

    def _read_uploads(self) -> dict[str, dict[str, dict[str, Any]]]:
        """The upload records: file name -> sha256 of its bytes -> {"at": ISO time, "by": id}.
        A missing or damaged record file reads as empty (the versions show "unknown")."""
        try:
            records = json.loads((self.history_dir / UPLOADS_FILE).read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(records, dict):
            return {}
        return {
            name: {digest: entry for digest, entry in by_digest.items() if isinstance(entry, dict)}
            for name, by_digest in records.items()
            if isinstance(by_digest, dict)
        }

    def _record_upload(self, name: str, data: bytes, upload: _Upload, at: datetime) -> None:
        """Note who uploaded `data` as `name` and when; forget records of bytes that are
        neither live nor kept any more. Only a courtesy for /rollback's list: a failure to
        write it is logged and the upload stands."""
        records = self._read_uploads()
        kept = self._kept_digests(name)
        by_digest = {d: entry for d, entry in records.get(name, {}).items() if d in kept}
        by_digest[_digest(data)] = {
            "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "by": upload.admin_id,
        }
        records[name] = by_digest
        try:
            self.history_dir.mkdir(exist_ok=True)
            text = json.dumps(records, indent=1, sort_keys=True) + "\n"
            write_atomically(self.history_dir / UPLOADS_FILE, text.encode())
        except OSError as error:
            log.warning("content: could not record the upload of %s: %s", name, error)

    def _kept_digests(self, name: str) -> set[str]:
        """The sha256 of every kept version of `name`."""
        digests = set()
        for kept in self._history(name):
            with contextlib.suppress(OSError):
                digests.add(_digest(kept.path.read_bytes()))
        return digests

    def _keep_load_times(self, library: Library, files: Mapping[str, bytes]) -> Library:
        """Packs whose file did not change keep the time they first went live."""
        before = {Path(pack.file_name).name: pack for pack in self.service.library.packs}
        packs: list[Pack] = []
        for pack in library.packs:
            old = before.get(pack.file_name)
            same = old is not None and self._live_digests.get(pack.file_name) == _digest(
                files[pack.file_name]
            )
            packs.append(replace(pack, loaded_at=old.loaded_at) if same and old else pack)
        return Library(tuple(packs))

    def _write(self, name: str, data: bytes) -> str | None:
        """Keep the current version of `name` in the history, then replace it with `data`."""
        target = self.content_dir / name
        kept_as = None
        if target.is_file():
            self.history_dir.mkdir(exist_ok=True)
            stamp = datetime.now(UTC).strftime(_TIMESTAMP_FORMAT)
            stem = name.removesuffix(CONTENT_SUFFIX)
            kept = self.history_dir / f"{stem}.{stamp}{CONTENT_SUFFIX}"
            counter = 1
            while kept.exists():
                kept = self.history_dir / f"{stem}.{stamp}-{counter}{CONTENT_SUFFIX}"
                counter += 1
            write_atomically(kept, target.read_bytes())
            kept_as = f"{HISTORY_DIR}/{kept.name}"
            self._prune_history(name)
        try:
            write_atomically(target, data)
        except OSError:
            if kept_as is not None:  # the change did not happen: keep no trace of it
                with contextlib.suppress(OSError):
                    (self.content_dir / kept_as).unlink()
            raise
        return kept_as
