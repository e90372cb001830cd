"""The dev server's parts without a server: URL to file, page injection, the watcher."""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path

import pytest

from cmrsite.errors import Problem
from cmrsite.pipeline import Options
from cmrsite.serve import (
    BuildState,
    Watcher,
    banner,
    inject,
    preview_options,
    resolve_request,
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    out = tmp_path / "output"
    (out / "editions" / "iasi-2023").mkdir(parents=True)
    (out / "index.html").write_text("home")
    (out / "editions" / "iasi-2023" / "index.html").write_text("iasi")
    (out / "feed.xml").write_text("feed")
    (out / ".cache").write_text("hidden")
    (tmp_path / "secret.txt").write_text("secret")
    (out / "inside-link").symlink_to(out / "feed.xml")
    (out / "outside-link").symlink_to(tmp_path / "secret.txt")
    (out / "outside-folder").symlink_to(tmp_path, target_is_directory=True)
    (out / "editions" / "iasi-2023" / "index.html").chmod(0o644)
    return out


@pytest.mark.parametrize(
    ("raw", "kind", "file"),
    [
        ("/", "file", "index.html"),
        ("/editions/iasi-2023/", "file", "editions/iasi-2023/index.html"),
        ("/editions/iasi-2023/index.html", "file", "editions/iasi-2023/index.html"),
        ("/feed.xml", "file", "feed.xml"),
        ("/inside-link", "file", "feed.xml"),
        ("/editions/%69asi-2023/", "file", "editions/iasi-2023/index.html"),
        ("/editions/iasi-2023", "redirect", None),
        ("/editions/", "missing", None),
        ("/nope.html", "missing", None),
        ("/.cache", "missing", None),
        ("/../secret.txt", "forbidden", None),
        ("/%2e%2e/secret.txt", "forbidden", None),
        ("/%2E%2e%2Fsecret.txt", "forbidden", None),
        ("/editions/..%2f..%2fsecret.txt", "forbidden", None),
        ("/..%5csecret.txt", "forbidden", None),
        ("/%00", "forbidden", None),
        ("/outside-link", "forbidden", None),
        ("/outside-folder/secret.txt", "forbidden", None),
        ("/outside-folder/", "forbidden", None),
    ],
)
def test_a_url_names_a_file_inside_the_output_or_nothing(
    root: Path, raw: str, kind: str, file: str | None
) -> None:
    target = resolve_request(raw, root)
    assert target.kind == kind
    if file is not None:
        assert target.path == (root / file).resolve()
    if kind == "redirect":
        assert target.location == raw + "/"


def test_the_script_goes_into_the_head_and_the_notice_into_the_body() -> None:
    page = b'<html><head><title>x</title></head><body class="a">text</body></html>'
    assert inject(page, "<script></script>", "<div>n</div>") == (
        b'<html><head><title>x</title><script></script></head><body class="a"><div>n</div>'
        b"text</body></html>"
    )
    assert inject(b"bare", "<s>", "<n>") == b"<n>bare<s>"
    assert inject(page, "<s>", "") == page.replace(b"</head>", b"<s></head>")


def test_the_banner_names_each_error_escaped() -> None:
    error = Problem("data/editions.yaml", 5, 3, "unknown field `<x>`", "did you mean?")
    shown = banner(BuildState(errors=(error,)))
    assert 'role="alert"' in shown
    assert "data/editions.yaml:5:3: error: unknown field `&lt;x&gt;`" in shown
    assert "hint: did you mean?" in shown
    assert banner(BuildState()) == ""
    warning = Problem("content/a.md", 1, 9, "looks mis-encoded", severity="warning")
    quiet = banner(BuildState(warnings=(warning,)))
    assert "cmrsite-build-error" not in quiet and "1 warning (errors under --strict)" in quiet
    assert "The build crashed" in banner(BuildState(crash="Traceback: boom"))


def test_the_preview_is_built_for_the_server_unless_a_base_url_is_given(tmp_path: Path) -> None:
    options = Options(project=tmp_path, today=date(2024, 10, 1))
    assert preview_options(options, "127.0.0.1", 8000).base_url == "http://127.0.0.1:8000/"
    assert preview_options(options, "0.0.0.0", 8001).base_url == "http://127.0.0.1:8001/"
    assert preview_options(options, "::1", 8000).base_url == "http://[::1]:8000/"
    given = Options(project=tmp_path, today=date(2024, 10, 1), base_url="https://host/cmr/")
    assert preview_options(given, "127.0.0.1", 8000).base_url == "https://host/cmr/"


def test_the_watcher_reports_a_burst_of_changes_once_and_never_the_output(tmp_path: Path) -> None:
    content, output = tmp_path / "content", tmp_path / "content" / "output"
    output.mkdir(parents=True)
    (content / "a.md").write_text("a")
    (content / "gone.md").write_text("x")
    watcher = Watcher([content], exclude=output, quiet=0.3)
    stop = threading.Event()
    (content / "a.md").write_text("changed")  # at once: it watches once made
    (output / "index.html").write_text("ignored")
    (content / ".a.md.swp").write_text("editor noise")
    (content / "a.md~").write_text("editor noise")
    time.sleep(0.05)  # within the quiet period: the same burst
    (content / "b.md").write_text("new")
    (content / "gone.md").unlink()
    assert watcher.wait(stop) == {content / "a.md", content / "b.md", content / "gone.md"}
    stop.set()
    assert watcher.wait(stop) is None  # asked to stop: returns at once
    watcher.close()


def test_the_watcher_tells_of_folders_made_moved_and_deleted(tmp_path: Path) -> None:
    """A folder made, moved in, moved away: its path (a change that is no Markdown document,
    so a full build), or its files; editor noise folders are not reported."""
    content, output = tmp_path / "content", tmp_path / "content" / "output"
    (content / "old").mkdir(parents=True)
    output.mkdir()
    (content / "old" / "inside.md").write_text("x")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "moved.md").write_text("x")
    watcher = Watcher([content], exclude=output, quiet=0.2)
    stop = threading.Event()
    (content / "new").mkdir()
    (content / "new" / "c.md").write_text("in a new folder")
    (content / ".git").mkdir()
    (content / ".git" / "index").write_text("noise")
    (tmp_path / "elsewhere").rename(content / "elsewhere")
    (content / "old").rename(tmp_path / "old")
    changed = watcher.wait(stop)
    assert changed is not None
    assert content / "new" in changed or content / "new" / "c.md" in changed
    assert content / "elsewhere" in changed or content / "elsewhere" / "moved.md" in changed
    assert content / "old" in changed or content / "old" / "inside.md" in changed
    assert not any(".git" in path.parts or path.is_relative_to(output) for path in changed)
    (content / "elsewhere" / "moved.md").write_text("watched where it came to")
    assert watcher.wait(stop) == {content / "elsewhere" / "moved.md"}
    watcher.close()


def test_a_closed_watcher_stops_watching(tmp_path: Path) -> None:
    watcher = Watcher([tmp_path], exclude=tmp_path / "output", quiet=0.01)
    watcher.close()
    watcher.thread.join(timeout=5)
    assert not watcher.thread.is_alive()
