"""The mojibake check's shortcuts give the verdicts of the plain way, and leave most of ftfy
unloaded.

The plain way (`reference_verdict`): split each line at spaces and tabs, and for each word
that is not ASCII ask ftfy's `fix_encoding`, then re-read it in the fallback code pages, then
ask ftfy's `is_bad`. The check asks `is_bad` first, from ftfy's `badness` module loaded alone,
and loads the rest of ftfy only for the words it flags.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import ftfy
import pytest
from ftfy.badness import is_bad
from hypothesis import given, settings
from hypothesis import strategies as st

from cmrsite import checks

REPO = Path(__file__).resolve().parent.parent
CODE_PAGES = ("latin-1", "cp1252", "cp1250", "cp1251", "cp1257", "cp874", "cp437", "mac_roman")


def reference_verdict(word: str) -> tuple[str | None] | None:
    fixed = ftfy.fix_encoding(word)
    if fixed == word:
        fixed = checks._reread(word)
    if fixed != word:
        return (fixed,)
    return (None,) if is_bad(word) else None


def reference_words(line: str) -> list[tuple[int, str]]:
    return [
        (match.start() + 1, match.group())
        for match in re.finditer(r"[^ \t]+", line)
        if not match.group().isascii()
    ]


def real_words() -> list[str]:
    """Every word of the real site's Markdown and records that is not ASCII."""
    words: set[str] = set()
    for path in [*REPO.glob("content/**/*.md"), *REPO.glob("data/*.yaml")]:
        for line in path.read_text(encoding="utf-8").splitlines():
            words.update(word for _, word in reference_words(line))
    return sorted(words)


def mis_encoded(words: list[str]) -> list[str]:
    """The words as UTF-8 read in the wrong code page: what the check is for."""
    out = []
    for word in words:
        data = word.encode("utf-8")
        for code_page in CODE_PAGES:
            out.append(data.decode(code_page, errors="replace"))
    return out


SAMPLES = [
    "Kraków",
    "Kittilä",
    "Iași",
    "Iaศ™i",
    "“quoted”",
    "â€œquotedâ€\x9d.",
    "ÃŽle",
    "Ελλάδα",
    "България",
    "日本",
    "€5",
    "½",
    "№",
    "Ã",
    "Â\xa0",
]


def test_the_loaded_alone_test_is_ftfys_test() -> None:
    alone = checks.ftfy_is_bad()
    assert alone is not is_bad  # loaded from the file, not through the package
    words = [*SAMPLES, *real_words()]
    words += mis_encoded(words)
    assert len(words) > 200
    assert [alone(word) for word in words] == [is_bad(word) for word in words]
    assert any(alone(word) for word in words) and not all(alone(word) for word in words)


def test_verdicts_are_the_plain_ways() -> None:
    words = [*SAMPLES, *real_words()]
    words += mis_encoded(words)
    checks._word_verdict.cache_clear()
    assert [checks._word_verdict(word) for word in words] == [
        reference_verdict(word) for word in words
    ]
    flagged = [word for word in words if checks._word_verdict(word) is not None]
    assert "Iaศ™i" in flagged and "Kraków" not in flagged


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from([" ", "\t", "  ", "a", "word", "Zü", "é", "“", "Ã©", "\xa0", "x-y"]),
            st.text(max_size=6),
        ),
        max_size=12,
    )
)
def test_the_words_looked_at_are_the_plain_ways(parts: list[str]) -> None:
    line = "".join(parts)
    expected = [
        (column, word, verdict[0])
        for column, word in reference_words(line)
        if (verdict := reference_verdict(word)) is not None
    ]
    assert checks.find_mojibake(line) == expected


def test_a_long_word_is_scanned_once() -> None:
    line = "a" * 300_000 + " Kraków " + "b" * 300_000 + "é"
    found = [(start, word) for start, word in checks._non_ascii_words(line)]
    assert found == [(300_001, "Kraków"), (300_008, "b" * 300_000 + "é")]


@pytest.mark.parametrize(
    ("text", "flagged", "loaded"),
    [
        ("Kraków, “quoted” – Iași", False, False),
        ("Iaศ™i", True, False),  # flagged by the re-reading in other code pages
        ("â€œquotedâ€\x9d", True, True),  # flagged by ftfy's test: ftfy fixes it
    ],
)
def test_a_check_loads_ftfy_only_for_a_word_its_test_flags(
    text: str, flagged: bool, loaded: bool
) -> None:
    script = (
        "import sys\n"
        "from cmrsite.checks import find_mojibake\n"
        f"found = find_mojibake({text!r})\n"
        "print(bool(found), 'ftfy' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [str(flagged), str(loaded)]
