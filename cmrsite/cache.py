"""The build cache: what the last build of an output folder was made from, and what it wrote.

It is never trusted blindly. A build is skipped only when its *build key* matches: the
content hash of every input file (data/, content/, templates/), the options, the site's own
code and the versions of the libraries it uses. A page is re-rendered unless its own key (a
fingerprint of its template and context under the same site-wide key) matches, and a file of
the old output is reused only while its size, mtime and inode are still those recorded.
Everything lives in `.cache/cmrsite/` of the project (git-ignored); deleting it is always safe.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import operator
import os
import pickle
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

FORMAT = 1
"""Bumped whenever the cache's layout or meaning changes: older caches are then ignored."""

CACHE_DIR = ".cache/cmrsite"
INPUT_FOLDERS = ("data", "content", "templates")
LIBRARIES = (
    "jinja2",
    "markupsafe",
    "markdown-it-py",
    "mdit-py-plugins",
    "markdown-it-pyrs",
    "pyyaml",
    "babel",
    "anyascii",
    "ftfy",
)
"""Distributions whose code shapes the output: a new version invalidates every page."""


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def library_versions() -> str:
    """Python's and every output-shaping library's version (`-` when not installed)."""
    installed = installed_versions()
    versions = [f"python={sys.version}"]
    for name in LIBRARIES:
        version = installed.get(normalise(name))
        if version is None:  # not from a wheel's `.dist-info` folder: ask the slow way
            from importlib import metadata

            try:
                version = metadata.version(name)
            except metadata.PackageNotFoundError:
                version = "-"
        versions.append(f"{name}={version}")
    return ";".join(versions)


def installed_versions() -> dict[str, str]:
    """The version of each distribution on `sys.path` (the first found, as importing finds
    it), by normalised name, from its `NAME-VERSION.dist-info` folder name: what
    `importlib.metadata` would read, without importing it (20 ms of every build's start)."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            if folder.endswith(".dist-info"):
                name, _, version = folder.removesuffix(".dist-info").partition("-")
                found.setdefault(normalise(name), version)
    return found


def normalise(name: str) -> str:
    """`PyYAML`, `markdown-it-py` -> `pyyaml`, `markdown_it_py` (PEP 503, with underscores)."""
    return re.sub(r"[-_.]+", "_", name).lower()


@functools.cache  # the code does not change while a process runs
def code_digest() -> str:
    """The package's own source: a change to the generator invalidates everything it made."""
    package = Path(__file__).parent
    hasher = hashlib.blake2b(digest_size=16)
    for path in sorted(package.glob("*.py")):
        hasher.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return hasher.hexdigest()


def files_digest(root: Path, folders: Iterable[str] = INPUT_FOLDERS) -> str:
    """Content hash of every file under the given folders of `root`, with their paths."""
    hasher = hashlib.blake2b(digest_size=16)
    for folder in folders:
        base = root / folder
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                try:
                    with open(path, "rb") as file:
                        data = file.read()
                except OSError:
                    data = b"\0unreadable"
                hasher.update(os.path.relpath(path, root).encode() + b"\0")
                hasher.update(hashlib.blake2b(data, digest_size=16).digest())
    return hasher.hexdigest()


# --- fingerprints of page contexts ---------------------------------------------------------

_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]] | None] = {}


def _getter(cls: type) -> Callable[[Any], tuple[Any, ...]] | None:
    if cls not in _GETTERS:
        getter: Callable[[Any], tuple[Any, ...]] | None = None
        if dataclasses.is_dataclass(cls):
            names = [f.name for f in dataclasses.fields(cls)]
            many = operator.attrgetter(*names) if names else None
            if len(names) == 1:

                def getter(obj: Any, name: str = names[0]) -> tuple[Any, ...]:
                    return (getattr(obj, name),)
            elif many is not None:
                getter = many
        _GETTERS[cls] = getter
    return _GETTERS[cls]


class _Fingerprinter(pickle.Pickler):
    """Pickle, with dataclasses reduced to their class and field values (fast, and the same
    for equal values). Equal bytes mean equal values; unpicklable contexts have no key."""

    def reducer_override(self, obj: Any) -> Any:
        getter = _getter(type(obj))
        if getter is None:
            return NotImplemented
        return (type(obj), (getter(obj),))


def fingerprint(*values: object) -> str | None:
    """A stable key for values (None when they cannot be fingerprinted: never cached)."""
    buffer = io.BytesIO()
    try:
        _Fingerprinter(buffer, protocol=5).dump(values)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return None
    return digest(buffer.getvalue())


# --- the record of one output folder ----------------------------------------------------------


class FileRecord(NamedTuple):
    """One file of the output as the last build left it. (A tuple: a build records one per
    file, 20,000 at 10,000 editions, made several times faster than a frozen dataclass.)"""

    digest: str
    """Content hash of the file's bytes."""
    size: int
    mtime_ns: int
    inode: int
    key: str = ""
    """What it was made from (a page's fingerprint, a copied file's signature); "" if unknown."""

    def matches(self, stat: os.stat_result) -> bool:
        return (
            stat.st_size == self.size
            and stat.st_mtime_ns == self.mtime_ns
            and stat.st_ino == self.inode
        )


@dataclass(slots=True)
class Manifest:
    """What one build of one output folder was made from and wrote."""

    build_key: str = ""
    files: dict[str, FileRecord] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)
    """The warnings of that build, printed again when the build is skipped."""

    def valid(self, out: Path, relative: str) -> FileRecord | None:
        """The record of `relative`, if the file in `out` is still the one it describes."""
        record = self.files.get(relative)
        if record is None:
            return None
        try:
            stat = os.stat(out / relative)
        except OSError:
            return None
        return record if record.matches(stat) else None

    def intact(self, out: Path) -> bool:
        """Whether the output holds exactly the recorded files, none of them touched."""
        if not self.files or not out.is_dir():
            return False
        if any(self.valid(out, relative) is None for relative in self.files):
            return False
        count = sum(len(names) for _, _, names in os.walk(out))
        return count == len(self.files)


def manifest_path(project: Path, out: Path) -> Path:
    name = hashlib.blake2b(str(out).encode(), digest_size=8).hexdigest()
    return project / CACHE_DIR / f"output-{name}.json"


def load_manifest(project: Path, out: Path) -> Manifest:
    """The record of the last build of `out`, or an empty one (a cold build)."""
    try:
        raw = json.loads(manifest_path(project, out).read_text("utf-8"))
        if raw.get("format") != FORMAT or raw.get("out") != str(out):
            return Manifest()
        files = {name: FileRecord(*values) for name, values in raw["files"].items()}
        return Manifest(raw["build_key"], files, raw["problems"])
    except (OSError, ValueError, KeyError, TypeError):
        return Manifest()


def save_manifest(project: Path, out: Path, manifest: Manifest) -> None:
    """Write the record atomically; a cache that cannot be written is only a slower next build."""
    path = manifest_path(project, out)
    data = {
        "format": FORMAT,
        "out": str(out),
        "build_key": manifest.build_key,
        "files": dict(sorted(manifest.files.items())),  # each record as a JSON array
        "problems": manifest.problems,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".tmp{os.getpid()}")
        temporary.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        os.replace(temporary, path)
    except OSError:
        pass


class DigestMemo:
    """Results computed from a file's bytes, by the bytes' digest (the link check's parse of
    a page): kept in memory by the dev server, on disk between command-line builds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.values: dict[str, Any] | None = None
        self.dirty = False

    def _load(self) -> dict[str, Any]:
        if self.values is None:
            try:
                with open(self.path, "rb") as file:
                    stored = pickle.load(file)
                self.values = stored[1] if stored[0] == (FORMAT, self.path.name) else {}
            except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError):
                self.values = {}
            except (AttributeError, ImportError):  # written by another version of the code
                self.values = {}
        return self.values

    def has(self, key: str) -> bool:
        return key in self._load()

    def empty(self) -> bool:
        return not self._load()

    def put(self, key: str, value: Any) -> None:
        self._load()[key] = value
        self.dirty = True

    def get(self, key: str, compute: Callable[[], Any]) -> Any:
        values = self._load()
        if key not in values:
            values[key] = compute()
            self.dirty = True
        return values[key]

    def save(self, live: set[str]) -> None:
        """Keep only the results of files that still exist; write them if anything changed."""
        values = self._load()
        stale = set(values) - live
        for key in stale:
            del values[key]
        if not (self.dirty or stale):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(f".tmp{os.getpid()}")
            with open(temporary, "wb") as file:
                pickle.dump(((FORMAT, self.path.name), values), file, pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
            self.dirty = False
        except OSError:
            pass


@contextlib.contextmanager
def build_lock(project: Path, out: Path) -> Iterator[None]:
    """Hold the build lock of the project, waiting for another build of it to end (saying so
    on stderr): two builds swapping the same output folder in, or writing the project's build
    records, would leave either half done. The lock is `flock` on the project's folder itself
    (no file is made: a failed build leaves the project as it was; the system releases it if
    the process dies); where there is no `fcntl`, no lock."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        descriptor = os.open(project, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_CLOEXEC)
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another build of {out} to end", file=sys.stderr, flush=True)
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # the lock goes with it


def memo_path(project: Path, out: Path, kind: str) -> Path:
    name = hashlib.blake2b(str(out).encode(), digest_size=8).hexdigest()
    return project / CACHE_DIR / f"{kind}-{name}.pickle"
