"""Content folders for tests: a small one where the real content would only make a test slow.

Checking an upload validates the whole library and builds its search index: about a second
with the real content/, a twentieth of that with `small_content`. Tests about what happens to
files (history, pruning, rollback) need no more.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.content.loader import load_library
from bot.service import Service, build_matcher

ROOT = Path(__file__).resolve().parent.parent.parent
SEEDS = ROOT / "seeds"
# A two-section pack (tests/data/good/mini.yaml), and the urgent-help texts every library has.
MINI_PACK = ROOT / "tests" / "data" / "good" / "mini.yaml"
SAFETY_PACK = ROOT / "content" / "safety.yaml"


def small_content(folder: Path, packs: Mapping[str, bytes] | None = None) -> Path:
    """Write `packs` (file name -> YAML; by default the mini pack) and the real safety.yaml into
    `folder` (made if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    if packs is None:
        packs = {MINI_PACK.name: MINI_PACK.read_bytes()}
    for name, data in {**packs, SAFETY_PACK.name: SAFETY_PACK.read_bytes()}.items():
        (folder / name).write_bytes(data)
    return folder


def service_for(folder: Path) -> Service:
    """A Service over the content in `folder`, as the bot would serve it."""
    library = load_library(folder, SEEDS)
    return Service(library, build_matcher(library))
