"""Reading YAML safely and fast: libyaml's safe loader when PyYAML has it, else Python's.

PyYAML's wheels ship libyaml, which reads our data files about ten times faster than the pure
Python loader (it matters at start-up: the language data, exemplars and content are all
YAML); a build without it still works, more slowly. Both are safe loaders: no Python objects
are ever made from a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """The value of a YAML document (None when it is empty)."""
    return yaml.load(text, Loader=SAFE_LOADER)


def read_yaml(path: Path) -> Any:
    """The value of a UTF-8 YAML file."""
    return load_yaml(path.read_text(encoding="utf-8"))
