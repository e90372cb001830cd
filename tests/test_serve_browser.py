"""The editor's loop in a real browser (headless Debian Chromium through Playwright): the open
page follows each save by itself; a broken record shows its file and line on the page, and
fixing it brings the site back. The test never reloads the page."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from servehelp import Served, serving
from validators import CHROMIUM, CHROMIUM_ARGS

playwright_api = pytest.importorskip("playwright.sync_api")
Page = playwright_api.Page
expect = playwright_api.expect

TIMEOUT_MS = 20_000
CONNECTED = (
    "() => !!(window.LiveReload && window.LiveReload.connector"
    " && window.LiveReload.connector.protocol > 0)"
)


@pytest.fixture
def browser_page() -> Iterator[Page]:
    with playwright_api.sync_playwright() as playwright:
        # launch() gives the browser a fresh temporary profile (user data dir) of its own.
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def wait_connected(page: Page) -> None:
    """The page's livereload client has shaken hands with the server (after each reload)."""
    page.wait_for_function(CONNECTED)
    time.sleep(0.2)  # the client's `info` message, which registers it, follows the handshake


def save(path: Path, text: str, served: Served) -> int:
    mark = len(served.lines)
    path.write_text(text, encoding="utf-8")
    return mark


def test_the_open_page_follows_edits_errors_and_fixes(
    make_site: Callable[..., Path], browser_page: Page
) -> None:
    project = make_site()
    summary = project / "content" / "editions" / "iasi-2023.md"
    editions = project / "data" / "editions.yaml"
    good_records = editions.read_text(encoding="utf-8")
    navigations: list[str] = []
    page = browser_page
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    with serving(project) as served:
        page.goto(served.url + "editions/iasi-2023/")
        expect(page.locator("main")).to_contain_text("A summary of Iași.")
        wait_connected(page)

        # 1. Edit the summary: the page shows the new text by itself.
        mark = save(summary, "---\ntitle: Iași in short\n---\nA rewritten summary.\n", served)
        expect(page.locator("main")).to_contain_text("A rewritten summary.")
        assert "after content change: content/editions/iasi-2023.md" in served.log
        served.wait_for(r"^built in ", after=mark)
        wait_connected(page)

        # 2. Break the record: the error, with its file and line, is on the page, over the
        # last good site.
        broken = good_records.replace(
            "  start: 2023-11-21\n", "  start: 2023-11-21\n  partcipants: 5\n"
        )
        save(editions, broken, served)
        error = page.locator("#cmrsite-build-error")
        expect(error).to_contain_text("data/editions.yaml:5:3: error: unknown field `partcipants`")
        expect(error).to_contain_text("did you mean `participants`?")
        expect(page.locator("main")).to_contain_text("A rewritten summary.")
        wait_connected(page)

        # 3. Fix it: the site comes back, without the error.
        save(editions, good_records, served)
        expect(page.locator("#cmrsite-build-error")).to_have_count(0)
        expect(page.locator("main")).to_contain_text("A rewritten summary.")

    # The page moved on its own (livereload), once per build; the test never reloaded it.
    assert len(navigations) >= 4, navigations
    for built in (project / "output").rglob("*.html"):
        text = built.read_text(encoding="utf-8")
        assert "livereload" not in text and "cmrsite-build-error" not in text, built
