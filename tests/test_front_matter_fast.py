"""Front matter of the usual form is read without PyYAML (`plain_yaml`): it must be exactly
what PyYAML reads."""

from __future__ import annotations

import random
from pathlib import Path

from cmrsite import plain_yaml
from cmrsite.sources import MarkedMap, parse_with_pyyaml, split_front_matter

REPO = Path(__file__).resolve().parent.parent

KEYS = ["title", "description", "published", "draft", "image", "yes", "null", "a_b", "Title"]
VALUES = [
    '"Quoted: with colon"',
    '"It\'s, quoted"',
    '"with \\"escape\\""',
    '"tab\there"',
    "Plain text, with commas",
    "Plain it's",
    "Plain: colon",
    "Plain # comment",
    "text  ",
    "2024-10-01",
    "2023-02-30",
    "2024-1-1",
    "true",
    "false",
    "True",
    "yes",
    "no",
    "off",
    "null",
    "~",
    "150",
    "1.5",
    "Iași, Kraków",
    "'single'",
    "[a, b]",
    "{a: b}",
    "&anchor x",
    "*alias",
    "!tag x",
    "|",
    ">",
    "- item",
    "",
    "x: y",
    "ends with colon:",
    "%percent",
    "@at",
    "`tick`",
]


def as_tuple(data: object) -> object:
    if not isinstance(data, MarkedMap):
        return data
    return (dict(data), data.key_pos, data.value_pos, data.raw, data.pos)


def test_whatever_is_read_without_yaml_is_what_yaml_reads() -> None:
    rnd = random.Random(5)
    fast = 0
    for _ in range(20000):
        lines = [f"{rnd.choice(KEYS)}: {rnd.choice(VALUES)}" for _ in range(rnd.randint(1, 4))]
        if rnd.random() < 0.1:
            lines.insert(rnd.randrange(len(lines) + 1), rnd.choice(["", "# comment", "  x: 1"]))
        text = "\n".join(lines) + rnd.choice(["\n", ""])
        quick = plain_yaml.load(text, 1)
        if quick is None:
            continue
        fast += 1
        parsed = parse_with_pyyaml(text, "x.md", 1)
        assert parsed.problems == [], text
        assert as_tuple(quick) == as_tuple(parsed.data), text
        assert [type(v) for v in quick.values()] == [type(v) for v in parsed.data.values()]
    assert fast > 500


def test_the_real_content_s_front_matter_takes_the_quick_way_and_agrees() -> None:
    quick_ones = with_front_matter = 0
    for path in sorted((REPO / "content").rglob("*.md")):
        text = path.read_text("utf-8")
        if not text.startswith("---\n"):
            continue
        with_front_matter += 1
        front = text[4 : text.index("\n---", 3) + 1]
        quick = plain_yaml.load(front, 1)
        if quick is not None:
            quick_ones += 1
            assert as_tuple(quick) == as_tuple(parse_with_pyyaml(front, path.name, 1).data)
        split = split_front_matter(text, path.name)
        assert as_tuple(split.front_matter) == as_tuple(parse_with_pyyaml(front, path.name, 1).data)
    assert quick_ones == with_front_matter >= 10
