"""Atomic output: the site is written into a fresh folder beside the output and swapped in whole.

A build that fails leaves the previous output untouched; nothing outside the output folder is
ever deleted; folders whose loss would hurt (the project, `/`, home, a parent of `content/`)
are refused.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from .errors import UsageError

STAGING_PREFIX = ".cmrsite-staging-"
RETIRED_PREFIX = ".cmrsite-retired-"


def check_output_dir(out: Path, project: Path) -> Path:
    """Refuse output folders that a swap (which deletes the old folder) must never touch."""
    out = out.expanduser().resolve()
    project = project.resolve()
    protected = {Path("/"), Path.home().resolve(), project}
    if out in protected:
        raise UsageError(f"refusing to use {out} as the output folder: it would be replaced whole")
    for source in ("content", "data", "templates", "tests", ".git"):
        folder = project / source
        if out == folder or folder.is_relative_to(out) or out.is_relative_to(folder):
            raise UsageError(
                f"refusing to use {out} as the output folder: it holds or is inside "
                f"{source}/, which the build reads"
            )
    if out.exists() and not out.is_dir():
        raise UsageError(f"the output path {out} exists and is not a folder")
    return out


class OutputConflictError(ValueError):
    """Two writers claim one output path (a page and a copied file of content/, say)."""

    def __init__(self, relative: str, first: str, second: str) -> None:
        super().__init__(f"two outputs write {relative}: {first} and {second}")
        self.relative = relative
        self.first = first
        self.second = second


class Staging:
    """A fresh folder beside the output; `commit` swaps it in, leaving the old one nowhere."""

    def __init__(self, out: Path) -> None:
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out.parent))
        self._claimed: dict[str, str] = {}

    def claim(self, relative: str, owner: str) -> Path:
        """The path to write `relative` to; two writers claiming one path is a bug we refuse."""
        if relative in self._claimed:
            raise OutputConflictError(relative, self._claimed[relative], owner)
        self._claimed[relative] = owner
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write_bytes(self, relative: str, data: bytes, owner: str) -> None:
        self.claim(relative, owner).write_bytes(data)

    def copy_file(self, relative: str, source: Path, owner: str) -> None:
        shutil.copyfile(source, self.claim(relative, owner))

    @property
    def files(self) -> list[str]:
        return sorted(self._claimed)

    def commit(self, background_cleanup: bool = False) -> None:
        """Swap the staging folder in; the old tree is then deleted (in a thread for the dev
        server, which should not wait for it)."""
        os.chmod(self.root, 0o755)  # mkdtemp makes it private; a web server must read it
        retired: Path | None = None
        if self.out.exists():
            retired = Path(tempfile.mkdtemp(prefix=RETIRED_PREFIX, dir=self.out.parent))
            os.rename(self.out, retired / "site")
        try:
            os.rename(self.root, self.out)
        except OSError:
            if retired is not None:
                os.rename(retired / "site", self.out)
            raise
        if retired is None:
            return
        if background_cleanup:
            threading.Thread(target=shutil.rmtree, args=(retired, True), daemon=True).start()
        else:
            shutil.rmtree(retired, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def staging(out: Path) -> Iterator[Staging]:
    """Write into a staging folder; it replaces `out` only if the block ends without error."""
    stage = Staging(out)
    try:
        yield stage
    except BaseException:
        stage.discard()
        raise
    stage.commit()
