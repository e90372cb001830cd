"""The methods of dataclasses compiled through the kept code are the very code compiling
gives; the file is written once, ignored when damaged, and `dataclasses` gets its own `exec`
back after a run."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import build_with_user_cache, clean_env, damage_kept_file

SCRIPT = """
import dataclasses, json, marshal, os, sys, hashlib
from cmrsite import dataclass_cache
if not os.environ.get("PLAIN"):  # else dataclasses compiles as it does on its own
    dataclass_cache.install()
import cmrsite.pipeline, cmrsite.checks, cmrsite.publish, cmrsite.serve, cmrsite.rebuild
dataclass_cache.uninstall()
assert not hasattr(dataclasses, "exec")
found = {}
for name, module in sorted(sys.modules.items()):
    if not name.startswith("cmrsite"):
        continue
    for cls in vars(module).values():
        if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == name:
            for method, value in sorted(vars(cls).items()):
                code = getattr(value, "__code__", None)
                if code is not None and code.co_filename == "<string>":
                    key = f"{name}.{cls.__name__}.{method}"
                    made = (marshal.dumps(code), repr(getattr(value, "__annotations__", {})))
                    found[key] = hashlib.sha256(repr(made).encode()).hexdigest()
print(json.dumps(found))
"""


def generated_code(cache_home: Path, **extra: str) -> dict[str, str]:
    env = clean_env(XDG_CACHE_HOME=str(cache_home), **extra)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, str] = json.loads(done.stdout)
    return result


def kept_file(cache_home: Path) -> Path:
    (found,) = (cache_home / "cmrsite" / "dataclasses").glob("*.marshal")
    return found


def test_kept_code_is_the_code_compiling_gives(tmp_path: Path) -> None:
    cache_home = tmp_path / "cache"
    compiled = generated_code(tmp_path / "plain", PLAIN="1")  # dataclasses on its own
    assert len(compiled) > 100  # __init__, __repr__, __eq__... of some forty classes
    assert generated_code(tmp_path / "none", CMRSITE_NO_USER_CACHE="1") == compiled
    assert not (tmp_path / "none" / "cmrsite").exists()
    first = generated_code(cache_home)  # compiled and kept
    stamp = kept_file(cache_home).stat().st_mtime_ns
    second = generated_code(cache_home)  # taken from the file
    assert first == compiled
    assert second == compiled
    assert kept_file(cache_home).stat().st_mtime_ns == stamp


@pytest.mark.parametrize("damage", ["flip", "truncate", "not code"])
def test_a_damaged_file_is_ignored_and_replaced(tmp_path: Path, damage: str) -> None:
    import marshal

    cache_home = tmp_path / "cache"
    compiled = generated_code(cache_home)
    kept = kept_file(cache_home)
    # foreign: whole, by its hash, but not sources and their code
    data = damage_kept_file(kept, damage, marshal.dumps({"def f(): pass": "not code"}))
    assert generated_code(cache_home) == compiled
    assert kept.read_bytes() != data  # written again
    assert generated_code(cache_home) == compiled


def test_a_build_with_kept_code_gives_the_same_bytes(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    project, cache_home = make_site(), tmp_path / "cache"
    first = build_with_user_cache(project, tmp_path / "a", cache_home)
    assert kept_file(cache_home).is_file()
    assert build_with_user_cache(project, tmp_path / "b", cache_home) == first
    without = build_with_user_cache(
        project, tmp_path / "c", tmp_path / "none", CMRSITE_NO_USER_CACHE="1"
    )
    assert without == first
