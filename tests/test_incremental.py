"""The build cache is never wrong: after each kind of change, the incremental output is
byte-identical to a clean build's, and files whose bytes did not change keep their mtime.

Sites come from the benchmark's corpus generator (`bench/generate.py`), at small sizes.
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from cmrsite import cache, engine, parallel, pipeline, progress

REPO = Path(__file__).resolve().parent.parent
TODAY = date(2025, 6, 1)


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATE = _generator()


def make_project(tmp_path: Path, count: int = 24) -> Path:
    project: Path = GENERATE.generate(count, tmp_path / "corpus")[0]
    (project / "content" / "files").mkdir()
    (project / "content" / "files" / "agenda.txt").write_text("the agenda\n")
    return project


def options(project: Path, out: Path, **changes: Any) -> pipeline.Options:
    values: dict[str, Any] = {"project": project, "today": TODAY, "out": out}
    values.update(changes)
    return pipeline.Options(**values)


def files(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of a tree: bytes and mtime (ns)."""
    found: dict[str, tuple[bytes, int]] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            found[path.relative_to(root).as_posix()] = (path.read_bytes(), path.stat().st_mtime_ns)
    return found


def clean_build(project: Path, tmp_path: Path, **changes: Any) -> dict[str, bytes]:
    """A build into a fresh folder (no record of it in the cache): the reference."""
    out = tmp_path / f"clean-{len(list(tmp_path.iterdir()))}"
    pipeline.build(options(project, out, **changes))
    return {name: data for name, (data, _) in files(out).items()}


def assert_incremental_is_clean(
    project: Path, tmp_path: Path, change: Callable[[Path], None], **build_changes: Any
) -> pipeline.Report:
    """Build, change, build again: same bytes as a clean build; untouched files keep mtimes."""
    out = tmp_path / "out"
    pipeline.build(options(project, out))
    before = files(out)
    change(project)
    report = pipeline.build(options(project, out, **build_changes))
    after = files(out)
    assert {name: data for name, (data, _) in after.items()} == clean_build(
        project, tmp_path, **build_changes
    )
    for name, (data, mtime) in after.items():
        if name in before and before[name][0] == data:
            assert before[name][1] == mtime, f"{name} was rewritten with the same bytes"
    assert report.written == sum(1 for n, (d, _) in after.items() if before.get(n, (b"",))[0] != d)
    assert report.removed == len(set(before) - set(after))
    return report


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _first_summary(project: Path) -> Path:
    return sorted((project / "content" / "editions").glob("*.md"))[0]


def _drop_first_record(project: Path) -> None:
    """Delete the first record of editions.yaml and its summary file."""
    path = project / "data" / "editions.yaml"
    text = path.read_text(encoding="utf-8")
    records = re.split(r"(?m)^(?=- city: )", text)
    slug = re.search(r"summary: editions/(.+)\.md", records[1])
    assert slug is not None
    path.write_text(records[0] + "".join(records[2:]), encoding="utf-8")
    (project / "content" / "editions" / f"{slug.group(1)}.md").unlink()


CHANGES: dict[str, Callable[[Path], None]] = {
    "content: a summary gains a paragraph": lambda p: _append(
        _first_summary(p), "\nA new closing paragraph.\n"
    ),
    "record: a figure of one edition": lambda p: _replace(
        p / "data" / "editions.yaml", "participants: ", "participants: 1", 1
    ),
    "template: the edition page": lambda p: _replace(
        p / "templates" / "edition.html", "{% block main %}", "{% block main %}<!-- new -->"
    ),
    "template: the base layout": lambda p: _replace(
        p / "templates" / "base.html", "</footer>", "</footer><!-- new -->"
    ),
    "static: the stylesheet (a new hashed name)": lambda p: _append(
        p / "templates" / "static" / "style.css", "\n/* new */\n"
    ),
    "setting: the site's title": lambda p: _replace(
        p / "data" / "site.yaml", "title: Clusters meet Regions", "title: Clusters and Regions"
    ),
    "deleted record and its summary": _drop_first_record,
    "deleted copied file": lambda p: (p / "content" / "files" / "agenda.txt").unlink(),
    "added copied file": lambda p: (p / "content" / "files" / "notes.txt").write_text("notes\n"),
    "changed copied file": lambda p: (p / "content" / "files" / "agenda.txt").write_text("new\n"),
}


@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_incremental_build_equals_a_clean_build(tmp_path: Path, kind: str) -> None:
    project = make_project(tmp_path)
    assert_incremental_is_clean(project, tmp_path, CHANGES[kind])


@pytest.mark.parametrize(
    "option",
    [
        {"base_url": "https://example.org/sub/"},
        {"today": date(2019, 1, 1)},
        {"drafts": True},
    ],
    ids=["--base-url", "--today", "--drafts"],
)
def test_a_changed_option_is_a_changed_input(tmp_path: Path, option: dict[str, Any]) -> None:
    project = make_project(tmp_path)
    if "drafts" in option:  # a draft that the option brings in
        _replace(_first_summary(project), "---\n", "---\ndraft: true\n")
    assert_incremental_is_clean(project, tmp_path, lambda p: None, **option)


def test_a_new_library_version_renders_everything_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path)
    out = tmp_path / "out"
    pipeline.build(options(project, out))
    rendered: list[str] = []
    real_render = pipeline.render_page

    def counting(env: Any, site: Any, page: Any) -> bytes:
        rendered.append(page.output_file)
        return real_render(env, site, page)

    monkeypatch.setattr(pipeline, "render_page", counting)
    pipeline.build(options(project, out))
    assert rendered == [], "nothing changed, yet pages were rendered"
    monkeypatch.setattr(engine, "environment_key", lambda: "jinja2=99.0")
    report = pipeline.build(options(project, out))
    assert len(rendered) == sum(1 for f in report.files if f.endswith(".html"))
    assert report.written == 0  # same bytes: every file kept, mtimes included


def test_nothing_changed_nothing_is_written(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    out = tmp_path / "out"
    first = pipeline.build(options(project, out))
    before = files(out)
    again = pipeline.build(options(project, out))
    assert files(out) == before
    assert (again.written, again.unchanged, again.removed) == (0, len(before), 0)
    assert again.files == first.files
    assert "load" not in again.timings, "an up-to-date output should not even be loaded"


def test_hand_edited_and_stray_output_files_are_repaired(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    out = tmp_path / "out"
    pipeline.build(options(project, out))
    reference = {name: data for name, (data, _) in files(out).items()}
    page = out / "editions" / "index.html"
    page.write_text("edited by hand")
    (out / "stray.html").write_text("left over")
    pipeline.build(options(project, out))
    assert {name: data for name, (data, _) in files(out).items()} == reference


def test_deleting_the_cache_is_safe(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    out = tmp_path / "out"
    pipeline.build(options(project, out))
    before = files(out)
    shutil.rmtree(project / cache.CACHE_DIR)
    report = pipeline.build(options(project, out))
    assert files(out) == before, "same bytes: kept files keep their mtime, even without a cache"
    assert report.written == 0


def test_a_failing_build_keeps_the_output_and_its_record(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    out = tmp_path / "out"
    pipeline.build(options(project, out))
    before = files(out)
    _replace(
        project / "templates" / "edition.html", "{% block main %}", "{% block main %}{{ x.y }}"
    )
    with pytest.raises(pipeline.SiteError):
        pipeline.build(options(project, out))
    assert files(out) == before
    _replace(project / "templates" / "edition.html", "{{ x.y }}", "")
    report = pipeline.build(options(project, out))
    assert files(out) == before and report.written == 0


def test_forked_workers_write_what_one_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path, count=2 * parallel.MIN_ITEMS_PER_WORKER + 10)
    monkeypatch.setenv("CMRSITE_JOBS", "2")
    pipeline.build(options(project, tmp_path / "parallel"))
    monkeypatch.setenv("CMRSITE_JOBS", "1")
    pipeline.build(options(project, tmp_path / "serial"))
    parallel_files = {n: d for n, (d, _) in files(tmp_path / "parallel").items()}
    assert parallel_files == {n: d for n, (d, _) in files(tmp_path / "serial").items()}


def test_fork_map_returns_every_share_and_reports_worker_failures() -> None:
    items = list(range(4 * parallel.MIN_ITEMS_PER_WORKER))
    results = parallel.fork_map(lambda share: sum(share), items, workers=3)
    assert len(results) == 3 and sum(results) == sum(items)

    def failing(share: list[int]) -> int:
        if share[0] != 0:
            raise ValueError("boom")
        return 0

    with pytest.raises(RuntimeError, match="boom"):
        parallel.fork_map(failing, items, workers=2)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    terminal = _Terminal()
    bar = progress.Progress(1000, stream=terminal)
    bar.advance(1000)
    bar.close()
    assert "1000/1000 pages" in terminal.getvalue()
    assert not progress.Progress(20, stream=_Terminal()).enabled, "a short build has no bar"
    assert not progress.Progress(1000, stream=io.StringIO()).enabled, "not a terminal"
    monkeypatch.setenv("CI", "true")
    assert not progress.Progress(1000, stream=_Terminal()).enabled, "CI shows no bar"


def test_the_build_line_counts_written_unchanged_and_removed(tmp_path: Path) -> None:
    from cmrsite import cli

    project = make_project(tmp_path)
    out = tmp_path / "out"
    args = ["--project", str(project), "build", "--today", TODAY.isoformat(), "--out", str(out)]
    buffer = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdout", buffer)
        assert cli.main(args) == 0
        _append(_first_summary(project), "\nOne more line.\n")
        assert cli.main(args) == 0
    lines = buffer.getvalue().splitlines()
    assert re.search(r"\(\d+ written, 0 unchanged, 0 removed\)", lines[0]), lines[0]
    assert re.search(r"\(1 written, \d+ unchanged, 0 removed\)", lines[-1]), lines[-1]
    assert os.path.isdir(out)
