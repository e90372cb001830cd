"""The corpus of bad inputs in tests/bad_inputs/: each case is a small site that must fail
with exactly the listed `FILE:LINE:COL: error:` lines, exit status 1, no traceback, and a
project folder (the previous `output/` included) left byte-identical.

Format of a corpus file (plain text; lines before the first case are comments):

    === name of the case
    --- file data/editions.yaml            a file written over the small base site
    - city: Iași
    --- file content/x.md (escapes)        `\\t` and `\\xNN` become a tab and a raw byte
    --- file content/index.md (delete)     remove a file of the base site
    --- errors                             the problems expected on stderr, in any order:
    data/editions.yaml:1:3: error: unknown a problem line starts with this text, and the
        hint: did you mean               indented lines are prefixes of its hint lines
    --- exit                               the exit status (default 1)
    --- page editions/x/index.html contains   text that must appear in the page (one per line)
    --- page editions/x/index.html lacks      text that must not

The errors listed are all the errors: a run that reports one more is a failure too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import run_cli, tree_hash, write_site

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
_HEADER = re.compile(r"^--- (file|errors|exit|page)\b ?(.*)$")
_ESCAPE = re.compile(r"\\(t|x[0-9a-fA-F]{2}|\\)")
_PROBLEM = re.compile(r"^\S+:\d+:\d+: (error|warning|info): ")

OLD_OUTPUT = {
    "output/index.html": "<!DOCTYPE html><title>the site as published</title>\n",
    "output/editions/iasi-2023/index.html": "<!DOCTYPE html><title>Iași</title>\n",
    "output/static/style.css": "body { color: black; }\n",
}


@dataclass
class Case:
    name: str
    source: str
    files: dict[str, str | bytes | None] = field(default_factory=dict)
    errors: list[list[str]] = field(default_factory=list)
    """Each expected problem: its first line's prefix, then prefixes of its hint lines."""
    exit: int = 1
    contains: dict[str, list[str]] = field(default_factory=dict)
    lacks: dict[str, list[str]] = field(default_factory=dict)


def _unescape(text: str) -> bytes:
    out = bytearray()
    position = 0
    for match in _ESCAPE.finditer(text):
        out += text[position : match.start()].encode("utf-8")
        code = match.group(1)
        out += b"\t" if code == "t" else b"\\" if code == "\\" else bytes([int(code[1:], 16)])
        position = match.end()
    out += text[position:].encode("utf-8")
    return bytes(out)


def _body(lines: list[str]) -> str:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return "".join(line + "\n" for line in lines)


def _add_section(case: Case, kind: str, argument: str, lines: list[str]) -> None:
    if kind == "file":
        path, _, flag = argument.partition(" ")
        body = _body(lines)
        flag = flag.strip()
        case.files[path] = None if flag == "(delete)" else _unescape(body) if flag else body
        assert flag in ("", "(escapes)", "(delete)"), f"{case.source}: unknown flag {flag}"
    elif kind == "errors":
        for line in lines:
            if not line.strip():
                continue
            if line.startswith((" ", "\t")):
                case.errors[-1].append(line.strip())
            else:
                case.errors.append([line.rstrip()])
    elif kind == "exit":
        case.exit = int(_body(lines))
    elif kind == "page":
        page, _, mode = argument.rpartition(" ")
        target = case.contains if mode == "contains" else case.lacks
        assert mode in ("contains", "lacks"), f"{case.source}: `--- page PATH contains|lacks`"
        target[page] = [line for line in lines if line.strip()]


def parse_corpus(path: Path) -> list[Case]:
    cases: list[Case] = []
    section: tuple[str, str] | None = None
    lines: list[str] = []

    def flush() -> None:
        if cases and section is not None:
            _add_section(cases[-1], *section, lines)

    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        header = _HEADER.match(line)
        if line.startswith("=== "):
            flush()
            source = f"{path.name}:{number}"
            cases.append(Case(line[4:].strip(), source))
            section, lines = None, []
        elif header and cases:
            flush()
            section, lines = (header.group(1), header.group(2).strip()), []
        elif section is not None:
            lines.append(line)
    flush()
    return cases


def all_cases() -> list[Case]:
    return [case for path in sorted(CORPUS.glob("*.txt")) for case in parse_corpus(path)]


CASES = all_cases()


def _problems(stderr: str) -> list[list[str]]:
    """stderr as problems: each a `FILE:LINE:COL: severity: ...` line and its indented lines."""
    blocks: list[list[str]] = []
    for line in stderr.splitlines():
        if _PROBLEM.match(line):
            blocks.append([line])
        elif line.startswith(" ") and blocks:
            blocks[-1].append(line.strip())
    return blocks


def _matches(expected: list[str], block: list[str]) -> bool:
    first, *hints = expected
    return block[0].startswith(first) and all(
        any(line.startswith(hint) for line in block[1:]) for hint in hints
    )


def test_corpus_is_large_and_well_formed() -> None:
    assert len(CASES) >= 20
    names = [case.name for case in CASES]
    assert len(names) == len(set(names)), "two cases share a name"
    for case in CASES:
        assert case.files, f"{case.source}: the case writes no file"
        assert case.errors or case.exit == 0, f"{case.source}: the case expects no error"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    project = write_site(tmp_path / "site", {**OLD_OUTPUT, **case.files})
    before = tree_hash(project)
    code, stdout, stderr = run_cli(project, "build")
    where = f"{case.source} ({case.name})\n--- stdout\n{stdout}--- stderr\n{stderr}"

    assert "Traceback" not in stdout + stderr, where
    assert code == case.exit, where
    problems = _problems(stderr)
    for expected in case.errors:
        assert any(_matches(expected, block) for block in problems), f"expected {expected}\n{where}"
    expected_errors = sum(1 for e in case.errors if ": error: " in e[0])
    reported_errors = sum(1 for b in problems if ": error: " in b[0])
    assert reported_errors == expected_errors, f"more errors than expected\n{where}"
    if case.exit != 0:
        assert tree_hash(project) == before, f"the project changed\n{where}"
    for page, texts in case.contains.items():
        html = (project / "output" / page).read_text(encoding="utf-8")
        for text in texts:
            assert text in html, f"{page} lacks {text!r}\n{where}"
    for page, texts in case.lacks.items():
        html = (project / "output" / page).read_text(encoding="utf-8")
        for text in texts:
            assert text not in html, f"{page} has {text!r}\n{where}"


def test_the_base_site_of_the_corpus_builds(tmp_path: Path) -> None:
    """Each case breaks one thing: the site it starts from builds cleanly."""
    project = write_site(tmp_path / "site", OLD_OUTPUT)
    code, stdout, stderr = run_cli(project, "build")
    assert code == 0, stdout + stderr
    assert not re.search(r": (error|warning): ", stderr), stderr
    assert (project / "output" / "editions" / "iasi-2023" / "index.html").is_file()
