"""`serve`: build, serve the output folder on 127.0.0.1, rebuild on save, reload the browser.

A thin wrapper around the build. It speaks the livereload protocol through the `livereload`
package's own pieces (its WebSocket handler and its browser client, `livereload.js`), but not
through `livereload.Server`, which cannot do what the editors need:
- its watcher polls every 0.8 s, runs the task at the first changed file of a folder without
  saying which files changed, and its `delay` delays the reload message, not the rebuild
  (MkDocs dropped it after one rebuild per changed file, their issue #2061); here
  `watchfiles` tells of each change as it happens (the system's file events), a change
  starts a quiet period, and one build gets every path changed in it (debounced);
- it drops the reload of any change saved within 3 s of the previous reload, so a quick fix
  after an error would leave the browser on the error;
- its static handler checks paths with `abspath`, so a symlink inside the output folder that
  points out of it is served; here every path is resolved (`realpath`) and must stay inside;
- it can only inject the reload script; here every HTML page also shows the last build's
  errors (file, line, message) until they are fixed, without writing them into output/.
The reload script and the error banner are added to pages as they are served: the built
site itself has no JavaScript.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import mimetypes
import os
import queue
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import watchfiles
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from tornado import web
from tornado.websocket import WebSocketHandler

from .changes import WATCHED, classify_changes, is_editor_noise
from .errors import Problem, SiteError, UsageError, errors_in
from .pipeline import Builder, Options, Report
from .writer import check_output_dir

QUIET = 0.015
"""Seconds without a further change that end a burst of changes, and start its rebuild: one
build per save, even when an editor writes a backup, a temporary file and the file itself
(a burst of a few events within a millisecond or two)."""
POLL = 0.05
"""Seconds between two looks at the stop event while no change comes."""

PrintProblems = Callable[[Sequence[Problem]], None]


# --- what the server shows: the state of the last build ----------------------------------------


@dataclass(frozen=True, slots=True)
class BuildState:
    """The outcome of the last build, read by the request handlers (replaced whole, never
    changed in place, so the watcher thread can swap it in safely)."""

    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    crash: str | None = None
    """An unexpected exception of the build, with its traceback: a bug, shown as such."""

    @property
    def failed(self) -> bool:
        return bool(self.errors) or self.crash is not None


BANNER_STYLE = (
    "position:fixed;top:0;left:0;right:0;z-index:2147483647;max-height:60vh;overflow:auto;"
    "margin:0;padding:1rem 1.25rem;background:#fff1f0;color:#1a1a1a;"
    "border-bottom:4px solid #b3261e;font:15px/1.45 system-ui,sans-serif;"
    "box-shadow:0 2px 12px rgba(0,0,0,.25)"
)
WARNINGS_STYLE = (
    "position:fixed;bottom:0;right:0;z-index:2147483646;max-width:min(48rem,100%);"
    "max-height:50vh;overflow:auto;margin:0;padding:.5rem 1rem;background:#fff8e1;"
    "color:#1a1a1a;border:2px solid #b26a00;font:14px/1.4 system-ui,sans-serif"
)
PRE_STYLE = "white-space:pre-wrap;font:13px/1.45 ui-monospace,monospace;margin:.5rem 0 0"


def banner(state: BuildState) -> str:
    """The HTML added at the top of every page while the last build failed (and, smaller,
    its warnings); empty when there is nothing to say."""
    parts: list[str] = []
    if state.failed:
        listing = "\n".join(str(p) for p in state.errors) or state.crash or ""
        title = "The build crashed" if state.crash else "The site could not be rebuilt"
        parts.append(
            f'<div id="cmrsite-build-error" role="alert" style="{BANNER_STYLE}">'
            f"<strong>{title}.</strong> You are seeing the last good version of the site. "
            "Fix the file named below and save it: this page reloads by itself."
            f'<pre style="{PRE_STYLE}">{html.escape(listing)}</pre></div>'
        )
    if state.warnings:
        count = len(state.warnings)
        listing = "\n".join(str(p) for p in state.warnings)
        parts.append(
            f'<details id="cmrsite-build-warnings" style="{WARNINGS_STYLE}">'
            f"<summary>{count} warning{'s' * (count != 1)} (errors under --strict)</summary>"
            f'<pre style="{PRE_STYLE}">{html.escape(listing)}</pre></details>'
        )
    return "".join(parts)


def reload_script(port: int) -> str:
    """livereload.js finds its server from its own URL: it must be served from the root."""
    return f'<script src="/livereload.js?port={port}"></script>'


_BODY_OPEN = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)
_HEAD_CLOSE = re.compile(rb"</head\s*>", re.IGNORECASE)


def inject(page: bytes, script: str, notice: str) -> bytes:
    """The page with the reload script at the end of its head and the notice at the start of
    its body (or at the very start and end of a page without them)."""
    body = _BODY_OPEN.search(page)
    notice_bytes = notice.encode("utf-8")
    if notice_bytes:
        page = (
            page[: body.end()] + notice_bytes + page[body.end() :] if body else notice_bytes + page
        )
    head = _HEAD_CLOSE.search(page)
    script_bytes = script.encode("utf-8")
    return (
        page[: head.start()] + script_bytes + page[head.start() :] if head else page + script_bytes
    )


def error_page() -> bytes:
    """What every URL shows when no build has ever succeeded (there is no site to fall back on)."""
    return (
        b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        b"<title>The site could not be built</title></head><body><main>"
        b"<h1>The site could not be built</h1>"
        b"<p>There is no earlier version to show. Fix the errors and save: this page reloads "
        b"by itself.</p></main></body></html>"
    )


# --- which file a URL names, never outside the output folder -----------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """What a request path resolves to."""

    kind: str
    """`file`, `redirect` (a folder named without its trailing slash), `missing` or `forbidden`."""
    path: Path | None = None
    location: str = ""


def resolve_request(raw_path: str, root: Path) -> Target:
    """The file of the output folder that a raw (percent-encoded) URL path names.

    Refused: `..` in any form (`/../`, `%2e%2e/`, `..%2f`), backslashes, NUL bytes, hidden
    files, and any path whose real location (symlinks resolved) is outside `root`.
    """
    path = unquote(raw_path)
    parts = path.split("/")
    if "\\" in path or "\0" in path or ".." in parts:
        return Target("forbidden")
    if any(part.startswith(".") for part in parts):
        return Target("missing")
    real_root = Path(os.path.realpath(root))
    candidate = Path(os.path.realpath(real_root / path.lstrip("/")))
    if not candidate.is_relative_to(real_root):
        return Target("forbidden")
    if candidate.is_dir():
        if not raw_path.endswith("/"):
            return Target("redirect", location=raw_path + "/")
        index = Path(os.path.realpath(candidate / "index.html"))
        if not index.is_relative_to(real_root):
            return Target("forbidden")
        candidate = index
    return Target("file", candidate) if candidate.is_file() else Target("missing")


# --- watching the sources ------------------------------------------------------------------------


class Watcher:
    """The changes to the watched folders (never the output, never editor noise), told by
    `watchfiles` (the system's file events; it polls where there are none), a burst of saves
    at a time: a burst ends after `quiet` seconds without a further change.

    watchfiles watches once its generator is first advanced, and then waits in it: that
    happens here in a thread of the watcher's own, and the watcher is made only once the
    folders are watched. Made before the first build, it sees a save during that build."""

    def __init__(
        self, roots: Collection[Path], exclude: Path, quiet: float = QUIET, events: bool = True
    ) -> None:
        self.roots = sorted(roots)
        self.exclude = exclude
        self._found: queue.SimpleQueue[set[Path]] = queue.SimpleQueue()
        self._closed = threading.Event()
        watching = threading.Event()
        self.thread = threading.Thread(
            target=self._run,
            args=(watching, max(1, round(quiet * 1000)), events),
            name="cmrsite-watchfiles",
            daemon=True,
        )
        self.thread.start()
        watching.wait()

    def wanted(self, change: watchfiles.Change, raw: str) -> bool:
        """watchfiles' filter: a change of the site's sources (a folder's listing changing
        is not one: its files that came and went are)."""
        path = Path(raw)
        if path.is_relative_to(self.exclude):
            return False
        if change == watchfiles.Change.modified and path.is_dir():
            return False
        for root in self.roots:
            if path.is_relative_to(root):
                return not any(is_editor_noise(p) for p in path.relative_to(root).parts)
        return False

    def _run(self, watching: threading.Event, step: int, events: bool) -> None:
        # With file events first; by polling if they cannot be had (the system's limit of
        # watched folders, say) before anything was watched. (notify's polling compares
        # modification times in whole seconds: a second save within a second may go unseen.)
        for force_polling in [None, True] if events else [True]:
            try:
                for changes in watchfiles.watch(
                    *self.roots,
                    watch_filter=self.wanted,
                    step=step,
                    stop_event=_StopEvent(watching, self._closed),
                    rust_timeout=0,  # no timeout: the stop event is asked on each step
                    force_polling=force_polling,
                    poll_delay_ms=50,
                ):
                    self._found.put({Path(path) for _, path in changes})
                return
            except Exception as error:
                if watching.is_set() or force_polling:
                    log(f"stopped watching the sources ({error}): saves are not rebuilt")
                    watching.set()
                    return

    def wait(self, stop: threading.Event) -> set[Path] | None:
        """Every path changed in the next burst (and in any found meanwhile), or None when
        asked to stop."""
        while not stop.is_set():
            try:
                changed = self._found.get(timeout=POLL)
            except queue.Empty:
                continue
            with contextlib.suppress(queue.Empty):
                while True:
                    changed |= self._found.get_nowait()
            return changed
        return None

    def close(self) -> None:
        """Stop watching (within one step)."""
        self._closed.set()


@dataclass(frozen=True, slots=True)
class _StopEvent:
    """What watchfiles asks on each step (whether to stop); asked, it watches already."""

    watching: threading.Event
    closed: threading.Event

    def is_set(self) -> bool:
        self.watching.set()
        return self.closed.is_set()


# --- the server ----------------------------------------------------------------------------------


class ReloadSocket(LiveReloadHandler):  # type: ignore[misc]
    """livereload's WebSocket end of the protocol, open to pages of this server only."""

    def check_origin(self, origin: str) -> bool:
        # livereload allows any origin; tornado's own default allows the same origin only.
        return bool(WebSocketHandler.check_origin(self, origin))

    @classmethod
    def reload_all(cls) -> None:
        """Tell every open page to reload (a full reload: the error banner may come or go)."""
        message = {"command": "reload", "path": "*", "liveCSS": False, "liveImg": False}
        for waiter in list(LiveReloadHandler.waiters):
            try:
                waiter.write_message(message)
            except Exception:  # a page that went away while we wrote
                LiveReloadHandler.waiters.discard(waiter)


class SiteHandler(web.RequestHandler):
    """Files of the output folder, with the reload script and the build's errors added to pages."""

    def initialize(self, server: DevServer) -> None:
        self.server = server

    async def get(self, _: str) -> None:
        await self._swapped_in()
        self._serve(include_body=True)

    async def head(self, _: str) -> None:
        await self._swapped_in()
        self._serve(include_body=False)

    async def _swapped_in(self) -> None:
        """A build swaps the new output in by two renames: a request that falls between them
        waits for the second instead of seeing no site."""
        for _ in range(25):
            if self.server.root.is_dir() or not self.server.built_once:
                return
            await asyncio.sleep(0.02)

    def _serve(self, include_body: bool) -> None:
        root = self.server.root
        if not root.is_dir():
            # No build has ever succeeded: there is no site to show, only the errors.
            self._send(503, error_page(), "text/html", include_body)
            return
        target = resolve_request(self.request.path, root)
        if target.kind == "redirect":
            query = f"?{self.request.query}" if self.request.query else ""
            self.redirect(target.location + query)
            return
        if target.kind == "forbidden":
            self._send(403, b"Forbidden: outside the site\n", "text/plain", include_body)
            return
        status, file = 200, target.path
        if file is None:
            status, file = 404, resolve_request("/404.html", root).path
        if file is None:
            self._send(404, b"Not found\n", "text/plain", include_body)
            return
        mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self._send(status, file.read_bytes(), mime, include_body)

    def _send(self, status: int, data: bytes, mime: str, include_body: bool) -> None:
        if mime == "text/html":
            data = inject(data, reload_script(self.server.port), banner(self.server.state))
        self.set_status(status)
        if mime.startswith("text/") or mime in ("application/json", "application/xml"):
            mime += "; charset=utf-8"
        self.set_header("Content-Type", mime)
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Length", str(len(data)))
        if include_body:
            self.write(data)


def preview_options(options: Options, host: str, port: int) -> Options:
    """The build options of a preview: unless --base-url is given, the site's URLs point at
    the server (as `zola serve` does), so canonical links and the 404 page work locally."""
    if options.base_url is not None:
        return options
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return replace(options, base_url=f"http://{shown}:{port}/")


@dataclass
class DevServer:
    """Build once, serve, and rebuild on each burst of changes; `serve` runs it."""

    options: Options
    host: str = "127.0.0.1"
    port: int = 8000
    print_problems: PrintProblems = lambda problems: None
    quiet: float = QUIET
    state: BuildState = field(default_factory=BuildState)
    on_built: Callable[[BuildState], None] | None = None
    """Called after each build (for benchmarks and tests)."""
    events: bool = True
    """Use the system's file events where there are (False: always poll, every 50 ms)."""

    def __post_init__(self) -> None:
        self.root = check_output_dir(self.options.output_dir, self.options.project)
        self.builder = Builder(self.options)
        self.pending: set[Path] = set()
        """Paths changed since the last good build: a failed build does not consume them."""
        self.built_once = False
        self.stop = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None

    # The build, run at start and then by the watcher thread.

    def build(self, changed: set[Path] | None) -> BuildState:
        if changed is not None:
            self.pending |= changed
        started = time.perf_counter()
        # Until one build succeeded, every build is a full one.
        paths = sorted(self.pending) if changed is not None and self.built_once else None
        try:
            report = self.builder.build(paths)
        except SiteError as error:
            self.state = BuildState(errors=tuple(errors_in(error.problems)))
            self.print_problems(error.problems)
            log(f"build failed ({len(self.state.errors)} errors): still serving the last good site")
        except UsageError as error:
            self.state = BuildState(errors=(Problem("output", 0, 0, str(error)),))
            log(f"build failed: {error}")
        except Exception:
            self.state = BuildState(crash=traceback.format_exc())
            log("the build crashed (a bug in the generator, not in your files):")
            print(self.state.crash, file=sys.stderr)
        else:
            self.pending.clear()
            # Reminders (`info`) once, at start; errors and warnings after every build.
            shown = [p for p in report.problems if p.severity != "info" or not self.built_once]
            self.built_once = True
            self.state = _state_of(report)
            self.print_problems(shown)
            log(f"built in {time.perf_counter() - started:.2f} s{_changes_note(changed, self)}")
        if self.on_built is not None:
            self.on_built(self.state)
        return self.state

    def watcher(self) -> Watcher:
        """A watcher of the project's sources (watching once made)."""
        project = self.options.project
        roots = [project / name for name in WATCHED if (project / name).is_dir()]
        return Watcher(roots, self.root, self.quiet, self.events)

    def watch(self, watcher: Watcher | None = None) -> None:
        """Rebuild on each burst of changes until stopped. Give the watcher made before the
        first build: a save during that build is then seen (a quick rebuild trusts that it
        is told of every change)."""
        watcher = watcher or self.watcher()
        try:
            self._warm()
            self._watch(watcher)
        finally:
            watcher.close()

    def _warm(self) -> None:
        """After a first build that found the output up to date (and so started serving at
        once), load the site for quick rebuilds while nobody saves yet. A save meanwhile is
        seen by the watcher (made before the first build) and rebuilt after."""
        if not self.built_once:
            return  # the first build failed: the next save makes a full build anyway
        try:
            self.builder.warm()
        except (SiteError, UsageError):
            pass  # something changed meanwhile: the save's build says what
        except Exception:
            log("could not prepare quick rebuilds (each save will make a full build):")
            print(traceback.format_exc(), file=sys.stderr)

    def _watch(self, watcher: Watcher) -> None:
        project = self.options.project
        while True:
            changed = watcher.wait(self.stop)
            if changed is None:
                return
            if not classify_changes(changed, project):
                continue  # only editor noise: swap files, backups
            self.build(changed)
            if self.loop is not None:
                self.loop.call_soon_threadsafe(ReloadSocket.reload_all)
            # The build cache's record on disk, after the reload: not in the save-to-page time.
            self.builder.flush()

    # The server.

    def application(self) -> web.Application:
        return web.Application(
            [
                (r"/livereload", ReloadSocket),
                (r"/livereload\.js", LiveReloadJSHandler),
                (r"/(.*)", SiteHandler, {"server": self}),
            ],
            compress_response=False,
        )

    async def run(self) -> None:
        self.loop = asyncio.get_running_loop()
        try:
            self.application().listen(self.port, address=self.host)
        except OSError as error:
            raise UsageError(
                f"cannot listen on {self.host}:{self.port}: {error.strerror} "
                f"(another server? try --port {self.port + 1})"
            ) from None
        changes = self.watcher()  # before the first build, which may take a while
        self.build(None)
        stopped = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            self.loop.add_signal_handler(signum, stopped.set)
        watcher = threading.Thread(
            target=self.watch, args=(changes,), name="cmrsite-watch", daemon=True
        )
        watcher.start()
        log(
            f"serving {_shown(self.root, self.options.project)}/ at {self.url} "
            f"(Ctrl+C to stop); watching {', '.join(n + '/' for n in WATCHED)}"
        )
        if self.options.base_url and self.options.base_url.startswith("http://"):
            log("output/ holds a preview build: run `python build.py` before publishing it")
        await stopped.wait()
        self.stop.set()
        watcher.join(timeout=30)  # let a build in progress finish its swap
        if not watcher.is_alive():
            self.builder.flush()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


def _state_of(report: Report) -> BuildState:
    warnings = tuple(sorted(p for p in report.problems if p.severity == "warning"))
    return BuildState(warnings=warnings)


def _changes_note(changed: set[Path] | None, server: DevServer) -> str:
    if changed is None:
        return ""
    kinds = classify_changes(changed, server.options.project)
    shown = [f"{_shown(p, server.options.project)}" for paths in kinds.values() for p in paths]
    more = f" and {len(shown) - 3} more" if len(shown) > 3 else ""
    return f" after {', '.join(k.value for k in kinds)} change: {', '.join(shown[:3])}{more}"


def _shown(path: Path, project: Path) -> str:
    return path.relative_to(project).as_posix() if path.is_relative_to(project) else str(path)


def log(message: str) -> None:
    print(message, flush=True)


def serve(
    options: Options, host: str, port: int, print_problems: PrintProblems, **tuning: Any
) -> None:
    """Build, serve and watch until interrupted (Ctrl+C or SIGTERM)."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        log(f"warning: serving on {host}: other machines on the network can see the preview")
    mimetypes.add_type("text/calendar", ".ics")
    mimetypes.add_type("application/xml", ".xml")
    server = DevServer(preview_options(options, host, port), host, port, print_problems, **tuning)
    asyncio.run(server.run())
