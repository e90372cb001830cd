"""Whole files read and written with the fewest system calls.

Python's `open()` asks the system four things a whole-file read or write does not need (the
file's size and whether it is a terminal, its position twice): on tmpfs, half the time of
reading a small file, a third of writing one. A 1,000-edition build reads 1,000 Markdown files
and writes 2,000 files.
"""

from __future__ import annotations

import os
from pathlib import Path

_CHUNK = 1 << 16
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a file (`Path.read_bytes`)."""
    descriptor = os.open(path, _READ_FLAGS)
    try:
        chunks = []
        while chunk := os.read(descriptor, _CHUNK):
            chunks.append(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(descriptor)


def write_bytes(path: str | Path, data: bytes) -> os.stat_result:
    """Write a file whole (`Path.write_bytes`); its status once written (size, mtime, inode)."""
    descriptor = os.open(path, _WRITE_FLAGS, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        return os.fstat(descriptor)
    finally:
        os.close(descriptor)
