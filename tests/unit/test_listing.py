"""Merged pages across pods equal what one API holding every item would answer."""
from __future__ import annotations

import functools
import random

import pytest

from tricircle.compute import listing
from tricircle.core import errors

RULES = listing.SortRules(fields={"created_at": "created", "display_name": "name",
                                  "uuid": "id"}, default=(("created_at", "desc"),))


def pod_page(items: list[dict], keys: list[listing.SortKey], limit: int,
             marker: str | None) -> list[dict]:
    """What one pod answers: its items sorted, those after `marker`, at most `limit`."""
    ordered = sorted(items, key=functools.cmp_to_key(listing.comparator(keys)))
    if marker is not None:
        ordered = ordered[[i["id"] for i in ordered].index(marker) + 1:]
    return ordered[:limit]


def make_pods(rng: random.Random, n_pods: int) -> dict[str, list[dict]]:
    return {f"pod{p}": [{"id": f"{p}-{i:03d}", "created": f"2026-01-{rng.randint(1, 9):02d}",
                         "name": rng.choice(["a", "b", None, "c"])}
                        for i in range(rng.randint(0, 12))] for p in range(n_pods)}


@pytest.mark.parametrize("seed", range(40))
def test_paging_through_merged_pages_equals_one_sorted_list(seed: int) -> None:
    rng = random.Random(seed)
    pods = make_pods(rng, rng.randint(1, 5))
    sort = rng.choice([([], []), (["created_at"], ["asc"]), (["display_name"], ["desc"]),
                       (["display_name", "created_at"], ["asc", "desc"])])
    keys = listing.sort_keys(RULES, *sort)
    limit = rng.randint(1, 7)
    everything = pod_page([i for items in pods.values() for i in items], keys, 10**6, None)

    seen, markers, asked = [], {}, 0
    while True:
        pages = {p: pod_page(items, keys, limit, markers.get(p)) for p, items in pods.items()}
        asked += sum(len(v) for v in pages.values())
        page = listing.merge(pages, keys, limit)
        seen += [item for _, item in page]
        if len(page) < limit:
            break
        markers = listing.next_markers(markers, page)
    assert [i["id"] for i in seen] == [i["id"] for i in everything]
    # Each page asks each pod for at most `limit` items.
    n_pages = len(seen) // limit + 1
    assert asked <= n_pages * limit * len(pods)


def test_is_after_agrees_with_the_order() -> None:
    keys = listing.sort_keys(RULES, [], [])
    a = {"id": "1", "created": "2026-01-02"}
    b = {"id": "2", "created": "2026-01-01"}
    assert listing.is_after(b, a, keys) and not listing.is_after(a, b, keys)


@pytest.mark.parametrize(("keys", "dirs"), [(["nope"], []), (["created_at"], ["sideways"]),
                                            (["created_at"], ["asc", "desc"])])
def test_bad_sorts_are_400(keys: list[str], dirs: list[str]) -> None:
    with pytest.raises(errors.BadRequest):
        listing.sort_keys(RULES, keys, dirs)


def test_missing_values_sort_first_ascending() -> None:
    keys = listing.sort_keys(RULES, ["display_name"], ["asc"])
    page = listing.merge({"p": [{"id": "1", "name": None}, {"id": "2", "name": "a"}]},
                         keys, 5)
    assert [i["id"] for _, i in page] == ["1", "2"]
