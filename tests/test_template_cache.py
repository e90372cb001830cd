"""Compiled templates are kept between builds (as `__pycache__` keeps modules): a build that
finds them gives the same bytes, a changed template is compiled again, and a cache folder
that cannot be used costs nothing but the compile."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from conftest import build_with_user_cache


def cached_templates(cache_home: Path) -> list[Path]:
    return sorted((cache_home / "cmrsite" / "templates").rglob("*.cache"))


def test_a_second_build_uses_the_compiled_templates_and_gives_the_same_bytes(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    project, cache_home = make_site(), tmp_path / "cache"
    first = build_with_user_cache(project, tmp_path / "a", cache_home)
    kept = cached_templates(cache_home)
    assert len(kept) >= 5  # base, home, archive, edition, ... each compiled once
    stamps = {path: path.stat().st_mtime_ns for path in kept}
    second = build_with_user_cache(project, tmp_path / "b", cache_home)
    assert second == first
    assert {path: path.stat().st_mtime_ns for path in cached_templates(cache_home)} == stamps
    uncached = build_with_user_cache(
        project, tmp_path / "c", tmp_path / "other", CMRSITE_NO_USER_CACHE="1"
    )
    assert uncached == first
    assert not (tmp_path / "other" / "cmrsite").exists()


def test_a_changed_template_is_compiled_again(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    project, cache_home = make_site(), tmp_path / "cache"
    build_with_user_cache(project, tmp_path / "a", cache_home)
    base = project / "templates" / "base.html"
    base.write_text(base.read_text("utf-8").replace("</body>", "<p>changed</p></body>"), "utf-8")
    changed = build_with_user_cache(project, tmp_path / "b", cache_home)
    assert b"<p>changed</p>" in changed["index.html"]


def test_a_cache_folder_that_cannot_be_written_is_not_used(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    project = make_site()
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would go", "utf-8")
    expected = build_with_user_cache(project, tmp_path / "a", tmp_path / "fine")
    assert build_with_user_cache(project, tmp_path / "b", blocked) == expected
    if os.geteuid() != 0:  # root writes anywhere
        readonly = tmp_path / "readonly"
        readonly.mkdir(mode=0o500)
        assert build_with_user_cache(project, tmp_path / "c", readonly) == expected


def test_folders_of_other_versions_do_not_pile_up(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    """Each generator version compiles into a folder of its own: a new one removes all but
    the few most recent others."""
    from cmrsite import template_cache

    cache_home = tmp_path / "cache"
    templates = cache_home / "cmrsite" / "templates"
    for age in range(7):  # folders of earlier versions, the first the most recent
        old = templates / f"version-{age}"
        old.mkdir(parents=True)
        (old / "page.cache").write_bytes(b"compiled")
        os.utime(old, ns=(10**18 - age * 10**12, 10**18 - age * 10**12))
    first = build_with_user_cache(make_site(), tmp_path / "a", cache_home)
    kept = sorted(path.name for path in templates.iterdir() if path.name.startswith("version-"))
    assert kept == [f"version-{age}" for age in range(template_cache.FOLDERS_KEPT)]
    assert len(cached_templates(cache_home)) >= 5 + template_cache.FOLDERS_KEPT
    assert build_with_user_cache(make_site(), tmp_path / "b", cache_home) == first
