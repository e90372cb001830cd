"""Shared helpers: small sites written into temporary folders, the CLI run as a subprocess,
and the real site built once per test session."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

import pytest

REPO = Path(__file__).resolve().parent.parent
REAL_TODAY = "2024-10-01"
"""The `--today` of the real site's builds: the Chișinău edition (10–11 October) is next."""

SITE_YAML = """\
title: Test Series
description: A small site for tests.
language: en-GB
base_url: https://example.org/cmr/
call_for_applications:
  open: true
  text: Regions are invited to apply to host an edition.
  url: https://apply.example.net/
"""

EDITIONS_YAML = """\
- city: Iași
  country: Romania
  country_code: "RO"
  start: 2023-11-21
  end: 2023-11-23
  summary: editions/iasi-2023.md
- city: Zagreb
  country: Croatia
  start: 2022-11-30
  end: 2022-12-01
"""

BASE_FILES: dict[str, str | bytes] = {
    "data/site.yaml": SITE_YAML,
    "data/editions.yaml": EDITIONS_YAML,
    "content/index.md": "The series in brief.\n",
    "content/editions/iasi-2023.md": "---\ntitle: Iași in short\n---\nA summary of Iași.\n",
}

Files = Mapping[str, str | bytes | None]
"""Path inside the project -> text (written as UTF-8), bytes, or None to delete the file."""


def write_site(root: Path, files: Files | None = None, *, base: bool = True) -> Path:
    """A project in `root`: the real templates/, the small BASE_FILES, then `files` over them."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "templates", root / "templates", dirs_exist_ok=True)
    merged: dict[str, str | bytes | None] = {**(BASE_FILES if base else {}), **(files or {})}
    for relative, data in sorted(merged.items()):
        path = root / relative
        if data is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return root


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """`make_site({"data/editions.yaml": "..."})` -> the project folder (a fresh one per call)."""
    count = 0

    def make(files: Files | None = None, *, base: bool = True) -> Path:
        nonlocal count
        count += 1
        return write_site(tmp_path / f"site{count}", files, base=base)

    return make


class Run(NamedTuple):
    """(exit code, stdout, stderr) of one command."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a CLI run: no SOURCE_DATE_EPOCH unless given."""
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env.update(extra)
    return env


def run_cli(project: Path | None, *args: str, env: Mapping[str, str] | None = None) -> Run:
    """`python -m cmrsite --project PROJECT ARGS...`; returns (exit code, stdout, stderr)."""
    command = [sys.executable, "-m", "cmrsite"]
    if project is not None:
        command.append(f"--project={project}")
    return _run([*command, *args], cwd=project or REPO, env=env)


def run_build_py(*args: str, project: Path = REPO, env: Mapping[str, str] | None = None) -> Run:
    """`python build.py ARGS...` in `project` (default: this repository), as editors run it."""
    return _run([sys.executable, str(project / "build.py"), *args], cwd=project, env=env)


def _run(command: list[str], cwd: Path, env: Mapping[str, str] | None) -> Run:
    done = subprocess.run(
        command,
        cwd=cwd,
        env=dict(env) if env is not None else clean_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def tree_hash(root: Path) -> str:
    """One hash of a whole folder: every path (files, folders, links) and every file's bytes."""
    digest = hashlib.sha256()
    if not root.exists():
        return "missing"
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_symlink():
            digest.update(f"L {relative} -> {os.readlink(path)}\n".encode())
        elif path.is_dir():
            digest.update(f"D {relative}\n".encode())
        else:
            digest.update(f"F {relative} {path.stat().st_size}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file of a folder by relative path, for comparing two builds file by file."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def build_real_site(out: Path, *extra: str) -> Path:
    result = run_build_py("build", "--out", str(out), *extra)
    assert result.code == 0, result.output
    return out


@pytest.fixture(scope="session")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site, built once per session with `--today 2024-10-01`."""
    return build_real_site(tmp_path_factory.mktemp("real") / "out", "--today", REAL_TODAY)


@pytest.fixture(scope="session")
def real_site_now(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site built for the real today (the next edition may be "to be announced")."""
    return build_real_site(tmp_path_factory.mktemp("real-now") / "out")


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def read(site: Path, relative: str) -> str:
    return (site / relative).read_text(encoding="utf-8")


def bench_generator() -> ModuleType:
    """`bench/generate.py` as a module: the benchmark's corpus generator, for tests at scale."""
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the user's cache (compiled templates, patterns, dataclass code, locale data) -----------


def build_with_user_cache(
    project: Path, out: Path, cache_home: Path, **extra: str
) -> dict[str, bytes]:
    """`cmrsite build` with the user's cache in `cache_home` (and `extra` in the environment):
    the output, file by file."""
    env = clean_env(XDG_CACHE_HOME=str(cache_home), **extra)
    result = run_cli(project, "build", "--today", "2024-10-01", "--out", str(out), env=env)
    assert result.code == 0, result.stderr
    return tree_bytes(out)


def damage_kept_file(path: Path, how: str, foreign: bytes) -> bytes:
    """Damage a file the user's cache keeps: `flip` a byte, `truncate` it, or replace it by
    the `foreign` payload, whole, with its right hash. Returns what is now in the file."""
    data = bytearray(path.read_bytes())
    if how == "flip":
        data[len(data) // 2] ^= 0xFF
    elif how == "truncate":
        del data[len(data) // 2 :]
    else:
        data = bytearray(hashlib.blake2b(foreign, digest_size=16).digest() + foreign)
    path.write_bytes(bytes(data))
    return bytes(data)
