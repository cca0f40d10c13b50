"""Change a few values in a content file's YAML text, leaving every other byte as it was.

Translators' imports and `translations stamp` write packs that people also edit by hand and
review in git, so a rewrite of the whole file (new quoting, new wrapping, lost comments) is
not acceptable. PyYAML's composer gives each node's exact position; a new value replaces just
its node's span (as a JSON string or list, which is valid YAML), and a missing key is inserted
after the last entry of its mapping. Content files have no anchors or tabs (the loader refuses
them), so positions are reliable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Value = str | bool | tuple[str, ...]
KeyPath = tuple[str | int, ...]


class EditError(Exception):
    """A path in the file cannot be edited (it is not where a mapping or list should be)."""


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str
    order: int


def set_values(text: str, changes: Iterable[tuple[KeyPath, Value]]) -> str:
    """`text` with each path set to its value; paths run through mappings (str keys) and lists
    (int indexes); a missing last key, or a missing mapping just above it, is created."""
    root = yaml.compose(text, Loader=_Loader)
    if root is None:
        raise EditError("the file is empty")
    edits = [
        _edit_for(text, root, tuple(path), value, order)
        for order, (path, value) in enumerate(changes)
    ]
    # From the end of the file backwards, so earlier positions stay valid; insertions at the
    # same place keep the order they were asked in.
    for edit in sorted(edits, key=lambda e: (e.start, e.order), reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


def replace_top_level(text: str, key: str, block: str) -> str:
    """`text` with the top-level `key: ...` block replaced by `block` (which starts with
    `key:`), or with `block` appended at the end if the file has no such key."""
    root = yaml.compose(text, Loader=_Loader)
    if not isinstance(root, yaml.MappingNode):
        raise EditError("the file is not a mapping")
    for key_node, value_node in root.value:
        if key_node.value == key:
            start = key_node.start_mark.index
            end = _content_end(text, value_node)
            return text[:start] + block.rstrip("\n") + text[end:]
    return text.rstrip("\n") + "\n\n" + block.rstrip("\n") + "\n"


def _content_end(text: str, node: yaml.Node) -> int:
    """Where a node's own text ends: block scalars' spans run on over the line breaks after."""
    start, end = node.start_mark.index, node.end_mark.index
    return start + len(text[start:end].rstrip())


def _edit_for(text: str, root: yaml.Node, path: KeyPath, value: Value, order: int) -> _Edit:
    node = root
    for depth, step in enumerate(path):
        if isinstance(step, int):
            if not isinstance(node, yaml.SequenceNode) or step >= len(node.value):
                raise EditError(f"{_shown(path[: depth + 1])}: no such list item")
            node = node.value[step]
            continue
        if not isinstance(node, yaml.MappingNode):
            raise EditError(f"{_shown(path[:depth])}: not a mapping")
        found = next((v for k, v in node.value if k.value == step), None)
        if found is None:
            rest = path[depth:]
            if len(rest) > 2 or any(isinstance(part, int) for part in rest):
                raise EditError(f"{_shown(path[: depth + 1])}: missing")
            return _insert(text, node, rest, value, order)
        node = found
    start = node.start_mark.index
    end = _content_end(text, node)
    return _Edit(start, end, _render(value, node, text), order)


def _insert(
    text: str, mapping: yaml.MappingNode, rest: Sequence[str | int], value: Value, order: int
) -> _Edit:
    """Insert `rest[0]: value` (or `rest[0]: {rest[1]: value}`) as the mapping's last entry."""
    rendered = _render(value, None, text)
    entry = f"{rest[0]}: {rendered}" if len(rest) == 1 else f"{rest[0]}: {{{rest[1]}: {rendered}}}"
    if not mapping.value:
        raise EditError(f"cannot add {rest[0]} to an empty mapping")
    last_value = mapping.value[-1][1]
    at = _content_end(text, last_value)
    if mapping.flow_style:
        return _Edit(at, at, f", {entry}", order)
    column = mapping.value[0][0].start_mark.column
    if len(rest) == 1 and isinstance(value, tuple) and value:
        items = "\n".join(
            f"{' ' * (column + 2)}- {json.dumps(item, ensure_ascii=False)}" for item in value
        )
        entry = f"{rest[0]}:\n{items}"
    return _Edit(at, at, f"\n{' ' * column}{entry}", order)


def _render(value: Value, node: yaml.Node | None, text: str) -> str:
    """A value as YAML text: JSON scalars; a list in the style of the node it replaces."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and value:
        indent = " " * node.start_mark.column
        return f"\n{indent}".join(f"- {json.dumps(item, ensure_ascii=False)}" for item in value)
    return json.dumps(list(value), ensure_ascii=False)


def _shown(path: Sequence[str | int]) -> str:
    return ".".join(str(part) for part in path) or "(top)"
