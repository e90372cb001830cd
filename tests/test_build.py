"""End to end: small sites written into temporary folders, and the real content, built by the
command line as editors and CI run it."""

from __future__ import annotations

import calendar
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    REAL_TODAY,
    REPO,
    clean_env,
    html_pages,
    read,
    run_build_py,
    run_cli,
    tree_bytes,
    tree_hash,
    write_site,
)
from htmlscan import is_external, main_text, resolve, scan, scan_file

SPEC_PAGES = [
    "index.html",
    "editions/index.html",
    "editions/iasi-2023/index.html",
    "editions/zagreb-2022/index.html",
    "invitation/index.html",
    "404.html",
]


def build(project: Path, *args: str, env: dict[str, str] | None = None) -> Path:
    """Build `project` into its output/ and return that folder; the build must succeed."""
    code, stdout, stderr = run_cli(project, "build", *args, env=env)
    assert code == 0, stdout + stderr
    assert "Traceback" not in stderr
    return project / "output"


def invitation_heading(out: Path) -> str:
    return scan_file(out / "invitation/index.html").headings[0][1]


def epoch(day: date) -> str:
    return str(calendar.timegm(day.timetuple()) + 12 * 3600)


# --- the pages of a small site -----------------------------------------------------------------


def test_pages_exist_at_the_url_layout_of_spec(make_site: Any) -> None:
    out = build(make_site(), "--today", "2024-01-01")
    for page in SPEC_PAGES:
        assert (out / page).is_file(), page
        assert read(out, page).startswith("<!DOCTYPE html>"), page
    assert (out / "static").is_dir()


def test_edition_page_shows_the_record_with_babel_dates(make_site: Any) -> None:
    out = build(make_site(), "--today", "2024-01-01")
    iasi = scan_file(out / "editions/iasi-2023/index.html")
    assert iasi.headings[0] == ("h1", "Iași 2023")
    assert ("2023-11-21", "21") in iasi.times
    assert ("2023-11-23", "23 November 2023") in iasi.times
    assert "21–23 November 2023" in iasi.text
    assert "Romania" in iasi.text
    assert "A summary of Iași." in iasi.text  # the Markdown summary, rendered
    zagreb = scan_file(out / "editions/zagreb-2022/index.html")
    assert ("2022-11-30", "30 November") in zagreb.times
    assert ("2022-12-01", "1 December 2022") in zagreb.times
    assert "30 November – 1 December 2022" in zagreb.text


def test_a_one_day_edition_has_one_time_element(make_site: Any) -> None:
    editions = "- city: Kittilä\n  country: Finland\n  start: 2023-04-25\n"
    out = build(make_site({"data/editions.yaml": editions}), "--today", "2023-01-01")
    page = scan_file(out / "editions/kittila-2023/index.html")  # the slug is in ASCII
    assert page.times[0] == ("2023-04-25", "25 April 2023")
    assert "Kittilä" in page.text


ARCHIVE_EDITIONS = """\
- {city: Malaga, country: Spain, start: 2022-02-16, end: 2022-02-17}
- {city: Zagreb, country: Croatia, start: 2022-11-29, end: 2022-11-30}
- {city: Iași, country: Romania, start: 2023-11-21, end: 2023-11-23, summary: editions/iasi-2023.md}
- {city: Prague, country: Czechia, start: 2023-03-29, end: 2023-03-30,
   summary: "https://example.com/prague-summary"}
- {city: Chișinău, country: Republic of Moldova, start: 2024-10-10, end: 2024-10-11}
"""


def test_archive_groups_by_year_newest_first(make_site: Any) -> None:
    out = build(make_site({"data/editions.yaml": ARCHIVE_EDITIONS}), "--today", "2024-01-01")
    html = read(out, "editions/index.html")
    page = scan(html)
    assert [text for tag, text in page.headings if tag == "h2"] == ["2024", "2023", "2022"]
    cities = re.findall(r'class="edition-city" href="[^"]*">([^<]+)</a>', html)
    assert cities == ["Chișinău", "Iași", "Prague", "Zagreb", "Malaga"]
    links = {url for _, url, _ in page.links}
    assert "iasi-2023/#summary" in links or "../editions/iasi-2023/#summary" in links
    assert "https://example.com/prague-summary" in links  # an external summary is linked
    assert "30 November 2022" in page.text and "10–11 October 2024" in page.text


# --- the invitation: the next edition around --today -------------------------------------------

INVITATION_EDITIONS = """\
- {city: Graz, country: Austria, start: 2024-03-26, end: 2024-03-27}
- {city: Lyon, country: France, start: 2024-05-02, end: 2024-05-03, status: cancelled}
- {city: Vaasa, country: Finland, start: 2024-06-04, end: 2024-06-05, status: postponed}
- {city: Milan, country: Italy, start: 2024-06-18, end: 2024-06-19,
   invitation: invitations/milan.md}
"""
INVITATION_FILES = {
    "data/editions.yaml": INVITATION_EDITIONS,
    "content/invitations/milan.md": "---\ntitle: Come to Milan\n---\nThe invitation text.\n",
}


@pytest.mark.parametrize(
    ("today", "city"),
    [
        ("2024-01-01", "Graz"),  # before the first edition
        ("2024-03-26", "Graz"),  # its first day
        ("2024-03-27", "Graz"),  # its last day: still ongoing
        ("2024-03-28", "Milan"),  # after it: cancelled Lyon and postponed Vaasa are skipped
        ("2024-06-19", "Milan"),
    ],
)
def test_invitation_is_to_the_next_edition(make_site: Any, today: str, city: str) -> None:
    out = build(make_site(INVITATION_FILES), "--today", today)
    invitation = read(out, "invitation/index.html")
    assert city in invitation_heading(out)
    assert city in main_text(read(out, "index.html"))  # the home page leads with it too
    for other in {"Graz", "Milan"} - {city}:
        assert other not in main_text(invitation)
    if city == "Milan":
        assert "The invitation text." in invitation  # its Markdown, when it has one
        assert "18–19 June 2024" in main_text(invitation)  # dates from the record


def test_no_next_edition_is_to_be_announced_with_the_call(make_site: Any) -> None:
    out = build(make_site(INVITATION_FILES), "--today", "2024-06-20")
    invitation = main_text(read(out, "invitation/index.html"))
    assert "to be announced" in invitation_heading(out)
    assert "Regions are invited to apply to host an edition." in invitation
    links = [url for _, url, _ in scan_file(out / "invitation/index.html").links]
    assert "https://apply.example.net/" in links
    assert "to be announced" in main_text(read(out, "index.html"))


def test_a_cancelled_next_edition_is_shown_as_cancelled(make_site: Any) -> None:
    out = build(make_site(INVITATION_FILES), "--today", "2024-04-01")
    assert "Cancelled" in main_text(read(out, "editions/lyon-2024/index.html"))
    assert "Postponed" in main_text(read(out, "editions/vaasa-2024/index.html"))


# --- the real content ----------------------------------------------------------------------------


def test_real_site_has_a_page_per_record(real_site: Path) -> None:
    records = (REPO / "data/editions.yaml").read_text(encoding="utf-8").count("\n- city:")
    records += (REPO / "data/editions.yaml").read_text(encoding="utf-8").startswith("- city:")
    pages = list((real_site / "editions").glob("*/index.html"))
    assert len(pages) == records >= 23
    for page in ["index.html", "editions/index.html", "invitation/index.html", "404.html"]:
        assert (real_site / page).is_file(), page


def test_real_invitation_is_to_chisinau_on_its_recorded_dates(real_site: Path) -> None:
    html = read(real_site, "invitation/index.html")
    page = scan(html)
    assert "Chișinău" in page.headings[0][1]
    assert ("2024-10-10", "10") in page.times
    assert ("2024-10-11", "11 October 2024") in page.times
    assert "10–11 October 2024" in main_text(html)
    # 24–25 October were Palma's first dates: the old invitation's heading mixed them up.
    assert "24–25 October" not in page.text
    assert "2024-10-24" not in html and "2024-10-25" not in html


def test_python_build_py_today_gives_the_chisinau_invitation(tmp_path: Path) -> None:
    """The exact command of the issue, on a copy of the repository's inputs."""
    project = tmp_path / "project"
    for folder in ("content", "data", "templates"):
        shutil.copytree(REPO / folder, project / folder)
    shutil.copy(REPO / "build.py", project / "build.py")
    code, stdout, stderr = run_build_py("--today", "2024-10-01", project=project)
    assert code == 0, stdout + stderr
    html = read(project / "output", "invitation/index.html")
    assert "Chișinău" in invitation_heading(project / "output")
    assert "10–11 October 2024" in main_text(html)
    assert "24–25 October" not in main_text(html)


def test_real_palma_shows_its_moved_dates(real_site: Path) -> None:
    page = scan_file(real_site / "editions/palma-2025/index.html")
    assert ("2025-05-14", "14") in page.times and ("2025-05-15", "15 May 2025") in page.times
    assert ("2024-10-24", "24") in page.times and ("2024-10-25", "25 October 2024") in page.times
    text = page.text
    assert "14–15 May 2025" in text and "24–25 October 2024" in text
    assert re.search(r"moved|postponed|first announced", text, re.IGNORECASE)


def test_real_archive_is_by_year_newest_first(real_site: Path) -> None:
    page = scan_file(real_site / "editions/index.html")
    years = [int(text) for tag, text in page.headings if tag == "h2"]
    assert years == sorted(years, reverse=True) and years[-1] == 2022 and years[0] >= 2025
    html = read(real_site, "editions/index.html")
    starts = re.findall(r'<time datetime="(\d{4}-\d\d-\d\d)"', html)
    assert starts, "the archive shows no dates"
    assert "21–23 November 2023" in page.text  # Iași


def test_real_iasi_page(real_site: Path) -> None:
    page = scan_file(real_site / "editions/iasi-2023/index.html")
    assert ("2023-11-21", "21") in page.times and ("2023-11-23", "23 November 2023") in page.times
    assert "Iași" in page.headings[0][1]
    assert "Iaศ™i" not in page.text  # the mis-encoded name of the old page is gone


# --- guarantees: atomic, refused folders, reproducible, sub-path -------------------------------


def test_failing_data_leaves_the_previous_output_byte_identical(make_site: Any) -> None:
    project = make_site()
    out = build(project, "--today", "2024-01-01")
    before = tree_hash(out)
    (project / "data/editions.yaml").write_text("- city: Iași\n  country: Romania\n")
    code, stdout, stderr = run_cli(project, "build", "--today", "2024-01-01")
    assert code == 1, stdout + stderr
    assert "data/editions.yaml:1:3: error:" in stderr
    assert tree_hash(out) == before
    assert _project_entries(project) == ["content", "data", "output", "templates"]


def test_template_error_half_way_leaves_the_output_byte_identical(make_site: Any) -> None:
    project = make_site()
    out = build(project, "--today", "2024-01-01")
    before = tree_hash(out)
    edition = project / "templates/edition.html"
    # Zagreb's page fails; the pages before it rendered fine.
    text = edition.read_text(encoding="utf-8").replace(
        "{% block main %}",
        "{% block main %}{% if edition.slug == 'zagreb-2022' %}{{ no_such_value }}{% endif %}",
        1,
    )
    edition.write_text(text, encoding="utf-8")
    code, stdout, stderr = run_cli(project, "build", "--today", "2024-01-01")
    assert code == 1, stdout + stderr
    assert re.search(r"^templates/edition\.html:\d+:\d+: error: .*no_such_value", stderr, re.M)
    assert "Traceback" not in stderr
    assert tree_hash(out) == before
    assert _project_entries(project) == ["content", "data", "output", "templates"]


def test_failing_write_half_way_leaves_the_output_byte_identical(
    make_site: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk error while the new site is written: the old one stays, the half-built goes."""
    from cmrsite import pipeline, writer

    project = make_site({"content/files/agenda.txt": "the agenda\n"})
    out = build(project, "--today", "2024-01-01")
    before = tree_hash(out)
    written: list[str] = []
    real_copy = writer.Staging.copy_file

    def copy_then_fail(self: writer.Staging, relative: str, source: Path, owner: str) -> None:
        if written:
            raise OSError(28, "No space left on device")
        written.append(relative)
        real_copy(self, relative, source, owner)

    monkeypatch.setattr(writer.Staging, "copy_file", copy_then_fail)
    # Two changed files to copy (unchanged ones are kept, not copied): the second fails.
    (project / "content/files/agenda.txt").write_text("the new agenda\n")
    (project / "content/files/programme.txt").write_text("the programme\n")
    options = pipeline.Options(project=project, today=date(2024, 1, 1))
    with pytest.raises(OSError, match="No space left"):
        pipeline.build(options)
    assert written, "the failure was not half-way"
    assert tree_hash(out) == before
    assert _project_entries(project) == ["content", "data", "output", "templates"]


def _project_entries(project: Path) -> list[str]:
    """The project folder's entries, less the build cache (`.cache/`, git-ignored)."""
    return sorted(p.name for p in project.iterdir() if p.name != ".cache")


def _refused(project: Path, out: str, env: dict[str, str]) -> None:
    code, stdout, stderr = run_cli(project, "build", "--out", out, env=env)
    assert code == 2, f"--out {out}\n{stdout}{stderr}"
    assert "refusing" in stderr and "Traceback" not in stderr, stderr


def test_dangerous_output_folders_are_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    project = write_site(home / "sites" / "cmr")
    (home / "keep.txt").write_text("precious\n")
    env = clean_env(HOME=str(home))
    before = tree_hash(tmp_path)
    for out in (str(project), "/", str(home), "~", str(project.parent), str(project / "content")):
        _refused(project, out, env)
    assert tree_hash(tmp_path) == before


def test_a_file_as_output_is_a_usage_error(make_site: Any) -> None:
    project = make_site({"notes.txt": "not a folder\n"})
    code, _, stderr = run_cli(project, "build", "--out", str(project / "notes.txt"))
    assert code == 2 and "not a folder" in stderr


def test_two_builds_give_identical_bytes(make_site: Any, tmp_path: Path) -> None:
    project = make_site(
        {"data/editions.yaml": ARCHIVE_EDITIONS, "content/files/agenda.txt": "the agenda\n"}
    )
    outs = []
    for number, seed in ((1, "1"), (2, "4242")):
        out = tmp_path / f"out{number}"
        code, stdout, stderr = run_cli(
            project,
            "build",
            "--today",
            "2024-01-01",
            "--out",
            str(out),
            env=clean_env(PYTHONHASHSEED=seed),
        )
        assert code == 0, stdout + stderr
        outs.append(tree_bytes(out))
    assert outs[0] == outs[1]
    assert "files/agenda.txt" in outs[0]


def test_real_site_builds_are_identical(real_site: Path, tmp_path: Path) -> None:
    code, stdout, stderr = run_build_py(
        "build",
        "--today",
        REAL_TODAY,
        "--out",
        str(tmp_path / "again"),
        env=clean_env(PYTHONHASHSEED="123"),
    )
    assert code == 0, stdout + stderr
    first, second = tree_bytes(real_site), tree_bytes(tmp_path / "again")
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


def _check_links(out: Path, base_url: str) -> int:
    """Every internal link of every page leads to a file of the output, and is relative:
    only canonical URLs and the links of 404.html (which hosts serve at any depth) are
    absolute, under the base URL. Returns how many links were checked."""
    base_path = re.sub(r"^https?://[^/]+", "", base_url)
    checked = 0
    for path in html_pages(out):
        page = path.relative_to(out).as_posix()
        for tag, url, attributes in scan_file(path).links:
            where = f"{page}: <{tag}> {url}"
            if base_url != "/" and url.startswith(base_url):
                target = resolve(out, "index.html", url[len(base_url) :] or "./")
            elif is_external(url):
                continue
            elif url.startswith("/"):
                assert page == "404.html" or attributes.get("rel") == "canonical", (
                    f"{where} is not relative"
                )
                assert url.startswith(base_path), f"{where} is not under {base_path}"
                target = resolve(out, "index.html", url[len(base_path) :] or "./")
            else:
                target = resolve(out, page, url)
            assert target is not None, f"{where} leaves the site"
            assert target.is_file(), f"{where} -> missing {target}"
            checked += 1
    return checked


def test_sub_path_base_url_links_all_resolve(tmp_path: Path) -> None:
    out = tmp_path / "cmr"
    code, stdout, stderr = run_build_py(
        "build", "--today", REAL_TODAY, "--base-url", "https://host/cmr/", "--out", str(out)
    )
    assert code == 0, stdout + stderr
    assert _check_links(out, "https://host/cmr/") >= 10 * len(html_pages(out))
    for path in html_pages(out):
        page = scan_file(path)
        canonical = [a["href"] for tag, _, a in page.links if a.get("rel") == "canonical"]
        assert len(canonical) == 1 and canonical[0].startswith("https://host/cmr/"), path
        expected = "https://host/cmr/" + urls_path(out, path)
        assert canonical[0] == expected, path


def urls_path(out: Path, path: Path) -> str:
    relative = path.relative_to(out).as_posix()
    return relative[: -len("index.html")] if relative.endswith("index.html") else relative


def test_default_base_url_links_all_resolve(real_site: Path) -> None:
    assert _check_links(real_site, "/") >= 10 * len(html_pages(real_site))


# --- today, exit statuses, Markdown safety ----------------------------------------------------


def test_source_date_epoch_is_today(make_site: Any) -> None:
    project = make_site()
    during = build(project, env=clean_env(SOURCE_DATE_EPOCH=epoch(date(2023, 11, 22))))
    assert "Iași" in invitation_heading(during)
    after = build(project, env=clean_env(SOURCE_DATE_EPOCH=epoch(date(2024, 1, 1))))
    assert "to be announced" in invitation_heading(after)
    overridden = build(
        project, "--today", "2023-11-01", env=clean_env(SOURCE_DATE_EPOCH=epoch(date(2024, 1, 1)))
    )
    assert "Iași" in invitation_heading(overridden)  # --today wins


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["build", "--today", "2024-13-01"], {}, "--today"),
        (["build", "--today", "yesterday"], {}, "--today"),
        (["build", "--no-such-option"], {}, "unrecognized arguments"),
        (["frobnicate"], {}, ""),
        (["build"], {"SOURCE_DATE_EPOCH": "last week"}, "SOURCE_DATE_EPOCH"),
    ],
)
def test_usage_errors_exit_2(
    make_site: Any, args: list[str], env: dict[str, str], message: str
) -> None:
    project = make_site()
    code, stdout, stderr = run_cli(project, *args, env=clean_env(**env))
    assert code == 2, stdout + stderr
    assert message in stderr and "Traceback" not in stderr
    assert not (project / "output").exists()


def test_exit_statuses_of_build_and_check(make_site: Any) -> None:
    good = make_site()
    assert run_cli(good, "check", "--today", "2024-01-01").code == 0
    assert not (good / "output").exists(), "check wrote something"
    assert run_cli(good, "build", "--today", "2024-01-01").code == 0
    assert run_cli(good, "--today", "2024-01-01").code == 0  # build is the default command
    bad = make_site({"data/editions.yaml": "- city: Iași\n"})
    for command in ("check", "build"):
        code, stdout, stderr = run_cli(bad, command)
        assert code == 1, stdout + stderr
        assert "data/editions.yaml:1:3: error: the record of Iași has no `country`" in stderr
    assert not (bad / "output").exists()


def test_the_project_option_takes_a_separate_value(make_site: Any) -> None:
    project = make_site()
    code, stdout, stderr = run_cli(None, "--project", str(project), "check")
    assert code == 0, stdout + stderr


RAW_HTML = "---\ntitle: Iași in short\n---\nSome <mark>marked</mark> words.\n\n<div>a block</div>\n"


@pytest.mark.parametrize("allow", [False, True])
def test_raw_html_only_with_allow_html(make_site: Any, allow: bool) -> None:
    site_yaml = "title: Test Series\nlanguage: en-GB\n" + ("allow_html: true\n" if allow else "")
    project = make_site({"data/site.yaml": site_yaml, "content/editions/iasi-2023.md": RAW_HTML})
    html = read(build(project, "--today", "2024-01-01"), "editions/iasi-2023/index.html")
    if allow:
        assert "<mark>marked</mark>" in html and "<div>a block</div>" in html
    else:
        assert "&lt;mark&gt;marked&lt;/mark&gt;" in html and "&lt;div&gt;a block" in html
        assert "<mark>" not in html


def test_markdown_extensions_and_safe_links(make_site: Any) -> None:
    body = (
        "## Key take-aways: Iași\n\n"
        "| city | people |\n| --- | --- |\n| Iași | 205 |\n\n"
        "A claim.[^1] See [the ECCP](https://www.clustercollaboration.eu/) and "
        "[the archive](/editions/).\n\n[^1]: The source.\n"
    )
    project = make_site({"content/editions/iasi-2023.md": body})
    html = read(build(project, "--today", "2024-01-01"), "editions/iasi-2023/index.html")
    assert 'id="key-take-aways-iasi"' in html  # heading anchors, in ASCII
    assert "<table>" in html and "<td>205</td>" in html  # tables
    assert 'class="footnote' in html  # footnotes
    assert re.search(r'<a href="https://www.clustercollaboration.eu/" rel="noopener"', html)
    # A site-absolute link in Markdown becomes relative, so that sub-paths work.
    assert 'href="../../editions/"' in html


def test_a_build_waits_for_another_build_of_the_project(make_site: Any) -> None:
    """Builds of one project run one at a time (`serve` and a command-line build, say): a
    second one says it waits, and goes on when the first ends. The lock is the project
    folder's own (`flock`): nothing is left in the project."""
    import fcntl
    import os
    import subprocess
    import sys
    import time

    project = make_site()
    held = os.open(project, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)  # as a build in another process holds it
    try:
        waiting = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cmrsite",
                f"--project={project}",
                "build",
                "--today",
                "2024-10-01",
            ],
            env=clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(2)
        assert waiting.poll() is None  # still waiting
        assert not (project / "output").exists()
    finally:
        os.close(held)
    _, stderr = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, stderr
    assert "waiting for another build of" in stderr
    assert (project / "output" / "index.html").is_file()
