"""What the program can see of a parsed YAML value: to compare two ways of reading YAML."""

from __future__ import annotations

import math
from typing import Any

from cmrsite.sources import MarkedList, MarkedMap


def canonical(value: Any, inside: frozenset[int] = frozenset()) -> Any:
    """Everything the rest of the program can see of a parsed value."""
    if id(value) in inside:
        return ("itself",)  # `&a [*a]`
    inside = inside | {id(value)}
    if isinstance(value, MarkedMap):
        assert set(value.key_pos) == set(value) == set(value.value_pos)
        entries = [
            (k, value.key_pos[k], value.value_pos[k], value.raw.get(k), canonical(v, inside))
            for k, v in value.items()
        ]
        return ("map", value.pos, [(canonical(k), *rest) for k, *rest in entries])
    if isinstance(value, MarkedList):
        items = [canonical(item, inside) for item in value]
        return ("seq", value.pos, value.item_pos, items)
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else math.copysign(1, value) * abs(value))
    return (type(value).__name__, repr(value))
