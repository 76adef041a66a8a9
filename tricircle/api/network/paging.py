"""Neutron's sorting and pagination of the top's own lists: `sort_key`/`sort_dir` pairs,
`limit`, `marker` (the last id the client saw) and `page_reverse`, with Neutron's
`<collection>_links` (next, previous) and its messages. A page is one indexed query
(keyset: the rows after the marker's sort values), whatever the total."""
from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, and_, or_

from tricircle.api.wsgi import Request
from tricircle.core import errors, integers


@dataclasses.dataclass(frozen=True)
class Paging:
    sorts: list[tuple[Any, bool]]  # (column, ascending), id last
    limit: int | None
    marker: str | None
    reverse: bool


def of(req: Request, sortable: dict[str, Any], id_column: Any,
       unpaged: tuple[Any, ...] = ()) -> Paging:
    """The request's paging; neither sorted nor paged, the list is in `unpaged` order."""
    keys = [k for k in req.GET.getall("sort_key") if k]
    dirs = [d for d in req.GET.getall("sort_dir") if d]
    if len(keys) != len(dirs):
        raise errors.BadRequest("The number of sort_keys and sort_dirs must be same",
                                kind="HTTPBadRequest")
    absent = [k for k in keys if k not in sortable]
    if absent:
        raise errors.BadRequest(f"{absent} is invalid attribute for sort_keys",
                                kind="HTTPBadRequest")
    invalid = [d for d in dirs if d not in ("asc", "desc")]
    if invalid:
        raise errors.BadRequest(f"{invalid} is invalid value for sort_dirs, valid value is "
                                "'asc' and 'desc'", kind="HTTPBadRequest")
    raw = req.GET.get("limit", "0")
    # Any size Neutron takes; past the largest page anyone can be sent it makes no
    # difference, and no database takes a 20-digit LIMIT.
    limit = integers.digits(raw)
    if limit is None:
        raise errors.BadRequest(f"Limit must be an integer 0 or greater and not '{raw}'",
                                kind="BadRequest")
    limit = min(limit, 2**31 - 1)
    sorts = [(sortable[k], d == "asc") for k, d in zip(keys, dirs, strict=True)]
    if not keys and not limit:
        sorts = [(column, True) for column in unpaged]
    if not any(column is id_column for column, _ in sorts):
        sorts.append((id_column, True))  # a total order: ids are unique
    return Paging(sorts, limit or None, req.GET.get("marker") if limit else None,
                  bool(limit) and req.GET.get("page_reverse", "False").lower() == "true")


def apply(query: Select, paging: Paging, anchor: Any | None) -> Select:
    """The query ordered (reversed for page_reverse), after `anchor` (the marker's row),
    at most `limit` rows."""
    forward = [(col, asc != paging.reverse) for col, asc in paging.sorts]
    query = query.order_by(*(col.asc() if asc else col.desc() for col, asc in forward))
    if anchor is not None:
        query = query.where(_after(anchor, forward))
    return query.limit(paging.limit) if paging.limit else query


def _after(anchor: Any, sorts: list[tuple[Any, bool]]) -> Any:
    """Rows strictly after `anchor` in this order: (k1 > a1) or (k1 = a1 and k2 > a2)..."""
    clauses = []
    for i, (col, asc) in enumerate(sorts):
        value = getattr(anchor, col.key)
        equal = [c == getattr(anchor, c.key) for c, _ in sorts[:i]]
        clauses.append(and_(*equal, col > value if asc else col < value))
    return or_(*clauses)


def page(req: Request, paging: Paging, items: list[dict], key: str) -> dict:
    """{key: items, key_links: [...]} as Neutron answers: forward, a next link when the
    page is full and always a previous one; backward (page_reverse), the other way."""
    if paging.limit is not None:
        items = items[:paging.limit]
    if paging.reverse:
        items.reverse()
    body: dict = {key: items}
    if paging.limit is None:
        return body
    full = len(items) == paging.limit
    params = [(k, v) for k, v in req.GET.items() if k not in ("marker", "page_reverse")]
    links = []
    if full or paging.reverse:
        links.append({"rel": "next", "href": _link(
            req, params, items[-1]["id"] if items else None, False)})
    if full or not paging.reverse:
        links.append({"rel": "previous", "href": _link(
            req, params, items[0]["id"] if items else None, True)})
    body[f"{key}_links"] = links
    return body


def _link(req: Request, params: list, marker: str | None, reverse: bool) -> str:
    query = [*params, *([("marker", marker)] if marker else []),
             *([("page_reverse", "True")] if reverse else [])]
    return f"{req.path_url}?{urlencode(query)}"
