"""News articles: Markdown files of `content/news/`, each a page at `/news/<slug>/` and a feed entry.

Unlike a summary, an article is not attached to an edition record, so its front matter carries
what a listing and a feed need: `title`, `description` and `published` are required.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .errors import Problem
from .model import Article, Document
from .validate import SLUG_RULE

FOLDER = "news"
REQUIRED = ("title", "description", "published")

ReadDocument = Callable[[str, list[Problem]], Document | None]
"""Reads `content/<relative>` into a Document, adding its problems to the list."""


def load_news(
    content: Path, read_document: ReadDocument, is_published: Callable[[Document], bool]
) -> tuple[tuple[Article, ...], list[Problem]]:
    """Every published article of `content/news/` (see `pipeline.is_published`), newest first."""
    folder = content / FOLDER
    problems: list[Problem] = []
    if not folder.is_dir():
        return (), problems
    articles: list[Article] = []
    for path in sorted(folder.glob("*.md")):
        document = read_document(f"{FOLDER}/{path.name}", problems)
        if document is None or not is_published(document):
            continue
        article = _article(path.stem, document, problems)
        if article is not None:
            articles.append(article)
    return tuple(sorted(articles, key=Article.sort_key, reverse=True)), problems


def _article(slug: str, document: Document, problems: list[Problem]) -> Article | None:
    ok = True
    if not SLUG_RULE.fullmatch(slug):
        problems.append(
            Problem(
                document.label,
                0,
                0,
                f"the file name `{slug}.md` cannot be a web address",
                "rename it with lower-case ASCII letters, digits and hyphens, "
                "e.g. `grow-your-regio-2017.md`",
            )
        )
        ok = False
    meta = document.meta
    for key in REQUIRED:
        if getattr(meta, key) is None:
            example = "2017-11-13" if key == "published" else "..."
            problems.append(
                Problem(
                    document.label,
                    1,
                    1,
                    f"a news article needs `{key}` in its front matter",
                    f"add `{key}: {example}` between the `---` lines at the top of the file",
                )
            )
            ok = False
    if not ok or meta.title is None or meta.description is None or meta.published is None:
        return None
    return Article(slug, document, meta.title, meta.description, meta.published)
