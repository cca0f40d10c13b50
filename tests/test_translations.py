"""Issue 15: translations that keep step with the English, and plain-language checks.

- Every translated field records the hash of the English it was made from; changing one
  English summary makes exactly that field stale in every language, and `validate`, /content
  and the bot's reply say so.
- A translator's CSV round trip: export, import unchanged (the file is byte for byte the same),
  import one new translation (it and its hash are written, reviewed only where every row of the
  section is marked), and bad rows refused with nothing written.
- `validate` (and uploads) refuse a summary above reading grade 9 or banned jargon, and warn on
  key points above grade 8 and long sentences.

Content is a copy of content/ in tmp_path, edited with the same YAML editor the tools use.
"""

from __future__ import annotations

import csv
import html
import io
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from bot.content.loader import build_library, load_library, read_content_dir
from bot.content.models import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, Library, english_hash
from bot.content.plain import check_library, reading_grade
from bot.content.translations import (
    ImportError_,
    export_csv,
    import_translations,
    stale_report,
    stamp_files,
    unstamped_report,
)
from bot.content.updates import ContentManager
from bot.content.yamledit import KeyPath, Value, set_values
from bot.i18n import t
from bot.replies import escape
from bot.service import Service
from tests.support.bot import ADMIN_ID
from tests.support.chat import say

if TYPE_CHECKING:
    from tests.support.bot import RunningBot

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PACK = "chair-summary-2017.yaml"
TRANSLATED = [lang for lang in SUPPORTED_LANGUAGES if lang != DEFAULT_LANGUAGE]
HARD_SUMMARY = (
    "Notwithstanding considerable institutional heterogeneity, participating representatives "
    "collectively underscored the indispensability of comprehensive intergovernmental "
    "coordination mechanisms, operationalizing multidimensional accountability frameworks "
    "and facilitating systematic harmonization of administrative documentation requirements "
    "throughout originating, transiting and destination jurisdictions. Furthermore, "
    "representatives emphasized institutionalized consultation."
)


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of content/, with every translation stamped as made from today's English."""
    folder = tmp_path / "content"
    shutil.copytree(ROOT / "content", folder)
    for name, data in stamp_files(read_content_dir(folder), SEEDS).items():
        (folder / name).write_bytes(data)
    return folder


def edit(folder: Path, *changes: tuple[KeyPath, Value]) -> None:
    """Change values in the pack's YAML, as the tools do (every other byte stays)."""
    path = folder / PACK
    path.write_text(set_values(path.read_text(encoding="utf-8"), changes), encoding="utf-8")


def section_index(library: Library, section_id: str) -> int:
    return [section.id for section in library.sections].index(section_id)


def load(folder: Path) -> Library:
    return load_library(folder, SEEDS)


# --- hashes and stale translations -----------------------------------------------------------


def test_the_shipped_pack_records_what_every_translation_was_made_from() -> None:
    library = load(ROOT / "content")
    assert stale_report(library) == {}
    assert unstamped_report(library) == {}
    section = library.sections[0]
    assert section.translated_from["th"]["summary"] == english_hash(section.summary["en"])


def test_changing_one_english_summary_makes_it_stale_in_every_language(content: Path) -> None:
    before = load(content)
    assert stale_report(before) == {}
    index = section_index(before, "human-rights")
    new_english = before.sections[index].summary["en"] + " Some also spoke about fair pay."
    edit(content, (("sections", index, "summary", "en"), new_english))

    library = load(content)
    assert stale_report(library) == {lang: {"human-rights": ("summary",)} for lang in TRANSLATED}

    result = run("validate", str(content), "--seeds", str(SEEDS))
    assert result.returncode == 0, result.stdout
    assert "Stale translations (the English changed after they were made):" in result.stdout
    for lang in TRANSLATED:
        assert f"  {lang}: human-rights (summary)" in result.stdout


def test_a_stale_translation_is_shown_with_a_note(content: Path) -> None:
    library = load(content)
    index = section_index(library, "trafficking")
    edit(content, (("sections", index, "summary", "en"), "A new English summary. " * 10))
    service = Service(load(content))
    for lang in TRANSLATED:
        reply = service.press("s:trafficking", lang)
        assert f"<i>{escape(t('stale_note', lang))}</i>" in reply.text
        assert "s:trafficking:en" in [b.payload for row in reply.buttons for b in row]
        # Only where the stale field is shown: the key points were not changed.
        assert escape(t("stale_note", lang)) not in service.press("k:trafficking", lang).text
        assert escape(t("stale_note", lang)) not in service.press("s:drivers", lang).text
    assert escape(t("stale_note", "en")) not in service.press("s:trafficking", "en").text


def test_stamping_twice_changes_nothing_and_rewrapping_english_is_not_a_change(
    content: Path,
) -> None:
    assert stamp_files(read_content_dir(content), SEEDS) == {}
    library = load(content)
    index = section_index(library, "drivers")
    rewrapped = "\n".join(library.sections[index].summary["en"].split(" "))
    edit(content, (("sections", index, "summary", "en"), rewrapped))
    assert stale_report(load(content)) == {}


def test_the_stamp_command_records_the_english_of_today(content: Path) -> None:
    folder = content
    path = folder / PACK
    library = load(folder)
    index = section_index(library, "about")
    edit(folder, (("sections", index, "title", "en"), "About this report"))
    assert stale_report(load(folder))["th"] == {"about": ("title",)}
    result = run("translations", "stamp", "--lang", "th", "--content", str(folder))
    assert result.returncode == 0, result.stdout + result.stderr
    report = stale_report(load(folder))
    assert "th" not in report
    assert report["ru"] == {"about": ("title",)}
    assert "translations:" in path.read_text(encoding="utf-8")


# --- the translator's CSV --------------------------------------------------------------------


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_export_has_the_columns_translators_need(content: Path) -> None:
    library = load(content)
    table = rows(export_csv(library, "th"))
    assert table[0] == ["section", "field", "English", "translation (th)", "reviewed", "note"]
    by_key = {(row[0], row[1]): row for row in table[1:]}
    about = library.section("about")
    assert about is not None
    assert by_key[("about", "summary")][2:5] == [about.summary["en"], about.summary["th"], "no"]
    assert by_key[("about", "key_points")][2] == "\n".join(about.key_points["en"])
    assert ("glossary.firewall", "explanation") in by_key
    assert ("what_happened_next", "text") in by_key


def test_csv_round_trip_without_changes_changes_nothing(content: Path, tmp_path: Path) -> None:
    before = read_content_dir(content)
    for lang in TRANSLATED:
        out = tmp_path / f"{lang}.csv"
        exported = run("translations", "export", "--lang", lang, "--out", str(out),
                       "--content", str(content))  # fmt: skip
        assert exported.returncode == 0, exported.stdout + exported.stderr
        imported = run("translations", "import", str(out), "--content", str(content))
        assert imported.returncode == 0, imported.stdout + imported.stderr
        assert "Nothing changed." in imported.stdout
    assert read_content_dir(content) == before


def test_csv_import_updates_a_translation_its_hash_and_review(content: Path) -> None:
    library = load(content)
    table = rows(export_csv(library, "th"))
    new_summary = "ที่ประชุมนี้เป็นการพูดคุยของหลายประเทศ ไม่ใช่กฎหมาย"
    for row in table[1:]:
        if row[0] == "about" and row[1] == "summary":
            row[3] = new_summary
        if row[0] == "about":
            row[4] = "yes"
        if row[0] == "key-issues" and row[1] == "title":
            row[4] = "yes"  # one row of a section: the section stays unreviewed
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)

    files = read_content_dir(content)
    result = import_translations(files, SEEDS, out.getvalue())
    assert result.updated == ["about.summary"]
    assert result.reviewed == {"about": True}
    updated, problems = build_library({**files, **result.files}, SEEDS)
    assert not problems
    assert updated is not None
    about = updated.section("about")
    key_issues = updated.section("key-issues")
    assert about is not None
    assert key_issues is not None
    assert about.summary["th"] == new_summary
    assert about.translated_from["th"]["summary"] == english_hash(about.summary["en"])
    assert about.reviewed["th"] is True
    assert about.reviewed["ru"] is False
    assert key_issues.reviewed["th"] is False
    # Everything else in the file is as it was.
    old_lines = files[PACK].decode().splitlines()
    new_lines = result.files[PACK].decode().splitlines()
    changed = [line for line in new_lines if line not in old_lines]
    assert len(changed) == 2  # the summary and the reviewed map
    # A reviewed translation carries no "unchecked" note.
    reply = Service(updated).press("s:about", "th")
    assert escape(t("unreviewed_note", "th")) not in reply.text


def test_a_row_made_from_older_english_is_stale_at_once(content: Path) -> None:
    library = load(content)
    table = rows(export_csv(library, "vi"))
    for row in table[1:]:
        if row[0] == "drivers" and row[1] == "title":
            row[2] = "An older English title"
            row[3] = "Một tiêu đề mới bằng tiếng Việt"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    files = read_content_dir(content)
    result = import_translations(files, SEEDS, out.getvalue())
    updated, _ = build_library({**files, **result.files}, SEEDS)
    assert updated is not None
    assert stale_report(updated) == {"vi": {"drivers": ("title",)}}


@pytest.mark.parametrize(
    ("field", "translation", "problem"),
    [
        ("summary", "This is English, not Thai at all.", "letters are Thai"),
        ("summary", "ข้อความ {name} ที่มีตัวแปร", "placeholders"),
        ("summary", "ยาวมาก " * 600, "far longer than the English"),
        ("key_points", "ข้อเดียว", "key points; the English has"),
    ],
)
def test_bad_rows_are_refused_and_nothing_is_written(
    content: Path, tmp_path: Path, field: str, translation: str, problem: str
) -> None:
    table = rows(export_csv(load(content), "th"))
    for row in table[1:]:
        if row[0] == "policies" and row[1] == field:
            row[3] = translation
    table.append(["no-such-section", "summary", "x", "ย", "no", ""])
    path = tmp_path / "th.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(table)
    before = read_content_dir(content)
    result = run("translations", "import", str(path), "--content", str(content))
    assert result.returncode == 1
    assert "Nothing was written" in result.stdout
    assert problem in result.stdout
    assert "'no-such-section' is not a section" in result.stdout
    assert read_content_dir(content) == before


def test_the_csv_must_say_its_language() -> None:
    with pytest.raises(ImportError_, match="which language"):
        import_translations(read_content_dir(ROOT / "content"), SEEDS, "a,b,c,d,e,f\n")


# --- plain language --------------------------------------------------------------------------


def test_the_shipped_english_passes_the_plain_language_checks() -> None:
    findings = check_library(load(ROOT / "content"))
    assert [str(finding) for finding in findings if finding.level == "refuse"] == []


def test_validate_refuses_a_summary_above_grade_9(content: Path) -> None:
    assert reading_grade(HARD_SUMMARY) > 9
    index = section_index(load(content), "policies")
    edit(content, (("sections", index, "summary", "en"), HARD_SUMMARY))
    result = run("validate", str(content), "--seeds", str(SEEDS))
    assert result.returncode == 1
    assert "policies summary: refused: reads at grade" in result.stdout
    assert "cannot go live" in result.stdout


def test_validate_refuses_what_it_means_for_you_above_grade_9(content: Path) -> None:
    index = section_index(load(content), "drivers")
    edit(content, (("sections", index, "for_migrants", "en"), HARD_SUMMARY))
    result = run("validate", str(content), "--seeds", str(SEEDS))
    assert result.returncode == 1
    assert "drivers for_migrants: refused: reads at grade" in result.stdout


def test_validate_warns_on_hard_key_points_and_long_sentences(content: Path) -> None:
    library = load(content)
    index = section_index(library, "cooperation")
    points = list(library.sections[index].key_points["en"])
    points[0] = HARD_SUMMARY
    edit(content, (("sections", index, "key_points", "en"), tuple(points)))
    result = run("validate", str(content), "--seeds", str(SEEDS))
    assert result.returncode == 0, result.stdout
    assert "cooperation key_points: warning: reads at grade" in result.stdout
    assert "cooperation key_points: warning: a sentence of 33 words (limit 25)" in result.stdout


def test_banned_jargon_is_configurable_in_the_pack(content: Path) -> None:
    library = load(content)
    index = section_index(library, "contributions")
    summary = library.sections[index].summary["en"]
    edit(content, (("sections", index, "summary", "en"), summary + " Mind the modalities."))
    result = run("validate", str(content), "--seeds", str(SEEDS))
    assert result.returncode == 1
    assert "contributions summary: refused: uses “modalities”" in result.stdout
    banned = tuple(library.packs[0].plain_language.banned_jargon)
    edit(
        content,
        (("plain_language", "banned_jargon"), tuple(w for w in banned if w != "modalities")),
    )
    assert run("validate", str(content), "--seeds", str(SEEDS)).returncode == 0


def test_an_upload_gets_the_same_report(content: Path) -> None:
    service = Service(load(content))
    manager = ContentManager(content, SEEDS, service)
    text = (content / PACK).read_text(encoding="utf-8")
    index = section_index(service.library, "policies")
    hard = set_values(text, [(("sections", index, "summary", "en"), HARD_SUMMARY)])
    refused = manager.apply_upload(PACK, hard.encode())
    assert not refused.ok
    assert any("policies summary: refused: reads at grade" in p for p in refused.problems)
    assert (content / PACK).read_text(encoding="utf-8") == text


def test_an_upload_report_lists_the_stale_translations(content: Path) -> None:
    service = Service(load(content))
    manager = ContentManager(content, SEEDS, service)
    text = (content / PACK).read_text(encoding="utf-8")
    index = section_index(service.library, "policies")
    new_summary = service.library.sections[index].summary["en"] + " It was a long talk."
    stale = set_values(text, [(("sections", index, "summary", "en"), new_summary)])
    result = manager.apply_upload(PACK, stale.encode())
    assert result.ok
    report = result.describe()
    assert "Stale translations (the English changed after they were made):" in report
    assert "  th: policies (summary)" in report


class TestContentCommand:
    """/content on Telegram: seed lines for admins, and the stale translations."""

    @pytest.fixture
    def service(self, content: Path) -> Service:
        """Replaces conftest's `service`: the bot serves content with one stale summary."""
        library = load(content)
        index = section_index(library, "drivers")
        edit(content, (("sections", index, "summary", "en"), "A new English summary. " * 10))
        return Service(load(content))

    async def test_content_lists_seed_lines_and_stale_translations(self, bot: RunningBot) -> None:
        call = await say(bot, "/content", user_id=ADMIN_ID)
        text = html.unescape(call.params["text"])
        assert "Seed lines: about 1-18, key-issues 19-123," in text
        assert "Stale translations (the English changed after they were made):" in text
        for lang in TRANSLATED:
            assert f"{lang}: drivers (summary)" in text
        # Users never see line numbers.
        original = await say(bot, "/start drivers")
        assert "522" not in original.params["text"]


# --- the YAML editor -------------------------------------------------------------------------

SMALL = """\
# a comment that stays
top:
  title:
    en: Hello
    ru: >-
      Привет
      мир
  reviewed: {ru: false}
  points:
    en:
      - "one"
      - "two"
    ru: ["один", "два"]
other: [1, 2]
"""


def test_yaml_edits_change_only_their_values() -> None:
    edited = set_values(
        SMALL,
        [
            (("top", "title", "ru"), "Здравствуй"),
            (("top", "title", "th"), "สวัสดี"),
            (("top", "reviewed", "ru"), True),
            (("top", "reviewed", "th"), False),
            (("top", "points", "en"), ("uno", "dos", "tres")),
            (("top", "points", "ru"), ("раз",)),
            (("top", "seen", "ru"), "new"),
        ],
    )
    assert (
        edited
        == """\
# a comment that stays
top:
  title:
    en: Hello
    ru: "Здравствуй"
    th: "สวัสดี"
  reviewed: {ru: true, th: false}
  points:
    en:
      - "uno"
      - "dos"
      - "tres"
    ru: ["раз"]
  seen: {ru: "new"}
other: [1, 2]
"""
    )


def test_yaml_edits_keep_every_character_of_a_value() -> None:
    tricky = 'Quotes " and \\ backslashes, a colon: and # hash, “curly”, {x}, new\nline'
    edited = set_values(SMALL, [(("top", "title", "en"), tricky)])
    assert yaml.safe_load(edited)["top"]["title"]["en"] == tricky
