"""The build cache is never wrong: after each kind of change, the incremental output is
byte-identical to a clean build's, and files whose bytes did not change keep their mtime.

Sites come from the benchmark's corpus generator (`bench/generate.py`), at small sizes.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import bench_generator

from cmrsite import cache, checks, engine, markdown, parallel, pipeline, progress

REPO = Path(__file__).resolve().parent.parent
TODAY = date(2025, 6, 1)


GENERATE = bench_generator()


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
    """Build, change, build again: same bytes and problems as a clean build; untouched files
    keep their mtimes."""
    out = tmp_path / "out"
    pipeline.build(options(project, out))
    before = files(out)
    change(project)
    report = pipeline.build(options(project, out, **build_changes))
    after = files(out)
    reference, problems = clean_report(project, tmp_path, **build_changes)
    assert {name: data for name, (data, _) in after.items()} == reference
    assert report.problems == problems  # the content checks' findings kept are still right
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
    "content: a summary gets a publication date (into the feed, whole)": lambda p: _replace(
        _first_summary(p), "---\n", "---\npublished: 2025-05-01\n"
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


def test_a_build_that_keeps_pages_renders_ahead_only_the_feed_s_markdown(tmp_path: Path) -> None:
    """A build after another of the same output renders the HTML of a document where a page
    shows it, if one does; ahead, only that of the documents the feed shows whole."""
    project = make_project(tmp_path)
    _replace(_summary(project, 2), "---\n", "---\npublished: 2025-05-01\n")
    markdown._PREPARED.clear()
    loaded = pipeline.load_site(options(project, tmp_path / "out"), True, every_html=False)
    assert loaded.site is not None
    published = {
        doc.body for e in loaded.site.editions if (doc := e.summary) and doc.meta.published
    }
    assert len(published) == 1
    assert {body for body, _ in markdown._PREPARED} == published
    markdown._PREPARED.clear()
    pipeline.load_site(options(project, tmp_path / "out"), True)
    assert len(markdown._PREPARED) > 20  # a first build: every document's, ahead


def _record_and_summary(project: Path) -> tuple[str, Path, date, date]:
    """A record whose days are in one month, its summary and its days."""
    records = re.split(r"(?m)^(?=- city: )", (project / "data" / "editions.yaml").read_text())
    for record in records[1:]:
        start = date.fromisoformat(re.findall(r"start: (\S+)", record)[0])
        end = date.fromisoformat(re.findall(r"end: (\S+)", record)[0])
        summary = re.findall(r"summary: (\S+)", record)
        if summary and start.month == end.month and start != end:
            return record, project / "content" / summary[0], start, end
    raise AssertionError("no such record")


def _describe_the_days(project: Path) -> None:
    _, summary, start, end = _record_and_summary(project)
    days = f"{start.day}–{end.day} {start:%B} {start.year}"
    _replace(summary, "---\ntitle:", f"---\ndescription: Held on {days}.\ntitle:")


def _move_the_days(project: Path) -> None:
    record, _, start, end = _record_and_summary(project)
    later = record.replace(f"start: {start}", f"start: {start.replace(day=start.day + 2)}")
    _replace(
        project / "data" / "editions.yaml",
        record,
        later.replace(f"end: {end}", f"end: {end.replace(day=end.day + 2)}"),
    )


def _link_to_tartu(project: Path) -> None:
    _append(_first_summary(project), "\nSee [Tartu](/editions/tartu-2030/).\n")


def _add_tartu(project: Path) -> None:
    record = "- city: Tartu\n  country: Estonia\n  start: 2030-05-05\n"
    _append(project / "data" / "editions.yaml", record)


def _nothing(project: Path) -> None:
    pass


FINDINGS: dict[str, tuple[Callable[[Path], None], Callable[[Path], None]]] = {
    "a summary gains a broken link, a mis-encoded word and a date its record contradicts": (
        _nothing,
        lambda p: _replace(
            _first_summary(p),
            "---\ntitle:",
            "---\ndescription: Held on 3 March 2019 in Iaศ™i, see /x/.\ntitle:",
        ),
    ),
    "an unchanged summary names the days its record no longer has": (
        _describe_the_days,
        _move_the_days,
    ),
    "an unchanged summary's broken link leads to a new record's page": (_link_to_tartu, _add_tartu),
}


@pytest.mark.parametrize("kind", sorted(FINDINGS))
def test_findings_kept_between_builds_are_a_clean_build_s(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command-line build keeps each document's findings on disk, by its bytes and what they
    depend on (the records' days, the site's pages, the settings): they are a clean build's."""
    project = make_project(tmp_path)
    setup, change = FINDINGS[kind]
    setup(project)
    checked: list[str] = []
    real = checks._check_share
    monkeypatch.setattr(
        checks,
        "_check_share",
        lambda root, document, *rest: checked.append(document.path) or real(root, document, *rest),
    )
    report = assert_incremental_is_clean(project, tmp_path, change)
    if kind.startswith("a summary gains"):
        assert any("Iaศ™i" in problem.message for problem in report.problems)
        # Every document by the first build and by the clean one; the edited one alone between.
        assert len(checked) == 2 * len(set(checked)) + 1


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


def test_fork_map_returns_every_chunk_once_and_reports_worker_failures() -> None:
    items = list(range(4 * parallel.MIN_ITEMS_PER_WORKER))

    def task(chunk: list[int]) -> tuple[int, list[int]]:
        time.sleep(0.05)  # long enough for the workers to start and take some
        return os.getpid(), chunk

    results = parallel.fork_map(task, items, workers=3)
    assert len(results) == 3 * parallel.CHUNKS_PER_PROCESS
    assert sorted(item for _, chunk in results for item in chunk) == items
    assert len({pid for pid, _ in results}) > 1  # the parent and at least one worker took some

    def failing(chunk: list[int]) -> int:
        if chunk[0] != 0:
            raise ValueError("boom")
        return 0

    # Raised as it was in this process, or again with the worker's traceback.
    with pytest.raises((RuntimeError, ValueError), match="boom"):
        parallel.fork_map(failing, items, workers=2)


@pytest.mark.parametrize("in_memory", [True, False])
def test_workers_return_large_results_through_memory_or_a_file(
    monkeypatch: pytest.MonkeyPatch, in_memory: bool
) -> None:
    """Results go back through a file in memory (Linux), else through a temporary file; both
    carry large results, and a worker's failure."""
    if not in_memory:

        def no_memfd(name: str, flags: int = 0) -> int:
            raise OSError("not here")

        monkeypatch.setattr(os, "memfd_create", no_memfd, raising=False)
    items = list(range(4 * parallel.MIN_ITEMS_PER_WORKER))

    def task(chunk: list[int]) -> list[bytes]:
        time.sleep(0.02)
        return [bytes([item % 256]) * 50_000 for item in chunk]

    results = parallel.fork_map(task, items, workers=2)
    assert sorted(len(blob) for chunk in results for blob in chunk) == [50_000] * len(items)
    assert sorted(blob[0] for chunk in results for blob in chunk) == sorted(
        item % 256 for item in items
    )

    def failing(chunk: list[int]) -> int:
        time.sleep(0.05)
        raise ValueError("boom")

    with pytest.raises((RuntimeError, ValueError), match="boom"):
        parallel.fork_map(failing, items, workers=2)


def test_a_slow_process_takes_fewer_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parent, busy with its own work first (as while it parses the records), leaves the
    chunks to the worker, which does not wait for it."""
    items = list(range(4 * parallel.MIN_ITEMS_PER_WORKER))
    parent = os.getpid()

    def busy() -> str:
        time.sleep(1.0)
        return "done"

    def task(chunk: list[int]) -> tuple[int, int]:
        time.sleep(0.02)
        return os.getpid(), len(chunk)

    monkeypatch.setenv("CMRSITE_JOBS", "2")
    result, chunks = parallel.fork_map_beside(task, items, busy)
    assert result == "done"
    assert sum(size for _, size in chunks) == len(items)
    assert all(pid != parent for pid, _ in chunks)  # the workers had taken every chunk


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


# --- the dev server's Builder: quick rebuilds after a save ---------------------------------------

INVITATION = "invitations/tartu-2025.md"
NEWS = "news/first-news.md"


def prepare_for_builder(project: Path) -> None:
    """Documents of every kind a quick rebuild handles: a published summary with a description
    (in the feed, sitemap, calendars and open data), a link into another summary's heading, an
    invitation of an upcoming edition and a news article."""
    summaries = sorted((project / "content" / "editions").glob("*.md"))
    _replace(summaries[0], "---\n", "---\npublished: 2025-04-02\ndescription: What happened.\n")
    _append(summaries[1], f"\nThe [main messages](/editions/{summaries[2].stem}/#main-messages).\n")
    _append(
        project / "data" / "editions.yaml",
        "- city: Tartu\n  country: Estonia\n  start: 2025-10-01\n  end: 2025-10-02\n"
        f"  invitation: {INVITATION}\n",
    )
    for relative, text in (
        (INVITATION, "---\ntitle: Come to Tartu\n---\nWe invite you to Tartu.\n"),
        ("drafts/unnamed.md", "Nothing names this file.\n"),
        (
            NEWS,
            "---\ntitle: First news\ndescription: A first article.\n"
            "published: 2025-04-01\n---\nThe news.\n",
        ),
    ):
        (project / "content" / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / "content" / relative).write_text(text, encoding="utf-8")


def _summary(project: Path, index: int) -> Path:
    return sorted((project / "content" / "editions").glob("*.md"))[index]


def _edit(path: Path, old: str | None, new: str) -> list[Path]:
    """Append `new`, or put it in place of `old`; the changed paths, as the dev server gives them."""
    if old is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            (path.read_text(encoding="utf-8") if path.exists() else "") + new, encoding="utf-8"
        )
    else:
        _replace(path, old, new)
    return [path]


Change = Callable[[Path], list[Path]]

QUICK_CHANGES: dict[str, Change] = {
    "a summary gains a paragraph": lambda p: _edit(_summary(p, 3), None, "\nOne more.\n"),
    "a published summary's text (in the feed)": lambda p: _edit(
        _summary(p, 0), None, "\nMore news.\n"
    ),
    "a summary's description (page, JSON-LD, calendars)": lambda p: _edit(
        _summary(p, 0), "What happened.", "What really happened."
    ),
    "a summary gets a publication date (feed, sitemap)": lambda p: _edit(
        _summary(p, 4), "---\n", "---\npublished: 2025-05-01\n"
    ),
    "a heading that another page links to is renamed": lambda p: _edit(
        _summary(p, 2), "## Main messages", "## Key messages"
    ),
    "mis-encoded text and a wrong date (content checks)": lambda p: [
        *_edit(_summary(p, 5), "---\n", "---\ndescription: Held on 3 March 2019.\n"),
        *_edit(_summary(p, 5), None, "\nWe met in Iaศ™i.\n"),
    ],
    "a broken link (content check and link check)": lambda p: _edit(
        _summary(p, 6), None, "\nSee [this](/editions/nowhere/).\n"
    ),
    "a comment in the front matter (the body moves down)": lambda p: _edit(
        _summary(p, 7), "---\n", "---\n# a note\n"
    ),
    "the invitation": lambda p: _edit(p / "content" / INVITATION, None, "\nBring a friend.\n"),
    "the home page's introduction": lambda p: _edit(p / "content" / "index.md", None, "\nMore.\n"),
    "a news article's text": lambda p: _edit(p / "content" / NEWS, None, "\nMore news.\n"),
    "a Markdown file nothing names": lambda p: _edit(p / "content" / "notes.md", None, "Notes.\n"),
    "two summaries at once": lambda p: [
        *_edit(_summary(p, 8), None, "\nOne.\n"),
        *_edit(_summary(p, 9), "## Next steps", "## What next"),
    ],
}

FULL_CHANGES: dict[str, Change] = {
    "a summary made a draft": lambda p: _edit(_summary(p, 3), "---\n", "---\ndraft: true\n"),
    "a news article's title (the listing shows it)": lambda p: _edit(
        p / "content" / NEWS, "First news", "Latest news"
    ),
    "a new news article": lambda p: _edit(
        p / "content" / "news" / "second.md",
        None,
        "---\ntitle: Second\ndescription: Two.\npublished: 2025-04-03\n---\nSecond.\n",
    ),
    "a new Markdown file and the record naming it": lambda p: [
        *_edit(p / "content" / "editions" / "tartu-2025.md", None, "Tartu, soon.\n"),
        *_edit(
            p / "data" / "editions.yaml",
            f"  invitation: {INVITATION}\n",
            f"  invitation: {INVITATION}\n  summary: editions/tartu-2025.md\n",
        ),
    ],
    "a record": lambda p: _edit(p / "data" / "editions.yaml", "participants: ", "participants: 1"),
    "a template": lambda p: _edit(
        p / "templates" / "edition.html", "{% block main %}", "{% block main %}<!-- new -->"
    ),
    "a static file": lambda p: _edit(p / "templates" / "static" / "style.css", None, "/* new */\n"),
    "the settings": lambda p: _edit(
        p / "data" / "site.yaml", "title: Clusters meet Regions", "title: Clusters and Regions"
    ),
    "a copied file": lambda p: _edit(p / "content" / "files" / "agenda.txt", None, "more\n"),
}


def _drop_record_of(project: Path, summary: Path) -> list[Path]:
    """Delete the record naming `summary`, and the file."""
    path = project / "data" / "editions.yaml"
    records = re.split(r"(?m)^(?=- city: )", path.read_text(encoding="utf-8"))
    kept = [r for r in records if f"summary: editions/{summary.name}" not in r]
    assert len(kept) == len(records) - 1
    path.write_text("".join(kept), encoding="utf-8")
    summary.unlink()
    return [path, summary]


def _delete(path: Path) -> list[Path]:
    path.unlink()
    return [path]


FULL_CHANGES["a deleted record and its summary"] = lambda p: _drop_record_of(p, _summary(p, 3))
FULL_CHANGES["a deleted Markdown file nothing names"] = lambda p: _delete(
    p / "content" / "drafts" / "unnamed.md"
)


def clean_report(project: Path, tmp_path: Path, **changes: Any) -> tuple[dict[str, bytes], Any]:
    """A clean build's files, and its problems with its output folder's name as `out`'s."""
    out = tmp_path / f"clean-{len(list(tmp_path.iterdir()))}"
    report = pipeline.build(options(project, out, **changes))
    problems = [
        p.__class__(**{**vars_of(p), "file": p.file.replace(str(out), str(tmp_path / "out"))})
        for p in report.problems
    ]
    return {name: data for name, (data, _) in files(out).items()}, problems


def vars_of(problem: Any) -> dict[str, Any]:
    return {name: getattr(problem, name) for name in problem.__dataclass_fields__}


def assert_builder_is_clean(
    builder: pipeline.Builder, project: Path, tmp_path: Path, changed: list[Path], quick: bool
) -> pipeline.Report:
    """After a change, the Builder's output is a clean build's, with the same problems;
    files whose bytes did not change keep their mtime; nothing stray is left beside them."""
    out = builder.options.output_dir
    before = files(out)
    report = builder.build(changed)
    assert ("load" not in report.timings) == quick, "quick" if quick else "full"
    after = files(out)
    reference, problems = clean_report(project, tmp_path)
    assert {name: data for name, (data, _) in after.items()} == reference
    assert report.problems == problems
    for name, (data, mtime) in after.items():
        if name in before and before[name][0] == data:
            assert before[name][1] == mtime, f"{name} was rewritten with the same bytes"
    assert report.written == sum(1 for n, (d, _) in after.items() if before.get(n, (b"",))[0] != d)
    assert report.files == sorted(after)
    return report


def start_builder(tmp_path: Path, **changes: Any) -> tuple[pipeline.Builder, Path]:
    project = make_project(tmp_path)
    prepare_for_builder(project)
    builder = pipeline.Builder(options(project, tmp_path / "out", **changes))
    builder.build(None)
    return builder, project


@pytest.mark.parametrize("kind", sorted(QUICK_CHANGES))
def test_a_quick_rebuild_equals_a_clean_build(tmp_path: Path, kind: str) -> None:
    builder, project = start_builder(tmp_path)
    assert_builder_is_clean(builder, project, tmp_path, QUICK_CHANGES[kind](project), quick=True)
    # And again from there: the state a quick rebuild leaves is as good as a full build's.
    again = _edit(_summary(project, 10), None, "\nAnd again.\n")
    assert_builder_is_clean(builder, project, tmp_path, again, quick=True)


def test_a_broken_markdown_link_is_reported_once_where_it_is_written(tmp_path: Path) -> None:
    """By the content check (the document's line), not again by the output's link check:
    in a quick rebuild as in a full build."""
    builder, project = start_builder(tmp_path)
    changed = QUICK_CHANGES["a broken link (content check and link check)"](project)
    for report in (builder.build(changed), pipeline.build(options(project, tmp_path / "b"))):
        about = [problem for problem in report.problems if "nowhere" in problem.message]
        assert [problem.file for problem in about] == [
            f"content/{_summary(project, 6).relative_to(project / 'content').as_posix()}"
        ]


@pytest.mark.parametrize("kind", sorted(FULL_CHANGES))
def test_other_changes_fall_back_to_a_full_build(tmp_path: Path, kind: str) -> None:
    builder, project = start_builder(tmp_path)
    assert_builder_is_clean(builder, project, tmp_path, FULL_CHANGES[kind](project), quick=False)
    again = _edit(_summary(project, 10), None, "\nAnd again.\n")
    assert_builder_is_clean(builder, project, tmp_path, again, quick=True)


def test_a_failing_build_then_the_fix(tmp_path: Path) -> None:
    """A document with an error fails the build and leaves the output; the fix, given with
    every path changed since the last good build (as the dev server does), is quick again."""
    builder, project = start_builder(tmp_path)
    out = builder.options.output_dir
    before = files(out)
    broken = _edit(_summary(project, 3), "---\n", "---\ntitle: [unclosed\n")
    other = _edit(_summary(project, 4), None, "\nSaved meanwhile.\n")
    with pytest.raises(pipeline.SiteError):
        builder.build(broken + other)
    assert files(out) == before
    _replace(_summary(project, 3), "title: [unclosed\n", "")
    assert_builder_is_clean(builder, project, tmp_path, broken + other, quick=False)
    assert_builder_is_clean(builder, project, tmp_path, broken, quick=True)


def test_a_deleted_summary_still_named_fails_then_comes_back(tmp_path: Path) -> None:
    builder, project = start_builder(tmp_path)
    out = builder.options.output_dir
    before = files(out)
    summary = _summary(project, 3)
    text = summary.read_text(encoding="utf-8")
    with pytest.raises(pipeline.SiteError) as failure:
        builder.build(_delete(summary))
    assert any("does not exist" in problem.message for problem in failure.value.problems)
    assert files(out) == before
    summary.write_text(text + "\nBack.\n", encoding="utf-8")
    assert_builder_is_clean(builder, project, tmp_path, [summary], quick=False)


def test_a_failing_quick_build_writes_nothing(tmp_path: Path) -> None:
    """Under --strict a new warning is an error: the quick build fails in memory, nothing is
    written, nothing stray is left; the fix is quick and complete."""
    builder, project = start_builder(tmp_path, strict=True, base_url="https://example.org/")
    out = builder.options.output_dir
    before = files(out)
    broken = _edit(_summary(project, 6), None, "\nSee [this](/editions/nowhere/).\n")
    with pytest.raises(pipeline.SiteError) as failure:
        builder.build(broken)
    assert any("nowhere" in problem.message for problem in failure.value.problems)
    assert files(out) == before
    _replace(_summary(project, 6), "\nSee [this](/editions/nowhere/).\n", "\nFixed.\n")
    report = builder.build(broken)
    assert "load" not in report.timings
    reference, _ = clean_report(project, tmp_path, strict=True, base_url="https://example.org/")
    assert {name: data for name, (data, _) in files(out).items()} == reference


def test_a_template_error_then_the_fix(tmp_path: Path) -> None:
    builder, project = start_builder(tmp_path)
    out = builder.options.output_dir
    before = files(out)
    template = _edit(
        project / "templates" / "edition.html", "{% block main %}", "{% block main %}{{ x.y }}"
    )
    with pytest.raises(pipeline.SiteError):
        builder.build(template)
    assert files(out) == before
    _replace(project / "templates" / "edition.html", "{{ x.y }}", "<!-- fixed -->")
    assert_builder_is_clean(builder, project, tmp_path, template, quick=False)
    assert_builder_is_clean(
        builder, project, tmp_path, _edit(_summary(project, 1), None, "\nOk.\n"), quick=True
    )


def test_a_quick_rebuild_renders_only_what_read_the_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edited summary's text: its own page is rendered again, not the archive or the
    home page that list its edition; the feed and calendars are not made again."""
    from cmrsite import rebuild

    builder, project = start_builder(tmp_path)
    builder.build(_edit(_summary(project, 3), None, "\nWarm-up.\n"))  # every page now traced
    rendered: list[str] = []
    real = rebuild.render_page

    def counting(env: Any, site: Any, page: Any) -> bytes:
        rendered.append(page.output_file)
        return real(env, site, page)

    monkeypatch.setattr(rebuild, "render_page", counting)
    monkeypatch.setattr(rebuild, "publish_watched", None)  # must not be called
    summary = _summary(project, 3)
    report = builder.build(_edit(summary, None, "\nOne more line.\n"))
    assert rendered == [f"editions/{summary.stem}/index.html"]
    assert report.written == 1


def test_the_dev_server_record_is_saved_for_the_command_line(tmp_path: Path) -> None:
    """After quick rebuilds and `flush`, a command-line build finds the output up to date."""
    builder, project = start_builder(tmp_path)
    builder.build(_edit(_summary(project, 3), None, "\nOne more line.\n"))
    builder.flush()
    report = pipeline.build(builder.options)
    assert "load" not in report.timings and report.written == 0


@pytest.mark.parametrize(
    "kind",
    [
        "a summary gains a paragraph",
        "a summary gets a publication date (feed, sitemap)",
        "a heading that another page links to is renamed",
    ],
)
def test_a_quick_rebuild_after_starting_on_an_up_to_date_output(tmp_path: Path, kind: str) -> None:
    """`serve` started where a command-line build left an up-to-date output: the full build
    renders nothing, so what pages read is not known yet; a quick rebuild is still exact."""
    project = make_project(tmp_path)
    prepare_for_builder(project)
    pipeline.build(options(project, tmp_path / "out"))
    builder = pipeline.Builder(options(project, tmp_path / "out"))
    first = builder.build(None)
    assert "load" not in first.timings, "an up-to-date output: the first build stops at once"
    builder.warm()  # as `serve` does while it waits for the first save
    assert_builder_is_clean(builder, project, tmp_path, QUICK_CHANGES[kind](project), quick=True)


def test_what_pages_read_comes_back_from_forked_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages rendered by worker processes send back what they read: the quick rebuild then
    knows it without rendering them again."""
    monkeypatch.setenv("CMRSITE_JOBS", "2")
    project = make_project(tmp_path, count=2 * parallel.MIN_ITEMS_PER_WORKER + 10)
    builder = pipeline.Builder(options(project, tmp_path / "out"))
    builder.build(None)
    state = builder._state
    assert state is not None
    unknown = [name for name, page in state.pages.items() if page.reads is None]
    assert unknown == []
    summary = _summary(project, 3)
    assert_builder_is_clean(builder, project, tmp_path, _edit(summary, None, "\nMore.\n"), True)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_first_build_records_the_key_that_hashing_every_input_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    """With no record of an earlier build, the inputs are hashed after loading, the Markdown
    from the bytes the build read: the key is the one hashing every file gives, so the next
    build finds the output up to date."""
    monkeypatch.setenv("CMRSITE_JOBS", jobs)
    project = make_project(tmp_path, count=2 * parallel.MIN_ITEMS_PER_WORKER + 10)
    (project / "content" / "editions" / "unused.md").write_bytes(b"---\r\ntitle: x\r\n---\r\nx\r\n")
    out = tmp_path / "out"
    chosen = options(project, out)
    pipeline.build(chosen)
    recorded = cache.load_manifest(project, out).build_key
    settings = engine.Settings(chosen.today, chosen.base_url, chosen.drafts, chosen.strict)
    assert recorded == engine.build_key(project, settings)
    again = pipeline.build(chosen)
    assert "load" not in again.timings and again.written == 0
