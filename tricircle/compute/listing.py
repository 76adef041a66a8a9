"""Merging sorted pages from many pods into one page, as one API would have answered.

Pure logic. Each pod returns its items already sorted by the same keys; the merge keeps
that order across pods and takes `limit`. Every pod is asked for at most `limit` items
after its own marker, so a page costs about `limit` items per pod.
"""
from __future__ import annotations

import functools
import heapq
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tricircle.core import errors


@dataclass(frozen=True)
class SortKey:
    field: str  # the item's field that holds the value
    descending: bool


@dataclass(frozen=True)
class SortRules:
    """How an API's sort keys map to fields of its items, and its default order."""
    fields: Mapping[str, str]  # sort key (API name) -> item field
    default: tuple[tuple[str, str], ...]  # ((key, "asc"|"desc"), ...)
    tiebreak: str = "id"  # a unique field, so the order is total


def sort_keys(rules: SortRules, keys: Sequence[str], dirs: Sequence[str]) -> list[SortKey]:
    """The requested sort (Nova's sort_key/sort_dir pairs), checked, with a unique tiebreak.

    A key whose value the items do not show cannot be merged across pods: 400."""
    if len(dirs) > len(keys):
        raise errors.BadRequest("More sort directions than sort keys.")
    pairs = list(zip(keys, list(dirs) + ["desc"] * (len(keys) - len(dirs)), strict=True)) \
        if keys else list(rules.default)
    out = []
    for key, direction in pairs:
        if direction not in ("asc", "desc"):
            raise errors.BadRequest(f"Unknown sort direction {direction[:20]!r}: asc or desc.")
        if key not in rules.fields:
            raise errors.BadRequest(f"Sort key {key[:40]!r} is not supported.")
        out.append(SortKey(rules.fields[key], direction == "desc"))
    if not any(k.field == rules.tiebreak for k in out):
        out.append(SortKey(rules.tiebreak, out[0].descending if out else True))
    return out


def split_sort(value: str) -> tuple[list[str], list[str]]:
    """Cinder's `sort=key1:dir1,key2` as (keys, dirs); a key without a direction is desc."""
    keys, dirs = [], []
    for part in value.split(","):
        key, _, direction = part.strip().partition(":")
        if not key:
            raise errors.BadRequest(f"Invalid sort {value[:60]!r}.")
        keys.append(key)
        dirs.append(direction or "desc")
    return keys, dirs


def _cmp_values(a: Any, b: Any) -> int:
    # Missing values sort first, as NULLs do in the pods' MySQL/MariaDB.
    if a is None or b is None:
        return (a is not None) - (b is not None)
    if isinstance(a, bool) or isinstance(b, bool):
        a, b = bool(a), bool(b)
    elif type(a) is not type(b):
        a, b = str(a), str(b)
    return (a > b) - (a < b)


def comparator(keys: Sequence[SortKey]) -> Callable[[dict, dict], int]:
    def cmp(x: dict, y: dict) -> int:
        for k in keys:
            c = _cmp_values(x.get(k.field), y.get(k.field))
            if c:
                return -c if k.descending else c
        return 0
    return cmp


def merge(pages: Mapping[str, Sequence[dict]], keys: Sequence[SortKey],
          limit: int) -> list[tuple[str, dict]]:
    """The first `limit` items of all pods' sorted pages, as (pod, item), in order."""
    cmp = comparator(keys)
    wrap = functools.cmp_to_key(cmp)
    streams = [[(wrap(item), pod, item) for item in items] for pod, items in pages.items()]
    merged = heapq.merge(*streams, key=lambda t: t[0])
    return [(pod, item) for _, pod, item in itertools.islice(merged, limit)]


def next_markers(previous: Mapping[str, str | None], page: Sequence[tuple[str, dict]],
                 id_field: str = "id") -> dict[str, str | None]:
    """Each pod's marker after `page`: the last of its items the page showed, else the
    marker it had (None: nothing of that pod shown yet, start from its beginning)."""
    markers = dict(previous)
    for pod, item in page:
        markers[pod] = item[id_field]
    return markers


def is_after(item: dict, anchor: dict, keys: Sequence[SortKey]) -> bool:
    """Does `item` sort strictly after `anchor`?"""
    return comparator(keys)(item, anchor) > 0
