"""Whole files read and written with fewer system calls give what `Path` gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cmrsite import fileio


@pytest.mark.parametrize("size", [0, 1, 4096, (1 << 16) - 1, 1 << 16, 3 * (1 << 16) + 5])
def test_bytes_written_and_read_back(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "file.bin"
    path.write_bytes(b"older and longer" * 10_000)  # replaced, not appended to
    written = fileio.write_bytes(str(path), data)
    assert path.read_bytes() == data
    assert fileio.read_bytes(path) == data
    now = os.stat(path)
    assert (written.st_size, written.st_mtime_ns, written.st_ino) == (
        now.st_size,
        now.st_mtime_ns,
        now.st_ino,
    )


def test_a_missing_file_raises_as_open_does(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        fileio.read_bytes(tmp_path / "missing")
    with pytest.raises(FileNotFoundError):
        fileio.write_bytes(tmp_path / "no-folder" / "file", b"x")
