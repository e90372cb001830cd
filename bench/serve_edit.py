"""The dev server's one-file rebuild: save-to-written time of one edited summary.

For a generated site of 1,000 editions (`bench/generate.py`), the same with a publication
date in every summary (so that the feed has 1,000 full-text entries, 4.7 MB, and the edited
summary is one of them), and this repository's real site, each in a fresh process, as
`serve` runs it:

- a `Builder` makes one full build (as `serve` does at start), then one summary is edited
  (a line appended) `--runs` times; each time `Builder.build([path])` is timed from the save
  until the changed files are written (the build record on disk is saved after, as `serve`
  does once the browser was told to reload);
- the same edits through `serve`'s own watcher (`DevServer.watch`, which polls every 50 ms and
  waits for 50 ms of quiet, so that one save is one build): from the write of the file to the
  end of the build;
- a cold full build as a command (`cmrsite build`, whole process, no output, no cache), the
  other side of the ratio of issue 3 (a one-file rebuild at least 10 times faster).

Each result is checked against a clean build of the edited files (byte for byte). Medians.
Run: `python bench/serve_edit.py` (about a minute); results in `bench/serve_edit.md` and
`bench/serve_edit.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from generate import TODAY, generate  # noqa: E402

REAL_TODAY = "2024-10-01"


def _files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def measure(project: Path, out: Path, today: str, runs: int) -> dict[str, Any]:
    """In this process: one full build, then `runs` saves of one summary, two ways."""
    from cmrsite.pipeline import Builder, Options, build
    from cmrsite.serve import DevServer

    options = Options(project=project, today=date.fromisoformat(today), out=out)
    summary = sorted((project / "content" / "editions").glob("*.md"))[1]
    builder = Builder(options)
    start = time.perf_counter()
    builder.build(None)
    builder.warm()  # as serve does (a no-op unless the output was up to date)
    first = time.perf_counter() - start
    direct: list[float] = []
    written: list[int] = []
    for run in range(runs):
        with open(summary, "a", encoding="utf-8") as file:
            file.write(f"\nAn edit saved by the benchmark, number {run}.\n")
        start = time.perf_counter()
        report = builder.build([summary])
        direct.append(time.perf_counter() - start)
        builder.flush()
        assert "load" not in report.timings, "not a quick rebuild"
        written.append(report.written)
    watched = _through_the_watcher(DevServer(options), summary, runs)
    clean = out.parent / f"{out.name}-clean"
    shutil.rmtree(clean, ignore_errors=True)
    build(Options(project=project, today=options.today, out=clean))
    assert _files(out) == _files(clean), "the quick rebuilds differ from a clean build"
    return {
        "first_build": first,
        "edit": statistics.median(direct),
        "edit_min": min(direct),
        "edit_max": max(direct),
        "edit_written": statistics.median(written),
        "edit_through_watcher": statistics.median(watched),
    }


def _through_the_watcher(server: Any, summary: Path, runs: int) -> list[float]:
    """Save-to-written through `serve`'s watcher and Builder (no HTTP server)."""
    built = threading.Event()
    server.on_built = lambda state: built.set()
    watcher = server.watcher()
    server.build(None)
    server.builder.warm()  # serve does it in the watcher's thread, before the first save
    thread = threading.Thread(target=server.watch, args=(watcher,), daemon=True)
    thread.start()
    times: list[float] = []
    try:
        for run in range(runs):
            time.sleep(0.15)  # apart, as saves are
            built.clear()
            start = time.perf_counter()
            with open(summary, "a", encoding="utf-8") as file:
                file.write(f"\nAn edit saved through the watcher, number {run}.\n")
            if not built.wait(30):
                raise RuntimeError("the dev server did not rebuild")
            times.append(time.perf_counter() - start)
    finally:
        server.stop.set()
        thread.join(timeout=30)
    return times


def _child(project: Path, out: Path, today: str, runs: int) -> dict[str, Any]:
    """`measure` in a fresh interpreter, as `serve` is."""
    code = (
        "import json, sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "import serve_edit; print(json.dumps(serve_edit.measure("
        "Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], int(sys.argv[5]))))"
    )
    command = [sys.executable, "-c", code, str(HERE), str(project), str(out), today, str(runs)]
    done = subprocess.run(command, capture_output=True, text=True, env=_env(), check=False)
    if done.returncode != 0:
        sys.exit(f"the measurement failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _cold(project: Path, out: Path, today: str, runs: int) -> float:
    """Median of cold builds as a command (no output, no cache), whole process."""
    times = []
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(project / ".cache", ignore_errors=True)
        command = [sys.executable, "-m", "cmrsite", "--project", str(project), "build"]
        command += ["--today", today, "--out", str(out)]
        start = time.perf_counter()
        subprocess.run(command, check=True, env=_env(), capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["CI"] = "true"  # no progress bar
    env["PYTHONPATH"] = str(REPO)
    return env


def site(
    name: str, project: Path, root: Path, today: str, runs: int, cold_runs: int
) -> dict[str, Any]:
    print(f"{name}:", flush=True)
    result = _child(project, root / "serve-out", today, runs)
    result["cold"] = _cold(project, root / "cold-out", today, cold_runs)
    result["ratio"] = result["cold"] / result["edit"]
    result["site"] = name
    print(json.dumps(result, indent=1), flush=True)
    return result


def publish_all(project: Path) -> None:
    """A publication date (and a description) in every summary's front matter."""
    for index, path in enumerate(sorted((project / "content" / "editions").glob("*.md"))):
        text = path.read_text(encoding="utf-8")
        front = f"---\npublished: 2025-0{1 + index % 5}-{10 + index % 19}\ndescription: Summary.\n"
        path.write_text(text.replace("---\n", front, 1), encoding="utf-8")


def ms(value: float) -> str:
    return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:.2f} s"


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| site | one edited summary: Builder.build | through serve's watcher "
        "| full build (command, cold) | ratio |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['site']} | {ms(r['edit'])} ({ms(r['edit_min'])}–{ms(r['edit_max'])}) "
            f"| {ms(r['edit_through_watcher'])} | {ms(r['cold'])} | {r['ratio']:.0f}× |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--runs", type=int, default=20, help="saves timed per site")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--root", type=Path, default=Path("/dev/shm/cmrsite-serve-edit"))
    parser.add_argument("--results", type=Path, default=HERE / "serve_edit")
    args = parser.parse_args()
    results = []
    for count in args.sizes:
        folder = args.root / str(count)
        project, _ = generate(count, folder)
        name = f"{count:,} editions"
        results.append(site(name, project, folder, TODAY, args.runs, args.cold_runs))
        published = args.root / f"{count}-published"
        shutil.rmtree(published, ignore_errors=True)
        shutil.copytree(project, published / "project", ignore=shutil.ignore_patterns(".cache"))
        publish_all(published / "project")
        name = f"{count:,} editions, every summary in the feed"
        results.append(
            site(name, published / "project", published, TODAY, args.runs, args.cold_runs)
        )
    real = args.root / "real"
    shutil.rmtree(real, ignore_errors=True)
    for folder in ("data", "content", "templates"):
        shutil.copytree(REPO / folder, real / "project" / folder)
    results.append(site("real site", real / "project", real, REAL_TODAY, args.runs, args.cold_runs))
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "root": str(args.root)}
    args.results.with_suffix(".json").write_text(
        json.dumps({"machine": machine, "results": results}, indent=1) + "\n"
    )
    header = (
        f"Medians of {args.runs} saves (cold builds: of {args.cold_runs}), on {args.root} "
        f"(tmpfs); {machine['cpus']} CPUs, Python {machine['python']}. Written by "
        "`python bench/serve_edit.py`.\n\n"
    )
    args.results.with_suffix(".md").write_text(header + table(results))
    print(table(results))


if __name__ == "__main__":
    main()
