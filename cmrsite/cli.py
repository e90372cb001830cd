"""The command line: parse arguments, call the library, print problems, pick the exit status.

Exit status: 0 success, 1 content errors, 2 usage errors.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from . import dataclass_cache, pattern_cache

if TYPE_CHECKING:
    from .errors import Problem
    from .pipeline import Options, Report

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2
COMMANDS = ("build", "check", "serve", "new")


def _add_site_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", help="where the site is published, e.g. https://host/cmr/")
    parser.add_argument("--today", help="the date that decides upcoming and past (YYYY-MM-DD)")
    parser.add_argument(
        "--drafts", action="store_true", help="include drafts and texts published after today"
    )
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cmrsite", description="Build the 'Clusters meet Regions' website."
    )
    parser.add_argument(
        "--project", type=Path, help="the site's folder (default: the current folder)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    build_cmd = commands.add_parser("build", help="build the site into output/ (the default)")
    _add_site_options(build_cmd)
    build_cmd.add_argument("--out", type=Path, help="output folder (default: output/)")
    check_cmd = commands.add_parser("check", help="validate everything, write nothing")
    _add_site_options(check_cmd)
    serve_cmd = commands.add_parser(
        "serve", help="build, serve on 127.0.0.1 and rebuild and reload the browser on save"
    )
    _add_site_options(serve_cmd)
    serve_cmd.add_argument("--out", type=Path, help="output folder (default: output/)")
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    serve_cmd.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    new_cmd = commands.add_parser(
        "new", help="add an edition to data/editions.yaml and write its summary stub"
    )
    new_cmd.add_argument("--city", help="as displayed, e.g. Iași")
    new_cmd.add_argument("--country", help="e.g. Romania")
    new_cmd.add_argument("--start", help="first day, YYYY-MM-DD")
    new_cmd.add_argument("--end", help="last day, YYYY-MM-DD (default: the first day)")
    new_cmd.add_argument("--region", help="e.g. North-East Region")
    new_cmd.add_argument("--country-code", help="ISO 3166-1 alpha-2, e.g. RO")
    new_cmd.add_argument("--slug", help="default: the city in ASCII and the year, iasi-2023")
    return parser


def _options(args: argparse.Namespace, project: Path) -> Options:
    from .dates import resolve_today
    from .pipeline import Options

    return Options(
        project=project,
        today=resolve_today(args.today),
        out=getattr(args, "out", None),
        base_url=args.base_url,
        drafts=args.drafts,
        strict=args.strict,
    )


def _print_problems(problems: Sequence[Problem]) -> None:
    for problem in sorted(problems):
        print(problem, file=sys.stderr)


@contextlib.contextmanager
def _one_shot_gc() -> Iterator[None]:
    """A command that builds once, without the cycle collector. A large site is hundreds of
    thousands of objects that live to the end, which the collector walks again and again
    (a third of a second of a 10,000-edition build, at a tenth of its usual frequency), and
    a build makes little cyclic garbage: Jinja's macros and contexts, some 40 MB at 10,000
    editions, freed when the process ends. (The worker processes inherit this.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run_build(args: argparse.Namespace, project: Path) -> int:
    from .pipeline import build

    options = _options(args, project)
    with _one_shot_gc():
        report = build(options)
    _print_problems(report.problems)
    pages = sum(1 for f in report.files if f.endswith(".html"))
    total = sum(report.timings.values())
    out = options.output_dir
    shown = out.relative_to(project) if out.is_relative_to(project) else out
    print(
        f"built {pages} pages and {len(report.files) - pages} other files into {shown}/ "
        f"in {total:.2f} s ({report.written} written, {report.unchanged} unchanged, "
        f"{report.removed} removed){_warning_count(report)}"
    )
    return EXIT_OK


def _run_check(args: argparse.Namespace, project: Path) -> int:
    from .pipeline import check

    options = _options(args, project)
    with _one_shot_gc():
        report = check(options)
    _print_problems(report.problems)
    print(f"no errors{_warning_count(report)}")
    return EXIT_OK


def _warning_count(report: Report) -> str:
    warnings = sum(1 for p in report.problems if p.severity == "warning")
    return f", {warnings} warning{'s' * (warnings != 1)}" if warnings else ""


def _run_serve(args: argparse.Namespace, project: Path) -> int:
    from . import serve  # the server's imports (tornado) are not needed to build

    serve.serve(_options(args, project), args.host, args.port, _print_problems)
    return EXIT_OK


def _run_new(args: argparse.Namespace, project: Path) -> int:
    from . import scaffold  # only `new` edits the data

    fields = ("city", "country", "start", "end", "region", "country_code", "slug")
    values: dict[str, str | None] = {key: getattr(args, key) for key in fields}
    if sys.stdin.isatty() and not all(values[key] for key in ("city", "country", "start")):
        values = scaffold.ask_missing(values, input)
    done = scaffold.new_edition(project, scaffold.from_values(values))
    print(f"added {done.slug} to {scaffold.EDITIONS_FILE}:{done.line}")
    if done.created:
        print(f"wrote {done.summary} (a draft: remove `draft: true` when it is ready)")
    else:
        print(f"kept {done.summary}, which exists already")
    return EXIT_OK


RUNNERS: dict[str, Callable[[argparse.Namespace, Path], int]] = {
    "build": _run_build,
    "check": _run_check,
    "serve": _run_serve,
    "new": _run_new,
}


_FINISHED_COMMAND: str | None = None
"""A command after which nothing is left to do but exit (`build`, `check`)."""


def exit_with(code: int) -> NoReturn:
    """Exit the command-line process with `code`. After a build or check, without tearing the
    interpreter down: freeing a large site object by object (and the collection Python runs
    at exit) cost a tenth of a second at 10,000 editions, for memory the system takes back
    anyway. No atexit handler of ours runs after these commands (the dev server's does)."""
    if _FINISHED_COMMAND is None:
        sys.exit(code)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None, default_project: Path | None = None) -> int:
    # Before the modules of a build are imported, which compile their regular expressions
    # and the methods of their dataclasses.
    pattern_cache.load()
    dataclass_cache.install()
    code = EXIT_USAGE
    try:
        code = _main(argv, default_project)
    finally:
        # A refused command leaves the user's cache as it was, too.
        dataclass_cache.uninstall(keep=code == EXIT_OK)
    if code == EXIT_OK:
        pattern_cache.save()
    return code


def _main(argv: Sequence[str] | None, default_project: Path | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = make_parser()
    # `python build.py --today X` means `build --today X`: insert the default command.
    rest = args_list[_global_end(args_list) :]
    first_command = rest[0] if rest else None
    if first_command not in RUNNERS and "-h" not in args_list and "--help" not in args_list:
        args_list = _insert_default_command(args_list)
    args = parser.parse_args(args_list)
    command = args.command or "build"
    project = (args.project or default_project or Path.cwd()).resolve()
    global _FINISHED_COMMAND
    _FINISHED_COMMAND = command if command in ("build", "check") else None
    return _run(parser, args, command, project)


def _run(
    parser: argparse.ArgumentParser, args: argparse.Namespace, command: str, project: Path
) -> int:
    """The command, with its errors printed and turned into the exit status."""
    from .errors import SiteError, UsageError  # after the caches are in place (see `main`)

    try:
        return RUNNERS[command](args, project)
    except SiteError as error:
        _print_problems(error.problems)
        count = len(error.problems)
        print(f"{count} error{'s' * (count != 1)}: nothing was written", file=sys.stderr)
        return EXIT_CONTENT
    except UsageError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _global_end(args: list[str]) -> int:
    """The index after the global options (`--project DIR`): where the command is."""
    index = 0
    while index < len(args) and args[index].startswith("--project"):
        index += 1 if "=" in args[index] else 2
    return index


def _insert_default_command(args: list[str]) -> list[str]:
    """Put `build` after the global options (`--project DIR`) and before the build options."""
    index = _global_end(args)
    return [*args[:index], "build", *args[index:]]


if __name__ == "__main__":
    sys.exit(main(default_project=Path.cwd()))
