"""Reading input files: UTF-8 text, YAML that keeps line numbers, Markdown front matter.

Nothing here knows what the fields mean; `validate` does. Problems come back as values.
"""

from __future__ import annotations

import functools
import gc
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from . import fileio
from .errors import Problem

if TYPE_CHECKING:
    import yaml

Position = tuple[int, int]
"""1-based (line, column)."""


class MarkedMap(dict[Any, Any]):
    """A YAML mapping that remembers where each key and value was written."""

    __slots__ = ("key_pos", "pos", "raw", "value_pos")

    def __init__(self, pos: Position = (0, 0)) -> None:
        super().__init__()
        self.pos = pos
        self.key_pos: dict[Any, Position] = {}
        self.value_pos: dict[Any, Position] = {}
        self.raw: dict[Any, str] = {}
        """The text of scalar values as typed, when YAML gave them another type than text
        (`NO`, `2023-02-30`, `150`): `raw.get(key, value)` is what the editor wrote."""

    def where(self, key: Any) -> Position:
        return self.value_pos.get(key, self.key_pos.get(key, self.pos))


class MarkedList(list[Any]):
    """A YAML sequence that remembers where each item was written."""

    __slots__ = ("item_pos", "pos")

    def __init__(self, pos: Position = (0, 0)) -> None:
        super().__init__()
        self.pos = pos
        self.item_pos: list[Position] = []

    def where(self, index: int) -> Position:
        return self.item_pos[index] if index < len(self.item_pos) else self.pos


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class _NotForTheBuilderError(Exception):
    """A node the tree builder leaves to PyYAML's constructors: a list or mapping with another
    tag than its own (`!!set`, `!!omap`), or reached twice through an alias (PyYAML shares it,
    or refuses a recursive one). A scalar with a tag the builder has no type for (`<<`, which
    merges a mapping in, `!!binary`, `!!python/...`) raises KeyError to the same end."""


class _TreeBuilder:
    """The loader's fast way from composed nodes to MarkedMap/MarkedList/scalars: the values
    `_construct_map` and PyYAML's safe constructors make, in one pass without their per-node
    bookkeeping (a generator, a memo entry and a dispatch each: most of loading a large file).
    Raises on anything it does not do as they do; `_load` then leaves the document to them."""

    # Set by `_loader_class`: PyYAML is imported only when a YAML text is read.
    scalar_node: type[Any]
    mapping_node: type[Any]
    sequence_node: type[Any]
    scalar_types: ClassVar[dict[str, Callable[[Any, Any], Any]]]
    """Tag -> function(loader, node) for the scalars that are not text."""

    file_label = ""
    line_offset = 0
    problems: list[Problem]

    def build_tree(self, root: yaml.Node) -> Any:
        self.line_base = 1 + self.line_offset
        self.collections: set[int] = set()
        return self.build(root)

    def build(self, node: yaml.Node) -> Any:
        kind = node.__class__
        if kind is self.scalar_node:
            if node.tag == _STR:
                return node.value
            return self.scalar_types[node.tag](self, node)  # KeyError: not for the builder
        if id(node) in self.collections:
            raise _NotForTheBuilderError
        self.collections.add(id(node))
        if kind is self.mapping_node and node.tag == _MAP:
            return self.mapping(node)
        if kind is self.sequence_node and node.tag == _SEQ:
            return self.sequence(node)
        raise _NotForTheBuilderError

    def mapping(self, node: yaml.Node) -> MarkedMap:
        base, scalar_node, label = self.line_base, self.scalar_node, self.file_label
        mark = node.start_mark
        data = MarkedMap((mark.line + base, mark.column + 1))
        key_pos, value_pos, raw = data.key_pos, data.value_pos, data.raw
        for key_node, value_node in node.value:
            mark = key_node.start_mark
            line, col = mark.line + base, mark.column + 1
            if key_node.tag == _STR and key_node.__class__ is scalar_node:
                key = key_node.value
            else:
                key = self.build(key_node)
                if isinstance(key, (MarkedMap, MarkedList)):
                    self.problems.append(_complex_key(label, line, col))
                    continue
            if key in data:
                self.problems.append(_duplicate_key(label, line, col, key, data))
                continue
            if value_node.tag == _STR and value_node.__class__ is scalar_node:
                data[key] = value_node.value
            else:
                value = data[key] = self.build(value_node)
                if value_node.__class__ is scalar_node and value.__class__ is not str:
                    raw[key] = value_node.value
            key_pos[key] = (line, col)
            mark = value_node.start_mark
            value_pos[key] = (mark.line + base, mark.column + 1)
        return data

    def sequence(self, node: yaml.Node) -> MarkedList:
        base, build = self.line_base, self.build
        mark = node.start_mark
        data = MarkedList((mark.line + base, mark.column + 1))
        item_pos = data.item_pos
        for item in node.value:
            data.append(build(item))
            mark = item.start_mark
            item_pos.append((mark.line + base, mark.column + 1))
        return data


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]+")


def _integer(loader: _MarkingLoader, node: yaml.ScalarNode) -> Any:
    text = node.value
    if text.isdecimal() and (text[0] != "0" or text == "0"):  # not octal, no `_` or sign
        return int(text)
    return loader.construct_yaml_int(node)


def _decimal(loader: _MarkingLoader, node: yaml.ScalarNode) -> Any:
    text = node.value
    if _DECIMAL.fullmatch(text):  # not `.inf`, `1_000.5`, `1:30.0` or `1e3`
        return float(text)
    return loader.construct_yaml_float(node)


def _timestamp(loader: _MarkingLoader, node: yaml.ScalarNode) -> Any:
    text = node.value
    if _ISO_DAY.fullmatch(text):  # what `fromisoformat` reads as PyYAML does: YYYY-MM-DD
        try:
            return date.fromisoformat(text)
        except ValueError:
            return text
    return _construct_timestamp(loader, node)


@functools.cache
def _loader_class() -> type[Any]:
    """The safe loader (no Python tags; PyYAML's C parser when it has one) that builds
    MarkedMap/MarkedList and reports duplicate keys. PyYAML is loaded with the first YAML text:
    a build whose inputs are unchanged reads none."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolvers = base.yaml_implicit_resolvers
    # The shortcuts below assume the safe schema: no resolver for any first character, none
    # by path. PyYAML's own `resolve` would give the same tags, a little slower.
    assert None not in resolvers and not base.yaml_path_resolvers

    def _plain_tag(value: str) -> str:
        for tag, pattern in resolvers.get(value[:1], ()):
            if pattern.match(value):
                return str(tag)
        return _STR

    class MarkingLoader(_TreeBuilder, base):  # type: ignore[valid-type,misc]
        scalar_node = yaml.ScalarNode
        mapping_node = yaml.MappingNode
        sequence_node = yaml.SequenceNode
        scalar_types: ClassVar[dict[str, Callable[[Any, Any], Any]]] = {
            "tag:yaml.org,2002:int": _integer,
            "tag:yaml.org,2002:float": _decimal,
            "tag:yaml.org,2002:timestamp": _timestamp,
            "tag:yaml.org,2002:bool": base.construct_yaml_bool,
            "tag:yaml.org,2002:null": base.construct_yaml_null,
        }

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.problems: list[Problem] = []
            self.plain_tags: dict[str, str] = {}
            """The tag of each plain scalar met in this text, by its text: the keys of every
            record (`city`, `start`) and many values (`Spain`) come back thousands of times."""

        def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
            """The tag of a node written without one (the composer asks for every node)."""
            if kind is yaml.ScalarNode:
                if implicit[0]:  # a plain scalar: `NO`, `2023-11-21`, `150`
                    tag = self.plain_tags.get(value)
                    if tag is None:
                        tag = self.plain_tags[value] = _plain_tag(value)
                    return tag
                return _STR
            return _MAP if kind is yaml.MappingNode else _SEQ

        # The composer calls these around every node for resolvers by path, which the safe
        # schema has none of: builtins that take the same arguments and keep nothing spare a
        # Python call each (a tenth of composing).
        descend_resolver = slice
        ascend_resolver = tuple

    MarkingLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
    MarkingLoader.add_constructor("tag:yaml.org,2002:seq", _construct_list)
    MarkingLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
    return MarkingLoader


_MarkingLoader = Any
"""An instance of `_loader_class()`."""


def _load(loader: _MarkingLoader) -> Any:
    """The document's value, problems in `loader.problems`; raises PyYAML's errors."""
    node = loader.get_single_node()
    if node is None:
        return None
    try:
        return loader.build_tree(node)
    except Exception:
        # _NotForTheBuilderError, or a value PyYAML refuses (`!!bool maybe`, an unhashable
        # key): PyYAML's constructors then, for their value, their problems or their error.
        loader.problems.clear()
        return loader.construct_document(node)


# --- PyYAML's constructors: the reference, for what the tree builder leaves to them -----------


def _position(node: yaml.Node, line_offset: int) -> Position:
    return (node.start_mark.line + 1 + line_offset, node.start_mark.column + 1)


def _construct(loader: _MarkingLoader, node: yaml.Node) -> Any:
    if node.tag == _STR and isinstance(node, loader.scalar_node):
        return node.value
    return loader.construct_object(node, deep=True)


def _construct_map(loader: _MarkingLoader, node: yaml.MappingNode) -> Iterator[MarkedMap]:
    data = MarkedMap(_position(node, loader.line_offset))
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = _construct(loader, key_node)
        line, col = _position(key_node, loader.line_offset)
        if isinstance(key, (MarkedMap, MarkedList)):
            loader.problems.append(_complex_key(loader.file_label, line, col))
            continue
        if key in data:
            loader.problems.append(_duplicate_key(loader.file_label, line, col, key, data))
            continue
        value = data[key] = _construct(loader, value_node)
        data.key_pos[key] = (line, col)
        data.value_pos[key] = _position(value_node, loader.line_offset)
        if isinstance(value_node, loader.scalar_node) and not isinstance(value, str):
            data.raw[key] = value_node.value


def _construct_list(loader: _MarkingLoader, node: yaml.SequenceNode) -> Iterator[MarkedList]:
    data = MarkedList(_position(node, loader.line_offset))
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


def _complex_key(file_label: str, line: int, col: int) -> Problem:
    return Problem(file_label, line, col, "a key must be plain text", "remove the brackets")


def _duplicate_key(file_label: str, line: int, col: int, key: Any, data: MarkedMap) -> Problem:
    return Problem(
        file_label,
        line,
        col,
        f"duplicate key `{key}` (first given on line {data.key_pos[key][0]})",
        "keep one of the two; YAML would silently use the last one",
    )


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
    """Parse one YAML document; `line_offset` shifts line numbers (front matter). A text of
    the usual form is read without PyYAML (`plain_yaml`), to the same result."""
    from . import plain_yaml  # it builds on this module

    plain = plain_yaml.load(text, line_offset)
    if plain is not None:
        return YamlResult(plain, [])
    return parse_with_pyyaml(text, file_label, line_offset)


def parse_with_pyyaml(text: str, file_label: str, line_offset: int = 0) -> YamlResult:
    """`parse_yaml` through PyYAML, whatever the text: what `plain_yaml` must agree with."""
    import yaml

    if _too_deep(text):
        return YamlResult(None, [_too_deep_problem(file_label, line_offset)])
    loader = _loader_class()(text)
    loader.file_label = file_label
    loader.line_offset = line_offset
    # The node tree is hundreds of thousands of objects without a cycle, freed as soon as it
    # is built on: the collector walking them (and all the site's objects with them, several
    # times over) would cost more than building it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        data = _load(loader)
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
    except RecursionError:
        return YamlResult(None, [_too_deep_problem(file_label, line_offset)])
    finally:
        loader.dispose()
        if collecting:
            gc.enable()
    return YamlResult(data, loader.problems)


MAX_DEPTH = 200
"""Lists and mappings nested deeper are refused before parsing: PyYAML's C parser recurses
once a level, and crashes the process (no exception) some ten thousand levels down."""


def _too_deep(text: str) -> bool:
    """Whether brackets or indentation nest deeper than MAX_DEPTH (an upper bound: brackets in
    quotes count too, which takes hundreds of them in one file)."""
    if text.count("[") + text.count("{") > MAX_DEPTH:
        depth = deepest = 0
        for char in _NOT_A_BRACKET.sub("", text):
            depth += 1 if char in "[{" else -1
            deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return True
    return _DEEP_INDENT.search("\n" + text) is not None  # a literal first: a fast scan


_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_DEEP_INDENT = re.compile(rf"\n[ -]{{{2 * MAX_DEPTH + 1}}}")


def _too_deep_problem(file_label: str, line_offset: int) -> Problem:
    message = f"the YAML is nested too deeply (more than {MAX_DEPTH} levels of lists or mappings)"
    hint = "write the data flat: a list of records, each a mapping of plain values"
    return Problem(file_label, 1 + line_offset, 1, message, hint)


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


def files_under(folder: str | Path) -> Iterator[tuple[str, str]]:
    """(path relative to `folder` with `/`, full path) of every file below it, as os.walk
    finds them (no Path per file: content/ may hold tens of thousands)."""
    root = os.path.join(folder, "")
    for dirpath, _, filenames in os.walk(root):
        prefix = dirpath[len(root) :].replace(os.sep, "/")
        prefix = prefix + "/" if prefix else ""
        for name in filenames:
            yield prefix + name, os.path.join(dirpath, name)


def read_text(
    path: str | Path, file_label: str, with_bytes: Callable[[bytes], object] | None = None
) -> TextResult:
    """The file's text; `with_bytes` is given its bytes as read (to hash them)."""
    try:
        raw = fileio.read_bytes(path)  # a str path spares building a Path per document
    except OSError as err:
        return TextResult(
            None, [Problem(file_label, 0, 0, f"cannot read the file: {err.strerror}")]
        )
    if with_bytes is not None:
        with_bytes(raw)
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
    result = parse_yaml(yaml_text, file_label, 1)  # the usual form read without PyYAML
    body_start = close.end() + 1 if close.end() < len(text) else close.end()
    body_line = text.count("\n", 0, body_start) + 1
    return SplitDocument(result.data, text[body_start:], body_line, result.problems)
