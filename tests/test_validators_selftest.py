"""The validator helpers must be able to fail: a clean page passes, a broken one does not."""

from __future__ import annotations

from pathlib import Path

import pytest
import validators
from validators import ToolMissingError, run_axe, run_vnu

GOOD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>A valid page</title>
<link rel="stylesheet" href="good.css">
</head>
<body>
<header><p><a href="#main">Skip to content</a></p></header>
<main id="main">
<h1>Clusters meet Regions</h1>
<p>Plain dark text on a white background.</p>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="A dot" width="1" height="1">
</main>
</body>
</html>
"""

BAD = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>A broken page</title>
</head>
<body>
<main>
<h1 id="twice">Broken</h1>
<p id="twice" style="color: #c8c8c8; background: #ffffff">Faint text nobody can read.</p>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
</div>
</main>
</body>
</html>
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    (root / "good.html").write_text(GOOD, encoding="utf-8")
    (root / "good.css").write_text("body { color: #111; background: #fff; }\n", encoding="utf-8")
    (root / "bad.html").write_text(BAD, encoding="utf-8")
    (root / "bad.css").write_text("p { color: nocolor; }\n", encoding="utf-8")
    (root / "sub").mkdir()
    (root / "sub" / "index.html").write_text(GOOD, encoding="utf-8")
    return root


def test_vnu_passes_a_valid_page(site: Path) -> None:
    assert run_vnu([site / "good.html", site / "good.css"], warnings=True) == []


def test_vnu_reports_errors_of_the_broken_files_only(site: Path) -> None:
    files = [site / "good.html", site / "bad.html", site / "good.css", site / "bad.css"]
    errors = run_vnu(files)
    assert errors, "vnu found no error in bad.html"
    assert all("bad.html:" in e or "bad.css:" in e for e in errors), errors
    assert all(": error: " in e for e in errors), errors
    text = "\n".join(errors)
    assert "bad.html:10: error:" in text and "alt" in text, errors  # <img> without alt
    assert "Duplicate ID" in text, errors
    assert "Stray end tag" in text, errors
    assert "bad.css:1: error:" in text, errors  # --also-check-css checks stylesheets


def test_vnu_warnings_are_opt_in(site: Path) -> None:
    errors = run_vnu([site / "bad.html"], also_check_css=False)
    with_warnings = run_vnu([site / "bad.html"], warnings=True, also_check_css=False)
    warnings = [w for w in with_warnings if ": warning: " in w]
    assert not any(": warning: " in e for e in errors)
    assert any("lang" in w for w in warnings), with_warnings  # missing lang is a vnu warning


def test_axe_passes_clean_pages_and_flags_broken_ones(site: Path) -> None:
    found = run_axe(site, ["good.html", "/sub/", "bad.html", "missing.html"])
    assert set(found) == {"good.html", "/sub/", "bad.html", "missing.html"}
    assert found["good.html"] == []
    assert found["/sub/"] == []
    rules = {line.split(" ", 1)[0] for line in found["bad.html"]}
    assert {"image-alt", "html-has-lang", "color-contrast"} <= rules, found["bad.html"]
    image_alt = next(line for line in found["bad.html"] if line.startswith("image-alt "))
    assert "[critical]" in image_alt and "img" in image_alt, image_alt
    assert found["missing.html"] == [
        f"page-load [critical]: HTTP 404 for {found['missing.html'][0].rsplit(' ', 1)[1]}"
    ]


def test_missing_tools_raise_with_install_hint(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validators, "CHROMIUM", site / "no-such-chromium")
    with pytest.raises(ToolMissingError, match="scripts/install-test-tools"):
        run_axe(site, ["good.html"])
