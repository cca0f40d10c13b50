"""Content changes while the bot runs: uploads, reload, rollback, history, diffs, live swaps."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.content import updates
from bot.content.loader import load_library
from bot.content.models import Library
from bot.content.updates import (
    MAX_UPLOAD_BYTES,
    REPLACE_URGENT_LABEL,
    ContentManager,
    UpdateResult,
    diff_libraries,
    pack_version,
    safe_file_name,
)
from bot.content.yamledit import set_values
from bot.matching import Matcher
from bot.service import Service, build_matcher
from tests.support.content import service_for, small_content
from tests.test_content import BROKEN_FILES

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).parent / "data"
MINI = (DATA / "good" / "mini.yaml").read_bytes()

# A pack about a topic the real content does not cover, so "now it matches" is unambiguous.
FERRY = b"""\
pack:
  id: ferry
  version: "1"
  title:
    en: Ferry safety
  source:
    document: Test extract of the Chair's Summary
    file: chair-summary-asia-pacific-gcm-2017.txt
    date: "2017-11-08"
sections:
  - id: mini-ferry-safety
    source_lines: [1, 18]
    title:
      en: Safe ferry crossings
    summary:
      en: Ferries can be crowded. Check that the ferry has life jackets before you board.
    key_points:
      en:
        - Count the life jackets on the ferry.
        - Do not board an overcrowded ferry.
        - Keep your ferry ticket.
    keywords:
      en: [ferry, ferries, life jacket, ferry ticket, boat crossing]
    questions:
      en:
        - is the ferry safe
        - the ferry is overcrowded
        - does the ferry have life jackets
        - where do i buy a ferry ticket
        - what if the ferry sinks
"""
FERRY_QUESTION = "is this ferry safe, does it have life jackets?"
# Questions whose answers must not change when an upload is refused.
QUESTIONS = [
    "can my boss keep my passport?",
    "how can i send money home cheaper",
    "what is trafficking",
    FERRY_QUESTION,
    "hello",
]


@pytest.fixture(scope="module")
def base_library() -> Library:
    return load_library(ROOT / "content", SEEDS)


@pytest.fixture(scope="module")
def base_matcher(base_library: Library) -> Matcher:
    return build_matcher(base_library)


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    for path in (ROOT / "content").glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture
def service(base_library: Library, base_matcher: Matcher) -> Service:
    return Service(base_library, base_matcher)


@pytest.fixture
def manager(content_dir: Path, service: Service) -> ContentManager:
    return ContentManager(content_dir, SEEDS, service)


@pytest.fixture
def small_content_dir(tmp_path: Path) -> Path:
    """The ferry pack and safety.yaml: an upload is checked against it in a twentieth of the time
    the real content takes, and no broken file of tests/data/bad clashes with it (the mini
    pack would: most of them are made from it)."""
    return small_content(tmp_path / "small-content", {"ferry.yaml": FERRY})


@pytest.fixture
def small_service(small_content_dir: Path) -> Service:
    return service_for(small_content_dir)


@pytest.fixture
def small_manager(small_content_dir: Path, small_service: Service) -> ContentManager:
    return ContentManager(small_content_dir, SEEDS, small_service)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (history included), by relative path, with its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def answers(service: Service) -> list[str]:
    return [service.ask(question, "en").text for question in QUESTIONS]


def answered_section(service: Service, question: str) -> str | None:
    outcome = service.ask(question, "en").outcome
    return outcome.section_id if outcome else None


# --- file names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upload_name", "expected"),
    [
        ("mini.yaml", "mini.yaml"),
        ("Mini_Pack-2.yaml", "Mini_Pack-2.yaml"),
        ("mini.yml", "mini.yaml"),
        ("MINI.YAML", "MINI.yaml"),
        ("../../x.yaml", "x.yaml"),
        ("/etc/passwd.yaml", "passwd.yaml"),
        ("..\\x.yaml", "x.yaml"),
        ("../.history/x.yaml", "x.yaml"),
        ("C:\\Users\\admin\\pack.yaml", "pack.yaml"),
        ("my pack v2.yaml", "my-pack-v2.yaml"),
        ("pack.v2.yaml", "pack-v2.yaml"),
        ("x.yaml.yaml", "x-yaml.yaml"),
        ("--odd__.yaml", "odd.yaml"),
        ("пакет-ru.yaml", "ru.yaml"),
        ("a\x00b.yaml", "a-b.yaml"),
        ("  spaced.yaml  ", "spaced.yaml"),
        ("x" * 100 + ".yaml", "x" * 64 + ".yaml"),
    ],
)
def test_file_names_are_reduced_to_safe_characters(upload_name, expected):
    assert safe_file_name(upload_name) == expected


@pytest.mark.parametrize(
    "upload_name",
    [
        "",
        "   ",
        ".hidden.yaml",
        ".yaml",
        "..",
        "../",
        "x.yaml.exe",
        "x.txt",
        "x",
        "yaml",
        "x.yaml/",
        "пакет.yaml",
        "---.yaml",
    ],
)
def test_unusable_file_names_are_refused(upload_name):
    assert safe_file_name(upload_name) is None


# --- uploads ----------------------------------------------------------------------------------


def test_a_valid_upload_goes_live_without_a_restart(manager, service, content_dir):
    assert answered_section(service, FERRY_QUESTION) != "mini-ferry-safety"
    result = manager.apply_upload("ferry.yaml", FERRY)
    assert result.ok, result.problems
    assert result.file_name == "ferry.yaml"
    assert result.added == ["mini-ferry-safety"]
    assert (result.changed, result.removed, result.kept_as) == ({}, [], None)
    assert (content_dir / "ferry.yaml").read_bytes() == FERRY
    assert answered_section(service, FERRY_QUESTION) == "mini-ferry-safety"
    assert service.press("s:mini-ferry-safety", "en").outcome.section_id == "mini-ferry-safety"
    assert "Added: mini-ferry-safety" in result.describe()
    # What went live is what a restart loads.
    assert [s.id for s in load_library(content_dir, SEEDS).sections] == [
        s.id for s in service.library.sections
    ]


def test_every_broken_file_is_refused_and_nothing_changes(
    small_manager, small_service, small_content_dir
):
    manager, service, content_dir = small_manager, small_service, small_content_dir
    assert answered_section(service, FERRY_QUESTION) == "mini-ferry-safety"
    assert {path.name for path in (DATA / "bad").iterdir()} == set(BROKEN_FILES)
    before_files, before_answers = snapshot(content_dir), answers(service)
    before_library = service.library
    for name, message in BROKEN_FILES.items():
        result = manager.apply_upload(name, (DATA / "bad" / name).read_bytes())
        assert not result.ok, name
        assert any(message in problem for problem in result.problems), (name, result.problems)
        assert all(problem.startswith(name) for problem in result.problems), result.problems
        assert result.describe().startswith(f"Not applied {name}: nothing was changed.")
        assert message in result.describe()
        assert snapshot(content_dir) == before_files, name
        assert service.library is before_library, name
        assert answers(service) == before_answers, name


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("big.yaml", b"# padding\n" * (MAX_UPLOAD_BYTES // 10 + 1), "the limit is 1024 KB"),
        ("binary.yaml", bytes(range(256)) * 8, "looks like a binary file"),
        ("mini.txt", MINI, "cannot be used as a content file name"),
        ("mini.yaml.exe", MINI, "cannot be used as a content file name"),
        (".mini.yaml", MINI, "cannot be used as a content file name"),
        ("empty.yaml", b"", "file is empty"),
        ("copy.yaml", (ROOT / "content" / "chair-summary-2017.yaml").read_bytes(), "also used"),
    ],
)
def test_unusable_uploads_are_refused(manager, service, content_dir, name, data, message):
    before_files, before_library = snapshot(content_dir), service.library
    result = manager.apply_upload(name, data)
    assert not result.ok
    assert any(message in problem for problem in result.problems), result.problems
    assert snapshot(content_dir) == before_files
    assert service.library is before_library


def test_section_ids_used_in_another_file_are_caught(manager):
    result = manager.apply_upload("other.yaml", MINI.replace(b"id: mini\n", b"id: other\n"))
    assert result.ok
    clash = MINI.replace(b"id: mini\n", b"id: third\n")
    result = manager.apply_upload("third.yaml", clash)
    assert not result.ok
    assert "third.yaml section 'mini-remittances': id: section id is also used in other.yaml" in (
        result.problems
    )


def test_path_traversal_names_stay_inside_the_content_folder(manager, tmp_path, content_dir):
    outside_before = {p for p in tmp_path.rglob("*") if content_dir not in (p, *p.parents)}
    for name in ["../../mini.yaml", "/tmp/mini.yaml", "..\\..\\mini.yaml", "../content/mini.yml"]:
        result = manager.apply_upload(name, MINI)
        assert result.ok, result.problems
        assert result.file_name == "mini.yaml"
    outside_after = {p for p in tmp_path.rglob("*") if content_dir not in (p, *p.parents)}
    assert outside_after == outside_before
    assert sorted(p.name for p in content_dir.iterdir() if p.is_file()) == [
        "chair-summary-2017.yaml",
        "mini.yaml",
        "safety.yaml",
    ]


def test_an_identical_upload_changes_nothing(manager, content_dir):
    assert manager.apply_upload("mini.yaml", MINI).ok
    before = snapshot(content_dir)
    result = manager.apply_upload("mini.yaml", MINI)
    assert result.ok
    assert not result.has_changes
    assert result.describe() == "Done mini.yaml: no section changed."
    assert snapshot(content_dir) == before  # no history entry for a non-change


def test_nothing_is_written_when_the_matcher_cannot_be_built(
    manager, service, content_dir, monkeypatch
):
    def broken(library, semantic=None):
        raise RuntimeError("index exploded")

    monkeypatch.setattr(updates, "build_matcher", broken)
    before_files, before_library = snapshot(content_dir), service.library
    result = manager.apply_upload("ferry.yaml", FERRY)
    assert not result.ok
    assert "the search index could not be built: RuntimeError: index exploded" in result.problems
    assert snapshot(content_dir) == before_files
    assert service.library is before_library


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(
    manager, service, content_dir, monkeypatch
):
    assert manager.apply_upload("mini.yaml", MINI).ok
    before_files, before_library = snapshot(content_dir), service.library

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(updates.os, "replace", full_disk)
    result = manager.apply_upload("mini.yaml", MINI.replace(b"helps families.", b"helps."))
    assert not result.ok
    assert any("No space left on device" in problem for problem in result.problems)
    assert snapshot(content_dir) == before_files
    assert service.library is before_library


# --- check before install ----------------------------------------------------------------------


def tree_digest(folder: Path) -> str:
    """One sha256 over every path and byte under `folder` (history included)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_a_check_says_what_an_upload_would_change_and_changes_nothing(
    manager, service, content_dir
):
    assert manager.apply_upload("mini.yaml", MINI).ok
    before, library, matcher = tree_digest(content_dir), service.library, service.matcher
    answered = answers(service)

    new = manager.check_upload("ferry.yaml", FERRY)
    assert (new.ok, new.checked, new.added, new.at, new.kept_as) == (
        True,
        True,
        ["mini-ferry-safety"],
        None,
        None,
    )
    assert new.describe().startswith(
        "Checked ferry.yaml: nothing was installed. If you upload it:\nAdded: mini-ferry-safety"
    )
    without_trafficking = MINI_V2.split(b"  - id: mini-trafficking")[0]
    without_trafficking = without_trafficking.replace(b"    related: [mini-trafficking]\n", b"")
    edited = manager.check_upload("mini.yaml", without_trafficking)
    assert edited.changed == {"mini-remittances": ["summary", "related"]}
    assert edited.removed == ["mini-trafficking"]
    assert "Changed: mini-remittances (summary, related)\nRemoved: mini-trafficking" in (
        edited.describe()
    )
    same = manager.check_upload("mini.yaml", MINI)
    assert same.ok
    assert not same.has_changes
    assert same.describe() == "Checked mini.yaml: nothing was installed. If you upload it:\n" + (
        "No section changes."
    )

    assert tree_digest(content_dir) == before
    assert service.library is library
    assert service.matcher is matcher
    assert answers(service) == answered
    assert answered_section(service, FERRY_QUESTION) != "mini-ferry-safety"
    # What the check said is what the upload then does.
    applied = manager.apply_upload("ferry.yaml", FERRY)
    assert (applied.added, applied.changed, applied.removed) == (new.added, {}, [])


def test_a_checked_broken_file_gets_the_problems_an_upload_would(
    small_manager, small_service, small_content_dir
):
    manager, service, content_dir = small_manager, small_service, small_content_dir
    before, library = tree_digest(content_dir), service.library
    for name in BROKEN_FILES:
        data = (DATA / "bad" / name).read_bytes()
        checked = manager.check_upload(name, data)
        assert (checked.ok, checked.checked) == (False, True), name
        assert checked.problems == manager.apply_upload(name, data).problems, name
        headline = f"Checked {name}: an upload would be refused. Nothing was installed."
        assert checked.describe().startswith(headline), checked.describe()
        assert BROKEN_FILES[name] in checked.describe()
    refused_name = manager.check_upload("notes.txt", MINI)
    assert refused_name.checked
    assert "cannot be used as a content file name" in refused_name.problems[0]
    assert tree_digest(content_dir) == before
    assert service.library is library


def test_a_check_shows_an_urgent_help_change_without_holding_it(manager, service, content_dir):
    safety = (content_dir / "safety.yaml").read_bytes()
    line = b"If your life is in danger now, call the emergency number of the country you are in."
    assert line in safety
    changed = safety.replace(line, b"If you are in danger now, call the emergency number here.")
    before, library = tree_digest(content_dir), service.library

    checked = manager.check_upload("safety.yaml", changed)
    assert checked.ok
    assert checked.confirm_token is None
    assert checked.safety is not None
    assert checked.safety.languages == ("en",)
    text = checked.describe()
    assert f"the real upload waits until you press '{REPLACE_URGENT_LABEL}'" in text
    assert "Urgent note 'general', en:\n  old: " in text
    assert line.decode() in text
    assert "If you are in danger now, call the emergency number here." in text.split("  new: ")[1]
    assert manager._pending == {}  # nothing waits for a second press
    assert tree_digest(content_dir) == before
    assert service.library is library
    # A real upload of the same file is held for the second press, as the check said; once
    # confirmed, the history records the admin who uploaded it, not one who pressed later.
    held = manager.apply_upload("safety.yaml", changed, uploaded_by=4343)
    assert held.confirm_token is not None
    assert manager.confirm(held.confirm_token).ok
    back = manager.apply_upload("safety.yaml", safety, uploaded_by=111)
    assert back.confirm_token is not None
    assert manager.confirm(back.confirm_token).ok
    [_, confirmed] = manager.history("safety.yaml")
    assert (confirmed.path.read_bytes(), confirmed.uploaded_by) == (changed, 4343)


def test_a_check_lists_stale_translations_and_reading_grade_refusals(manager, content_dir):
    pack = "chair-summary-2017.yaml"
    text = (content_dir / pack).read_text(encoding="utf-8")
    index = [s.id for s in manager.service.library.sections].index("policies")
    summary = manager.service.library.sections[index].summary["en"]
    key = ("sections", index, "summary", "en")
    stale = manager.check_upload(
        pack, set_values(text, [(key, summary + " It was long.")]).encode()
    )
    assert stale.ok
    assert "Stale translations (the English changed after they were made):" in stale.describe()
    assert "  th: policies (summary)" in stale.describe()
    hard = "Notwithstanding considerable institutional heterogeneity, " * 6 + "they agreed."
    refused = manager.check_upload(pack, set_values(text, [(key, hard)]).encode())
    assert not refused.ok
    assert any("policies summary: refused: reads at grade" in p for p in refused.problems)
    assert (content_dir / pack).read_text(encoding="utf-8") == text


def test_a_check_is_refused_when_the_search_index_cannot_be_built(
    manager, content_dir, monkeypatch
):
    def broken(library, semantic=None):
        raise RuntimeError("index exploded")

    monkeypatch.setattr(updates, "build_matcher", broken)
    result = manager.check_upload("ferry.yaml", FERRY)
    assert (result.ok, result.checked) == (False, True)
    assert "the search index could not be built: RuntimeError: index exploded" in result.problems


# --- history, rollback, diff -------------------------------------------------------------------

MINI_V2 = MINI.replace(
    b"Money that migrants send home helps families.", b"Money sent home helps whole families."
)


def test_history_keeps_the_replaced_version(manager, content_dir):
    assert manager.apply_upload("mini.yaml", MINI).kept_as is None
    result = manager.apply_upload("mini.yaml", MINI_V2)
    assert result.ok
    assert result.changed == {"mini-remittances": ["summary"]}
    assert result.kept_as is not None
    assert result.kept_as.startswith(".history/mini.")
    (kept,) = manager.history("mini.yaml")
    assert kept.path == content_dir / result.kept_as
    assert kept.path.read_bytes() == MINI
    assert kept.path.name == f"mini.{kept.version}.yaml"
    # The history folder is hidden: a restart does not load old versions as packs.
    assert len(load_library(content_dir, SEEDS).packs) == 3  # with safety.yaml


def test_rollback_restores_the_previous_version_and_can_be_undone(manager, service, content_dir):
    manager.apply_upload("mini.yaml", MINI)
    manager.apply_upload("mini.yaml", MINI_V2)
    summary = lambda: service.library.section("mini-remittances").summary["en"]  # noqa: E731
    assert "whole families" in summary()

    result = manager.rollback("mini.yaml")
    assert result.ok, result.problems
    assert result.changed == {"mini-remittances": ["summary"]}
    assert (content_dir / "mini.yaml").read_bytes() == MINI
    assert "whole families" not in summary()
    assert [kept.path.read_bytes() for kept in manager.history("mini.yaml")] == [MINI, MINI_V2]

    undo = manager.rollback("mini.yaml")
    assert undo.ok
    assert (content_dir / "mini.yaml").read_bytes() == MINI_V2
    assert "whole families" in summary()

    oldest = manager.history("mini.yaml")[0]
    assert manager.rollback("mini.yaml", version=oldest.version).ok
    assert (content_dir / "mini.yaml").read_bytes() == oldest.path.read_bytes()


def test_history_says_each_versions_pack_version_uploader_and_upload_time(manager, content_dir):
    # A version put in the folder by hand (a deploy): nobody's upload, so "unknown".
    (content_dir / "mini.yaml").write_bytes(MINI.replace(b'version: "0.1"', b'version: "0.0.9"'))
    assert manager.reload().ok
    start = datetime.now(UTC).replace(microsecond=0)
    assert manager.apply_upload("mini.yaml", MINI, uploaded_by=111).ok
    v2 = MINI_V2.replace(b'version: "0.1"', b'version: "0.2"')
    assert manager.apply_upload("mini.yaml", v2, uploaded_by=222).ok
    assert manager.apply_upload("mini.yaml", MINI_V2.replace(b"whole", b"all"), 333).ok

    by_hand, first, second = manager.history("mini.yaml")
    assert (by_hand.pack_version, by_hand.uploaded_by, by_hand.uploaded_at) == (
        "0.0.9",
        None,
        None,
    )
    assert (first.pack_version, first.uploaded_by) == ("0.1", 111)
    assert (second.pack_version, second.uploaded_by) == ("0.2", 222)
    assert first.uploaded_at is not None
    assert start <= first.uploaded_at <= datetime.now(UTC) + timedelta(seconds=1)
    # The records hold only versions that are still live or kept.
    records = json.loads((content_dir / ".history" / "uploads.json").read_text())
    assert sorted(entry["by"] for entry in records["mini.yaml"].values()) == [111, 222, 333]
    # The listed version is what rollback accepts.
    assert manager.rollback("mini.yaml", version=first.version).ok
    assert (content_dir / "mini.yaml").read_bytes() == MINI


def test_a_damaged_upload_record_only_loses_the_details(manager, content_dir):
    assert manager.apply_upload("mini.yaml", MINI, uploaded_by=111).ok
    assert manager.apply_upload("mini.yaml", MINI_V2, uploaded_by=222).ok
    (content_dir / ".history" / "uploads.json").write_text("{not json")
    [kept] = manager.history("mini.yaml")
    assert (kept.pack_version, kept.uploaded_by, kept.uploaded_at) == ("0.1", None, None)
    assert manager.apply_upload("mini.yaml", MINI, uploaded_by=333).ok  # and uploads go on


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'pack:\n  version: "2.1"\n', "2.1"),
        (b"pack:\n  version: 3\n", "3"),
        (b"pack:\n  id: x\n", None),
        (b"pack: [", None),
        (b"\xff\xfe", None),
        (b"- a list\n", None),
    ],
)
def test_pack_version_reads_the_pack_header(data, expected):
    assert pack_version(data) == expected


def test_rollback_without_history_is_an_error(manager, content_dir):
    before = snapshot(content_dir)
    result = manager.rollback("chair-summary-2017.yaml")
    assert not result.ok
    assert result.problems == ["chair-summary-2017.yaml has no earlier version to restore"]
    assert not manager.rollback("../x.txt").ok
    assert not manager.rollback("mini.yaml", version="20200101T000000000000Z").ok
    assert snapshot(content_dir) == before


def test_rollback_to_a_broken_version_is_refused(manager, service, content_dir):
    manager.apply_upload("mini.yaml", MINI)
    history = content_dir / ".history"
    history.mkdir(exist_ok=True)  # the upload's record may have made it
    (history / "mini.20200101T000000000000Z.yaml").write_bytes(b"pack: [")
    before_files, before_library = snapshot(content_dir), service.library
    result = manager.rollback("mini.yaml")
    assert not result.ok
    assert any("YAML syntax error" in problem for problem in result.problems)
    assert snapshot(content_dir) == before_files
    assert service.library is before_library


def test_diff_reports_added_changed_fields_and_removed(manager):
    assert manager.apply_upload("mini.yaml", MINI).added == ["mini-remittances", "mini-trafficking"]
    v2 = (
        MINI.split(b"  - id: mini-trafficking")[0]
        .replace(b"related: [mini-trafficking]", b"related: [mini-ferry-safety]")
        .replace(b"helps families. The", b"helps whole families. The")
        .replace(b"[remittances, money home, transfer fees]", b"[remittances, money home]")
    ) + FERRY.split(b"sections:\n")[1]
    result = manager.apply_upload("mini.yaml", v2)
    assert result.ok, result.problems
    assert result.added == ["mini-ferry-safety"]
    assert result.changed == {"mini-remittances": ["summary", "keywords", "related"]}
    assert result.removed == ["mini-trafficking"]
    assert result.describe() == (
        "Live now mini.yaml.\n"
        "Added: mini-ferry-safety\n"
        "Changed: mini-remittances (summary, keywords, related)\n"
        "Removed: mini-trafficking"
    )


def test_diff_of_identical_libraries_is_empty(base_library):
    assert diff_libraries(base_library, base_library) == ([], {}, [])


def test_a_refused_result_lists_every_problem():
    result = UpdateResult(False, "x.yaml", ["x.yaml:3: one", "x.yaml:9: two"])
    assert result.describe() == (
        "Not applied x.yaml: nothing was changed. Problems:\n- x.yaml:3: one\n- x.yaml:9: two"
    )


# --- reload (git deploys, SIGHUP) and /content -------------------------------------------------


def test_reload_picks_up_a_pushed_change_and_refuses_a_broken_one(manager, service, content_dir):
    (content_dir / "ferry.yaml").write_bytes(FERRY)
    assert manager.packs_overview()[0].changed_on_disk is False
    result = manager.reload()
    assert result.ok, result.problems
    assert result.added == ["mini-ferry-safety"]
    assert answered_section(service, FERRY_QUESTION) == "mini-ferry-safety"

    (content_dir / "ferry.yaml").write_bytes((DATA / "bad" / "01-syntax-error.yaml").read_bytes())
    before_library, before_answers = service.library, answers(service)
    result = manager.reload()
    assert not result.ok
    assert any("ferry.yaml:18: YAML syntax error" in problem for problem in result.problems)
    assert service.library is before_library
    assert answers(service) == before_answers
    ferry_info = next(info for info in manager.packs_overview() if info.pack_id == "ferry")
    assert ferry_info.changed_on_disk

    (content_dir / "ferry.yaml").unlink()
    result = manager.reload()
    assert result.ok
    assert result.removed == ["mini-ferry-safety"]
    assert answered_section(service, FERRY_QUESTION) != "mini-ferry-safety"


def test_packs_overview_lists_the_live_packs(manager, service):
    chair, safety = manager.packs_overview()
    assert (safety.file_name, safety.sections) == ("safety.yaml", 0)
    shipped = load_library(ROOT / "content", SEEDS).packs[0]
    assert (chair.file_name, chair.pack_id, chair.version) == (
        "chair-summary-2017.yaml",
        "chair-summary-2017",
        shipped.version,
    )
    assert chair.sections == 11
    assert chair.languages[0] == "en"
    assert chair.loaded_at is not None
    first_loaded = chair.loaded_at

    manager.apply_upload("ferry.yaml", FERRY)
    chair, ferry, _ = manager.packs_overview()
    assert chair.loaded_at == first_loaded  # unchanged packs keep the time they went live
    assert (ferry.file_name, ferry.pack_id, ferry.version, ferry.sections) == (
        "ferry.yaml",
        "ferry",
        "1",
        1,
    )
    assert ferry.loaded_at is not None
    assert ferry.loaded_at > first_loaded


# --- concurrency ------------------------------------------------------------------------------


def test_questions_during_repeated_swaps_always_get_an_answer(manager, service, content_dir):
    """Users keep asking while an admin swaps content back and forth; nobody gets an error."""
    stop = threading.Event()
    errors: list[BaseException] = []
    seen: set[str | None] = set()

    def ask() -> None:
        while not stop.is_set():
            for question in QUESTIONS:
                try:
                    reply = service.ask(question, "en")
                    assert reply.text
                    if question == FERRY_QUESTION:
                        seen.add(reply.outcome.section_id if reply.outcome else None)
                    service.press("s:mini-ferry-safety", "en")
                    service.topics("en")
                except BaseException as error:
                    errors.append(error)
                    return
            time.sleep(0.001)  # let the admin's thread run too (the GIL is shared)

    askers = [threading.Thread(target=ask) for _ in range(3)]
    for thread in askers:
        thread.start()
    try:
        for round_ in range(4):
            if round_ % 2 == 0:
                assert manager.apply_upload("ferry.yaml", FERRY).ok
            else:
                (content_dir / "ferry.yaml").unlink()
                assert manager.reload().ok
    finally:
        stop.set()
        for thread in askers:
            thread.join()
    assert errors == []
    assert "mini-ferry-safety" in seen
    assert len(seen) >= 2  # old and new content both answered


def test_library_swaps_are_atomic_for_readers(base_library, base_matcher, content_dir):
    """Many bare swaps between two libraries while threads read: every read is consistent."""
    service = Service(base_library, base_matcher)
    (content_dir / "ferry.yaml").write_bytes(FERRY)
    bigger = load_library(content_dir, SEEDS)
    bigger_matcher = build_matcher(bigger)
    stop = threading.Event()
    errors: list[BaseException] = []

    def read() -> None:
        while not stop.is_set():
            try:
                reply = service.ask(FERRY_QUESTION, "en")
                section_id = reply.outcome.section_id if reply.outcome else None
                if section_id == "mini-ferry-safety":
                    # The answer came from the bigger library; the press may see either.
                    service.press("s:mini-ferry-safety", "en")
            except BaseException as error:
                errors.append(error)
                return

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()
    try:
        for index in range(300):
            if index % 2:
                service.swap(base_library, base_matcher)
            else:
                service.swap(bigger, bigger_matcher)
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert errors == []


def test_two_uploads_at_once_are_serialised(manager, service, content_dir):
    """Without the lock, the second swap could be built without the first file and drop it."""
    other = MINI.replace(b"id: mini\n", b"id: other\n").replace(b"mini-", b"other-")
    barrier = threading.Barrier(2)
    results: list[UpdateResult] = []

    def upload(name: str, data: bytes) -> None:
        barrier.wait()
        results.append(manager.apply_upload(name, data))

    threads = [
        threading.Thread(target=upload, args=("ferry.yaml", FERRY)),
        threading.Thread(target=upload, args=("other.yaml", other)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result.ok for result in results), [result.problems for result in results]
    live = {section.id for section in service.library.sections}
    assert {"mini-ferry-safety", "other-remittances", "other-trafficking"} <= live
    assert {p.name for p in content_dir.iterdir() if p.is_file()} == {
        "chair-summary-2017.yaml",
        "ferry.yaml",
        "other.yaml",
        "safety.yaml",
    }


def test_no_temporary_files_are_left_behind(manager, content_dir):
    manager.apply_upload("mini.yaml", MINI)
    manager.apply_upload("mini.yaml", MINI_V2)
    manager.rollback("mini.yaml")
    leftovers = [p for p in content_dir.rglob("*") if p.suffix == ".tmp"]
    assert leftovers == []
    assert oct((content_dir / "mini.yaml").stat().st_mode & 0o777) == oct(0o644)
    assert os.listdir(content_dir / ".history")
