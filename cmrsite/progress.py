"""A progress bar for long builds on a terminal; one summary line in every case.

The bar is drawn on stderr only when it is a terminal and not in CI (`CI` set), and only for
builds of more than a few hundred pages: short builds end before a bar would be read.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

MIN_PAGES = 300
WIDTH = 30


def wanted(total: int, stream: TextIO | None = None) -> bool:
    stream = stream or sys.stderr
    in_ci = os.environ.get("CI", "").lower() not in ("", "0", "false")
    return total > MIN_PAGES and not in_ci and stream.isatty()


class Progress:
    """`advance(n)` as pages are rendered; `close()` clears the bar. Silent when disabled."""

    def __init__(self, total: int, label: str = "rendering", stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.label = label
        self.done = 0
        self.enabled = wanted(total, self.stream)
        self._last_draw = 0.0

    def advance(self, count: int = 1) -> None:
        if not self.enabled:
            return
        self.done = min(self.total, self.done + count)
        now = time.monotonic()
        if now - self._last_draw >= 0.1 or self.done == self.total:
            self._last_draw = now
            self._draw()

    def _draw(self) -> None:
        filled = WIDTH * self.done // max(self.total, 1)
        bar = "█" * filled + "·" * (WIDTH - filled)
        self.stream.write(f"\r{self.label} {bar} {self.done}/{self.total} pages")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.enabled = False


def summary(written: int, unchanged: int, removed: int, seconds: float) -> str:
    """`1,004 pages: 3 written, 1,001 unchanged, 0 removed in 0.41 s`."""
    total = written + unchanged
    return (
        f"{total:,} files: {written:,} written, {unchanged:,} unchanged, "
        f"{removed:,} removed in {seconds:.2f} s"
    )
