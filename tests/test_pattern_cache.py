"""Regular expressions compiled by an earlier run are put back into `re`'s cache: each is
the very pattern `re` compiles (same text, flags and engine code), a build that uses them
gives the same bytes, and a damaged or foreign file is ignored."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import build_with_user_cache, clean_env, damage_kept_file

from cmrsite import pattern_cache

KEPT = "cmrsite/patterns"


def kept_file(cache_home: Path) -> Path:
    (found,) = (cache_home / KEPT).glob("*.marshal")
    return found


def test_every_pattern_a_build_compiles_is_remade_equal() -> None:
    import ftfy.badness  # noqa: F401 - the largest pattern a build compiles
    import jinja2  # noqa: F401
    import yaml  # noqa: F401

    import cmrsite.pipeline  # noqa: F401

    cache = re._cache  # type: ignore[attr-defined]
    patterns = [(key, pattern) for key, pattern in cache.items() if key[0] in (str, bytes)]
    assert len(patterns) > 50
    for key, pattern in patterns:
        entry = pattern_cache._entry(key, pattern)
        assert entry is not None, key
        remade_key, remade = pattern_cache._remade(entry)
        assert remade_key == key
        assert remade == pattern
        assert (remade.flags, remade.groupindex, remade.groups) == (
            pattern.flags,
            pattern.groupindex,
            pattern.groups,
        )


def test_a_pattern_with_other_code_is_not_equal() -> None:
    """The check `_entry` relies on: patterns compare by their engine code too."""
    import _sre

    words, digits = re.compile("[a-z]+"), re.compile("[0-9]+")
    entry = pattern_cache._entry((str, "[a-z]+", 0), words)
    assert entry is not None
    other = pattern_cache._entry((str, "[0-9]+", 0), digits)
    assert other is not None
    text, _, final, _, groups, groupindex, indexgroup = entry
    forged = _sre.compile(text, final, other[3], groups, groupindex, indexgroup)
    assert forged != words


def test_the_first_run_keeps_the_patterns_and_later_runs_use_them(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    project, cache_home = make_site(), tmp_path / "cache"
    first = build_with_user_cache(project, tmp_path / "a", cache_home)
    kept = kept_file(cache_home)
    stamp = kept.stat().st_mtime_ns
    second = build_with_user_cache(project, tmp_path / "b", cache_home)
    assert second == first
    assert kept.stat().st_mtime_ns == stamp  # nothing new to keep: not written again
    without = build_with_user_cache(
        project, tmp_path / "c", tmp_path / "none", CMRSITE_NO_USER_CACHE="1"
    )
    assert without == first
    assert not (tmp_path / "none" / "cmrsite").exists()


def test_kept_patterns_are_not_compiled_again(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    cache_home = tmp_path / "cache"
    build_with_user_cache(make_site(), tmp_path / "a", cache_home)
    script = (
        "import re, re._compiler as c\n"
        "from cmrsite import pattern_cache\n"
        "pattern_cache.load()\n"
        "compiled = []\n"
        "real = c.compile\n"
        "c.compile = lambda p, flags=0: compiled.append(p) or real(p, flags)\n"
        "import jinja2, cmrsite.pipeline, cmrsite.plain_yaml\n"
        "print(len(pattern_cache._loaded), len(compiled))\n"
    )
    env = clean_env(XDG_CACHE_HOME=str(cache_home))
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    loaded, compiled = map(int, done.stdout.split())
    assert loaded > 50
    assert compiled == 0


@pytest.mark.parametrize("damage", ["flip", "truncate", "foreign"])
def test_a_damaged_file_is_ignored_and_replaced(
    make_site: Callable[..., Path], tmp_path: Path, damage: str
) -> None:
    import marshal

    project, cache_home = make_site(), tmp_path / "cache"
    first = build_with_user_cache(project, tmp_path / "a", cache_home)
    kept = kept_file(cache_home)
    # foreign: the right hash over entries this interpreter cannot make
    data = damage_kept_file(kept, damage, marshal.dumps([("x", 0, 0, [1, 2, 3], 0, {}, ())]))
    assert build_with_user_cache(project, tmp_path / "b", cache_home) == first
    assert kept.read_bytes() != data  # written again, whole
    assert build_with_user_cache(project, tmp_path / "c", cache_home) == first
