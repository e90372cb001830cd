"""EDITING.md is run: every fenced block of the guide, in order, on a small example site.

What each block's info string (its first line, after the backticks) means:
- `yaml`: appended to data/editions.yaml;
- `LANG PATH`: the block is written to PATH (a whole file);
- `LANG PATH contains`: PATH must contain the block's text;
- `... try`: like the above, undone after the next `console` block (examples of mistakes);
- `console`: each `$ python build.py ARGS` line is run (as `python -m cmrsite` on the example
  site) and what it prints (stderr, then stdout) must be the lines shown under it. On lines
  starting with `built `, numbers may differ (timings, file counts). `serve` is started on a
  free port, compared up to its last shown line, then stopped.
Any other block fails the test: every example of the guide is a tested one.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import REPO, clean_env, write_site
from servehelp import free_port

GUIDE = REPO / "EDITING.md"
TODAY = datetime(2025, 10, 10, tzinfo=UTC)

EXAMPLE_SITE: dict[str, str | bytes] = {
    "data/site.yaml": """\
title: Clusters meet Regions
description: Regional workshops that bring clusters and policymakers together.
language: en-GB
base_url: https://example.org/cmr/
""",
    "data/editions.yaml": """\
# Editions of "Clusters meet Regions", oldest first. One record per edition.

# Iași, North-East Region: facts from the ECCP and ADR Nord-Est.
- city: Iași
  country: Romania
  country_code: "RO"
  start: 2023-11-21
  end: 2023-11-23
  summary: editions/iasi-2023.md

# Chișinău: the first edition outside the European Union.
- city: Chișinău
  country: Republic of Moldova
  country_code: "MD"
  start: 2024-10-10
  end: 2024-10-11

# Palma, Balearic Islands: announced for 24–25 October 2024, held in May 2025.
- city: Palma
  country: Spain
  country_code: "ES"
  start: 2025-05-14
  end: 2025-05-15
  planned: {start: 2024-10-24, end: 2024-10-25}
  summary: editions/palma-2025.md
""",
    "content/index.md": "Clusters meet Regions brings clusters and policymakers together.\n",
    "content/editions/iasi-2023.md": "---\ntitle: Clusters as drivers of regional innovation\n"
    "---\nIași hosted an edition on smart specialisation.\n",
    "content/editions/palma-2025.md": "---\ntitle: Clusters in the Balearic Islands\n---\n"
    "Palma hosted an edition on tourism and the blue economy.\n",
    # The agenda an editor copies into content/files/ for the Vaasa record's resources.
    "content/files/vaasa-2025-agenda.pdf": b"%PDF-1.4\n% example agenda\n",
}


@dataclass(frozen=True, slots=True)
class Block:
    line: int
    info: list[str]
    text: str


def blocks(markdown: str) -> list[Block]:
    found: list[Block] = []
    lines = markdown.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        opening = re.match(r"^```(.*)$", lines[index].rstrip("\n"))
        index += 1
        if opening is None:
            continue
        start, body = index, []
        while not lines[index].startswith("```"):
            body.append(lines[index])
            index += 1
        index += 1
        found.append(Block(start, opening.group(1).split(), "".join(body)))
    return found


def normalise(line: str) -> str:
    return re.sub(r"\d+(\.\d+)?", "#", line) if line.startswith("built ") else line


class Guide:
    """The example site and the steps of the guide run on it."""

    def __init__(self, root: Path) -> None:
        self.root = write_site(root, EXAMPLE_SITE, base=False)
        self.undo: dict[Path, bytes | None] = {}
        self.env = clean_env(SOURCE_DATE_EPOCH=str(int(TODAY.timestamp())))

    def run(self, block: Block) -> None:
        kind, *rest = block.info or ["(none)"]
        if kind == "console":
            self.console(block)
            self.restore()
            return
        try_it = rest[-1:] == ["try"]
        rest = rest[:-1] if try_it else rest
        if kind == "yaml" and not rest:
            self.change("data/editions.yaml", try_it, lambda old: old + block.text)
        elif len(rest) == 1:
            self.change(rest[0], try_it, lambda old: block.text)
        elif len(rest) == 2 and rest[1] == "contains" and not try_it:
            text = (self.root / rest[0]).read_text(encoding="utf-8")
            assert block.text in text, f"EDITING.md:{block.line}: {rest[0]} holds:\n{text}"
        else:
            pytest.fail(f"EDITING.md:{block.line}: a block the test cannot run: {block.info}")

    def change(self, relative: str, try_it: bool, new: Callable[[str], str]) -> None:
        path = self.root / relative
        old = path.read_bytes() if path.exists() else None
        if try_it:
            self.undo.setdefault(path, old)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = old.decode("utf-8") if old is not None else ""
        if text and not text.endswith("\n"):
            text += "\n"
        path.write_text(new(text), encoding="utf-8")

    def restore(self) -> None:
        for path, old in self.undo.items():
            if old is None:
                path.unlink()
            else:
                path.write_bytes(old)
        self.undo.clear()

    def console(self, block: Block) -> None:
        commands: list[tuple[str, list[str]]] = []
        for line in block.text.splitlines():
            if line.startswith("$ "):
                commands.append((line[2:], []))
            else:
                assert commands, f"EDITING.md:{block.line}: output before any `$ ` command"
                commands[-1][1].append(line)
        for command, shown in commands:
            words = shlex.split(command)
            assert words[:2] == ["python", "build.py"], f"EDITING.md:{block.line}: {command}"
            printed = self.serve(words[2:], len(shown)) if "serve" in words else self.cli(words[2:])
            assert [normalise(p) for p in printed] == [normalise(s) for s in shown], (
                f"EDITING.md:{block.line}: `{command}` printed:\n" + "\n".join(printed)
            )

    def cli(self, args: list[str]) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-m", "cmrsite", f"--project={self.root}", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )
        return done.stderr.splitlines() + done.stdout.splitlines()

    def serve(self, args: list[str], count: int) -> list[str]:
        port = free_port()
        command = [sys.executable, "-u", "-m", "cmrsite", f"--project={self.root}", *args]
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
        )
        try:
            assert process.stdout is not None
            lines = [process.stdout.readline().rstrip("\n") for _ in range(count)]
        finally:
            process.terminate()
            process.wait(timeout=30)
        return [line.replace(f":{port}/", ":8000/") for line in lines]


def test_every_example_of_the_editing_guide_works(tmp_path: Path) -> None:
    guide = Guide(tmp_path / "example")
    steps = blocks(GUIDE.read_text(encoding="utf-8"))
    assert len(steps) > 20
    for block in steps:
        guide.run(block)


def test_the_guide_names_every_command_and_check() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for words in (
        "python build.py serve",
        "python build.py new",
        "python build.py check",
        "--strict",
        "info",
        "warning",
        "error",
        "draft: true",
        "Publish",
    ):
        assert words in text
