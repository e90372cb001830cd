"""Babel's locale data kept merged in the user's cache gives the same dates and countries as
Babel loading it, and a damaged file is made again."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import clean_env, damage_kept_file

LANGUAGES = ["en-GB", "en", "de", "fr", "ro", "pl", "pt-BR", "sr-Latn"]

SCRIPT = """
import json, sys
from datetime import date
from cmrsite import dates, locale_cache
from cmrsite.model import DateRange
found = {}
for language in sys.argv[1:]:
    locale = locale_cache.locale(language)
    found[language] = [
        dates.format_day(date(2024, 2, 29), language),
        dates.format_month_year(date(2023, 11, 1), language),
        dates.format_range(DateRange(date(2023, 11, 21), date(2023, 11, 23)), language),
        dates.format_range(DateRange(date(2022, 11, 30), date(2022, 12, 1)), language),
        dates.format_range(DateRange(date(2023, 12, 30), date(2024, 1, 2)), language),
        sorted(locale.territories),
        locale.territories.get("RO"),
        locale.get_display_name(),
        str(locale.number_symbols["latn"]["decimal"]),
    ]
print(json.dumps(found))
"""


def formatted(cache_home: Path, **extra: str) -> dict[str, list[object]]:
    env = clean_env(XDG_CACHE_HOME=str(cache_home), **extra)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *LANGUAGES],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, list[object]] = json.loads(done.stdout)
    return result


def kept_files(cache_home: Path) -> list[Path]:
    return sorted((cache_home / "cmrsite" / "locales").glob("*.pickle"))


def test_kept_locale_data_gives_what_babel_gives(tmp_path: Path) -> None:
    cache_home = tmp_path / "cache"
    babel_alone = formatted(tmp_path / "none", CMRSITE_NO_USER_CACHE="1")
    assert not (tmp_path / "none" / "cmrsite").exists()
    assert babel_alone["en-GB"][:3] == ["29 February 2024", "November 2023", "21–23 November 2023"]
    first = formatted(cache_home)  # made and kept
    assert len(kept_files(cache_home)) == len(LANGUAGES)
    stamps = [path.stat().st_mtime_ns for path in kept_files(cache_home)]
    second = formatted(cache_home)  # read from the cache
    assert first == babel_alone
    assert second == babel_alone
    assert [path.stat().st_mtime_ns for path in kept_files(cache_home)] == stamps


@pytest.mark.parametrize("damage", ["flip", "truncate", "not entries"])
def test_a_damaged_file_is_made_again(tmp_path: Path, damage: str) -> None:
    import pickle

    cache_home = tmp_path / "cache"
    expected = formatted(cache_home)
    for path in kept_files(cache_home):
        # foreign: whole, by its hash, but not what this module keeps
        damage_kept_file(path, damage, pickle.dumps({"months": "not pickled"}))
    assert formatted(cache_home) == expected
    assert formatted(cache_home) == expected


def test_kept_data_behaves_as_a_mapping() -> None:
    import pickle

    from cmrsite.locale_cache import KeptLocaleData

    data = KeptLocaleData({"a": pickle.dumps({"x": 1}), "b": pickle.dumps([2])})
    assert len(data) == 2
    assert data["a"] == {"x": 1}
    assert sorted(data) == ["a", "b"]
    data["c"] = 3
    del data["b"]
    assert data.copy() == {"a": {"x": 1}, "c": 3}
    assert data.get("b") is None
    with pytest.raises(KeyError):
        data["b"]
