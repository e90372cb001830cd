"""`serve` over raw HTTP: nothing outside the output folder, pages get the reload script (the
files do not), failed builds keep the last good site and name the error on every page."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import clean_env
from servehelp import Served, serving

SECRET = "top secret: never served"


def get(served: Served, raw_path: str) -> tuple[int, bytes, dict[str, str]]:
    """A GET with the path sent exactly as written (http.client does not normalise it)."""
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    try:
        connection.request("GET", raw_path)
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()


@pytest.fixture
def project(make_site: Callable[..., Path]) -> Path:
    root = make_site()
    (root / "secret.txt").write_text(SECRET, encoding="utf-8")  # beside output/
    return root


TRAVERSALS = [
    "/../secret.txt",
    "/editions/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/..%2fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/editions/%2e%2e/%2e%2e/secret.txt",
    "/..%5csecret.txt",
    "/%2e%2e%5csecret.txt",
    "/%00../secret.txt",
    "//secret.txt",
    "/.cmrsite/../../secret.txt",
]


def test_nothing_outside_the_output_folder_is_served(project: Path) -> None:
    with serving(project) as served:
        (project / "output" / "escape").symlink_to(project / "secret.txt")
        (project / "output" / "escape-dir").symlink_to(project, target_is_directory=True)
        for raw in [*TRAVERSALS, "/escape", "/escape-dir/secret.txt", "/escape-dir/"]:
            status, body, _ = get(served, raw)
            assert status in (403, 404), raw
            assert SECRET.encode() not in body, raw
        status, body, _ = get(served, "/editions/iasi-2023/")
        assert status == 200 and "A summary of Iași." in body.decode()


def test_pages_get_the_reload_script_but_files_on_disk_do_not(project: Path) -> None:
    with serving(project) as served:
        status, body, headers = get(served, "/")
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        assert b'<script src="/livereload.js?port=' in body
        assert b"cmrsite-build-error" not in body
        status, script, _ = get(served, "/livereload.js")
        assert status == 200 and b"LiveReload" in script
        for page in (project / "output").rglob("*.html"):
            assert "livereload" not in page.read_text(encoding="utf-8"), page
        status, _, headers = get(served, "/editions")
        assert status in (301, 302) and headers["Location"] == "/editions/"
        status, body, _ = get(served, "/no/such/page/")
        assert status == 404 and b"Page not found" in body and b"livereload.js" in body


def test_the_site_is_built_for_the_server_address(project: Path) -> None:
    with serving(project) as served:
        _, body, _ = get(served, "/")
        assert f'<link rel="canonical" href="{served.url}">'.encode() in body
        assert "holds a preview build" in served.log


def test_a_failing_build_keeps_the_last_good_site_and_shows_the_error(project: Path) -> None:
    editions = project / "data" / "editions.yaml"
    good = editions.read_text(encoding="utf-8")
    with serving(project) as served:
        mark = len(served.lines)
        editions.write_text(
            good.replace("  start: 2023-11-21\n", "  start: 2023-11-21\n  partcipants: 5\n"),
            encoding="utf-8",
        )
        served.wait_for(r"^build failed", after=mark)
        status, body, _ = get(served, "/editions/iasi-2023/")
        page = body.decode()
        assert status == 200 and "A summary of Iași." in page  # the last good site
        assert 'id="cmrsite-build-error"' in page
        assert "data/editions.yaml:5:3: error: unknown field `partcipants`" in page
        assert "did you mean `participants`?" in page
        _, other, _ = get(served, "/editions/")
        assert b"data/editions.yaml:5:3" in other  # on every page
        mark = len(served.lines)
        editions.write_text(good, encoding="utf-8")
        served.wait_for(r"^built in ", after=mark)
        _, body, _ = get(served, "/editions/iasi-2023/")
        assert b"cmrsite-build-error" not in body


def test_when_no_build_ever_succeeded_every_url_shows_the_error(
    make_site: Callable[..., Path],
) -> None:
    project = make_site({"data/editions.yaml": "- city: Iași\n  country: [\n"})
    with serving(project) as served:
        assert "build failed" in served.log
        status, body, _ = get(served, "/anything/")
        assert status == 503
        assert b"data/editions.yaml:3:1: error: invalid YAML" in body
        assert b"livereload.js" in body
    assert not (project / "output").exists()


def test_warnings_are_listed_on_pages(make_site: Callable[..., Path]) -> None:
    project = make_site({"content/editions/iasi-2023.md": "Held in Iaศ™i.\n"})
    with serving(project) as served:
        _, body, _ = get(served, "/")
        assert b'id="cmrsite-build-warnings"' in body
        assert b"content/editions/iasi-2023.md:1:9: warning: text looks mis-encoded" in body


def test_the_server_listens_on_loopback_by_default(project: Path) -> None:
    with serving(project) as served:
        assert served.url.startswith("http://127.0.0.1:")
        assert f"at http://127.0.0.1:{served.port}/" in served.log


def test_a_busy_port_is_a_usage_error(project: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "cmrsite", f"--project={project}", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=clean_env(),
        )
    assert done.returncode == 2, done.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
