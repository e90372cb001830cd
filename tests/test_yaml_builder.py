"""The YAML tree builder (`sources._TreeBuilder`) against PyYAML's constructors, which it
replaces for speed and leaves the unusual documents to: both must give the same values, of the
same types, at the same positions, with the same problems, for every text."""

from __future__ import annotations

import random
from typing import Any

import pytest
from yamlcompare import canonical

from cmrsite import sources
from cmrsite.sources import parse_with_pyyaml

SCALARS = [
    *("NO", "no", "yes", "Yes", "ON", "off", "y", "n", "true", "False", "~", "null", "NULL", ""),
    *("''", '""', "' '", "2023-02-30", "2023-1-2", "2023-01-02", "0000-01-01", "9999-12-31"),
    *("2023-01-02 10:00:00", "2023-01-02T10:00:00Z", "2023-01-02t10:00:00.1234567+02:30"),
    *("2023-W01-1", "0", "00", "0123", "08", "0x1f", "0b101", "1_000", "-5", "+5", "-0", "1:30"),
    *("190:20:30", ".inf", "-.inf", ".nan", "1e3", "1.5e+3", "-0.0", "39.561", "-17.1785", "1."),
    *(".5", "+.5", "1_0.5", "3.14_15", "00.5", "1:30.5", "Iași", "R&D", "5* hotel", "'it''s'"),
    *('"\\t tab"', "!!str 12", '!!int "12"', "!!int 0x10", "!!float 3", '!!bool "yes"'),
    *("!!timestamp 2023-01-02", '!!timestamp "2023-02-30"', "!!binary aGVsbG8=", "!!set {a, b}"),
    *("!!omap [a: 1]", "!!pairs [a: 1]", "!!python/object:os.system x", "!custom x", "! 12"),
    *("!!str [a]", "!!map {a: 1}", "!!seq [1]", "!!map [1]", "!!int {=: 5}", "<<", "=", "!!bool x"),
    *("!!int ٣", "!!float ٣.٥", "&a 1", "&b [1, 2]", "&c {x: 1}", "{a: 1, a: 2}", "{? [a]: 1}"),
    *("[1, [2, [3]]]", "{{a: 1}: 2}", "[]", "{}", "*undefined", "'open", "a: b: c"),
]
TEMPLATES = [
    "v: {s}\n",
    "- {s}\n",
    "[{s}]\n",
    "{{k: {s}}}\n",
    "{s}: 1\n",
    "a: &x {s}\nb: *x\n",
    "x: [&y {s}, *y]\n",
    "base: &b {{k: {s}}}\nother:\n  <<: *b\n  j: 2\n",
    "m: {{{s}: 1, {s}: 2}}\n",
]
STRUCTURES = [
    "&a [*a]\n",
    "a: &a [*a]\n",
    "- &r {b: *r}\n",
    "a: 1\n---\nb: 2\n",
    "",
    "a:\n\tb: 1\n",
    "? a\n? a\n",
    "a: |\n  x\n   y\nb: >-\n  folded\n",
    "- city: A\n  location: {lat: 1, lon: 2}\n- &r2 {city: B}\n- *r2\n",
    "? !!set {a}\n: 1\n",
    "- city: X\n  city: !!bool maybe\n  <<: {city: M}\n",
]
FIELDS = {
    "city": ["Iași", "NO", "[a]", "12", "2023-01-01", "'  '"],
    "start": ["2023-11-21", "2023-02-30", "21-23 November", "2023-11-21 10:00:00", "~"],
    "participants": ["150", "-5", "1_000", "0x10", "1.5", "yes", "012"],
    "location": ["{lat: 47.1, lon: 27.6}", "{lat: .nan, lon: 1}", "{lat: 1_0, lon: 0x1f}", "[1]"],
    "partners": ["[A, B]", "[{name: A, url: 'https://a.org'}]", "[1, [a]]", "[~]"],
    "country_code": ['"RO"', "NO", "ro", "12"],
    "<<": ["{city: M}"],
    "? [a]": ["x"],
}


def outcome(text: str, line_offset: int) -> Any:
    try:
        result = parse_with_pyyaml(text, "f.yaml", line_offset)
    except Exception as err:  # PyYAML refuses some values with its own exceptions
        return ("raised", type(err).__name__, str(err))
    return canonical(result.data), result.problems


def _by_constructors(self: Any, root: Any) -> Any:
    raise sources._NotForTheBuilderError


def assert_same(text: str, monkeypatch: pytest.MonkeyPatch, line_offset: int = 0) -> None:
    built = outcome(text, line_offset)
    with monkeypatch.context() as patched:
        patched.setattr(sources._TreeBuilder, "build_tree", _by_constructors)
        constructed = outcome(text, line_offset)
    assert built == constructed, text


@pytest.mark.parametrize("template", TEMPLATES)
def test_each_scalar_in_each_place(template: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for scalar in SCALARS:
        assert_same(template.format(s=scalar), monkeypatch, line_offset=1)


@pytest.mark.parametrize("text", STRUCTURES)
def test_structures(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_same(text, monkeypatch)


def test_random_records(monkeypatch: pytest.MonkeyPatch) -> None:
    chance = random.Random(5)
    for _ in range(300):
        records = []
        for _ in range(chance.randint(1, 4)):
            keys = chance.sample(list(FIELDS), chance.randint(1, 5))
            if chance.random() < 0.2:
                keys.append(keys[0])  # a duplicate key
            lines = [f"{key}: {chance.choice(FIELDS[key])}" for key in keys]
            records.append("- " + "\n  ".join(lines))
        assert_same("\n".join(records) + "\n", monkeypatch)


def test_the_builder_does_the_usual_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """A record as editors write it never goes the slow way."""

    def refuse(*_: Any) -> Any:
        raise AssertionError("left to PyYAML's constructors")

    monkeypatch.setattr(sources._loader_class(), "construct_document", refuse)
    text = (
        "- city: Iași\n  country: Romania\n  country_code: RO\n  start: 2023-11-21\n"
        "  end: 2023-11-23\n  participants: 150\n  partners: [A, {name: B, url: 'https://b.eu'}]\n"
        "  location: {lat: 47.16, lon: 27.58}\n  status: ~\n  title: NO\n"
    )
    result = parse_with_pyyaml(text, "data/editions.yaml")
    assert result.problems == []
    assert result.data[0]["title"] is False and result.data[0].raw["title"] == "NO"
