"""Documents cross between processes (the read-ahead) pickled by their field values: they come
back equal, every field included."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import date

import pytest

from cmrsite.model import Document, FrontMatter

META = FrontMatter("Title", "About", date(2024, 5, 6), True, "photo.jpg")
DOCUMENT = Document("editions/x.md", "content/editions/x.md", META, "Body *text*.\n", 7)


@pytest.mark.parametrize("value", [META, DOCUMENT, FrontMatter()])
def test_a_pickled_record_comes_back_equal(value: object) -> None:
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(value, protocol)) == value


@pytest.mark.parametrize("value", [META, DOCUMENT])
def test_the_pickle_carries_every_field(value: object) -> None:
    """A field added to the class must be added to its `__reduce__` too."""
    assert dataclasses.is_dataclass(value)
    _, values = value.__reduce__()  # type: ignore[misc]
    names = [field.name for field in dataclasses.fields(value)]
    assert list(values) == [getattr(value, name) for name in names]
