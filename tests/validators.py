"""Test helpers: the Nu HTML Checker (vnu.jar) and axe-core in Debian's Chromium.

Both tools are installed by ``scripts/install-test-tools``; when one is missing the helpers
raise :class:`ToolMissingError` (never a pytest skip), so a machine without them fails loudly.

- :func:`run_vnu` checks HTML (and CSS) files in one Java run and returns readable messages.
- :func:`run_axe` serves a folder on 127.0.0.1, opens pages in headless Chromium through
  Playwright for Python and returns axe-core's WCAG 2.0/2.1 A and AA violations per page.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
INSTALL_HINT = "run scripts/install-test-tools (from the repository root, as root)"

#: Debian's Chromium; Playwright never downloads a browser of its own here.
CHROMIUM = Path(os.environ.get("CMR_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: axe-core tags checked: WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

_VNU_MAX_ARGS_CHARS = 100_000  # file names per Java run, well below the OS argument limit
_PAGE_TIMEOUT_MS = 30_000


class ToolMissingError(RuntimeError):
    """A test tool is not installed; the message says how to install it."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is missing: {INSTALL_HINT}")


# --------------------------------------------------------------------------------------------
# Nu HTML Checker
# --------------------------------------------------------------------------------------------


@functools.cache
def vnu_jar() -> Path:
    """Path of vnu.jar from the vnu-jar npm package (whose main export is that path)."""
    jar = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
    if jar.is_file():
        return jar
    node = shutil.which("node")
    if node is not None:
        found = subprocess.run(
            [node, "-p", "String(require('vnu-jar'))"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        candidate = Path(found.stdout.strip())
        if found.returncode == 0 and candidate.is_file():
            return candidate
    raise ToolMissingError(f"the Nu HTML Checker ({jar.relative_to(ROOT)})")


@functools.cache
def java() -> str:
    found = shutil.which("java")
    if found is None:
        raise ToolMissingError("java (for the Nu HTML Checker)")
    return found


def _chunks(paths: Sequence[Path]) -> Iterator[list[str]]:
    chunk: list[str] = []
    size = 0
    for path in paths:
        name = str(path)
        if chunk and size + len(name) + 1 > _VNU_MAX_ARGS_CHARS:
            yield chunk
            chunk, size = [], 0
        chunk.append(name)
        size += len(name) + 1
    if chunk:
        yield chunk


def _display_name(url: str, cwd: Path) -> str:
    """The file a vnu message is about, relative to ``cwd`` when under it."""
    if not url.startswith("file:"):
        return url
    path = Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


def _is_error(message: dict[str, Any]) -> bool:
    return message.get("type") in ("error", "non-document-error")


def _is_warning(message: dict[str, Any]) -> bool:
    return message.get("type") == "info" and message.get("subType") == "warning"


def run_vnu(
    paths: Sequence[Path],
    *,
    warnings: bool = False,
    also_check_css: bool = True,
) -> list[str]:
    """Check ``paths`` with the Nu HTML Checker; return one line per problem, ``[]`` if none.

    Lines read ``file:line: type: message``. Errors (and checker failures such as an
    unreadable file, type ``non-document-error``) are always returned; warnings only with
    ``warnings=True``; plain info messages never. HTML and, with ``also_check_css``, ``.css``
    files are checked; other files are skipped. All files go to one Java run (several only
    when the list of names is very long), which is far faster than one run per file.
    """
    files = [Path(p) for p in paths]
    if not files:
        return []
    missing = [str(p) for p in files if not p.exists()]
    if missing:
        raise FileNotFoundError(f"run_vnu: no such file(s): {', '.join(missing)}")
    command = [
        java(),
        "-Dfile.encoding=UTF-8",
        "-Dstdout.encoding=UTF-8",
        "-Dstderr.encoding=UTF-8",
        "-jar",
        str(vnu_jar()),
        "--format",
        "json",
        "--stdout",
        "--exit-zero-always",
        "--asciiquotes",
    ]
    if also_check_css:
        command.append("--also-check-css")
    else:
        command.append("--skip-non-html")
    cwd = Path.cwd()
    problems: list[str] = []
    for chunk in _chunks(files):
        done = subprocess.run(command + chunk, capture_output=True, check=False)
        out = done.stdout.decode("utf-8", errors="replace")
        try:
            report = json.loads(out)
        except json.JSONDecodeError:
            err = done.stderr.decode("utf-8", errors="replace")
            raise RuntimeError(
                f"the Nu HTML Checker failed (exit {done.returncode}):\n{out}\n{err}".rstrip()
            ) from None
        for message in report.get("messages", []):
            if _is_error(message):
                kind = "error"
            elif warnings and _is_warning(message):
                kind = "warning"
            else:
                continue
            where = _display_name(str(message.get("url", "?")), cwd)
            line = message.get("lastLine", message.get("firstLine"))
            location = f"{where}:{line}" if line is not None else where
            text = " ".join(str(message.get("message", "")).split())
            problems.append(f"{location}: {kind}: {text}")
    return problems


# --------------------------------------------------------------------------------------------
# axe-core in Chromium
# --------------------------------------------------------------------------------------------


def axe_script() -> Path:
    script = NODE_MODULES / "axe-core" / "axe.min.js"
    if not script.is_file():
        raise ToolMissingError(f"axe-core ({script.relative_to(ROOT)})")
    return script


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any, **kwargs: Any) -> None:
        pass


@contextmanager
def serve(site_dir: Path) -> Iterator[str]:
    """Serve ``site_dir`` on 127.0.0.1 at a free port; yields the base URL (ending in /)."""
    root = str(Path(site_dir).resolve())

    def handler(*args: Any, **kwargs: Any) -> _QuietHandler:
        return _QuietHandler(*args, directory=root, **kwargs)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="axe-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _format_violation(violation: dict[str, Any], max_targets: int = 3) -> str:
    nodes = violation.get("nodes", [])
    targets = [" ".join(map(str, node.get("target", []))) for node in nodes[:max_targets]]
    more = f" (+{len(nodes) - max_targets} more)" if len(nodes) > max_targets else ""
    return (
        f"{violation.get('id')} [{violation.get('impact')}]: {violation.get('help')}"
        f" -- {', '.join(targets)}{more}"
    )


_AXE_RUN = """
async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return results.violations;
}
"""


def run_axe(
    site_dir: Path,
    pages: Sequence[str],
    *,
    tags: Sequence[str] = WCAG_TAGS,
) -> dict[str, list[str]]:
    """Run axe-core on ``pages`` of ``site_dir``; return each page's violations as lines.

    ``pages`` are URL paths relative to the site root (``"index.html"``, ``"editions/2025/"``).
    Every page in ``pages`` gets a key; an empty list means no violation. A line reads
    ``rule-id [impact]: help -- first target selectors``; a page that does not load (HTTP
    status of 400 or more) gets the line ``page-load [critical]: HTTP <status> ...``.
    The pages are served on 127.0.0.1 and opened in one headless Debian Chromium with a fresh
    profile; requests to any other host are blocked, so a page that needs the network fails.
    """
    script = axe_script()
    if not CHROMIUM.exists():
        raise ToolMissingError(f"Chromium ({CHROMIUM})")
    try:
        from playwright.sync_api import Route, sync_playwright
    except ImportError:
        raise ToolMissingError("Playwright for Python (pip package playwright)") from None

    results: dict[str, list[str]] = {}
    with serve(site_dir) as base, sync_playwright() as playwright:
        origin = base.rstrip("/")

        def local_only(route: Route) -> None:
            if route.request.url.startswith(origin + "/"):
                route.continue_()
            else:
                route.abort()

        # launch() gives the browser a fresh temporary profile (user data dir) of its own.
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(bypass_csp=True)
            context.set_default_timeout(_PAGE_TIMEOUT_MS)
            context.route("**/*", local_only)
            page = context.new_page()
            for name in pages:
                url = urllib.parse.urljoin(base, name.lstrip("/"))
                response = page.goto(url, wait_until="load")
                status = response.status if response is not None else 0
                if status >= 400:
                    results[name] = [f"page-load [critical]: HTTP {status} for {url}"]
                    continue
                page.add_script_tag(path=script)
                violations: list[dict[str, Any]] = page.evaluate(_AXE_RUN, list(tags))
                results[name] = [_format_violation(v) for v in violations]
            context.close()
        finally:
            browser.close()
    return results
