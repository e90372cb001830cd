"""Reading input files: UTF-8 text, YAML that keeps line numbers, Markdown front matter.

Nothing here knows what the fields mean; `validate` does. Problems come back as values.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Problem

if TYPE_CHECKING:
    import yaml

Position = tuple[int, int]
"""1-based (line, column)."""


class MarkedMap(dict[Any, Any]):
    """A YAML mapping that remembers where each key and value was written."""

    pos: Position = (0, 0)

    def __init__(self) -> None:
        super().__init__()
        self.key_pos: dict[Any, Position] = {}
        self.value_pos: dict[Any, Position] = {}
        self.raw: dict[Any, str] = {}
        """The text of scalar values as typed, before YAML gave them a type (`NO`, `21-23 Nov`)."""

    def where(self, key: Any) -> Position:
        return self.value_pos.get(key, self.key_pos.get(key, self.pos))


class MarkedList(list[Any]):
    """A YAML sequence that remembers where each item was written."""

    pos: Position = (0, 0)

    def __init__(self) -> None:
        super().__init__()
        self.item_pos: list[Position] = []

    def where(self, index: int) -> Position:
        return self.item_pos[index] if index < len(self.item_pos) else self.pos


def _position(node: yaml.Node, line_offset: int) -> Position:
    return (node.start_mark.line + 1 + line_offset, node.start_mark.column + 1)


@functools.cache
def _loader_class() -> type[Any]:
    """The safe loader (no Python tags; PyYAML's C parser when it has one) that builds
    MarkedMap/MarkedList and reports duplicate keys. PyYAML is loaded with the first YAML text:
    a build whose inputs are unchanged reads none."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class MarkingLoader(base):  # type: ignore[valid-type,misc]
        file_label = ""
        line_offset = 0
        scalar_node = yaml.ScalarNode

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.problems: list[Problem] = []

    MarkingLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
    MarkingLoader.add_constructor("tag:yaml.org,2002:seq", _construct_list)
    MarkingLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
    return MarkingLoader


_MarkingLoader = Any
"""An instance of `_loader_class()`."""


_STR = "tag:yaml.org,2002:str"


def _construct(loader: _MarkingLoader, node: yaml.Node) -> Any:
    # Text is its node's value: the library's bookkeeping (anchors, recursion) costs more than
    # the rest of the loading and changes nothing for it.
    if node.tag == _STR and isinstance(node, loader.scalar_node):
        return node.value
    return loader.construct_object(node, deep=True)


def _construct_map(loader: _MarkingLoader, node: yaml.MappingNode) -> Iterator[MarkedMap]:
    data = MarkedMap()
    data.pos = _position(node, loader.line_offset)
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = _construct(loader, key_node)
        line, col = _position(key_node, loader.line_offset)
        if isinstance(key, (MarkedMap, MarkedList)):
            loader.problems.append(
                Problem(
                    loader.file_label, line, col, "a key must be plain text", "remove the brackets"
                )
            )
            continue
        if key in data:
            first = data.key_pos[key][0]
            loader.problems.append(
                Problem(
                    loader.file_label,
                    line,
                    col,
                    f"duplicate key `{key}` (first given on line {first})",
                    "keep one of the two; YAML would silently use the last one",
                )
            )
            continue
        data[key] = _construct(loader, value_node)
        data.key_pos[key] = (line, col)
        data.value_pos[key] = _position(value_node, loader.line_offset)
        if isinstance(value_node, loader.scalar_node):
            data.raw[key] = value_node.value


def _construct_list(loader: _MarkingLoader, node: yaml.SequenceNode) -> Iterator[MarkedList]:
    data = MarkedList()
    data.pos = _position(node, loader.line_offset)
    yield data
    for item in node.value:
        data.append(_construct(loader, item))
        data.item_pos.append(_position(item, loader.line_offset))


def _construct_timestamp(loader: _MarkingLoader, node: yaml.ScalarNode) -> Any:
    # `2023-02-30` matches YAML's date pattern but is no date: keep the text so that
    # validation can say so with a line number instead of PyYAML raising ValueError.
    import yaml

    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return str(node.value)


@dataclass(frozen=True, slots=True)
class YamlResult:
    data: Any
    """MarkedMap / MarkedList / scalars, or None when the text could not be parsed."""
    problems: list[Problem]


def _yaml_hint(problem: str) -> str:
    if "tab" in problem or "\t" in problem:
        return "YAML does not allow tabs: indent with spaces"
    if "mapping values are not allowed" in problem:
        return "put quotes around text that contains `: `"
    if "quoted scalar" in problem:
        return "a quote is never closed: end the text with the same quote it starts with"
    if "could not determine a constructor" in problem:
        return "remove the `!tag`: only plain YAML values are allowed"
    return "check the indentation and the `key: value` syntax on this line and the one above"


def parse_yaml(text: str, file_label: str, line_offset: int = 0) -> YamlResult:
    """Parse one YAML document; `line_offset` shifts line numbers (front matter)."""
    import yaml

    loader = _loader_class()(text)
    loader.file_label = file_label
    loader.line_offset = line_offset
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 + line_offset if mark else 0
        col = mark.column + 1 if mark else 0
        message = f"invalid YAML: {err.problem or err.context}"
        if "end of stream" in (err.problem or "") and err.context and err.context_mark:
            # `found unexpected end of stream` alone says nothing: name where it began.
            started = err.context_mark.line + 1 + line_offset
            message += f" ({err.context} on line {started})"
        return YamlResult(None, [Problem(file_label, line, col, message, _yaml_hint(str(err)))])
    except yaml.YAMLError as err:
        return YamlResult(None, [Problem(file_label, 0, 0, f"invalid YAML: {err}")])
    finally:
        loader.dispose()
    return YamlResult(data, loader.problems)


@dataclass(frozen=True, slots=True)
class TextResult:
    text: str | None
    problems: list[Problem]


def decode_utf8(raw: bytes, file_label: str) -> TextResult:
    """Decode UTF-8 (a BOM is tolerated); invalid bytes are an error naming their line."""
    try:
        # Windows line endings become `\n`: the front matter's closing `---` is found and
        # the output does not depend on how git checked the file out.
        return TextResult(raw.decode("utf-8-sig").replace("\r\n", "\n"), [])
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        line_start = raw.rfind(b"\n", 0, err.start) + 1
        # Editors count columns in characters, not bytes: `ș` before the bad byte is one.
        col = len(raw[line_start : err.start].decode("utf-8", errors="replace")) + 1
        byte = raw[err.start : err.start + 1].hex()
        return TextResult(
            None,
            [
                Problem(
                    file_label,
                    line,
                    col,
                    f"the file is not valid UTF-8 (byte 0x{byte})",
                    "save the file as UTF-8 in your editor (e.g. 'Save with encoding: UTF-8')",
                )
            ],
        )


def read_text(path: Path, file_label: str) -> TextResult:
    try:
        raw = path.read_bytes()
    except OSError as err:
        return TextResult(
            None, [Problem(file_label, 0, 0, f"cannot read the file: {err.strerror}")]
        )
    return decode_utf8(raw, file_label)


_FRONT_MATTER_CLOSE = re.compile(r"^---[ \t]*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class SplitDocument:
    front_matter: Any
    """The parsed front matter (a MarkedMap when well-formed), or None when there is none."""
    body: str
    body_line: int
    """Line of the file on which the body starts (1-based)."""
    problems: list[Problem]


def split_front_matter(text: str, file_label: str) -> SplitDocument:
    """Separate a leading `---` YAML block from the Markdown body."""
    if not (text.startswith("---\n") or text.startswith("---\r\n")):
        return SplitDocument(None, text, 1, [])
    start = text.index("\n") + 1
    close = _FRONT_MATTER_CLOSE.search(text, start)
    if close is None:
        problem = Problem(
            file_label,
            1,
            1,
            "the front matter opened by `---` on line 1 is never closed",
            "add a line with only `---` after the front matter",
        )
        return SplitDocument(None, text, 1, [problem])
    yaml_text = text[start : close.start()]
    result = parse_yaml(yaml_text, file_label, line_offset=1)
    body_start = close.end() + 1 if close.end() < len(text) else close.end()
    body_line = text.count("\n", 0, body_start) + 1
    return SplitDocument(result.data, text[body_start:], body_line, result.problems)
