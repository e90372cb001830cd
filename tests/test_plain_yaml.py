"""YAML of the usual form is read without PyYAML (`plain_yaml`): whatever it reads must be
exactly what PyYAML reads (values, types, positions, no problem), and the data files as editors
write them must take that way."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import bench_generator, clean_env
from yamlcompare import canonical

from cmrsite import plain_yaml
from cmrsite.sources import parse_with_pyyaml, parse_yaml

REPO = Path(__file__).resolve().parent.parent

KEYS = [
    *("city", "start", "title", "a_b", "a-b", "_x", "Key", "k2", "yes", "On", "null", "NO", "y"),
    *("k k", '"q"', "'q'", "1", "-", "? k", "&a k", "<<", "k#"),
]
SCALARS = [
    *('"Quoted: with colon"', '"with # hash"', '"It\'s"', '"esc \\" q"', '"\\n"', '""', "''"),
    *("'single'", "'it''s'", "'a\"b'", "Plain text, with commas", "Plain it's", "Iași, Kraków"),
    *("Plain: colon", "Plain # comment", "Plain#hash", "ends with colon:", "text  ", "a - b"),
    *("https://example.org/a#b", "/", "/path", "(paren)", "$x", "€5", "«q»", "a: b", "a:b"),
    *("C#", "x ? y", "[]x", "a, b", "\u00a0nbsp", "nbsp\u00a0", "x\u2028y", "x\x85y", "ſ"),
    *("2024-10-01", "2023-02-30", "2024-1-1", "2024-10-01 10:00", "20241001", "2024-10-01x"),
    *("true", "false", "True", "FALSE", "yes", "No", "on", "OFF", "null", "Null", "~", "y", "n"),
    *("150", "0", "-5", "+5", "-0", "007", "1_000", "0x1F", "0o7", "1e3", "1:30", "٣"),
    *("1.5", "-1.5", "00.5", "1.", ".5", "1.5e3", "-0.0", "39.561", "-4.4214", ".inf", ".NaN"),
    *("[a, b]", "[]", "[ ]", '["A", "B"]', "['a']", "[a,b]", "[ a , b ]", "[a, ]", "[a,, b]"),
    *("[a, [b]]", "[a, {b: c}]", "[-5, 1.5, 2024-10-01, yes, ~]", "[a: b]", "[a #c]", "[a] x"),
    *("[a] # comment", "[https://x.org]", "{lat: 1.5, lon: -2}", "{}", "{ }", "{a: b, a: c}"),
    *("{a: b, c}", "{a:b}", "{a: }", "{a: [b]}", "{a: \"x\", b: 'y'}", "{yes: 1}", "{a: b} x"),
    *("{a: 1} # c", "{ a: 1 , b: 2 }", "{a: 1,}", "{a-b: 2}", "{a: b: c}"),
    *("|", ">", "|-\n  x", "&anchor x", "*alias", "!tag x", "!!str 5", "%x", "@x", "`x`"),
    *("- item", "-x", "?x", ":x", ",x", "#comment", "", " ", "x\ty", "=", "<<"),
]
NESTED = ["mapping", "list", "list of mappings"]


USUAL = [
    *('"Quoted: with colon"', "'single'", "Plain text, with commas", "Iași, Kraków", "/path"),
    *("https://example.org/a#b", "2024-10-01", "true", "150", "-4.4214", '["A", "B"]', "[a, b]"),
    *("{lat: 1.5, lon: -2}", "{a: x, b: 'y'}", "~", "text  # note"),
]


def _scalar(chance: random.Random) -> str:
    return chance.choice(SCALARS if chance.random() < 0.3 else USUAL)


def _mapping(chance: random.Random, indent: int, depth: int, first_prefix: str = "") -> list[str]:
    lines = []
    keys = [chance.choice(KEYS if chance.random() < 0.2 else KEYS[:5]) for _ in range(3)]
    for number, key in enumerate(keys[: chance.randint(1, 3)]):
        prefix = first_prefix if number == 0 and first_prefix else " " * indent
        if depth < 2 and chance.random() < 0.3:
            comment = chance.choice(["", "", "  # note"])
            lines.append(f"{prefix}{key}:{comment}")
            step = chance.choice([2, 2, 2, 4, 1, 0])
            lines += _block(chance, indent + step, depth + 1)
        else:
            lines.append(f"{prefix}{key}: {_scalar(chance)}")
    return lines


def _block(chance: random.Random, indent: int, depth: int) -> list[str]:
    kind = chance.choice(NESTED)
    if kind == "mapping":
        return _mapping(chance, indent, depth)
    lines = []
    for _ in range(chance.randint(1, 3)):
        if kind == "list":
            lines.append(" " * indent + "- " + _scalar(chance))
        else:
            lines += _mapping(chance, indent + 2, depth + 1, " " * indent + "- ")
    return lines


def _mutated(chance: random.Random, lines: list[str]) -> list[str]:
    """A few of the mistakes and oddities editors make."""
    lines = list(lines)
    for _ in range(chance.choice([0, 0, 1, 2])):
        where = chance.randrange(len(lines) + 1)
        what = chance.random()
        if what < 0.3:
            lines.insert(where, chance.choice(["", "   ", "# comment", "    # deep", "---", "..."]))
        elif what < 0.6 and where < len(lines):
            lines[where] = chance.choice([" ", "  ", "\t", ""]) + lines[where]
        elif what < 0.8 and where < len(lines):
            lines[where] = lines[where][1:]
        elif where < len(lines):
            lines[where] += chance.choice([" ", "  # c", "#c", ":", " x"])
    return lines


def _document(chance: random.Random) -> str:
    if chance.random() < 0.5:
        lines = _block(chance, 0, 0)
    else:
        lines = [line for _ in range(chance.randint(1, 3)) for line in _mapping(chance, 2, 1, "- ")]
    if chance.random() < 0.4:
        lines = _mutated(chance, lines)
    return "\n".join(lines) + chance.choice(["\n", "", "\n\n"])


def assert_agrees(text: str, line_offset: int = 0) -> bool:
    """Whether `plain_yaml` read the text; if it did, that it read what PyYAML reads."""
    plain = plain_yaml.load(text, line_offset)
    if plain is None:
        return False
    reference = parse_with_pyyaml(text, "f.yaml", line_offset)
    assert reference.problems == [], text
    assert canonical(plain) == canonical(reference.data), text
    return True


def test_whatever_is_read_without_pyyaml_is_what_pyyaml_reads() -> None:
    chance = random.Random(11)
    read = sum(assert_agrees(_document(chance), chance.choice([0, 1, 7])) for _ in range(40000))
    assert read > 10000  # the usual forms are common enough in the mix to be tried often


@pytest.mark.parametrize("scalar", SCALARS)
def test_each_value_in_each_place(scalar: str) -> None:
    places = [
        "k: {s}\n",
        "- {s}\n",
        "- k: {s}\n  j: 1\n",
        "k:\n  - {s}\n  - x\n",
        "a:\n  b: {s}\nc: 2\n",
        "k: {s}\n  more\n",
    ]
    for place in places:
        assert_agrees(place.format(s=scalar), line_offset=2)


def test_the_data_files_take_the_quick_way_and_agree(tmp_path: Path) -> None:
    # The benchmark's records: Unicode names, lists and flow mappings.
    bench_generator().generate(30, tmp_path / "bench")
    files = [REPO / "data" / "editions.yaml", REPO / "data" / "site.yaml"]
    files += sorted((tmp_path / "bench").rglob("data/*.yaml"))
    assert len(files) >= 4
    for path in files:
        text = path.read_text("utf-8")
        assert assert_agrees(text), path


def test_a_usual_record_with_every_kind_of_value() -> None:
    text = (
        '# comment\n\n- city: Iași  # the city\n  country_code: "RO"\n  start: 2023-11-21\n'
        "  participants: 150\n  registration_open: yes\n  status: ~\n  partners:\n"
        "    - A\n    - name: B\n      url: https://b.eu/#x\n  location: {lat: 47.16, lon: -27.5}\n"
        "  planned:\n    start: 2023-02-30\n  resources: [\"a\", 'b', c]\n- city: Łódź\n"
    )
    assert assert_agrees(text, line_offset=3)
    data = plain_yaml.load(text)
    assert data is not None
    assert data[0]["partners"][1].value_pos["url"] == (12, 12)
    assert data[0].raw == {"start": "2023-11-21", "participants": "150"} | {
        "registration_open": "yes",
        "status": "~",
    }


def test_a_text_with_a_problem_is_left_to_pyyaml_which_names_it() -> None:
    text = "- city: A\n  city: B\n"
    assert plain_yaml.load(text) is None
    result = parse_yaml(text, "data/editions.yaml")
    assert [problem.message for problem in result.problems] == [
        "duplicate key `city` (first given on line 1)"
    ]


def test_loading_the_real_site_does_not_import_pyyaml() -> None:
    code = (
        "import sys\n"
        "from cmrsite.pipeline import load_site, Options\n"
        "from datetime import date\n"
        "from pathlib import Path\n"
        f"loaded = load_site(Options(Path({str(REPO)!r}), date(2025, 6, 1)))\n"
        "assert loaded.site is not None, loaded.problems\n"
        "print('yaml' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=clean_env()
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_deep_nesting_is_refused_as_pyyaml_s_reader_does() -> None:
    text = "".join(" " * level + f"k{level}:\n" for level in range(3000)) + " " * 3000 + "k: v\n"
    assert plain_yaml.load(text) is None
    result = parse_yaml(text, "data/site.yaml")
    assert result.data is None and "nested too deeply" in result.problems[0].message
