"""Pins the architecture: pure modules never pull in Telegram, SQLite or the network."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "module",
    [
        "bot.service",
        "bot.replies",
        "bot.matching",
        "bot.content.loader",
        "bot.distress",
        "bot.cli",
        "bot.storage.ports",
        "bot.reports",
    ],
)
def test_pure_modules_import_neither_telegram_nor_sqlite(module):
    code = (
        f"import sys, {module}\n"
        "bad = [m for m in ('telegram', 'aiosqlite', 'sqlite3', 'httpx') if m in sys.modules]\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == ""


def test_no_module_is_named_telegram():
    assert not any(path.stem == "telegram" for path in (ROOT / "bot").rglob("*.py"))


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("bot.matching", "bot.distress"),  # the service passes the danger check in
        ("bot.lang.data", "bot.matching"),
        ("bot.lang.data", "bot.distress"),
    ],
)
def test_lower_layers_do_not_import_higher_ones(module, forbidden):
    code = f"import sys, {module}\nprint({forbidden!r} in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "False"


# --- the Telegram adapter: no import cycles, not even type-only ones -------------------------


def import_graph(package: Path, name: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports, from the source (every import
    statement, `if TYPE_CHECKING:` blocks and imports inside functions included)."""
    modules = {path.stem: path for path in package.glob("*.py") if path.stem != "__init__"}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = name if node.level else (node.module or "")
                if node.level and node.module:
                    base = f"{name}.{node.module}"
                targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            for target in targets:
                head, _, rest = target.partition(f"{name}.")
                if head == "" and rest.split(".")[0] in modules:
                    imported.add(rest.split(".")[0])
        graph[module] = imported - {module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that ends where it starts, or None."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        for imported in sorted(graph[module]):
            cycle = visit(imported, [*path, module])
            if cycle is not None:
                return cycle
        done.add(module)
        return None

    for module in sorted(graph):
        cycle = visit(module, [])
        if cycle is not None:
            return cycle
    return None


def test_the_telegram_modules_import_each_other_without_a_cycle():
    graph = import_graph(ROOT / "bot" / "tg", "bot.tg")
    assert {"handlers", "admin", "admin_stats", "helpdesk", "sending", "context"} <= graph.keys()
    assert graph["app"] >= {"handlers", "admin", "admin_stats", "helpdesk"}
    cycle = find_cycle(graph)
    assert cycle is None, "bot/tg import cycle: " + " -> ".join(cycle or [])


def test_a_type_only_import_cycle_is_found(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "users.py").write_text("from pkg.shared import Data\n")
    (package / "shared.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import admin\n"
    )
    (package / "admin.py").write_text("def f():\n    from . import users\n")
    graph = import_graph(package, "pkg")
    assert graph == {"users": {"shared"}, "shared": {"admin"}, "admin": {"users"}}
    assert find_cycle(graph) == ["admin", "users", "shared", "admin"]
    (package / "admin.py").write_text("import json\n")
    assert find_cycle(import_graph(package, "pkg")) is None


def test_only_sending_uses_ptbs_private_bot_api():
    private_calls = re.compile(r"\.(_post|_do_post|_insert_defaults)\(")
    users = [
        path.name
        for path in (ROOT / "bot").rglob("*.py")
        if private_calls.search(path.read_text(encoding="utf-8"))
    ]
    assert users == ["sending.py"]
