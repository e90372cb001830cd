"""The methods `dataclasses` writes for each class, compiled once per interpreter and kept.

`@dataclass` writes the source of each class's `__init__`, `__repr__`, `__eq__`, `__hash__`
... and compiles it when the class is made: the package's classes cost some 20 ms of
compiling at every start, as much as building a small site's pages. While the command line
runs, `dataclasses` is given an `exec` that takes the code of each source from the user's
cache (see `user_cache`), keyed by the exact text, in a file named by the interpreter's
bytecode version and optimisation level, as Python keeps compiled modules in `__pycache__`.
Compiling the same text gives the same code: the classes are the same. A damaged or foreign
file is ignored.
"""

from __future__ import annotations

import builtins
import dataclasses
import importlib.util
import marshal
import sys
from types import CodeType
from typing import Any

from . import user_cache

_compiled: dict[str, CodeType] = {}
_new: dict[str, CodeType] = {}
"""Sources compiled by this run, not kept yet."""


_FORMAT = 2
"""Of the kept code: 2 since sources are compiled without this module's `__future__` imports
(as `dataclasses` compiles them); files of another format are not read."""


def _file_name() -> str:
    version = f"{importlib.util.MAGIC_NUMBER.hex()}-O{sys.flags.optimize}-v{_FORMAT}"
    return f"dataclasses/{sys.implementation.cache_tag}-{version}.marshal"


def install() -> None:
    """Compile the methods of the classes made from now on through the cache."""
    if not user_cache.enabled():
        return  # dataclasses compiles them, as on its own
    payload = user_cache.load(_file_name())
    if payload is not None:
        try:
            kept = marshal.loads(payload)
        except (EOFError, ValueError, TypeError):
            kept = None
        if isinstance(kept, dict) and all(
            isinstance(source, str) and isinstance(code, CodeType) for source, code in kept.items()
        ):
            _compiled.update(kept)
    dataclasses.exec = _exec  # type: ignore[attr-defined]  # found before the builtin


def uninstall(keep: bool = True) -> None:
    """Give `dataclasses` its `exec` back; with `keep`, keep what this run compiled."""
    if getattr(dataclasses, "exec", None) is _exec:
        del dataclasses.exec  # type: ignore[attr-defined]
    if keep and _new:
        user_cache.keep(_file_name(), marshal.dumps(_compiled))
        _new.clear()


def _exec(source: Any, globals: Any = None, locals: Any = None) -> None:
    if isinstance(source, str):
        code = _compiled.get(source)
        if code is None:
            # As `exec` compiles a text: without this module's `from __future__` imports.
            code = compile(source, "<string>", "exec", dont_inherit=True)
            _new[source] = _compiled[source] = code
        source = code
    builtins.exec(source, globals, locals)
