"""Problems are values: each names a file, a line, a column and how to fix it.

Loaders and validators collect them; only the command line prints them and picks the exit status.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from typing import Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong (or worth knowing) about an input file."""

    file: str
    """Path as shown to the user, relative to the project when possible."""
    line: int
    """1-based line; 0 when the problem concerns the whole file."""
    col: int
    """1-based column; 0 when unknown."""
    message: str
    hint: str = ""
    """How to fix it, in the editor's words."""
    severity: Severity = "error"
    link: tuple[str, str] | None = field(default=None, compare=False, repr=False)
    """For a broken link: the output file of its page and the site path it leads to. The
    content check and the output's link check both find a broken link of a Markdown document;
    it is reported once, where it was written (see `linkcheck.not_reported`)."""

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text

    def record(self) -> dict[str, object]:
        """The fields a build's record keeps, to say the problem again (`Problem(**record)`):
        those it is compared by (not `link`)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.compare}

    def about_link(self, page_file: str, site_path: str) -> Problem:
        """This problem, as one about the link from `page_file` to `site_path` (`link`)."""
        where = ".." if site_path.startswith("..") else site_path  # outside: however far
        return replace(self, link=(page_file, where))

    def as_warning(self) -> Problem:
        return replace(self, severity="warning")

    def as_error(self) -> Problem:
        return replace(self, severity="error")


class SiteError(Exception):
    """The inputs have errors: nothing was written."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(Exception):
    """The command line or the environment is wrong (exit status 2)."""


def errors_in(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest known word, or listing them all when none is close."""
    options = sorted(choices)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    return "known fields: " + ", ".join(f"`{o}`" for o in options)
