"""The compiled parser is an accelerator only: whatever it renders is byte-identical to what
markdown-it-py renders, and the content checks find the same things either way."""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cmrsite import checks, compiled_markdown, markdown
from cmrsite.model import Document, FrontMatter
from cmrsite.sources import split_front_matter

REPO = Path(__file__).resolve().parent.parent

PIECES = [
    *("word", "Iași", "Kraków", "2023", "21–23 November", "30 November – 1 December 2022"),
    *("**b**", "*i*", "_u_", "__s__", "~~s~~", "`c`", "``a ` b``", "\\*", "x_y_z", "**a*b**"),
    *("[l](/editions/x/)", "[x](https://ex.org/p)", "[r]", "[r]: /ref/", "[e](/missing/)"),
    *("![i](/f.png)", "![a *e*](/p q.png)", "[![i](/a.png)](/b/)", "<https://a.b>", "<m@x.y>"),
    *("[a](/p?x=1&y=2#f)", "[A](HTTPS://X.Y)", "[j](javascript:alert(1))", "[t](/t/ 'title')"),
    *("[rel](../up/)", "[here](#frag)", "[q](?q=1)", "[é](/é%20x)", "www.example.org"),
    *('"q"', "'s'", "it's", "organisers'", '"', "'", 'a"b', "«", "’", "“x”"),
    *("--", "---", "...", "(c)", "(tm)", "+-", "&amp;", "&copy;", "&#35;", "&bogus;", "<br>"),
    *("<b>raw</b>", "<div>", "[^n]", "|", "\t", "***", "===", "1.", "-", ">", "#", "    "),
]

BLOCKS = {
    "p": "{}",
    "h": "{hashes} {}",
    "li": "- {}",
    "nested": "  - {}",
    "ol": "1. {}",
    "quote": "> {}",
    "fence": "```\n{}\n```",
    "blank": "",
    "table": "| a | b |\n|---|---|\n| {} | x |",
    "footnote": "[^n]: {}",
    "indented": "    {}",
    "rule": "---",
    "setext": "{}\n===",
}


def generated_documents(seed: int, count: int) -> Iterator[str]:
    """Random documents mixing every construct, including those the compiled parser must
    leave to markdown-it-py."""
    rnd = random.Random(seed)
    kinds = list(BLOCKS)
    for _ in range(count):
        lines = []
        for _ in range(rnd.randint(1, 12)):
            text = " ".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 8)))
            template = BLOCKS[rnd.choice(kinds)]
            lines.append(template.format(text, hashes="#" * rnd.randint(1, 6)))
        yield "\n".join(lines)


def reference_html(body: str, allow_html: bool) -> str:
    return markdown.prepare(markdown.parse(body, allow_html), allow_html)


def compiled_html(body: str, allow_html: bool) -> str | None:
    return compiled_markdown.render(body, allow_html, markdown.heading_slug)


@pytest.mark.parametrize("seed", range(6))
def test_what_the_compiled_parser_renders_is_what_markdown_it_py_renders(seed: int) -> None:
    accepted = 0
    for body in generated_documents(seed, 2500):
        for allow_html in (False, True):
            html = compiled_html(body, allow_html)
            if html is None:
                continue
            accepted += 1
            assert html == reference_html(body, allow_html), body
    assert accepted > 300  # the comparison compared something


def real_bodies() -> list[str]:
    paths = sorted((REPO / "content").rglob("*.md")) + sorted((REPO / "docs").rglob("*.md"))
    return [split_front_matter(p.read_text("utf-8"), p.name).body for p in paths]


def test_the_real_content_renders_the_same_and_mostly_compiled() -> None:
    bodies = real_bodies()
    compiled = 0
    for body in bodies:
        html = compiled_html(body, False)
        if html is not None:
            compiled += 1
            assert html == reference_html(body, False)
        assert markdown.prepare_body(body) == reference_html(body, False)
    assert compiled >= len(bodies) * 3 // 4


def test_the_benchmark_corpus_renders_the_same_and_all_compiled(tmp_path: Path) -> None:
    generator = REPO / "bench" / "generate.py"
    subprocess.run([sys.executable, str(generator), "60", str(tmp_path)], check=True)
    summaries = sorted((tmp_path / "cmrsite" / "content").rglob("*.md"))
    assert len(summaries) >= 60
    for path in summaries:
        body = split_front_matter(path.read_text("utf-8"), path.name).body
        html = compiled_html(body, False)
        assert html is not None, path
        assert html == reference_html(body, False), path


def test_the_root_placeholder_and_link_rules_are_applied() -> None:
    body = '## Iași & co\n\n[a](/editions/x/) [b](https://ex.org/) ![c](/f.png "t")\n'
    html = compiled_html(body, False)
    assert html == (
        '<h2 id="iasi-co">Iași &amp; co</h2>\n'
        f'<p><a href="{markdown.ROOT}editions/x/">a</a> '
        '<a href="https://ex.org/" rel="noopener">b</a> '
        f'<img src="{markdown.ROOT}f.png" alt="c" title="t" loading="lazy" /></p>\n'
    )
    assert markdown.render(body, root="../../").startswith('<h2 id="iasi-co">')
    assert 'href="../../editions/x/"' in markdown.render(body, root="../../")


def test_without_the_compiled_parser_markdown_it_py_renders_everything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bodies = real_bodies()
    expected = [(markdown.prepare_body(body), markdown.blocks(body)) for body in bodies]
    monkeypatch.setattr(compiled_markdown, "parser", lambda: None)
    markdown._blocks.cache_clear()
    for body, (html, blocks) in zip(bodies, expected, strict=True):
        assert markdown.prepare_body(body) == html
        assert [b.links for b in markdown.blocks(body)] == [b.links for b in blocks]
    markdown._blocks.cache_clear()


FINDINGS_DOCUMENT = """\
Held on 21–23 November 2023 in Iași, see [the page](/editions/nowhere/).

- A list item with [a broken link](/editions/gone/) and 30 November – 1 December 2022.
  - Nested: ![a picture](/files/none.png) on 21–23 November 2023.

> Quoted: [another](/editions/missing-too/ "title") and Iaศ™i.

## A heading on 21–23 November 2023 with [a link](/nope/)

Two lines, the second with a link:
here is [one](../../outside/) and [fine](/editions/x/).
"""


def test_the_checks_find_the_same_from_either_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = FINDINGS_DOCUMENT.splitlines()
    document = Document(
        "editions/x.md", "content/editions/x.md", FrontMatter(), FINDINGS_DOCUMENT, 1
    )
    known = checks.KnownPaths(frozenset({"editions/x/"}), frozenset({"editions/x/index.html"}))
    compiled_blocks = compiled_markdown.blocks(FINDINGS_DOCUMENT)
    assert compiled_blocks is not None
    token_blocks = markdown.token_blocks(markdown.parse(FINDINGS_DOCUMENT))
    assert [b.links for b in compiled_blocks] == [b.links for b in token_blocks]

    def findings(blocks: list[compiled_markdown.Block]) -> list[checks.Problem]:
        located = checks.Located(document, lines, blocks)
        return checks.link_problems(located, "editions/x/", known)

    from_compiled, from_tokens = findings(compiled_blocks), findings(token_blocks)
    assert [(p.line, p.col, p.message) for p in from_compiled] == [
        (p.line, p.col, p.message) for p in from_tokens
    ]
    assert len(from_compiled) == 6


def test_the_quick_link_pass_hides_no_finding() -> None:
    """Given the prepared HTML, a document whose links all lead somewhere is not parsed into
    blocks; one with a broken link gets the same findings as without the HTML."""
    document = Document("editions/x.md", "content/editions/x.md", FrontMatter(), "", 1)
    known = checks.KnownPaths(frozenset({"editions/x/"}), frozenset({"editions/x/index.html"}))
    fine = "A [page](/editions/x/), [a&b](/editions/x/?a=1&b=2) and [out](https://ex.org/).\n"
    for body in (FINDINGS_DOCUMENT, fine):
        html = markdown.prepare_body(body)
        doc = Document(document.path, document.label, document.meta, body, 1)
        with_html = checks.document_problems(
            body, doc, "editions/x/", known, None, None, "en", html
        )  # type: ignore[arg-type]
        without = checks.document_problems(body, doc, "editions/x/", known, None, None, "en")  # type: ignore[arg-type]
        assert with_html == without
    assert checks.all_links_lead_somewhere(markdown.prepare_body(fine), "editions/x/", known)
    assert not checks.all_links_lead_somewhere(
        markdown.prepare_body(FINDINGS_DOCUMENT), "editions/x/", known
    )
