"""`serve` run as a subprocess on a free port of 127.0.0.1, for the HTTP and browser tests."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import REAL_TODAY, clean_env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    """A running `serve`: its URL and everything it printed so far."""

    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 30, after: int = 0) -> int:
        """Wait until a line printed after line number `after` matches; its index."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index in range(after, len(self.lines)):
                if re.search(pattern, self.lines[index]):
                    return index
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"serve never printed /{pattern}/; it printed:\n{self.log}")

    def wait_until(self, check: Callable[[], bool], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.02)
        raise AssertionError(f"timed out; serve printed:\n{self.log}")


@contextmanager
def serving(project: Path, *args: str) -> Iterator[Served]:
    """`python -m cmrsite serve` for `project` on a free port, stopped (SIGTERM) at the end."""
    port = free_port()
    command = [sys.executable, "-u", "-m", "cmrsite", f"--project={project}", "serve"]
    command += ["--port", str(port), "--today", REAL_TODAY, *args]
    process = subprocess.Popen(
        command,
        cwd=project,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    served = Served(process, port)
    try:
        served.wait_for(r"^serving ")
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
