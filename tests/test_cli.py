"""The command line, run as real subprocesses the way operators and CI use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.matching import Semantic

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"


def run(*args: str, stdin: str = "", env: dict[str, str] | None = None):
    environment = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    # These tests are about the command line: words-only matching keeps them quick (a cold
    # embedding cache takes a minute). test_match_jsonl_with_the_model runs the model.
    environment["SEMANTIC_MATCHING"] = "off"
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
        check=False,
    )


def test_console_answers_piped_questions_one_block_per_line():
    result = run("console", stdin="remittance fees\n/topics\n1\nhow to lose weight fast\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Hello!" in out  # the welcome
    assert "Money" in out or "remittance" in out.lower()
    assert "Topics. Tap one" in out
    assert "About this summary" in out  # button 1 of the topic menu opened
    assert "can't answer" in out
    assert "<b>" not in out  # terminal text, not HTML
    assert "&amp;" not in out
    assert "Traceback" not in result.stderr


def test_console_button_numbers_open_key_points_and_original_words():
    result = run("console", stdin="/start trafficking\n1\n")
    assert result.returncode == 0, result.stderr
    assert "Key points" in result.stdout
    assert "•" in result.stdout


def test_match_prints_decision_and_top_three():
    result = run("match", "remittance", "fees")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("decision: answer")
    assert "contributions" in result.stdout
    assert len(result.stdout.strip().splitlines()) == 4


def test_match_jsonl_writes_one_object_per_question():
    questions = "remittance fees\nhow to lose weight fast\nmy boss took my passport help me\n"
    result = run("match", "--jsonl", stdin=questions)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["query"] for r in records] == questions.splitlines()
    for record in records:
        assert set(record) == {
            "query",
            "decision",
            "answer",
            "alternatives",
            "scores",
            "distress",
            "lang",
            "intent",
        }
    assert records[0]["answer"] == "contributions"
    assert records[1]["answer"] is None
    assert records[2]["distress"] is True


def test_match_jsonl_with_the_model_names_small_talk_and_answers_it_with_no_section(
    semantic: Semantic,
):
    questions = "hello there!\nthank you so much\nwho are you\nwhy are transfer fees so high\n"
    assert semantic.embedder.path is not None  # warm: the exemplars are embedded already
    env = {
        "SEMANTIC_MATCHING": "on",
        "EMBEDDING_CACHE": str(semantic.embedder.path),
        "CONTENT_DIR": str(DATA / "good"),
    }
    result = run("match", "--jsonl", stdin=questions, env=env)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["intent"] for r in records] == ["greeting", "thanks", "who", None]
    assert [r["answer"] for r in records] == [None, None, None, "mini-remittances"]


def test_validate_passes_shipped_content():
    result = run("validate", "content/")
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("OK: 1 pack(s), 11 sections, languages: en")


def test_validate_prints_problems_and_exits_1():
    result = run("validate", str(DATA / "bad" / "05-empty-summary.yaml"))
    assert result.returncode == 1
    assert (
        "05-empty-summary.yaml:19 section 'mini-remittances': summary.en: is empty" in result.stdout
    )


def test_validate_checks_ids_across_files():
    result = run("validate", "content/", str(DATA / "good" / "mini.yaml"))
    assert result.returncode == 0, result.stdout
    assert "2 pack(s), 13 sections" in result.stdout


def test_run_without_token_says_so_in_one_line_and_exits_2():
    result = run("run")
    assert result.returncode == 2
    assert "BOT_TOKEN" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_run_with_malformed_token_never_prints_it():
    result = run("run", env={"BOT_TOKEN": "not-a-token-secret123"})
    assert result.returncode == 2
    assert "not-a-token-secret123" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_every_command_has_help_with_an_example():
    for command in ("run", "console", "match", "validate", "stats"):
        result = run(command, "--help")
        assert result.returncode == 0
        assert "Example:" in result.stdout
