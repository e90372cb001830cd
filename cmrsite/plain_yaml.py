"""YAML of the usual form, read without PyYAML: the data files as editors write them.

`data/editions.yaml`, `data/site.yaml` and the front matter of Markdown documents are block
mappings and lists whose values are text (plain or quoted), whole numbers, decimals, days,
booleans and null, with one-line `[...]` and `{...}`. Read here line by line, such a text
takes half of PyYAML's time (at 1,000 editions, PyYAML's reading of the records was most of
the time this process spent loading the site), and PyYAML is not even imported. Anything else
(escapes, anchors, tags, block scalars, a value over several lines, a key given twice or that
YAML reads as a boolean, a tab, a bad indentation...) makes `load` return None: the caller
then asks PyYAML, which reads it or says what is wrong. What `load` returns is exactly what
`sources.parse_with_pyyaml` makes: the same values, of the same types, at the same positions
(tests/test_plain_yaml.py and tests/test_front_matter_fast.py compare the two on generated
texts).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .sources import MarkedList, MarkedMap

_UNUSUAL = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
"""What YAML may read otherwise than plainly: tabs, carriage returns, control characters,
YAML 1.1's other line breaks (NEL, U+2028, U+2029) and a byte order mark."""

_ENTRY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?")
"""`key: value` or `key:` (a nested block follows), the key a plain word."""
_ENTRY_VALUE = re.compile(
    r"([A-Za-z_][A-Za-z0-9_-]*):(?:(?: +(?:#.*)?)?"
    r'|(?: +(?:"([^"\\]*)"|(-?(?:0|[1-9][0-9]*))|(-?[0-9]+\.[0-9]+)'
    r"|([0-9]{4}-[0-9]{2}-[0-9]{2})|([^# ](?:.*[^ ])?)) *))"
)
"""`_ENTRY`, its value sorted out: nothing (a nested block follows), quoted text, a whole
number, a decimal, a day or something else (`_value` reads it)."""
_NESTED, _QUOTED_TEXT, _WHOLE, _DECIMAL_NUMBER, _ISO_DAY, _OTHER = 1, 2, 3, 4, 5, 6
_QUOTED = re.compile(r"\"([^\"\\]*)\"|'([^']*)'")
"""Quoted text on one line, without escapes (no `\\` in double quotes, no `''` in single)."""
_END = re.compile(r" *(?:(?<= )#.*)?")
"""What may follow a value on its line: spaces, and a comment after one."""
_FLOW_ITEM = re.compile(
    r"(?:\"([^\"\\]*)\"|'([^']*)'|([^,\[\]{}\"'#: ](?:[^,\[\]{}\"'#:]*[^,\[\]{}\"'#: ])?))"
    r" *([,\]}]) *"
)
"""A value inside `[...]` or `{...}` (quoted, or plain up to the next comma or bracket, without
`:` or `#`), then the comma or bracket after it."""
_FLOW_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*): +")
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]+")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NOT_TEXT_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@`+.~<=0123456789 ")
"""What a plain value that is text cannot start with: YAML's indicators, and the first
characters of its numbers, null (`~`), merge key (`<<`) and value key (`=`)."""
YAML_WORDS = frozenset(
    word
    for base in ("yes", "no", "true", "false", "on", "off", "null")
    for word in (base, base.capitalize(), base.upper())
)
"""Plain words YAML 1.1 reads as a boolean or null, not as text."""
MAX_INDENT = 200
"""Deeper blocks are left to PyYAML's reader (`sources.MAX_DEPTH`), as is their recursion."""
_WORDS: dict[str, bool | None] = {"yes": True, "true": True, "on": True}
_WORDS.update(no=False, false=False, off=False, null=None)
"""What each of `YAML_WORDS` means, in lower case."""


class _NotPlainError(Exception):
    """The text is not of the usual form: PyYAML reads it."""


def load(text: str, line_offset: int = 0) -> MarkedMap | MarkedList | None:
    """The document's block mapping or list, as PyYAML reads it; None for a text not of the
    usual form (or empty). `line_offset` shifts line numbers (front matter)."""
    if _UNUSUAL.search(text):
        return None
    reader = _Reader(text, 1 + line_offset)
    if reader.rows[0][1] != 0:
        return None  # empty (the first row is the end), or an indented document
    try:
        return reader.block(0)
    except _NotPlainError:
        return None


_Row = tuple[int, int, str]
"""A content line (not blank, not a comment): its number, its indentation and itself."""


class _Reader:
    """The content lines of a text, read one after the other."""

    def __init__(self, text: str, first_line: int) -> None:
        rows: list[_Row] = []
        for number, line in enumerate(text.split("\n"), first_line):
            content = line.lstrip(" ")
            if content and content[0] != "#":
                rows.append((number, len(line) - len(content), line))
        rows.append((0, -1, ""))  # the end
        self.rows = rows
        self.index = 0
        """Of the current row."""

    def block(self, indent: int) -> MarkedMap | MarkedList:
        """The mapping or list whose first line is the current one, `indent` deep."""
        if indent > MAX_INDENT:
            raise _NotPlainError  # PyYAML's reader refuses what nests too deeply
        line = self.rows[self.index][2]
        if line[indent : indent + 2] == "- ":
            return self.sequence(indent)
        return self.mapping(indent)

    def mapping(self, indent: int) -> MarkedMap:
        """Entries, one per line, `indent` deep (the first may follow a list's `- `)."""
        rows, index = self.rows, self.index
        number, _, line = rows[index]
        data = MarkedMap((number, indent + 1))
        key_pos, value_pos, raw = data.key_pos, data.value_pos, data.raw
        entry_at, words = _ENTRY_VALUE.fullmatch, YAML_WORDS
        while True:
            entry = entry_at(line, indent)
            if entry is None:
                raise _NotPlainError
            key = entry[1]
            if key in data or key in words or len(key) > 1000:
                raise _NotPlainError  # a key twice (PyYAML says which), a boolean, too long
            key_pos[key] = (number, indent + 1)
            kind = entry.lastindex or _NESTED  # (never None: the key is a group)
            if kind == _NESTED:
                # The value is the block on the next lines, deeper (else it would be null).
                self.index = index + 1
                deeper = rows[index + 1][1]
                if deeper <= indent:
                    raise _NotPlainError
                value = data[key] = self.block(deeper)
                value_pos[key] = value.pos
                index = self.index  # the row after the nested block
            else:
                index += 1
                text = entry[kind]
                column = entry.start(kind)
                if kind == _QUOTED_TEXT:
                    data[key] = text
                    value_pos[key] = (number, column)  # at the quote
                else:
                    value_pos[key] = (number, column + 1)
                    if kind == _OTHER:
                        if _is_plain_text(text):  # the usual case, at once
                            data[key] = text
                        else:
                            data[key], typed = _value(line[column:], number, column)
                            if typed is not None:
                                raw[key] = typed
                    else:
                        value = data[key] = _typed(kind, text)
                        if value.__class__ is not str:
                            raw[key] = text
            number, next_indent, line = rows[index]
            if next_indent != indent:
                if next_indent > indent:
                    raise _NotPlainError  # a value over several lines, or a bad indentation
                self.index = index
                return data

    def sequence(self, indent: int) -> MarkedList:
        """Items, each on a line starting with `- ` `indent` deep."""
        rows, index = self.rows, self.index
        number, _, line = rows[index]
        data = MarkedList((number, indent + 1))
        item_pos = data.item_pos
        column = indent + 2
        while True:
            if line[indent:column] != "- " or line[column : column + 1] in ("", " ", "#"):
                raise _NotPlainError  # not an item, an empty one, or `-` and more spaces
            if line[column] == "-" and line[column : column + 2] in ("- ", "-"):
                raise _NotPlainError  # a list in a list
            if _ENTRY.fullmatch(line, column):
                self.index = index
                item: Any = self.mapping(column)
                item_pos.append(item.pos)
                index = self.index
            else:
                item = _value(line[column:], number, column)[0]
                item_pos.append((number, column + 1))
                index += 1
            data.append(item)
            number, next_indent, line = rows[index]
            if next_indent != indent:
                if next_indent > indent:
                    raise _NotPlainError
                self.index = index
                return data


def _typed(kind: int, text: str) -> Any:
    """The value of a whole number, a decimal or a day that `_ENTRY_VALUE` found."""
    if kind == _WHOLE:
        return int(text)
    if kind == _DECIMAL_NUMBER:
        return float(text)
    return _day(text)


def _day(text: str) -> date | str:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return text  # `2023-02-30`: text, as `sources._timestamp` leaves it


def _is_plain_text(text: str) -> bool:
    """Whether a value is plain text as it stands: no comment, quote or indicator, no word
    YAML reads otherwise (see `_plain` for the rest)."""
    return (
        text[0] not in _NOT_TEXT_FIRST
        and text[-1] not in " :"
        and " #" not in text
        and ": " not in text
        and text not in YAML_WORDS
    )


def _value(text: str, line_number: int, column: int) -> tuple[Any, str | None]:
    """The value written at `column` (0-based) to the end of its line, and its text as typed
    when it is not text (a number, a day), as `MarkedMap.raw` keeps it."""
    first = text[0]
    if first == '"' or first == "'":
        quoted = _QUOTED.match(text)
        if quoted is None or not _END.fullmatch(text, quoted.end()):
            raise _NotPlainError
        value = quoted[1] if first == '"' else quoted[2]
        return value, None
    if first == "[" or first == "{":
        flow = _flow_sequence if first == "[" else _flow_mapping
        value, end = flow(text, line_number, column)
        if not _END.fullmatch(text, end):
            raise _NotPlainError
        return value, None
    comment = text.find(" #")
    plain = (text if comment < 0 else text[:comment]).rstrip(" ")
    if ": " in plain or plain[-1] == ":":
        raise _NotPlainError  # YAML refuses a second `: ` on the line
    value = _plain(plain)
    return value, plain if value.__class__ is not str else None


def _plain(text: str) -> Any:
    """A plain value as YAML's safe schema reads it, when it is text, a whole number, a
    decimal, a day, a boolean or null (else `_NotPlainError`)."""
    first = text[0]
    if first not in _NOT_TEXT_FIRST:
        if text in YAML_WORDS:
            return _WORDS[text.lower()]
        return text
    if text == "~":
        return None
    if not (first.isdigit() or first == "-"):
        raise _NotPlainError  # punctuation YAML may read otherwise (`.inf`, `&`, `!`, `<<`...)
    if _INT.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        return float(text)
    if _DAY.fullmatch(text):
        return _day(text)
    raise _NotPlainError  # `1_000`, `0x1F`, `012`, `1e3`, `1:30`...


def _past_spaces(text: str, at: int) -> int:
    while text.startswith(" ", at):
        at += 1
    return at


def _flow_value(item: re.Match[str]) -> tuple[Any, str | None]:
    """The value `_FLOW_ITEM` found, and its text when it is not text (as `_value`)."""
    double, single, plain, _ = item.groups()
    if plain is None:
        return (double if single is None else single), None
    value = _plain(plain)
    return value, plain if value.__class__ is not str else None


def _flow_sequence(text: str, line_number: int, column: int) -> tuple[MarkedList, int]:
    """The `[...]` that `text` starts with (at `column` of its line), and where it ends."""
    data = MarkedList((line_number, column + 1))
    at = _past_spaces(text, 1)
    if text.startswith("]", at):
        return data, at + 1
    while True:
        item = _FLOW_ITEM.match(text, at)
        if item is None:
            raise _NotPlainError  # nested, empty, or not plain
        data.item_pos.append((line_number, column + at + 1))
        data.append(_flow_value(item)[0])
        at, mark = item.end(), item[4]
        if mark == "]":
            return data, at
        if mark != ",":
            raise _NotPlainError


def _flow_mapping(text: str, line_number: int, column: int) -> tuple[MarkedMap, int]:
    """The `{...}` that `text` starts with (at `column` of its line), and where it ends."""
    data = MarkedMap((line_number, column + 1))
    at = _past_spaces(text, 1)
    if text.startswith("}", at):
        return data, at + 1
    while True:
        entry = _FLOW_KEY.match(text, at)
        if entry is None:
            raise _NotPlainError  # not `key: value`
        key = entry[1]
        if key in data or key in YAML_WORDS:
            raise _NotPlainError
        data.key_pos[key] = (line_number, column + at + 1)
        at = entry.end()
        item = _FLOW_ITEM.match(text, at)
        if item is None:
            raise _NotPlainError
        data.value_pos[key] = (line_number, column + at + 1)
        data[key], typed = _flow_value(item)
        if typed is not None:
            data.raw[key] = typed
        at, mark = item.end(), item[4]
        if mark == "}":
            return data, at
        if mark != ",":
            raise _NotPlainError
